//! Jaeger native propagation: `uber-trace-id`, `uberctx-{key}` baggage and `jaeger-debug-id`.
//!
//! Follows the Jaeger documentation ("Client libraries → Propagation format → Trace/Span
//! Identity"): `{trace-id}:{span-id}:{parent-span-id}:{flags}`, ids in variable-length hex that
//! receivers zero-pad on the left, `0` ids invalid except the deprecated parent id, flags a
//! one-byte bitmap of one or two hex digits (`0x01` sampled, `0x02` debug, which is "only
//! honoured when the sampled flag is set"). The separators may arrive url-encoded (`%3A`).
//!
//! Debug does not go in [`TraceFlags`](opentelemetry::trace::TraceFlags) (`0x02` is the W3C
//! random bit there) but in the [`Context`] as [`SamplingState::Debug`] for the trace it arrived
//! with, shared with B3.

use std::borrow::Cow;
use std::sync::LazyLock;

use opentelemetry::Context;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter,
};
use opentelemetry::trace::TraceContextExt;

use crate::baggage::MAX_BYTES;
use crate::carried::Carried;
use crate::carrier::{Carrier, FromExtractor};
use crate::chars::{is_field_value, is_token};
use crate::header::{JAEGER_BAGGAGE, JAEGER_DEBUG_ID, UBER_TRACE_ID, UBERCTX_PREFIX};
use crate::prefixed_baggage::{BaggageBuilder, collect_prefixed, inject_prefixed_baggage};
use crate::propagator::Propagator;
use crate::sampling::{SamplingState, outbound_state, with_sampling_state};
use crate::split::{split_ascii, split_once_ascii};

#[cfg(test)]
mod tests;
mod uber_trace_id;
mod url;

pub use uber_trace_id::UberTraceId;
use uber_trace_id::{FLAG_DEBUG, FLAG_SAMPLED, LENGTH};

pub(crate) use url::{decode as url_decode, encode_into as url_encode_into};

static FIELDS: LazyLock<[String; 1]> = LazyLock::new(|| [UBER_TRACE_ID.to_owned()]);

/// The longest debug id kept; a longer one is ignored rather than copied.
const MAX_DEBUG_ID: usize = 256;

/// The value of a `jaeger-debug-id` header received without a trace, kept in the [`Context`].
///
/// Jaeger clients, on such a request, start a new trace forced to be sampled and tag its root
/// span with `jaeger.debug-id` so it can be searched. [`JaegerPropagator`] stores this value
/// with [`SamplingState::Debug`] (and no span context); a sampler or server layer can read it
/// with [`JaegerDebugId::from_context`] to force sampling and add the tag.
///
/// Both belong to no trace: they answer, and inject forwards the id, only while the context
/// holds no valid span context. The root a server starts for the request is a trace of its own
/// choosing, which carries debug only when the layer honouring the id says so (with
/// [`SamplingState::to_context`] once the root is current); an untrusted caller's header never
/// forces debug onto a trace by itself.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use baton_propagation::{JaegerDebugId, JaegerPropagator, SamplingState};
/// use opentelemetry::propagation::TextMapPropagator;
///
/// let headers: HashMap<String, String> = [("jaeger-debug-id".to_string(), "my-request".to_string())].into();
/// let cx = JaegerPropagator::default().extract(&headers);
/// assert_eq!(JaegerDebugId::from_context(&cx).map(JaegerDebugId::as_str), Some("my-request"));
/// assert_eq!(SamplingState::from_context(&cx), Some(SamplingState::Debug));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JaegerDebugId(Box<str>);

impl JaegerDebugId {
    /// The debug id stored in `cx`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::JaegerDebugId;
    ///
    /// assert!(JaegerDebugId::from_context(&opentelemetry::Context::new()).is_none());
    /// ```
    pub fn from_context(cx: &Context) -> Option<&JaegerDebugId> {
        Carried::<JaegerDebugId>::in_trace(cx)
    }

    /// The id as received.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use baton_propagation::{JaegerDebugId, JaegerPropagator};
    /// use opentelemetry::propagation::TextMapPropagator;
    ///
    /// let headers: HashMap<String, String> = [("jaeger-debug-id".to_string(), "abc".to_string())].into();
    /// let cx = JaegerPropagator::default().extract(&headers);
    /// assert_eq!(JaegerDebugId::from_context(&cx).unwrap().as_str(), "abc");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The Jaeger propagator: `uber-trace-id`, `uberctx-*` baggage, `jaeger-debug-id`.
///
/// Extract sets the remote span context from `uber-trace-id` (debug goes to
/// [`SamplingState::Debug`]), merges the `jaeger-baggage: k1=v1, k2=v2` header (as
/// opentelemetry-java reads it) and `uberctx-{key}` headers (values url-decoded, winning over
/// `jaeger-baggage`) into the context's W3C [`Baggage`], and, with no valid trace, honours `jaeger-debug-id` as a
/// [`JaegerDebugId`] plus [`SamplingState::Debug`]. Inject writes `uber-trace-id` with the
/// deprecated parent id `0`, re-emits debug as flag `0x02` for every span of the trace it
/// arrived with (never for another trace), writes every baggage entry as `uberctx-{key}`
/// (value url-encoded), and forwards a stored debug id when there is no span.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use baton_propagation::JaegerPropagator;
/// use opentelemetry::baggage::BaggageExt;
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
///
/// let p = JaegerPropagator::default();
/// let headers: HashMap<String, String> = [
///     ("uber-trace-id".to_string(), "6e0c63257de34c92:6e0c63257de34c92:0:1".to_string()),
///     ("uberctx-user".to_string(), "ann%20lee".to_string()),
/// ]
/// .into();
/// let cx = p.extract(&headers);
/// assert!(cx.span().span_context().is_sampled());
/// assert_eq!(cx.baggage().get("user").map(|v| v.as_str()), Some("ann lee"));
///
/// let mut out = HashMap::new();
/// p.inject_context(&cx, &mut out);
/// assert_eq!(out["uber-trace-id"], "00000000000000006e0c63257de34c92:6e0c63257de34c92:0:1");
/// assert_eq!(out["uberctx-user"], "ann%20lee");
/// ```
///
/// [`Baggage`]: opentelemetry::baggage::Baggage
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JaegerPropagator {
    _private: (),
}

impl TextMapPropagator for JaegerPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        let stored = SamplingState::from_context(cx);
        if sc.is_valid() {
            let state = outbound_state(sc, stored);
            let flags = match state {
                SamplingState::Debug => FLAG_SAMPLED | FLAG_DEBUG,
                s if s.is_sampled() => FLAG_SAMPLED,
                _ => 0,
            };
            if let Some(id) = UberTraceId::new(sc.trace_id(), sc.span_id(), flags) {
                let mut buf = [0u8; LENGTH];
                injector.set(UBER_TRACE_ID, id.encode(&mut buf).to_owned());
            }
        } else if let Some(debug) = JaegerDebugId::from_context(cx) {
            injector.set(JAEGER_DEBUG_ID, debug.as_str().to_owned());
        }
        inject_prefixed_baggage(cx, injector, UBERCTX_PREFIX, |v| {
            let mut value = String::with_capacity(v.len());
            url_encode_into(v, &mut value);
            Some(value)
        });
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&FIELDS[..])
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        self.extract_from(cx, &FromExtractor(extractor))
    }
}

impl Propagator for JaegerPropagator {
    fn extract_from(&self, cx: &Context, carrier: &dyn Carrier) -> Context {
        let id = carrier
            .first(UBER_TRACE_ID)
            .and_then(|v| UberTraceId::parse(v).ok());
        let mut cx = match id {
            Some(id) => {
                let state = if id.is_debug() {
                    SamplingState::Debug
                } else if id.is_sampled() {
                    SamplingState::Accept
                } else {
                    SamplingState::Deny
                };
                with_sampling_state(cx.with_remote_span_context(id.span_context()), state)
            }
            // Jaeger honours a debug id only for a request that carries no trace; one that
            // came with a trace from another format (earlier in a composite) is not that.
            None if cx.span().span_context().is_valid() => cx.clone(),
            None => match carrier.first(JAEGER_DEBUG_ID) {
                Some(d)
                    if !d.is_empty()
                        && d.len() <= MAX_DEBUG_ID
                        && d.bytes().all(|b| (0x20..0x7f).contains(&b)) =>
                {
                    // Both for no trace: the trace a server starts for this request is its own.
                    SamplingState::Debug.to_context(&Carried::store(cx, JaegerDebugId(d.into())))
                }
                _ => cx.clone(),
            },
        };
        let mut baggage = BaggageBuilder::new(&cx);
        if let Some(header) = carrier.first(JAEGER_BAGGAGE) {
            extract_baggage_header(&mut baggage, header);
        }
        // `uberctx-` entries come second, so they win over `jaeger-baggage` for the same key.
        collect_prefixed(&mut baggage, carrier, UBERCTX_PREFIX, url_decode);
        if let Some(b) = baggage.baggage {
            cx = cx.with_baggage(b);
        }
        cx
    }
}

/// Adds the members of a `jaeger-baggage: k1=v1, k2=v2` header to `out`, as
/// opentelemetry-java's `JaegerPropagator` reads it: members split on `,`, key and value split
/// on the first `=` and trimmed, values taken as sent; a member without `=` or with a key that
/// is not a token is skipped.
fn extract_baggage_header(out: &mut BaggageBuilder<'_>, value: &str) {
    if value.len() > MAX_BYTES {
        return;
    }
    for member in split_ascii(value, b',') {
        let Some((k, v)) = split_once_ascii(member, b'=') else {
            continue;
        };
        let (k, v) = (k.trim_matches(is_ows), v.trim_matches(is_ows));
        if !is_token(k.as_bytes()) || !is_field_value(v) {
            continue;
        }
        // The key travels in the value, so its case survives (unlike a header name's).
        if !out.add(Cow::Borrowed(k), v.to_owned()) {
            break;
        }
    }
}

fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}
