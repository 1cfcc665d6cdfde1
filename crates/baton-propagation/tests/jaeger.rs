//! Jaeger through real `http::HeaderMap`s: ids, debug, `uberctx-` baggage, `jaeger-debug-id`.
#![cfg(feature = "http")]

use baton_propagation::{
    HeaderExtractor, HeaderInjector, JaegerDebugId, JaegerPropagator, SamplingState,
};
use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::{Context, StringValue};
use proptest::prelude::*;

mod support;

fn extract(m: &HeaderMap) -> Context {
    JaegerPropagator::default().extract_with_context(&Context::new(), &HeaderExtractor(m))
}

fn inject(cx: &Context) -> HeaderMap {
    let mut m = HeaderMap::new();
    JaegerPropagator::default().inject_context(cx, &mut HeaderInjector(&mut m));
    m
}

#[test]
fn mixed_case_header_names_and_baggage() {
    let cx = extract(&support::header_map::<&[u8]>(&[
        ("Uber-Trace-Id", b"abc%3Adef%3A0%3A3"),
        ("UberCtx-Tenant", b"acme%2Fprod"),
        ("uberctx-x", b"1"),
    ]));
    assert_eq!(SamplingState::from_context(&cx), Some(SamplingState::Debug));
    assert_eq!(
        cx.baggage().get("tenant"),
        Some(&StringValue::from("acme/prod"))
    );
    let out = inject(&cx);
    assert_eq!(
        out["uber-trace-id"],
        "00000000000000000000000000000abc:0000000000000def:0:3"
    );
    assert_eq!(out["uberctx-tenant"], "acme%2Fprod");
    assert_eq!(out["uberctx-x"], "1");
}

#[test]
fn debug_id_alone_is_kept_and_forwarded() {
    let cx = extract(&support::header_map::<&[u8]>(&[(
        "jaeger-debug-id",
        b"trace-me",
    )]));
    assert_eq!(
        JaegerDebugId::from_context(&cx).map(JaegerDebugId::as_str),
        Some("trace-me")
    );
    assert_eq!(inject(&cx)["jaeger-debug-id"], "trace-me");
}

#[test]
fn hostile_input_is_bounded() {
    let huge = vec![b'a'; 1 << 20];
    let mut pairs: Vec<(String, Vec<u8>)> = (0..5_000)
        .map(|i| (format!("uberctx-k{i}"), b"v".to_vec()))
        .collect();
    pairs.push(("uber-trace-id".into(), huge.clone()));
    pairs.push(("uberctx-huge".into(), huge.clone()));
    pairs.push(("uberctx-latin".into(), b"\xe9".to_vec()));
    let borrowed: Vec<(&str, &[u8])> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_slice()))
        .collect();
    let m = support::header_map(&borrowed);
    let start = std::time::Instant::now();
    let cx = extract(&m);
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
    assert!(!cx.span().span_context().is_valid());
    assert!(cx.baggage().len() <= 64);
    assert!(cx.baggage().get("huge").is_none() && cx.baggage().get("latin").is_none());
}

#[test]
fn propagator_is_default_send_sync_debug_with_cached_fields() {
    support::assert_send_sync_debug::<JaegerPropagator>();
    support::assert_send_sync_debug::<baton_propagation::UberTraceId>();
    let p = JaegerPropagator::default();
    support::assert_cached_fields(p);
}

// opentelemetry-java reads `jaeger-baggage: k1=v1, k2=v2`; a hostile one is bounded by the W3C
// baggage limits (8192 bytes checked before parsing, 64 entries) and never panics.
#[test]
fn hostile_jaeger_baggage_header_is_bounded() {
    let huge = "k=v,".repeat(1 << 18);
    let start = std::time::Instant::now();
    let cx = extract(&support::header_map::<&[u8]>(&[(
        "jaeger-baggage",
        huge.as_bytes(),
    )]));
    assert!(cx.baggage().is_empty(), "over 8192 bytes: ignored whole");
    let many: String = (0..2_000).map(|i| format!("k{i}=v,")).collect();
    let many = &many[..8000];
    let cx = extract(&support::header_map::<&[u8]>(&[(
        "jaeger-baggage",
        many.as_bytes(),
    )]));
    assert_eq!(cx.baggage().len(), 64);
    let cx = extract(&support::header_map::<&[u8]>(&[(
        "jaeger-baggage",
        b"=x,a b=1,k\"=2,novalue,good = fine ",
    )]));
    assert_eq!(
        cx.baggage()
            .iter()
            .map(|(k, (v, _))| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>(),
        [("good".to_string(), "fine".to_string())]
    );
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
}

proptest! {
    #[test]
    fn inject_extract_round_trip(t in 1u128.., s in 1u64.., sampled in any::<bool>(), key in "[a-z][a-z0-9_]{0,10}", value in "\\PC{0,16}") {
        let flags = if sampled { TraceFlags::SAMPLED } else { TraceFlags::NOT_SAMPLED };
        let sc = SpanContext::new(TraceId::from(t), SpanId::from(s), flags, true, TraceState::NONE);
        let mut bag = Baggage::new();
        bag.insert(key.clone(), value.clone());
        let m = inject(&Context::new().with_remote_span_context(sc.clone()).with_baggage(bag));
        let back = extract(&m);
        prop_assert_eq!(back.span().span_context().clone(), sc);
        prop_assert_eq!(back.baggage().get(key.as_str()).map(|v| v.as_str().to_owned()), Some(value));
    }

    #[test]
    fn arbitrary_headers_never_panic(lines in proptest::collection::vec(
        (prop_oneof![Just("uber-trace-id".to_string()), Just("jaeger-debug-id".to_string()), Just("jaeger-baggage".to_string()), "uberctx-[a-z]{0,6}", "[a-z-]{1,12}"],
         proptest::collection::vec(any::<u8>(), 0..100)), 0..8)) {
        let mut m = HeaderMap::new();
        for (k, v) in &lines {
            if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_bytes(v)) {
                m.append(k, v);
            }
        }
        let cx = extract(&m);
        let _ = inject(&cx);
    }
}
