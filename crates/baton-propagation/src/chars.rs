//! Byte classes of header text: one lookup table for the RFC 9110 and W3C character classes,
//! and the word-at-a-time (SWAR) constants and helpers the scanners share.

/// `0x01` in every byte of a word: `ONES * b` repeats byte `b` eight times.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte of a word.
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of every zero byte of `x`. Only bytes above a flagged one can be flagged
/// wrongly (by a borrow), so the lowest flag (the first byte, little-endian) is always right.
#[inline(always)]
pub(crate) const fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGH
}

/// The high bit of every byte of `x` equal to `b`, with [`zero_bytes`]' caveat: trust the
/// lowest flag only.
#[inline(always)]
pub(crate) const fn bytes_equal(x: u64, b: u8) -> u64 {
    zero_bytes(x ^ (ONES * b as u64))
}

/// RFC 9110 `tchar`: a byte of a token (a header name, a baggage key).
pub(crate) const TOKEN: u8 = 1;
/// A W3C `baggage-octet`.
pub(crate) const OCTET: u8 = 2;
/// A hex digit of either case.
pub(crate) const HEX: u8 = 4;
/// A `baggage-octet` other than `%`: a byte of a value written as is.
pub(crate) const PLAIN: u8 = 8;

/// Byte classes: RFC 9110 `tchar` (keys) and W3C `baggage-octet` (values).
pub(crate) static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0x21;
    while b <= 0x7e {
        // baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
        if b != 0x22 && b != 0x2c && b != 0x3b && b != 0x5c {
            t[b] |= OCTET;
            if b != 0x25 {
                t[b] |= PLAIN;
            }
        }
        // tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" /
        //         "`" / "|" / "~" / DIGIT / ALPHA
        let c = b as u8;
        if c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            )
        {
            t[b] |= TOKEN;
        }
        if c.is_ascii_hexdigit() {
            t[b] |= HEX;
        }
        b += 1;
    }
    t
};

/// Whether every byte of `bytes` is in `class`.
#[inline]
pub(crate) fn all(bytes: &[u8], class: u8) -> bool {
    bytes.iter().all(|&b| CLASS[b as usize] & class != 0)
}

/// Whether `bytes` is an RFC 9110 token: one or more `tchar`.
#[inline]
pub(crate) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && all(bytes, TOKEN)
}

/// Whether `b` is in `class`.
#[inline]
pub(crate) fn is(b: u8, class: u8) -> bool {
    CLASS[b as usize] & class != 0
}

/// Whether `b` is optional whitespace (`OWS`: space or tab).
#[inline]
pub(crate) fn is_ows(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

/// Whether every byte of `v` is tab or visible ASCII or space (`0x20..0x7f`): an RFC 9110
/// field value without obs-text. Eight bytes at a time; a word holding a tab (or a bad byte)
/// is checked byte by byte.
pub(crate) fn is_field_value(v: &str) -> bool {
    let byte_ok = |b: &u8| *b == b'\t' || (0x20..0x7f).contains(b);
    let mut words = v.as_bytes().chunks_exact(8);
    for word in &mut words {
        let x = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        // With every byte below 0x80 nothing carries between bytes: adding 0x60 sets a
        // byte's high bit when it is at least 0x20, adding 1 when it is 0x7f.
        let fast = x & HIGH == 0 && (x + ONES * 0x60) & HIGH == HIGH && (x + ONES) & HIGH == 0;
        if !fast && !word.iter().all(byte_ok) {
            return false;
        }
    }
    words.remainder().iter().all(byte_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_equal_bytes_flag_the_first_match_exactly() {
        for at in 0..8 {
            for b in 0..=255u8 {
                let mut bytes = [b'a'; 8];
                bytes[at] = b;
                let x = u64::from_le_bytes(bytes);
                let first = bytes.iter().position(|&c| c == b',');
                let flags = bytes_equal(x, b',');
                assert_eq!(
                    (flags != 0).then(|| (flags.trailing_zeros() / 8) as usize),
                    first,
                    "byte {b:#04x} at {at}"
                );
                let zero = zero_bytes(x);
                assert_eq!(zero != 0, b == 0, "byte {b:#04x} at {at}");
            }
        }
    }

    #[test]
    fn field_value_is_tab_or_visible_ascii_or_space() {
        for b in 0..=255u8 {
            let expected = b == b'\t' || (0x20..0x7f).contains(&b);
            for len in [1, 8, 9, 17] {
                for at in 0..len {
                    let mut v = vec![b'x'; len];
                    v[at] = b;
                    let Ok(s) = std::str::from_utf8(&v) else {
                        continue;
                    };
                    assert_eq!(
                        is_field_value(s),
                        expected,
                        "byte {b:#04x} at {at} of {len}"
                    );
                }
            }
        }
        assert!(is_field_value(""));
    }

    #[test]
    fn token_is_tchar_only_and_not_empty() {
        assert!(is_token(b"k-1.x_y~"));
        assert!(!is_token(b""));
        for b in [b' ', b',', b';', b'=', b'"', b'(', 0x7f, 0x80] {
            assert!(!is_token(&[b'k', b]), "byte {b:#04x}");
        }
    }
}
