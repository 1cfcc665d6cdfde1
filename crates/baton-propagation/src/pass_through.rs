//! Forwarding named headers verbatim from an inbound request to outbound ones.

use std::sync::Arc;

use opentelemetry::Context;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter,
};

use crate::carrier::{Carrier, FromExtractor};
use crate::chars::{is_field_value, is_token};
use crate::propagator::Propagator;

/// The longest value forwarded: 8 KiB, the usual per-header limit of HTTP servers and proxies
/// (nginx `large_client_header_buffers`, Apache `LimitRequestFieldSize`); longer values are
/// dropped, not cut, and are not copied.
const MAX_VALUE_LEN: usize = 8192;

/// The forwarded values in the [`Context`], shared by every pass-through propagator.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct PassThroughValues(Vec<(Arc<str>, Box<str>)>);

impl PassThroughValues {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| &**k == name).map(|(_, v)| &**v)
    }
}

/// A propagator that carries the named headers (`x-request-id`, `x-correlation-id`, ...)
/// unchanged from extract to inject, as a proxy would, storing them in the [`Context`].
///
/// Names are matched case-insensitively and injected in lowercase; names that are not HTTP
/// tokens are ignored. A value is forwarded when it is a valid HTTP field value (visible ASCII,
/// spaces and tabs) of at most 8 KiB. Several pass-through propagators share one store, each
/// injecting only its own names.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use baton_propagation::PassThroughPropagator;
/// use opentelemetry::propagation::TextMapPropagator;
///
/// let p = PassThroughPropagator::new(["x-request-id", "X-Correlation-Id"]);
/// let inbound: HashMap<String, String> = [("x-request-id".to_string(), "r-1".to_string())].into();
/// let cx = p.extract(&inbound);
/// assert_eq!(PassThroughPropagator::value(&cx, "X-Request-Id"), Some("r-1"));
///
/// let mut outbound = HashMap::new();
/// p.inject_context(&cx, &mut outbound);
/// assert_eq!(outbound, inbound);
/// assert_eq!(p.fields().collect::<Vec<_>>(), ["x-request-id", "x-correlation-id"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassThroughPropagator {
    fields: Vec<String>,
    /// The same names, in the same order, shared with every value stored under them (no copy
    /// per extract).
    keys: Vec<Arc<str>>,
}

impl PassThroughPropagator {
    /// A propagator forwarding `names` (duplicates and non-token names are dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::PassThroughPropagator;
    /// use opentelemetry::propagation::TextMapPropagator;
    ///
    /// let names = vec!["x-request-id".to_string(), "X-REQUEST-ID".to_string(), "bad name".to_string()];
    /// assert_eq!(PassThroughPropagator::new(names).fields().count(), 1);
    /// ```
    pub fn new<I>(names: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let mut fields: Vec<String> = Vec::new();
        for name in names {
            let name = name.as_ref();
            if !is_token(name.as_bytes()) {
                continue;
            }
            let name = name.to_ascii_lowercase();
            if !fields.contains(&name) {
                fields.push(name);
            }
        }
        let keys = fields.iter().map(|name| name.as_str().into()).collect();
        PassThroughPropagator { fields, keys }
    }

    /// The value forwarded for `name` in `cx`, if a pass-through propagator extracted one.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::PassThroughPropagator;
    ///
    /// assert_eq!(PassThroughPropagator::value(&opentelemetry::Context::new(), "x-request-id"), None);
    /// ```
    pub fn value<'c>(cx: &'c Context, name: &str) -> Option<&'c str> {
        let values = cx.get::<PassThroughValues>()?;
        values
            .0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| &**v)
    }
}

impl TextMapPropagator for PassThroughPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let Some(values) = cx.get::<PassThroughValues>() else {
            return;
        };
        for field in &self.fields {
            if let Some(v) = values.get(field) {
                injector.set(field, v.to_owned());
            }
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&self.fields)
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        self.extract_from(cx, &FromExtractor(extractor))
    }
}

impl Propagator for PassThroughPropagator {
    fn extract_from(&self, cx: &Context, carrier: &dyn Carrier) -> Context {
        let mut values: Option<PassThroughValues> = None;
        for key in &self.keys {
            let Some(v) = carrier.first(key) else {
                continue;
            };
            if v.len() > MAX_VALUE_LEN || !is_field_value(v) {
                continue;
            }
            let values = values
                .get_or_insert_with(|| cx.get::<PassThroughValues>().cloned().unwrap_or_default());
            values.0.retain(|(k, _)| k != key);
            values.0.push((Arc::clone(key), v.into()));
        }
        match values {
            Some(values) => cx.with_value(values),
            None => cx.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    fn carrier(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn forwards_only_its_own_names_verbatim() {
        let p = PassThroughPropagator::new(["x-request-id"]);
        let cx = p.extract_with_context(
            &Context::new(),
            &carrier(&[("x-request-id", " a b\tc "), ("x-other", "o")]),
        );
        let mut out = HashMap::new();
        p.inject_context(&cx, &mut out);
        assert_eq!(out, carrier(&[("x-request-id", " a b\tc ")]));
    }

    #[test]
    fn two_propagators_share_the_store_without_clobbering() {
        let a = PassThroughPropagator::new(["x-a"]);
        let b = PassThroughPropagator::new(["x-b"]);
        let inbound = carrier(&[("x-a", "1"), ("x-b", "2")]);
        let cx =
            b.extract_with_context(&a.extract_with_context(&Context::new(), &inbound), &inbound);
        let mut out = HashMap::new();
        a.inject_context(&cx, &mut out);
        b.inject_context(&cx, &mut out);
        assert_eq!(out, inbound);
    }

    #[test]
    fn a_later_extract_replaces_a_value() {
        let p = PassThroughPropagator::new(["x-a"]);
        let cx = p.extract_with_context(&Context::new(), &carrier(&[("x-a", "1")]));
        let cx = p.extract_with_context(&cx, &carrier(&[("x-a", "2")]));
        assert_eq!(PassThroughPropagator::value(&cx, "x-a"), Some("2"));
        let cx = p.extract_with_context(&cx, &carrier(&[]));
        assert_eq!(PassThroughPropagator::value(&cx, "x-a"), Some("2"));
    }

    #[test]
    fn hostile_values_are_not_forwarded() {
        let p = PassThroughPropagator::new(["x-a"]);
        let huge = "a".repeat(1 << 20);
        for v in [huge.as_str(), "a\nb", "a\rb", "\u{0}", "\u{e9}", "\u{7f}"] {
            let cx = p.extract_with_context(&Context::new(), &carrier(&[("x-a", v)]));
            assert_eq!(PassThroughPropagator::value(&cx, "x-a"), None, "{v:.20}");
        }
        let max = "a".repeat(MAX_VALUE_LEN);
        let cx = p.extract_with_context(&Context::new(), &carrier(&[("x-a", &max)]));
        assert_eq!(PassThroughPropagator::value(&cx, "x-a"), Some(max.as_str()));
    }

    // OTel `Getter.Get` "MUST return the first value": from the map itself as through an
    // `Extractor`.
    #[cfg(feature = "http")]
    #[test]
    fn header_map_forwards_the_first_line_and_drops_unreadable_ones() {
        let mut map = http::HeaderMap::new();
        map.append("x-a", http::HeaderValue::from_static("1"));
        map.append("x-a", http::HeaderValue::from_static("2"));
        map.append("x-b", http::HeaderValue::from_bytes(b"\xff").unwrap());
        map.append("x-d", http::HeaderValue::from_static(" d\t"));
        let p = PassThroughPropagator::new(["x-a", "X-B", "x-c", "x-d"]);
        for cx in [
            p.extract_from(&Context::new(), &map),
            p.extract_with_context(&Context::new(), &crate::HeaderExtractor(&map)),
        ] {
            assert_eq!(PassThroughPropagator::value(&cx, "x-a"), Some("1"));
            assert_eq!(PassThroughPropagator::value(&cx, "x-b"), None);
            assert_eq!(PassThroughPropagator::value(&cx, "x-c"), None);
            assert_eq!(PassThroughPropagator::value(&cx, "x-d"), Some(" d\t"));
        }
    }

    #[test]
    fn default_forwards_nothing() {
        let p = PassThroughPropagator::default();
        assert_eq!(p.fields().count(), 0);
        let cx = p.extract_with_context(&Context::new(), &carrier(&[("x-a", "1")]));
        assert!(cx.get::<PassThroughValues>().is_none());
    }

    proptest! {
        #[test]
        fn round_trip(v in "[ -~\t]{0,64}") {
            let p = PassThroughPropagator::new(["x-id"]);
            let cx = p.extract_with_context(&Context::new(), &carrier(&[("x-id", &v)]));
            let mut out = HashMap::new();
            p.inject_context(&cx, &mut out);
            prop_assert_eq!(out.get("x-id"), Some(&v));
        }

        #[test]
        fn never_panics(names in proptest::collection::vec("\\PC{0,12}", 0..5), v in "\\PC{0,40}") {
            let p = PassThroughPropagator::new(&names);
            let pairs: HashMap<String, String> = names.iter().map(|n| (n.to_lowercase(), v.clone())).collect();
            let cx = p.extract_with_context(&Context::new(), &pairs);
            let mut out = HashMap::new();
            p.inject_context(&cx, &mut out);
            prop_assert!(out.len() <= names.len());
        }
    }
}
