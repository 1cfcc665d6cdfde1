use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
use proptest::prelude::*;

use super::headers::*;
use super::*;

fn extract(pairs: &[(&str, &str)]) -> Context {
    let carrier: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    DatadogPropagator::default().extract_with_context(&Context::new(), &carrier)
}

fn inject(cx: &Context) -> HashMap<String, String> {
    let mut out = HashMap::new();
    DatadogPropagator::default().inject_context(cx, &mut out);
    out
}

// dd-trace: ids are unsigned 64-bit decimals, zero invalid.
#[test]
fn id_rules() {
    let bad = [
        "",
        "0",
        "-1",
        "+1",
        "1.0",
        "0x10",
        "18446744073709551616",
        "123456789012345678901",
        " 1",
        "1 ",
    ];
    for v in bad {
        assert!(
            DatadogHeaders::parse(v, "1", None, None, None).is_err(),
            "{v:?}"
        );
        assert!(
            DatadogHeaders::parse("1", v, None, None, None).is_err(),
            "{v:?}"
        );
    }
    let max = DatadogHeaders::parse(
        "18446744073709551615",
        "18446744073709551615",
        None,
        None,
        None,
    )
    .unwrap();
    assert_eq!(max.trace_id(), TraceId::from(u128::from(u64::MAX)));
}

// dd-trace sampling priorities: -1 user reject, 0 auto reject, 1 auto keep, 2 user keep.
#[test]
fn priority_rules() {
    for (p, sampled) in [
        ("-1", false),
        ("0", false),
        ("1", true),
        ("2", true),
        ("-2147483648", false),
    ] {
        let dd = DatadogHeaders::parse("1", "2", Some(p), None, None).unwrap();
        assert_eq!(dd.is_sampled(), sampled, "{p}");
        assert_eq!(dd.sampling_priority(), Some(p.parse().unwrap()));
    }
    for p in ["", "-", "1.5", "true", "2147483648", "+1", "--1"] {
        assert!(
            DatadogHeaders::parse("1", "2", Some(p), None, None).is_err(),
            "{p:?}"
        );
    }
}

#[test]
fn exact_priority_origin_and_tags_are_re_emitted() {
    let cx = extract(&[
        ("x-datadog-trace-id", "7277407061855694839"),
        ("x-datadog-parent-id", "5208512171318403364"),
        ("x-datadog-sampling-priority", "-1"),
        ("x-datadog-origin", "rum"),
        (
            "x-datadog-tags",
            "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000,_dd.p.usr.id=baz64",
        ),
    ]);
    let sc = cx.span().span_context().clone();
    assert_eq!(
        sc.trace_id().to_string(),
        "640cfd8d0000000064fe8b2a57d3eff7"
    );
    assert_eq!(sc.span_id().to_string(), "48485a3953bb6124");
    assert!(!sc.is_sampled());
    let out = inject(&cx);
    assert_eq!(out["x-datadog-trace-id"], "7277407061855694839");
    assert_eq!(out["x-datadog-parent-id"], "5208512171318403364");
    assert_eq!(out["x-datadog-sampling-priority"], "-1");
    assert_eq!(out["x-datadog-origin"], "rum");
    assert_eq!(
        out["x-datadog-tags"],
        "_dd.p.dm=-4,_dd.p.usr.id=baz64,_dd.p.tid=640cfd8d00000000"
    );
}

#[test]
fn a_priority_contradicted_by_the_local_sampler_is_replaced() {
    let cx = extract(&[
        ("x-datadog-trace-id", "1"),
        ("x-datadog-parent-id", "2"),
        ("x-datadog-sampling-priority", "2"),
    ]);
    let sc = cx.span().span_context().clone();
    let unsampled = SpanContext::new(
        sc.trace_id(),
        sc.span_id(),
        TraceFlags::NOT_SAMPLED,
        true,
        TraceState::NONE,
    );
    assert_eq!(
        inject(&cx.with_remote_span_context(unsampled))["x-datadog-sampling-priority"],
        "0"
    );
}

#[test]
fn missing_priority_is_a_deferred_decision() {
    let cx = extract(&[("x-datadog-trace-id", "1"), ("x-datadog-parent-id", "2")]);
    assert!(!cx.span().span_context().is_sampled());
    assert!(!inject(&cx).contains_key("x-datadog-sampling-priority"));
}

// dd-trace: x-datadog-tags over 512 bytes or with a malformed member is dropped whole
// (`_dd.propagation_error`), the ids kept; only `_dd.p.*` keys propagate (`other=1` is skipped,
// `_dd.p.=1` has no name after the prefix) and a malformed `_dd.p.tid` is dropped alone.
#[test]
fn bad_tags_are_dropped_whole_and_ids_kept() {
    let long = format!("_dd.p.a={}", "x".repeat(600));
    let huge = "_dd.p.a=b,".repeat(100_000);
    for tags in [
        "_dd.p.tid=640CFD8D00000000",
        "_dd.p.tid=640cfd8d",
        "other=1",
        "_dd.p.a=b,x",
        "_dd.p.=1",
        "_dd.p.a b=1",
        "_dd.p.a=\u{1}",
        "",
        long.as_str(),
        huge.as_str(),
    ] {
        let dd = DatadogHeaders::parse("1", "2", None, None, Some(tags)).unwrap();
        assert_eq!(
            (dd.tags().count(), dd.trace_id()),
            (0, TraceId::from(1)),
            "{tags:.40}"
        );
        let cx = extract(&[
            ("x-datadog-trace-id", "1"),
            ("x-datadog-parent-id", "2"),
            ("x-datadog-tags", tags),
        ]);
        assert!(cx.span().span_context().is_valid());
        assert!(!inject(&cx).contains_key("x-datadog-tags"));
    }
}

#[test]
fn origin_rules() {
    for o in ["", "a\nb", "\u{e9}"] {
        assert!(
            DatadogHeaders::parse("1", "2", None, Some(o), None).is_err(),
            "{o:?}"
        );
    }
    assert!(DatadogHeaders::parse("1", "2", None, Some(&"o".repeat(257)), None).is_err());
}

#[test]
fn no_or_partial_headers_give_no_context() {
    assert!(!extract(&[]).span().span_context().is_valid());
    assert!(
        !extract(&[("x-datadog-trace-id", "1")])
            .span()
            .span_context()
            .is_valid()
    );
    assert!(
        !extract(&[("x-datadog-parent-id", "1")])
            .span()
            .span_context()
            .is_valid()
    );
    assert!(inject(&Context::new()).is_empty());
}

// dd-trace re-emits the propagated `_dd.p.*` tags and the origin unchanged: whether kept
// inline (short) or on the heap (long), they come back as received.
#[test]
fn kept_tags_and_origin_round_trip_at_every_length() {
    for n in [1, INLINE - 9, INLINE - 8, INLINE - 7, INLINE, 100, 400] {
        let value = "v".repeat(n);
        let tags = format!("_dd.p.dm={value}");
        let origin = "o".repeat(n.min(MAX_ORIGIN_LEN));
        let cx = extract(&[
            (X_DATADOG_TRACE_ID, "1"),
            (X_DATADOG_PARENT_ID, "2"),
            (X_DATADOG_SAMPLING_PRIORITY, "1"),
            (X_DATADOG_ORIGIN, &origin),
            (
                X_DATADOG_TAGS,
                &format!("_dd.p.tid=00000000000000ab,{tags}"),
            ),
        ]);
        let out = inject(&cx);
        assert_eq!(out.get(X_DATADOG_ORIGIN), Some(&origin), "{n}");
        let want = format!("{tags},_dd.p.tid=00000000000000ab");
        let want = (want.len() <= MAX_TAGS_LEN).then_some(want);
        assert_eq!(out.get(X_DATADOG_TAGS), want.as_ref(), "{n}");
    }
}

/// The tags rules as written before the one-pass check: member by member.
fn valid_tags_by_member(tags: &str) -> bool {
    tags.len() <= MAX_TAGS_LEN
        && !tags.is_empty()
        && tags.split(',').all(|member| {
            let Some((k, v)) = member.split_once('=') else {
                return false;
            };
            !k.is_empty()
                && !v.is_empty()
                && k.bytes()
                    .all(|b| (0x21..0x7f).contains(&b) && b != b',' && b != b'=')
                && v.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b',')
        })
}

proptest! {
    // dd-trace-go `isValidPropagatableTag`: the one-pass check accepts exactly the headers
    // the member-by-member reading accepts.
    #[test]
    fn one_pass_tags_check_matches_member_rules(
        tags in "((_dd\\.p\\.(tid|dm)?|[a_.=, \t\u{7f}\u{e9}1-]{0,4})[=,]?){0,6}",
    ) {
        prop_assert_eq!(scan_tags(&tags).is_some(), valid_tags_by_member(&tags));
        // And finds the `_dd.p.tid` and the kept length the member iterators find.
        if let Some(scan) = scan_tags(&tags) {
            let tid = tag_pairs(&tags).find(|(k, _)| *k == TID).map(|(_, v)| v);
            let kept: Vec<String> = tag_pairs(&tags)
                .filter(|(k, _)| *k != TID)
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            prop_assert_eq!(scan.tid, tid);
            prop_assert_eq!(scan.kept_len, kept.join(",").len());
            // A run of the header, when the scan finds one, is exactly the kept tags.
            if let (Some(start), true) = (scan.kept_start, scan.run) {
                prop_assert_eq!(&tags[start..scan.kept_end], kept.join(","));
            }
        }
    }

    // dd-trace ids are unsigned 64-bit decimals: the hand-written decimal parse agrees with
    // `u64::from_str` on every digit string up to 20 digits, overflow included.
    #[test]
    fn ids_parse_as_u64_from_str(v in "[0-9]{1,20}|[0-9]{0,22}|[0-9+/:a \u{e9}-]{0,21}") {
        let digits = !v.is_empty() && v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit());
        let want = match v.parse::<u64>() {
            _ if !digits => None,
            Ok(0) | Err(_) => None,
            Ok(id) => Some(id),
        };
        prop_assert_eq!(parse_id(&v, X_DATADOG_TRACE_ID).ok(), want);
    }

    #[test]
    fn inject_extract_round_trip(t in 1u128.., s in 1u64.., sampled in any::<bool>()) {
        prop_assume!(t as u64 != 0);
        let flags = if sampled { TraceFlags::SAMPLED } else { TraceFlags::NOT_SAMPLED };
        let sc = SpanContext::new(TraceId::from(t), SpanId::from(s), flags, true, TraceState::NONE);
        let out = inject(&Context::new().with_remote_span_context(sc.clone()));
        let back = DatadogPropagator::default().extract_with_context(&Context::new(), &out);
        prop_assert_eq!(back.span().span_context().clone(), sc);
    }

    #[test]
    fn parse_round_trip(t in 1u64.., p in 1u64.., prio in any::<i32>()) {
        let dd = DatadogHeaders::parse(&t.to_string(), &p.to_string(), Some(&prio.to_string()), None, None).unwrap();
        prop_assert_eq!((dd.trace_id(), dd.parent_id(), dd.sampling_priority()), (TraceId::from(u128::from(t)), SpanId::from(p), Some(prio)));
    }

    #[test]
    fn extract_never_panics(a in "\\PC{0,30}", b in "[0-9-]{0,22}", tags in "[_dp.a-z0-9=, -]{0,80}") {
        let _ = DatadogHeaders::parse(&b, &b, Some(&a), Some(&a), Some(&tags));
        let _ = extract(&[("x-datadog-trace-id", &b), ("x-datadog-parent-id", &b), ("x-datadog-sampling-priority", &b), ("x-datadog-tags", &tags), ("x-datadog-origin", &a)]);
    }
}
