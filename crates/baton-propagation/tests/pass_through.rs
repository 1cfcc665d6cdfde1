//! Pass-through forwarding through real `http::HeaderMap`s, beside a trace propagator.
#![cfg(feature = "http")]

use baton_propagation::{B3Propagator, HeaderExtractor, HeaderInjector, PassThroughPropagator};
use http::{HeaderMap, HeaderValue};
use opentelemetry::Context;
use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use proptest::prelude::*;

mod support;

#[test]
fn a_proxy_forwards_request_ids_and_trace_context() {
    let proxy = TextMapCompositePropagator::new(vec![
        Box::new(B3Propagator::default()),
        Box::new(PassThroughPropagator::new([
            "x-request-id",
            "x-correlation-id",
        ])),
    ]);
    let mut inbound = support::header_map(&[
        ("X-Request-Id", "req-7"),
        ("x-correlation-id", "corr 9"),
        ("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"),
        ("cookie", "secret"),
    ]);
    let cx = proxy.extract_with_context(&Context::new(), &HeaderExtractor(&inbound));
    let mut outbound = HeaderMap::new();
    proxy.inject_context(&cx, &mut HeaderInjector(&mut outbound));
    inbound.remove("cookie");
    assert_eq!(outbound, inbound);
}

#[test]
fn hostile_values_are_not_forwarded() {
    let p = PassThroughPropagator::new(["x-request-id"]);
    for v in [vec![b'a'; 1 << 20], b"\xe9t\xe9".to_vec()] {
        let mut m = HeaderMap::new();
        m.insert("x-request-id", HeaderValue::from_bytes(&v).unwrap());
        let cx = p.extract_with_context(&Context::new(), &HeaderExtractor(&m));
        assert_eq!(PassThroughPropagator::value(&cx, "x-request-id"), None);
    }
}

#[test]
fn propagator_is_default_send_sync_debug_with_cached_fields() {
    support::assert_send_sync_debug::<PassThroughPropagator>();
    assert_eq!(PassThroughPropagator::default().fields().count(), 0);
    let p = PassThroughPropagator::new(["x-request-id"]);
    assert_eq!(p.fields().count(), 1);
    support::assert_cached_fields(p);
}

proptest! {
    #[test]
    fn values_are_forwarded_verbatim(v in "[!-~][ -~]{0,62}[!-~]") {
        let p = PassThroughPropagator::new(["x-request-id"]);
        let mut m = HeaderMap::new();
        m.insert("x-request-id", HeaderValue::from_str(&v).unwrap());
        let cx = p.extract_with_context(&Context::new(), &HeaderExtractor(&m));
        let mut out = HeaderMap::new();
        p.inject_context(&cx, &mut HeaderInjector(&mut out));
        prop_assert_eq!(out, m);
    }
}
