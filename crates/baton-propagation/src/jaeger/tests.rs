use std::collections::HashMap;

use opentelemetry::StringValue;
use opentelemetry::baggage::Baggage;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
use proptest::prelude::*;

use super::uber_trace_id::*;
use super::*;
use crate::error::ErrorKind;

fn headers(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn extract(pairs: &[(&str, &str)]) -> Context {
    JaegerPropagator::default().extract_with_context(&Context::new(), &headers(pairs))
}

fn inject(cx: &Context) -> HashMap<String, String> {
    let mut out = HashMap::new();
    JaegerPropagator::default().inject_context(cx, &mut out);
    out
}

// Jaeger docs, "Trace/Span Identity": receivers MUST accept hex shorter than 32/16 characters and
// 0-pad them on the left; the parent id is deprecated and 0 is valid; flags are one or two hex digits.
#[test]
fn spec_rules_table() {
    let ok: &[(&str, u128, u64, u8)] = &[
        (
            "6e0c63257de34c92:6e0c63257de34c92:0:1",
            0x6e0c63257de34c92,
            0x6e0c63257de34c92,
            1,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7:e457b5a2e4d86bd1:05e3ac9a4f6e3b90:01",
            0x80f198ee56343ba864fe8b2a57d3eff7,
            0xe457b5a2e4d86bd1,
            1,
        ),
        ("1:2:0:0", 1, 2, 0),
        ("abc:def:123:3", 0xabc, 0xdef, 3),
        ("abc%3Adef%3A0%3A1", 0xabc, 0xdef, 1),
        ("abc%3adef%3a0%3a1", 0xabc, 0xdef, 1),
        ("1:2:0:ff", 1, 2, 0xff),
        // opentelemetry-go-contrib "ignore parent span id": the deprecated part is not read.
        ("1:2:whatever:1", 1, 2, 1),
        ("1:2::1", 1, 2, 1),
    ];
    for &(v, t, s, f) in ok {
        let id = UberTraceId::parse(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert_eq!((id.trace_id, id.span_id, id.flags), (t, s, f), "{v}");
    }
    let bad: &[(&str, ErrorKind)] = &[
        ("", ErrorKind::Empty),
        ("0:2:0:1", ErrorKind::InvalidId),
        ("1:0:0:1", ErrorKind::InvalidId),
        ("1:2:0", ErrorKind::Malformed),
        ("1:2:0:1:5", ErrorKind::Malformed),
        ("1::0:1", ErrorKind::Malformed),
        ("1:2:0:", ErrorKind::Malformed),
        ("1:2:0:100", ErrorKind::Malformed),
        ("1:2:0:x", ErrorKind::Malformed),
        ("ABC:2:0:1", ErrorKind::Malformed),
        (
            "180f198ee56343ba864fe8b2a57d3eff7:2:0:1",
            ErrorKind::Malformed,
        ),
        ("1:1e457b5a2e4d86bd1:0:1", ErrorKind::Malformed),
        (" 1:2:0:1", ErrorKind::Malformed),
        ("1%3B2:0:1", ErrorKind::Malformed),
        ("1%3:2:0:1", ErrorKind::Malformed),
    ];
    for &(v, kind) in bad {
        let err = UberTraceId::parse(v).expect_err(v);
        assert_eq!(err.kind(), kind, "{v}: {err}");
    }
    let huge = "1".repeat(1 << 20);
    assert_eq!(
        UberTraceId::parse(&huge).unwrap_err().kind(),
        ErrorKind::TooLong
    );
}

// Jaeger docs: debug (0x02) "should only be set when the sampled flag is set"; it goes to
// SamplingState::Debug, never to TraceFlags 0x02 (the W3C random bit), and is re-emitted.
#[test]
fn debug_flag_round_trips_without_touching_the_random_bit() {
    let cx = extract(&[("uber-trace-id", "abc:def:0:3")]);
    assert_eq!(cx.span().span_context().trace_flags().to_u8(), 0x01);
    assert_eq!(SamplingState::from_context(&cx), Some(SamplingState::Debug));
    assert_eq!(
        inject(&cx)["uber-trace-id"],
        "00000000000000000000000000000abc:0000000000000def:0:3"
    );

    let cx = extract(&[("uber-trace-id", "abc:def:0:2")]);
    assert!(!cx.span().span_context().is_sampled());
    assert_eq!(
        inject(&cx)["uber-trace-id"],
        "00000000000000000000000000000abc:0000000000000def:0:0"
    );
}

#[test]
fn parent_id_is_sent_as_deprecated_zero() {
    let cx = extract(&[("uber-trace-id", "abc:def:123:1")]);
    assert!(inject(&cx)["uber-trace-id"].ends_with(":0:1"));
}

// Jaeger docs: `uberctx-{baggage-key}: {baggage-value}`, the value url-encoded.
#[test]
fn uberctx_baggage_both_directions() {
    let cx = extract(&[
        ("uber-trace-id", "abc:def:0:1"),
        ("uberctx-user", "ann%20lee"),
        ("uberctx-plan", "gold+tier"),
        ("uberctx-bad", "%zz"),
        ("uberctx-", "no key"),
        ("other", "x"),
    ]);
    let b = cx.baggage();
    assert_eq!(b.get("user"), Some(&StringValue::from("ann lee")));
    assert_eq!(b.get("plan"), Some(&StringValue::from("gold tier")));
    assert_eq!(b.len(), 2);
    let out = inject(&cx);
    assert_eq!(out["uberctx-user"], "ann%20lee");
    assert_eq!(out["uberctx-plan"], "gold%20tier");

    let mut bag = Baggage::new();
    bag.insert("k", "a=b;c,d é");
    let out = inject(&Context::new().with_baggage(bag));
    assert_eq!(out["uberctx-k"], "a%3Db%3Bc%2Cd%20%C3%A9");
    assert!(!out.contains_key("uber-trace-id"));
    let back = extract(&[("uberctx-k", &out["uberctx-k"])]);
    assert_eq!(
        back.baggage().get("k"),
        Some(&StringValue::from("a=b;c,d é"))
    );
}

#[test]
fn baggage_extraction_merges_and_is_bounded() {
    let mut bag = Baggage::new();
    bag.insert("existing", "1");
    let start = Context::new().with_baggage(bag);
    let mut pairs: Vec<(String, String)> = (0..10_000)
        .map(|i| (format!("uberctx-k{i}"), "v".to_string()))
        .collect();
    pairs.push(("uberctx-huge".into(), "x".repeat(1 << 20)));
    let carrier: HashMap<String, String> = pairs.into_iter().collect();
    let cx = JaegerPropagator::default().extract_with_context(&start, &carrier);
    assert_eq!(cx.baggage().get("existing"), Some(&StringValue::from("1")));
    assert!(cx.baggage().len() <= 64);
    assert!(cx.baggage().get("huge").is_none());
}

// Jaeger docs: jaeger-debug-id without uber-trace-id makes the tracer start a new trace forced to
// be sampled and tagged with the id. Decision: keep it as JaegerDebugId + SamplingState::Debug,
// both for no trace (tests/carried_state.rs: a root started under it carries neither), and
// ignore it when an earlier propagator already found a trace.
#[test]
fn debug_id_without_trace_is_honoured_and_forwarded() {
    let cx = extract(&[("jaeger-debug-id", "req-42")]);
    assert!(!cx.span().span_context().is_valid());
    assert_eq!(
        JaegerDebugId::from_context(&cx).map(JaegerDebugId::as_str),
        Some("req-42")
    );
    assert_eq!(SamplingState::from_context(&cx), Some(SamplingState::Debug));
    assert_eq!(inject(&cx)["jaeger-debug-id"], "req-42");

    let with_trace = extract(&[
        ("jaeger-debug-id", "req-42"),
        ("uber-trace-id", "abc:def:0:0"),
    ]);
    assert!(JaegerDebugId::from_context(&with_trace).is_none());
    // A trace found by an earlier propagator of a composite is a trace too.
    let over_trace = JaegerPropagator::default().extract_with_context(
        &extract(&[("uber-trace-id", "abc:def:0:1")]),
        &headers(&[("jaeger-debug-id", "req-42")]),
    );
    assert!(over_trace.get::<Carried<JaegerDebugId>>().is_none());
    for bad in ["", "a\u{1}b"] {
        assert!(JaegerDebugId::from_context(&extract(&[("jaeger-debug-id", bad)])).is_none());
    }
    assert!(
        JaegerDebugId::from_context(&extract(&[("jaeger-debug-id", &"a".repeat(300))])).is_none()
    );
}

#[test]
fn invalid_header_means_no_span_context() {
    for v in ["0:0:0:0", "garbage", "1:2:3"] {
        assert!(
            !extract(&[("uber-trace-id", v)])
                .span()
                .span_context()
                .is_valid(),
            "{v}"
        );
    }
}

proptest! {
    #[test]
    fn parse_encode_round_trip(t in 1u128.., s in 1u64.., p in any::<u64>(), f in any::<u8>()) {
        let id = UberTraceId { trace_id: t, span_id: s, parent_span_id: p, flags: f };
        let mut buf = [0u8; UberTraceId::LENGTH];
        prop_assert_eq!(UberTraceId::parse(id.encode(&mut buf)), Ok(id));
    }

    #[test]
    fn inject_extract_round_trip(t in 1u128.., s in 1u64.., sampled in any::<bool>(), v in "[ -~é]{0,20}") {
        let flags = if sampled { TraceFlags::SAMPLED } else { TraceFlags::NOT_SAMPLED };
        let sc = SpanContext::new(TraceId::from(t), SpanId::from(s), flags, true, TraceState::NONE);
        let mut bag = Baggage::new();
        bag.insert("key", v.clone());
        let cx = Context::new().with_remote_span_context(sc.clone()).with_baggage(bag);
        let out = inject(&cx);
        let back = JaegerPropagator::default().extract_with_context(&Context::new(), &out);
        prop_assert_eq!(back.span().span_context().clone(), sc);
        prop_assert_eq!(back.baggage().get("key").map(|v| v.as_str().to_owned()), Some(v));
    }

    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        let s = String::from_utf8_lossy(&bytes);
        let _ = UberTraceId::parse(&s);
        let _ = extract(&[("uber-trace-id", &s), ("uberctx-x", &s), ("jaeger-debug-id", &s)]);
    }

    #[test]
    fn near_valid_never_panics(s in "[0-9a-f:%3Aa]{0,80}") {
        if let Ok(id) = UberTraceId::parse(&s) {
            let mut buf = [0u8; UberTraceId::LENGTH];
            prop_assert_eq!(UberTraceId::parse(id.encode(&mut buf)), Ok(id));
        }
    }
}

proptest! {
    // The word-at-a-time search finds the same first `:` or `%` as a byte-by-byte scan.
    #[test]
    fn separator_search_matches_a_byte_scan(v in proptest::collection::vec(proptest::sample::select(b"0a:%3A\x80\xff".to_vec()), 0..40), from in 0usize..41) {
        let want = v
            .get(from..)
            .and_then(|tail| tail.iter().position(|&b| b == b':' || b == b'%'))
            .map(|at| from + at);
        prop_assert_eq!(next_separator(&v, from), want);
    }
}
