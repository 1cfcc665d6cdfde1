//! W3C Baggage: the `baggage` header, member order kept, values percent-decoded and encoded.

use opentelemetry::baggage::{Baggage, BaggageExt, BaggageMetadata};
use opentelemetry::propagation::{
    Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter,
};
use opentelemetry::{Context, Key, StringValue};

use crate::carrier::{self, Carrier, FromExtractor};
use crate::chars::{CLASS, HEX, OCTET, ONES, PLAIN, TOKEN, is, is_ows, is_token, zero_bytes};
use crate::header::BAGGAGE;
use crate::propagator::Propagator;

/// The most list members kept on extract and written on inject: the W3C minimum every
/// platform must propagate, and opentelemetry's own `Baggage` limit.
pub(crate) const MAX_MEMBERS: usize = 64;

/// The most list members a `baggage-string` has (`list-member 0*179( OWS "," OWS list-member )`).
/// Members past the 64 opentelemetry's `Baggage` holds, up to this many, are kept beside it
/// (see `Overflow`) so that a header of 8192 bytes or less is forwarded whole, as the spec
/// requires.
pub(crate) const MAX_LIST_MEMBERS: usize = 180;

/// The most bytes of `baggage-string` read on extract and written on inject: the W3C minimum
/// every platform must propagate, and opentelemetry's own `Baggage` limit.
pub(crate) const MAX_BYTES: usize = 8192;

/// The index of the first byte of `b` at or after `i` that is not in `class`, or `b.len()`:
/// by table, eight bytes a round (one length check for the eight), then four, then one by one.
#[inline(always)]
fn skip_class(b: &[u8], i: usize, class: u8) -> usize {
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
fn skip_ows(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && is_ows(bytes[i]) {
        i += 1;
    }
    i
}

/// `property = key OWS "=" OWS value / key OWS`, each one separated by `OWS ";" OWS`.
///
/// One pass over the bytes: each property is a non-empty key, then optionally `=` and a value
/// (possibly empty), each surrounded by optional whitespace, then `;` or the end.
fn is_property_list(props: &str) -> bool {
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
fn scan_member<'a>(line: &'a str, b: &[u8], start: usize) -> Option<(Member<'a>, usize)> {
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
fn scan_properties(b: &[u8], start: usize) -> Option<(usize, usize, usize, bool)> {
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
fn parse_member(member: &str) -> Option<Member<'_>> {
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
fn metadata(properties: &str, ows: bool) -> BaggageMetadata {
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
fn metadata_without_ows(properties: &str) -> BaggageMetadata {
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

fn trim_str(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Percent-decodes a valid value (counting its escapes first), for the tests.
#[cfg(test)]
fn decode(value: &str) -> String {
    match value.bytes().filter(|&b| b == b'%').count() {
        0 => value.to_owned(),
        escapes => {
            let first = value.bytes().position(|b| b == b'%').unwrap_or_default();
            decode_escapes(value, escapes, first)
        }
    }
}

/// Percent-decodes a valid value holding `escapes` `%` escapes, the first at `first`, as
/// [`scan_member`] found them (so the plain bytes before the first are not looked at again);
/// bytes that are not UTF-8 become U+FFFD, as the spec asks.
///
/// While the escapes decode to ASCII (the usual case), the `String` is written directly, with
/// no UTF-8 check; at the first one that does not, its buffer is reused for [`decode_bytes`].
fn decode_escapes(value: &str, escapes: usize, first: usize) -> String {
    let bytes = value.as_bytes();
    // Exactly sized: a valid value has two digits after every `%`.
    let mut out = String::with_capacity(bytes.len().saturating_sub(2 * escapes));
    let (mut copied, mut at) = (0, first);
    while at < bytes.len() {
        let byte = match bytes.get(at + 1..at + 3) {
            Some(&[hi, lo]) if is(hi, HEX) && is(lo, HEX) => hex_digit(hi) << 4 | hex_digit(lo),
            // Not ASCII, or not a valid value's (a `%` without two hex digits).
            _ => 0x80,
        };
        if !byte.is_ascii() {
            let mut out = out.into_bytes();
            out.clear();
            return decode_bytes(bytes, out);
        }
        // `copied` and `at` are at a `%` or just after an escape's two (ASCII) digits, so on
        // character boundaries.
        out.push_str(value.get(copied..at).unwrap_or_default());
        out.push(char::from(byte));
        copied = at + 3;
        at = bytes
            .get(copied..)
            .and_then(|rest| rest.iter().position(|&b| b == b'%'))
            .map_or(bytes.len(), |p| copied + p);
    }
    out.push_str(value.get(copied..).unwrap_or_default());
    out
}

/// Percent-decodes `bytes` onto `out` (empty, and sized for the result) byte by byte; bytes
/// that are not UTF-8 become U+FFFD.
fn decode_bytes(bytes: &[u8], mut out: Vec<u8>) -> String {
    // The plain runs between escapes are copied whole.
    let mut rest = bytes;
    while let Some(at) = rest.iter().position(|&b| b == b'%') {
        out.extend_from_slice(&rest[..at]);
        match rest.get(at + 1..at + 3) {
            Some(&[hi, lo]) => {
                out.push(hex_digit(hi) << 4 | hex_digit(lo));
                rest = &rest[at + 3..];
            }
            // Not in a valid value; kept as it is.
            _ => {
                out.push(b'%');
                rest = &rest[at + 1..];
            }
        }
    }
    out.extend_from_slice(rest);
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// The value of a hex digit (0 for any other byte), by table.
#[inline]
fn hex_digit(b: u8) -> u8 {
    static VALUE: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 16 {
            t[b"0123456789abcdef"[i] as usize] = i as u8;
            t[b"0123456789ABCDEF"[i] as usize] = i as u8;
            i += 1;
        }
        t
    };
    VALUE[b as usize]
}

/// The index of the first byte of `b` at or after `i` that is not [`is_plain`] (a `%`, or
/// not a `baggage-octet`), or `b.len()`. By table, four bytes a round: values are short, and
/// for them this costs less than eight at a time by word arithmetic (SWAR), whose set-up and
/// tail outweigh its rounds.
#[inline]
fn skip_plain(b: &[u8], i: usize) -> usize {
    skip_class(b, i, PLAIN)
}

/// The rest of a value that starts at `value_start` and runs plain up to `i`: every `%` must
/// start a two-digit escape (RFC 3986 §2.1). Gives the end of the value, its number of escapes
/// and the index (in the value) of the first, or `None` at a broken escape.
#[inline(always)]
fn skip_escaped(b: &[u8], value_start: usize, mut i: usize) -> Option<(usize, usize, usize)> {
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

/// Whether a byte of a value is written as is (a `baggage-octet` other than `%`).
#[inline]
fn is_plain(b: u8) -> bool {
    is(b, PLAIN)
}

/// The length of `value` once percent-encoded.
pub(crate) fn encoded_len(value: &str) -> usize {
    value.bytes().map(|b| if is_plain(b) { 1 } else { 3 }).sum()
}

/// Percent-encodes `value` onto `out`: every byte outside `baggage-octet` (controls, space,
/// `"`, `,`, `;`, `\`, non-ASCII) and `%` itself, so that decoding gives back `value` exactly.
pub(crate) fn encode_into(value: &str, out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    for b in value.bytes() {
        if is_plain(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(DIGITS[(b >> 4) as usize] as char);
            out.push(DIGITS[(b & 0xf) as usize] as char);
        }
    }
}

/// Orders of up to this many members are held inside [`MemberOrder`] itself.
const ORDER_INLINE: usize = 16;

/// The order the members arrived in, kept beside the (unordered) `Baggage` so that inject
/// writes the members back in that order: a 32-bit hash of each key ([`key_hash`]), in
/// arrival order. Up to [`ORDER_INLINE`] members, the usual case, it is held inline, in the
/// context entry's own allocation; a longer order costs one exactly-sized vector.
///
/// Two keys of one baggage with the same hash (a chance in about a billion for 64 random
/// keys; a sender can make it happen on purpose) can only swap places between themselves:
/// [`ordered`] writes every member exactly once whatever the hashes.
#[derive(Debug)]
struct MemberOrder {
    /// Hashes used in `inline` (while `spill` is empty).
    len: usize,
    inline: [u32; ORDER_INLINE],
    /// Every hash once the order outgrows `inline`.
    spill: Vec<u32>,
}

impl MemberOrder {
    const EMPTY: Self = Self {
        len: 0,
        inline: [0; ORDER_INLINE],
        spill: Vec::new(),
    };

    /// Appends the member named `key`.
    fn push(&mut self, key: &str) {
        let hash = key_hash(key);
        // `len` stops at `ORDER_INLINE`, where `spill` takes over: below it, `spill` is empty.
        if self.len < ORDER_INLINE {
            self.inline[self.len] = hash;
            self.len += 1;
            return;
        }
        if self.spill.is_empty() {
            // Extract keeps at most `MAX_MEMBERS` members (cut to size at the end).
            self.spill.reserve_exact(MAX_MEMBERS);
            self.spill.extend_from_slice(&self.inline);
        }
        self.spill.push(hash);
    }

    fn hashes(&self) -> &[u32] {
        if self.spill.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spill
        }
    }
}

/// A 32-bit hash of a baggage key, a word (8 bytes) at a time: each word is mixed in by a
/// multiply and a rotation, the last (partial) one read as the last 8 bytes of the key
/// (overlapping the word before), a key under 8 bytes as one padded word. Keys are short, so
/// this costs a few operations per key where a byte-at-a-time hash (FNV) costs a few per byte.
fn key_hash(key: &str) -> u32 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mix = |h: u64, w: u64| (h ^ w).wrapping_mul(K).rotate_left(29);
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
    let b = key.as_bytes();
    let n = b.len();
    let mut h = (n as u64).wrapping_mul(K);
    if n >= 8 {
        let mut i = 0;
        while i + 8 <= n {
            h = mix(h, word(&b[i..i + 8]));
            i += 8;
        }
        if i < n {
            h = mix(h, word(&b[n - 8..]));
        }
    } else if n >= 4 {
        let half = |b: &[u8]| u64::from(u32::from_le_bytes(b.try_into().unwrap_or([0; 4])));
        h = mix(h, half(&b[n - 4..]) << 32 | half(&b[..4]));
    } else {
        h = mix(h, b.iter().fold(0, |w, &x| w << 8 | u64::from(x)));
    }
    (h ^ h >> 32) as u32
}

/// Members extracted past the 64 opentelemetry's `Baggage` can hold, each `key=value` (value
/// still percent-encoded) with its properties, joined with `,`, in arrival order. They are
/// written after the `Baggage` members, but only while the context still carries the very
/// baggage they arrived with (same entries, per `fingerprint`): a replaced or cleared baggage
/// drops them.
#[derive(Debug)]
struct Overflow {
    fingerprint: u64,
    members: Box<str>,
}

/// An order-independent digest of every entry of `baggage` (`Baggage` is a `HashMap`).
fn fingerprint(baggage: &Baggage) -> u64 {
    use std::hash::{Hash, Hasher};
    baggage
        .iter()
        .fold(baggage.len() as u64, |acc, (key, (value, metadata))| {
            let mut h = std::hash::DefaultHasher::new();
            key.as_str().hash(&mut h);
            value.as_str().hash(&mut h);
            metadata.as_str().hash(&mut h);
            acc.wrapping_add(h.finish())
        })
}

/// Propagates baggage in the W3C Baggage format (`baggage` header).
///
/// Extract reads every `baggage` header line, combined in order. A member whose key is not a
/// token, whose value has a byte outside `baggage-octet` or a broken `%` escape, or whose
/// properties do not follow the grammar is dropped alone; the others are kept. Values are
/// percent-decoded (bytes that are not UTF-8 become U+FFFD); properties are kept as the
/// member's [`BaggageMetadata`], `;`-separated, with the optional whitespace around each
/// property key and value removed (`k=v; p = x ;q` gives `p=x;q`). When a key repeats, the
/// last value wins, in the place of the first.
///
/// Limits: the spec requires every member of a `baggage-string` of 8192 bytes or less to be
/// propagated (at most 180 members, per its grammar). opentelemetry's `Baggage` holds 64: the
/// members past those are kept beside it and written back after them for as long as the
/// context carries the same baggage. On extract, members that end past byte 8192 of the
/// combined header are dropped (without being read) and reading stops at 180 members; on
/// inject, a member that would take the header past 8192 bytes or 180 members is skipped and
/// later, smaller ones still go.
///
/// Inject writes members in the order they were extracted (then any added since), values
/// percent-encoded so that the round trip is lossless, and no header when the baggage is
/// empty. A key that is not a token cannot be written and is skipped; so are properties that
/// do not follow the grammar.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "http")] {
/// use baton_propagation::{BaggagePropagator, HeaderExtractor, HeaderInjector};
/// use opentelemetry::baggage::BaggageExt;
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::Context;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("baggage", "userId=alice,serverNode=DF%2028;region=eu,isProduction=false".parse().unwrap());
///
/// let propagator = BaggagePropagator::default();
/// let cx = propagator.extract_with_context(&Context::new(), &HeaderExtractor(&headers));
/// assert_eq!(cx.baggage().get("serverNode").map(|v| v.as_str()), Some("DF 28"));
/// let (_, metadata) = cx.baggage().get_with_metadata("serverNode").unwrap();
/// assert_eq!(metadata.as_str(), "region=eu");
///
/// let mut out = http::HeaderMap::new();
/// propagator.inject_context(&cx, &mut HeaderInjector(&mut out));
/// assert_eq!(out["baggage"], "userId=alice,serverNode=DF%2028;region=eu,isProduction=false");
/// # }
/// ```
#[derive(Debug)]
pub struct BaggagePropagator {
    fields: [String; 1],
}

impl Default for BaggagePropagator {
    fn default() -> Self {
        Self::new()
    }
}

impl BaggagePropagator {
    /// A new propagator (the same as [`Default::default`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::BaggagePropagator;
    /// use opentelemetry::propagation::TextMapPropagator;
    ///
    /// assert_eq!(BaggagePropagator::new().fields().collect::<Vec<_>>(), ["baggage"]);
    /// ```
    pub fn new() -> Self {
        Self {
            fields: [BAGGAGE.to_owned()],
        }
    }
}

/// Calls `f` with every valid member (see [`scan_member`]) of the combined header lines that
/// ends within the first [`MAX_BYTES`] bytes, in order, until `f` returns `false`: one pass
/// over the bytes, an invalid member skipped to its `,`.
///
/// The lines are combined as if joined with `,`. Nothing past the byte limit is looked at,
/// however long a line: reading stops at the first member that does not end within it.
fn for_each_valid_member<'a>(lines: &[&'a str], mut f: impl FnMut(Member<'a>) -> bool) {
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
fn for_each_member<'a>(lines: &[&'a str], mut f: impl FnMut(&'a str) -> bool) {
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
            if !f(line.get(start..end).unwrap_or_default()) {
                return;
            }
            start = end + 1;
        }
    }
}

/// The index of the first `,` of `b` at or after `i`, or `b.len()`: eight bytes at a time
/// (SWAR), then one by one.
#[inline]
fn find_comma(b: &[u8], mut i: usize) -> usize {
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

/// What extract found: the baggage, the member order when it has several members, and the
/// members past opentelemetry's 64.
type Extracted = (Baggage, Option<MemberOrder>, Option<Overflow>);

// A line cut by Baton's own carriers is cut past everything extract reads.
const _: () = assert!(carrier::MAX_LINE > MAX_BYTES + 1);

fn extract_baggage(carrier: &dyn Carrier) -> Option<Extracted> {
    match carrier.lines(BAGGAGE).as_slice() {
        [] => None,
        lines => extract_lines(lines),
    }
}

/// Builds the baggage of the combined header `lines`.
fn extract_lines(lines: &[&str]) -> Option<Extracted> {
    let mut out = Builder {
        order: MemberOrder::EMPTY,
        baggage: Baggage::new(),
        seen: 0,
        overflow: Vec::new(),
    };
    for_each_valid_member(lines, |member| out.add(member));
    out.finish()
}

/// The baggage being built from the members of a header, in order.
struct Builder<'a> {
    baggage: Baggage,
    /// The members in arrival order (only kept when there are several).
    order: MemberOrder,
    /// Valid members seen so far.
    seen: usize,
    /// Members past the 64 `Baggage` holds: (key, `key=value;properties`). Only allocated
    /// when a header has more than 64 distinct keys.
    overflow: Vec<(&'a str, String)>,
}

impl<'a> Builder<'a> {
    /// Adds a valid member; `false` once no more members are read.
    fn add(&mut self, member: Member<'a>) -> bool {
        self.seen += 1;
        if self.seen > MAX_LIST_MEMBERS {
            return false;
        }
        if self.baggage.len() == MAX_MEMBERS && self.baggage.get(member.key).is_none() {
            let metadata = metadata(member.properties, member.props_ows);
            let mut text = String::with_capacity(
                member.key.len() + 2 + member.value.len() + metadata.as_str().len(),
            );
            text.push_str(member.key);
            text.push('=');
            text.push_str(member.value);
            if !metadata.as_str().is_empty() {
                text.push(';');
                text.push_str(metadata.as_str());
            }
            // A repeated key: the last value wins, in the place of the first.
            match self.overflow.iter_mut().find(|(key, _)| *key == member.key) {
                Some(slot) => slot.1 = text,
                None => self.overflow.push((member.key, text)),
            }
            return true;
        }
        let metadata = metadata(member.properties, member.props_ows);
        let value = StringValue::from(if member.escapes > 0 {
            decode_escapes(member.value, member.escapes, member.first_escape)
        } else {
            member.value.to_owned()
        });
        let before = self.baggage.len();
        // A repeated key replaces the value in place; only a new key extends the order.
        self.baggage
            .insert_with_metadata(Key::from(member.key.to_owned()), value, metadata);
        if self.baggage.len() > before {
            self.order.push(member.key);
        }
        true
    }

    fn finish(self) -> Option<Extracted> {
        let Self {
            baggage,
            mut order,
            overflow,
            ..
        } = self;
        if baggage.is_empty() {
            return None;
        }
        order.spill.shrink_to_fit();
        let order = (baggage.len() > 1).then_some(order);
        let overflow = (!overflow.is_empty()).then(|| {
            let len = overflow.iter().map(|(_, m)| m.len() + 1).sum::<usize>() - 1;
            let mut members = String::with_capacity(len);
            for (_, member) in &overflow {
                if !members.is_empty() {
                    members.push(',');
                }
                members.push_str(member);
            }
            Overflow {
                fingerprint: fingerprint(&baggage),
                members: members.into_boxed_str(),
            }
        });
        Some((baggage, order, overflow))
    }
}

impl TextMapPropagator for BaggagePropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let baggage = cx.baggage();
        if baggage.is_empty() {
            return;
        }
        let order = cx.get::<MemberOrder>().map_or(&[][..], MemberOrder::hashes);
        let overflow = cx
            .get::<Overflow>()
            .filter(|o| !o.members.is_empty() && o.fingerprint == fingerprint(baggage))
            .map_or("", |o| &o.members);
        let header = write_header(baggage, order, overflow);
        if !header.is_empty() {
            injector.set(BAGGAGE, header);
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&self.fields)
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        self.extract_from(cx, &FromExtractor(extractor))
    }
}

impl Propagator for BaggagePropagator {
    fn extract_from(&self, cx: &Context, carrier: &dyn Carrier) -> Context {
        let Some((baggage, order, overflow)) = extract_baggage(carrier) else {
            return cx.clone();
        };
        let mut out = cx.with_baggage(baggage);
        // An order or overflow kept from an earlier extract must not outlive its baggage.
        match order {
            Some(order) => out = out.with_value(order),
            None if out.get::<MemberOrder>().is_some() => {
                out = out.with_value(MemberOrder::EMPTY);
            }
            None => {}
        }
        match overflow {
            Some(overflow) => out = out.with_value(overflow),
            None if out.get::<Overflow>().is_some() => {
                out = out.with_value(Overflow {
                    fingerprint: 0,
                    members: Box::default(),
                });
            }
            None => {}
        }
        out
    }
}

/// A member of a `Baggage`: key, value and metadata.
type Entry<'a> = (&'a str, &'a StringValue, &'a BaggageMetadata);

/// The members of `baggage` (the first [`MAX_MEMBERS`], all a `Baggage` holds), those named
/// in `order` first and in that order, then the rest; each exactly once.
fn ordered<'a>(baggage: &'a Baggage, order: &[u32]) -> impl Iterator<Item = Entry<'a>> + 'a {
    let entries = || {
        baggage
            .iter()
            .map(|(key, (value, metadata))| (key.as_str(), value, metadata))
    };
    // No order (baggage built or replaced locally): the members as they come.
    let plain = order.is_empty().then(entries);
    let sorted = (!order.is_empty()).then(|| {
        let mut all: [Option<(u32, Entry<'a>)>; MAX_MEMBERS] = [None; MAX_MEMBERS];
        for (slot, entry) in all.iter_mut().zip(entries()) {
            *slot = Some((key_hash(entry.0), entry));
        }
        let mut out: [Option<Entry<'a>>; MAX_MEMBERS] = [None; MAX_MEMBERS];
        let mut n = 0;
        for &hash in order {
            if let Some(slot) = all.iter_mut().find(|s| s.is_some_and(|(h, _)| h == hash)) {
                out[n] = slot.take().map(|(_, entry)| entry);
                n += 1;
            }
        }
        for (_, entry) in all.into_iter().flatten() {
            out[n] = Some(entry);
            n += 1;
        }
        out.into_iter().take(n).flatten()
    });
    plain
        .into_iter()
        .flatten()
        .chain(sorted.into_iter().flatten())
}

/// Writes the header: an exactly-sized `String`, members that do not fit the limits skipped;
/// `overflow` (already encoded members) after the others.
fn write_header(baggage: &Baggage, order: &[u32], overflow: &str) -> String {
    let plan = |mut emit: Option<&mut String>| -> usize {
        let (mut len, mut count) = (0usize, 0usize);
        for (key, value, metadata) in ordered(baggage, order) {
            if count == MAX_MEMBERS {
                break;
            }
            if !is_token(key.as_bytes()) {
                continue;
            }
            let meta = metadata.as_str();
            let meta = if !meta.is_empty() && is_property_list(meta) {
                meta
            } else {
                ""
            };
            let member_len = key.len()
                + 1
                + encoded_len(value.as_str())
                + if meta.is_empty() { 0 } else { meta.len() + 1 };
            let sep = usize::from(count > 0);
            if len + sep + member_len > MAX_BYTES {
                continue;
            }
            if let Some(out) = emit.as_deref_mut() {
                if sep == 1 {
                    out.push(',');
                }
                out.push_str(key);
                out.push('=');
                encode_into(value.as_str(), out);
                if !meta.is_empty() {
                    out.push(';');
                    out.push_str(meta);
                }
            }
            len += sep + member_len;
            count += 1;
        }
        if !overflow.is_empty() {
            for member in overflow.split(',') {
                if count == MAX_LIST_MEMBERS {
                    break;
                }
                let sep = usize::from(count > 0);
                if len + sep + member.len() > MAX_BYTES {
                    continue;
                }
                if let Some(out) = emit.as_deref_mut() {
                    if sep == 1 {
                        out.push(',');
                    }
                    out.push_str(member);
                }
                len += sep + member.len();
                count += 1;
            }
        }
        len
    };
    let mut out = String::with_capacity(plan(None));
    plan(Some(&mut out));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chars::all;

    // The member order is only a hash per key: whatever the hashes say (repeated, unknown,
    // or two keys alike), inject writes every member exactly once.
    #[test]
    fn property_list_scan_agrees_with_split_and_trim() {
        // The grammar read the obvious way: split on `;`, trim each part, split it at its
        // first `=` (W3C Baggage "property").
        fn reference(props: &str) -> bool {
            let trim = |s: &str| s.trim_matches([' ', '\t']).to_owned();
            props.split(';').all(|p| match p.split_once('=') {
                Some((k, v)) => is_token(trim(k).as_bytes()) && all(trim(v).as_bytes(), OCTET),
                None => is_token(trim(p).as_bytes()),
            })
        }
        let parts = [
            "", " ", "\t", "a", "k", "=", "v", "x=y", ";", "/", "%", "\u{e9}", "\"", ",",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    for d in parts {
                        let props = format!("{a}{b}{c}{d}");
                        assert_eq!(is_property_list(&props), reference(&props), "{props:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn key_hash_sees_every_byte_of_keys_of_every_length() {
        // Each key differs from the others of its length in one byte (every position), and
        // from those of other lengths by its length: no two may hash alike.
        let mut seen = std::collections::HashMap::new();
        for len in 1..=40 {
            for at in 0..len {
                for c in [b'a', b'b', b'Z'] {
                    let mut key = vec![b'k'; len];
                    key[at] = c;
                    let key = String::from_utf8(key).unwrap();
                    let previous = seen.insert(key_hash(&key), key.clone());
                    assert!(
                        previous.as_ref().is_none_or(|p| *p == key),
                        "{previous:?} and {key}"
                    );
                }
            }
        }
    }

    #[test]
    fn ordered_writes_every_member_once_whatever_the_hashes() {
        let baggage =
            Baggage::from_iter(["a", "b", "c", "d"].map(|k| opentelemetry::KeyValue::new(k, "v")));
        let keys = |order: &[u32]| -> Vec<&str> {
            ordered(&baggage, order).map(|(key, _, _)| key).collect()
        };
        let (a, c) = (key_hash("a"), key_hash("c"));
        let got = keys(&[c, a, a, key_hash("zz"), c]);
        assert_eq!(got[..2], ["c", "a"]);
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, ["a", "b", "c", "d"]);
        assert_eq!(keys(&[]).len(), 4);
        // Past the 16 held inline, the order is kept whole.
        let mut order = MemberOrder::EMPTY;
        let names: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        for name in &names {
            order.push(name);
        }
        let hashes: Vec<u32> = names.iter().map(|k| key_hash(k)).collect();
        assert_eq!(order.hashes(), hashes);
    }

    // W3C Baggage "Definition": key = token, value = *baggage-octet, properties.
    #[test]
    fn member_grammar_table() {
        type Parts<'a> = Option<(&'a str, &'a str, &'a str)>;
        let cases: &[(&str, Parts<'_>)] = &[
            (
                "key1=value1;property1;property2",
                Some(("key1", "value1", "property1;property2")),
            ),
            ("key2 = value2", Some(("key2", "value2", ""))),
            (
                "key3=value3; propertyKey=propertyValue",
                Some(("key3", "value3", "propertyKey=propertyValue")),
            ),
            ("serverNode=DF%2028", Some(("serverNode", "DF%2028", ""))),
            ("k=a=b==", Some(("k", "a=b==", ""))),
            ("k=", Some(("k", "", ""))),
            ("k\t=\tv", Some(("k", "v", ""))),
            ("k=v;p = x ; q", Some(("k", "v", "p = x ; q"))),
            (
                "!#$%&'*+-.^_`|~09AZaz=v",
                Some(("!#$%&'*+-.^_`|~09AZaz", "v", "")),
            ),
            ("k", None),
            ("=v", None),
            ("k y=v", None),
            ("k(=v", None),
            ("k@=v", None),
            ("k=v w", None),
            ("k=\"v\"", None),
            ("k=a\\b", None),
            ("k=é", None),
            ("k=%", None),
            ("k=%2", None),
            ("k=%zz", None),
            ("k=v;", None),
            ("k=v;;p", None),
            ("k=v;p q", None),
            ("k=v;=x", None),
            ("k=v;p=\"x\"", None),
        ];
        for (raw, expected) in cases {
            let got = member(raw).map(|m| (m.key, m.value, m.properties));
            assert_eq!(got, *expected, "member {raw:?}");
        }
    }

    // W3C Baggage "property": OWS around a property key or value is not part of it.
    #[test]
    fn metadata_drops_optional_whitespace() {
        for (properties, expected) in [
            ("", ""),
            ("p", "p"),
            ("p1;p2=x", "p1;p2=x"),
            ("p = x ;\tq", "p=x;q"),
            (
                "SomeProp \t ; \t SecondProp \t = \t PropValue",
                "SomeProp;SecondProp=PropValue",
            ),
            ("k=a=b ; c", "k=a=b;c"),
        ] {
            let ows = properties.bytes().any(is_ows);
            assert_eq!(
                metadata(properties, ows).as_str(),
                expected,
                "{properties:?}"
            );
        }
    }

    #[test]
    fn decode_table() {
        assert_eq!(decode("DF%2028"), "DF 28");
        assert_eq!(decode("%E2%82%AC"), "€");
        assert_eq!(decode("%e2%82%ac"), "€");
        assert_eq!(decode("a%25b"), "a%b");
        assert_eq!(decode("%FF"), "\u{fffd}");
        assert_eq!(decode("%E2%82"), "\u{fffd}");
        assert_eq!(decode("plain"), "plain");
        assert_eq!(decode("a%20b%20"), "a b ");
        assert_eq!(decode("%41%42%43"), "ABC");
        // Not reachable from extract (such a value is rejected), but kept as it is.
        assert_eq!(decode("a%4"), "a%4");
        assert_eq!(decode("a%"), "a%");
    }

    #[test]
    fn encode_covers_every_byte_outside_baggage_octet_and_percent() {
        let mut out = String::new();
        encode_into("a b,c;d\\e\"f%g\u{1}h€=", &mut out);
        assert_eq!(out, "a%20b%2Cc%3Bd%5Ce%22f%25g%01h%E2%82%AC=");
        assert_eq!(encoded_len("a b,c;d\\e\"f%g\u{1}h€="), out.len());
        assert_eq!(decode(&out), "a b,c;d\\e\"f%g\u{1}h€=");
    }

    // The eight-at-a-time value scan accepts and rejects exactly what the byte-by-byte
    // grammar does, whatever byte is at whatever position of a long value.
    #[test]
    fn value_scan_matches_the_octet_table_for_every_byte_at_every_position() {
        for at in 0..20 {
            // `;` ends the value and starts the properties: covered by `member_grammar_table`.
            for byte in (0..=255u8).filter(|&b| b != b';') {
                let mut value = b"abcdefghijklmnopqrst".to_vec();
                value[at] = byte;
                // The grammar, byte by byte: octets only, a `%` followed by two hex digits.
                let escape_ok = value
                    .get(at + 1..at + 3)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
                let expected = (value.iter().all(|&b| is(b, OCTET)) && (byte != b'%' || escape_ok))
                    .then_some(true);
                let Ok(value) = String::from_utf8(value) else {
                    continue;
                };
                let member = format!("k={value}");
                let got = super::tests::member(&member).map(|m| m.value == value);
                // OWS around a value is not part of it: "k= abcd" and "k=abcd " are members
                // (without the space), "k=ab cd" is none.
                if matches!(byte, b' ' | b'\t') {
                    assert_eq!(got.is_some(), at == 0 || at == 19, "{member:?}");
                    continue;
                }
                assert_eq!(got, expected, "{member:?}");
            }
        }
        assert_eq!(
            member("k=abcdefgh%41ijklmnop%2c").map(|m| m.escapes > 0),
            Some(true)
        );
        assert_eq!(member("k=abcdefgh%4"), None);
        assert_eq!(
            member("k=abcdefghijklmnop").map(|m| m.escapes > 0),
            Some(false)
        );
    }

    #[test]
    fn find_comma_finds_the_first_comma_at_every_position() {
        for len in 0..20 {
            for at in 0..=len {
                let mut line = vec![b'a'; len];
                if at < len {
                    line[at] = b',';
                    // A later comma and bytes around 0x2c must not confuse the scan.
                    if at + 2 < len {
                        line[at + 2] = b',';
                    }
                    if at > 0 {
                        line[at - 1] = 0x2d;
                    }
                }
                assert_eq!(find_comma(&line, 0), at, "{line:?}");
            }
        }
        assert_eq!(find_comma(b"a,b,c", 2), 3);
        assert_eq!(
            find_comma("\u{e9}\u{e9}\u{e9}\u{e9}\u{e9},".as_bytes(), 0),
            10
        );
    }

    #[test]
    fn members_past_the_byte_limit_are_not_read() {
        let line = "k=v,".repeat(5000);
        let mut seen = 0;
        for_each_member(&[&line], |_| {
            seen += 1;
            true
        });
        assert_eq!(seen, MAX_BYTES / 4);
        let mut valid = 0;
        for_each_valid_member(&[&line], |_| {
            valid += 1;
            true
        });
        assert_eq!(valid, MAX_BYTES / 4);
    }

    /// One member parsed both ways, which must agree: the one-pass scanner (on the member
    /// alone, and followed by a `,` and more) and the reference [`parse_member`].
    fn member(raw: &str) -> Option<Member<'_>> {
        let expected = parse_member(raw);
        // A `,` in `raw` ends the member the scanner reads (the rest is another member).
        let alone = scan_member(raw, raw.as_bytes(), 0)
            .filter(|&(_, end)| end == raw.len())
            .map(|(m, _)| m);
        assert_eq!(alone, expected, "{raw:?}");
        let line = format!("{raw},x=y");
        let followed = scan_member(&line, line.as_bytes(), 0)
            .filter(|&(_, end)| end == raw.len())
            .map(|(m, _)| {
                (
                    [m.key, m.value, m.properties].map(str::to_owned),
                    (m.props_ows, m.escapes, m.first_escape),
                )
            });
        let expected_owned = expected.map(|m| {
            (
                [m.key, m.value, m.properties].map(str::to_owned),
                (m.props_ows, m.escapes, m.first_escape),
            )
        });
        assert_eq!(followed, expected_owned, "{raw:?}");
        expected
    }

    /// The valid members the one-pass scan passes on (stopping once `limit` were taken),
    /// checked against the reference: the header split on `,` (within the byte limit) by
    /// [`for_each_member`], each member parsed by [`parse_member`].
    fn scan_agrees_with_split_and_parse(lines: &[&str], limit: usize) {
        let mut expected = Vec::new();
        for_each_member(lines, |raw| match parse_member(raw) {
            None => true,
            Some(m) => {
                expected.push(m);
                expected.len() < limit
            }
        });
        let mut got = Vec::new();
        for_each_valid_member(lines, |m| {
            got.push(m);
            got.len() < limit
        });
        assert_eq!(got, expected, "{lines:?} (limit {limit})");
    }

    #[test]
    fn scan_agrees_at_the_byte_limit() {
        // A last member ending just before, at, and just after byte 8192, in one line or
        // across two, valid or not, and followed or not by a `,` or more.
        for pad in MAX_BYTES - 12..MAX_BYTES + 4 {
            for tail in ["", ",", ",k=v", "=", ";p", " ", "%41", "%4"] {
                let long = format!("a=b,k={}{tail}", "v".repeat(pad - 6));
                let head = "h=1";
                let rest = long.get(4..).unwrap_or_default();
                let cases: [&[&str]; 5] = [
                    &[&long],
                    &[head, rest],
                    &[&long, "x=y"],
                    &[&long, ""],
                    &["", &long],
                ];
                for lines in cases {
                    for limit in [1, 2, 3, usize::MAX] {
                        scan_agrees_with_split_and_parse(lines, limit);
                    }
                }
            }
        }
        // Exactly 8192 bytes of short members, then one more line.
        let full = format!(
            "{}k={}",
            "k=vv,".repeat(1637),
            "v".repeat(MAX_BYTES - 1637 * 5 - 2)
        );
        assert_eq!(full.len(), MAX_BYTES);
        scan_agrees_with_split_and_parse(&[&full], usize::MAX);
        scan_agrees_with_split_and_parse(&[&full, ""], usize::MAX);
        scan_agrees_with_split_and_parse(&[&full[..MAX_BYTES - 1], "x"], usize::MAX);
        scan_agrees_with_split_and_parse(&[&full[..MAX_BYTES - 2], "x"], usize::MAX);
    }

    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            20 => proptest::sample::select(vec![
                "k", "a", "Z", "=", " ", "\t", ";", ",", "%", "%2", "%20", "%e2", "%zz", "2", "F",
                "v", "\"", "\u{e9}", "\u{1}", "\u{7f}", "\\", "p=x", "k=v", "k=v,", "(", "/",
                "!", "~", ":", "@", "{", "abcdefghij", "01234567",
            ])
            .prop_map(str::to_owned),
            1 => (0usize..9000).prop_map(|n| "y".repeat(n)),
        ]
    }

    proptest::proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The one-pass scan reads the same members as splitting on `,` and parsing each.
        #[test]
        fn scan_agrees_with_split_and_parse_on_any_header(
            lines in proptest::collection::vec(
                proptest::collection::vec(piece(), 0..40).prop_map(|p| p.concat()),
                0..4,
            ),
            limit in 1usize..200,
        ) {
            let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
            scan_agrees_with_split_and_parse(&lines, limit);
            scan_agrees_with_split_and_parse(&lines, usize::MAX);
        }

        /// Percent-decoding, ASCII escapes written straight into the `String`, gives what
        /// decoding byte by byte does, on any text.
        #[test]
        fn decode_agrees_with_byte_by_byte(raw in "[a-fA-F0-9%zé ]{0,16}") {
            prop_assert_eq!(decode(&raw), decode_bytes(raw.as_bytes(), Vec::new()));
        }

        /// Any single member, bytes of every kind: both parsers agree (see [`member`]).
        #[test]
        fn scan_member_agrees_with_parse_member(raw in "[ -~\t\u{1}\u{e9}]{0,24}") {
            member(&raw);
        }
    }
}
