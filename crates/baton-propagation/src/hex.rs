//! Hex digits in and out, by lookup table, without allocating.

use crate::chars::{HIGH, ONES};

/// 0..=15 for a lowercase hex digit, `INVALID` otherwise.
static LOWER: [u8; 256] = table(false);
/// 0..=15 for a hex digit of either case, `INVALID` otherwise.
static ANY_CASE: [u8; 256] = table(true);
const INVALID: u8 = 0xff;
const DIGITS: &[u8; 16] = b"0123456789abcdef";

const fn table(upper_too: bool) -> [u8; 256] {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        if upper_too {
            t[b'A' as usize + i] = 10 + i as u8;
        }
        i += 1;
    }
    t
}

#[inline]
fn decode_with(table: &[u8; 256], digits: &[u8]) -> Option<u128> {
    if digits.is_empty() || digits.len() > 32 {
        return None;
    }
    let mut v: u128 = 0;
    for &b in digits {
        let d = table[b as usize];
        if d == INVALID {
            return None;
        }
        v = (v << 4) | d as u128;
    }
    Some(v)
}

/// Decodes 1 to 32 lowercase hex digits; `None` for anything else (uppercase included).
#[inline]
pub(crate) fn decode_lower(digits: &[u8]) -> Option<u128> {
    decode_with(&LOWER, digits)
}

/// Decodes exactly `N` (at most 16) lowercase hex digits into a `u64`; `None` for anything
/// else. Branch-free over the digits (the loop unrolls): [`decode_lower`] for fixed-width
/// fields such as the ids of a `traceparent`.
#[inline]
pub(crate) fn decode_lower_fixed<const N: usize>(digits: &[u8; N]) -> Option<u64> {
    const { assert!(N >= 1 && N <= 16) };
    decode_lower_short(digits)
}

/// Decodes up to 16 lowercase hex digits (not checked: callers pass at most 16) by the table,
/// one digit at a time, branch-free; `None` for anything else.
#[inline]
fn decode_lower_short(digits: &[u8]) -> Option<u64> {
    let mut v: u64 = 0;
    // `INVALID` has its high bits set; every valid digit has them clear.
    let mut seen: u8 = 0;
    for &b in digits {
        let d = LOWER[b as usize];
        seen |= d;
        v = (v << 4) | u64::from(d & 0x0f);
    }
    (seen & 0xf0 == 0).then_some(v)
}

/// Decodes exactly 16 lowercase hex digits into a `u64`; `None` for anything else. The same
/// as [`decode_lower_fixed`], eight digits at a time (SWAR: every byte of a `u64` checked and
/// converted at once), for the ids of a `traceparent`.
#[inline]
pub(crate) fn decode_lower_16(digits: &[u8; 16]) -> Option<u64> {
    let (hi, lo) = digits.split_at(8);
    let hi = decode_lower_8(u64::from_be_bytes(hi.try_into().ok()?))?;
    let lo = decode_lower_8(u64::from_be_bytes(lo.try_into().ok()?))?;
    Some(hi << 32 | lo)
}

/// Decodes 1 to 16 lowercase hex digits into a `u64`; `None` for anything else. The same
/// result as [`decode_lower`] for those lengths, by [`decode_lower_16`] on the digits
/// left-padded with `0`: for the variable-width ids of Jaeger, B3 and OT.
#[inline]
pub(crate) fn decode_lower_u64(digits: &[u8]) -> Option<u64> {
    if let Ok(digits) = <&[u8; 16]>::try_from(digits) {
        return decode_lower_16(digits);
    }
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    if digits.len() <= 8 {
        // Short ids (Jaeger's `0` parent, its flags): the table, without a padded copy.
        return decode_lower_short(digits);
    }
    let mut padded = [b'0'; 16];
    padded[16 - digits.len()..].copy_from_slice(digits);
    decode_lower_16(&padded)
}

/// Decodes 1 to 32 lowercase hex digits; `None` for anything else. The same as
/// [`decode_lower`], sixteen digits at a time (see [`decode_lower_16`]).
#[inline]
pub(crate) fn decode_lower_u128(digits: &[u8]) -> Option<u128> {
    if digits.len() <= 16 {
        return decode_lower_u64(digits).map(u128::from);
    }
    if digits.len() > 32 {
        return None;
    }
    let (hi, lo) = digits.split_at(digits.len() - 16);
    let hi = decode_lower_u64(hi)?;
    let lo = decode_lower_16(lo.try_into().ok()?)?;
    Some(u128::from(hi) << 64 | u128::from(lo))
}

/// Eight lowercase hex digits, the first in the most significant byte of `x`, as a 32-bit
/// value.
#[inline]
fn decode_lower_8(x: u64) -> Option<u64> {
    if x & HIGH != 0 {
        return None;
    }
    // Every byte is below 0x80, so adding a constant below 0x80 never carries into the next
    // byte, and sets the byte's high bit exactly when the byte reaches the bound.
    let at_least = |low: u8| x + ONES * u64::from(0x80 - low);
    let above = |high: u8| x + ONES * u64::from(0x7f - high);
    let digit = at_least(b'0') & !above(b'9');
    let letter = at_least(b'a') & !above(b'f');
    if (digit | letter) & HIGH != HIGH {
        return None;
    }
    // '0'..='9' is 0x30..=0x39 and 'a'..='f' is 0x61..=0x66: the low nibble, plus 9 for a
    // letter.
    let v = (x & (ONES * 0x0f)) + ((letter & HIGH) >> 7) * 9;
    // Pack the eight nibbles, first digit highest.
    let v = (v | (v >> 4)) & 0x00ff_00ff_00ff_00ff;
    let v = (v | (v >> 8)) & 0x0000_ffff_0000_ffff;
    Some((v | (v >> 16)) & 0x0000_0000_ffff_ffff)
}

/// Decodes 1 to 32 hex digits of either case; `None` for anything else.
#[inline]
pub(crate) fn decode_any_case(digits: &[u8]) -> Option<u128> {
    decode_with(&ANY_CASE, digits)
}

/// Writes `value` as exactly `N` lowercase hex digits (zero-padded, the low `4 * N` bits).
#[inline]
pub(crate) fn encode<const N: usize>(value: u128) -> [u8; N] {
    let mut out = [b'0'; N];
    let mut v = value;
    let mut i = N;
    while i > 0 {
        i -= 1;
        out[i] = DIGITS[(v & 0xf) as usize];
        v >>= 4;
    }
    out
}

/// The digits written by [`encode`] as a `&str` (they are always ASCII).
#[inline]
pub(crate) fn as_str(digits: &[u8]) -> &str {
    let text = std::str::from_utf8(digits);
    debug_assert!(text.is_ok(), "hex digits that are not ASCII: {digits:?}");
    text.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_only_rejects_uppercase_and_signs() {
        assert_eq!(
            decode_lower(b"00f067aa0ba902b7"),
            Some(0x00f0_67aa_0ba9_02b7)
        );
        assert_eq!(decode_lower(b"00F067AA0BA902B7"), None);
        assert_eq!(decode_lower(b"+1"), None);
        assert_eq!(decode_lower(b""), None);
        assert_eq!(decode_lower(&[b'f'; 33]), None);
        assert_eq!(decode_lower(&[b'f'; 32]), Some(u128::MAX));
    }

    #[test]
    fn fixed_width_matches_decode_lower() {
        assert_eq!(
            decode_lower_fixed(b"00f067aa0ba902b7"),
            Some(0x00f0_67aa_0ba9_02b7)
        );
        assert_eq!(decode_lower_fixed(b"ffffffffffffffff"), Some(u64::MAX));
        assert_eq!(decode_lower_fixed(b"0a"), Some(0x0a));
        assert_eq!(decode_lower_fixed(b"0A"), None);
        assert_eq!(decode_lower_fixed(b"00f067aa0ba902b/"), None);
        assert_eq!(decode_lower_fixed(b"g000000000000000"), None);
        for b in 0..=255u8 {
            let digits = [b'0', b];
            assert_eq!(
                decode_lower_fixed(&digits),
                decode_lower(&digits).map(|v| v as u64),
                "byte {b:#04x}"
            );
        }
    }

    #[test]
    fn swar_matches_the_table_for_every_byte_at_every_position() {
        let base = *b"00f067aa0ba902b7";
        assert_eq!(decode_lower_16(&base), Some(0x00f0_67aa_0ba9_02b7));
        assert_eq!(decode_lower_16(b"ffffffffffffffff"), Some(u64::MAX));
        assert_eq!(
            decode_lower_16(b"0123456789abcdef"),
            Some(0x0123_4567_89ab_cdef)
        );
        for at in 0..16 {
            for b in 0..=255u8 {
                let mut digits = base;
                digits[at] = b;
                assert_eq!(
                    decode_lower_16(&digits),
                    decode_lower_fixed(&digits),
                    "byte {b:#04x} at {at}"
                );
            }
        }
    }

    #[test]
    fn variable_width_swar_matches_decode_lower() {
        assert_eq!(decode_lower_u64(b"a"), Some(0xa));
        assert_eq!(
            decode_lower_u64(b"00f067aa0ba902b7"),
            Some(0x00f0_67aa_0ba9_02b7)
        );
        assert_eq!(decode_lower_u64(b""), None);
        assert_eq!(decode_lower_u64(&[b'1'; 17]), None);
        assert_eq!(decode_lower_u128(b""), None);
        assert_eq!(decode_lower_u128(&[b'f'; 32]), Some(u128::MAX));
        assert_eq!(decode_lower_u128(&[b'f'; 33]), None);
        let digits = b"4bf92f3577b34da6a3ce929d0e0e4736";
        for len in 0..=digits.len() {
            for at in 0..len {
                for b in [
                    b'/', b'0', b'9', b':', b'`', b'a', b'f', b'g', b'A', b'F', 0x80, 0xff,
                ] {
                    let mut d = *digits;
                    d[at] = b;
                    let d = &d[..len];
                    assert_eq!(decode_lower_u128(d), decode_lower(d), "{d:?}");
                    let narrow = (len <= 16).then(|| decode_lower(d).map(|v| v as u64));
                    assert_eq!(decode_lower_u64(d), narrow.flatten(), "{d:?}");
                }
            }
        }
    }

    #[test]
    fn any_case_accepts_both() {
        assert_eq!(decode_any_case(b"aBcD"), Some(0xabcd));
        assert_eq!(decode_any_case(b"g"), None);
    }

    #[test]
    fn encode_pads_and_round_trips() {
        let d: [u8; 16] = encode(0xabc);
        assert_eq!(as_str(&d), "0000000000000abc");
        let d: [u8; 32] = encode(u128::MAX);
        assert_eq!(decode_lower(&d), Some(u128::MAX));
    }
}
