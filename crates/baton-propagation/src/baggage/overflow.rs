//! Members past the 64 opentelemetry's `Baggage` holds, kept beside it.

use opentelemetry::baggage::Baggage;

/// Members extracted past the 64 opentelemetry's `Baggage` can hold, each `key=value` (value
/// still percent-encoded) with its properties, joined with `,`, in arrival order. They are
/// written after the `Baggage` members, but only while the context still carries the very
/// baggage they arrived with (same entries, per `fingerprint`): a replaced or cleared baggage
/// drops them.
#[derive(Debug)]
pub(super) struct Overflow {
    pub(super) fingerprint: u64,
    pub(super) members: Box<str>,
}

/// An order-independent digest of every entry of `baggage` (`Baggage` is a `HashMap`).
pub(super) fn fingerprint(baggage: &Baggage) -> u64 {
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
