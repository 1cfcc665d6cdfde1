//! OpenTracing "OT Trace" propagation: `ot-tracer-traceid`, `ot-tracer-spanid`,
//! `ot-tracer-sampled` and `ot-baggage-{key}`.
//!
//! There is no formal spec; this follows the OpenTelemetry implementations (opentelemetry-go-contrib
//! `propagators/ot`, opentelemetry-java `OtTracePropagator`, the Ruby and JS READMEs'
//! "OT Trace Format" tables, all after basictracer): the trace id is 16 hex digits (32 accepted
//! on extract, and only the low 64 bits injected "to interop with systems that use the OT
//! header format"), the span id 16 hex digits, `ot-tracer-sampled` `true`/`false` (and the
//! `1`/`0` some SDKs wrote, accepted on extract), and baggage values are raw strings.

use std::sync::LazyLock;

use opentelemetry::Context;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter,
};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceId};

use crate::carrier::{Carrier, FromExtractor};
use crate::chars::is_field_value;
use crate::error::{ErrorKind, ParseError};
use crate::header::{OT_BAGGAGE_PREFIX, OT_TRACER_SAMPLED, OT_TRACER_SPANID, OT_TRACER_TRACEID};
use crate::hex;
use crate::prefixed_baggage::{extract_prefixed_baggage, inject_prefixed_baggage};
use crate::propagator::Propagator;
use crate::remote::remote_span_context;

#[cfg(test)]
mod tests;

static FIELDS: LazyLock<[String; 3]> =
    LazyLock::new(|| [OT_TRACER_TRACEID, OT_TRACER_SPANID, OT_TRACER_SAMPLED].map(String::from));

/// The three OT trace headers, parsed.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), baton_propagation::ParseError> {
/// use baton_propagation::OtTraceHeaders;
///
/// let ot = OtTraceHeaders::parse("80f198ee56343ba8", "e457b5a2e4d86bd1", Some("true"))?;
/// assert_eq!(ot.trace_id().to_string(), "000000000000000080f198ee56343ba8");
/// assert!(ot.is_sampled());
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// [`ParseError`] when the trace id is not 16 or 32 lowercase hex digits, the span id not 16,
/// either is all zeros, or `ot-tracer-sampled` is not `true`, `false` (in any case), `1`, `0`
/// or empty (read as absent, as opentelemetry-go-contrib does).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OtTraceHeaders {
    trace_id: u128,
    span_id: u64,
    sampled: bool,
}

impl OtTraceHeaders {
    /// Headers for a span context; the trace id is cut to its low 64 bits (the OT format's
    /// width). `None` when an id is invalid.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::OtTraceHeaders;
    /// use opentelemetry::trace::{SpanId, TraceId};
    ///
    /// let ot = OtTraceHeaders::new(TraceId::from(0x1_0000000000000002), SpanId::from(3), true).unwrap();
    /// assert_eq!(ot.trace_id(), TraceId::from(2));
    /// ```
    pub fn new(trace_id: TraceId, span_id: SpanId, sampled: bool) -> Option<Self> {
        let t = u128::from_be_bytes(trace_id.to_bytes()) & u128::from(u64::MAX);
        let s = u64::from_be_bytes(span_id.to_bytes());
        (t != 0 && s != 0).then_some(OtTraceHeaders {
            trace_id: t,
            span_id: s,
            sampled,
        })
    }

    /// Parses the header values; an absent `ot-tracer-sampled` means not sampled.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::OtTraceHeaders;
    ///
    /// assert!(OtTraceHeaders::parse("80f198ee56343ba864fe8b2a57d3eff7", "e457b5a2e4d86bd1", None).is_ok());
    /// assert!(OtTraceHeaders::parse("80f198ee56343ba8", "e457b5a2e4d86bd1", Some("yes")).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// See [`OtTraceHeaders`].
    pub fn parse(trace_id: &str, span_id: &str, sampled: Option<&str>) -> Result<Self, ParseError> {
        let t = trace_id.as_bytes();
        let trace_id = match (t.len(), hex::decode_lower_u128(t)) {
            (16 | 32, Some(0)) => {
                return Err(ParseError::new(
                    ErrorKind::InvalidId,
                    OT_TRACER_TRACEID,
                    "value",
                    "not all zeros",
                ));
            }
            (16 | 32, Some(t)) => t,
            _ => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    OT_TRACER_TRACEID,
                    "value",
                    "16 or 32 lowercase hex digits",
                ));
            }
        };
        let s = span_id.as_bytes();
        let span_id = match (s.len(), hex::decode_lower_u64(s)) {
            (16, Some(0)) => {
                return Err(ParseError::new(
                    ErrorKind::InvalidId,
                    OT_TRACER_SPANID,
                    "value",
                    "not all zeros",
                ));
            }
            (16, Some(s)) => s,
            _ => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    OT_TRACER_SPANID,
                    "value",
                    "16 lowercase hex digits",
                ));
            }
        };
        // opentelemetry-go-contrib lower-cases the value and reads "" as unset (its carriers
        // answer "" for an absent header); opentelemetry-java uses `Boolean.parseBoolean`.
        let sampled = match sampled {
            None | Some("") => false,
            Some("1") => true,
            Some("0") => false,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(_) => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    OT_TRACER_SAMPLED,
                    "value",
                    "true or false",
                ));
            }
        };
        Ok(OtTraceHeaders {
            trace_id,
            span_id,
            sampled,
        })
    }

    /// The trace id (a 64-bit one zero-padded to 128 bits).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::OtTraceHeaders;
    ///
    /// let ot = OtTraceHeaders::parse("0000000000000001", "0000000000000002", None).unwrap();
    /// assert_eq!(ot.trace_id().to_string(), "00000000000000000000000000000001");
    /// ```
    pub fn trace_id(&self) -> TraceId {
        TraceId::from(self.trace_id)
    }

    /// The span id.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::OtTraceHeaders;
    ///
    /// let ot = OtTraceHeaders::parse("0000000000000001", "0000000000000002", None).unwrap();
    /// assert_eq!(ot.span_id().to_string(), "0000000000000002");
    /// ```
    pub fn span_id(&self) -> SpanId {
        SpanId::from(self.span_id)
    }

    /// Whether the trace is sampled.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::OtTraceHeaders;
    ///
    /// assert!(!OtTraceHeaders::parse("0000000000000001", "0000000000000002", Some("0")).unwrap().is_sampled());
    /// ```
    pub fn is_sampled(&self) -> bool {
        self.sampled
    }

    /// The remote span context.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::OtTraceHeaders;
    ///
    /// let sc = OtTraceHeaders::parse("0000000000000001", "0000000000000002", Some("true")).unwrap().span_context();
    /// assert!(sc.is_sampled() && sc.is_remote());
    /// ```
    pub fn span_context(&self) -> SpanContext {
        remote_span_context(self.trace_id, self.span_id, self.sampled)
    }

    /// The `ot-tracer-traceid` value to send: the low 64 bits as 16 digits.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::OtTraceHeaders;
    ///
    /// let ot = OtTraceHeaders::parse("80f198ee56343ba864fe8b2a57d3eff7", "e457b5a2e4d86bd1", None).unwrap();
    /// assert_eq!(std::str::from_utf8(&ot.encode_trace_id()).unwrap(), "64fe8b2a57d3eff7");
    /// ```
    pub fn encode_trace_id(&self) -> [u8; 16] {
        hex::encode::<16>(self.trace_id & u128::from(u64::MAX))
    }

    /// The `ot-tracer-spanid` value to send.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::OtTraceHeaders;
    ///
    /// let ot = OtTraceHeaders::parse("80f198ee56343ba8", "e457b5a2e4d86bd1", None).unwrap();
    /// assert_eq!(std::str::from_utf8(&ot.encode_span_id()).unwrap(), "e457b5a2e4d86bd1");
    /// ```
    pub fn encode_span_id(&self) -> [u8; 16] {
        hex::encode::<16>(u128::from(self.span_id))
    }
}

/// Accepts a baggage value only if it can be written as an HTTP field value unchanged
/// (RFC 9110 `field-value`: visible ASCII, space, tab, obs-text excluded for safety).
fn raw_value(v: &str) -> Option<String> {
    is_field_value(v).then(|| v.to_owned())
}

/// The OT Trace propagator.
///
/// Extract needs both ids; baggage (`ot-baggage-{key}`, raw values) is read only with a valid
/// span context, and written only with one, as opentelemetry-java does.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use baton_propagation::OtTracePropagator;
/// use opentelemetry::baggage::BaggageExt;
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
///
/// let p = OtTracePropagator::default();
/// let headers: HashMap<String, String> = [
///     ("ot-tracer-traceid".to_string(), "80f198ee56343ba8".to_string()),
///     ("ot-tracer-spanid".to_string(), "e457b5a2e4d86bd1".to_string()),
///     ("ot-tracer-sampled".to_string(), "true".to_string()),
///     ("ot-baggage-user".to_string(), "ann".to_string()),
/// ]
/// .into();
/// let cx = p.extract(&headers);
/// assert!(cx.span().span_context().is_sampled());
/// assert_eq!(cx.baggage().get("user").map(|v| v.as_str()), Some("ann"));
///
/// let mut out = HashMap::new();
/// p.inject_context(&cx, &mut out);
/// assert_eq!(out, headers);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OtTracePropagator {
    _private: (),
}

impl TextMapPropagator for OtTracePropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        let Some(ot) = sc
            .is_valid()
            .then(|| OtTraceHeaders::new(sc.trace_id(), sc.span_id(), sc.is_sampled()))
            .flatten()
        else {
            return;
        };
        injector.set(
            OT_TRACER_TRACEID,
            hex::as_str(&ot.encode_trace_id()).to_owned(),
        );
        injector.set(
            OT_TRACER_SPANID,
            hex::as_str(&ot.encode_span_id()).to_owned(),
        );
        injector.set(
            OT_TRACER_SAMPLED,
            if ot.sampled { "true" } else { "false" }.to_owned(),
        );
        inject_prefixed_baggage(cx, injector, OT_BAGGAGE_PREFIX, raw_value);
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&FIELDS[..])
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        self.extract_from(cx, &FromExtractor(extractor))
    }
}

impl Propagator for OtTracePropagator {
    fn extract_from(&self, cx: &Context, carrier: &dyn Carrier) -> Context {
        let (Some(t), Some(s)) = (
            carrier.first(OT_TRACER_TRACEID),
            carrier.first(OT_TRACER_SPANID),
        ) else {
            return cx.clone();
        };
        let Ok(ot) = OtTraceHeaders::parse(t, s, carrier.first(OT_TRACER_SAMPLED)) else {
            return cx.clone();
        };
        let cx = cx.with_remote_span_context(ot.span_context());
        match extract_prefixed_baggage(&cx, carrier, OT_BAGGAGE_PREFIX, raw_value) {
            Some(baggage) => cx.with_baggage(baggage),
            None => cx,
        }
    }
}
