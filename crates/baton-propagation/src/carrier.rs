//! Carriers: `http::HeaderMap` (feature `http`) and tonic's `MetadataMap` (feature `tonic`).
//!
//! Both read every line of a repeated header through `get_all`, so a propagator sees
//! duplicates (two `traceparent` lines are invalid; several `tracestate` or `baggage` lines
//! are combined). `get` never allocates. A line that is not visible ASCII cannot be read as a
//! `&str`; rather than vanish (which would hide a duplicate), it reads as
//! [`UNREADABLE`], a value no header grammar accepts. Injecting a name or value the map
//! cannot hold is skipped, never a panic.

/// What a carrier returns for a header line that is not visible ASCII: U+FFFD, which no
/// propagation format accepts, so the line counts as present and invalid.
///
/// # Examples
///
/// ```
/// assert_eq!(baton_propagation::UNREADABLE, "\u{fffd}");
/// ```
pub const UNREADABLE: &str = "\u{fffd}";

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
    static KNOWN: [HeaderName; 20] = [
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
    ];

    fn name(key: &str) -> Option<HeaderName> {
        KNOWN
            .iter()
            .find(|known| known.as_str() == key)
            .cloned()
            .or_else(|| HeaderName::from_bytes(key.as_bytes()).ok())
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
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).map(read)
        }

        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(HeaderName::as_str).collect()
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
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).map(read)
        }

        /// Every key, `-bin` ones included ("the list of all the keys in the carrier", as the
        /// OpenTelemetry propagators API asks), though only ASCII entries can be read.
        fn keys(&self) -> Vec<&str> {
            self.0
                .keys()
                .map(|key| match key {
                    KeyRef::Ascii(key) => key.as_str(),
                    KeyRef::Binary(key) => key.as_str(),
                })
                .collect()
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
