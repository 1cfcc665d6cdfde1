//! Reading a `baggage` header: list members found and checked in one pass over the bytes,
//! by table, without splitting the header into pieces.

use opentelemetry::baggage::BaggageMetadata;

use super::limits::MAX_BYTES;
use crate::chars::{CLASS, HEX, OCTET, ONES, PLAIN, TOKEN, is, is_ows, zero_bytes};
#[cfg(test)]
use crate::split::at_boundaries;

/// The index of the first byte of `b` at or after `i` that is not in `class`, or `b.len()`:
/// by table, eight bytes a round (one length check for the eight), then four, then one by one.
#[inline(always)]
pub(super) fn skip_class(b: &[u8], i: usize, class: u8) -> usize {
    // Returns the index of the first of the bytes (at `at`, `at + 1`, ...) not in `class`.
    // Written out byte by byte: the compiler does not unroll a loop over a chunk as well.
    macro_rules! stop_at {
        ($at:expr; $($k:literal: $c:expr),+) => {
            $(
                if !is($c, class) {
                    return $at + $k;
                }
            )+
        };
    }
    let Some(mut rest) = b.get(i..) else {
        return i;
    };
    while let &[c0, c1, c2, c3, c4, c5, c6, c7, ref tail @ ..] = rest {
        stop_at!(b.len() - rest.len(); 0: c0, 1: c1, 2: c2, 3: c3, 4: c4, 5: c5, 6: c6, 7: c7);
        rest = tail;
    }
    if let &[c0, c1, c2, c3, ref tail @ ..] = rest {
        stop_at!(b.len() - rest.len(); 0: c0, 1: c1, 2: c2, 3: c3);
        rest = tail;
    }
    while let &[c, ref tail @ ..] = rest {
        if !is(c, class) {
            break;
        }
        rest = tail;
    }
    b.len() - rest.len()
}

/// The index of the first byte of `bytes` at or after `i` that is not optional whitespace.
#[inline]
pub(super) fn skip_ows(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && is_ows(bytes[i]) {
        i += 1;
    }
    i
}

/// `property = key OWS "=" OWS value / key OWS`, each one separated by `OWS ";" OWS`.
///
/// One pass over the bytes: each property is a non-empty key, then optionally `=` and a value
/// (possibly empty), each surrounded by optional whitespace, then `;` or the end.
pub(super) fn is_property_list(props: &str) -> bool {
    let b = props.as_bytes();
    let mut i = 0;
    loop {
        i = skip_ows(b, i);
        let key_start = i;
        while i < b.len() && is(b[i], TOKEN) {
            i += 1;
        }
        if i == key_start {
            return false;
        }
        i = skip_ows(b, i);
        if i < b.len() && b[i] == b'=' {
            i = skip_ows(b, i + 1);
            while i < b.len() && is(b[i], OCTET) {
                i += 1;
            }
            i = skip_ows(b, i);
        }
        match b.get(i) {
            None => return true,
            Some(b';') => i += 1,
            Some(_) => return false,
        }
    }
}

/// One list member, borrowed from the header: `key OWS "=" OWS value *( OWS ";" OWS property )`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Member<'a> {
    pub(crate) key: &'a str,
    /// Still percent-encoded.
    pub(crate) value: &'a str,
    /// Everything after the first `;`, or `""`.
    pub(crate) properties: &'a str,
    /// Whether `properties` holds optional whitespace (to be dropped, see [`metadata`]).
    pub(crate) props_ows: bool,
    /// How many `%` escapes `value` holds (it needs decoding when there is one).
    pub(crate) escapes: usize,
    /// The index in `value` of its first `%` (when `escapes` is not 0): the plain bytes
    /// before it need no second look.
    pub(crate) first_escape: usize,
}

/// Parses one list member at `start` of `b` (the bytes of `line`, cut at the byte limit), up
/// to the `,` that ends it or the end of `b`: the member and the index of that end, or `None`
/// when it does not follow the grammar.
///
/// One pass over the bytes, by table: the key (`token`), optional whitespace, `=`, optional
/// whitespace, the value (`baggage-octet`s, every `%` starting a two-digit escape, RFC 3986
/// §2.1), optional whitespace, then the end, `,`, or `;` and the properties (see
/// [`scan_properties`]). None of these takes a `,`, so a member never reads past its own: the
/// same grammar as the tests' reference `parse_member` on the member split off at its `,`.
#[inline(always)]
pub(super) fn scan_member<'a>(
    line: &'a str,
    b: &[u8],
    start: usize,
) -> Option<(Member<'a>, usize)> {
    let mut key_start = start;
    let mut i = skip_class(b, key_start, TOKEN);
    if i == key_start {
        // Optional whitespace before the key (rare): skipped, and the key read after it.
        key_start = skip_ows(b, start);
        i = skip_class(b, key_start, TOKEN);
        if i == key_start {
            return None;
        }
    }
    let key_end = i;
    if b.get(i) != Some(&b'=') {
        i = skip_ows(b, i);
        if b.get(i) != Some(&b'=') {
            return None;
        }
    }
    // The optional whitespace around the value is rare: only looked for where the value (or
    // what follows it) does not go on as usual.
    let mut value_start = i + 1;
    i = skip_plain(b, value_start);
    if i == value_start && b.get(i).is_some_and(|&c| is_ows(c)) {
        value_start = skip_ows(b, i);
        i = skip_plain(b, value_start);
    }
    let (value_end, escapes, first_escape) = skip_escaped(b, value_start, i)?;
    i = value_end;
    let mut props_ows = false;
    let (properties, end) = loop {
        match b.get(i) {
            None | Some(b',') => break ("", i),
            Some(b';') => {
                let (props_start, props_end, end, ows) = scan_properties(b, i + 1)?;
                props_ows = ows;
                break (line.get(props_start..props_end)?, end);
            }
            // Optional whitespace after the value (rare): skipped, then looked past.
            Some(b' ' | b'\t') => i = skip_ows(b, i),
            Some(_) => return None,
        }
    };
    // Every bound is next to an ASCII byte (or an end), so all fall on character boundaries
    // and no `get` here fails.
    let member = Member {
        key: line.get(key_start..key_end)?,
        value: line.get(value_start..value_end)?,
        properties,
        props_ows,
        escapes,
        first_escape,
    };
    Some((member, end))
}

/// The properties from `start` (just after the first `;`) of `b` up to the `,` that ends the
/// member or the end of `b`: `Some((from, to, end, ows))`, `from..to` the properties without
/// the optional whitespace around them, `end` the index of that `,` (or `b.len()`), and `ows`
/// whether `from..to` holds optional whitespace (around a property key or value), when they
/// follow the grammar, the same one as [`is_property_list`] (which, on the trimmed text,
/// accepts exactly the same).
#[inline]
pub(super) fn scan_properties(b: &[u8], start: usize) -> Option<(usize, usize, usize, bool)> {
    let from = skip_ows(b, start);
    let mut i = from;
    // Optional whitespace skipped after `from`, the trailing run included.
    let mut skipped = 0;
    let mut skip = |i: usize| {
        let j = skip_ows(b, i);
        skipped += j - i;
        j
    };
    loop {
        let key_start = i;
        i = skip_class(b, i, TOKEN);
        if i == key_start {
            return None;
        }
        i = skip(i);
        if i < b.len() && b[i] == b'=' {
            i = skip(i + 1);
            i = skip_class(b, i, OCTET);
            i = skip(i);
        }
        match b.get(i) {
            None | Some(b',') => break,
            Some(b';') => i = skip(i + 1),
            Some(_) => return None,
        }
    }
    let mut to = i;
    while to > from && is_ows(b[to - 1]) {
        to -= 1;
    }
    Some((from, to, i, skipped > i - to))
}

/// Parses one list member (already split on `,`); `None` when it does not follow the grammar:
/// the reference [`scan_member`] is tested against.
///
/// One pass over the bytes, by table: the key (`token`), optional whitespace, `=`, optional
/// whitespace, the value (`baggage-octet`s, every `%` starting a two-digit escape, RFC 3986
/// §2.1), optional whitespace, then the end or `;` and the properties.
#[cfg(test)]
pub(super) fn parse_member(member: &str) -> Option<Member<'_>> {
    let bytes = member.as_bytes();
    let key_start = skip_ows(bytes, 0);
    let mut i = key_start;
    while i < bytes.len() && is(bytes[i], TOKEN) {
        i += 1;
    }
    if i == key_start {
        return None;
    }
    let key = &member[key_start..i];
    i = skip_ows(bytes, i);
    if bytes.get(i) != Some(&b'=') {
        return None;
    }
    let value_start = skip_ows(bytes, i + 1);
    let (value_end, escapes, first_escape) =
        skip_escaped(bytes, value_start, skip_plain(bytes, value_start))?;
    i = value_end;
    let value = &member[value_start..i];
    i = skip_ows(bytes, i);
    let properties = match bytes.get(i) {
        None => "",
        Some(b';') => {
            let properties = trim_str(&member[i + 1..]);
            if !is_property_list(properties) {
                return None;
            }
            properties
        }
        Some(_) => return None,
    };
    Some(Member {
        key,
        value,
        properties,
        props_ows: properties.bytes().any(is_ows),
        escapes,
        first_escape,
    })
}

/// The metadata of a member: its properties with the optional whitespace around each property
/// key and value removed ("not considered to be a part of the property key or value", W3C
/// Baggage "property"), so that `k=v; p = x` is kept, and forwarded, as `p=x`. Properties
/// without such whitespace (the usual case) cost the one exactly sized allocation
/// `BaggageMetadata::from(&str)` makes anyway; normalising costs one more, since
/// `BaggageMetadata` copies even a `String` it is given.
///
/// `ows` tells whether `properties` holds optional whitespace (as [`scan_member`] found).
#[inline]
pub(super) fn metadata(properties: &str, ows: bool) -> BaggageMetadata {
    if properties.is_empty() {
        return BaggageMetadata::default();
    }
    if !ows {
        return BaggageMetadata::from(properties);
    }
    metadata_without_ows(properties)
}

/// [`metadata`] of properties with optional whitespace in them.
#[cold]
pub(super) fn metadata_without_ows(properties: &str) -> BaggageMetadata {
    let parts = || {
        properties.split(';').map(|p| match p.split_once('=') {
            Some((key, value)) => (trim_str(key), Some(trim_str(value))),
            None => (trim_str(p), None),
        })
    };
    let len = parts()
        .map(|(k, v)| k.len() + v.map_or(0, |v| v.len() + 1) + 1)
        .sum::<usize>()
        - 1;
    let mut out = String::with_capacity(len);
    for (key, value) in parts() {
        if !out.is_empty() {
            out.push(';');
        }
        out.push_str(key);
        if let Some(value) = value {
            out.push('=');
            out.push_str(value);
        }
    }
    BaggageMetadata::from(out)
}

pub(super) fn trim_str(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// The index of the first byte of `b` at or after `i` that is not
/// [`is_plain`](super::percent::is_plain) (a `%`, or not a `baggage-octet`), or `b.len()`. By
/// table, four bytes a round: values are short, and for them this costs less than eight at a
/// time by word arithmetic (SWAR), whose set-up and
/// tail outweigh its rounds.
#[inline]
pub(super) fn skip_plain(b: &[u8], i: usize) -> usize {
    skip_class(b, i, PLAIN)
}

/// The rest of a value that starts at `value_start` and runs plain up to `i`: every `%` must
/// start a two-digit escape (RFC 3986 §2.1). Gives the end of the value, its number of escapes
/// and the index (in the value) of the first, or `None` at a broken escape.
#[inline(always)]
pub(super) fn skip_escaped(
    b: &[u8],
    value_start: usize,
    mut i: usize,
) -> Option<(usize, usize, usize)> {
    let (mut escapes, mut first_escape) = (0, 0);
    while b.get(i) == Some(&b'%') {
        match b.get(i + 1..i + 3) {
            Some(&[h, l]) if CLASS[h as usize] & CLASS[l as usize] & HEX != 0 => {}
            _ => return None,
        }
        if escapes == 0 {
            first_escape = i - value_start;
        }
        escapes += 1;
        i = skip_plain(b, i + 3);
    }
    Some((i, escapes, first_escape))
}

/// Calls `f` with every valid member (see [`scan_member`]) of the combined header lines that
/// ends within the first [`MAX_BYTES`] bytes, in order, until `f` returns `false`: one pass
/// over the bytes, an invalid member skipped to its `,`.
///
/// The lines are combined as if joined with `,`. Nothing past the byte limit is looked at,
/// however long a line: reading stops at the first member that does not end within it.
pub(super) fn for_each_valid_member<'a>(lines: &[&'a str], mut f: impl FnMut(Member<'a>) -> bool) {
    // Bytes of the combined header before this line.
    let mut offset = 0usize;
    for line in lines {
        // A member of this line must end at or before byte `cap` of it.
        let Some(cap) = MAX_BYTES.checked_sub(offset) else {
            return;
        };
        let bytes = line.as_bytes();
        let whole = bytes.len() <= cap;
        // Up to the byte after the limit: a member ending with a `,` there still counts.
        let b = &bytes[..bytes.len().min(cap + 1)];
        let mut start = 0;
        loop {
            let (member, end) = match scan_member(line, b, start) {
                Some((member, end)) => (Some(member), end),
                None => (None, find_comma(b, start)),
            };
            let last = end == b.len();
            // The last member of a cut line ends past the limit.
            if last && !whole {
                return;
            }
            if let Some(member) = member
                && !f(member)
            {
                return;
            }
            if last {
                break;
            }
            start = end + 1;
        }
        offset += bytes.len() + 1;
    }
}

/// Calls `f` with every member of the combined header lines that ends within the first
/// [`MAX_BYTES`] bytes, in order, until `f` returns `false`: the reference
/// [`for_each_valid_member`] is tested against.
#[cfg(test)]
pub(super) fn for_each_member<'a>(lines: &[&'a str], mut f: impl FnMut(&'a str) -> bool) {
    let mut offset = 0usize;
    for line in lines {
        let bytes = line.as_bytes();
        let mut start = 0;
        while start <= bytes.len() {
            // Never looked past the byte limit, however long the line: a member still going
            // there ends past it.
            let stop = bytes
                .len()
                .min(start + (MAX_BYTES + 1).saturating_sub(offset));
            let end = find_comma(&bytes[..stop], start);
            let member_end = offset + (end - start);
            if member_end > MAX_BYTES {
                return;
            }
            offset = member_end + 1;
            // `,` is ASCII, so `start..end` falls on character boundaries.
            if !f(at_boundaries(line, start..end)) {
                return;
            }
            start = end + 1;
        }
    }
}

/// The index of the first `,` of `b` at or after `i`, or `b.len()`: eight bytes at a time
/// (SWAR), then one by one.
#[inline]
pub(super) fn find_comma(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])) ^ (ONES * u64::from(b','));
        // The high bit of every byte that was a `,` (the lowest flag is exactly the first).
        let commas = zero_bytes(x);
        if commas != 0 {
            return i + (commas.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] != b',' {
        i += 1;
    }
    i
}
