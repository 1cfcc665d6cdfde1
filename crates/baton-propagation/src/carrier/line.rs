//! One header line as Baton's own carriers hand it out: cut at [`MAX_LINE`], read as text
//! when it is ASCII and as [`UNREADABLE`] otherwise.

#[cfg(any(feature = "http", feature = "tonic"))]
use super::Lines;
#[cfg(any(feature = "http", feature = "tonic"))]
use crate::chars::HIGH;

/// The longest part of a line Baton's own carriers hand out. Every propagator rejects, or stops
/// reading, a line long before this (`traceparent` at 576 bytes, `tracestate` at 32 KiB,
/// `baggage` at 8 KiB), so cutting a longer line here changes no result, and bounds the work
/// on a hostile line by this limit instead of by its length.
pub(crate) const MAX_LINE: usize = 64 * 1024;

/// A line of one of Baton's own carriers as text: at most its first [`MAX_LINE`] bytes when
/// they are ASCII, [`UNREADABLE`] otherwise.
///
/// ASCII costs less to check (a word at a time) than the visible ASCII `Extractor::get` checks
/// byte by byte. The two differ only for control bytes, which a `HeaderValue` or
/// `MetadataValue` built by the safe constructors cannot hold, and which every propagator
/// rejects anyway: each parses a grammar of visible ASCII and optional whitespace.
#[cfg(any(feature = "http", feature = "tonic"))]
#[inline]
pub(super) fn read_line(line: &[u8]) -> &str {
    let line = &line[..line.len().min(MAX_LINE)];
    // ASCII is checked a word at a time first; `from_utf8` then only confirms it.
    match is_ascii(line) {
        true => std::str::from_utf8(line).unwrap_or(UNREADABLE),
        false => UNREADABLE,
    }
}

/// The `count` `lines`, in a `Vec` allocated once at its exact size (a hostile request may send
/// thousands of lines); `None` when there are none, as `Extractor::get_all` answers.
#[cfg(any(feature = "http", feature = "tonic"))]
pub(super) fn exact<'a>(
    count: usize,
    lines: impl Iterator<Item = &'a str>,
) -> Option<Vec<&'a str>> {
    if count == 0 {
        return None;
    }
    let mut out = Vec::with_capacity(count);
    out.extend(lines);
    Some(out)
}

/// A line as Baton's `Extractor`s hand it out: visible ASCII and tab as itself (as `to_str`
/// checks it), [`UNREADABLE`] otherwise; a line longer than [`MAX_LINE`] as [`read_line`] reads
/// it, cut, so that a hostile line costs no more than the limit through an `Extractor` either.
#[cfg(any(feature = "http", feature = "tonic"))]
pub(super) fn read_value<'a>(line: &'a [u8], to_str: impl FnOnce() -> Option<&'a str>) -> &'a str {
    match line.len() > MAX_LINE {
        true => read_line(line),
        false => to_str().unwrap_or(UNREADABLE),
    }
}

/// Two lines or more, `count` of them, each read by [`read_line`].
#[cfg(any(feature = "http", feature = "tonic"))]
pub(super) fn several<'a>(count: usize, lines: impl Iterator<Item = &'a [u8]>) -> Lines<'a> {
    Lines::from(exact(count, lines.map(read_line)))
}

/// Whether every byte of `line` is ASCII: the high bits of all its 8-byte words, the last
/// one padded with zeros, or-ed together. Unlike `<[u8]>::is_ascii`, which checks the last
/// bytes of a line one at a time, every byte goes through a word (lines are short, and
/// bounded by [`MAX_LINE`], so there is no early exit to gain).
#[cfg(any(feature = "http", feature = "tonic"))]
#[inline]
pub(super) fn is_ascii(line: &[u8]) -> bool {
    let word = |b: &[u8]| {
        let mut w = [0u8; 8];
        w[..b.len()].copy_from_slice(b);
        u64::from_le_bytes(w)
    };
    let chunks = line.chunks_exact(8);
    let tail = word(chunks.remainder());
    let all = chunks.fold(tail, |acc, c| acc | word(c));
    all & HIGH == 0
}

/// What a carrier returns for a header line that is not visible ASCII: U+FFFD, which no
/// propagation format accepts, so the line counts as present and invalid.
#[cfg(any(feature = "http", feature = "tonic"))]
pub(crate) const UNREADABLE: &str = "\u{fffd}";
