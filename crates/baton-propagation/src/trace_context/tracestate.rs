//! The `tracestate` value: validated in place over every header line, then built into
//! opentelemetry's `TraceState` with nothing allocated beyond what that type holds.

use opentelemetry::trace::TraceState;

use crate::chars::{HIGH, ONES, bytes_equal};
use crate::error::{ErrorKind, ParseError};
use crate::split::at_boundaries;

const HEADER: &str = crate::header::TRACESTATE;

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
/// `@`: a key character, but kept out of [`KEY_CHAR`] so that the key scan stops at it (the
/// rare keys with an `@` are the ones opentelemetry's `TraceState` may refuse).
const AT: u8 = 16;

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
    t[b'@' as usize] |= AT;
    t
};

/// A key character other than `@` (see [`AT`]).
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
    /// Valid per the spec, but `TraceState` (opentelemetry 0.33) rejects it: see
    /// [`representable`].
    ValidUnrepresentable,
}

/// Checks a key against the W3C Trace Context grammar (§3.3.1.3.1, "key"):
///
/// ```text
/// key     = ( lcalpha / DIGIT ) 0*255 ( keychar )
/// keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
/// ```
///
/// Level 1's split into `tenant-id "@" system-id` (at most 241 and 14 characters, one `@`) is
/// gone: `foo@`, `foo@@bar`, `1vendor` and a 241-character tenant `@` a 14-character system
/// id are all valid keys, and so the current W3C test suite (`test/test.py`) expects.
pub(crate) fn check_key(key: &[u8]) -> Option<Key> {
    let (&first, rest) = key.split_first()?;
    let valid =
        key.len() <= 256 && is(first, LC | DIGIT) && rest.iter().all(|&b| is(b, KEY_CHAR | AT));
    match valid {
        false => None,
        true if representable(key) => Some(Key::Valid),
        true => Some(Key::ValidUnrepresentable),
    }
}

/// Whether opentelemetry's `TraceState` (0.33) accepts a key that is valid per the spec: it
/// still applies Level 1's tenant rules after an `@` (one `@` at most, at most 13 characters
/// after it, the first of them a letter or digit). `representable_matches_trace_state` in the
/// tests checks this against `TraceState` itself, so an opentelemetry upgrade that changes the
/// rule shows up there.
pub(crate) fn representable(key: &[u8]) -> bool {
    let Some(at) = key.iter().position(|&b| b == b'@') else {
        return true;
    };
    let system = &key[at + 1..];
    system.len() <= 13
        && !system.contains(&b'@')
        && system.first().is_none_or(|&b| is(b, LC | DIGIT))
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
    /// `None` past `len`: an array of `None` is all zeros, which costs less to set up than
    /// 32 pairs of empty strings (each a non-null pointer).
    members: [Option<(&'a str, &'a str)>; MAX_MEMBERS],
    len: usize,
    unrepresentable: bool,
}

impl<'a> Members<'a> {
    /// No members.
    pub(crate) const fn new() -> Self {
        Self {
            members: [None; MAX_MEMBERS],
            len: 0,
            unrepresentable: false,
        }
    }

    /// The members in order (all `Some` up to `len`: `map` rather than `flatten`, which
    /// costs `TraceState::from_key_value` more per member).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.members[..self.len].iter().map(|member| {
            debug_assert!(member.is_some(), "a member below len is unset");
            member.unwrap_or_default()
        })
    }

    /// Whether a member has a key that opentelemetry's `TraceState` cannot hold.
    pub(crate) fn has_unrepresentable(&self) -> bool {
        self.unrepresentable
    }

    /// The members `TraceState` accepts, as a `TraceState` (allocating only what it holds).
    ///
    /// `#[inline]`: `TraceState::from_key_value` is then left a function of its own, which
    /// measured about 190 instructions cheaper per 8-member extract than the same code inlined
    /// in here (an LLVM inlining choice: measure again after changing this).
    #[inline]
    pub(crate) fn to_trace_state(&self) -> TraceState {
        if !self.unrepresentable {
            // `TraceState` collects through a `Result` adapter with no lower size bound: a
            // `Vec` of 4, grown once for 5 to 8 members.
            let state = TraceState::from_key_value(self.iter());
            debug_assert!(
                state.is_ok(),
                "TraceState refused validated members: {state:?}"
            );
            return state.unwrap_or_default();
        }
        let state = TraceState::from_key_value(
            self.iter().filter(|(key, _)| representable(key.as_bytes())),
        );
        debug_assert!(
            state.is_ok(),
            "TraceState refused validated members: {state:?}"
        );
        state.unwrap_or_default()
    }

    /// Every member, joined as a header value.
    pub(crate) fn header(&self) -> String {
        join(|| self.iter())
    }
}

/// Validates every `tracestate` header line as one combined list (RFC 9110 field order),
/// into `out` (the caller's, so that the 32 members are never copied).
///
/// Per W3C Trace Context, a list with an invalid member or more than 32 members is invalid as a
/// whole: the caller discards it rather than truncating it. A key that comes again is not an
/// error: the spec lets a vendor drop the duplicates, and the first member with the key is
/// kept (its position is the one the list's writer put first), the later ones are dropped.
/// They still count towards the 32 members, a limit on the list as received.
///
/// A valid list without a repeated key is read in one pass over its bytes ([`parse_valid`]);
/// anything else is read again by the step-by-step [`parse_checked`], which drops the repeats
/// and names what is wrong. Whatever the first accepts, the second reads the same, and the
/// first refuses only what the second refuses or what repeats a key
/// (`fast_parse_agrees_with_checked_parse` in the tests).
pub(crate) fn parse<'a>(lines: &[&'a str], out: &mut Members<'a>) -> Result<(), ParseError> {
    if parse_valid(lines, out) {
        return Ok(());
    }
    *out = parse_checked(lines)?;
    Ok(())
}

/// Reads a valid list into `out` in one pass per line, and `false` (with `out` in any state)
/// at the first thing that is not part of a valid list, the combined length limit included,
/// or at a repeated key (valid, but rare enough to leave to [`parse_checked`]): exactly when
/// [`parse_checked`] fails or the list repeats a key.
///
/// The common member (`key=value` right before a `,` or the end of the line, a key without
/// `@`) takes the straight path; optional whitespace, empty members, trailing spaces and keys
/// with an `@` leave it for a few steps.
pub(crate) fn parse_valid<'a>(lines: &[&'a str], out: &mut Members<'a>) -> bool {
    let mut total = 0usize;
    // Kept in registers rather than in `out` until the list is known to be valid.
    let mut seen = 0u64;
    let mut len = 0usize;
    let mut unrepresentable = false;
    for line in lines {
        total = total.saturating_add(line.len() + 1);
        if total > MAX_COMBINED_LEN + 1 {
            return false;
        }
        let b = line.as_bytes();
        let n = b.len();
        let mut i = 0;
        loop {
            // Optional whitespace and empty members.
            while i < n && matches!(b[i], b' ' | b'\t' | b',') {
                i += 1;
            }
            let Some(&first) = b.get(i) else {
                break;
            };
            let key_start = i;
            i = skip_key_chars(b, i);
            if b.get(i) == Some(&b'@') {
                let representable;
                (i, representable) = skip_key_with_at(b, i);
                unrepresentable |= !representable;
            }
            // Not empty either: the first byte is a letter or digit.
            if !is(first, LC | DIGIT) || i - key_start > 256 {
                return false;
            }
            if b.get(i) != Some(&b'=') {
                return false;
            }
            let key_end = i;
            let value_start = i + 1;
            // `VALUE` holds neither `,` nor `=` (nor tabs, controls or non-ASCII).
            i = skip_value_chars(b, value_start);
            let mut value_end = i;
            // Usually 1 to 256 value characters, the last not a space, end at the `,` or at
            // the end of the line.
            let common = matches!(b.get(i), None | Some(b','))
                && (1..=256).contains(&(i - value_start))
                && b.get(i - 1) != Some(&b' ');
            if !common {
                let Some((end, next)) = end_of_value(b, value_start, i) else {
                    return false;
                };
                value_end = end;
                i = next;
            }
            // Only ASCII passed the checks above, so these are character boundaries (`false`
            // rather than empty strings costs less, and would only hand over to `parse_checked`).
            let (Some(key), Some(value)) = (
                line.get(key_start..key_end),
                line.get(value_start..value_end),
            ) else {
                return false;
            };
            // A duplicate can only be a key seen with the same length and first byte: most
            // keys are checked against a 64-bit mask of those rather than against every key.
            // A list that repeats a key is valid, but rare: `parse_checked` drops the repeats.
            let bit = 1u64 << ((usize::from(first) * 7 + key.len()) & 63);
            if seen & bit != 0 && out.members[..len].iter().flatten().any(|(k, _)| *k == key) {
                return false;
            }
            seen |= bit;
            // More than `MAX_MEMBERS` members.
            let Some(slot) = out.members.get_mut(len) else {
                return false;
            };
            *slot = Some((key, value));
            len += 1;
            if i >= n {
                break;
            }
            // Past the `,`.
            i += 1;
        }
    }
    out.len = len;
    out.unrepresentable = unrepresentable;
    true
}

/// The rest of a key whose key characters stop at an `@` (at `at`): the index of the first
/// byte after it that is neither a key character nor `@`, and whether opentelemetry's
/// `TraceState` accepts the key ([`representable`], which this must agree with). The key's
/// first byte and length are the caller's to check.
#[cold]
#[inline(never)]
fn skip_key_with_at(b: &[u8], at: usize) -> (usize, bool) {
    let mut end = skip_key_chars(b, at + 1);
    if b.get(end) != Some(&b'@') {
        let after = end - at - 1;
        return (
            end,
            after <= 13 && (after == 0 || is(b[at + 1], LC | DIGIT)),
        );
    }
    while b.get(end) == Some(&b'@') {
        end = skip_key_chars(b, end + 1);
    }
    (end, false)
}

/// The rest of [`parse_valid`] for a value `b[start..stop]` (`stop` where its characters
/// end) that is not followed right away by a `,` or the end of the line, ends with a space, is
/// empty or is too long: where the value ends without its trailing spaces and where the `,`
/// (or the end) after optional whitespace is, or `None` when the member is not valid.
#[cold]
#[inline(never)]
fn end_of_value(b: &[u8], start: usize, stop: usize) -> Option<(usize, usize)> {
    let mut next = stop;
    // Only optional whitespace may come before the `,` or the end of the line.
    while next < b.len() && matches!(b[next], b' ' | b'\t') {
        next += 1;
    }
    if next < b.len() && b[next] != b',' {
        return None;
    }
    // Trailing spaces are optional whitespace around the member, not the value.
    let mut end = stop;
    while end > start && b[end - 1] == b' ' {
        end -= 1;
    }
    (1..=256).contains(&(end - start)).then_some((end, next))
}

/// [`parse`], one step at a time, naming the first thing that is wrong.
pub(crate) fn parse_checked<'a>(lines: &[&'a str]) -> Result<Members<'a>, ParseError> {
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
    let mut out = Members::new();
    // Members read, duplicates included.
    let mut count = 0;
    for line in lines {
        let bytes = line.as_bytes();
        let mut start = 0;
        while start <= bytes.len() {
            // One member: up to the next `,` (a byte loop: members are short, and `memchr`
            // costs more to set up than it saves here).
            let mut end = start;
            while end < bytes.len() && bytes[end] != b',' {
                end += 1;
            }
            let (from, to) = trim_ows_range(bytes, start, end);
            start = end + 1;
            if from == to {
                continue;
            }
            let member = &bytes[from..to];
            let Some(eq) = member.iter().position(|&b| b == b'=') else {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "list member",
                    "key=value",
                ));
            };
            let Some(kind) = check_key(&member[..eq]) else {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "key",
                    "1 to 256 lowercase letters, digits, _ - * / @, the first a letter or digit",
                ));
            };
            if !check_value(&member[eq + 1..]) {
                return Err(ParseError::new(
                    ErrorKind::Malformed,
                    HEADER,
                    "value",
                    "1 to 256 printable ascii characters other than , and =",
                ));
            }
            if count == MAX_MEMBERS {
                return Err(ParseError::new(
                    ErrorKind::LimitExceeded,
                    HEADER,
                    "list",
                    "at most 32 list members",
                ));
            }
            // Only ASCII passed the checks above, so these are character boundaries: slicing
            // the line needs no UTF-8 validation.
            let key = at_boundaries(line, from..from + eq);
            let value = at_boundaries(line, from + eq + 1..to);
            count += 1;
            if out.iter().any(|(k, _)| k == key) {
                continue;
            }
            out.unrepresentable |= kind == Key::ValidUnrepresentable;
            out.members[out.len] = Some((key, value));
            out.len += 1;
        }
    }
    Ok(out)
}

/// The index of the first byte of `b` at or after `i` that is not a key character (`@` is
/// not one here, see [`AT`]), or `b.len()`: eight bytes a round (one bounds check each), then one by one.
#[inline]
fn skip_key_chars(b: &[u8], mut i: usize) -> usize {
    let key = |c: u8| CLASS[c as usize] & KEY_CHAR != 0;
    while let Some(chunk) = b.get(i..i.wrapping_add(8)) {
        for (k, &c) in chunk.iter().enumerate() {
            if !key(c) {
                return i + k;
            }
        }
        i += 8;
    }
    while i < b.len() && key(b[i]) {
        i += 1;
    }
    i
}

/// The index of the first byte of `b` at or after `i` that is not in `VALUE` (printable
/// ASCII other than `,` and `=`), or `b.len()`: eight bytes at a time (SWAR), then one by one.
#[inline]
fn skip_value_chars(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let stop = (w & HIGH)
            // Below 0x20 (the same reasoning as `zero_bytes`).
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGH)
            | bytes_equal(w, 0x7f)
            | bytes_equal(w, b',')
            | bytes_equal(w, b'=');
        if stop != 0 {
            // Little-endian: the lowest byte is the first.
            return i + (stop.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && is(b[i], VALUE) {
        i += 1;
    }
    i
}

/// The bounds of `bytes[start..end]` without optional whitespace at either end.
#[inline]
fn trim_ows_range(bytes: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    while start < end && matches!(bytes[start], b' ' | b'\t') {
        start += 1;
    }
    while end > start && matches!(bytes[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    (start, end)
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
