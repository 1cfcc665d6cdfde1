use std::collections::HashMap;

use opentelemetry::StringValue;
use opentelemetry::baggage::Baggage;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{TraceFlags, TraceState};
use proptest::prelude::*;

use super::*;

fn extract(pairs: &[(&str, &str)]) -> Context {
    let carrier: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    OtTracePropagator::default().extract_with_context(&Context::new(), &carrier)
}

fn inject(cx: &Context) -> HashMap<String, String> {
    let mut out = HashMap::new();
    OtTracePropagator::default().inject_context(cx, &mut out);
    out
}

// OT Trace Format tables (opentelemetry-ruby/js READMEs): trace id 16 hex (32 accepted on
// extract), span id 16 hex, sampled `true`/`false` with `1`/`0` accepted on extract.
#[test]
fn format_table() {
    let ok: &[(&str, &str, Option<&str>, bool)] = &[
        ("80f198ee56343ba8", "e457b5a2e4d86bd1", Some("true"), true),
        (
            "80f198ee56343ba864fe8b2a57d3eff7",
            "e457b5a2e4d86bd1",
            Some("false"),
            false,
        ),
        ("80f198ee56343ba8", "e457b5a2e4d86bd1", Some("1"), true),
        ("80f198ee56343ba8", "e457b5a2e4d86bd1", Some("0"), false),
        ("80f198ee56343ba8", "e457b5a2e4d86bd1", None, false),
    ];
    for &(t, s, sampled, want) in ok {
        assert_eq!(
            OtTraceHeaders::parse(t, s, sampled).unwrap().is_sampled(),
            want,
            "{t} {s} {sampled:?}"
        );
    }
    let bad: &[(&str, &str, Option<&str>, ErrorKind)] = &[
        (
            "80f198ee56343ba",
            "e457b5a2e4d86bd1",
            None,
            ErrorKind::Malformed,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff",
            "e457b5a2e4d86bd1",
            None,
            ErrorKind::Malformed,
        ),
        (
            "80F198EE56343BA8",
            "e457b5a2e4d86bd1",
            None,
            ErrorKind::Malformed,
        ),
        (
            "0000000000000000",
            "e457b5a2e4d86bd1",
            None,
            ErrorKind::InvalidId,
        ),
        (
            "80f198ee56343ba8",
            "0000000000000000",
            None,
            ErrorKind::InvalidId,
        ),
        (
            "80f198ee56343ba8",
            "e457b5a2e4d86bd",
            None,
            ErrorKind::Malformed,
        ),
        (
            "80f198ee56343ba8",
            "e457b5a2e4d86bd1",
            Some("yes"),
            ErrorKind::Malformed,
        ),
        (
            "80f198ee56343ba8",
            "e457b5a2e4d86bd1",
            Some("wired"),
            ErrorKind::Malformed,
        ),
        ("", "e457b5a2e4d86bd1", None, ErrorKind::Malformed),
    ];
    for &(t, s, sampled, kind) in bad {
        assert_eq!(
            OtTraceHeaders::parse(t, s, sampled).unwrap_err().kind(),
            kind,
            "{t} {s} {sampled:?}"
        );
    }
}

// go-contrib/java: both ids are required; one without the other is no context.
#[test]
fn both_ids_are_required() {
    assert!(
        !extract(&[("ot-tracer-traceid", "80f198ee56343ba8")])
            .span()
            .span_context()
            .is_valid()
    );
    assert!(
        !extract(&[("ot-tracer-spanid", "e457b5a2e4d86bd1")])
            .span()
            .span_context()
            .is_valid()
    );
}

// go-contrib: "In order to interop with systems that use the OT header format, trace ids MUST be
// 64-bits": only the low 64 bits are injected.
#[test]
fn inject_writes_the_low_64_bits_and_booleans() {
    let cx = extract(&[
        ("ot-tracer-traceid", "80f198ee56343ba864fe8b2a57d3eff7"),
        ("ot-tracer-spanid", "e457b5a2e4d86bd1"),
        ("ot-tracer-sampled", "1"),
    ]);
    assert_eq!(
        cx.span().span_context().trace_id().to_string(),
        "80f198ee56343ba864fe8b2a57d3eff7"
    );
    let out = inject(&cx);
    assert_eq!(out["ot-tracer-traceid"], "64fe8b2a57d3eff7");
    assert_eq!(out["ot-tracer-spanid"], "e457b5a2e4d86bd1");
    assert_eq!(out["ot-tracer-sampled"], "true");
    assert!(inject(&Context::new()).is_empty());
}

#[test]
fn baggage_is_raw_and_needs_a_span_context() {
    let ids = [
        ("ot-tracer-traceid", "80f198ee56343ba8"),
        ("ot-tracer-spanid", "e457b5a2e4d86bd1"),
    ];
    let cx = extract(&[
        ids[0],
        ids[1],
        ("ot-baggage-user", "ann%20lee"),
        ("ot-baggage-plan", "gold"),
    ]);
    assert_eq!(
        cx.baggage().get("user"),
        Some(&StringValue::from("ann%20lee"))
    );
    assert_eq!(cx.baggage().get("plan"), Some(&StringValue::from("gold")));
    assert_eq!(cx.baggage().len(), 2);
    assert_eq!(extract(&[("ot-baggage-user", "ann")]).baggage().len(), 0);

    let mut bag = Baggage::new();
    bag.insert("ok", "v");
    bag.insert("ctl", "a\nb");
    let out = inject(&cx.with_baggage(bag));
    assert_eq!(out["ot-baggage-ok"], "v");
    assert!(
        !out.contains_key("ot-baggage-ctl"),
        "a control byte is no valid header value"
    );
}

proptest! {
    #[test]
    fn parse_encode_round_trip(t in 1u64.., s in 1u64.., sampled in any::<bool>()) {
        let ot = OtTraceHeaders::new(TraceId::from(u128::from(t)), SpanId::from(s), sampled).unwrap();
        let (te, se) = (ot.encode_trace_id(), ot.encode_span_id());
        let back = OtTraceHeaders::parse(hex::as_str(&te), hex::as_str(&se), Some(if sampled { "true" } else { "false" }));
        prop_assert_eq!(back, Ok(ot));
    }

    #[test]
    fn inject_extract_round_trip(t in 1u64.., s in 1u64.., sampled in any::<bool>(), v in "[ -~]{0,20}") {
        let flags = if sampled { TraceFlags::SAMPLED } else { TraceFlags::NOT_SAMPLED };
        let sc = SpanContext::new(TraceId::from(u128::from(t)), SpanId::from(s), flags, true, TraceState::NONE);
        let mut bag = Baggage::new();
        bag.insert("key", v.clone());
        let out = inject(&Context::new().with_remote_span_context(sc.clone()).with_baggage(bag));
        let back = OtTracePropagator::default().extract_with_context(&Context::new(), &out);
        prop_assert_eq!(back.span().span_context().clone(), sc);
        prop_assert_eq!(back.baggage().get("key").map(|v| v.as_str().to_owned()), Some(v));
    }

    #[test]
    fn extract_never_panics(a in "\\PC{0,40}", b in "[0-9a-f]{0,33}", c in any::<Option<String>>()) {
        let _ = OtTraceHeaders::parse(&a, &b, c.as_deref());
        let _ = OtTraceHeaders::parse(&b, &b, c.as_deref());
        let _ = extract(&[("ot-tracer-traceid", &b), ("ot-tracer-spanid", &a), ("ot-baggage-x", &a)]);
    }
}
