//! Zipkin B3 propagation: the single `b3` header and the multiple `X-B3-*` headers.
//!
//! Follows the [B3 specification](https://github.com/openzipkin/b3-propagation) and the
//! OpenTelemetry B3 requirements (`specification/context/api-propagators.md`, "B3
//! Requirements"): inject defaults to the single header, never injects `X-B3-ParentSpanId`,
//! extract reads both forms (the single header wins), and debug is preserved and implies
//! sampled.
//!
//! Debug and a deferred decision do not fit in [`TraceFlags`](opentelemetry::trace::TraceFlags)
//! without colliding with the W3C random bit (`0x02`), so they travel in the [`Context`] as a
//! [`SamplingState`] for the trace they arrived with, which the B3 and Jaeger propagators both
//! read back on inject for a span context of that trace only.

use std::sync::LazyLock;

use opentelemetry::Context;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter,
};
use opentelemetry::trace::TraceContextExt;

use crate::carrier::{Carrier, FromExtractor};
use crate::header::{B3, X_B3_FLAGS, X_B3_PARENTSPANID, X_B3_SAMPLED, X_B3_SPANID, X_B3_TRACEID};
use crate::hex;
use crate::propagator::Propagator;
use crate::sampling::{SamplingState, outbound_state, with_sampling_state};

mod headers;
#[cfg(test)]
mod tests;

pub use headers::B3Headers;

/// Every field B3 injects, single first, so that each encoding's `fields()` is a sub-slice.
static FIELDS: LazyLock<[String; 5]> =
    LazyLock::new(|| [B3, X_B3_TRACEID, X_B3_SPANID, X_B3_SAMPLED, X_B3_FLAGS].map(String::from));

/// Which B3 form [`B3Propagator`] injects; extraction always reads both.
///
/// # Examples
///
/// ```
/// use baton_propagation::B3Encoding;
///
/// assert_eq!(B3Encoding::default(), B3Encoding::SingleHeader);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum B3Encoding {
    /// `b3: {TraceId}-{SpanId}-{SamplingState}`, the OpenTelemetry default.
    #[default]
    SingleHeader,
    /// `X-B3-TraceId`, `X-B3-SpanId`, `X-B3-Sampled` / `X-B3-Flags`.
    MultipleHeader,
    /// Both forms at once, for receivers that read only one of them.
    SingleAndMultiHeader,
}

/// The Zipkin B3 propagator.
///
/// Extract reads the single `b3` header first and falls back to the `X-B3-*` headers when
/// it is absent or malformed (as opentelemetry-go and -java do); an empty header line counts as
/// absent. A sampling-only value yields a context holding just a [`SamplingState`], and leaves a
/// context that already holds a valid span context as it is. Inject writes the configured
/// [`B3Encoding`], re-emits debug (`d`, `X-B3-Flags: 1`) and a deferred decision from the
/// [`SamplingState`] stored for the trace being injected (never for another trace), sends a sampled span context without valid ids as the
/// sampling-only `1` (as opentelemetry-go-contrib and opentelemetry-zipkin do), and never
/// writes the parent span id.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use baton_propagation::{B3Encoding, B3Propagator};
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
///
/// let propagator = B3Propagator::default();
/// let mut headers = HashMap::new();
/// headers.insert("b3".to_string(), "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1".to_string());
/// let cx = propagator.extract(&headers);
/// assert!(cx.span().span_context().is_sampled());
///
/// let multi = B3Propagator::with_encoding(B3Encoding::MultipleHeader);
/// let mut out = HashMap::new();
/// multi.inject_context(&cx, &mut out);
/// assert_eq!(out["x-b3-spanid"], "e457b5a2e4d86bd1");
/// assert_eq!(out["x-b3-sampled"], "1");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct B3Propagator {
    encoding: B3Encoding,
}

impl B3Propagator {
    /// A propagator injecting `encoding`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{B3Encoding, B3Propagator};
    /// use opentelemetry::propagation::TextMapPropagator;
    ///
    /// let p = B3Propagator::with_encoding(B3Encoding::SingleAndMultiHeader);
    /// assert_eq!(p.fields().count(), 5);
    /// ```
    pub const fn with_encoding(encoding: B3Encoding) -> Self {
        B3Propagator { encoding }
    }

    /// The encoding this propagator injects.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{B3Encoding, B3Propagator};
    ///
    /// assert_eq!(B3Propagator::default().encoding(), B3Encoding::SingleHeader);
    /// ```
    pub const fn encoding(&self) -> B3Encoding {
        self.encoding
    }

    fn extract_value(carrier: &dyn Carrier) -> Option<B3Headers> {
        if let Some(Ok(b3)) = carrier.first(B3).map(B3Headers::parse) {
            return Some(b3);
        }
        // An empty header line is an absent one, as in opentelemetry-go-contrib (whose carriers
        // answer "" for both): `X-B3-Sampled:` with ids is a deferred decision, not an error.
        let get = |header| carrier.first(header).filter(|v| !v.is_empty());
        let (t, s, sampled, flags) = (
            get(X_B3_TRACEID),
            get(X_B3_SPANID),
            get(X_B3_SAMPLED),
            get(X_B3_FLAGS),
        );
        if t.is_none() && s.is_none() && sampled.is_none() && flags.is_none() {
            return None;
        }
        let parent = get(X_B3_PARENTSPANID);
        B3Headers::from_multiple_headers(t, s, parent, sampled, flags).ok()
    }
}

impl TextMapPropagator for B3Propagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let sc = cx.span().span_context().clone();
        let stored = SamplingState::from_context(cx);
        let value = if sc.is_valid() {
            B3Headers::new(sc.trace_id(), sc.span_id(), outbound_state(&sc, stored))
        } else {
            // opentelemetry-go-contrib "sampled only" (and opentelemetry-zipkin): a span context
            // without ids but with the sampled flag still sends `b3: 1`. An unsampled one sends
            // nothing (rather than Go's `b3: 0`), so a context with no span never denies the
            // next hop's sampling; opentelemetry-java sends nothing for either.
            let implied = sc.is_sampled().then_some(SamplingState::Accept);
            stored.or(implied).and_then(B3Headers::sampling_only)
        };
        let Some(value) = value else { return };
        if matches!(
            self.encoding,
            B3Encoding::SingleHeader | B3Encoding::SingleAndMultiHeader
        ) {
            let mut buf = [0u8; B3Headers::LENGTH];
            injector.set(B3, value.encode(&mut buf).to_owned());
        }
        if matches!(
            self.encoding,
            B3Encoding::MultipleHeader | B3Encoding::SingleAndMultiHeader
        ) {
            if let Some((t, s)) = value.ids {
                injector.set(X_B3_TRACEID, hex::as_str(&hex::encode::<32>(t)).to_owned());
                injector.set(
                    X_B3_SPANID,
                    hex::as_str(&hex::encode::<16>(u128::from(s))).to_owned(),
                );
            }
            // Debug implies accept, so the B3 spec says not to send X-B3-Sampled with it.
            match value.sampling {
                SamplingState::Debug => injector.set(X_B3_FLAGS, "1".to_owned()),
                SamplingState::Accept => injector.set(X_B3_SAMPLED, "1".to_owned()),
                SamplingState::Deny => injector.set(X_B3_SAMPLED, "0".to_owned()),
                SamplingState::Defer => {}
            }
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        let fields: &'static [String] = &FIELDS[..];
        FieldIter::new(match self.encoding {
            B3Encoding::SingleHeader => &fields[..1],
            B3Encoding::MultipleHeader => &fields[1..],
            B3Encoding::SingleAndMultiHeader => fields,
        })
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        self.extract_from(cx, &FromExtractor(extractor))
    }
}

impl Propagator for B3Propagator {
    fn extract_from(&self, cx: &Context, carrier: &dyn Carrier) -> Context {
        let Some(b3) = Self::extract_value(carrier) else {
            return cx.clone();
        };
        match b3.span_context() {
            Some(sc) => with_sampling_state(cx.with_remote_span_context(sc), b3.sampling),
            // A sampling-only value carries no trace: over a context that already holds one it
            // changes nothing (opentelemetry-go-contrib
            // `TestExtractB3PreservesDebugWithoutValidSpanContext`: `b3: 0` keeps a stored debug).
            None if cx.span().span_context().is_valid() => cx.clone(),
            // Without ids, the decision is all there is: keep it.
            None => b3.sampling.to_context(cx),
        }
    }
}
