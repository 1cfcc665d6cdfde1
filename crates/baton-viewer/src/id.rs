//! Trace and span ids: fixed arrays inside, lowercase hex outside.

/// A 16-byte trace id.
pub(crate) type TraceId = [u8; 16];
/// An 8-byte span id.
pub(crate) type SpanId = [u8; 8];

/// A valid trace id from OTLP bytes: 16 bytes, not all zero.
pub(crate) fn trace_id(bytes: &[u8]) -> Option<TraceId> {
    let id: TraceId = bytes.try_into().ok()?;
    (id != [0; 16]).then_some(id)
}

/// A valid span id from OTLP bytes: 8 bytes, not all zero.
pub(crate) fn span_id(bytes: &[u8]) -> Option<SpanId> {
    let id: SpanId = bytes.try_into().ok()?;
    (id != [0; 8]).then_some(id)
}

/// Lowercase hex digits of an id.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

/// An id from hex digits (either case); `None` unless it is exactly `N` bytes' worth.
pub(crate) fn parse_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.as_bytes();
    if text.len() != N * 2 {
        return None;
    }
    let mut out = [0u8; N];
    for (i, pair) in text.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_hex_and_reject_zero_and_wrong_lengths() {
        let id = parse_hex::<16>("4BF92F3577B34DA6A3CE929D0E0E4736").unwrap();
        assert_eq!(hex(&id), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(trace_id(&id), Some(id));
        assert_eq!(trace_id(&[0; 16]), None);
        assert_eq!(span_id(&[1; 7]), None);
        assert_eq!(span_id(&[0; 8]), None);
        assert_eq!(parse_hex::<8>("00f067aa0ba902bz"), None);
        assert_eq!(parse_hex::<8>("00f067aa0ba902b"), None);
    }
}
