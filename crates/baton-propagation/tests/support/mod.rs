//! Helpers shared by the integration tests.

use baton_propagation::{HeaderInjector, Propagator};
use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::Context;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, TraceContextExt};

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

/// What an extract found: the span context, the baggage (sorted), and the headers inject
/// writes back from it (sorted, and the members of `baggage` too), which carry any per-format state kept in the context.
#[allow(dead_code)] // Only the carrier tests compare extracts.
pub(crate) type Seen = (SpanContext, Vec<(String, String)>, Vec<(String, String)>);

#[allow(dead_code)]
pub(crate) fn seen(p: &dyn Propagator, cx: &Context) -> Seen {
    let mut baggage: Vec<(String, String)> = cx
        .baggage()
        .iter()
        .map(|(k, (v, _))| (k.to_string(), v.to_string()))
        .collect();
    baggage.sort();
    let mut out = HeaderMap::new();
    p.inject_context(cx, &mut HeaderInjector(&mut out));
    let mut injected: Vec<(String, String)> = out
        .iter()
        .map(|(k, v)| {
            let mut v = v.to_str().unwrap().to_owned();
            // `Baggage` is a `HashMap`: members Baton did not read from a `baggage` header (so
            // kept no order for) come out in any order.
            if k == "baggage" {
                let mut members: Vec<&str> = v.split(',').collect();
                members.sort_unstable();
                v = members.join(",");
            }
            (k.to_string(), v)
        })
        .collect();
    injected.sort();
    (cx.span().span_context().clone(), baggage, injected)
}
