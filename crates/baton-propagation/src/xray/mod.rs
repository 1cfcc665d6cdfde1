//! AWS X-Ray propagation: the `X-Amzn-Trace-Id` header.
//!
//! `Root=1-{8 hex epoch}-{24 hex};Parent={16 hex};Sampled={0|1|?}`, fields in any order
//! (AWS X-Ray developer guide, "Tracing header"; opentelemetry-aws and opentelemetry-go-contrib
//! `propagators/aws/xray`). Other fields (`Self=`, `Lineage=`, application fields that load
//! balancers preserve) are kept in the [`Context`] for the trace and span they arrived with,
//! and re-emitted, in their order, after the three known fields on inject:
//!
//! - for every span of that trace, `Lineage` (Lambda's loop detection counts the hops of one
//!   request chain) and application fields (the Elastic Load Balancing docs: a header with
//!   `Root` and a custom field keeps both as it travels);
//! - `Self`, which a load balancer inserts to name its own hop, only for the very span context
//!   it arrived with (a proxy forwarding the request as it is), not for a child's calls;
//! - none of them for another trace.
//!
//! A missing or `?` `Sampled` is a deferred decision, kept as [`SamplingState::Defer`] beside
//! an unsampled span context (opentelemetry-aws puts it in trace flag `0x02`, which is the W3C
//! random bit, so Baton does not).

use std::sync::LazyLock;

use opentelemetry::Context;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter,
};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceId};

use crate::carried::{Carried, Match};
use crate::carrier::{Carrier, FromExtractor};
use crate::chars::is_field_value;
use crate::error::{ErrorKind, ParseError};
use crate::header::X_AMZN_TRACE_ID;
use crate::hex;
use crate::propagator::Propagator;
use crate::remote::remote_span_context;
use crate::sampling::{SamplingState, outbound_state, with_sampling_state};
use crate::split::{split_ascii, split_once_ascii};

#[cfg(test)]
mod tests;

static FIELDS: LazyLock<[String; 1]> = LazyLock::new(|| [X_AMZN_TRACE_ID.to_owned()]);

const HEADER: &str = X_AMZN_TRACE_ID;
const LENGTH: usize = "Root=1-".len() + 8 + 1 + 24 + ";Parent=".len() + 16 + ";Sampled=".len() + 1;

/// The fields other than `Root`, `Parent` and `Sampled`, as received, joined by `;`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ExtraFields(Box<str>);

/// A parsed `X-Amzn-Trace-Id` value, borrowing the input.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), baton_propagation::ParseError> {
/// use baton_propagation::{SamplingState, XRayTraceHeader};
///
/// let h = XRayTraceHeader::parse("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")?;
/// assert_eq!(h.trace_id().to_string(), "5759e988bd862e3fe1be46a994272793");
/// assert_eq!(h.sampling(), SamplingState::Accept);
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// [`ParseError`] when the value is empty, longer than [`XRayTraceHeader::MAX_LEN`], not ASCII,
/// a field has no `=`, `Root`/`Parent` are malformed or all zeros, `Sampled` is not `0`, `1` or
/// `?`, a known field repeats, or `Root` is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XRayTraceHeader<'a> {
    trace_id: u128,
    parent: Option<u64>,
    sampling: SamplingState,
    value: &'a str,
    has_extra: bool,
}

impl<'a> XRayTraceHeader<'a> {
    /// The longest value accepted: 256 bytes, the limit AWS puts on a trace header
    /// (Step Functions `StartExecution` `traceHeader`: "Maximum length of 256", ASCII only).
    /// Checked before any parsing.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{ErrorKind, XRayTraceHeader};
    ///
    /// let long = format!("Root=1-5759e988-bd862e3fe1be46a994272793;A={}", "x".repeat(250));
    /// assert_eq!(XRayTraceHeader::parse(&long).unwrap_err().kind(), ErrorKind::TooLong);
    /// ```
    pub const MAX_LEN: usize = 256;

    /// The length of [`encode`](Self::encode)'s output: `Root`, `Parent` and `Sampled`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(baton_propagation::XRayTraceHeader::LENGTH, 74);
    /// ```
    pub const LENGTH: usize = LENGTH;

    /// A header with no extra fields.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{SamplingState, XRayTraceHeader};
    /// use opentelemetry::trace::{SpanId, TraceId};
    ///
    /// let h = XRayTraceHeader::new(TraceId::from(0x5759e988_bd862e3fe1be46a994272793), SpanId::from(0x53995c3f42cd8ad8), SamplingState::Defer);
    /// let mut buf = [0u8; XRayTraceHeader::LENGTH];
    /// assert_eq!(h.encode(&mut buf), "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?");
    /// ```
    pub fn new(
        trace_id: TraceId,
        parent: SpanId,
        sampling: SamplingState,
    ) -> XRayTraceHeader<'static> {
        let parent = u64::from_be_bytes(parent.to_bytes());
        XRayTraceHeader {
            trace_id: u128::from_be_bytes(trace_id.to_bytes()),
            parent: (parent != 0).then_some(parent),
            sampling,
            value: "",
            has_extra: false,
        }
    }

    /// Parses a header value. Fields are separated by `;` with optional spaces or tabs around
    /// each field (as opentelemetry-go-contrib trims them); keys are case-sensitive.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{SamplingState, XRayTraceHeader};
    ///
    /// let h = XRayTraceHeader::parse("Sampled=?; Self=1-67891233-12456789abcdef012345678; Root=1-67891233-abcdef012345678912345678; Parent=53995c3f42cd8ad8").unwrap();
    /// assert_eq!(h.sampling(), SamplingState::Defer);
    /// assert_eq!(h.extra_fields().collect::<Vec<_>>(), [("Self", "1-67891233-12456789abcdef012345678")]);
    /// ```
    ///
    /// # Errors
    ///
    /// See [`XRayTraceHeader`].
    pub fn parse(value: &'a str) -> Result<Self, ParseError> {
        if value.len() > Self::MAX_LEN {
            return Err(ParseError::new(
                ErrorKind::TooLong,
                HEADER,
                "value",
                "at most 256 bytes",
            ));
        }
        match Self::parse_canonical(value) {
            Some(canonical) => Ok(canonical),
            None => Self::parse_fields(value),
        }
    }

    /// [`XRayTraceHeader::parse`] field by field, for a value of at most `MAX_LEN` bytes.
    fn parse_fields(value: &'a str) -> Result<Self, ParseError> {
        if value.bytes().all(is_ows) {
            return Err(ParseError::new(
                ErrorKind::Empty,
                HEADER,
                "value",
                "a Root field",
            ));
        }
        if !is_field_value(value) {
            return Err(ParseError::new(
                ErrorKind::Malformed,
                HEADER,
                "value",
                "printable ascii",
            ));
        }
        let (mut root, mut parent, mut sampled, mut has_extra) = (None, None, None, false);
        for (key, field) in fields(value) {
            let field = field?;
            match key {
                "Root" => set_once(&mut root, parse_root(field)?, "root")?,
                "Parent" => set_once(&mut parent, parse_parent(field)?, "parent")?,
                "Sampled" => set_once(&mut sampled, parse_sampled(field)?, "sampled")?,
                _ => has_extra = true,
            }
        }
        let Some(trace_id) = root else {
            return Err(ParseError::new(
                ErrorKind::Malformed,
                HEADER,
                "root",
                "a Root field",
            ));
        };
        Ok(XRayTraceHeader {
            trace_id,
            parent,
            sampling: sampled.unwrap_or(SamplingState::Defer),
            value,
            has_extra,
        })
    }

    /// The header as AWS writes it, `Root=…;Parent=…;Sampled=…` in that order with nothing
    /// else, read without splitting it into fields; `None` for any other value (which
    /// [`XRayTraceHeader::parse`] then reads field by field, to the same result when valid).
    fn parse_canonical(value: &'a str) -> Option<Self> {
        let b = <&[u8; LENGTH]>::try_from(value.as_bytes()).ok()?;
        if &b[..5] != b"Root=" || &b[40..48] != b";Parent=" || &b[64..73] != b";Sampled=" {
            return None;
        }
        // A valid `Root`, `Parent` and `Sampled` hold no `;`, `=`, whitespace or byte outside
        // printable ASCII, so these are exactly the three fields the general path would see.
        Some(XRayTraceHeader {
            trace_id: parse_root(value.get(5..40)?).ok()?,
            parent: Some(parse_parent(value.get(48..64)?).ok()?),
            sampling: parse_sampled(value.get(73..)?).ok()?,
            value,
            has_extra: false,
        })
    }

    /// The trace id: the 8 epoch digits then the 24 unique digits of `Root`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::XRayTraceHeader;
    ///
    /// let h = XRayTraceHeader::parse("Root=1-67891233-abcdef012345678912345678").unwrap();
    /// assert_eq!(h.trace_id().to_string(), "67891233abcdef012345678912345678");
    /// ```
    pub fn trace_id(&self) -> TraceId {
        TraceId::from(self.trace_id)
    }

    /// The `Parent` segment id, `None` when absent (as on a header a load balancer created).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::XRayTraceHeader;
    ///
    /// let h = XRayTraceHeader::parse("Root=1-67891233-abcdef012345678912345678").unwrap();
    /// assert!(h.parent().is_none());
    /// ```
    pub fn parent(&self) -> Option<SpanId> {
        self.parent.map(SpanId::from)
    }

    /// The sampling decision: accept, deny, or defer (`?` or absent).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{SamplingState, XRayTraceHeader};
    ///
    /// let h = XRayTraceHeader::parse("Root=1-67891233-abcdef012345678912345678;Sampled=0").unwrap();
    /// assert_eq!(h.sampling(), SamplingState::Deny);
    /// ```
    pub fn sampling(&self) -> SamplingState {
        self.sampling
    }

    /// The fields other than `Root`, `Parent` and `Sampled`, in order, as `(key, value)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::XRayTraceHeader;
    ///
    /// let h = XRayTraceHeader::parse("Root=1-67891233-abcdef012345678912345678;Lineage=a87bd80c:1|68fd508a:5").unwrap();
    /// assert_eq!(h.extra_fields().next(), Some(("Lineage", "a87bd80c:1|68fd508a:5")));
    /// ```
    pub fn extra_fields(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        let value = if self.has_extra { self.value } else { "" };
        fields(value).filter_map(|(k, v)| match (k, v) {
            ("Root" | "Parent" | "Sampled", _) | (_, Err(_)) => None,
            (k, Ok(v)) => Some((k, v)),
        })
    }

    /// The remote span context, `None` without a `Parent`; a deferred decision is unsampled.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::XRayTraceHeader;
    ///
    /// let h = XRayTraceHeader::parse("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?").unwrap();
    /// let sc = h.span_context().unwrap();
    /// assert!(sc.is_remote() && !sc.is_sampled());
    /// assert_eq!(sc.trace_flags().to_u8(), 0);
    /// ```
    pub fn span_context(&self) -> Option<SpanContext> {
        let sampled = self.sampling.is_sampled();
        self.parent
            .map(|p| remote_span_context(self.trace_id, p, sampled))
    }

    /// Writes `Root=…;Parent=…;Sampled=…` (no extra fields) into `buf` and returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::XRayTraceHeader;
    ///
    /// let h = XRayTraceHeader::parse("Sampled=1;Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793").unwrap();
    /// let mut buf = [0u8; XRayTraceHeader::LENGTH];
    /// assert_eq!(h.encode(&mut buf), "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
    /// ```
    pub fn encode<'b>(&self, buf: &'b mut [u8; LENGTH]) -> &'b str {
        let mut n = 0;
        let mut push = |bytes: &[u8]| {
            buf[n..n + bytes.len()].copy_from_slice(bytes);
            n += bytes.len();
        };
        let t = hex::encode::<32>(self.trace_id);
        push(b"Root=1-");
        push(&t[..8]);
        push(b"-");
        push(&t[8..]);
        if let Some(p) = self.parent {
            push(b";Parent=");
            push(&hex::encode::<16>(u128::from(p)));
        }
        push(b";Sampled=");
        push(match self.sampling {
            SamplingState::Accept | SamplingState::Debug => b"1",
            SamplingState::Deny => b"0",
            SamplingState::Defer => b"?",
        });
        hex::as_str(&buf[..n])
    }
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The `;`-separated fields of `value` as `(key, value)`, each trimmed of spaces and tabs.
///
/// One trailing `;` ends the list rather than opening an empty field: opentelemetry-go-contrib
/// stops at the end of the value and opentelemetry-aws uses `split_terminator`, so both accept
/// `Root=...;Parent=...;Sampled=1;`. An empty field elsewhere stays an error (Go's
/// `errInvalidTraceHeader`).
fn fields(value: &str) -> impl Iterator<Item = (&str, Result<&str, ParseError>)> {
    let value = value.trim_end_matches([' ', '\t']);
    // `split_terminator(';')`: no piece for an empty value or after a final `;`.
    let pieces = (!value.is_empty())
        .then(|| split_ascii(value.strip_suffix(';').unwrap_or(value), b';'))
        .into_iter()
        .flatten();
    pieces.map(|field| {
        let field = field.trim_matches([' ', '\t']);
        match split_once_ascii(field, b'=') {
            Some((k, v)) if !k.is_empty() && !k.bytes().any(is_ows) => (k, Ok(v)),
            _ => (
                "",
                Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "field",
                    "key=value",
                )),
            ),
        }
    })
}

fn set_once<T>(slot: &mut Option<T>, v: T, part: &'static str) -> Result<(), ParseError> {
    if slot.replace(v).is_some() {
        return Err(ParseError::new(
            ErrorKind::Duplicate,
            HEADER,
            part,
            "the field once",
        ));
    }
    Ok(())
}

fn parse_root(v: &str) -> Result<u128, ParseError> {
    let b = v.as_bytes();
    let err = ParseError::new(
        ErrorKind::Malformed,
        HEADER,
        "root",
        "1-{8 lowercase hex}-{24 lowercase hex}",
    );
    let Ok(b) = <&[u8; 35]>::try_from(b) else {
        return Err(err);
    };
    let (version, epoch, dash, high, low) = (&b[..2], &b[2..10], b[10], &b[11..19], &b[19..]);
    if version != b"1-" || dash != b'-' {
        return Err(err);
    }
    let epoch = epoch.try_into().ok().and_then(hex::decode_lower_fixed::<8>);
    let high = high.try_into().ok().and_then(hex::decode_lower_fixed::<8>);
    let low = low.try_into().ok().and_then(hex::decode_lower_16);
    let (Some(epoch), Some(high), Some(low)) = (epoch, high, low) else {
        return Err(err);
    };
    match u128::from(epoch) << 96 | u128::from(high) << 64 | u128::from(low) {
        0 => Err(ParseError::new(
            ErrorKind::InvalidId,
            HEADER,
            "root",
            "not all zeros",
        )),
        t => Ok(t),
    }
}

fn parse_parent(v: &str) -> Result<u64, ParseError> {
    let err = ParseError::new(
        ErrorKind::Malformed,
        HEADER,
        "parent",
        "16 lowercase hex digits",
    );
    let Ok(digits) = <&[u8; 16]>::try_from(v.as_bytes()) else {
        return Err(err);
    };
    match hex::decode_lower_16(digits).ok_or(err)? {
        0 => Err(ParseError::new(
            ErrorKind::InvalidId,
            HEADER,
            "parent",
            "not all zeros",
        )),
        p => Ok(p),
    }
}

fn parse_sampled(v: &str) -> Result<SamplingState, ParseError> {
    match v {
        "1" => Ok(SamplingState::Accept),
        "0" => Ok(SamplingState::Deny),
        "?" => Ok(SamplingState::Defer),
        _ => Err(ParseError::new(
            ErrorKind::Malformed,
            HEADER,
            "sampled",
            "one of 0, 1, ?",
        )),
    }
}

/// The AWS X-Ray propagator.
///
/// Extract yields a remote span context when `Root` and `Parent` are valid, stores the sampling
/// state (so `Sampled=?` is re-emitted as `?`) and any extra fields; inject writes
/// `Root;Parent;Sampled` followed by the extra fields of the extracted header when the span
/// context injected belongs to its trace: `Lineage` and application fields for every span of
/// that trace, `Self` (which a load balancer inserts to name its own hop) only for the very
/// span context it arrived with, none for another trace (see [the crate
/// docs](crate#state-beyond-the-span-context)).
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use baton_propagation::XRayPropagator;
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
///
/// let p = XRayPropagator::default();
/// let mut headers = HashMap::new();
/// headers.insert(
///     "x-amzn-trace-id".to_string(),
///     "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1".to_string(),
/// );
/// let cx = p.extract(&headers);
/// assert!(cx.span().span_context().is_sampled());
///
/// let mut out = HashMap::new();
/// p.inject_context(&cx, &mut out);
/// assert_eq!(out["x-amzn-trace-id"], headers["x-amzn-trace-id"]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XRayPropagator {
    _private: (),
}

/// `core` followed by the kept extra fields that fit: whole fields only, in their order, so
/// that the header never grows past [`XRayTraceHeader::MAX_LEN`] (the next hop would reject
/// it, and the trace would be lost). Found by the `xray` fuzz target. `Self` is left out
/// unless `own_span`: it names the load balancer's hop to the span the header arrived with.
fn with_extra_fields(core: &str, extra: &str, own_span: bool) -> String {
    let mut v = String::with_capacity((core.len() + 1 + extra.len()).min(XRayTraceHeader::MAX_LEN));
    v.push_str(core);
    for field in extra.split(';') {
        if !own_span && field.starts_with("Self=") {
            continue;
        }
        if v.len() + 1 + field.len() <= XRayTraceHeader::MAX_LEN {
            v.push(';');
            v.push_str(field);
        }
    }
    v
}

impl TextMapPropagator for XRayPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        if !sc.is_valid() {
            return;
        }
        let state = outbound_state(sc, SamplingState::from_context(cx));
        let header = XRayTraceHeader::new(sc.trace_id(), sc.span_id(), state);
        let mut buf = [0u8; XRayTraceHeader::LENGTH];
        let core = header.encode(&mut buf);
        let value = match Carried::<ExtraFields>::get(cx) {
            Some((extra, how)) => with_extra_fields(core, &extra.0, how == Match::Span),
            None => core.to_owned(),
        };
        injector.set(X_AMZN_TRACE_ID, value);
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&FIELDS[..])
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        self.extract_from(cx, &FromExtractor(extractor))
    }
}

impl Propagator for XRayPropagator {
    fn extract_from(&self, cx: &Context, carrier: &dyn Carrier) -> Context {
        let Some(h) = carrier
            .first(X_AMZN_TRACE_ID)
            .and_then(|v| XRayTraceHeader::parse(v).ok())
        else {
            return cx.clone();
        };
        let Some(sc) = h.span_context() else {
            return cx.clone();
        };
        let cx = with_sampling_state(cx.with_remote_span_context(sc), h.sampling);
        if !h.has_extra {
            return cx;
        }
        let mut extra = String::new();
        for (k, v) in h.extra_fields() {
            if !extra.is_empty() {
                extra.push(';');
            }
            extra.push_str(k);
            extra.push('=');
            extra.push_str(v);
        }
        Carried::store(&cx, ExtraFields(extra.into()))
    }
}
