//! Percent-encoding of baggage values (RFC 3986 §2.1, as W3C Baggage asks): decoding what the
//! scanner found, encoding what inject writes.

use crate::chars::{HEX, PLAIN, is};
use crate::split::at_boundaries;

/// Percent-decodes a valid value (counting its escapes first), for the tests.
#[cfg(test)]
pub(super) fn decode(value: &str) -> String {
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
pub(super) fn decode_escapes(value: &str, escapes: usize, first: usize) -> String {
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
        out.push_str(at_boundaries(value, copied..at));
        out.push(char::from(byte));
        copied = at + 3;
        at = bytes
            .get(copied..)
            .and_then(|rest| rest.iter().position(|&b| b == b'%'))
            .map_or(bytes.len(), |p| copied + p);
    }
    out.push_str(at_boundaries(value, copied..));
    out
}

/// Percent-decodes `bytes` onto `out` (empty, and sized for the result) byte by byte; bytes
/// that are not UTF-8 become U+FFFD.
pub(super) fn decode_bytes(bytes: &[u8], mut out: Vec<u8>) -> String {
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
pub(super) fn hex_digit(b: u8) -> u8 {
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

/// Whether a byte of a value is written as is (a `baggage-octet` other than `%`).
#[inline]
pub(super) fn is_plain(b: u8) -> bool {
    is(b, PLAIN)
}

/// The length of `value` once percent-encoded.
#[inline]
pub(crate) fn encoded_len(value: &str) -> usize {
    value.bytes().map(|b| if is_plain(b) { 1 } else { 3 }).sum()
}

/// Percent-encodes `value` onto `out`: every byte outside `baggage-octet` (controls, space,
/// `"`, `,`, `;`, `\`, non-ASCII) and `%` itself, so that decoding gives back `value` exactly.
#[inline]
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
