//! The process-wide propagator (its own test binary: it is process-global state).
#![cfg(feature = "http")]

use baton_propagation::{B3Propagator, HeaderInjector, TraceContextPropagator, global};
use opentelemetry::Context;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};

const B3: &str = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1";

#[test]
fn set_is_what_get_returns_and_what_opentelemetry_injects_with() {
    assert!(global::get().is_none(), "nothing set yet");

    global::set(B3Propagator::default());
    let kept = global::get().unwrap();
    let mut inbound = http::HeaderMap::new();
    inbound.insert("b3", B3.parse().unwrap());
    let cx = kept.extract_from(&Context::new(), &inbound);
    assert_eq!(
        cx.span().span_context().trace_id().to_string(),
        "80f198ee56343ba864fe8b2a57d3eff7"
    );

    let sc = SpanContext::new(
        TraceId::from(7),
        SpanId::from(8),
        TraceFlags::SAMPLED,
        false,
        TraceState::NONE,
    );
    let cx = Context::new().with_remote_span_context(sc);
    let mut outbound = http::HeaderMap::new();
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(&cx, &mut HeaderInjector(&mut outbound));
    });
    assert_eq!(
        outbound["b3"],
        "00000000000000000000000000000007-0000000000000008-1"
    );
    assert!(outbound.get("traceparent").is_none());

    // A later `set` replaces it for whoever reads next; what was read before is unchanged.
    global::set(TraceContextPropagator::new());
    let now = global::get().unwrap();
    assert_eq!(
        now.fields().collect::<Vec<_>>(),
        ["traceparent", "tracestate"]
    );
    assert_eq!(kept.fields().collect::<Vec<_>>(), ["b3"]);
}
