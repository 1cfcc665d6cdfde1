//! B3 through real `http::HeaderMap`s, with Baton's carrier and opentelemetry-http's, and
//! against opentelemetry-zipkin's B3 propagator.
#![cfg(feature = "http")]

use baton_propagation::{
    B3Encoding, B3Propagator, HeaderExtractor, HeaderInjector, JaegerPropagator, SamplingState,
};
use http::{HeaderMap, HeaderValue};
use opentelemetry::Context;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use proptest::prelude::*;

mod support;

const TRACE: &str = "80f198ee56343ba864fe8b2a57d3eff7";
const SPAN: &str = "e457b5a2e4d86bd1";

fn extract(p: &B3Propagator, m: &HeaderMap) -> Context {
    p.extract_with_context(&Context::new(), &HeaderExtractor(m))
}

fn inject(p: &B3Propagator, cx: &Context) -> HeaderMap {
    let mut m = HeaderMap::new();
    p.inject_context(cx, &mut HeaderInjector(&mut m));
    m
}

#[test]
fn default_is_single_header_per_otel_b3_requirements() {
    assert_eq!(B3Propagator::default().encoding(), B3Encoding::SingleHeader);
    let cx = extract(
        &B3Propagator::default(),
        &support::header_map(&[
            ("X-B3-TraceId", TRACE),
            ("X-B3-SpanId", SPAN),
            ("X-B3-Sampled", "1"),
        ]),
    );
    let out = inject(&B3Propagator::default(), &cx);
    assert_eq!(out.len(), 1);
    assert_eq!(out["b3"], format!("{TRACE}-{SPAN}-1").as_str());
}

#[test]
fn multi_header_names_are_case_insensitive_through_headermap() {
    let cx = extract(
        &B3Propagator::default(),
        &support::header_map(&[
            ("X-B3-TRACEID", TRACE),
            ("x-b3-SpanId", SPAN),
            ("X-B3-FLAGS", "1"),
        ]),
    );
    assert!(cx.span().span_context().is_sampled());
    assert_eq!(SamplingState::from_context(&cx), Some(SamplingState::Debug));
}

// OTel Get "MUST return the first value": with duplicates the first line is used.
#[test]
fn duplicate_lines_use_the_first() {
    let cx = extract(
        &B3Propagator::default(),
        &support::header_map(&[("b3", format!("{TRACE}-{SPAN}-0").as_str()), ("b3", "1")]),
    );
    assert_eq!(cx.span().span_context().span_id().to_string(), SPAN);
    assert!(!cx.span().span_context().is_sampled());
}

#[test]
fn opentelemetry_http_carrier_works_too() {
    let mut m = HeaderMap::new();
    m.insert(
        "b3",
        HeaderValue::from_str(&format!("{TRACE}-{SPAN}-d")).unwrap(),
    );
    let cx = B3Propagator::default().extract(&opentelemetry_http::HeaderExtractor(&m));
    let mut out = HeaderMap::new();
    B3Propagator::with_encoding(B3Encoding::MultipleHeader)
        .inject_context(&cx, &mut opentelemetry_http::HeaderInjector(&mut out));
    assert_eq!(out["x-b3-flags"], "1");
    assert!(out.get("x-b3-sampled").is_none());
}

// opentelemetry-zipkin writes the debug flag into TraceFlags 0x02, the W3C random bit; Baton
// reads what it writes, and never writes 0x02 itself.
#[test]
#[allow(deprecated)] // the anchor crate is deprecated as an exporter, not as a propagator
fn interop_with_opentelemetry_zipkin() {
    let zipkin = opentelemetry_zipkin::Propagator::with_encoding(
        opentelemetry_zipkin::B3Encoding::SingleAndMultiHeader,
    );
    let sc = SpanContext::new(
        TraceId::from_hex(TRACE).unwrap(),
        SpanId::from_hex(SPAN).unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    );
    let mut m = HeaderMap::new();
    zipkin.inject_context(
        &Context::new().with_remote_span_context(sc.clone()),
        &mut HeaderInjector(&mut m),
    );
    let cx = extract(&B3Propagator::default(), &m);
    assert_eq!(cx.span().span_context(), &sc);

    let out = inject(
        &B3Propagator::with_encoding(B3Encoding::SingleAndMultiHeader),
        &cx,
    );
    let back = zipkin.extract_with_context(&Context::new(), &HeaderExtractor(&out));
    assert_eq!(back.span().span_context().trace_id(), sc.trace_id());
    assert!(back.span().span_context().is_sampled());
}

// B3 debug and Jaeger debug are one state: a B3 `d` leaves as Jaeger flags 3.
#[test]
fn debug_crosses_from_b3_to_jaeger() {
    let cx = extract(
        &B3Propagator::default(),
        &support::header_map(&[("b3", &format!("{TRACE}-{SPAN}-d"))]),
    );
    let mut out = HeaderMap::new();
    JaegerPropagator::default().inject_context(&cx, &mut HeaderInjector(&mut out));
    assert_eq!(out["uber-trace-id"], format!("{TRACE}:{SPAN}:0:3").as_str());
}

#[test]
fn hostile_values_give_no_context_quickly() {
    let huge = "a".repeat(1 << 20);
    let start = std::time::Instant::now();
    for (k, v) in [
        ("b3", huge.as_str()),
        ("x-b3-traceid", huge.as_str()),
        ("x-b3-sampled", huge.as_str()),
        ("x-b3-flags", huge.as_str()),
    ] {
        let cx = extract(
            &B3Propagator::default(),
            &support::header_map(&[(k, v), ("x-b3-spanid", SPAN)]),
        );
        assert!(!cx.span().span_context().is_valid());
    }
    assert!(start.elapsed() < std::time::Duration::from_secs(1));
    let mut m = HeaderMap::new();
    m.insert("b3", HeaderValue::from_bytes(b"\xff\xfe-a\t").unwrap());
    m.append("x-b3-traceid", HeaderValue::from_bytes(b"\x80").unwrap());
    assert!(
        !extract(&B3Propagator::default(), &m)
            .span()
            .span_context()
            .is_valid()
    );
}

#[test]
fn propagator_is_default_send_sync_debug_with_cached_fields() {
    support::assert_send_sync_debug::<B3Propagator>();
    support::assert_send_sync_debug::<baton_propagation::B3Headers>();
    let p = B3Propagator::default();
    support::assert_cached_fields(p);
}

proptest! {
    #[test]
    fn inject_extract_round_trip(t in 1u128.., s in 1u64.., sampled in any::<bool>(), enc in 0usize..3) {
        let enc = [B3Encoding::SingleHeader, B3Encoding::MultipleHeader, B3Encoding::SingleAndMultiHeader][enc];
        let flags = if sampled { TraceFlags::SAMPLED } else { TraceFlags::NOT_SAMPLED };
        let sc = SpanContext::new(TraceId::from(t), SpanId::from(s), flags, true, TraceState::NONE);
        let p = B3Propagator::with_encoding(enc);
        let m = inject(&p, &Context::new().with_remote_span_context(sc.clone()));
        prop_assert_eq!(extract(&p, &m).span().span_context().clone(), sc);
    }

    #[test]
    fn arbitrary_headers_never_panic(
        lines in proptest::collection::vec(
            (prop_oneof![Just("b3".to_string()), Just("x-b3-traceid".to_string()), Just("x-b3-spanid".to_string()),
                Just("x-b3-sampled".to_string()), Just("x-b3-flags".to_string()), Just("x-b3-parentspanid".to_string()), "[a-z-]{1,12}"],
             proptest::collection::vec(any::<u8>(), 0..80)),
            0..8)
    ) {
        let mut m = HeaderMap::new();
        for (k, v) in &lines {
            if let (Ok(k), Ok(v)) = (http::HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_bytes(v)) {
                m.append(k, v);
            }
        }
        for enc in [B3Encoding::SingleHeader, B3Encoding::SingleAndMultiHeader] {
            let p = B3Propagator::with_encoding(enc);
            let cx = extract(&p, &m);
            let _ = inject(&p, &cx);
        }
    }
}
