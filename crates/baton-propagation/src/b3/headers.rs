//! The B3 headers as a typed value: the single `b3` header parsed and written, the
//! `X-B3-*` headers parsed into the same value.

use opentelemetry::trace::{SpanContext, SpanId, TraceId};

use crate::error::{ErrorKind, ParseError};
use crate::header::{B3, X_B3_PARENTSPANID, X_B3_SAMPLED, X_B3_SPANID, X_B3_TRACEID};
use crate::hex;
use crate::remote::remote_span_context;
use crate::sampling::SamplingState;

pub(super) const HEADER: &str = B3;

/// What the B3 headers carry, in either encoding: trace and span ids (absent when only a
/// sampling decision is sent), the sampling state and the optional parent span id.
///
/// [`B3Headers::parse`] reads the single `b3` header; [`B3Headers::from_multiple_headers`]
/// reads the `X-B3-*` headers into the same value; [`B3Headers::encode`] writes the single
/// header. Parsing borrows the input and allocates nothing.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), baton_propagation::ParseError> {
/// use baton_propagation::{B3Headers, SamplingState};
///
/// let b3 = B3Headers::parse("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90")?;
/// assert_eq!(b3.sampling(), SamplingState::Accept);
/// assert_eq!(b3.span_id().unwrap().to_string(), "e457b5a2e4d86bd1");
///
/// let deny = B3Headers::parse("0")?;
/// assert!(deny.trace_id().is_none());
/// assert_eq!(deny.sampling(), SamplingState::Deny);
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// [`ParseError`] when the value is empty, longer than [`B3Headers::LENGTH`], an id is not 16
/// (or for the trace id 32) lowercase hex digits or is all zeros, or the sampling state is not
/// `0`, `1` or `d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct B3Headers {
    pub(super) ids: Option<(u128, u64)>,
    pub(super) sampling: SamplingState,
    pub(super) parent_span_id: Option<u64>,
}

impl B3Headers {
    /// The longest valid `b3` value: 32-digit trace id, span id, state and parent span id.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(baton_propagation::B3Headers::LENGTH, 68);
    /// ```
    pub const LENGTH: usize = 32 + 1 + 16 + 1 + 1 + 1 + 16;

    /// A value with ids and a sampling state, and no parent span id (OpenTelemetry never
    /// propagates one). `None` when an id is invalid (all zeros).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{B3Headers, SamplingState};
    /// use opentelemetry::trace::{SpanId, TraceId};
    ///
    /// let b3 = B3Headers::new(TraceId::from(1), SpanId::from(2), SamplingState::Debug).unwrap();
    /// let mut buf = [0u8; B3Headers::LENGTH];
    /// assert_eq!(b3.encode(&mut buf), "00000000000000000000000000000001-0000000000000002-d");
    /// assert!(B3Headers::new(TraceId::INVALID, SpanId::from(2), SamplingState::Accept).is_none());
    /// ```
    pub fn new(trace_id: TraceId, span_id: SpanId, sampling: SamplingState) -> Option<Self> {
        let (t, s) = (
            u128::from_be_bytes(trace_id.to_bytes()),
            u64::from_be_bytes(span_id.to_bytes()),
        );
        (t != 0 && s != 0).then_some(B3Headers {
            ids: Some((t, s)),
            sampling,
            parent_span_id: None,
        })
    }

    /// A sampling-only value such as `b3: 0`. `None` for [`SamplingState::Defer`], which has no
    /// encoding without ids.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{B3Headers, SamplingState};
    ///
    /// let b3 = B3Headers::sampling_only(SamplingState::Deny).unwrap();
    /// let mut buf = [0u8; B3Headers::LENGTH];
    /// assert_eq!(b3.encode(&mut buf), "0");
    /// assert!(B3Headers::sampling_only(SamplingState::Defer).is_none());
    /// ```
    pub fn sampling_only(sampling: SamplingState) -> Option<Self> {
        (sampling != SamplingState::Defer).then_some(B3Headers {
            ids: None,
            sampling,
            parent_span_id: None,
        })
    }

    /// Parses a single `b3` header value: `{TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]`
    /// or a lone `{SamplingState}`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{B3Headers, ErrorKind, SamplingState};
    ///
    /// // A 64-bit trace id is left-padded to 128 bits.
    /// let b3 = B3Headers::parse("64fe8b2a57d3eff7-e457b5a2e4d86bd1").unwrap();
    /// assert_eq!(b3.trace_id().unwrap().to_string(), "000000000000000064fe8b2a57d3eff7");
    /// assert_eq!(b3.sampling(), SamplingState::Defer);
    /// assert_eq!(B3Headers::parse("true").unwrap_err().kind(), ErrorKind::Malformed);
    /// ```
    ///
    /// # Errors
    ///
    /// See [`B3Headers`].
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let v = value.as_bytes();
        if v.is_empty() {
            return Err(ParseError::new(
                ErrorKind::Empty,
                HEADER,
                "value",
                "a trace id or a sampling state",
            ));
        }
        if v.len() > Self::LENGTH {
            return Err(ParseError::new(
                ErrorKind::TooLong,
                HEADER,
                "value",
                "at most 68 bytes",
            ));
        }
        if v.len() == 1 {
            let sampling = parse_state(v[0])?;
            return Ok(B3Headers {
                ids: None,
                sampling,
                parent_span_id: None,
            });
        }
        // The first `-`: after a 16- or 32-digit trace id, checked first. Were there an
        // earlier one, the trace id before it would be malformed either way, with the same
        // error.
        let dash = if v.get(16) == Some(&b'-') {
            Some(16)
        } else if v.get(32) == Some(&b'-') {
            Some(32)
        } else {
            v.iter().position(|&b| b == b'-')
        };
        let Some(dash) = dash else {
            return Err(ParseError::new(
                ErrorKind::Malformed,
                HEADER,
                "value",
                "{trace id}-{span id}",
            ));
        };
        let trace_id = parse_trace_id(&v[..dash], HEADER)?;
        let rest = &v[dash + 1..];
        if rest.len() < 16 {
            return Err(ParseError::new(
                ErrorKind::Malformed,
                HEADER,
                "span id",
                "16 lowercase hex digits",
            ));
        }
        let span_id = parse_span_id(&rest[..16], HEADER, "span id")?;
        let rest = &rest[16..];
        let (sampling, rest) = match rest {
            [] => (SamplingState::Defer, rest),
            [b'-', s, rest @ ..] => (parse_state(*s)?, rest),
            _ => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "span id",
                    "16 lowercase hex digits",
                ));
            }
        };
        let parent_span_id = match rest {
            [] => None,
            [b'-', parent @ ..] => Some(parse_span_id(parent, HEADER, "parent span id")?),
            _ => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "sampling state",
                    "one of 0, 1, d",
                ));
            }
        };
        Ok(B3Headers {
            ids: Some((trace_id, span_id)),
            sampling,
            parent_span_id,
        })
    }

    /// Reads the multiple-header form from the raw values of `X-B3-TraceId`, `X-B3-SpanId`,
    /// `X-B3-ParentSpanId`, `X-B3-Sampled` and `X-B3-Flags` (each `None` when absent).
    ///
    /// `X-B3-Sampled` accepts `1`/`0` and the legacy `true`/`false` in any case (which the B3
    /// spec says a lenient implementation may accept); `X-B3-Flags: 1` is debug and wins over `Sampled`;
    /// any other `X-B3-Flags` value is ignored, as opentelemetry-go-contrib does.
    /// Without a trace id, the headers carry only a sampling decision.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{B3Headers, SamplingState};
    ///
    /// let b3 = B3Headers::from_multiple_headers(
    ///     Some("463ac35c9f6413ad48485a3953bb6124"),
    ///     Some("a2fb4a1d1a96d312"),
    ///     Some("0020000000000001"),
    ///     Some("true"),
    ///     None,
    /// )
    /// .unwrap();
    /// assert_eq!(b3.sampling(), SamplingState::Accept);
    /// assert!(b3.parent_span_id().is_some());
    /// ```
    ///
    /// # Errors
    ///
    /// [`ParseError`] when an id or `X-B3-Sampled` is malformed, a span id comes without a trace
    /// id (or the reverse), a parent span id comes without both, or nothing at all is present.
    pub fn from_multiple_headers(
        trace_id: Option<&str>,
        span_id: Option<&str>,
        parent_span_id: Option<&str>,
        sampled: Option<&str>,
        flags: Option<&str>,
    ) -> Result<Self, ParseError> {
        // "The only accepted value for Flags is 1" (opentelemetry-go-contrib b3); B3 says no
        // implementation treats X-B3-Flags as a bit field, so other values are ignored.
        let debug = flags == Some("1");
        // opentelemetry-go-contrib lower-cases the value first, and opentelemetry-java uses
        // `Boolean.parseBoolean`: the legacy booleans are matched without regard to case.
        let sampling = match sampled {
            None => SamplingState::Defer,
            Some("1") => SamplingState::Accept,
            Some("0") => SamplingState::Deny,
            Some(v) if v.eq_ignore_ascii_case("true") => SamplingState::Accept,
            Some(v) if v.eq_ignore_ascii_case("false") => SamplingState::Deny,
            Some(_) => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    X_B3_SAMPLED,
                    "value",
                    "1 or 0",
                ));
            }
        };
        let sampling = if debug {
            SamplingState::Debug
        } else {
            sampling
        };
        let ids = match (trace_id, span_id) {
            (Some(t), Some(s)) => Some((
                parse_trace_id(t.as_bytes(), X_B3_TRACEID)?,
                parse_span_id(s.as_bytes(), X_B3_SPANID, "value")?,
            )),
            (None, None) => None,
            (None, Some(_)) => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    X_B3_TRACEID,
                    "value",
                    "a trace id with the span id",
                ));
            }
            (Some(_), None) => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    X_B3_SPANID,
                    "value",
                    "a span id with the trace id",
                ));
            }
        };
        if ids.is_none() && sampling == SamplingState::Defer {
            return Err(ParseError::new(
                ErrorKind::Empty,
                X_B3_TRACEID,
                "value",
                "ids or a sampling decision",
            ));
        }
        let parent_span_id = match (parent_span_id, ids) {
            (Some(p), Some(_)) => Some(parse_span_id(p.as_bytes(), X_B3_PARENTSPANID, "value")?),
            // B3: the parent "must be absent on the root span"; without ids it has no place.
            (Some(_), None) => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    X_B3_PARENTSPANID,
                    "value",
                    "a trace id and span id with the parent span id",
                ));
            }
            (None, _) => None,
        };
        Ok(B3Headers {
            ids,
            sampling,
            parent_span_id,
        })
    }

    /// The trace id, `None` for a sampling-only value.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::B3Headers;
    ///
    /// assert!(B3Headers::parse("d").unwrap().trace_id().is_none());
    /// ```
    pub fn trace_id(&self) -> Option<TraceId> {
        self.ids.map(|(t, _)| TraceId::from(t))
    }

    /// The span id, `None` for a sampling-only value.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::B3Headers;
    ///
    /// let b3 = B3Headers::parse("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1").unwrap();
    /// assert_eq!(b3.span_id().unwrap().to_string(), "e457b5a2e4d86bd1");
    /// ```
    pub fn span_id(&self) -> Option<SpanId> {
        self.ids.map(|(_, s)| SpanId::from(s))
    }

    /// The parent span id when one was sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::B3Headers;
    ///
    /// let b3 = B3Headers::parse("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90").unwrap();
    /// assert_eq!(b3.parent_span_id().unwrap().to_string(), "05e3ac9a4f6e3b90");
    /// ```
    pub fn parent_span_id(&self) -> Option<SpanId> {
        self.parent_span_id.map(SpanId::from)
    }

    /// The sampling state ([`SamplingState::Defer`] when absent).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{B3Headers, SamplingState};
    ///
    /// assert_eq!(B3Headers::parse("1").unwrap().sampling(), SamplingState::Accept);
    /// ```
    pub fn sampling(&self) -> SamplingState {
        self.sampling
    }

    /// The remote span context this value describes; debug sets the sampled flag and nothing
    /// else. `None` for a sampling-only value.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::B3Headers;
    ///
    /// let sc = B3Headers::parse("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d").unwrap().span_context().unwrap();
    /// assert!(sc.is_sampled() && sc.is_remote());
    /// assert_eq!(sc.trace_flags().to_u8(), 0x01);
    /// ```
    pub fn span_context(&self) -> Option<SpanContext> {
        let sampled = self.sampling.is_sampled();
        self.ids.map(|(t, s)| remote_span_context(t, s, sampled))
    }

    /// Writes the single-header form into `buf` and returns it; the trace id is always written
    /// as 32 digits.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::B3Headers;
    ///
    /// let b3 = B3Headers::parse("64fe8b2a57d3eff7-e457b5a2e4d86bd1-0").unwrap();
    /// let mut buf = [0u8; B3Headers::LENGTH];
    /// assert_eq!(b3.encode(&mut buf), "000000000000000064fe8b2a57d3eff7-e457b5a2e4d86bd1-0");
    /// ```
    pub fn encode<'b>(&self, buf: &'b mut [u8; Self::LENGTH]) -> &'b str {
        let mut n = 0;
        let mut push = |bytes: &[u8]| {
            buf[n..n + bytes.len()].copy_from_slice(bytes);
            n += bytes.len();
        };
        match self.ids {
            None => push(state_byte(self.sampling).as_slice()),
            Some((t, s)) => {
                push(&hex::encode::<32>(t));
                push(b"-");
                push(&hex::encode::<16>(u128::from(s)));
                if self.sampling != SamplingState::Defer || self.parent_span_id.is_some() {
                    push(b"-");
                    push(state_byte(self.sampling).as_slice());
                }
                if let Some(p) = self.parent_span_id {
                    push(b"-");
                    push(&hex::encode::<16>(u128::from(p)));
                }
            }
        }
        hex::as_str(&buf[..n])
    }
}

impl std::str::FromStr for B3Headers {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        B3Headers::parse(s)
    }
}

/// The single-header byte of a state; a deferred state written with a parent id has no valid
/// encoding, so it never gets here from a parsed value.
pub(super) fn state_byte(state: SamplingState) -> Option<u8> {
    match state {
        SamplingState::Defer => None,
        SamplingState::Deny => Some(b'0'),
        SamplingState::Accept => Some(b'1'),
        SamplingState::Debug => Some(b'd'),
    }
}

pub(super) fn parse_state(b: u8) -> Result<SamplingState, ParseError> {
    match b {
        b'0' => Ok(SamplingState::Deny),
        b'1' => Ok(SamplingState::Accept),
        b'd' => Ok(SamplingState::Debug),
        _ => Err(ParseError::new(
            ErrorKind::Malformed,
            HEADER,
            "sampling state",
            "one of 0, 1, d",
        )),
    }
}

pub(super) fn parse_trace_id(digits: &[u8], header: &'static str) -> Result<u128, ParseError> {
    if digits.len() != 16 && digits.len() != 32 {
        return Err(ParseError::new(
            ErrorKind::Malformed,
            header,
            "trace id",
            "16 or 32 lowercase hex digits",
        ));
    }
    match hex::decode_lower_u128(digits) {
        None => Err(ParseError::new(
            ErrorKind::Malformed,
            header,
            "trace id",
            "16 or 32 lowercase hex digits",
        )),
        Some(0) => Err(ParseError::new(
            ErrorKind::InvalidId,
            header,
            "trace id",
            "not all zeros",
        )),
        Some(t) => Ok(t),
    }
}

pub(super) fn parse_span_id(
    digits: &[u8],
    header: &'static str,
    part: &'static str,
) -> Result<u64, ParseError> {
    let Ok(digits) = <&[u8; 16]>::try_from(digits) else {
        return Err(ParseError::new(
            ErrorKind::Malformed,
            header,
            part,
            "16 lowercase hex digits",
        ));
    };
    match hex::decode_lower_16(digits) {
        None => Err(ParseError::new(
            ErrorKind::Malformed,
            header,
            part,
            "16 lowercase hex digits",
        )),
        Some(0) => Err(ParseError::new(
            ErrorKind::InvalidId,
            header,
            part,
            "not all zeros",
        )),
        Some(s) => Ok(s),
    }
}
