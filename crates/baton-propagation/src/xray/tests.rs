use std::collections::HashMap;

use opentelemetry::propagation::TextMapPropagator;
use proptest::prelude::*;

use super::*;

const ROOT: &str = "1-5759e988-bd862e3fe1be46a994272793";
const PARENT: &str = "53995c3f42cd8ad8";

fn extract(value: &str) -> Context {
    let headers: HashMap<String, String> =
        [(X_AMZN_TRACE_ID.to_string(), value.to_string())].into();
    XRayPropagator::default().extract_with_context(&Context::new(), &headers)
}

fn inject(cx: &Context) -> Option<String> {
    let mut out = HashMap::new();
    XRayPropagator::default().inject_context(cx, &mut out);
    out.remove(X_AMZN_TRACE_ID)
}

// AWS X-Ray developer guide, "Tracing header" examples; fields may come in any order.
#[test]
fn aws_examples_parse_in_any_order() {
    let table: &[(&str, SamplingState, bool)] = &[
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            SamplingState::Accept,
            true,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
            SamplingState::Accept,
            false,
        ),
        (
            "Sampled=0;Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793",
            SamplingState::Deny,
            true,
        ),
        (
            "Parent=53995c3f42cd8ad8;Root=1-5759e988-bd862e3fe1be46a994272793",
            SamplingState::Defer,
            true,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?",
            SamplingState::Defer,
            true,
        ),
        // Elastic Load Balancing "Request tracing": Self and application fields are preserved.
        (
            "Self=1-67891233-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678;CalledFrom=app",
            SamplingState::Defer,
            false,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793 ; Parent=53995c3f42cd8ad8;\tSampled=1 ",
            SamplingState::Accept,
            true,
        ),
    ];
    for &(value, sampling, has_parent) in table {
        let h = XRayTraceHeader::parse(value).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(h.sampling(), sampling, "{value}");
        assert_eq!(h.parent().is_some(), has_parent, "{value}");
    }
}

#[test]
fn off_spec_values_are_rejected() {
    let table: &[(&str, ErrorKind)] = &[
        ("", ErrorKind::Empty),
        ("  ", ErrorKind::Empty),
        ("Parent=53995c3f42cd8ad8;Sampled=1", ErrorKind::Malformed),
        (
            "Root=2-5759e988-bd862e3fe1be46a994272793",
            ErrorKind::Malformed,
        ),
        (
            "Root=1-5759E988-bd862e3fe1be46a994272793",
            ErrorKind::Malformed,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a99427279",
            ErrorKind::Malformed,
        ),
        (
            "Root=1-5759e988bd862e3fe1be46a994272793",
            ErrorKind::Malformed,
        ),
        (
            "Root=1-00000000-000000000000000000000000",
            ErrorKind::InvalidId,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000",
            ErrorKind::InvalidId,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad",
            ErrorKind::Malformed,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=2",
            ErrorKind::Malformed,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=true",
            ErrorKind::Malformed,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;Root=1-5759e988-bd862e3fe1be46a994272793",
            ErrorKind::Duplicate,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1;Sampled=0",
            ErrorKind::Duplicate,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;junk",
            ErrorKind::Malformed,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;;Sampled=1",
            ErrorKind::Malformed,
        ),
        (
            "Root = 1-5759e988-bd862e3fe1be46a994272793",
            ErrorKind::Malformed,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;A=\u{e9}",
            ErrorKind::Malformed,
        ),
        (
            "Root=1-5759e988-bd862e3fe1be46a994272793;A=\n",
            ErrorKind::Malformed,
        ),
    ];
    for &(value, kind) in table {
        let err = XRayTraceHeader::parse(value).expect_err(value);
        assert_eq!(err.kind(), kind, "{value}: {err}");
        assert!(!extract(value).span().span_context().is_valid(), "{value}");
    }
}

#[test]
fn one_mib_value_is_rejected_by_length_first() {
    let huge = format!("Root={ROOT};Parent={PARENT};{}", "A=b;".repeat(1 << 18));
    let start = std::time::Instant::now();
    assert_eq!(
        XRayTraceHeader::parse(&huge).unwrap_err().kind(),
        ErrorKind::TooLong
    );
    assert!(start.elapsed() < std::time::Duration::from_millis(50));
    assert!(!extract(&huge).span().span_context().is_valid());
}

#[test]
fn deferred_decision_round_trips_as_question_mark_and_keeps_flags_clear() {
    for value in [
        format!("Root={ROOT};Parent={PARENT};Sampled=?"),
        format!("Root={ROOT};Parent={PARENT}"),
    ] {
        let cx = extract(&value);
        let sc = cx.span().span_context().clone();
        assert_eq!(
            sc.trace_flags().to_u8(),
            0,
            "no 0x02: that is the W3C random bit"
        );
        assert_eq!(SamplingState::from_context(&cx), Some(SamplingState::Defer));
        assert_eq!(
            inject(&cx).unwrap(),
            format!("Root={ROOT};Parent={PARENT};Sampled=?")
        );
    }
}

#[test]
fn extra_fields_are_re_emitted_in_order() {
    let value = format!(
        "Self=1-67891233-12456789abcdef012345678;Root={ROOT};Lineage=a87bd80c:1|68fd508a:5;Parent={PARENT};Sampled=1"
    );
    let cx = extract(&value);
    assert_eq!(
        inject(&cx).unwrap(),
        format!(
            "Root={ROOT};Parent={PARENT};Sampled=1;Self=1-67891233-12456789abcdef012345678;Lineage=a87bd80c:1|68fd508a:5"
        )
    );
}

#[test]
fn a_root_without_parent_gives_no_span_context() {
    let cx = extract(&format!("Root={ROOT};Sampled=1"));
    assert!(!cx.span().span_context().is_valid());
    assert_eq!(inject(&cx), None);
}

#[test]
fn fields_are_cached() {
    let p = XRayPropagator::default();
    assert_eq!(p.fields().collect::<Vec<_>>(), [X_AMZN_TRACE_ID]);
    assert_eq!(
        p.fields().next().map(str::as_ptr),
        XRayPropagator::default().fields().next().map(str::as_ptr)
    );
}

proptest! {
    #[test]
    fn parse_encode_round_trip(t in 1u128.., p in 1u64.., s in 0u8..3) {
        let sampling = [SamplingState::Deny, SamplingState::Accept, SamplingState::Defer][s as usize];
        let h = XRayTraceHeader::new(TraceId::from(t), SpanId::from(p), sampling);
        let mut buf = [0u8; XRayTraceHeader::LENGTH];
        let encoded = h.encode(&mut buf).to_owned();
        let back = XRayTraceHeader::parse(&encoded).unwrap();
        prop_assert_eq!((back.trace_id(), back.parent(), back.sampling()), (h.trace_id(), h.parent(), h.sampling()));
        let cx = extract(&encoded);
        prop_assert_eq!(inject(&cx), Some(encoded));
    }

    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let s = String::from_utf8_lossy(&bytes);
        let _ = XRayTraceHeader::parse(&s);
        let _ = extract(&s);
    }

    #[test]
    fn near_valid_never_panics(s in "(Root|Parent|Sampled|Self|[A-Z])=[0-9a-f?-]{0,40}(; ?(Root|Parent|Sampled|X)=[0-9a-f?-]{0,40}){0,4}") {
        if let Ok(h) = XRayTraceHeader::parse(&s) {
            prop_assert!(h.extra_fields().count() <= 5);
        }
        let _ = extract(&s);
    }
}

proptest::proptest! {
    // AWS X-Ray "Tracing header": `;`-separated `key=value` fields. The byte-loop split reads
    // the same fields as `str::split_terminator(';')` and `split_once('=')` did.
    #[test]
    fn fields_split_as_str_split_terminator(value in "[ \tRo=1;a-f\u{e9}]{0,24}") {
        let reference: Vec<(&str, Option<&str>)> = value
            .trim_end_matches([' ', '\t'])
            .split_terminator(';')
            .map(|field| {
                let field = field.trim_matches([' ', '\t']);
                match field.split_once('=') {
                    Some((k, v)) if !k.is_empty() && !k.bytes().any(is_ows) => (k, Some(v)),
                    _ => ("", None),
                }
            })
            .collect();
        let ours: Vec<(&str, Option<&str>)> = fields(&value).map(|(k, v)| (k, v.ok())).collect();
        proptest::prop_assert_eq!(ours, reference);
    }
}

proptest::proptest! {
    // The canonical layout is read without splitting; any value near it (one byte replaced,
    // or a field moved or repeated) gives the same header or the same error as the general,
    // field-by-field reading of the AWS X-Ray "Tracing header" grammar.
    #[test]
    fn canonical_fast_path_changes_no_result(
        at in 0usize..74,
        byte in proptest::sample::select(b"0123456789abcdefgA-;=? \tRPS\x7f".to_vec()),
        reorder in proptest::bool::ANY,
    ) {
        let canonical = format!("Root={ROOT};Parent=53995c3f42cd8ad8;Sampled=1");
        let mut bytes = canonical.into_bytes();
        bytes[at] = byte;
        let value = String::from_utf8(bytes).unwrap();
        let value = if reorder { format!("Sampled=0;{value}") } else { value };
        proptest::prop_assert_eq!(
            XRayTraceHeader::parse(&value),
            XRayTraceHeader::parse_fields(&value)
        );
    }
}
