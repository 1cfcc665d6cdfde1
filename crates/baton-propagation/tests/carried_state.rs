//! State a format carries beyond the span context (B3 and Jaeger debug, a deferred decision, a
//! Jaeger debug id, Datadog's priority, origin and tags, X-Ray's extra fields) stays with the
//! trace it arrived on: re-emitted for that span context, kept by a local child of the same
//! trace (all of it is trace-level, but X-Ray's `Self`, which names one hop), and never sent
//! for a new root or an unrelated trace made current over the extracted context.

use std::collections::HashMap;

use baton_propagation::{
    B3Encoding, B3Propagator, DatadogPropagator, JaegerDebugId, JaegerPropagator, SamplingState,
    XRayPropagator, from_list,
};
use opentelemetry::Context;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, Tracer, TracerProvider,
};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

/// The extracted trace: 64 bits, so that every format (Datadog's decimal ids too) can carry it.
const TRACE: &str = "000000000000000064fe8b2a57d3eff7";
const SPAN: &str = "48485a3953bb6124";
const DD_TRACE: &str = "7277407061855694839";
const DD_SPAN: &str = "5208512171318403364";

/// Through opentelemetry's `HashMap` carrier, so that the file needs no feature of the crate:
/// what is kept does not depend on the carrier.
fn extract(p: &dyn TextMapPropagator, pairs: &[(&str, &str)]) -> Context {
    let headers: HashMap<String, String> = pairs
        .iter()
        .map(|&(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    p.extract_with_context(&Context::new(), &headers)
}

fn inject(p: &dyn TextMapPropagator, cx: &Context) -> HashMap<String, String> {
    let mut out = HashMap::new();
    p.inject_context(cx, &mut out);
    out
}

/// The trace and span ids of `cx`'s span context, in hex.
fn ids(cx: &Context) -> (String, String) {
    let span = cx.span();
    let sc = span.span_context();
    (sc.trace_id().to_string(), sc.span_id().to_string())
}

fn tracer() -> SdkTracer {
    SdkTracerProvider::builder().build().tracer("carried_state")
}

/// `cx` with a span of the SDK's current as its child: same trace, a new span id, sampled as
/// its parent (the SDK's default sampler follows the parent).
fn local_child(cx: &Context) -> Context {
    let child = cx.with_span(tracer().start_with_context("child", cx));
    let ((t, s), (parent_t, parent_s)) = (ids(&child), ids(cx));
    assert!(t == parent_t && s != parent_s, "a child of the same trace");
    child
}

/// `cx`, every extracted value still in it, with a new sampled root span of the SDK current.
fn new_root(cx: &Context) -> Context {
    let root = cx.with_span(tracer().start_with_context("root", &Context::new()));
    assert!(root.span().span_context().is_sampled());
    assert_ne!(ids(&root).0, ids(cx).0, "a new trace");
    root
}

/// `cx` with a remote span context of another trace made current over it.
fn unrelated(cx: &Context, sampled: bool) -> Context {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::NOT_SAMPLED
    };
    cx.with_remote_span_context(SpanContext::new(
        TraceId::from(0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c),
        SpanId::from(0xb7ad_6b71_6920_3331),
        flags,
        true,
        TraceState::NONE,
    ))
}

#[test]
fn b3_single_debug_is_trace_level() {
    let p = B3Propagator::default();
    let cx = extract(&p, &[("b3", &format!("{TRACE}-{SPAN}-d"))]);
    assert_eq!(inject(&p, &cx)["b3"], format!("{TRACE}-{SPAN}-d"));

    let child = local_child(&cx);
    assert_eq!(
        SamplingState::from_context(&child),
        Some(SamplingState::Debug)
    );
    assert_eq!(
        inject(&p, &child)["b3"],
        format!("{TRACE}-{}-d", ids(&child).1)
    );

    for other in [new_root(&cx), unrelated(&cx, true)] {
        assert_eq!(SamplingState::from_context(&other), None);
        let (t, s) = ids(&other);
        assert_eq!(inject(&p, &other)["b3"], format!("{t}-{s}-1"));
    }
}

#[test]
fn b3_multi_debug_flag_is_trace_level() {
    let p = B3Propagator::with_encoding(B3Encoding::MultipleHeader);
    let cx = extract(
        &p,
        &[
            ("x-b3-traceid", TRACE),
            ("x-b3-spanid", SPAN),
            ("x-b3-flags", "1"),
        ],
    );
    for same_trace in [cx.clone(), local_child(&cx)] {
        let out = inject(&p, &same_trace);
        assert_eq!(out.get("x-b3-flags").map(String::as_str), Some("1"));
        assert!(!out.contains_key("x-b3-sampled"));
    }
    for other in [new_root(&cx), unrelated(&cx, true)] {
        let out = inject(&p, &other);
        assert!(!out.contains_key("x-b3-flags"), "{out:?}");
        assert_eq!(out["x-b3-sampled"], "1");
    }
}

// B3: an absent sampling state defers the decision; that too is the sending trace's business.
#[test]
fn b3_deferred_decision_is_trace_level() {
    let p = B3Propagator::default();
    let cx = extract(&p, &[("x-b3-traceid", TRACE), ("x-b3-spanid", SPAN)]);
    assert_eq!(inject(&p, &cx)["b3"], format!("{TRACE}-{SPAN}"));
    let child = local_child(&cx);
    assert!(!child.span().span_context().is_sampled());
    assert_eq!(
        inject(&p, &child)["b3"],
        format!("{TRACE}-{}", ids(&child).1)
    );

    let other = unrelated(&cx, false);
    let (t, s) = ids(&other);
    assert_eq!(inject(&p, &other)["b3"], format!("{t}-{s}-0"));
}

// A sampling-only `b3: d` has no trace: it goes on while no span is current, and a root the
// server starts under it does not inherit it.
#[test]
fn b3_sampling_only_debug_stays_without_a_trace() {
    let p = B3Propagator::default();
    let cx = extract(&p, &[("b3", "d")]);
    assert_eq!(inject(&p, &cx)["b3"], "d");
    let root = new_root(&cx);
    assert_eq!(SamplingState::from_context(&root), None);
    let (t, s) = ids(&root);
    assert_eq!(inject(&p, &root)["b3"], format!("{t}-{s}-1"));
}

#[test]
fn jaeger_debug_flag_is_trace_level() {
    let p = JaegerPropagator::default();
    let cx = extract(&p, &[("uber-trace-id", &format!("{TRACE}:{SPAN}:0:3"))]);
    assert_eq!(
        inject(&p, &cx)["uber-trace-id"],
        format!("{TRACE}:{SPAN}:0:3")
    );
    let child = local_child(&cx);
    assert_eq!(
        inject(&p, &child)["uber-trace-id"],
        format!("{TRACE}:{}:0:3", ids(&child).1)
    );
    for other in [new_root(&cx), unrelated(&cx, true)] {
        let (t, s) = ids(&other);
        assert_eq!(inject(&p, &other)["uber-trace-id"], format!("{t}:{s}:0:1"));
    }
}

// `jaeger-debug-id` arrives without a trace and asks the receiver to start a debug trace: it is
// forwarded while no span is current, and the root a server starts carries it only when the
// layer honouring it says so.
#[test]
fn jaeger_debug_id_stays_without_a_trace() {
    let p = JaegerPropagator::default();
    let cx = extract(&p, &[("jaeger-debug-id", "req-42")]);
    assert_eq!(inject(&p, &cx)["jaeger-debug-id"], "req-42");

    let root = new_root(&cx);
    assert!(JaegerDebugId::from_context(&root).is_none());
    assert_eq!(SamplingState::from_context(&root), None);
    let out = inject(&p, &root);
    assert!(!out.contains_key("jaeger-debug-id"), "{out:?}");
    let (t, s) = ids(&root);
    assert_eq!(out["uber-trace-id"], format!("{t}:{s}:0:1"));

    let honoured = SamplingState::Debug.to_context(&root);
    assert_eq!(
        inject(&p, &honoured)["uber-trace-id"],
        format!("{t}:{s}:0:3")
    );
}

#[test]
fn datadog_priority_origin_and_tags_are_trace_level() {
    let p = DatadogPropagator::default();
    let cx = extract(
        &p,
        &[
            ("x-datadog-trace-id", DD_TRACE),
            ("x-datadog-parent-id", DD_SPAN),
            ("x-datadog-sampling-priority", "2"),
            ("x-datadog-origin", "synthetics"),
            ("x-datadog-tags", "_dd.p.dm=-4,_dd.p.usr.id=abc"),
        ],
    );
    for same_trace in [cx.clone(), local_child(&cx)] {
        let out = inject(&p, &same_trace);
        assert_eq!(out["x-datadog-trace-id"], DD_TRACE);
        assert_eq!(out["x-datadog-sampling-priority"], "2");
        assert_eq!(out["x-datadog-origin"], "synthetics");
        assert_eq!(out["x-datadog-tags"], "_dd.p.dm=-4,_dd.p.usr.id=abc");
    }
    for other in [new_root(&cx), unrelated(&cx, true)] {
        let out = inject(&p, &other);
        assert_eq!(out["x-datadog-sampling-priority"], "1");
        assert!(!out.contains_key("x-datadog-origin"), "{out:?}");
        // Only the 128-bit trace id's own upper half, never the extracted trace's tags.
        let tags = out.get("x-datadog-tags").map_or("", String::as_str);
        assert!(tags.is_empty() || tags.starts_with("_dd.p.tid="), "{out:?}");
    }
}

// A priority received without a decision (absent) defers; another trace gets its own flag's.
#[test]
fn datadog_absent_priority_is_trace_level() {
    let p = DatadogPropagator::default();
    let cx = extract(
        &p,
        &[
            ("x-datadog-trace-id", DD_TRACE),
            ("x-datadog-parent-id", DD_SPAN),
        ],
    );
    assert!(!inject(&p, &cx).contains_key("x-datadog-sampling-priority"));
    assert!(!inject(&p, &local_child(&cx)).contains_key("x-datadog-sampling-priority"));
    assert_eq!(
        inject(&p, &unrelated(&cx, false))["x-datadog-sampling-priority"],
        "0"
    );
}

#[test]
fn xray_extra_fields_are_trace_level_and_self_is_the_span_s() {
    let p = XRayPropagator::default();
    let root = "Root=1-5759e988-bd862e3fe1be46a994272793";
    let extra = "Self=1-67891233-12456789abcdef012345678;Lineage=a87bd80c:1;CalledFrom=app";
    let header = format!("{root};Parent=53995c3f42cd8ad8;Sampled=1;{extra}");
    let cx = extract(&p, &[("x-amzn-trace-id", &header)]);
    assert_eq!(inject(&p, &cx)["x-amzn-trace-id"], header);

    let child = local_child(&cx);
    assert_eq!(
        inject(&p, &child)["x-amzn-trace-id"],
        format!(
            "{root};Parent={};Sampled=1;Lineage=a87bd80c:1;CalledFrom=app",
            ids(&child).1
        )
    );
    for other in [new_root(&cx), unrelated(&cx, true)] {
        let (t, s) = ids(&other);
        assert_eq!(
            inject(&p, &other)["x-amzn-trace-id"],
            format!("Root=1-{}-{};Parent={s};Sampled=1", &t[..8], &t[8..])
        );
    }
}

#[test]
fn xray_deferred_decision_is_trace_level() {
    let p = XRayPropagator::default();
    let root = "Root=1-5759e988-bd862e3fe1be46a994272793";
    let cx = extract(
        &p,
        &[(
            "x-amzn-trace-id",
            &format!("{root};Parent=53995c3f42cd8ad8;Sampled=?"),
        )],
    );
    let child = local_child(&cx);
    assert_eq!(
        inject(&p, &child)["x-amzn-trace-id"],
        format!("{root};Parent={};Sampled=?", ids(&child).1)
    );
    let other = unrelated(&cx, false);
    assert!(inject(&p, &other)["x-amzn-trace-id"].ends_with(";Sampled=0"));
}

fn composite_headers() -> Vec<(&'static str, String)> {
    vec![
        ("b3", format!("{TRACE}-{SPAN}-d")),
        ("uber-trace-id", format!("{TRACE}:{SPAN}:0:3")),
        ("x-datadog-trace-id", DD_TRACE.into()),
        ("x-datadog-parent-id", DD_SPAN.into()),
        ("x-datadog-sampling-priority", "2".into()),
        ("x-datadog-origin", "rum".into()),
        ("x-datadog-tags", "_dd.p.dm=-4".into()),
    ]
}

fn assert_debug_and_datadog_state(out: &HashMap<String, String>, kept: bool) {
    assert_eq!(out["b3"].ends_with("-d"), kept, "{out:?}");
    assert_eq!(out["uber-trace-id"].ends_with(":3"), kept, "{out:?}");
    let dd = (
        out["x-datadog-sampling-priority"].as_str(),
        out.get("x-datadog-origin").map(String::as_str),
        out.get("x-datadog-tags")
            .is_some_and(|t| t.contains("_dd.p.dm")),
    );
    let want = if kept {
        ("2", Some("rum"), true)
    } else {
        ("1", None, false)
    };
    assert_eq!(dd, want, "{out:?}");
}

#[test]
fn composite_keeps_every_format_s_state_with_its_trace() {
    let p = from_list("b3,jaeger,datadog").unwrap();
    let pairs = composite_headers();
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let cx = extract(&p, &pairs);
    assert_eq!(ids(&cx), (TRACE.to_owned(), SPAN.to_owned()));
    assert_debug_and_datadog_state(&inject(&p, &cx), true);
    assert_debug_and_datadog_state(&inject(&p, &local_child(&cx)), true);
    assert_debug_and_datadog_state(&inject(&p, &new_root(&cx)), false);
    assert_debug_and_datadog_state(&inject(&p, &unrelated(&cx, true)), false);
}

// Formats of one request that disagree on the trace: the last one's span context wins, and B3's
// debug, which came with the other trace, is not sent for it.
#[test]
fn composite_drops_state_of_a_trace_a_later_format_replaced() {
    let p = from_list("b3,datadog").unwrap();
    let cx = extract(
        &p,
        &[
            ("b3", "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-d"),
            ("x-datadog-trace-id", DD_TRACE),
            ("x-datadog-parent-id", DD_SPAN),
            ("x-datadog-sampling-priority", "1"),
        ],
    );
    assert_eq!(ids(&cx).0, TRACE);
    assert_eq!(SamplingState::from_context(&cx), None);
    assert_eq!(inject(&p, &cx)["b3"], format!("{TRACE}-{SPAN}-1"));
}
