//! `http::HeaderMap`: a [`Carrier`] of its own, and opentelemetry's injector and extractor.

use http::header::{GetAll, HeaderMap, HeaderName, HeaderValue};
use opentelemetry::propagation::{Extractor, Injector};

use crate::header;

use super::line::{exact, read_line, read_value, several};
use super::{Carrier, Lines, strip_prefix_ignore_ascii_case};

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

/// Reads propagation headers from an [`http::HeaderMap`] as an opentelemetry `Extractor`,
/// seeing every repeated line.
///
/// A line that is not visible ASCII reads as U+FFFD (which no format accepts), and a line
/// longer than 64 KiB is cut there (no propagation header comes near, and reading it whole
/// would make a hostile request cost in proportion to its length).
///
/// A Baton propagator reads it through `get`, `get_all` and `keys` like any other extractor
/// (which costs a `Vec` for a header read in full, such as `traceparent`); extracting from the
/// map itself, with [`Propagator::extract_from`](crate::Propagator::extract_from), costs none.
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

/// Header names Baton's propagators read and write, pre-built so that injecting them never
/// allocates a name and looking them up never parses one.
static KNOWN: [HeaderName; 21] = [
    HeaderName::from_static(header::TRACEPARENT),
    HeaderName::from_static(header::TRACESTATE),
    HeaderName::from_static(header::BAGGAGE),
    HeaderName::from_static(header::B3),
    HeaderName::from_static(header::X_B3_TRACEID),
    HeaderName::from_static(header::X_B3_SPANID),
    HeaderName::from_static(header::X_B3_PARENTSPANID),
    HeaderName::from_static(header::X_B3_SAMPLED),
    HeaderName::from_static(header::X_B3_FLAGS),
    HeaderName::from_static(header::UBER_TRACE_ID),
    HeaderName::from_static(header::JAEGER_DEBUG_ID),
    HeaderName::from_static(header::X_AMZN_TRACE_ID),
    HeaderName::from_static(header::OT_TRACER_TRACEID),
    HeaderName::from_static(header::OT_TRACER_SPANID),
    HeaderName::from_static(header::OT_TRACER_SAMPLED),
    HeaderName::from_static(header::X_DATADOG_TRACE_ID),
    HeaderName::from_static(header::X_DATADOG_PARENT_ID),
    HeaderName::from_static(header::X_DATADOG_SAMPLING_PRIORITY),
    HeaderName::from_static(header::X_DATADOG_ORIGIN),
    HeaderName::from_static(header::X_DATADOG_TAGS),
    HeaderName::from_static(header::JAEGER_BAGGAGE),
];

/// The pre-built name for `key` when it is one of [`KNOWN`] exactly (lowercase), so that
/// a lookup hashes it without parsing it first. The length and one byte pick the only
/// candidate, so that any key costs at most one comparison.
#[inline]
pub(super) fn known(key: &str) -> Option<&'static HeaderName> {
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
        _ => {
            let mut values = get_all(map, key).iter();
            let first = values.next();
            let count = usize::from(first.is_some()) + usize::from(values.next().is_some());
            (count, first)
        }
    }
}

fn name(key: &str) -> Option<HeaderName> {
    known(key)
        .cloned()
        .or_else(|| HeaderName::from_bytes(key.as_bytes()).ok())
}

/// Every line of header `key`, looked up once.
#[inline]
fn get_all<'m>(map: &'m HeaderMap, key: &str) -> GetAll<'m, HeaderValue> {
    match known(key) {
        Some(name) => map.get_all(name),
        None => map.get_all(key),
    }
}

fn read(value: &HeaderValue) -> &str {
    read_value(value.as_bytes(), || value.to_str().ok())
}

/// One lookup, and no allocation for a header of at most one line: a known name in a small map
/// is found by comparing names, any other by hashing.
impl Carrier for HeaderMap {
    fn lines(&self, name: &str) -> Lines<'_> {
        match first_two(self, name) {
            (0, _) | (_, None) => Lines::None,
            (1, Some(line)) => Lines::One(read_line(line.as_bytes())),
            _ => {
                let all = get_all(self, name);
                several(all.iter().count(), all.iter().map(HeaderValue::as_bytes))
            }
        }
    }

    fn keys(&self) -> Vec<&str> {
        self.keys().map(HeaderName::as_str).collect()
    }

    fn first(&self, name: &str) -> Option<&str> {
        first_two(self, name)
            .1
            .map(|line| read_line(line.as_bytes()))
    }

    fn has_key_with_prefix(&self, prefix: &str) -> bool {
        self.keys()
            .any(|key| strip_prefix_ignore_ascii_case(key.as_str(), prefix).is_some())
    }
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
    /// The first line of header `key`.
    fn get(&self, key: &str) -> Option<&str> {
        match known(key) {
            Some(name) => self.0.get(name),
            None => self.0.get(key),
        }
        .map(read)
    }

    fn keys(&self) -> Vec<&str> {
        Carrier::keys(self.0)
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values = get_all(self.0, key);
        exact(values.iter().count(), values.iter().map(read))
    }
}
