//! Helpers shared by the integration tests.

use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::propagation::TextMapPropagator;

/// Compiles only for types that may cross tasks and be printed.
pub(crate) fn assert_send_sync_debug<T: Send + Sync + std::fmt::Debug + 'static>() {}

/// What every Baton propagator promises: it can be boxed as a shared `dyn TextMapPropagator`,
/// and `fields()` hands out the same cached strings on every call (no allocation per call).
pub(crate) fn assert_cached_fields<P: TextMapPropagator + Send + Sync + 'static>(p: P) {
    let a: Vec<*const u8> = p.fields().map(str::as_ptr).collect();
    let b: Vec<*const u8> = p.fields().map(str::as_ptr).collect();
    assert_eq!(a, b, "fields() hands out the same cached strings");
    let _: Box<dyn TextMapPropagator + Send + Sync> = Box::new(p);
}

/// A header map with one line per pair, in order (a repeated name gets several lines). Names
/// are lower-cased by `http`; values are raw bytes, so tests can hand over bytes a
/// `HeaderValue` holds but `to_str` refuses.
pub(crate) fn header_map<V: AsRef<[u8]>>(pairs: &[(&str, V)]) -> HeaderMap {
    let mut m = HeaderMap::new();
    for (name, value) in pairs {
        m.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_bytes(value.as_ref()).unwrap(),
        );
    }
    m
}
