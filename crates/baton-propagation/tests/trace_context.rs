//! `TraceContextPropagator` through real `http::HeaderMap`s: the W3C test suite's cases,
//! inject rules, round trips and arbitrary input.

#![cfg(feature = "http")]

use baton_propagation::{HeaderExtractor, HeaderInjector, TraceContextPropagator, TraceParent};
use http::HeaderMap;
use opentelemetry::Context;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use proptest::prelude::*;

const ID: &str = "12345678901234567890123456789012";
const TP: &str = "00-12345678901234567890123456789012-1234567890123456-00";

fn headers(list: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in list {
        map.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn extract(list: &[(&str, &str)]) -> SpanContext {
    let map = headers(list);
    let cx = TraceContextPropagator::default()
        .extract_with_context(&Context::new(), &HeaderExtractor(&map));
    cx.span().span_context().clone()
}

fn inject(cx: &Context) -> HeaderMap {
    let mut map = HeaderMap::new();
    TraceContextPropagator::default().inject_context(cx, &mut HeaderInjector(&mut map));
    map
}

fn trace_id_hex(sc: &SpanContext) -> String {
    format!("{:032x}", sc.trace_id())
}

#[test]
fn valid_traceparent_gives_a_remote_span_context() {
    let sc = extract(&[(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    )]);
    assert!(sc.is_valid());
    assert!(sc.is_remote());
    assert!(sc.is_sampled());
    assert_eq!(
        sc.trace_id(),
        TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736)
    );
    assert_eq!(sc.span_id(), SpanId::from(0x00f0_67aa_0ba9_02b7));
}

// test.py test_traceparent_header_name_valid_casing: the name is matched in any case.
#[test]
fn header_name_in_any_case() {
    for name in ["TraceParent", "TrAcEpArEnT", "TRACEPARENT"] {
        assert_eq!(trace_id_hex(&extract(&[(name, TP)])), ID, "{name}");
    }
}

// test.py test_traceparent_header_name: other names are not traceparent.
#[test]
fn wrong_header_names_are_ignored() {
    for name in ["trace-parent", "trace.parent"] {
        assert!(!extract(&[(name, TP)]).is_valid(), "{name}");
    }
}

// test.py test_traceparent_duplicated: two traceparent lines mean no context, even if equal.
#[test]
fn two_traceparent_lines_mean_no_context() {
    let sc = extract(&[
        (
            "traceparent",
            "00-12345678901234567890123456789011-1234567890123456-01",
        ),
        (
            "traceparent",
            "00-12345678901234567890123456789012-1234567890123456-01",
        ),
    ]);
    assert!(!sc.is_valid());
    assert!(!extract(&[("traceparent", TP), ("traceparent", TP)]).is_valid());
}

#[test]
fn invalid_traceparent_leaves_the_given_context_alone() {
    let parent = Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from(5),
        SpanId::from(6),
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    ));
    let map = headers(&[(
        "traceparent",
        "ff-12345678901234567890123456789012-1234567890123456-01",
    )]);
    let cx =
        TraceContextPropagator::default().extract_with_context(&parent, &HeaderExtractor(&map));
    assert_eq!(cx.span().span_context().trace_id(), TraceId::from(5));
}

// Level 2 §3.2.2.5: sampled (0x01) and random (0x02) are defined; other bits are reserved and
// must be zero, so they are dropped on extract.
#[test]
fn extract_keeps_only_the_defined_flags() {
    for (flags, kept) in [
        ("00", 0),
        ("01", 1),
        ("02", 2),
        ("03", 3),
        ("ff", 3),
        ("fc", 0),
        ("09", 1),
    ] {
        let sc = extract(&[("traceparent", &format!("00-{ID}-1234567890123456-{flags}"))]);
        assert_eq!(sc.trace_flags().to_u8(), kept, "flags {flags}");
    }
}

// test.py test_traceparent_version_0xcc.
#[test]
fn future_version_is_extracted_and_downgraded_on_inject() {
    let map = headers(&[(
        "traceparent",
        "cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
    )]);
    let cx = TraceContextPropagator::default()
        .extract_with_context(&Context::new(), &HeaderExtractor(&map));
    assert_eq!(trace_id_hex(cx.span().span_context()), ID);
    let out = inject(&cx);
    assert_eq!(
        out["traceparent"],
        "00-12345678901234567890123456789012-1234567890123456-01"
    );
}

// test.py test_tracestate_included_traceparent_missing: no traceparent, no tracestate.
#[test]
fn tracestate_without_traceparent_is_not_read() {
    let sc = extract(&[("tracestate", "foo=1,bar=2")]);
    assert!(!sc.is_valid());
    assert_eq!(sc.trace_state().header(), "");
}

// test.py test_tracestate_included_traceparent_included / _multiple_headers_different_keys.
#[test]
fn tracestate_lines_are_combined_in_order() {
    let sc = extract(&[
        ("traceparent", TP),
        ("tracestate", "foo=1,bar=2"),
        ("TraceState", "rojo=1,congo=2"),
        ("tracestate", "baz=3"),
    ]);
    assert_eq!(
        sc.trace_state().header(),
        "foo=1,bar=2,rojo=1,congo=2,baz=3"
    );
}

// test.py test_tracestate_empty_header.
#[test]
fn empty_tracestate_lines_are_accepted() {
    assert_eq!(
        extract(&[("traceparent", TP), ("tracestate", "")])
            .trace_state()
            .header(),
        ""
    );
    let sc = extract(&[
        ("traceparent", TP),
        ("tracestate", "foo=1"),
        ("tracestate", ""),
    ]);
    assert_eq!(sc.trace_state().get("foo"), Some("1"));
    let sc = extract(&[
        ("traceparent", TP),
        ("tracestate", ""),
        ("tracestate", "foo=1"),
    ]);
    assert_eq!(sc.trace_state().get("foo"), Some("1"));
}

// test.py strict-level cases: an invalid list is discarded whole, the traceparent is kept
// ("failure to parse tracestate MUST NOT affect the parsing of traceparent").
#[test]
fn invalid_tracestate_is_discarded_whole_and_traceparent_kept() {
    let thirty_three: Vec<String> = (1..=33).map(|i| format!("bar{i:02}={i:02}")).collect();
    let thirty_three = thirty_three.join(",");
    let z257 = format!("{}=1", "z".repeat(257));
    let at257 = format!("a@{}=1", "b".repeat(255));
    let cases: &[&[&str]] = &[
        &["foo=1", &z257],
        &["foo=1", &at257],
        &["foo=bar=baz"],
        &["foo=,bar=3"],
        &["@foo=1,bar=2"],
        &["_foo=1,bar=2"],
        &["foo=1", "-=1"],
        &["FOO=1,bar=2"],
        &["foo.bar=1,bar=2"],
        &["foo@B=1,bar=2"],
        &[&thirty_three],
    ];
    for lines in cases {
        let mut list = vec![("traceparent", TP)];
        list.extend(lines.iter().map(|l| ("tracestate", *l)));
        let sc = extract(&list);
        assert_eq!(trace_id_hex(&sc), ID, "{lines:?}");
        assert_eq!(sc.trace_state().header(), "", "{lines:?}");
    }
}

// A duplicated key does not discard the list (the spec lets a vendor drop the duplicates):
// the first member with the key is kept in its place, the later ones are dropped, and inject
// writes the list without them.
#[test]
fn duplicated_keys_keep_the_first_member() {
    let map = headers(&[
        ("traceparent", TP),
        ("tracestate", "foo=1,bar=2,foo=3"),
        ("tracestate", "bar=4,baz=5"),
    ]);
    let cx = TraceContextPropagator::default()
        .extract_with_context(&Context::new(), &HeaderExtractor(&map));
    let span = cx.span();
    let state = span.span_context().trace_state();
    assert_eq!(state.header(), "foo=1,bar=2,baz=5");
    assert_eq!(inject(&cx)["tracestate"], "foo=1,bar=2,baz=5");
}

// The current key grammar, `( lcalpha / DIGIT ) 0*255 ( keychar )` with `@` a `keychar`:
// keys Level 1 refused are kept, in `TraceState` when it takes them, and forwarded in place
// when it does not.
#[test]
fn keys_of_the_current_grammar_are_kept() {
    let t242 = format!("{}@v", "t".repeat(242));
    for key in ["foo@", "1vendor", "0", "foo@1bar", &t242] {
        let member = format!("{key}=1");
        let sc = extract(&[("traceparent", TP), ("tracestate", &member)]);
        assert_eq!(sc.trace_state().get(key), Some("1"), "{key:?}");
    }
    let v15 = format!("t@{}", "v".repeat(15));
    for key in ["foo@@bar", "foo@bar@baz", "foo@-bar", &v15] {
        let list = format!("a=1,{key}=2,b=3");
        let map = headers(&[("traceparent", TP), ("tracestate", &list)]);
        let cx = TraceContextPropagator::default()
            .extract_with_context(&Context::new(), &HeaderExtractor(&map));
        assert_eq!(
            cx.span().span_context().trace_state().header(),
            "a=1,b=3",
            "{key:?}"
        );
        assert_eq!(inject(&cx)["tracestate"], list.as_str(), "{key:?}");
    }
}

// test.py test_tracestate_key_length_limit: 256-character keys, and 241@14, are valid.
#[test]
fn longest_valid_keys_are_kept() {
    let z256 = format!("{}=1", "z".repeat(256));
    let sc = extract(&[
        ("traceparent", TP),
        ("tracestate", "foo=1"),
        ("tracestate", &z256),
    ]);
    assert_eq!(sc.trace_state().get("foo"), Some("1"));
    assert_eq!(sc.trace_state().get(&"z".repeat(256)), Some("1"));
}

// opentelemetry's TraceState rejects more than 13 characters after an `@`, which the spec
// allows; the member is still forwarded, in its place, while the span context keeps the same
// tracestate.
#[test]
fn fourteen_character_system_id_is_forwarded() {
    let key = format!("{}@{}", "t".repeat(241), "v".repeat(14));
    let member = format!("{key}=1");
    let map = headers(&[
        ("traceparent", TP),
        ("tracestate", "foo=1"),
        ("tracestate", &member),
        ("tracestate", "vendor@abcdefghijklmn=2,bar=3"),
    ]);
    let cx = TraceContextPropagator::default()
        .extract_with_context(&Context::new(), &HeaderExtractor(&map));
    assert_eq!(cx.span().span_context().trace_state().get("foo"), Some("1"));
    assert_eq!(cx.span().span_context().trace_state().get("bar"), Some("3"));
    let out = inject(&cx);
    assert_eq!(
        out["tracestate"],
        format!("foo=1,{member},vendor@abcdefghijklmn=2,bar=3").as_str()
    );

    // A child span that changes the tracestate writes what it now carries.
    let parent = cx.span().span_context().clone();
    let changed = parent.trace_state().insert("mine", "x").unwrap();
    let child = cx.with_remote_span_context(SpanContext::new(
        parent.trace_id(),
        SpanId::from(77),
        parent.trace_flags(),
        false,
        changed,
    ));
    assert_eq!(inject(&child)["tracestate"], "mine=x,foo=1,bar=3");

    // Another trace with the same tracestate does not inherit the members.
    let other = cx.with_remote_span_context(SpanContext::new(
        TraceId::from(99),
        SpanId::from(77),
        parent.trace_flags(),
        false,
        parent.trace_state().clone(),
    ));
    assert_eq!(inject(&other)["tracestate"], "foo=1,bar=3");

    // A later extract of the same trace without those members does not bring them back.
    let again = headers(&[("traceparent", TP), ("tracestate", "foo=1,bar=3")]);
    let cx = TraceContextPropagator::default().extract_with_context(&cx, &HeaderExtractor(&again));
    assert_eq!(inject(&cx)["tracestate"], "foo=1,bar=3");
}

#[test]
fn inject_writes_nothing_for_an_invalid_span_context() {
    assert!(inject(&Context::new()).is_empty());
    let cx = Context::new().with_remote_span_context(SpanContext::new(
        TraceId::INVALID,
        SpanId::from(1),
        TraceFlags::SAMPLED,
        true,
        TraceState::from_key_value([("a", "1")]).unwrap(),
    ));
    assert!(inject(&cx).is_empty());
}

#[test]
fn inject_omits_an_empty_tracestate_and_clears_reserved_flags() {
    let cx = Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from(0xabc),
        SpanId::from(0xdef),
        TraceFlags::new(0xff),
        false,
        TraceState::NONE,
    ));
    let out = inject(&cx);
    assert_eq!(out.len(), 1);
    assert_eq!(
        out["traceparent"],
        "00-00000000000000000000000000000abc-0000000000000def-03"
    );
}

#[test]
fn inject_writes_the_tracestate_in_order() {
    let ts = TraceState::from_key_value([("rojo", "00f067aa0ba902b7"), ("congo", "t61rcWkgMzE")])
        .unwrap();
    let cx = Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from(1),
        SpanId::from(2),
        TraceFlags::SAMPLED,
        false,
        ts,
    ));
    assert_eq!(
        inject(&cx)["tracestate"],
        "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
    );
}

#[test]
fn propagator_is_send_sync_debug_and_default() {
    fn check<T: Send + Sync + std::fmt::Debug + Default>() {}
    check::<TraceContextPropagator>();
    fn send_sync<T: Send + Sync + Copy>() {}
    send_sync::<TraceParent>();
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_*/-]{0,20}",
        "[a-z0-9][a-z0-9_*/-]{0,10}@[a-z][a-z0-9_*/-]{0,12}",
    ]
}

fn value() -> impl Strategy<Value = String> {
    "[ -+\\--<>-~]{0,20}[!-+\\--<>-~]"
}

proptest! {
    // parse(encode(x)) == x for every version 00 value.
    #[test]
    fn traceparent_round_trips(t in 1u128.., s in 1u64.., f in any::<u8>()) {
        let tp = TraceParent::new(TraceId::from(t), SpanId::from(s), TraceFlags::new(f));
        let text = tp.to_string();
        prop_assert_eq!(text.len(), TraceParent::LENGTH);
        prop_assert_eq!(text.parse::<TraceParent>().unwrap(), tp);
    }

    // inject -> extract through a HeaderMap yields the same span context.
    #[test]
    fn span_context_round_trips_through_headers(
        t in 1u128..,
        s in 1u64..,
        f in 0u8..4,
        members in proptest::collection::btree_map(key(), value(), 0..32),
    ) {
        let ts = TraceState::from_key_value(members.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        let sc = SpanContext::new(TraceId::from(t), SpanId::from(s), TraceFlags::new(f), true, ts);
        let cx = Context::new().with_remote_span_context(sc.clone());
        let map = inject(&cx);
        let back = TraceContextPropagator::default().extract_with_context(&Context::new(), &HeaderExtractor(&map));
        let got = back.span().span_context().clone();
        prop_assert_eq!(got, sc);
    }

    // Arbitrary bytes under arbitrary (duplicated) header names never panic, and anything
    // extracted is a valid remote span context.
    #[test]
    fn extract_never_panics(
        entries in proptest::collection::vec(
            (prop_oneof![Just("traceparent".to_owned()), Just("tracestate".to_owned()), "[a-z-]{1,12}"],
             proptest::collection::vec(any::<u8>(), 0..120)),
            0..6,
        )
    ) {
        let mut map = HeaderMap::new();
        for (name, bytes) in &entries {
            if let (Ok(n), Ok(v)) = (http::HeaderName::from_bytes(name.as_bytes()), http::HeaderValue::from_bytes(bytes)) {
                map.append(n, v);
            }
        }
        let cx = TraceContextPropagator::default().extract_with_context(&Context::new(), &HeaderExtractor(&map));
        let sc = cx.span().span_context().clone();
        prop_assert!(!sc.is_valid() || sc.is_remote());
        let _ = TraceParent::parse_bytes(entries.first().map(|e| e.1.as_slice()).unwrap_or_default());
    }
}

fn any_key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_*/-]{0,255}",
        "[a-z0-9][a-z0-9_*/-]{0,240}@[a-z][a-z0-9_*/-]{0,13}",
    ]
}

proptest! {
    // Any list of valid members (up to the 32 allowed, keys of every valid length including
    // 14-character system ids) goes through extract and inject unchanged, in order.
    #[test]
    fn tracestate_header_round_trips(
        members in proptest::collection::vec((any_key(), value()), 1..=32),
        split in any::<prop::sample::Index>(),
    ) {
        let mut seen = std::collections::HashSet::new();
        let members: Vec<(String, String)> =
            members.into_iter().filter(|(k, _)| seen.insert(k.clone())).collect();
        let joined: Vec<String> = members.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let at = split.index(joined.len() + 1);
        let first = joined[..at].join(" ,\t");
        let second = joined[at..].join(",");
        let map = headers(&[("traceparent", TP), ("tracestate", &first), ("tracestate", &second)]);
        let cx = TraceContextPropagator::default().extract_with_context(&Context::new(), &HeaderExtractor(&map));
        let out = inject(&cx);
        prop_assert_eq!(out["tracestate"].to_str().unwrap(), joined.join(","));
    }

    // A value that parses is exactly the value the parse formats back, but for the version
    // (a higher one is written as 00): nothing lenient slips through a one-byte mutation.
    #[test]
    fn a_mutated_traceparent_parses_only_if_canonical(at in 0usize..55, byte in any::<u8>()) {
        let mut bytes = TP.as_bytes().to_vec();
        bytes[at] = byte;
        if let Ok(tp) = TraceParent::parse_bytes(&bytes) {
            let text = tp.to_string();
            prop_assert_eq!(&text.as_bytes()[2..], &bytes[2..]);
            let version = format!("{:02x}", tp.version());
            prop_assert_eq!(version.as_bytes(), &bytes[..2]);
        }
    }

    #[test]
    fn traceparent_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        if let Ok(tp) = TraceParent::parse_bytes(&bytes) {
            prop_assert!(tp.trace_id() != TraceId::INVALID && tp.parent_id() != SpanId::INVALID);
            prop_assert!(tp.version() != 0xff);
        }
    }
}
