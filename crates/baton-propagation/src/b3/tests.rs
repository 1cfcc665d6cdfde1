use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanId, TraceId};
use proptest::prelude::*;

use super::headers::*;
use super::*;
use crate::error::{ErrorKind, ParseError};

const TRACE: &str = "80f198ee56343ba864fe8b2a57d3eff7";
const SPAN: &str = "e457b5a2e4d86bd1";
const PARENT: &str = "05e3ac9a4f6e3b90";

fn headers(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn extract(p: &B3Propagator, pairs: &[(&str, &str)]) -> Context {
    p.extract_with_context(&Context::new(), &headers(pairs))
}

// B3 README "Single Header": `b3={TraceId}-{SpanId}-{SamplingState}-{ParentSpanId}`, last two optional.
#[test]
fn single_header_spec_examples_parse() {
    let table: &[(&str, SamplingState, bool)] = &[
        (
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90",
            SamplingState::Accept,
            true,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-1",
            SamplingState::Accept,
            false,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90-d",
            SamplingState::Debug,
            false,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7-05e3ac9a4f6e3b90",
            SamplingState::Defer,
            false,
        ),
        (
            "64fe8b2a57d3eff7-05e3ac9a4f6e3b90-0",
            SamplingState::Deny,
            false,
        ),
    ];
    for &(value, sampling, has_parent) in table {
        let b3 = B3Headers::parse(value).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(b3.sampling(), sampling, "{value}");
        assert_eq!(b3.parent_span_id().is_some(), has_parent, "{value}");
        assert!(b3.trace_id().is_some());
    }
}

// B3 README: "Sampling State can also be sent on its own (with no identifiers)": 0, 1, d.
#[test]
fn single_header_sampling_only_values() {
    for (v, s) in [
        ("0", SamplingState::Deny),
        ("1", SamplingState::Accept),
        ("d", SamplingState::Debug),
    ] {
        let b3 = B3Headers::parse(v).unwrap();
        assert_eq!(b3.sampling(), s);
        assert!(b3.trace_id().is_none() && b3.span_context().is_none());
    }
}

// B3 README: ids are "32 or 16 lower-hex characters" / "16 lower-hex characters"; the state is 0, 1 or d.
#[test]
fn single_header_rejects_off_spec_values() {
    let table: &[(&str, ErrorKind)] = &[
        ("", ErrorKind::Empty),
        ("2", ErrorKind::Malformed),
        ("D", ErrorKind::Malformed),
        ("true", ErrorKind::Malformed),
        (
            "80F198EE56343BA864FE8B2A57D3EFF7-e457b5a2e4d86bd1-1",
            ErrorKind::Malformed,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff-e457b5a2e4d86bd1-1",
            ErrorKind::Malformed,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd-1",
            ErrorKind::Malformed,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-",
            ErrorKind::Malformed,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-2",
            ErrorKind::Malformed,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-",
            ErrorKind::Malformed,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b9",
            ErrorKind::Malformed,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90-",
            ErrorKind::TooLong,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-11",
            ErrorKind::Malformed,
        ),
        (
            "00000000000000000000000000000000-e457b5a2e4d86bd1-1",
            ErrorKind::InvalidId,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7-0000000000000000-1",
            ErrorKind::InvalidId,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-0000000000000000",
            ErrorKind::InvalidId,
        ),
        (
            " 80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1",
            ErrorKind::Malformed,
        ),
        (
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1 ",
            ErrorKind::Malformed,
        ),
        (
            "+0f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1",
            ErrorKind::Malformed,
        ),
    ];
    for &(value, kind) in table {
        let err = B3Headers::parse(value).expect_err(value);
        assert_eq!(err.kind(), kind, "{value}: {err}");
        assert_eq!(err.header(), "b3");
    }
}

#[test]
fn size_is_checked_before_parsing() {
    let huge = "a".repeat(1 << 20);
    assert_eq!(
        B3Headers::parse(&huge).unwrap_err().kind(),
        ErrorKind::TooLong
    );
}

// B3 README multi: X-B3-Sampled 1/0, legacy true/false, X-B3-Flags: 1 is debug.
#[test]
fn multiple_headers_table() {
    let ok: &[(Option<&str>, Option<&str>, SamplingState)] = &[
        (Some("1"), None, SamplingState::Accept),
        (Some("0"), None, SamplingState::Deny),
        (Some("true"), None, SamplingState::Accept),
        (Some("false"), None, SamplingState::Deny),
        // opentelemetry-go-contrib `strings.ToLower(sampled)`, opentelemetry-java `parseBoolean`.
        (Some("True"), None, SamplingState::Accept),
        (Some("FALSE"), None, SamplingState::Deny),
        (None, None, SamplingState::Defer),
        (None, Some("1"), SamplingState::Debug),
        (Some("0"), Some("1"), SamplingState::Debug),
        (Some("1"), Some("0"), SamplingState::Accept),
        // opentelemetry-go-contrib "debug flag set to not 1 (ignored)".
        (Some("1"), Some("2"), SamplingState::Accept),
        (None, Some("true"), SamplingState::Defer),
    ];
    for &(sampled, flags, want) in ok {
        let b3 = B3Headers::from_multiple_headers(Some(TRACE), Some(SPAN), None, sampled, flags)
            .unwrap();
        assert_eq!(b3.sampling(), want, "{sampled:?} {flags:?}");
    }
    for (sampled, flags) in [(Some("yes"), None), (Some("2"), None), (Some(""), None)] {
        assert!(
            B3Headers::from_multiple_headers(Some(TRACE), Some(SPAN), None, sampled, flags)
                .is_err()
        );
    }
    assert!(B3Headers::from_multiple_headers(Some(TRACE), None, None, Some("1"), None).is_err());
    // opentelemetry-go-contrib errInvalidScopeParent: a parent id without ids.
    assert!(B3Headers::from_multiple_headers(None, None, Some(PARENT), Some("0"), None).is_err());
    assert!(B3Headers::from_multiple_headers(None, Some(SPAN), None, Some("1"), None).is_err());
    assert!(
        B3Headers::from_multiple_headers(Some(TRACE), Some(SPAN), Some("xyz"), Some("1"), None)
            .is_err()
    );
    assert!(B3Headers::from_multiple_headers(None, None, None, None, None).is_err());
    // "While valid to propagate only a reject sampling decision (X-B3-Sampled: 0)".
    let deny = B3Headers::from_multiple_headers(None, None, None, Some("0"), None).unwrap();
    assert_eq!(
        (deny.sampling(), deny.trace_id()),
        (SamplingState::Deny, None)
    );
}

// OTel B3 requirements: "MUST attempt to extract B3 encoded using single and multi-header
// formats. The single-header variant takes precedence over the multi-header version."
#[test]
fn extract_single_header_wins_over_multi() {
    let p = B3Propagator::default();
    let cx = extract(
        &p,
        &[
            ("b3", &format!("{TRACE}-{SPAN}-0")),
            ("x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124"),
            ("x-b3-spanid", "a2fb4a1d1a96d312"),
            ("x-b3-sampled", "1"),
        ],
    );
    let sc = cx.span().span_context().clone();
    assert_eq!(sc.trace_id().to_string(), TRACE);
    assert!(!sc.is_sampled() && sc.is_remote());
}

// Decision (opentelemetry-go and -java do the same): a malformed single header falls back to
// the multiple headers rather than dropping the context.
#[test]
fn extract_malformed_single_falls_back_to_multi() {
    let p = B3Propagator::with_encoding(B3Encoding::MultipleHeader);
    let cx = extract(
        &p,
        &[
            ("b3", "garbage"),
            ("x-b3-traceid", TRACE),
            ("x-b3-spanid", SPAN),
            ("x-b3-sampled", "1"),
        ],
    );
    assert_eq!(cx.span().span_context().span_id().to_string(), SPAN);
    let cx = extract(&p, &[("b3", "garbage")]);
    assert!(!cx.span().span_context().is_valid());
    assert_eq!(SamplingState::from_context(&cx), None);
}

// OTel B3: "MUST preserve a debug trace flag ... MUST set the sampled trace flag when the debug
// flag is set"; debug never lands in TraceFlags 0x02 (the W3C random bit).
#[test]
fn debug_implies_sampled_and_stays_off_the_random_bit() {
    let p = B3Propagator::default();
    for pairs in [
        vec![("b3", format!("{TRACE}-{SPAN}-d"))],
        vec![
            ("x-b3-traceid", TRACE.into()),
            ("x-b3-spanid", SPAN.into()),
            ("x-b3-flags", "1".into()),
        ],
    ] {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let cx = extract(&p, &pairs);
        assert_eq!(cx.span().span_context().trace_flags().to_u8(), 0x01);
        assert_eq!(SamplingState::from_context(&cx), Some(SamplingState::Debug));
        let mut out = HashMap::new();
        p.inject_context(&cx, &mut out);
        assert_eq!(out["b3"], format!("{TRACE}-{SPAN}-d"));
        let mut out = HashMap::new();
        B3Propagator::with_encoding(B3Encoding::MultipleHeader).inject_context(&cx, &mut out);
        assert_eq!(out.get("x-b3-flags").map(String::as_str), Some("1"));
        assert!(
            !out.contains_key("x-b3-sampled"),
            "debug implies accept: do not also send X-B3-Sampled"
        );
    }
}

// B3 README: "b3: 0" carries a deny decision with no ids; the decision must survive to the next hop.
#[test]
fn sampling_only_round_trips_without_a_span_context() {
    for (v, multi) in [
        ("0", ("x-b3-sampled", "0")),
        ("1", ("x-b3-sampled", "1")),
        ("d", ("x-b3-flags", "1")),
    ] {
        let cx = extract(&B3Propagator::default(), &[("b3", v)]);
        assert!(!cx.span().span_context().is_valid());
        let mut out = HashMap::new();
        B3Propagator::with_encoding(B3Encoding::SingleAndMultiHeader).inject_context(&cx, &mut out);
        assert_eq!(out["b3"], v);
        assert_eq!(out[multi.0], multi.1);
        assert!(!out.contains_key("x-b3-traceid"));
    }
}

// OTel B3: "MUST NOT propagate X-B3-ParentSpanId".
#[test]
fn inject_never_writes_the_parent_span_id() {
    let cx = extract(
        &B3Propagator::default(),
        &[("b3", &format!("{TRACE}-{SPAN}-1-{PARENT}"))],
    );
    for enc in [
        B3Encoding::SingleHeader,
        B3Encoding::MultipleHeader,
        B3Encoding::SingleAndMultiHeader,
    ] {
        let mut out = HashMap::new();
        B3Propagator::with_encoding(enc).inject_context(&cx, &mut out);
        assert!(!out.contains_key("x-b3-parentspanid"));
        assert!(out.values().all(|v| !v.contains(PARENT)), "{out:?}");
    }
}

// B3 README: absent X-B3-Sampled "means defer the decision to the receiver".
#[test]
fn deferred_decision_is_re_emitted_as_absent() {
    let cx = extract(
        &B3Propagator::default(),
        &[("x-b3-traceid", TRACE), ("x-b3-spanid", SPAN)],
    );
    assert_eq!(SamplingState::from_context(&cx), Some(SamplingState::Defer));
    let mut out = HashMap::new();
    B3Propagator::with_encoding(B3Encoding::SingleAndMultiHeader).inject_context(&cx, &mut out);
    assert_eq!(out["b3"], format!("{TRACE}-{SPAN}"));
    assert!(!out.contains_key("x-b3-sampled") && !out.contains_key("x-b3-flags"));
}

#[test]
fn nothing_in_nothing_out() {
    let cx = extract(&B3Propagator::default(), &[]);
    assert!(!cx.span().span_context().is_valid());
    let mut out = HashMap::new();
    B3Propagator::default().inject_context(&Context::new(), &mut out);
    assert!(out.is_empty());
}

#[test]
fn fields_follow_the_encoding_and_are_cached() {
    let (p1, p2) = (
        B3Propagator::default(),
        B3Propagator::with_encoding(B3Encoding::MultipleHeader),
    );
    let single: Vec<_> = p1.fields().collect();
    assert_eq!(single, ["b3"]);
    let multi: Vec<_> = p2.fields().collect();
    assert_eq!(
        multi,
        ["x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-flags"]
    );
    let a = p1.fields().next().unwrap().as_ptr();
    let b = B3Propagator::default()
        .fields()
        .next()
        .map(str::as_ptr)
        .unwrap();
    assert_eq!(a, b);
}

fn state() -> impl Strategy<Value = SamplingState> {
    prop_oneof![
        Just(SamplingState::Defer),
        Just(SamplingState::Deny),
        Just(SamplingState::Accept),
        Just(SamplingState::Debug)
    ]
}

proptest! {
    #[test]
    fn parse_encode_round_trip(t in 1u128.., s in 1u64.., sampling in state(), parent in proptest::option::of(1u64..)) {
        let mut v = B3Headers::new(TraceId::from(t), SpanId::from(s), sampling).unwrap();
        // A parent id needs an explicit state before it in the single header.
        v.parent_span_id = if sampling == SamplingState::Defer { None } else { parent };
        let mut buf = [0u8; B3Headers::LENGTH];
        prop_assert_eq!(B3Headers::parse(v.encode(&mut buf)), Ok(v));
    }

    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        let s = String::from_utf8_lossy(&bytes);
        let _ = B3Headers::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_near_valid(s in "[0-9a-fd-]{0,80}") {
        if let Ok(b3) = B3Headers::parse(&s) {
            let mut buf = [0u8; B3Headers::LENGTH];
            prop_assert_eq!(B3Headers::parse(b3.encode(&mut buf)), Ok(b3));
        }
    }
}

/// `B3Headers::parse` as it was before the fast path for the first `-`, which must not change
/// any result.
fn parse_by_first_dash(value: &str) -> Result<B3Headers, ParseError> {
    let v = value.as_bytes();
    if v.is_empty() || v.len() > B3Headers::LENGTH || v.len() == 1 {
        return B3Headers::parse(value);
    }
    let Some(dash) = v.iter().position(|&b| b == b'-') else {
        return B3Headers::parse(value);
    };
    let trace_id = parse_trace_id(&v[..dash], HEADER)?;
    let rest = &v[dash + 1..];
    let span_id = parse_span_id(rest.get(..16).unwrap_or(b""), HEADER, "span id")?;
    let rest = &rest[16..];
    let (sampling, rest) = match rest {
        [] => (SamplingState::Defer, rest),
        [b'-', s, rest @ ..] => (parse_state(*s)?, rest),
        _ => return B3Headers::parse(value),
    };
    let parent_span_id = match rest {
        [] => None,
        [b'-', parent @ ..] => Some(parse_span_id(parent, HEADER, "parent span id")?),
        _ => return B3Headers::parse(value),
    };
    Ok(B3Headers {
        ids: Some((trace_id, span_id)),
        sampling,
        parent_span_id,
    })
}

proptest! {
    // The first `-` is looked for at 16 and 32 first: the same value or the same error as a
    // scan from the start, for values near the valid ones.
    #[test]
    fn dash_fast_path_changes_no_result(
        trace in "[0-9a-f-]{14,34}",
        span in "[0-9a-f-]{15,17}",
        tail in "(-[01d-](-[0-9a-f-]{16})?)?",
    ) {
        let value = format!("{trace}-{span}{tail}");
        prop_assert_eq!(B3Headers::parse(&value), parse_by_first_dash(&value));
    }

    // Trace ids of 16 or 32 digits decode as the byte-at-a-time table did.
    #[test]
    fn trace_ids_decode_as_the_table_does(t in "[0-9a-fA-F]{16}|[0-9a-fA-F]{32}") {
        let want = match hex::decode_lower(t.as_bytes()) {
            Some(0) => None,
            other => other,
        };
        prop_assert_eq!(parse_trace_id(t.as_bytes(), HEADER).ok(), want);
    }
}
