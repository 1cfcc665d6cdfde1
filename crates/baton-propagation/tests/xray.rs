//! X-Ray through real `http::HeaderMap`s and against opentelemetry-aws.
#![cfg(feature = "http")]

use baton_propagation::{HeaderExtractor, HeaderInjector, SamplingState, XRayPropagator};
use http::{HeaderMap, HeaderValue};
use opentelemetry::Context;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use proptest::prelude::*;

mod support;

const VALUE: &str = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

fn extract(m: &HeaderMap) -> Context {
    XRayPropagator::default().extract_with_context(&Context::new(), &HeaderExtractor(m))
}

fn inject(cx: &Context) -> HeaderMap {
    let mut m = HeaderMap::new();
    XRayPropagator::default().inject_context(cx, &mut HeaderInjector(&mut m));
    m
}

#[test]
fn header_name_is_case_insensitive_and_value_round_trips() {
    let mut m = HeaderMap::new();
    m.insert(
        http::HeaderName::from_bytes(b"X-Amzn-Trace-Id").unwrap(),
        HeaderValue::from_static(VALUE),
    );
    let cx = extract(&m);
    assert!(cx.span().span_context().is_sampled());
    assert_eq!(inject(&cx)["x-amzn-trace-id"], VALUE);
}

// opentelemetry-aws keeps a deferred decision in TraceFlags 0x02 (the W3C random bit);
// Baton reads its headers and writes ones it reads back.
#[test]
fn interop_with_opentelemetry_aws() {
    let aws = opentelemetry_aws::trace::XrayPropagator::default();
    let cx = aws.extract_with_context(
        &Context::new(),
        &HeaderExtractor(&support::header_map::<&[u8]>(&[(
            "x-amzn-trace-id",
            VALUE.as_bytes(),
        )])),
    );
    let mut m = HeaderMap::new();
    aws.inject_context(&cx, &mut HeaderInjector(&mut m));
    let ours = extract(&m);
    assert_eq!(
        ours.span().span_context().trace_id(),
        cx.span().span_context().trace_id()
    );
    assert!(ours.span().span_context().is_sampled());

    let back = aws.extract_with_context(&Context::new(), &HeaderExtractor(&inject(&ours)));
    assert_eq!(
        back.span().span_context().span_id(),
        cx.span().span_context().span_id()
    );

    let deferred = extract(&support::header_map::<&[u8]>(&[(
        "x-amzn-trace-id",
        b"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?",
    )]));
    assert_eq!(
        SamplingState::from_context(&deferred),
        Some(SamplingState::Defer)
    );
    let theirs = aws.extract_with_context(&Context::new(), &HeaderExtractor(&inject(&deferred)));
    assert_eq!(
        theirs.span().span_context().trace_flags().to_u8(),
        0x02,
        "aws reads our `?` as its deferred flag"
    );
}

#[test]
fn hostile_values_are_rejected() {
    let huge = format!("{VALUE};{}", "Self=x;".repeat(150_000));
    let start = std::time::Instant::now();
    assert!(
        !extract(&support::header_map::<&[u8]>(&[(
            "x-amzn-trace-id",
            huge.as_bytes()
        )]))
        .span()
        .span_context()
        .is_valid()
    );
    assert!(start.elapsed() < std::time::Duration::from_millis(200));
    assert!(
        !extract(&support::header_map::<&[u8]>(&[(
            "x-amzn-trace-id",
            b"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Self=\xff"
        )]))
        .span()
        .span_context()
        .is_valid()
    );
    let members = format!("{VALUE}{}", ";a=b".repeat(40));
    assert!(members.len() <= 256);
    assert!(
        extract(&support::header_map::<&[u8]>(&[(
            "x-amzn-trace-id",
            members.as_bytes()
        )]))
        .span()
        .span_context()
        .is_valid()
    );
}

#[test]
fn propagator_is_default_send_sync_debug_with_cached_fields() {
    support::assert_send_sync_debug::<XRayPropagator>();
    support::assert_send_sync_debug::<baton_propagation::XRayTraceHeader<'static>>();
    let p = XRayPropagator::default();
    support::assert_cached_fields(p);
}

proptest! {
    #[test]
    fn inject_extract_round_trip(t in 1u128.., s in 1u64.., sampled in any::<bool>()) {
        let flags = if sampled { TraceFlags::SAMPLED } else { TraceFlags::NOT_SAMPLED };
        let sc = SpanContext::new(TraceId::from(t), SpanId::from(s), flags, true, TraceState::NONE);
        let m = inject(&Context::new().with_remote_span_context(sc.clone()));
        prop_assert_eq!(extract(&m).span().span_context().clone(), sc);
    }

    #[test]
    fn arbitrary_headers_never_panic(lines in proptest::collection::vec(
        (prop_oneof![Just("x-amzn-trace-id".to_string()), "[a-z-]{1,12}"], proptest::collection::vec(any::<u8>(), 0..300)), 0..6)) {
        let mut m = HeaderMap::new();
        for (k, v) in &lines {
            if let (Ok(k), Ok(v)) = (http::HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_bytes(v)) {
                m.append(k, v);
            }
        }
        let cx = extract(&m);
        let _ = inject(&cx);
    }
}

/// Found by the `xray` fuzz target (`fuzz/regressions/xray/inject-exceeds-max-len`): a header
/// near the 256-byte limit with no `Sampled` field was accepted, then re-injected with
/// `Sampled=?` added, past the limit, so the next hop lost the trace. Inject now keeps only the
/// whole extra fields that fit.
#[test]
fn reinjected_header_never_exceeds_the_limit_the_next_hop_enforces() {
    let root = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8";
    let mut extra = String::new();
    let mut n = 0;
    while root.len() + extra.len() + 12 <= 256 {
        extra.push_str(&format!(";Lineage={n:03}"));
        n += 1;
    }
    let value = format!("{root}{extra}");
    assert!(
        value.len() <= 256 && value.len() > 256 - 12,
        "{}",
        value.len()
    );
    let first = extract(&support::header_map::<&[u8]>(&[(
        "x-amzn-trace-id",
        value.as_bytes(),
    )]));
    assert!(first.span().span_context().is_valid());

    let out = inject(&first);
    let sent = out["x-amzn-trace-id"].to_str().unwrap();
    assert!(
        sent.len() <= 256,
        "re-injected {} bytes: {sent}",
        sent.len()
    );
    assert!(
        sent.contains("Sampled=?") && sent.contains(";Lineage=000"),
        "{sent}"
    );
    let second = extract(&out);
    assert_eq!(
        second.span().span_context(),
        first.span().span_context(),
        "the next hop must see the same trace"
    );
}
