//! The `uber-trace-id` value, typed: `{trace-id}:{span-id}:{parent-span-id}:{flags}`, parsed
//! (separators possibly url-encoded) and written.

use opentelemetry::trace::{SpanContext, SpanId, TraceId};

use crate::chars::bytes_equal;
use crate::error::{ErrorKind, ParseError};
use crate::header::UBER_TRACE_ID;
use crate::hex;
use crate::remote::remote_span_context;

pub(super) const LENGTH: usize = 32 + 1 + 16 + 1 + 16 + 1 + 2;
pub(super) const HEADER: &str = UBER_TRACE_ID;
pub(super) const FLAG_SAMPLED: u8 = 0x01;
pub(super) const FLAG_DEBUG: u8 = 0x02;

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
    pub(super) trace_id: u128,
    pub(super) span_id: u64,
    pub(super) parent_span_id: u64,
    pub(super) flags: u8,
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

/// The index of the first `:` or `%` of `v` at or after `from`, eight bytes at a time.
pub(super) fn next_separator(v: &[u8], from: usize) -> Option<usize> {
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
