//! The W3C conformance suites, ported case by case.
//!
//! Trace Context: every case of `w3c/trace-context` `test/test.py` (classes `TraceContextTest`
//! and `AdvancedTest`), named after the suite's test and numbered in the suite's order. The
//! suite plays a caller: it sends headers to a service and checks the headers the service
//! *sends onward*. Here the service is `TraceContextPropagator::extract`, a span started by
//! the OpenTelemetry SDK in that context (what any instrumented service does), and
//! `TraceContextPropagator::inject` into an `http::HeaderMap`. The onward headers are then read
//! the way the suite's harness reads them (`test/tracecontext/tracestate.py`: the harness
//! fails a case outright if it cannot parse what the service sent).
//!
//! The `tracestate` cases follow the suite after its key-grammar fix (spec
//! `spec/20-http_request_header_format.md`, "Key": `( lcalpha / DIGIT ) 0*255 ( keychar )` with
//! `@` a `keychar`): `test_tracestate_key_illegal_vendor_format` #1, #3, #4 and
//! `test_tracestate_key_length_limit` #4, #5 send valid keys, and the lists of
//! `test_tracestate_duplicated_keys` are kept with the duplicates dropped (the first member
//! with a key stays), as the harness itself reads a repeated key.
//!
//! Baggage: the rules and examples of `w3c/baggage` `baggage/HTTP_HEADER_FORMAT.md` and the
//! cases of its `test/test_baggage.py`, through `BaggagePropagator` and `http::HeaderMap`.

#![cfg(feature = "http")]

use baton_propagation::{
    BaggagePropagator, HeaderExtractor, HeaderInjector, TraceContextPropagator,
};
use http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::baggage::{Baggage, BaggageExt, BaggageMetadata};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{TraceContextExt, Tracer, TracerProvider};
use opentelemetry::{Context, StringValue};
use opentelemetry_sdk::trace::SdkTracerProvider;

const ID: &str = "12345678901234567890123456789012";
const PARENT: &str = "1234567890123456";
const TP00: &str = "00-12345678901234567890123456789012-1234567890123456-00";
const TP01: &str = "00-12345678901234567890123456789012-1234567890123456-01";

// ---------------------------------------------------------------------------------------------
// Trace Context: the service and the harness.
// ---------------------------------------------------------------------------------------------

fn request(headers: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

/// The service under test: extract, start a span in the extracted context (one per callback,
/// as an instrumented HTTP client does), inject each into the onward request.
fn service(headers: &[(&str, &str)], callbacks: usize) -> Vec<HeaderMap> {
    let inbound = request(headers);
    let propagator = TraceContextPropagator::default();
    let cx = propagator.extract_with_context(&Context::new(), &HeaderExtractor(&inbound));
    let provider = SdkTracerProvider::builder().build();
    let tracer = provider.tracer("w3c-conformance");
    (0..callbacks)
        .map(|_| {
            let span = tracer.start_with_context("callback", &cx);
            let child = cx.with_span(span);
            let mut onward = HeaderMap::new();
            propagator.inject_context(&child, &mut HeaderInjector(&mut onward));
            onward
        })
        .collect()
}

/// What the harness reads from one onward request.
#[derive(Debug)]
struct Onward {
    version: String,
    trace_id: String,
    parent_id: String,
    flags: u8,
    /// The harness's `Tracestate`: members in order, a repeated key kept once (the first).
    tracestate: Vec<(String, String)>,
    /// The `tracestate` header lines as sent.
    tracestate_lines: Vec<String>,
}

impl Onward {
    fn get(&self, key: &str) -> Option<&str> {
        self.tracestate
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn tracestate_string(&self) -> String {
        let members: Vec<String> = self
            .tracestate
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        members.join(",")
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `TestBase.get_traceparent`: exactly one `traceparent`, matching
/// `^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$`.
fn read_onward(map: &HeaderMap, case: &str) -> Onward {
    let lines: Vec<&HeaderValue> = map.get_all("traceparent").iter().collect();
    assert_eq!(lines.len(), 1, "{case}: expect one traceparent header");
    let tp = lines[0].to_str().unwrap();
    let parts: Vec<&str> = tp.split('-').collect();
    assert!(
        parts.len() == 4
            && is_lower_hex(parts[0], 2)
            && is_lower_hex(parts[1], 32)
            && is_lower_hex(parts[2], 16)
            && is_lower_hex(parts[3], 2),
        "{case}: onward traceparent {tp:?} does not match the harness format"
    );
    assert_eq!(
        parts[0], "00",
        "{case}: a vendor sends the version it knows"
    );
    assert_ne!(parts[1], "0".repeat(32), "{case}: all-zero trace id sent");
    assert_ne!(parts[2], "0".repeat(16), "{case}: all-zero parent id sent");
    let flags = u8::from_str_radix(parts[3], 16).unwrap();
    assert_eq!(flags & !0x03, 0, "{case}: reserved flags MUST be zero");
    let tracestate_lines: Vec<String> = map
        .get_all("tracestate")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let mut tracestate: Vec<(String, String)> = Vec::new();
    for line in &tracestate_lines {
        harness_tracestate(line, &mut tracestate, case);
    }
    Onward {
        version: parts[0].to_owned(),
        trace_id: parts[1].to_owned(),
        parent_id: parts[2].to_owned(),
        flags,
        tracestate,
        tracestate_lines,
    }
}

/// The harness's key format, the spec's current key grammar:
/// `( lcalpha / DIGIT ) 0*255 ( keychar )`, `keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/"
/// / "@"`.
fn harness_key(key: &str) -> bool {
    (1..=256).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && key
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'*' | b'/' | b'@'))
}

/// The harness's `_VALUE_FORMAT`: `[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]`.
fn harness_value(value: &str) -> bool {
    (1..=256).contains(&value.len())
        && value
            .bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=')
        && !value.ends_with(' ')
}

/// `Tracestate.from_string`: split on `[ \t]*,[ \t]*`, every non-empty member must match the
/// member format (else the harness raises), a repeated key keeps its first value.
fn harness_tracestate(line: &str, out: &mut Vec<(String, String)>, case: &str) {
    let pieces: Vec<&str> = line.split(',').collect();
    let last = pieces.len() - 1;
    for (i, piece) in pieces.iter().enumerate() {
        let mut member = *piece;
        if i > 0 {
            member = member.trim_start_matches([' ', '\t']);
        }
        if i < last {
            member = member.trim_end_matches([' ', '\t']);
        }
        if member.is_empty() {
            continue;
        }
        let (key, value) = member
            .split_once('=')
            .unwrap_or_else(|| panic!("{case}: harness cannot parse member {member:?}"));
        assert!(
            harness_key(key) && harness_value(value),
            "{case}: harness cannot parse member {member:?}"
        );
        if !out.iter().any(|(k, _)| k == key) {
            out.push((key.to_owned(), value.to_owned()));
        }
    }
}

/// What a case asserts about the onward `traceparent`.
enum Trace {
    /// `assertEqual(traceparent.trace_id.hex(), ID)`, and a new parent id.
    Same,
    /// `assertNotEqual(traceparent.trace_id.hex(), ...)` for each of these.
    NotAnyOf(&'static [&'static str]),
    /// Only that a valid `traceparent` is sent.
    Valid,
}

/// What a case asserts about the onward `tracestate`.
enum State {
    Any,
    /// `assertIn` / `assertEqual(tracestate[key], value)` for each pair.
    Has(Vec<(String, String)>),
    /// `assertRaises(KeyError, lambda: tracestate[key])` for each key.
    Lacks(&'static [&'static str]),
    /// The exact combined value.
    Exactly(&'static str),
    /// Nothing survives (no header, or an empty list).
    Discarded,
}

struct Case {
    name: &'static str,
    headers: Vec<(&'static str, String)>,
    trace: Trace,
    state: State,
}

fn case(name: &'static str, headers: &[(&'static str, &str)], trace: Trace, state: State) -> Case {
    Case {
        name,
        headers: headers.iter().map(|(n, v)| (*n, (*v).to_owned())).collect(),
        trace,
        state,
    }
}

fn has(pairs: &[(&str, &str)]) -> State {
    State::Has(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

const NEW: Trace = Trace::NotAnyOf(&[ID]);

/// A traceparent-only case expecting a restarted trace.
fn restart(name: &'static str, traceparent: &str) -> Case {
    case(name, &[("traceparent", traceparent)], NEW, State::Any)
}

fn ts(name: &'static str, lines: &[&str], trace: Trace, state: State) -> Case {
    let mut headers = vec![("traceparent", TP00.to_owned())];
    headers.extend(lines.iter().map(|l| ("tracestate", (*l).to_owned())));
    Case {
        name,
        headers,
        trace,
        state,
    }
}

fn trace_context_cases() -> Vec<Case> {
    let key_without_vendor = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
    let key_with_vendor = format!("{key_without_vendor}@a-z0-9_-*/");
    let value: String = (0x20u8..=0x2b)
        .chain(0x2d..=0x3c)
        .chain(0x3e..=0x7e)
        .map(char::from)
        .collect();
    let long_tenant = format!("{}@{}", "t".repeat(241), "v".repeat(14));
    let count_lines = [
        "bar01=01,bar02=02,bar03=03,bar04=04,bar05=05,bar06=06,bar07=07,bar08=08,bar09=09,bar10=10",
        "bar11=11,bar12=12,bar13=13,bar14=14,bar15=15,bar16=16,bar17=17,bar18=18,bar19=19,bar20=20",
        "bar21=21,bar22=22,bar23=23,bar24=24,bar25=25,bar26=26,bar27=27,bar28=28,bar29=29,bar30=30",
    ];
    let all_32: String = (1..=32)
        .map(|i| format!("bar{i:02}={i:02}"))
        .collect::<Vec<_>>()
        .join(",");

    let mut cases = vec![
        case(
            "test_both_traceparent_and_tracestate_missing",
            &[],
            Trace::Valid,
            State::Discarded,
        ),
        case(
            "test_traceparent_included_tracestate_missing",
            &[("traceparent", TP01)],
            Trace::Same,
            State::Discarded,
        ),
        case(
            "test_traceparent_duplicated",
            &[
                (
                    "traceparent",
                    "00-12345678901234567890123456789011-1234567890123456-01",
                ),
                ("traceparent", TP01),
            ],
            Trace::NotAnyOf(&[
                "12345678901234567890123456789011",
                "12345678901234567890123456789012",
            ]),
            State::Any,
        ),
        case(
            "test_traceparent_header_name#1",
            &[("trace-parent", TP01)],
            NEW,
            State::Any,
        ),
        case(
            "test_traceparent_header_name#2",
            &[("trace.parent", TP01)],
            NEW,
            State::Any,
        ),
        case(
            "test_traceparent_header_name_valid_casing#1",
            &[("TraceParent", TP01)],
            Trace::Same,
            State::Any,
        ),
        case(
            "test_traceparent_header_name_valid_casing#2",
            &[("TrAcEpArEnT", TP01)],
            Trace::Same,
            State::Any,
        ),
        case(
            "test_traceparent_header_name_valid_casing#3",
            &[("TRACEPARENT", TP01)],
            Trace::Same,
            State::Any,
        ),
        restart(
            "test_traceparent_version_0x00#1",
            "00-12345678901234567890123456789012-1234567890123456-01.",
        ),
        restart(
            "test_traceparent_version_0x00#2",
            "00-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
        ),
        case(
            "test_traceparent_version_0xcc#1",
            &[(
                "traceparent",
                "cc-12345678901234567890123456789012-1234567890123456-01",
            )],
            Trace::Same,
            State::Any,
        ),
        case(
            "test_traceparent_version_0xcc#2",
            &[(
                "traceparent",
                "cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
            )],
            Trace::Same,
            State::Any,
        ),
        restart(
            "test_traceparent_version_0xcc#3",
            "cc-12345678901234567890123456789012-1234567890123456-01.what-the-future-will-be-like",
        ),
        restart(
            "test_traceparent_version_0xff",
            "ff-12345678901234567890123456789012-1234567890123456-01",
        ),
        restart(
            "test_traceparent_version_illegal_characters#1",
            ".0-12345678901234567890123456789012-1234567890123456-01",
        ),
        restart(
            "test_traceparent_version_illegal_characters#2",
            "0.-12345678901234567890123456789012-1234567890123456-01",
        ),
        restart(
            "test_traceparent_version_too_long#1",
            "000-12345678901234567890123456789012-1234567890123456-01",
        ),
        restart(
            "test_traceparent_version_too_long#2",
            "0000-12345678901234567890123456789012-1234567890123456-01",
        ),
        restart(
            "test_traceparent_version_too_short",
            "0-12345678901234567890123456789012-1234567890123456-01",
        ),
        case(
            "test_traceparent_trace_id_all_zero",
            &[(
                "traceparent",
                "00-00000000000000000000000000000000-1234567890123456-01",
            )],
            Trace::NotAnyOf(&["00000000000000000000000000000000"]),
            State::Any,
        ),
        restart(
            "test_traceparent_trace_id_illegal_characters#1",
            "00-.2345678901234567890123456789012-1234567890123456-01",
        ),
        restart(
            "test_traceparent_trace_id_illegal_characters#2",
            "00-1234567890123456789012345678901.-1234567890123456-01",
        ),
        case(
            "test_traceparent_trace_id_too_long",
            &[(
                "traceparent",
                "00-123456789012345678901234567890123-1234567890123456-01",
            )],
            Trace::NotAnyOf(&[
                "12345678901234567890123456789012",
                "23456789012345678901234567890123",
            ]),
            State::Any,
        ),
        restart(
            "test_traceparent_trace_id_too_short",
            "00-1234567890123456789012345678901-1234567890123456-01",
        ),
        restart(
            "test_traceparent_parent_id_all_zero",
            "00-12345678901234567890123456789012-0000000000000000-01",
        ),
        restart(
            "test_traceparent_parent_id_illegal_characters#1",
            "00-12345678901234567890123456789012-.234567890123456-01",
        ),
        restart(
            "test_traceparent_parent_id_illegal_characters#2",
            "00-12345678901234567890123456789012-123456789012345.-01",
        ),
        restart(
            "test_traceparent_parent_id_too_long",
            "00-12345678901234567890123456789012-12345678901234567-01",
        ),
        restart(
            "test_traceparent_parent_id_too_short",
            "00-12345678901234567890123456789012-123456789012345-01",
        ),
        restart(
            "test_traceparent_trace_flags_illegal_characters#1",
            "00-12345678901234567890123456789012-1234567890123456-.0",
        ),
        restart(
            "test_traceparent_trace_flags_illegal_characters#2",
            "00-12345678901234567890123456789012-1234567890123456-0.",
        ),
        restart(
            "test_traceparent_trace_flags_too_long",
            "00-12345678901234567890123456789012-1234567890123456-001",
        ),
        restart(
            "test_traceparent_trace_flags_too_short",
            "00-12345678901234567890123456789012-1234567890123456-1",
        ),
    ];
    for (i, tp) in [
        " 00-12345678901234567890123456789012-1234567890123456-01",
        "\t00-12345678901234567890123456789012-1234567890123456-01",
        "00-12345678901234567890123456789012-1234567890123456-01 ",
        "00-12345678901234567890123456789012-1234567890123456-01\t",
        "\t 00-12345678901234567890123456789012-1234567890123456-01 \t",
    ]
    .into_iter()
    .enumerate()
    {
        let names = [
            "test_traceparent_ows_handling#1",
            "test_traceparent_ows_handling#2",
            "test_traceparent_ows_handling#3",
            "test_traceparent_ows_handling#4",
            "test_traceparent_ows_handling#5",
        ];
        cases.push(case(
            names[i],
            &[("traceparent", tp)],
            Trace::Same,
            State::Any,
        ));
    }
    cases.extend([
        // test_tracestate_included_traceparent_missing is a pair; see its own test below.
        ts(
            "test_tracestate_included_traceparent_included",
            &["foo=1,bar=2"],
            Trace::Same,
            has(&[("foo", "1"), ("bar", "2")]),
        ),
        case(
            "test_tracestate_header_name#1",
            &[("traceparent", TP00), ("trace-state", "foo=1")],
            Trace::Same,
            State::Lacks(&["foo"]),
        ),
        case(
            "test_tracestate_header_name#2",
            &[("traceparent", TP00), ("trace.state", "foo=1")],
            Trace::Same,
            State::Lacks(&["foo"]),
        ),
        case(
            "test_tracestate_header_name_valid_casing#1",
            &[("traceparent", TP00), ("TraceState", "foo=1")],
            Trace::Same,
            has(&[("foo", "1")]),
        ),
        case(
            "test_tracestate_header_name_valid_casing#2",
            &[("traceparent", TP00), ("TrAcEsTaTe", "foo=1")],
            Trace::Same,
            has(&[("foo", "1")]),
        ),
        case(
            "test_tracestate_header_name_valid_casing#3",
            &[("traceparent", TP00), ("TRACESTATE", "foo=1")],
            Trace::Same,
            has(&[("foo", "1")]),
        ),
        ts(
            "test_tracestate_empty_header#1",
            &[""],
            Trace::Same,
            State::Discarded,
        ),
        ts(
            "test_tracestate_empty_header#2",
            &["foo=1", ""],
            Trace::Same,
            has(&[("foo", "1")]),
        ),
        ts(
            "test_tracestate_empty_header#3",
            &["", "foo=1"],
            Trace::Same,
            has(&[("foo", "1")]),
        ),
        ts(
            "test_tracestate_multiple_headers_different_keys",
            &["foo=1,bar=2", "rojo=1,congo=2", "baz=3"],
            Trace::Same,
            State::Exactly("foo=1,bar=2,rojo=1,congo=2,baz=3"),
        ),
        // A list with a duplicated key is not discarded: the spec lets a vendor drop the
        // duplicates, and Baton keeps the first member with the key.
        ts(
            "test_tracestate_duplicated_keys#1",
            &["foo=1,foo=1"],
            Trace::Same,
            State::Exactly("foo=1"),
        ),
        ts(
            "test_tracestate_duplicated_keys#2",
            &["foo=1,foo=2"],
            Trace::Same,
            State::Exactly("foo=1"),
        ),
        ts(
            "test_tracestate_duplicated_keys#3",
            &["foo=1", "foo=1"],
            Trace::Same,
            State::Exactly("foo=1"),
        ),
        ts(
            "test_tracestate_duplicated_keys#4",
            &["foo=1", "foo=2"],
            Trace::Same,
            State::Exactly("foo=1"),
        ),
        ts(
            "test_tracestate_all_allowed_characters#1",
            &[&format!("{key_without_vendor}={value}")],
            Trace::Same,
            has(&[(key_without_vendor, &value)]),
        ),
        ts(
            "test_tracestate_all_allowed_characters#2",
            &[&format!("{key_with_vendor}={value}")],
            Trace::Same,
            has(&[(&key_with_vendor, &value)]),
        ),
        ts(
            "test_tracestate_ows_handling#1",
            &["foo=1 \t , \t bar=2, \t baz=3"],
            Trace::Same,
            has(&[("foo", "1"), ("bar", "2"), ("baz", "3")]),
        ),
        ts(
            "test_tracestate_ows_handling#2",
            &["foo=1\t \t,\t \tbar=2,\t \tbaz=3"],
            Trace::Same,
            has(&[("foo", "1"), ("bar", "2"), ("baz", "3")]),
        ),
        ts(
            "test_tracestate_ows_handling#3",
            &[" foo=1"],
            Trace::Same,
            has(&[("foo", "1")]),
        ),
        ts(
            "test_tracestate_ows_handling#4",
            &["\tfoo=1"],
            Trace::Same,
            has(&[("foo", "1")]),
        ),
        ts(
            "test_tracestate_ows_handling#5",
            &["foo=1 "],
            Trace::Same,
            has(&[("foo", "1")]),
        ),
        ts(
            "test_tracestate_ows_handling#6",
            &["foo=1\t"],
            Trace::Same,
            has(&[("foo", "1")]),
        ),
        ts(
            "test_tracestate_ows_handling#7",
            &["\t foo=1 \t"],
            Trace::Same,
            has(&[("foo", "1")]),
        ),
        // The suite only checks that the bad key is not forwarded; the spec discards the list.
        ts(
            "test_tracestate_key_illegal_characters#1",
            &["foo =1"],
            Trace::Same,
            State::Discarded,
        ),
        ts(
            "test_tracestate_key_illegal_characters#2",
            &["FOO=1"],
            Trace::Same,
            State::Discarded,
        ),
        ts(
            "test_tracestate_key_illegal_characters#3",
            &["foo.bar=1"],
            Trace::Same,
            State::Discarded,
        ),
        // Only `@foo` is still illegal: `@` is a key character after the first.
        ts(
            "test_tracestate_key_illegal_vendor_format#1",
            &["foo@=1,bar=2"],
            Trace::Same,
            State::Exactly("foo@=1,bar=2"),
        ),
        ts(
            "test_tracestate_key_illegal_vendor_format#2",
            &["@foo=1,bar=2"],
            Trace::Same,
            State::Lacks(&["bar"]),
        ),
        ts(
            "test_tracestate_key_illegal_vendor_format#3",
            &["foo@@bar=1,bar=2"],
            Trace::Same,
            State::Exactly("foo@@bar=1,bar=2"),
        ),
        ts(
            "test_tracestate_key_illegal_vendor_format#4",
            &["foo@bar@baz=1,bar=2"],
            Trace::Same,
            State::Exactly("foo@bar@baz=1,bar=2"),
        ),
        ts(
            "test_tracestate_member_count_limit#1",
            &[
                count_lines[0],
                count_lines[1],
                count_lines[2],
                "bar31=31,bar32=32",
            ],
            Trace::Same,
            State::Exactly(Box::leak(all_32.into_boxed_str())),
        ),
        ts(
            "test_tracestate_member_count_limit#2",
            &[
                count_lines[0],
                count_lines[1],
                count_lines[2],
                "bar31=31,bar32=32,bar33=33",
            ],
            Trace::Same,
            State::Lacks(&["bar01"]),
        ),
        // A key is at most 256 characters; Level 1's tenant and system id limits (241 and 14
        // characters around one `@`) are gone, so #4 and #5 are valid keys now.
        ts(
            "test_tracestate_key_length_limit#1",
            &["foo=1", &format!("{}=1", "z".repeat(256))],
            Trace::Same,
            has(&[("foo", "1"), (&"z".repeat(256), "1")]),
        ),
        ts(
            "test_tracestate_key_length_limit#2",
            &["foo=1", &format!("{}=1", "z".repeat(257))],
            Trace::Same,
            State::Lacks(&["foo"]),
        ),
        ts(
            "test_tracestate_key_length_limit#3",
            &["foo=1", &format!("{long_tenant}=1")],
            Trace::Same,
            has(&[("foo", "1"), (&long_tenant, "1")]),
        ),
        ts(
            "test_tracestate_key_length_limit#4",
            &["foo=1", &format!("{}@v=1", "t".repeat(242))],
            Trace::Same,
            has(&[("foo", "1"), (&format!("{}@v", "t".repeat(242)), "1")]),
        ),
        ts(
            "test_tracestate_key_length_limit#5",
            &["foo=1", &format!("t@{}=1", "v".repeat(15))],
            Trace::Same,
            has(&[("foo", "1"), (&format!("t@{}", "v".repeat(15)), "1")]),
        ),
        ts(
            "test_tracestate_value_illegal_characters#1",
            &["foo=bar=baz"],
            Trace::Same,
            State::Lacks(&["foo"]),
        ),
        ts(
            "test_tracestate_value_illegal_characters#2",
            &["foo=,bar=3"],
            Trace::Same,
            State::Lacks(&["foo", "bar"]),
        ),
    ]);
    cases
}

fn check(case: &Case) {
    let headers: Vec<(&str, &str)> = case.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let onward = service(&headers, 1);
    let out = read_onward(&onward[0], case.name);
    let name = case.name;
    match case.trace {
        Trace::Same => {
            assert_eq!(out.trace_id, ID, "{name}: trace id must be kept");
            assert_ne!(out.parent_id, PARENT, "{name}: parent id must be new");
        }
        Trace::NotAnyOf(ids) => {
            for id in ids {
                assert_ne!(out.trace_id, *id, "{name}: trace must restart");
            }
        }
        Trace::Valid => {}
    }
    assert!(
        out.tracestate_lines.iter().all(|l| !l.is_empty()),
        "{name}: vendors SHOULD avoid sending empty tracestate headers"
    );
    match &case.state {
        State::Any => {}
        State::Has(pairs) => {
            for (k, v) in pairs {
                assert_eq!(out.get(k), Some(v.as_str()), "{name}: tracestate[{k:?}]");
            }
        }
        State::Lacks(keys) => {
            for k in *keys {
                assert_eq!(out.get(k), None, "{name}: tracestate[{k:?}] must be absent");
            }
        }
        State::Exactly(value) => assert_eq!(out.tracestate_string(), *value, "{name}"),
        State::Discarded => assert!(
            out.tracestate_lines.is_empty(),
            "{name}: tracestate must be discarded, got {:?}",
            out.tracestate_lines
        ),
    }
}

// w3c/trace-context test/test.py, class TraceContextTest: every case in the suite's order.
#[test]
fn trace_context_test() {
    let cases = trace_context_cases();
    assert_eq!(cases.len(), 77);
    for case in &cases {
        check(case);
    }
}

// test.py test_tracestate_included_traceparent_missing: "expects the tracestate to be
// discarded" -- both requests forward the same (empty) tracestate.
#[test]
fn test_tracestate_included_traceparent_missing() {
    let one = service(&[("tracestate", "foo=1")], 1);
    let two = service(&[("tracestate", "foo=1,bar=2")], 1);
    let one = read_onward(&one[0], "test_tracestate_included_traceparent_missing#1");
    let two = read_onward(&two[0], "test_tracestate_included_traceparent_missing#2");
    assert_eq!(one.tracestate.len(), two.tracestate.len());
    assert!(one.tracestate_lines.is_empty() && two.tracestate_lines.is_empty());
}

// test.py test_traceparent_included_tracestate_missing and test_tracestate_included_*: the
// sampled flag is carried into the onward traceparent (the SDK's parent-based sampler).
#[test]
fn sampled_flag_is_carried_onward() {
    let sampled = service(&[("traceparent", TP01)], 1);
    assert_eq!(read_onward(&sampled[0], "sampled").flags & 1, 1);
    let not_sampled = service(&[("traceparent", TP00)], 1);
    let out = read_onward(&not_sampled[0], "not sampled");
    assert_eq!(out.flags & 1, 0);
    assert_eq!(out.version, "00");
}

// test.py AdvancedTest.test_multiple_requests_with_valid_traceparent.
#[test]
fn test_multiple_requests_with_valid_traceparent() {
    let outs: Vec<Onward> = service(&[("traceparent", TP01)], 3)
        .iter()
        .map(|m| read_onward(m, "test_multiple_requests_with_valid_traceparent"))
        .collect();
    let trace_ids: std::collections::HashSet<&str> =
        outs.iter().map(|o| o.trace_id.as_str()).collect();
    let parent_ids: std::collections::HashSet<&str> =
        outs.iter().map(|o| o.parent_id.as_str()).collect();
    assert_eq!(trace_ids.len(), 1);
    assert!(trace_ids.contains(ID));
    assert_eq!(parent_ids.len(), 3);
}

// test.py AdvancedTest.test_multiple_requests_without_traceparent.
#[test]
fn test_multiple_requests_without_traceparent() {
    let outs: Vec<Onward> = service(&[], 3)
        .iter()
        .map(|m| read_onward(m, "test_multiple_requests_without_traceparent"))
        .collect();
    let parent_ids: std::collections::HashSet<&str> =
        outs.iter().map(|o| o.parent_id.as_str()).collect();
    assert_eq!(parent_ids.len(), 3);
}

// test.py AdvancedTest.test_multiple_requests_with_illegal_traceparent.
#[test]
fn test_multiple_requests_with_illegal_traceparent() {
    let outs: Vec<Onward> = service(
        &[(
            "traceparent",
            "00-00000000000000000000000000000000-1234567890123456-01",
        )],
        3,
    )
    .iter()
    .map(|m| read_onward(m, "test_multiple_requests_with_illegal_traceparent"))
    .collect();
    assert!(
        outs.iter()
            .all(|o| o.trace_id != "00000000000000000000000000000000")
    );
    let parent_ids: std::collections::HashSet<&str> =
        outs.iter().map(|o| o.parent_id.as_str()).collect();
    assert_eq!(parent_ids.len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Baggage.
// ---------------------------------------------------------------------------------------------

fn bag_extract(lines: &[&str]) -> Context {
    let mut map = HeaderMap::new();
    for line in lines {
        map.append("baggage", HeaderValue::from_str(line).unwrap());
    }
    BaggagePropagator::default().extract_with_context(&Context::new(), &HeaderExtractor(&map))
}

fn bag_inject(cx: &Context) -> Option<String> {
    let mut map = HeaderMap::new();
    BaggagePropagator::default().inject_context(cx, &mut HeaderInjector(&mut map));
    assert!(map.get_all("baggage").iter().count() <= 1);
    map.get("baggage").map(|v| v.to_str().unwrap().to_owned())
}

/// `(key, value, metadata)` for every entry, in the order inject writes them.
fn entries(cx: &Context) -> Vec<(String, String, String)> {
    let Some(header) = bag_inject(cx) else {
        return Vec::new();
    };
    let again = bag_extract(&[&header]);
    assert_eq!(
        bag_inject(&again).as_deref(),
        Some(header.as_str()),
        "inject(extract(inject(x))) == inject(x)"
    );
    header
        .split(',')
        .map(|member| {
            let key = member.split(['=', ';']).next().unwrap().to_owned();
            let (value, metadata) = cx.baggage().get_with_metadata(&key).unwrap();
            (key, value.as_str().to_owned(), metadata.as_str().to_owned())
        })
        .collect()
}

type Entry<'a> = (&'a str, &'a str, &'a str);

fn bag_case(name: &str, lines: &[&str], expected: &[Entry<'_>]) {
    let cx = bag_extract(lines);
    let got = entries(&cx);
    let want: Vec<(String, String, String)> = expected
        .iter()
        .map(|(k, v, m)| ((*k).to_owned(), (*v).to_owned(), (*m).to_owned()))
        .collect();
    assert_eq!(got, want, "{name}: {lines:?}");
}

// w3c/baggage HTTP_HEADER_FORMAT.md "Example", "Examples of HTTP headers" and the rules of
// "key", "value" and "property" (OWS is not part of a key, value or property), and the cases
// of test/test_baggage.py (`BaggageTest`, `BaggageEntryTest`).
#[test]
fn baggage_header_format() {
    let encoded = "%09%20%22%27%3B%3Dasdf%21%40%23%24%25%5E%26%2A%28%29";
    let decoded = "\t \"';=asdf!@#$%^&*()";
    let cases: &[(&str, &[&str], &[Entry<'_>])] = &[
        (
            "Example",
            &[
                "key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue",
            ],
            &[
                ("key1", "value1", "property1;property2"),
                ("key2", "value2", ""),
                ("key3", "value3", "propertyKey=propertyValue"),
            ],
        ),
        (
            "Examples of HTTP headers: single header",
            &["userId=alice,serverNode=DF%2028,isProduction=false"],
            &[
                ("userId", "alice", ""),
                ("serverNode", "DF 28", ""),
                ("isProduction", "false", ""),
            ],
        ),
        (
            "Examples of HTTP headers: split into multiple headers",
            &["userId=alice", "serverNode=DF%2028,isProduction=false"],
            &[
                ("userId", "alice", ""),
                ("serverNode", "DF 28", ""),
                ("isProduction", "false", ""),
            ],
        ),
        (
            "Examples of HTTP headers: values and names begin and end with spaces",
            &[
                "userId =   alice",
                "serverNode = DF%2028, isProduction = false",
            ],
            &[
                ("userId", "alice", ""),
                ("serverNode", "DF 28", ""),
                ("isProduction", "false", ""),
            ],
        ),
        (
            "BaggageTest.test_parse_simple",
            &["SomeKey=SomeValue"],
            &[("SomeKey", "SomeValue", "")],
        ),
        (
            "BaggageTest.test_parse_multiple",
            &["SomeKey=SomeValue;SomeProp,SomeKey2=SomeValue2;ValueProp=PropVal"],
            &[
                ("SomeKey", "SomeValue", "SomeProp"),
                ("SomeKey2", "SomeValue2", "ValueProp=PropVal"),
            ],
        ),
        (
            "BaggageTest.test_parse_multiple_ows",
            &[
                "SomeKey \t = \t SomeValue \t ; \t SomeProp \t , \t SomeKey2 \t = \t SomeValue2 \t ; \t ValueProp \t = \t PropVal",
            ],
            &[
                ("SomeKey", "SomeValue", "SomeProp"),
                ("SomeKey2", "SomeValue2", "ValueProp=PropVal"),
            ],
        ),
        (
            "BaggageTest.test_parse_multiple_kv_property",
            &[
                "SomeKey=SomeValue;SomePropKey=SomePropValue,SomeKey2=SomeValue2;SomePropKey2=SomePropValue2",
            ],
            &[
                ("SomeKey", "SomeValue", "SomePropKey=SomePropValue"),
                ("SomeKey2", "SomeValue2", "SomePropKey2=SomePropValue2"),
            ],
        ),
        (
            "BaggageTest.test_parse_multiple_kv_property_ows",
            &[
                "SomeKey \t = \t SomeValue \t ; \t SomePropKey=SomePropValue \t , \t SomeKey2 \t = \t SomeValue2 \t ; \t SomePropKey2 \t = \t SomePropValue2",
            ],
            &[
                ("SomeKey", "SomeValue", "SomePropKey=SomePropValue"),
                ("SomeKey2", "SomeValue2", "SomePropKey2=SomePropValue2"),
            ],
        ),
        (
            "BaggageEntryTest.test_parse_multiple_equals",
            &["SomeKey=SomeValue=equals"],
            &[("SomeKey", "SomeValue=equals", "")],
        ),
        (
            "BaggageEntryTest.test_parse_percent_encoded",
            &[&format!("SomeKey={encoded}")],
            &[("SomeKey", decoded, "")],
        ),
        (
            "BaggageEntryTest.test_parse_property",
            &["SomeKey=SomeValue;SomeProp"],
            &[("SomeKey", "SomeValue", "SomeProp")],
        ),
        (
            "BaggageEntryTest.test_parse_multi_property",
            &["SomeKey=SomeValue;SomeProp;SecondProp=PropValue"],
            &[("SomeKey", "SomeValue", "SomeProp;SecondProp=PropValue")],
        ),
        (
            "BaggageEntryTest.test_parse_kv_property",
            &["SomeKey=SomeValue;SomePropKey=SomePropValue"],
            &[("SomeKey", "SomeValue", "SomePropKey=SomePropValue")],
        ),
        (
            "BaggageEntryTest.test_parse_simple_ows",
            &["SomeKey \t = \t SomeValue \t "],
            &[("SomeKey", "SomeValue", "")],
        ),
        (
            "BaggageEntryTest.test_parse_percent_encoded_ows",
            &[&format!("SomeKey \t = \t {encoded} \t ")],
            &[("SomeKey", decoded, "")],
        ),
        (
            "BaggageEntryTest.test_parse_property_ows",
            &["SomeKey \t = \t SomeValue \t ; \t SomeProp"],
            &[("SomeKey", "SomeValue", "SomeProp")],
        ),
        (
            "BaggageEntryTest.test_parse_multi_property_ows",
            &["SomeKey \t = \t SomeValue \t ; \t SomeProp \t ; \t SecondProp \t = \t PropValue"],
            &[("SomeKey", "SomeValue", "SomeProp;SecondProp=PropValue")],
        ),
        (
            "BaggageEntryTest.test_parse_kv_property_ows",
            &["SomeKey \t = \t SomeValue \t ; \t SomePropKey \t = \t SomePropValue"],
            &[("SomeKey", "SomeValue", "SomePropKey=SomePropValue")],
        ),
        (
            "value: percent-encoded octets that are not UTF-8 become U+FFFD",
            &["k=a%FFb,l=%E2%82%AC"],
            &[("k", "a\u{fffd}b", ""), ("l", "\u{20ac}", "")],
        ),
        (
            "Mutating baggage: an entry not in the format MAY be removed (the others stay)",
            &["a=1,b c=2,d=\"3\",e=4;p q,f=%zz,g=5"],
            &[("a", "1", ""), ("g", "5", "")],
        ),
        (
            "key: a token (RFC 7230 tchar)",
            &["!#$%&'*+-.^_`|~09AZaz=v"],
            &[("!#$%&'*+-.^_`|~09AZaz", "v", "")],
        ),
        (
            "value: *baggage-octet, so it may be empty",
            &["k="],
            &[("k", "", "")],
        ),
    ];
    for (name, lines, expected) in cases {
        bag_case(name, lines, expected);
    }
}

// HTTP_HEADER_FORMAT.md "value": characters outside baggage-octet MUST be percent-encoded;
// test_baggage.py test_parse_percent_encoded: the entry round-trips to the same value.
#[test]
fn baggage_inject_percent_encodes_outside_baggage_octet() {
    let value = "\t \"';=asdf!@#$%^&*()\u{e9}";
    let cx = Context::new().with_baggage([opentelemetry::KeyValue::new("SomeKey", value)]);
    let header = bag_inject(&cx).unwrap();
    let (key, encoded) = header.split_once('=').unwrap();
    assert_eq!(key, "SomeKey");
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\')),
        "{encoded}"
    );
    assert_eq!(
        bag_extract(&[&header])
            .baggage()
            .get("SomeKey")
            .map(StringValue::as_str),
        Some(value)
    );
}

// test_baggage.py LimitsTest.test_serialize_at_least_64: "A platform MUST propagate all
// list-members up to at least 64 list-members".
#[test]
fn baggage_limits_test_serialize_at_least_64() {
    let baggage: Baggage = (0..64)
        .map(|i| opentelemetry::KeyValue::new(format!("key{i}"), "value"))
        .collect();
    let header = bag_inject(&Context::new().with_baggage(baggage)).unwrap();
    assert_eq!(header.split(',').count(), 64);
    let again = bag_extract(&[&header]);
    assert_eq!(again.baggage().len(), 64);
}

// test_baggage.py LimitsTest.test_serialize_long_entry: "A platform MUST propagate all
// list-members ... if the resulting baggage-string would be 8192 bytes or less."
#[test]
fn baggage_limits_test_serialize_long_entry() {
    let long_value = "0123456789".repeat(819);
    let line = format!("a={long_value}");
    assert_eq!(line.len(), 8192);
    let cx = bag_extract(&[&line]);
    assert_eq!(
        cx.baggage().get("a").map(StringValue::as_str),
        Some(long_value.as_str())
    );
    assert_eq!(bag_inject(&cx).map(|h| h.len()), Some(8192));
}

// HTTP_HEADER_FORMAT.md "property": properties are kept with their member and written back;
// a property without a value stays one.
#[test]
fn baggage_properties_survive_the_hop() {
    let cx = bag_extract(&["k=v;p1;p2=x"]);
    let (_, metadata) = cx.baggage().get_with_metadata("k").unwrap();
    assert_eq!(metadata, &BaggageMetadata::from("p1;p2=x"));
    assert_eq!(bag_inject(&cx).as_deref(), Some("k=v;p1;p2=x"));
}

// HTTP_HEADER_FORMAT.md "Limits": "A platform MUST propagate all list-members including any
// list-members added by the platform if the resulting baggage-string would be 8192 bytes or
// less" -- 180 members (the grammar's most), far more than the 64 opentelemetry's `Baggage`
// holds, split over two header lines.
#[test]
fn baggage_limits_all_members_of_a_small_header_are_propagated() {
    let members: Vec<String> = (0..180).map(|i| format!("key{i}=value{i}")).collect();
    let (first, second) = members.split_at(90);
    let cx = bag_extract(&[&first.join(","), &second.join(",")]);
    let header = bag_inject(&cx).unwrap();
    assert!(header.len() <= 8192);
    assert_eq!(header, members.join(","));
}

// spec/20-http_request_header_format.md "tracestate Limits": "Vendors SHOULD propagate at least
// 512 characters of a combined header" -- here 32 members of 256-character values (8,479
// characters), the most the list allows, forwarded unchanged.
#[test]
fn tracestate_limits_long_lists_are_propagated_whole() {
    let members: Vec<String> = (0..32)
        .map(|i| format!("k{i:02}={}", "v".repeat(256)))
        .collect();
    let value = members.join(",");
    let onward = service(&[("traceparent", TP00), ("tracestate", &value)], 1);
    let out = read_onward(&onward[0], "tracestate limits");
    assert_eq!(out.trace_id, ID);
    assert_eq!(out.tracestate_lines, [value]);
}
