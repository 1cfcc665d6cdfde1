//! tonic's `MetadataMap`: a [`Carrier`] of its own, and opentelemetry's injector and extractor.

use opentelemetry::propagation::{Extractor, Injector};
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, KeyRef, MetadataMap};

use super::line::{exact, read_line, read_value, several};
use super::{Carrier, Lines, strip_prefix_ignore_ascii_case};

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

/// Reads propagation headers from tonic's [`MetadataMap`] as an opentelemetry `Extractor`
/// (values of ASCII metadata only; `keys` lists every key), seeing every repeated entry.
///
/// A value that is not visible ASCII reads as U+FFFD (which no format accepts), and one
/// longer than 64 KiB is cut there, as [`HeaderExtractor`] does.
///
/// Extracting from the map itself, with
/// [`Propagator::extract_from`](crate::Propagator::extract_from), avoids the `Vec` that
/// `get_all` costs for a header read in full.
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
#[cfg_attr(feature = "http", doc = "[`HeaderExtractor`]: crate::HeaderExtractor")]
#[cfg_attr(
    not(feature = "http"),
    doc = "[`HeaderExtractor`]: crate#feature-flags"
)]
pub struct MetadataExtractor<'a>(pub &'a MetadataMap);

/// A metadata key as text, ASCII or `-bin`.
fn key_str(key: KeyRef<'_>) -> &str {
    match key {
        KeyRef::Ascii(key) => key.as_str(),
        KeyRef::Binary(key) => key.as_str(),
    }
}

fn read(value: &AsciiMetadataValue) -> &str {
    read_value(value.as_bytes(), || value.to_str().ok())
}

/// Values of ASCII metadata only (a `-bin` key has no line), with one lookup and no allocation
/// for a key of at most one entry; [`keys`](Carrier::keys) lists every key, `-bin` ones
/// included.
impl Carrier for MetadataMap {
    fn lines(&self, name: &str) -> Lines<'_> {
        let all = self.get_all(name);
        let mut values = all.iter();
        match (values.next(), values.next()) {
            (None, _) => Lines::None,
            (Some(line), None) => Lines::One(read_line(line.as_bytes())),
            (Some(_), Some(_)) => several(
                all.iter().count(),
                all.iter().map(AsciiMetadataValue::as_bytes),
            ),
        }
    }

    fn keys(&self) -> Vec<&str> {
        self.keys().map(key_str).collect()
    }

    fn first(&self, name: &str) -> Option<&str> {
        self.get(name).map(|line| read_line(line.as_bytes()))
    }

    fn has_key_with_prefix(&self, prefix: &str) -> bool {
        self.keys()
            .any(|key| strip_prefix_ignore_ascii_case(key_str(key), prefix).is_some())
    }
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
    /// The first value of ASCII metadata `key`.
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(read)
    }

    /// Every key, `-bin` ones included ("the list of all the keys in the carrier", as the
    /// OpenTelemetry propagators API asks), though only ASCII entries can be read.
    fn keys(&self) -> Vec<&str> {
        Carrier::keys(self.0)
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values = self.0.get_all(key);
        exact(values.iter().count(), values.iter().map(read))
    }
}
