//! OT Trace through real `http::HeaderMap`s.
#![cfg(feature = "http")]

use baton_propagation::{HeaderExtractor, HeaderInjector, OtTracePropagator};
use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::{Context, StringValue};
use proptest::prelude::*;

mod support;

fn extract(m: &HeaderMap) -> Context {
    OtTracePropagator::default().extract_with_context(&Context::new(), &HeaderExtractor(m))
}

fn inject(cx: &Context) -> HeaderMap {
    let mut m = HeaderMap::new();
    OtTracePropagator::default().inject_context(cx, &mut HeaderInjector(&mut m));
    m
}

#[test]
fn canonical_case_headers_and_baggage() {
    let m = support::header_map(&[
        ("Ot-Tracer-Traceid", "80f198ee56343ba8"),
        ("Ot-Tracer-Spanid", "e457b5a2e4d86bd1"),
        ("Ot-Tracer-Sampled", "true"),
        ("Ot-Baggage-User", "ann"),
    ]);
    let cx = extract(&m);
    assert!(cx.span().span_context().is_sampled());
    assert_eq!(cx.baggage().get("user"), Some(&StringValue::from("ann")));
    assert_eq!(inject(&cx), m);
}

#[test]
fn hostile_input_is_rejected() {
    let mut m = HeaderMap::new();
    m.insert(
        "ot-tracer-traceid",
        HeaderValue::from_bytes(&vec![b'a'; 1 << 20]).unwrap(),
    );
    m.insert(
        "ot-tracer-spanid",
        HeaderValue::from_static("e457b5a2e4d86bd1"),
    );
    assert!(!extract(&m).span().span_context().is_valid());
    m.insert(
        "ot-tracer-traceid",
        HeaderValue::from_bytes(b"80f198ee56343ba\xe9").unwrap(),
    );
    assert!(!extract(&m).span().span_context().is_valid());

    m.insert(
        "ot-tracer-traceid",
        HeaderValue::from_static("80f198ee56343ba8"),
    );
    for i in 0..10_000 {
        let name = HeaderName::from_bytes(format!("ot-baggage-k{i}").as_bytes()).unwrap();
        m.insert(name, HeaderValue::from_static("v"));
    }
    m.insert(
        "ot-baggage-huge",
        HeaderValue::from_bytes(&vec![b'a'; 1 << 20]).unwrap(),
    );
    let start = std::time::Instant::now();
    let cx = extract(&m);
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
    assert!(cx.span().span_context().is_valid());
    assert!(cx.baggage().len() <= 64, "W3C baggage limit: 64 entries");
    assert!(cx.baggage().get("huge").is_none());
}

#[test]
fn propagator_is_default_send_sync_debug_with_cached_fields() {
    support::assert_send_sync_debug::<OtTracePropagator>();
    support::assert_send_sync_debug::<baton_propagation::OtTraceHeaders>();
    let p = OtTracePropagator::default();
    support::assert_cached_fields(p);
}

proptest! {
    // 64-bit trace ids round-trip; the OT format carries no more.
    #[test]
    fn inject_extract_round_trip(t in 1u64.., s in 1u64.., sampled in any::<bool>(), key in "[a-z]{1,8}", value in "[!-~]{0,16}") {
        let flags = if sampled { TraceFlags::SAMPLED } else { TraceFlags::NOT_SAMPLED };
        let sc = SpanContext::new(TraceId::from(u128::from(t)), SpanId::from(s), flags, true, TraceState::NONE);
        let mut bag = Baggage::new();
        bag.insert(key.clone(), value.clone());
        let back = extract(&inject(&Context::new().with_remote_span_context(sc.clone()).with_baggage(bag)));
        prop_assert_eq!(back.span().span_context().clone(), sc);
        prop_assert_eq!(back.baggage().get(key.as_str()).map(|v| v.as_str().to_owned()), Some(value));
    }

    #[test]
    fn arbitrary_headers_never_panic(lines in proptest::collection::vec(
        (prop_oneof![Just("ot-tracer-traceid".to_string()), Just("ot-tracer-spanid".to_string()), Just("ot-tracer-sampled".to_string()), "ot-baggage-[a-z]{0,5}"],
         proptest::collection::vec(any::<u8>(), 0..40)), 0..8)) {
        let mut m = HeaderMap::new();
        for (k, v) in &lines {
            if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_bytes(v)) {
                m.append(k, v);
            }
        }
        let _ = inject(&extract(&m));
    }
}
