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
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceId};

use crate::baggage::MAX_BYTES;
use crate::carried::Carried;
use crate::carrier::{Carrier, FromExtractor};
use crate::chars::{bytes_equal, is_field_value, is_token};
use crate::error::{ErrorKind, ParseError};
use crate::header::{JAEGER_BAGGAGE, JAEGER_DEBUG_ID, UBER_TRACE_ID, UBERCTX_PREFIX};
use crate::hex;
use crate::prefixed_baggage::{BaggageBuilder, collect_prefixed, inject_prefixed_baggage};
use crate::propagator::Propagator;
use crate::remote::remote_span_context;
use crate::sampling::{SamplingState, outbound_state, with_sampling_state};
use crate::split::{split_ascii, split_once_ascii};

#[cfg(test)]
mod tests;
mod url;

pub(crate) use url::{decode as url_decode, encode_into as url_encode_into};

static FIELDS: LazyLock<[String; 1]> = LazyLock::new(|| [UBER_TRACE_ID.to_owned()]);

const HEADER: &str = UBER_TRACE_ID;
const FLAG_SAMPLED: u8 = 0x01;
const FLAG_DEBUG: u8 = 0x02;
/// The longest debug id kept; a longer one is ignored rather than copied.
const MAX_DEBUG_ID: usize = 256;
const LENGTH: usize = 32 + 1 + 16 + 1 + 16 + 1 + 2;

/// A parsed `uber-trace-id` value.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), baton_propagation::ParseError> {
/// use baton_propagation::UberTraceId;
///
/// let id = UberTraceId::parse("6e0c63257de34c92:6e0c63257de34c92:0:3")?;
/// assert_eq!(id.trace_id().to_string(), "00000000000000006e0c63257de34c92");
/// assert!(id.is_sampled() && id.is_debug());
/// assert!(id.parent_span_id().is_none());
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// [`ParseError`] when the value is empty, longer than [`UberTraceId::MAX_LEN`], has other than
/// four `:`-separated parts, an id is not 1 to 32 (trace) or 16 (span) lowercase hex digits or
/// is zero, or the flags are not one or two hex digits. The deprecated parent id is never an
/// error: receivers ignore it, so one that is not hex reads as absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UberTraceId {
    trace_id: u128,
    span_id: u64,
    parent_span_id: u64,
    flags: u8,
}

impl UberTraceId {
    /// The longest value accepted: 32, 16 and 16 digits, two flag digits and three `%3A`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(baton_propagation::UberTraceId::MAX_LEN, 75);
    /// ```
    pub const MAX_LEN: usize = 32 + 16 + 16 + 2 + 3 * 3;

    /// The length of the buffer [`encode`](Self::encode) writes into.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(baton_propagation::UberTraceId::LENGTH, 69);
    /// ```
    pub const LENGTH: usize = LENGTH;

    /// A value with the deprecated parent id `0`; `None` when an id is invalid (zero).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::UberTraceId;
    /// use opentelemetry::trace::{SpanId, TraceId};
    ///
    /// let id = UberTraceId::new(TraceId::from(0xabc), SpanId::from(0xdef), 0x01).unwrap();
    /// let mut buf = [0u8; UberTraceId::LENGTH];
    /// assert_eq!(id.encode(&mut buf), "00000000000000000000000000000abc:0000000000000def:0:1");
    /// ```
    pub fn new(trace_id: TraceId, span_id: SpanId, flags: u8) -> Option<Self> {
        let (t, s) = (
            u128::from_be_bytes(trace_id.to_bytes()),
            u64::from_be_bytes(span_id.to_bytes()),
        );
        (t != 0 && s != 0).then_some(UberTraceId {
            trace_id: t,
            span_id: s,
            parent_span_id: 0,
            flags,
        })
    }

    /// Parses `{trace-id}:{span-id}:{parent-span-id}:{flags}`, with `:` or `%3A`/`%3a`
    /// separators and short ids zero-padded on the left.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::UberTraceId;
    ///
    /// let id = UberTraceId::parse("abc%3Adef%3A0%3A1").unwrap();
    /// assert_eq!(id.span_id().to_string(), "0000000000000def");
    /// assert!(UberTraceId::parse("abc:def:0").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// See [`UberTraceId`].
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let v = value.as_bytes();
        if v.is_empty() {
            return Err(ParseError::new(
                ErrorKind::Empty,
                HEADER,
                "value",
                "{trace-id}:{span-id}:{parent-span-id}:{flags}",
            ));
        }
        if v.len() > Self::MAX_LEN {
            return Err(ParseError::new(
                ErrorKind::TooLong,
                HEADER,
                "value",
                "at most 75 bytes",
            ));
        }
        let mut parts = [&v[..0]; 4];
        let (mut n, mut start, mut i) = (0, 0, 0);
        // Each step jumps to the next byte that may start a separator.
        while let Some(at) = next_separator(v, i) {
            i = at;
            let sep = match &v[i..] {
                [b':', ..] => 1,
                [b'%', b'3', b'A' | b'a', ..] => 3,
                _ => 0,
            };
            if sep == 0 {
                i += 1;
                continue;
            }
            if n == 3 {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "value",
                    "four parts separated by ':'",
                ));
            }
            parts[n] = &v[start..i];
            n += 1;
            i += sep;
            start = i;
        }
        if n != 3 {
            return Err(ParseError::new(
                ErrorKind::Malformed,
                HEADER,
                "value",
                "four parts separated by ':'",
            ));
        }
        parts[3] = &v[start..];
        let [t, s, p, f] = parts;
        let trace_id = match (t.len(), hex::decode_lower_u128(t)) {
            (1..=32, Some(0)) => {
                return Err(ParseError::new(
                    ErrorKind::InvalidId,
                    HEADER,
                    "trace id",
                    "not zero",
                ));
            }
            (1..=32, Some(t)) => t,
            _ => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "trace id",
                    "1 to 32 lowercase hex digits",
                ));
            }
        };
        let span_id = match (s.len(), hex::decode_lower_u64(s)) {
            (1..=16, Some(0)) => {
                return Err(ParseError::new(
                    ErrorKind::InvalidId,
                    HEADER,
                    "span id",
                    "not zero",
                ));
            }
            (1..=16, Some(s)) => s,
            _ => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "span id",
                    "1 to 16 lowercase hex digits",
                ));
            }
        };
        // Jaeger docs: the parent id is "deprecated, most Jaeger clients ignore on the receiving
        // side"; opentelemetry-go-contrib ("ignore parent span id": `{t}:{s}:whatever:1` is
        // valid) and opentelemetry-java never read it. It is kept only when it is valid hex.
        let parent_span_id = match (p.len(), hex::decode_lower_u64(p)) {
            (1..=16, Some(p)) => p,
            _ => 0,
        };
        let flags = match (f.len(), hex::decode_lower_u64(f)) {
            (1..=2, Some(f)) => f as u8,
            _ => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "flags",
                    "1 or 2 lowercase hex digits",
                ));
            }
        };
        Ok(UberTraceId {
            trace_id,
            span_id,
            parent_span_id,
            flags,
        })
    }

    /// The trace id, zero-padded to 128 bits.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::UberTraceId;
    ///
    /// assert_eq!(UberTraceId::parse("1:2:0:0").unwrap().trace_id().to_string(), "00000000000000000000000000000001");
    /// ```
    pub fn trace_id(&self) -> TraceId {
        TraceId::from(self.trace_id)
    }

    /// The span id.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::UberTraceId;
    ///
    /// assert_eq!(UberTraceId::parse("1:2:0:0").unwrap().span_id().to_string(), "0000000000000002");
    /// ```
    pub fn span_id(&self) -> SpanId {
        SpanId::from(self.span_id)
    }

    /// The deprecated parent span id; `None` for `0` (a root span) or a value that is not 1 to
    /// 16 lowercase hex digits (which receivers ignore).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::UberTraceId;
    ///
    /// assert_eq!(UberTraceId::parse("1:2:3:0").unwrap().parent_span_id().unwrap().to_string(), "0000000000000003");
    /// assert!(UberTraceId::parse("1:2:whatever:0").unwrap().parent_span_id().is_none());
    /// ```
    pub fn parent_span_id(&self) -> Option<SpanId> {
        (self.parent_span_id != 0).then(|| SpanId::from(self.parent_span_id))
    }

    /// The raw flags byte.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::UberTraceId;
    ///
    /// assert_eq!(UberTraceId::parse("1:2:0:0b").unwrap().flags(), 0x0b);
    /// ```
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// Whether the sampled bit (`0x01`) is set.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::UberTraceId;
    ///
    /// assert!(!UberTraceId::parse("1:2:0:2").unwrap().is_sampled());
    /// ```
    pub fn is_sampled(&self) -> bool {
        self.flags & FLAG_SAMPLED != 0
    }

    /// Whether debug (`0x02`) is set together with sampled: Jaeger says the debug flag "should
    /// only be set when the sampled flag is set" and is ignored otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::UberTraceId;
    ///
    /// assert!(UberTraceId::parse("1:2:0:3").unwrap().is_debug());
    /// assert!(!UberTraceId::parse("1:2:0:2").unwrap().is_debug());
    /// ```
    pub fn is_debug(&self) -> bool {
        self.flags & (FLAG_SAMPLED | FLAG_DEBUG) == FLAG_SAMPLED | FLAG_DEBUG
    }

    /// The remote span context: only the sampled bit reaches [`TraceFlags`](opentelemetry::trace::TraceFlags).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::UberTraceId;
    ///
    /// let sc = UberTraceId::parse("1:2:0:3").unwrap().span_context();
    /// assert_eq!(sc.trace_flags().to_u8(), 0x01);
    /// assert!(sc.is_remote());
    /// ```
    pub fn span_context(&self) -> SpanContext {
        remote_span_context(self.trace_id, self.span_id, self.is_sampled())
    }

    /// Writes the value with `:` separators, a 32-digit trace id, a 16-digit span id, the parent
    /// id (`0` when absent) and minimal flag digits into `buf`, and returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::UberTraceId;
    ///
    /// let id = UberTraceId::parse("6e0c63257de34c92:6e0c63257de34c92:0:3").unwrap();
    /// let mut buf = [0u8; UberTraceId::LENGTH];
    /// assert_eq!(id.encode(&mut buf), "00000000000000006e0c63257de34c92:6e0c63257de34c92:0:3");
    /// ```
    pub fn encode<'b>(&self, buf: &'b mut [u8; LENGTH]) -> &'b str {
        let mut n = 0;
        let mut push = |bytes: &[u8]| {
            buf[n..n + bytes.len()].copy_from_slice(bytes);
            n += bytes.len();
        };
        push(&hex::encode::<32>(self.trace_id));
        push(b":");
        push(&hex::encode::<16>(u128::from(self.span_id)));
        push(b":");
        if self.parent_span_id == 0 {
            push(b"0");
        } else {
            push(&hex::encode::<16>(u128::from(self.parent_span_id)));
        }
        push(b":");
        let f = hex::encode::<2>(u128::from(self.flags));
        push(if self.flags < 0x10 { &f[1..] } else { &f[..] });
        hex::as_str(&buf[..n])
    }
}

impl std::str::FromStr for UberTraceId {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UberTraceId::parse(s)
    }
}

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

/// The index of the first `:` or `%` of `v` at or after `from`, eight bytes at a time.
fn next_separator(v: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(word) = v.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let x = u64::from_le_bytes(w);
        // The lowest flagged byte is exactly the first match (only bytes after a match can
        // be flagged falsely, by the borrow).
        let found = bytes_equal(x, b':') | bytes_equal(x, b'%');
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let tail = v.get(i..)?;
    tail.iter()
        .position(|&b| b == b':' || b == b'%')
        .map(|at| i + at)
}

fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}
