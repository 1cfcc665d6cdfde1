//! Datadog through real `http::HeaderMap`s.
#![cfg(feature = "http")]

use baton_propagation::{DatadogPropagator, HeaderExtractor, HeaderInjector};
use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::Context;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use proptest::prelude::*;

mod support;

fn extract(m: &HeaderMap) -> Context {
    DatadogPropagator::default().extract_with_context(&Context::new(), &HeaderExtractor(m))
}

fn inject(cx: &Context) -> HeaderMap {
    let mut m = HeaderMap::new();
    DatadogPropagator::default().inject_context(cx, &mut HeaderInjector(&mut m));
    m
}

// The dd-trace docs' 128-bit example: `_dd.p.tid` carries the high 64 bits.
#[test]
fn full_header_set_round_trips() {
    let m = support::header_map::<&[u8]>(&[
        ("x-datadog-trace-id", b"7277407061855694839"),
        ("x-datadog-parent-id", b"5208512171318403364"),
        ("x-datadog-sampling-priority", b"2"),
        ("x-datadog-origin", b"synthetics"),
        ("x-datadog-tags", b"_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000"),
    ]);
    let cx = extract(&m);
    assert_eq!(
        cx.span().span_context().trace_id().to_string(),
        "640cfd8d0000000064fe8b2a57d3eff7"
    );
    let out = inject(&cx);
    for name in [
        "x-datadog-trace-id",
        "x-datadog-parent-id",
        "x-datadog-sampling-priority",
        "x-datadog-origin",
    ] {
        assert_eq!(out[name], m[name], "{name}");
    }
    assert_eq!(
        out["x-datadog-tags"],
        "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000"
    );
}

// dd-trace: a negative priority (user reject, -1) is not sampled and is re-emitted exactly; ids
// at the edges of u64 survive the decimal formatting.
#[test]
fn negative_priority_and_extreme_ids_round_trip() {
    for (trace, parent, priority) in [
        ("18446744073709551615", "1", "-1"),
        ("1", "18446744073709551615", "0"),
        ("10000000000000000000", "9", "-2147483648"),
    ] {
        let m = support::header_map::<&[u8]>(&[
            ("x-datadog-trace-id", trace.as_bytes()),
            ("x-datadog-parent-id", parent.as_bytes()),
            ("x-datadog-sampling-priority", priority.as_bytes()),
        ]);
        let cx = extract(&m);
        assert!(!cx.span().span_context().is_sampled(), "{priority}");
        let out = inject(&cx);
        assert_eq!(out["x-datadog-trace-id"], trace);
        assert_eq!(out["x-datadog-parent-id"], parent);
        assert_eq!(out["x-datadog-sampling-priority"], priority);
    }
}

#[test]
fn hostile_input_is_bounded() {
    let huge = vec![b'1'; 1 << 20];
    assert!(
        !extract(&support::header_map::<&[u8]>(&[
            ("x-datadog-trace-id", &huge),
            ("x-datadog-parent-id", b"1")
        ]))
        .span()
        .span_context()
        .is_valid()
    );
    let tags = "_dd.p.a=b,".repeat(100_000);
    let cx = extract(&support::header_map::<&[u8]>(&[
        ("x-datadog-trace-id", b"1"),
        ("x-datadog-parent-id", b"2"),
        ("x-datadog-tags", tags.as_bytes()),
    ]));
    assert!(cx.span().span_context().is_valid());
    assert!(inject(&cx).get("x-datadog-tags").is_none());
    assert!(
        !extract(&support::header_map::<&[u8]>(&[
            ("x-datadog-trace-id", b"1\xe9"),
            ("x-datadog-parent-id", b"2")
        ]))
        .span()
        .span_context()
        .is_valid()
    );
}

#[test]
fn propagator_is_default_send_sync_debug_with_cached_fields() {
    support::assert_send_sync_debug::<DatadogPropagator>();
    support::assert_send_sync_debug::<baton_propagation::DatadogHeaders<'static>>();
    let p = DatadogPropagator::default();
    support::assert_cached_fields(p);
}

proptest! {
    #[test]
    fn inject_extract_round_trip(t in 1u128.., s in 1u64.., sampled in any::<bool>()) {
        prop_assume!(t as u64 != 0);
        let flags = if sampled { TraceFlags::SAMPLED } else { TraceFlags::NOT_SAMPLED };
        let sc = SpanContext::new(TraceId::from(t), SpanId::from(s), flags, true, TraceState::NONE);
        prop_assert_eq!(extract(&inject(&Context::new().with_remote_span_context(sc.clone()))).span().span_context().clone(), sc);
    }

    #[test]
    fn arbitrary_headers_never_panic(lines in proptest::collection::vec(
        (prop_oneof![Just("x-datadog-trace-id".to_string()), Just("x-datadog-parent-id".to_string()), Just("x-datadog-sampling-priority".to_string()),
            Just("x-datadog-origin".to_string()), Just("x-datadog-tags".to_string())],
         proptest::collection::vec(any::<u8>(), 0..60)), 0..8)) {
        let mut m = HeaderMap::new();
        for (k, v) in &lines {
            if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_bytes(v)) {
                m.append(k, v);
            }
        }
        let _ = inject(&extract(&m));
    }
}
