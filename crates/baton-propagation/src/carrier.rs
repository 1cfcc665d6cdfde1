//! Carriers: `http::HeaderMap` (feature `http`) and tonic's `MetadataMap` (feature `tonic`).
//!
//! Both read every line of a repeated header through `get_all`, so a propagator sees
//! duplicates (two `traceparent` lines are invalid; several `tracestate` or `baggage` lines
//! are combined). `get` never allocates. A line that is not visible ASCII cannot be read as a
//! `&str`; rather than vanish (which would hide a duplicate), it reads as
//! [`UNREADABLE`], a value no header grammar accepts. Injecting a name or value the map
//! cannot hold is skipped, never a panic.
//!
//! Seeing duplicates through `Extractor::get_all` costs a `Vec` on every extract, even for the
//! usual single line. Baton's own carriers therefore also answer a private query, made
//! through `get` with a key no carrier can hold (the header name behind a NUL byte, see
//! [`lines`]): the only line of that header, or a marker for "no line" or "several lines",
//! with one map lookup and no allocation. Any other extractor answers `None` to that key,
//! and [`lines`] then asks it through `get` and `get_all` as the trait intends.

use opentelemetry::propagation::Extractor;

/// The name of a header and the key of the private "single line" query for it (the name
/// behind a NUL byte, which no header name, metadata key or environment variable can hold).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Header {
    pub(crate) name: &'static str,
    pub(crate) query: &'static str,
}

impl Header {
    /// `query` must be `name` behind one NUL byte.
    pub(crate) const fn new(name: &'static str, query: &'static str) -> Self {
        let (n, q) = (name.as_bytes(), query.as_bytes());
        assert!(q.len() == n.len() + 1 && q[0] == 0);
        let mut i = 0;
        while i < n.len() {
            assert!(q[i + 1] == n[i]);
            i += 1;
        }
        Self { name, query }
    }
}

/// The answer of a carrier of Baton's own to a query for a header that has no line.
const NO_LINE: &str = "\0none";
/// The answer of a carrier of Baton's own to a query for a header that has several lines.
const SEVERAL_LINES: &str = "\0several";

/// The longest part of a line the private query answers with. Every caller of [`lines`]
/// rejects, or stops reading, a line long before this (`traceparent` at 576 bytes,
/// `tracestate` at 32 KiB, `baggage` at 8 KiB), so cutting a longer line here changes no
/// result, and bounds the work on a hostile line by this limit instead of by its length.
pub(crate) const MAX_LINE: usize = 64 * 1024;

/// The lines of one header in a carrier.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Lines<'a> {
    /// The header is absent.
    None,
    /// Exactly one line (the common case: no allocation).
    One(&'a str),
    /// Two lines or more, in order.
    Several(Vec<&'a str>),
}

impl<'a> Lines<'a> {
    fn from_vec(lines: Option<Vec<&'a str>>) -> Self {
        match lines {
            None => Self::None,
            Some(lines) => match lines.as_slice() {
                [] => Self::None,
                [line] => Self::One(line),
                _ => Self::Several(lines),
            },
        }
    }
}

/// Every line of `header` in `extractor`: one lookup and no allocation for Baton's own
/// carriers when the header has at most one line, `get` then `get_all` for any other.
///
/// A line may hold any ASCII (see [`answer`]): callers accept visible ASCII only.
pub(crate) fn lines<'a>(extractor: &'a dyn Extractor, header: Header) -> Lines<'a> {
    match extractor.get(header.query) {
        Some(NO_LINE) => Lines::None,
        Some(SEVERAL_LINES) => Lines::from_vec(extractor.get_all(header.name)),
        Some(line) => Lines::One(line),
        // Not a carrier of Baton's own: `get` first, so that "no header" costs no `Vec`.
        None => match extractor.get(header.name) {
            None => Lines::None,
            Some(_) => Lines::from_vec(extractor.get_all(header.name)),
        },
    }
}

/// The tag, after the NUL byte, of the private "any key with this prefix?" query.
const PREFIX_QUERY: &str = "prefix\0";
/// The answer of a carrier of Baton's own to a prefix query that some key matches.
const SOME_KEYS: &str = "\0some";

/// A lowercase key prefix (`uberctx-`, `ot-baggage-`) and the key of the private query for it:
/// the prefix behind `"\0prefix\0"`, which no header name, metadata key or environment variable
/// can hold.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prefix {
    pub(crate) prefix: &'static str,
    query: &'static str,
}

impl Prefix {
    /// `query` must be `prefix` behind `"\0prefix\0"`.
    pub(crate) const fn new(prefix: &'static str, query: &'static str) -> Self {
        let (p, q) = (prefix.as_bytes(), query.as_bytes());
        let tag = PREFIX_QUERY.as_bytes();
        assert!(q.len() == 1 + tag.len() + p.len() && q[0] == 0);
        let mut i = 0;
        while i < tag.len() {
            assert!(q[1 + i] == tag[i]);
            i += 1;
        }
        let mut i = 0;
        while i < p.len() {
            assert!(q[1 + tag.len() + i] == p[i] && !p[i].is_ascii_uppercase());
            i += 1;
        }
        Self { prefix, query }
    }
}

/// Whether `extractor` may hold a key starting with `prefix` (ASCII case ignored): `false` only
/// when a carrier of Baton's own answers that none does, with no allocation; `true` for any
/// other carrier, whose [`Extractor::keys`] the caller then reads.
pub(crate) fn may_have_prefixed(extractor: &dyn Extractor, prefix: Prefix) -> bool {
    extractor.get(prefix.query) != Some(NO_LINE)
}

/// The answer of a carrier of Baton's own to the prefix query for `prefix` (lowercase, which
/// is how both `HeaderMap` and `MetadataMap` keep their keys): whether any of `keys` starts
/// with it.
#[cfg(any(feature = "http", feature = "tonic"))]
fn prefix_answer<'k>(mut keys: impl Iterator<Item = &'k str>, prefix: &str) -> &'static str {
    match keys.any(|key| key.starts_with(prefix)) {
        true => SOME_KEYS,
        false => NO_LINE,
    }
}

/// The answer of a carrier of Baton's own to the query for a header with `count` lines
/// (up to 2), the first being `first` (raw bytes).
///
/// The only line (at most its first [`MAX_LINE`] bytes) is given when it is ASCII, which costs less to check (a word at a time)
/// than the visible ASCII `get` checks byte by byte, and as [`UNREADABLE`] otherwise, as
/// `get` would. The two differ only for control bytes, which a `HeaderValue` or
/// `MetadataValue` built by the safe constructors cannot hold, and which every caller of
/// [`lines`] rejects anyway: each parses a grammar of visible ASCII and optional whitespace.
#[cfg(any(feature = "http", feature = "tonic"))]
fn answer(count: usize, first: Option<&[u8]>) -> Option<&str> {
    match (count, first) {
        (0, _) | (_, None) => Some(NO_LINE),
        (1, Some(line)) => {
            let line = &line[..line.len().min(MAX_LINE)];
            // ASCII is checked a word at a time first; `from_utf8` then only confirms it.
            Some(match is_ascii(line) {
                true => std::str::from_utf8(line).unwrap_or(UNREADABLE),
                false => UNREADABLE,
            })
        }
        _ => Some(SEVERAL_LINES),
    }
}

/// Whether every byte of `line` is ASCII: the high bits of all its 8-byte words, the last
/// one padded with zeros, or-ed together. Unlike `<[u8]>::is_ascii`, which checks the last
/// bytes of a line one at a time, every byte goes through a word (lines are short, and
/// bounded by [`MAX_LINE`], so there is no early exit to gain).
#[cfg(any(feature = "http", feature = "tonic"))]
#[inline]
fn is_ascii(line: &[u8]) -> bool {
    let word = |b: &[u8]| {
        let mut w = [0u8; 8];
        w[..b.len()].copy_from_slice(b);
        u64::from_le_bytes(w)
    };
    let chunks = line.chunks_exact(8);
    let tail = word(chunks.remainder());
    let all = chunks.fold(tail, |acc, c| acc | word(c));
    all & 0x8080_8080_8080_8080 == 0
}

/// What a carrier returns for a header line that is not visible ASCII: U+FFFD, which no
/// propagation format accepts, so the line counts as present and invalid.
pub(crate) const UNREADABLE: &str = "\u{fffd}";

#[cfg(feature = "http")]
pub use self::http_carrier::{HeaderExtractor, HeaderInjector};

#[cfg(feature = "tonic")]
pub use self::tonic_carrier::{MetadataExtractor, MetadataInjector};

#[cfg(feature = "http")]
mod http_carrier {
    use http::header::{HeaderMap, HeaderName, HeaderValue};
    use opentelemetry::propagation::{Extractor, Injector};

    use super::UNREADABLE;

    /// Writes propagation headers into an [`http::HeaderMap`], replacing earlier values.
    ///
    /// Well-known header names are `static` and cost no allocation; a name or value that is
    /// not a valid HTTP header is skipped.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::HeaderInjector;
    /// use opentelemetry::propagation::Injector;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// let mut injector = HeaderInjector(&mut headers);
    /// injector.set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_string());
    /// injector.set("bad value", "line\nbreak".to_string());
    /// assert_eq!(headers.len(), 1);
    /// ```
    #[derive(Debug)]
    pub struct HeaderInjector<'a>(pub &'a mut HeaderMap);

    /// Reads propagation headers from an [`http::HeaderMap`], seeing every repeated line.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::HeaderExtractor;
    /// use opentelemetry::propagation::Extractor;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.append("tracestate", "a=1".parse().unwrap());
    /// headers.append("tracestate", "b=2".parse().unwrap());
    /// let extractor = HeaderExtractor(&headers);
    /// assert_eq!(extractor.get("TraceState"), Some("a=1"));
    /// assert_eq!(extractor.get_all("tracestate"), Some(vec!["a=1", "b=2"]));
    /// ```
    #[derive(Debug, Clone, Copy)]
    pub struct HeaderExtractor<'a>(pub &'a HeaderMap);

    /// Header names Baton's propagators write, pre-built so that injecting them never
    /// allocates a name.
    static KNOWN: [HeaderName; 21] = [
        HeaderName::from_static(crate::TRACEPARENT),
        HeaderName::from_static(crate::TRACESTATE),
        HeaderName::from_static(crate::BAGGAGE),
        HeaderName::from_static(crate::B3),
        HeaderName::from_static(crate::X_B3_TRACEID),
        HeaderName::from_static(crate::X_B3_SPANID),
        HeaderName::from_static(crate::X_B3_PARENTSPANID),
        HeaderName::from_static(crate::X_B3_SAMPLED),
        HeaderName::from_static(crate::X_B3_FLAGS),
        HeaderName::from_static(crate::UBER_TRACE_ID),
        HeaderName::from_static(crate::JAEGER_DEBUG_ID),
        HeaderName::from_static(crate::X_AMZN_TRACE_ID),
        HeaderName::from_static(crate::OT_TRACER_TRACEID),
        HeaderName::from_static(crate::OT_TRACER_SPANID),
        HeaderName::from_static(crate::OT_TRACER_SAMPLED),
        HeaderName::from_static(crate::X_DATADOG_TRACE_ID),
        HeaderName::from_static(crate::X_DATADOG_PARENT_ID),
        HeaderName::from_static(crate::X_DATADOG_SAMPLING_PRIORITY),
        HeaderName::from_static(crate::X_DATADOG_ORIGIN),
        HeaderName::from_static(crate::X_DATADOG_TAGS),
        HeaderName::from_static(crate::JAEGER_BAGGAGE),
    ];

    /// The pre-built name for `key` when it is one of [`KNOWN`] exactly (lowercase), so that
    /// a lookup hashes it without parsing it first. The length and one byte pick the only
    /// candidate, so that any key costs at most one comparison.
    #[inline]
    fn known(key: &str) -> Option<&'static HeaderName> {
        let b = key.as_bytes();
        let i = match (b.len(), b.first()) {
            (2, _) => 3,
            (7, _) => 2,
            (10, Some(b't')) => 1,
            (10, _) => 8,
            (11, Some(b't')) => 0,
            (11, _) => 5,
            (12, _) if b[5] == b't' => 4,
            (12, _) => 7,
            (13, _) => 9,
            (14, Some(b'x')) => 19,
            (14, _) => 20,
            (15, Some(b'j')) => 10,
            (15, _) => 11,
            (16, Some(b'o')) => 13,
            (16, _) => 18,
            (17, Some(b'x')) => 6,
            (17, _) if b[10] == b't' => 12,
            (17, _) => 14,
            (18, _) => 15,
            (19, _) => 16,
            (27, _) => 17,
            _ => return None,
        };
        let name = &KNOWN[i];
        (name.as_str() == key).then_some(name)
    }

    /// A map with at most this many names is searched by comparing names, which costs less
    /// than hashing the one looked for (FNV, a byte at a time).
    const SCAN_KEYS: usize = 8;

    /// The number of lines (0, 1 or 2 for "several") of header `key`, and the first.
    #[inline]
    fn first_two<'m>(map: &'m HeaderMap, key: &str) -> (usize, Option<&'m HeaderValue>) {
        match known(key) {
            Some(name) if map.keys_len() <= SCAN_KEYS => {
                let mut all = map.iter();
                match all.find(|(k, _)| *k == name) {
                    None => (0, None),
                    // Names are unique: a second line of the same header follows the first,
                    // under the same name.
                    Some((k, first)) => {
                        let more = all.next().is_some_and(|(next, _)| std::ptr::eq(next, k));
                        (1 + usize::from(more), Some(first))
                    }
                }
            }
            known => {
                let mut values = match known {
                    Some(name) => map.get_all(name),
                    None => map.get_all(key),
                }
                .iter();
                let first = values.next();
                let count = usize::from(first.is_some()) + usize::from(values.next().is_some());
                (count, first)
            }
        }
    }

    #[cfg(test)]
    pub(super) fn known_for_tests(key: &str) -> Option<&'static HeaderName> {
        known(key)
    }

    fn name(key: &str) -> Option<HeaderName> {
        known(key)
            .cloned()
            .or_else(|| HeaderName::from_bytes(key.as_bytes()).ok())
    }

    /// Every line of header `key`, looked up once.
    #[inline]
    fn lines<'m>(map: &'m HeaderMap, key: &str) -> http::header::GetAll<'m, HeaderValue> {
        match known(key) {
            Some(name) => map.get_all(name),
            None => map.get_all(key),
        }
    }

    pub(super) fn read(value: &HeaderValue) -> &str {
        value.to_str().unwrap_or(UNREADABLE)
    }

    impl Injector for HeaderInjector<'_> {
        fn set(&mut self, key: &str, value: String) {
            if let (Some(name), Ok(value)) = (name(key), HeaderValue::try_from(value)) {
                self.0.insert(name, value);
            }
        }

        fn reserve(&mut self, additional: usize) {
            self.0.reserve(additional);
        }
    }

    impl Extractor for HeaderExtractor<'_> {
        /// The first line of header `key`; also answers Baton's private single-line query
        /// (a key behind a NUL byte, which no header name can hold; see the module docs).
        fn get(&self, key: &str) -> Option<&str> {
            if let Some(name) = key.strip_prefix('\0') {
                if let Some(prefix) = name.strip_prefix(super::PREFIX_QUERY) {
                    let keys = self.0.keys().map(HeaderName::as_str);
                    return Some(super::prefix_answer(keys, prefix));
                }
                let (count, first) = first_two(self.0, name);
                return super::answer(count, first.map(HeaderValue::as_bytes));
            }
            match known(key) {
                Some(name) => self.0.get(name),
                None => self.0.get(key),
            }
            .map(read)
        }

        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(HeaderName::as_str).collect()
        }

        fn get_all(&self, key: &str) -> Option<Vec<&str>> {
            let values = lines(self.0, key);
            // Counted first so that the vector is allocated once, at its exact size.
            let count = values.iter().count();
            if count == 0 {
                return None;
            }
            let mut out = Vec::with_capacity(count);
            out.extend(values.iter().map(read));
            Some(out)
        }
    }
}

#[cfg(feature = "tonic")]
mod tonic_carrier {
    use opentelemetry::propagation::{Extractor, Injector};
    use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, KeyRef, MetadataMap};

    use super::UNREADABLE;

    /// Writes propagation headers into tonic's [`MetadataMap`] as ASCII metadata, replacing
    /// earlier values; a key or value tonic cannot hold (including `-bin` keys) is skipped.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::MetadataInjector;
    /// use opentelemetry::propagation::Injector;
    ///
    /// let mut metadata = tonic::metadata::MetadataMap::new();
    /// MetadataInjector(&mut metadata).set("baggage", "k=v".to_string());
    /// MetadataInjector(&mut metadata).set("trace-bin", "x".to_string());
    /// assert_eq!(metadata.get("baggage").unwrap(), "k=v");
    /// assert_eq!(metadata.len(), 1);
    /// ```
    #[derive(Debug)]
    pub struct MetadataInjector<'a>(pub &'a mut MetadataMap);

    /// Reads propagation headers from tonic's [`MetadataMap`] (values of ASCII metadata only;
    /// `keys` lists every key), seeing every repeated entry.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::MetadataExtractor;
    /// use opentelemetry::propagation::Extractor;
    ///
    /// let mut metadata = tonic::metadata::MetadataMap::new();
    /// metadata.append("tracestate", "a=1".parse().unwrap());
    /// metadata.append("tracestate", "b=2".parse().unwrap());
    /// assert_eq!(MetadataExtractor(&metadata).get_all("tracestate"), Some(vec!["a=1", "b=2"]));
    /// ```
    #[derive(Debug, Clone, Copy)]
    pub struct MetadataExtractor<'a>(pub &'a MetadataMap);

    /// A metadata key as text, ASCII or `-bin`.
    fn key_str(key: KeyRef<'_>) -> &str {
        match key {
            KeyRef::Ascii(key) => key.as_str(),
            KeyRef::Binary(key) => key.as_str(),
        }
    }

    fn read(value: &AsciiMetadataValue) -> &str {
        value.to_str().unwrap_or(UNREADABLE)
    }

    impl Injector for MetadataInjector<'_> {
        fn set(&mut self, key: &str, value: String) {
            // tonic takes bytes 0x80-0xff in ASCII metadata; gRPC ASCII metadata is
            // printable ASCII only.
            if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                return;
            }
            if let (Ok(key), Ok(value)) = (
                AsciiMetadataKey::from_bytes(key.as_bytes()),
                AsciiMetadataValue::try_from(value),
            ) {
                self.0.insert(key, value);
            }
        }

        fn reserve(&mut self, additional: usize) {
            self.0.reserve(additional);
        }
    }

    impl Extractor for MetadataExtractor<'_> {
        /// The first value of ASCII metadata `key`; also answers Baton's private
        /// single-line query (a key behind a NUL byte, which no metadata key can hold; see
        /// the module docs).
        fn get(&self, key: &str) -> Option<&str> {
            if let Some(key) = key.strip_prefix('\0') {
                if let Some(prefix) = key.strip_prefix(super::PREFIX_QUERY) {
                    return Some(super::prefix_answer(self.0.keys().map(key_str), prefix));
                }
                let all = self.0.get_all(key);
                let mut values = all.iter();
                let first = values.next();
                let count = usize::from(first.is_some()) + usize::from(values.next().is_some());
                return super::answer(count, first.map(AsciiMetadataValue::as_bytes));
            }
            self.0.get(key).map(read)
        }

        /// Every key, `-bin` ones included ("the list of all the keys in the carrier", as the
        /// OpenTelemetry propagators API asks), though only ASCII entries can be read.
        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(key_str).collect()
        }

        fn get_all(&self, key: &str) -> Option<Vec<&str>> {
            let values = self.0.get_all(key);
            // Counted first so that the vector is allocated once, at its exact size.
            let count = values.iter().count();
            if count == 0 {
                return None;
            }
            let mut out = Vec::with_capacity(count);
            out.extend(values.iter().map(read));
            Some(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const TP: Header = Header::new("traceparent", "\0traceparent");

    #[cfg(any(feature = "http", feature = "tonic"))]
    #[test]
    fn is_ascii_agrees_with_std_at_every_length_and_position() {
        for len in 0..40 {
            let line = vec![b'a'; len];
            assert!(is_ascii(&line), "len {len}");
            for at in 0..len {
                for bad in [0x80u8, 0xff, 0xc3] {
                    let mut line = line.clone();
                    line[at] = bad;
                    assert_eq!(is_ascii(&line), line.is_ascii(), "len {len} at {at}");
                    assert!(!is_ascii(&line), "len {len} at {at}");
                }
            }
        }
    }

    /// An extractor that is not Baton's: it only knows the trait.
    struct Foreign(HashMap<String, Vec<String>>);

    impl Extractor for Foreign {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).and_then(|v| v.first()).map(String::as_str)
        }

        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(String::as_str).collect()
        }

        fn get_all(&self, key: &str) -> Option<Vec<&str>> {
            self.0
                .get(key)
                .map(|v| v.iter().map(String::as_str).collect())
        }
    }

    fn foreign(lines: &[&str]) -> Foreign {
        let mut map = HashMap::new();
        if !lines.is_empty() {
            map.insert(
                "traceparent".to_owned(),
                lines.iter().map(|l| (*l).to_owned()).collect(),
            );
        }
        Foreign(map)
    }

    #[test]
    fn a_foreign_extractor_is_asked_through_get_and_get_all() {
        assert_eq!(lines(&foreign(&[]), TP), Lines::None);
        assert_eq!(lines(&foreign(&["a"]), TP), Lines::One("a"));
        assert_eq!(
            lines(&foreign(&["a", "b"]), TP),
            Lines::Several(vec!["a", "b"])
        );
    }

    #[cfg(feature = "http")]
    #[test]
    fn header_map_answers_the_private_query_like_get_all() {
        use crate::HeaderExtractor;
        use http::{HeaderMap, HeaderValue};

        let mut map = HeaderMap::new();
        assert_eq!(lines(&HeaderExtractor(&map), TP), Lines::None);
        map.append("traceparent", HeaderValue::from_static("a"));
        assert_eq!(lines(&HeaderExtractor(&map), TP), Lines::One("a"));
        // Only a carrier of Baton's answers the query key; the header itself is untouched.
        assert_eq!(HeaderExtractor(&map).get("\0traceparent"), Some("a"));
        assert_eq!(foreign(&["a"]).get("\0traceparent"), None);
        map.append("traceparent", HeaderValue::from_static("b"));
        assert_eq!(
            lines(&HeaderExtractor(&map), TP),
            Lines::Several(vec!["a", "b"])
        );
        // Unknown names and other cases go through the same lookup.
        let mut map = HeaderMap::new();
        map.append("x-custom", HeaderValue::from_static("v"));
        let custom = Header::new("x-custom", "\0x-custom");
        assert_eq!(lines(&HeaderExtractor(&map), custom), Lines::One("v"));
        assert_eq!(HeaderExtractor(&map).get("X-Custom"), Some("v"));
    }

    #[cfg(feature = "http")]
    #[test]
    fn private_query_reads_ascii_only_and_at_most_max_line_bytes() {
        use crate::HeaderExtractor;
        use http::{HeaderMap, HeaderValue};

        let mut map = HeaderMap::new();
        map.insert(
            "traceparent",
            HeaderValue::from_bytes("00-é".as_bytes()).unwrap(),
        );
        assert_eq!(lines(&HeaderExtractor(&map), TP), Lines::One(UNREADABLE));
        map.insert("traceparent", HeaderValue::from_bytes(b"\xff").unwrap());
        assert_eq!(lines(&HeaderExtractor(&map), TP), Lines::One(UNREADABLE));
        let long = "x".repeat(MAX_LINE + 10);
        map.insert("traceparent", HeaderValue::from_str(&long).unwrap());
        assert_eq!(
            lines(&HeaderExtractor(&map), TP),
            Lines::One(&long[..MAX_LINE])
        );
    }

    #[cfg(feature = "http")]
    #[test]
    fn the_private_query_counts_lines_in_small_and_large_maps() {
        use crate::HeaderExtractor;
        use http::{HeaderMap, HeaderValue};

        // Small maps are searched by comparing names, larger ones by hashing: same answers.
        for others in [0, 3, 20] {
            let mut map = HeaderMap::new();
            for i in 0..others {
                map.append(
                    http::HeaderName::try_from(format!("x-other-{i}")).unwrap(),
                    HeaderValue::from_static("o"),
                );
            }
            map.append("tracestate", HeaderValue::from_static("s"));
            assert_eq!(lines(&HeaderExtractor(&map), TP), Lines::None);
            map.append("traceparent", HeaderValue::from_static("a"));
            map.append("x-after", HeaderValue::from_static("z"));
            assert_eq!(lines(&HeaderExtractor(&map), TP), Lines::One("a"));
            map.append("traceparent", HeaderValue::from_static("b"));
            assert_eq!(
                lines(&HeaderExtractor(&map), TP),
                Lines::Several(vec!["a", "b"])
            );
            map.append("traceparent", HeaderValue::from_static("c"));
            assert_eq!(
                lines(&HeaderExtractor(&map), TP),
                Lines::Several(vec!["a", "b", "c"])
            );
        }
    }

    #[cfg(feature = "http")]
    #[test]
    fn every_known_name_is_found_and_nothing_else() {
        use crate::HeaderExtractor;
        use http::{HeaderMap, HeaderValue};

        let names = [
            crate::TRACEPARENT,
            crate::TRACESTATE,
            crate::BAGGAGE,
            crate::B3,
            crate::X_B3_TRACEID,
            crate::X_B3_SPANID,
            crate::X_B3_PARENTSPANID,
            crate::X_B3_SAMPLED,
            crate::X_B3_FLAGS,
            crate::UBER_TRACE_ID,
            crate::JAEGER_DEBUG_ID,
            crate::X_AMZN_TRACE_ID,
            crate::OT_TRACER_TRACEID,
            crate::OT_TRACER_SPANID,
            crate::OT_TRACER_SAMPLED,
            crate::X_DATADOG_TRACE_ID,
            crate::X_DATADOG_PARENT_ID,
            crate::X_DATADOG_SAMPLING_PRIORITY,
            crate::X_DATADOG_ORIGIN,
            crate::X_DATADOG_TAGS,
            crate::JAEGER_BAGGAGE,
        ];
        for name in names {
            assert_eq!(
                http_carrier::known_for_tests(name).map(http::HeaderName::as_str),
                Some(name)
            );
            // Same length and first byte, another name: not known, still found by hashing.
            let other: String = name.chars().rev().collect();
            assert_eq!(http_carrier::known_for_tests(&other), None, "{other}");
            let mut map = HeaderMap::new();
            map.insert(name, HeaderValue::from_static("v"));
            assert_eq!(HeaderExtractor(&map).get(&format!("\0{name}")), Some("v"));
            assert_eq!(HeaderExtractor(&map).get(&name.to_uppercase()), Some("v"));
        }
        assert_eq!(http_carrier::known_for_tests(""), None);
        assert_eq!(http_carrier::known_for_tests("TRACEPARENT"), None);
    }

    #[cfg(feature = "tonic")]
    #[test]
    fn metadata_map_answers_the_private_query_like_get_all() {
        use crate::MetadataExtractor;
        use tonic::metadata::MetadataMap;

        let mut md = MetadataMap::new();
        assert_eq!(lines(&MetadataExtractor(&md), TP), Lines::None);
        md.append("traceparent", "a".parse().unwrap());
        assert_eq!(lines(&MetadataExtractor(&md), TP), Lines::One("a"));
        md.append("traceparent", "b".parse().unwrap());
        assert_eq!(
            lines(&MetadataExtractor(&md), TP),
            Lines::Several(vec!["a", "b"])
        );
    }

    const UBERCTX: Prefix = Prefix::new("uberctx-", "\0prefix\0uberctx-");

    #[test]
    fn the_prefix_query_says_whether_any_key_has_the_prefix() {
        use crate::HeaderExtractor;
        use http::{HeaderMap, HeaderValue};

        let mut map = HeaderMap::new();
        assert!(!may_have_prefixed(&HeaderExtractor(&map), UBERCTX));
        map.insert("traceparent", HeaderValue::from_static("x"));
        // A key that only holds the prefix's first bytes, and one that holds it elsewhere.
        map.insert("uberctx", HeaderValue::from_static("x"));
        map.insert("x-uberctx-a", HeaderValue::from_static("x"));
        assert!(!may_have_prefixed(&HeaderExtractor(&map), UBERCTX));
        // Header names are kept in lowercase, whatever case they were sent in.
        map.insert("Uberctx-User", HeaderValue::from_static("ann"));
        assert!(may_have_prefixed(&HeaderExtractor(&map), UBERCTX));
        // In a map too large to be searched by name as well.
        for i in 0..16 {
            map.insert(
                http::HeaderName::from_bytes(format!("x-filler-{i}").as_bytes()).unwrap(),
                HeaderValue::from_static("x"),
            );
        }
        assert!(may_have_prefixed(&HeaderExtractor(&map), UBERCTX));
        map.remove("uberctx-user");
        assert!(!may_have_prefixed(&HeaderExtractor(&map), UBERCTX));
    }

    #[test]
    fn a_foreign_extractor_may_always_have_prefixed_keys() {
        // It answers `None` to the private query, and its `keys` are then read.
        assert!(may_have_prefixed(&foreign(&[]), UBERCTX));
    }

    #[cfg(feature = "tonic")]
    #[test]
    fn metadata_map_answers_the_prefix_query() {
        use crate::MetadataExtractor;
        use tonic::metadata::MetadataMap;

        let mut md = MetadataMap::new();
        md.append("traceparent", "a".parse().unwrap());
        md.append_bin(
            "uberctx-bin",
            tonic::metadata::MetadataValue::from_bytes(b"x"),
        );
        assert!(may_have_prefixed(&MetadataExtractor(&md), UBERCTX));
        let mut md = MetadataMap::new();
        md.append("traceparent", "a".parse().unwrap());
        assert!(!may_have_prefixed(&MetadataExtractor(&md), UBERCTX));
        md.append("uberctx-user", "ann".parse().unwrap());
        assert!(may_have_prefixed(&MetadataExtractor(&md), UBERCTX));
    }
}
