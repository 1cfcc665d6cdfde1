//! `application/x-www-form-urlencoded` values, as Jaeger clients write baggage (Go
//! `url.QueryEscape`/`QueryUnescape`, Java `URLEncoder`/`URLDecoder`).

use crate::hex;

/// Decodes `%XX` and `+` (a space); `None` for a bad escape or a result that is not UTF-8.
pub(crate) fn decode(raw: &str) -> Option<String> {
    if !raw.bytes().any(|b| b == b'%' || b == b'+') {
        return Some(raw.to_owned());
    }
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let d = b.get(i + 1..i + 3)?;
                out.push(hex::decode_any_case(d)? as u8);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Appends `value` with everything but `A-Z a-z 0-9 - _ . ~` escaped, a space as `%20`: the
/// Jaeger docs' example ("Value Encoding") writes `value 1 / blah` as `value%201%20%2F%20blah`,
/// which every decoder reads, where a `+` would stay a `+` in a percent-only one.
pub(crate) fn encode_into(value: &str, out: &mut String) {
    const UPPER: &[u8; 16] = b"0123456789ABCDEF";
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => {
                out.push('%');
                out.push(UPPER[(b >> 4) as usize] as char);
                out.push(UPPER[(b & 0xf) as usize] as char);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Jaeger docs, "Value Encoding": `value 1 / blah` is sent as `value%201%20%2F%20blah`.
    #[test]
    fn encodes_the_jaeger_docs_example() {
        let mut out = String::new();
        encode_into("value 1 / blah", &mut out);
        assert_eq!(out, "value%201%20%2F%20blah");
        assert_eq!(decode(&out).as_deref(), Some("value 1 / blah"));
    }

    #[test]
    fn decodes_query_escapes() {
        assert_eq!(decode("a%20b+c%3d").as_deref(), Some("a b c="));
        assert_eq!(decode("%C3%A9").as_deref(), Some("\u{e9}"));
        assert_eq!(decode("%"), None);
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%ff"), None);
    }

    proptest! {
        #[test]
        fn round_trip(s in any::<String>()) {
            let mut enc = String::new();
            encode_into(&s, &mut enc);
            prop_assert!(enc.bytes().all(|b| b.is_ascii_graphic()));
            prop_assert_eq!(decode(&enc), Some(s));
        }
    }
}
