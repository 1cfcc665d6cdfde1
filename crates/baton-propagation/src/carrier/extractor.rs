//! Between opentelemetry's `Extractor` and Baton's [`Carrier`], both ways.

use std::fmt;

use opentelemetry::propagation::Extractor;

use super::{Carrier, Lines};

/// Any opentelemetry [`Extractor`] read as a [`Carrier`], through `get`, `get_all` and `keys`
/// only, as the trait intends: a wrapper that hides a key from those hides it from every Baton
/// propagator.
///
/// This is how every Baton propagator's `TextMapPropagator::extract_with_context` reads its
/// extractor. `get` is asked first, so that an absent header costs no `Vec`; a header present
/// and read in full (`traceparent`, `tracestate`, `baggage`) costs the `Vec` of `get_all`.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use baton_propagation::{Carrier, FromExtractor, Lines};
///
/// let headers: HashMap<String, String> = [("b3".to_string(), "1".to_string())].into();
/// let carrier = FromExtractor(&headers);
/// assert_eq!(carrier.lines("b3"), Lines::One("1"));
/// assert_eq!(carrier.first("traceparent"), None);
/// ```
#[derive(Clone, Copy)]
pub struct FromExtractor<'a>(pub &'a dyn Extractor);

impl fmt::Debug for FromExtractor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("FromExtractor")
            .field(&self.0.keys())
            .finish()
    }
}

impl Carrier for FromExtractor<'_> {
    fn lines(&self, name: &str) -> Lines<'_> {
        let Some(first) = self.0.get(name) else {
            return Lines::None;
        };
        match self.0.get_all(name) {
            Some(lines) => Lines::from(Some(lines)),
            // An extractor whose `get_all` disagrees with its `get`: what `get` saw is a line.
            None => Lines::One(first),
        }
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys()
    }

    fn first(&self, name: &str) -> Option<&str> {
        self.0.get(name)
    }
}

/// A [`Carrier`] read as an opentelemetry [`Extractor`], so that a propagator that is not
/// Baton's reads what a Baton carrier shows, and nothing it hides (see
/// [`ForeignPropagator`](crate::ForeignPropagator)).
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "http")] {
/// use baton_propagation::CarrierExtractor;
/// use opentelemetry::propagation::Extractor;
///
/// let mut headers = http::HeaderMap::new();
/// headers.append("tracestate", "a=1".parse().unwrap());
/// headers.append("tracestate", "b=2".parse().unwrap());
/// let extractor = CarrierExtractor(&headers);
/// assert_eq!(extractor.get("tracestate"), Some("a=1"));
/// assert_eq!(extractor.get_all("tracestate"), Some(vec!["a=1", "b=2"]));
/// assert_eq!(extractor.get_all("baggage"), None);
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct CarrierExtractor<'a>(pub &'a dyn Carrier);

impl fmt::Debug for CarrierExtractor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CarrierExtractor")
            .field(&self.0.keys())
            .finish()
    }
}

impl Extractor for CarrierExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.first(key)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        match self.0.lines(key) {
            Lines::One(line) => Some(vec![line]),
            Lines::Several(lines) => Some(lines),
            Lines::None => None,
        }
    }
}
