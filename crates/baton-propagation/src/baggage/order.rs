//! The order members arrived in, kept beside opentelemetry's unordered `Baggage` so that
//! inject writes them back in that order.

use opentelemetry::StringValue;
use opentelemetry::baggage::{Baggage, BaggageMetadata};

use super::limits::MAX_MEMBERS;

/// Orders of up to this many members are held inside [`MemberOrder`] itself.
pub(super) const ORDER_INLINE: usize = 16;

/// The order the members arrived in, kept beside the (unordered) `Baggage` so that inject
/// writes the members back in that order: a 32-bit hash of each key ([`key_hash`]), in
/// arrival order. Up to [`ORDER_INLINE`] members, the usual case, it is held inline, in the
/// context entry's own allocation; a longer order costs one exactly-sized vector.
///
/// Two keys of one baggage with the same hash (a chance in about a billion for 64 random
/// keys; a sender can make it happen on purpose) can only swap places between themselves:
/// [`ordered`] writes every member exactly once whatever the hashes.
#[derive(Debug)]
pub(super) struct MemberOrder {
    /// Hashes used in `inline` (while `spill` is empty).
    len: usize,
    inline: [u32; ORDER_INLINE],
    /// Every hash once the order outgrows `inline`.
    pub(super) spill: Vec<u32>,
}

impl MemberOrder {
    pub(super) const EMPTY: Self = Self {
        len: 0,
        inline: [0; ORDER_INLINE],
        spill: Vec::new(),
    };

    /// Appends the member named `key`.
    pub(super) fn push(&mut self, key: &str) {
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

    pub(super) fn hashes(&self) -> &[u32] {
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
pub(super) fn key_hash(key: &str) -> u32 {
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

/// A member of a `Baggage`: key, value and metadata.
pub(super) type Entry<'a> = (&'a str, &'a StringValue, &'a BaggageMetadata);

/// The members of `baggage` (the first [`MAX_MEMBERS`], all a `Baggage` holds), those named
/// in `order` first and in that order, then the rest; each exactly once.
#[inline]
pub(super) fn ordered<'a>(
    baggage: &'a Baggage,
    order: &[u32],
) -> impl Iterator<Item = Entry<'a>> + 'a {
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
