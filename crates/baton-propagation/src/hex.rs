//! Hex digits in and out, by lookup table, without allocating.

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
    std::str::from_utf8(digits).unwrap_or_default()
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
