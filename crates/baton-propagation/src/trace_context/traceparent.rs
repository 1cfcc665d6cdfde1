//! The `traceparent` value: parsed by borrowing, formatted into a fixed-size buffer.

use std::fmt;
use std::str::FromStr;

use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId};

use crate::error::{ErrorKind, ParseError};
use crate::hex;

const HEADER: &str = crate::header::TRACEPARENT;

/// A W3C `traceparent` value, parsed without allocating.
///
/// Parsing follows W3C Trace Context Level 2 to the letter: lowercase hex only, exact field
/// lengths, non-zero ids, version `ff` forbidden, and a higher version parsed with the
/// forward-compatibility rule of the spec (at least 55 characters, the version `00` layout,
/// and a `-` after the flags if anything follows them). Leading and trailing spaces and tabs
/// (HTTP optional whitespace) are ignored.
///
/// The flags are kept as the 8-bit field that was received; [`TraceParent::DEFINED_FLAGS`]
/// names the bits the spec defines (`sampled` and `random`). Formatting always writes version
/// `00`, because the spec requires a vendor to send the highest version it knows.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), baton_propagation::ParseError> {
/// let tp: baton_propagation::TraceParent =
///     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse()?;
/// assert!(tp.flags().is_sampled());
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// [`ParseError`] when the version, an id or the flags are malformed, or an id is all zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceParent {
    version: u8,
    trace_id: TraceId,
    parent_id: SpanId,
    flags: TraceFlags,
}

impl TraceParent {
    /// The length of a version `00` value, and of what [`TraceParent::to_bytes`] writes.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    ///
    /// assert_eq!(TraceParent::LENGTH, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".len());
    /// ```
    pub const LENGTH: usize = 55;

    /// The longest value [`TraceParent::parse`] looks at (after trimming optional
    /// whitespace): a higher version may append fields, but anything longer than this is
    /// "prohibitively large" in the words of the spec and is rejected without being read.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{ErrorKind, TraceParent};
    ///
    /// let long = format!("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-{}", "x".repeat(600));
    /// assert_eq!(TraceParent::parse(&long).unwrap_err().kind(), ErrorKind::TooLong);
    /// ```
    pub const MAX_LENGTH: usize = 512;

    /// The `sampled` flag (bit 0): the caller may have recorded trace data.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    ///
    /// assert!(TraceParent::SAMPLED.is_sampled());
    /// ```
    pub const SAMPLED: TraceFlags = TraceFlags::SAMPLED;

    /// The `random` flag of Trace Context Level 2 (bit 1): the right-most 7 bytes of the
    /// trace id are random.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    ///
    /// assert_eq!(TraceParent::RANDOM.to_u8(), 0x02);
    /// ```
    pub const RANDOM: TraceFlags = TraceFlags::new(0x02);

    /// The flag bits the spec defines (`sampled | random`). The other bits are reserved: a
    /// vendor must set them to zero, so the propagator drops them on extract and on inject.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    ///
    /// assert_eq!(TraceParent::DEFINED_FLAGS.to_u8(), 0x03);
    /// ```
    pub const DEFINED_FLAGS: TraceFlags = TraceFlags::new(0x03);

    /// A version `00` value from its parts.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    /// use opentelemetry::trace::{SpanId, TraceFlags, TraceId};
    ///
    /// let tp = TraceParent::new(TraceId::from(1), SpanId::from(2), TraceFlags::SAMPLED);
    /// assert_eq!(
    ///     tp.to_string(),
    ///     "00-00000000000000000000000000000001-0000000000000002-01"
    /// );
    /// ```
    pub const fn new(trace_id: TraceId, parent_id: SpanId, flags: TraceFlags) -> Self {
        Self {
            version: 0,
            trace_id,
            parent_id,
            flags,
        }
    }

    /// The value for a span context, or `None` when its trace id or span id is invalid.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    /// use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
    ///
    /// let sc = SpanContext::new(TraceId::from(7), SpanId::from(9), TraceFlags::SAMPLED, false, TraceState::NONE);
    /// assert_eq!(TraceParent::from_span_context(&sc).unwrap().parent_id(), SpanId::from(9));
    /// assert!(TraceParent::from_span_context(&SpanContext::NONE).is_none());
    /// ```
    pub fn from_span_context(span_context: &SpanContext) -> Option<Self> {
        span_context.is_valid().then(|| {
            Self::new(
                span_context.trace_id(),
                span_context.span_id(),
                span_context.trace_flags(),
            )
        })
    }

    /// Parses a `traceparent` value.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{ErrorKind, TraceParent};
    ///
    /// let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").unwrap();
    /// assert!(!tp.flags().is_sampled());
    ///
    /// let err = TraceParent::parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InvalidId);
    /// ```
    ///
    /// # Errors
    ///
    /// [`ParseError`] when the value is empty or too long, the version, an id or the flags are
    /// malformed, the version is `ff`, or an id is all zeros.
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        Self::parse_bytes(value.as_bytes())
    }

    /// Parses a `traceparent` value given as bytes (such as a raw header value).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    ///
    /// let tp = TraceParent::parse_bytes(b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
    /// assert_eq!(tp.version(), 0);
    /// assert!(TraceParent::parse_bytes(b"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// As [`TraceParent::parse`].
    pub fn parse_bytes(value: &[u8]) -> Result<Self, ParseError> {
        // The limit is checked on the raw value so that the cost never depends on the input.
        if value.len() > Self::MAX_LENGTH + 64 {
            return Err(too_long());
        }
        let v = trim_ows(value);
        if v.is_empty() {
            return Err(ParseError::new(
                ErrorKind::Empty,
                HEADER,
                "value",
                "a version, trace id, parent id and flags",
            ));
        }
        if v.len() > Self::MAX_LENGTH {
            return Err(too_long());
        }
        let version = match (v.get(..2).and_then(hex::decode_lower), v.get(2)) {
            (Some(version), Some(b'-')) => version as u8,
            _ => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "version",
                    "2 lowercase hex digits followed by '-'",
                ));
            }
        };
        if version == 0xff {
            return Err(ParseError::new(
                ErrorKind::UnsupportedVersion,
                HEADER,
                "version",
                "a version other than ff",
            ));
        }
        if version == 0 && v.len() != Self::LENGTH {
            return Err(ParseError::new(
                ErrorKind::Malformed,
                HEADER,
                "value",
                "exactly 55 characters for version 00",
            ));
        }
        if v.len() < Self::LENGTH {
            return Err(ParseError::new(
                ErrorKind::Malformed,
                HEADER,
                "value",
                "at least 55 characters",
            ));
        }
        if v[35] != b'-' || v[52] != b'-' {
            return Err(ParseError::new(
                ErrorKind::Malformed,
                HEADER,
                "value",
                "'-' after the 32-digit trace id and the 16-digit parent id",
            ));
        }
        if v.len() > Self::LENGTH && v[Self::LENGTH] != b'-' {
            return Err(ParseError::new(
                ErrorKind::Malformed,
                HEADER,
                "flags",
                "2 lowercase hex digits at the end or followed by '-'",
            ));
        }
        // `v` has at least `LENGTH` bytes here, so these fixed-width fields always exist.
        let field = |at: usize| -> &[u8; 16] { v[at..at + 16].try_into().unwrap_or(&[0; 16]) };
        let trace_id = match (
            hex::decode_lower_16(field(3)),
            hex::decode_lower_16(field(19)),
        ) {
            (Some(hi), Some(lo)) => u128::from(hi) << 64 | u128::from(lo),
            _ => {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "trace id",
                    "32 lowercase hex digits",
                ));
            }
        };
        let parent_id = hex::decode_lower_16(field(36)).ok_or(ParseError::new(
            ErrorKind::Malformed,
            HEADER,
            "parent id",
            "16 lowercase hex digits",
        ))?;
        let flags = hex::decode_lower_fixed::<2>(&[v[53], v[54]]).ok_or(ParseError::new(
            ErrorKind::Malformed,
            HEADER,
            "flags",
            "2 lowercase hex digits",
        ))?;
        if trace_id == 0 {
            return Err(ParseError::new(
                ErrorKind::InvalidId,
                HEADER,
                "trace id",
                "not all zeros",
            ));
        }
        if parent_id == 0 {
            return Err(ParseError::new(
                ErrorKind::InvalidId,
                HEADER,
                "parent id",
                "not all zeros",
            ));
        }
        Ok(Self {
            version,
            trace_id: TraceId::from(trace_id),
            parent_id: SpanId::from(parent_id),
            flags: TraceFlags::new(flags as u8),
        })
    }

    /// The version that was received (`0` for values built with [`TraceParent::new`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    ///
    /// let tp = TraceParent::parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future").unwrap();
    /// assert_eq!(tp.version(), 0xcc);
    /// ```
    pub const fn version(&self) -> u8 {
        self.version
    }

    /// The trace id.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    /// use opentelemetry::trace::TraceId;
    ///
    /// let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
    /// assert_eq!(tp.trace_id(), TraceId::from(0x4bf92f3577b34da6a3ce929d0e0e4736));
    /// ```
    pub const fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The parent id: the id of the caller's span (the W3C field `parent-id`, which
    /// OpenTelemetry's `SpanContext` holds as the remote span's `span_id`).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    /// use opentelemetry::trace::SpanId;
    ///
    /// let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
    /// assert_eq!(tp.parent_id(), SpanId::from(0x00f067aa0ba902b7));
    /// ```
    pub const fn parent_id(&self) -> SpanId {
        self.parent_id
    }

    /// The trace flags, all 8 bits as received.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    ///
    /// let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03").unwrap();
    /// assert!(tp.flags().is_sampled());
    /// assert_eq!(tp.flags() & TraceParent::RANDOM, TraceParent::RANDOM);
    /// ```
    pub const fn flags(&self) -> TraceFlags {
        self.flags
    }

    /// Formats the value as version `00` into a fixed-size array of ASCII bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    ///
    /// let text = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    /// let bytes: [u8; TraceParent::LENGTH] = TraceParent::parse(text).unwrap().to_bytes();
    /// assert_eq!(&bytes[..], text.as_bytes());
    /// ```
    pub fn to_bytes(&self) -> [u8; Self::LENGTH] {
        let mut out = [b'-'; Self::LENGTH];
        out[0] = b'0';
        out[1] = b'0';
        let trace_id: [u8; 32] = hex::encode(u128::from_be_bytes(self.trace_id.to_bytes()));
        out[3..35].copy_from_slice(&trace_id);
        let parent_id: [u8; 16] = hex::encode(u64::from_be_bytes(self.parent_id.to_bytes()).into());
        out[36..52].copy_from_slice(&parent_id);
        let flags: [u8; 2] = hex::encode(self.flags.to_u8().into());
        out[53..55].copy_from_slice(&flags);
        out
    }

    /// Formats the value as version `00` into `buf` and returns it as a `&str`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    ///
    /// let tp = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
    /// let mut buf = [0u8; TraceParent::LENGTH];
    /// assert_eq!(tp.encode(&mut buf), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    /// ```
    pub fn encode<'b>(&self, buf: &'b mut [u8; Self::LENGTH]) -> &'b str {
        *buf = self.to_bytes();
        hex::as_str(buf)
    }
}

impl FromStr for TraceParent {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; Self::LENGTH];
        f.write_str(self.encode(&mut buf))
    }
}

fn too_long() -> ParseError {
    ParseError::new(
        ErrorKind::TooLong,
        HEADER,
        "value",
        "at most 512 characters",
    )
}

/// Strips HTTP optional whitespace (spaces and horizontal tabs) from both ends.
pub(crate) fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}
