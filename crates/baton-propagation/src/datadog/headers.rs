//! The Datadog headers as a typed value: `x-datadog-trace-id`, `-parent-id`,
//! `-sampling-priority`, `-origin` and `-tags` parsed in decimal, without allocating.

use opentelemetry::trace::{SpanContext, SpanId, TraceId};

use crate::chars::ONES;
use crate::error::{ErrorKind, ParseError};
use crate::header::{
    X_DATADOG_ORIGIN, X_DATADOG_PARENT_ID, X_DATADOG_SAMPLING_PRIORITY, X_DATADOG_TRACE_ID,
};
use crate::hex;
use crate::remote::remote_span_context;
use crate::split::{split_ascii, split_once_ascii};

pub(super) const TID: &str = "_dd.p.tid";

pub(super) const TAG_PREFIX: &str = "_dd.p.";

/// dd-trace's default cap on `x-datadog-tags`, on extract and inject.
pub(super) const MAX_TAGS_LEN: usize = 512;

pub(super) const MAX_ORIGIN_LEN: usize = 256;

/// The Datadog headers, parsed and borrowing the input.
///
/// # Examples
///
/// ```
/// # fn main() -> Result<(), baton_propagation::ParseError> {
/// use baton_propagation::DatadogHeaders;
///
/// let dd = DatadogHeaders::parse(
///     "7277407061855694839",
///     "5208512171318403364",
///     Some("2"),
///     Some("synthetics"),
///     Some("_dd.p.tid=640cfd8d00000000,_dd.p.dm=-4"),
/// )?;
/// assert_eq!(dd.trace_id().to_string(), "640cfd8d0000000064fe8b2a57d3eff7");
/// assert_eq!(dd.sampling_priority(), Some(2));
/// assert_eq!(dd.origin(), Some("synthetics"));
/// assert_eq!(dd.tags().collect::<Vec<_>>(), [("_dd.p.dm", "-4")]);
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// [`ParseError`] when an id is not an unsigned 64-bit decimal or is zero, the priority is not
/// a 32-bit integer, or the origin is empty, longer than 256 bytes or not printable ASCII. A bad
/// `x-datadog-tags` is no error: it is dropped, as dd-trace does; a malformed `_dd.p.tid`
/// alone is dropped (dd-trace-go `validateTID` unsets just that tag), the other tags kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DatadogHeaders<'a> {
    pub(super) trace_id: u128,
    pub(super) parent_id: u64,
    pub(super) priority: Option<i32>,
    pub(super) origin: Option<&'a str>,
    pub(super) tags: Option<&'a str>,
    /// The length of [`DatadogHeaders::tags`] joined again by `,`.
    pub(super) kept_len: usize,
    /// The same, when it is one run of the header as received.
    pub(super) kept_run: Option<&'a str>,
}

impl<'a> DatadogHeaders<'a> {
    /// Parses the raw header values (`None` when a header is absent).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{DatadogHeaders, ErrorKind};
    ///
    /// let err = DatadogHeaders::parse("0", "1", None, None, None).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InvalidId);
    /// // An over-long tags header is dropped, the ids kept.
    /// let long = format!("_dd.p.x={}", "a".repeat(600));
    /// let dd = DatadogHeaders::parse("1", "2", None, None, Some(&long)).unwrap();
    /// assert_eq!(dd.tags().count(), 0);
    /// ```
    ///
    /// # Errors
    ///
    /// See [`DatadogHeaders`].
    pub fn parse(
        trace_id: &str,
        parent_id: &str,
        sampling_priority: Option<&str>,
        origin: Option<&'a str>,
        tags: Option<&'a str>,
    ) -> Result<Self, ParseError> {
        let low = parse_id(trace_id, X_DATADOG_TRACE_ID)?;
        let parent_id = parse_id(parent_id, X_DATADOG_PARENT_ID)?;
        let priority = sampling_priority.map(parse_priority).transpose()?;
        if let Some(o) = origin
            && (o.is_empty()
                || o.len() > MAX_ORIGIN_LEN
                || !o.bytes().all(|b| (0x20..0x7f).contains(&b)))
        {
            return Err(ParseError::new(
                ErrorKind::Malformed,
                X_DATADOG_ORIGIN,
                "value",
                "1 to 256 printable ascii bytes",
            ));
        }
        let scan = tags.and_then(scan_tags);
        let high = scan.and_then(|s| s.tid).and_then(parse_tid);
        Ok(DatadogHeaders {
            trace_id: (u128::from(high.unwrap_or(0)) << 64) | u128::from(low),
            parent_id,
            priority,
            origin,
            tags: scan.and(tags),
            kept_len: scan.map_or(0, |s| s.kept_len),
            kept_run: scan.and_then(|s| tags?.get(s.kept_start?..s.kept_end).filter(|_| s.run)),
        })
    }

    /// The 128-bit trace id: `_dd.p.tid` above the decimal low 64 bits.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::DatadogHeaders;
    ///
    /// let dd = DatadogHeaders::parse("255", "1", None, None, None).unwrap();
    /// assert_eq!(dd.trace_id().to_string(), "000000000000000000000000000000ff");
    /// ```
    pub fn trace_id(&self) -> TraceId {
        TraceId::from(self.trace_id)
    }

    /// The parent span id.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::DatadogHeaders;
    ///
    /// let dd = DatadogHeaders::parse("1", "255", None, None, None).unwrap();
    /// assert_eq!(dd.parent_id().to_string(), "00000000000000ff");
    /// ```
    pub fn parent_id(&self) -> SpanId {
        SpanId::from(self.parent_id)
    }

    /// The exact sampling priority, `None` when absent (no decision yet).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::DatadogHeaders;
    ///
    /// let dd = DatadogHeaders::parse("1", "2", Some("-1"), None, None).unwrap();
    /// assert_eq!(dd.sampling_priority(), Some(-1));
    /// assert!(!dd.is_sampled());
    /// ```
    pub fn sampling_priority(&self) -> Option<i32> {
        self.priority
    }

    /// Whether the priority is `>= 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::DatadogHeaders;
    ///
    /// assert!(DatadogHeaders::parse("1", "2", Some("2"), None, None).unwrap().is_sampled());
    /// ```
    pub fn is_sampled(&self) -> bool {
        self.priority.is_some_and(|p| p >= 1)
    }

    /// The origin, when sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::DatadogHeaders;
    ///
    /// assert_eq!(DatadogHeaders::parse("1", "2", None, Some("rum"), None).unwrap().origin(), Some("rum"));
    /// ```
    pub fn origin(&self) -> Option<&'a str> {
        self.origin
    }

    /// The `_dd.p.*` tags other than `_dd.p.tid`, as `(key, value)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::DatadogHeaders;
    ///
    /// let dd = DatadogHeaders::parse("1", "2", None, None, Some("_dd.p.dm=-4,_dd.p.usr.id=abc")).unwrap();
    /// assert_eq!(dd.tags().count(), 2);
    /// ```
    pub fn tags(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        tag_pairs(self.tags.unwrap_or("")).filter(|(k, _)| *k != TID)
    }

    /// The remote span context.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::DatadogHeaders;
    ///
    /// let sc = DatadogHeaders::parse("1", "2", Some("1"), None, None).unwrap().span_context();
    /// assert!(sc.is_sampled() && sc.is_remote());
    /// ```
    pub fn span_context(&self) -> SpanContext {
        remote_span_context(self.trace_id, self.parent_id, self.is_sampled())
    }
}

pub(super) fn parse_id(v: &str, header: &'static str) -> Result<u64, ParseError> {
    let id = match v.len() {
        1..=20 => decimal(v.as_bytes()),
        _ => None,
    };
    match id {
        Some(0) => Err(ParseError::new(
            ErrorKind::InvalidId,
            header,
            "value",
            "not zero",
        )),
        Some(id) => Ok(id),
        None => Err(ParseError::new(
            ErrorKind::Malformed,
            header,
            "value",
            "an unsigned 64-bit decimal",
        )),
    }
}

/// 1 to 20 ASCII digits as a `u64`; `None` for any other byte or a value above `u64::MAX`.
/// The leading `len % 8` digits one at a time, then eight at a time.
pub(super) fn decimal(digits: &[u8]) -> Option<u64> {
    let (head, words) = digits.split_at(digits.len() % 8);
    let mut id: u64 = 0;
    for &d in head {
        if !d.is_ascii_digit() {
            return None;
        }
        id = id * 10 + u64::from(d - b'0');
    }
    for word in words.chunks_exact(8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        id = id
            .checked_mul(100_000_000)?
            .checked_add(eight_digits(u64::from_le_bytes(w))?)?;
    }
    Some(id)
}

/// Eight ASCII digits, the first in the lowest byte of `x`, as their value (SWAR); `None`
/// unless every byte is a digit.
pub(super) fn eight_digits(x: u64) -> Option<u64> {
    const HIGH_NIBBLES: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    // Every byte is 0x30..=0x3f, and stays below 0x40 plus 6: so 0x30..=0x39. The second
    // test runs on bytes of the first's range only, where adding 6 carries nothing over.
    if x & HIGH_NIBBLES != ONES * 0x30 || (x + ONES * 6) & HIGH_NIBBLES != ONES * 0x30 {
        return None;
    }
    let v = x - ONES * 0x30;
    // Pairs, then fours, then all eight (the first digit the most significant).
    let v = (v * 10 + (v >> 8)) & 0x00ff_00ff_00ff_00ff;
    let v = (v * 100 + (v >> 16)) & 0x0000_ffff_0000_ffff;
    Some((v * 10_000 + (v >> 32)) & 0xffff_ffff)
}

pub(super) fn parse_priority(v: &str) -> Result<i32, ParseError> {
    let digits = v.strip_prefix('-').unwrap_or(v).as_bytes();
    if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(ParseError::new(
            ErrorKind::Malformed,
            X_DATADOG_SAMPLING_PRIORITY,
            "value",
            "a 32-bit integer",
        ));
    }
    v.parse::<i32>().map_err(|_| {
        ParseError::new(
            ErrorKind::Malformed,
            X_DATADOG_SAMPLING_PRIORITY,
            "value",
            "a 32-bit integer",
        )
    })
}

pub(super) fn parse_tid(v: &str) -> Option<u64> {
    hex::decode_lower_16(v.as_bytes().try_into().ok()?)
}

/// The `_dd.p.*` members of a validated tags header; other keys are skipped (dd-trace-py
/// keeps only `_dd.p.*` on extract; dd-trace-go keeps them all, `_dd.p.dm` included).
pub(super) fn tag_pairs(tags: &str) -> impl Iterator<Item = (&str, &str)> {
    split_ascii(tags, b',')
        .filter_map(|t| split_once_ascii(t, b'='))
        .filter(|(k, _)| k.len() > TAG_PREFIX.len() && k.starts_with(TAG_PREFIX))
}

/// What one pass over a valid tags header finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct TagsScan<'a> {
    /// The value of the first `_dd.p.tid` member.
    pub(super) tid: Option<&'a str>,
    /// The length of the `_dd.p.*` members other than `_dd.p.tid`, joined by `,`.
    pub(super) kept_len: usize,
    /// Where the first of those members starts and the last ends, and whether no other
    /// member lies between them.
    pub(super) kept_start: Option<usize>,
    pub(super) kept_end: usize,
    pub(super) run: bool,
}

/// dd-trace's rules (dd-trace-go `parsePropagatableTraceTags`, `isValidPropagatableTag`): at
/// most 512 bytes, `key=value` members joined by `,`, neither side empty, keys printable ASCII
/// without space, `,` or `=`, values printable ASCII without `,` (a value may hold `=`).
/// Anything else drops the whole header (dd-trace's "decoding_error"). A malformed
/// `_dd.p.tid` is not fatal here: dd-trace-go `validateTID` unsets just that tag.
///
/// One pass checks these rules and reads what extract needs: `None` when the header is not valid.
pub(super) fn scan_tags(tags: &str) -> Option<TagsScan<'_>> {
    let b = tags.as_bytes();
    if b.is_empty() || b.len() > MAX_TAGS_LEN {
        return None;
    }
    let mut scan = TagsScan {
        tid: None,
        kept_len: 0,
        kept_start: None,
        kept_end: 0,
        run: true,
    };
    // Whether a member that is not kept came after the last kept one.
    let mut gap = false;
    let mut i = 0;
    loop {
        // A key runs up to the first `=` of its member: printable, no space, no `,`.
        let key_start = i;
        while let Some(&c) = b.get(i).filter(|&&c| c != b'=') {
            if !(0x21..0x7f).contains(&c) || c == b',' {
                return None;
            }
            i += 1;
        }
        if i == key_start || i == b.len() {
            return None;
        }
        let key = tags.get(key_start..i)?;
        // Its value up to the next `,`: printable (`=` included), not empty.
        i += 1;
        let value_start = i;
        while let Some(&c) = b.get(i).filter(|&&c| c != b',') {
            if !(0x20..0x7f).contains(&c) {
                return None;
            }
            i += 1;
        }
        if i == value_start {
            return None;
        }
        let value = tags.get(value_start..i)?;
        if key == TID {
            scan.tid = scan.tid.or(Some(value));
            gap = true;
        } else if key.len() > TAG_PREFIX.len() && key.starts_with(TAG_PREFIX) {
            scan.kept_len += usize::from(scan.kept_len > 0) + key.len() + 1 + value.len();
            if scan.kept_start.is_some() && gap {
                scan.run = false;
            }
            scan.kept_start = scan.kept_start.or(Some(key_start));
            scan.kept_end = i;
            gap = false;
        } else {
            gap = true;
        }
        if i == b.len() {
            return Some(scan);
        }
        i += 1;
    }
}
