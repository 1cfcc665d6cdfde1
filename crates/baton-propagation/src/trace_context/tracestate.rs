//! The `tracestate` value: validated in place over every header line, then built into
//! opentelemetry's `TraceState` with nothing allocated beyond what that type holds.

use opentelemetry::trace::TraceState;

use super::traceparent::trim_ows;
use crate::{ErrorKind, ParseError};

const HEADER: &str = "tracestate";

/// The most list members a `tracestate` may have (W3C Trace Context §3.3.1.1, "list").
pub(crate) const MAX_MEMBERS: usize = 32;

/// The longest combined `tracestate` (all header lines) that is read at all. The longest valid
/// list is 32 members of 256 + 1 + 256 characters plus separators (16,447 characters); twice
/// that leaves room for optional whitespace and empty members. Anything longer is discarded
/// before it is parsed, so the cost is bounded by this limit rather than by the input.
pub(crate) const MAX_COMBINED_LEN: usize = 32 * 1024;

const LC: u8 = 1;
const DIGIT: u8 = 2;
const SYMBOL: u8 = 4;
/// `chr` of a value: printable ASCII except `,` and `=`.
const VALUE: u8 = 8;

/// Byte classes for keys and values, one lookup per byte.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0x20;
    while b <= 0x7e {
        if b != b',' as usize && b != b'=' as usize {
            t[b] = VALUE;
        }
        b += 1;
    }
    let mut b = b'a' as usize;
    while b <= b'z' as usize {
        t[b] |= LC;
        b += 1;
    }
    let mut b = b'0' as usize;
    while b <= b'9' as usize {
        t[b] |= DIGIT;
        b += 1;
    }
    t[b'_' as usize] |= SYMBOL;
    t[b'-' as usize] |= SYMBOL;
    t[b'*' as usize] |= SYMBOL;
    t[b'/' as usize] |= SYMBOL;
    t
};

const KEY_CHAR: u8 = LC | DIGIT | SYMBOL;

#[inline]
fn is(b: u8, class: u8) -> bool {
    CLASS[b as usize] & class != 0
}

/// How a key fares against the W3C grammar and against opentelemetry's `TraceState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    /// Valid, and `TraceState` accepts it.
    Valid,
    /// Valid per the spec, but `TraceState` wrongly rejects it (a 14-character system id).
    ValidUnrepresentable,
}

/// Checks a key against the W3C Trace Context grammar (§3.3.1.3.1):
///
/// ```text
/// key = simple-key / multi-tenant-key
/// simple-key = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
/// multi-tenant-key = tenant-id "@" system-id
/// tenant-id = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
/// system-id = lcalpha 0*13( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
/// ```
///
/// Level 2 restates the key as `( lcalpha / DIGIT ) 0*255 ( keychar )` with `@` a `keychar`,
/// which would accept `foo@`, `foo@@bar`, `foo@bar@baz`, a 242-character tenant and a
/// 15-character system id. The W3C test suite (`test/test.py`,
/// `test_tracestate_key_illegal_vendor_format` and `test_tracestate_key_length_limit`), which
/// conformance is checked against, requires each of those lists to be discarded, so the
/// stricter grammar above is kept.
pub(crate) fn check_key(key: &[u8]) -> Option<Key> {
    if key.is_empty() || key.len() > 256 {
        return None;
    }
    let at = key.iter().position(|&b| b == b'@');
    match at {
        None => (is(key[0], LC) && key[1..].iter().all(|&b| is(b, KEY_CHAR))).then_some(Key::Valid),
        Some(at) => {
            let (tenant, system) = (&key[..at], &key[at + 1..]);
            let tenant_ok = !tenant.is_empty()
                && tenant.len() <= 241
                && is(tenant[0], LC | DIGIT)
                && tenant[1..].iter().all(|&b| is(b, KEY_CHAR));
            let system_ok = !system.is_empty()
                && system.len() <= 14
                && is(system[0], LC)
                && system[1..].iter().all(|&b| is(b, KEY_CHAR));
            if !(tenant_ok && system_ok) {
                None
            } else if system.len() == 14 {
                Some(Key::ValidUnrepresentable)
            } else {
                Some(Key::Valid)
            }
        }
    }
}

/// Checks a value (§3.3.1.3.2): `value = 0*255(chr) nblk-chr`, `chr = %x20 / nblk-chr`,
/// `nblk-chr = %x21-2B / %x2D-3C / %x3E-7E`.
pub(crate) fn check_value(value: &[u8]) -> bool {
    match value.last() {
        None | Some(b' ') => false,
        Some(_) => value.len() <= 256 && value.iter().all(|&b| is(b, VALUE)),
    }
}

/// The list members of a valid `tracestate`, borrowed from the header lines.
#[derive(Debug)]
pub(crate) struct Members<'a> {
    members: [(&'a str, &'a str); MAX_MEMBERS],
    len: usize,
    unrepresentable: bool,
}

impl<'a> Members<'a> {
    /// The members in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.members[..self.len].iter().copied()
    }

    /// Whether a member has a key that opentelemetry's `TraceState` cannot hold.
    pub(crate) fn has_unrepresentable(&self) -> bool {
        self.unrepresentable
    }

    /// The members `TraceState` accepts, as a `TraceState` (allocating only what it holds).
    pub(crate) fn to_trace_state(&self) -> TraceState {
        let representable = self
            .iter()
            .filter(|(k, _)| check_key(k.as_bytes()) == Some(Key::Valid));
        TraceState::from_key_value(representable).unwrap_or_default()
    }

    /// Every member, joined as a header value.
    pub(crate) fn header(&self) -> String {
        join(|| self.iter())
    }
}

/// Validates every `tracestate` header line as one combined list (RFC 9110 field order).
///
/// Per W3C Trace Context, a list with an invalid member, a duplicated key or more than 32
/// members is invalid as a whole: the caller discards it rather than truncating it.
pub(crate) fn parse<'a>(lines: &[&'a str]) -> Result<Members<'a>, ParseError> {
    let mut total = 0usize;
    for line in lines {
        total = total.saturating_add(line.len() + 1);
        if total > MAX_COMBINED_LEN + 1 {
            return Err(ParseError::new(
                ErrorKind::TooLong,
                HEADER,
                "value",
                "at most 32768 characters over all header lines",
            ));
        }
    }
    let mut out = Members {
        members: [("", ""); MAX_MEMBERS],
        len: 0,
        unrepresentable: false,
    };
    for line in lines {
        for member in line.split(',') {
            let member = trim_ows(member.as_bytes());
            if member.is_empty() {
                continue;
            }
            let Some(eq) = member.iter().position(|&b| b == b'=') else {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "list member",
                    "key=value",
                ));
            };
            let (key, value) = (&member[..eq], &member[eq + 1..]);
            let Some(kind) = check_key(key) else {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "key",
                    "a simple or tenant@system key of lowercase letters, digits, _ - * /",
                ));
            };
            if !check_value(value) {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "value",
                    "1 to 256 printable ascii characters other than , and =",
                ));
            }
            if out.len == MAX_MEMBERS {
                return Err(ParseError::new(
                    ErrorKind::LimitExceeded,
                    HEADER,
                    "list",
                    "at most 32 list members",
                ));
            }
            // Only ASCII passed the checks above, so these never fail.
            let key = std::str::from_utf8(key).unwrap_or_default();
            let value = std::str::from_utf8(value).unwrap_or_default();
            if out.iter().any(|(k, _)| k == key) {
                return Err(ParseError::new(
                    ErrorKind::Duplicate,
                    HEADER,
                    "key",
                    "each key at most once",
                ));
            }
            out.unrepresentable |= kind == Key::ValidUnrepresentable;
            out.members[out.len] = (key, value);
            out.len += 1;
        }
    }
    Ok(out)
}

/// `key=value` pairs joined with `,` into one exactly-sized `String`.
pub(crate) fn join<'a, I>(members: impl Fn() -> I) -> String
where
    I: Iterator<Item = (&'a str, &'a str)>,
{
    let len = members()
        .map(|(k, v)| k.len() + v.len() + 2)
        .sum::<usize>()
        .saturating_sub(1);
    let mut out = String::with_capacity(len);
    for (k, v) in members() {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}
