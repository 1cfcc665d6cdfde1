//! Baton's carriers over `http::HeaderMap` and tonic's `MetadataMap`: duplicates seen, bad
//! input skipped, never a panic.

#![cfg(feature = "http")]

mod support;

use baton_propagation::{
    B3Encoding, B3Propagator, BaggagePropagator, CompositePropagator, DatadogPropagator,
    HeaderExtractor, HeaderInjector, JaegerPropagator, OtTracePropagator, PassThroughPropagator,
    Propagator, TraceContextPropagator, XRayPropagator, from_list,
};
use http::{HeaderMap, HeaderValue};
use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};

/// What a carrier reads for a line that is not visible ASCII: U+FFFD, which no header
/// grammar accepts.
const UNREADABLE: &str = "\u{fffd}";
use opentelemetry::trace::TraceContextExt;

const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

#[test]
fn header_extractor_reads_any_case_and_every_line() {
    let mut map = HeaderMap::new();
    map.append("baggage", HeaderValue::from_static("a=1"));
    map.append("baggage", HeaderValue::from_static("b=2"));
    map.append("traceparent", HeaderValue::from_static(TP));
    let ex = HeaderExtractor(&map);
    assert_eq!(ex.get("BAGGAGE"), Some("a=1"));
    assert_eq!(ex.get_all("Baggage"), Some(vec!["a=1", "b=2"]));
    assert_eq!(ex.get_all("missing"), None);
    assert_eq!(ex.get("missing"), None);
    assert_eq!(ex.get("not a header name"), None);
    let mut keys = ex.keys();
    keys.sort_unstable();
    assert_eq!(keys, ["baggage", "traceparent"]);
}

#[test]
fn unreadable_lines_are_seen_but_never_valid() {
    let mut map = HeaderMap::new();
    map.append("traceparent", HeaderValue::from_static(TP));
    map.append("traceparent", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
    let ex = HeaderExtractor(&map);
    assert_eq!(ex.get_all("traceparent"), Some(vec![TP, UNREADABLE]));
    // The second, unreadable line still makes two traceparent lines: no context.
    let cx = TraceContextPropagator::default().extract_with_context(&Context::new(), &ex);
    assert!(!cx.span().span_context().is_valid());

    let mut map = HeaderMap::new();
    map.append(
        "traceparent",
        HeaderValue::from_bytes("00-é".as_bytes()).unwrap(),
    );
    assert_eq!(HeaderExtractor(&map).get("traceparent"), Some(UNREADABLE));
}

#[test]
fn header_injector_replaces_and_skips_what_http_forbids() {
    let mut map = HeaderMap::new();
    map.append("baggage", HeaderValue::from_static("old=1"));
    map.append("baggage", HeaderValue::from_static("old=2"));
    let mut inj = HeaderInjector(&mut map);
    inj.reserve(4);
    inj.set("baggage", "new=1".to_owned());
    inj.set("X-Custom-Header", "v".to_owned());
    inj.set("bad name", "v".to_owned());
    inj.set("", "v".to_owned());
    inj.set("x-bad-value", "line\r\nbreak".to_owned());
    inj.set("x-nul", "a\0b".to_owned());
    assert_eq!(map.get_all("baggage").iter().collect::<Vec<_>>(), ["new=1"]);
    assert_eq!(map["x-custom-header"], "v");
    assert_eq!(map.len(), 2);
}

#[test]
fn composite_round_trip_through_a_header_map() {
    let p = CompositePropagator::new(vec![
        Box::new(TraceContextPropagator::default()),
        Box::new(BaggagePropagator::default()),
    ]);
    let mut map = HeaderMap::new();
    map.insert("traceparent", HeaderValue::from_static(TP));
    map.insert("tracestate", HeaderValue::from_static("congo=t61rcWkgMzE"));
    map.insert(
        "baggage",
        HeaderValue::from_static("user=ann,tier=gold;p=1"),
    );
    let cx = p.extract_with_context(&Context::new(), &HeaderExtractor(&map));
    let mut out = HeaderMap::new();
    p.inject_context(&cx, &mut HeaderInjector(&mut out));
    assert_eq!(out, map);
}

#[test]
fn carriers_are_send_sync_debug() {
    support::assert_send_sync_debug::<HeaderExtractor<'static>>();
    support::assert_send_sync_debug::<HeaderInjector<'static>>();
    support::assert_cached_fields(from_list("tracecontext,baggage,b3,jaeger").unwrap());
}

// ---- the typed path and opentelemetry's path agree ----

/// Every Baton propagator, each alone and all in one composite.
fn propagators() -> Vec<Box<dyn Propagator>> {
    vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::default()),
        Box::new(B3Propagator::with_encoding(
            B3Encoding::SingleAndMultiHeader,
        )),
        Box::new(JaegerPropagator::default()),
        Box::new(XRayPropagator::default()),
        Box::new(OtTracePropagator::default()),
        Box::new(DatadogPropagator::default()),
        Box::new(PassThroughPropagator::new(["x-request-id"])),
        Box::new(from_list("tracecontext,baggage,b3multi,jaeger,xray,ottrace,datadog").unwrap()),
    ]
}

/// A valid header of every format, each read by some propagator.
const VALID: &[(&str, &str)] = &[
    ("traceparent", TP),
    ("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
    ("baggage", "tenant=acme,user=ann%20lee;p=1"),
    ("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"),
    ("x-b3-traceid", "80f198ee56343ba864fe8b2a57d3eff7"),
    ("x-b3-spanid", "05e3ac9a4f6e3b90"),
    ("x-b3-parentspanid", "e457b5a2e4d86bd1"),
    ("x-b3-sampled", "1"),
    ("x-b3-flags", "1"),
    ("uber-trace-id", "6e0c63257de34c92:6e0c63257de34c92:0:1"),
    ("jaeger-debug-id", "dbg-1"),
    ("jaeger-baggage", "k1=v1, k2=v2"),
    ("uberctx-user", "ann%20lee"),
    (
        "x-amzn-trace-id",
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Self=1",
    ),
    ("ot-tracer-traceid", "80f198ee56343ba8"),
    ("ot-tracer-spanid", "e457b5a2e4d86bd1"),
    ("ot-tracer-sampled", "true"),
    ("ot-baggage-user", "ann"),
    ("x-datadog-trace-id", "11803532876627986230"),
    ("x-datadog-parent-id", "67667974448284343"),
    ("x-datadog-sampling-priority", "2"),
    ("x-datadog-origin", "synthetics"),
    ("x-datadog-tags", "_dd.p.dm=-4"),
    ("x-request-id", "r-1"),
];

/// The valid map, and for each of its headers the map with that header absent, repeated
/// (same and other value), not ASCII (alone and as a second line), empty, and longer than
/// Baton's carriers hand out (64 KiB).
fn variants() -> Vec<(String, HeaderMap)> {
    let valid = support::header_map(VALID);
    let huge = "a".repeat(70 * 1024);
    let mut out = vec![("valid".to_owned(), valid.clone())];
    for (name, value) in VALID {
        let with = |lines: &[&[u8]]| {
            let mut map = valid.clone();
            map.remove(*name);
            for line in lines {
                map.append(*name, HeaderValue::from_bytes(line).unwrap());
            }
            map
        };
        let value = value.as_bytes();
        let long = [value, b",", huge.as_bytes()].concat();
        for (what, map) in [
            ("no line", with(&[])),
            ("two equal lines", with(&[value, value])),
            ("two lines", with(&[value, b"x=1"])),
            ("a non-ASCII line", with(&["\u{e9}t\u{e9}".as_bytes()])),
            ("a second non-ASCII line", with(&[value, b"\xff\xfe"])),
            ("a huge line", with(&[&long])),
            ("an empty line", with(&[b""])),
        ] {
            out.push((format!("{name}: {what}"), map));
        }
    }
    out
}

/// For every propagator and every variant, `extract` gives (from the typed path, through the
/// `Extractor`) the same context.
fn assert_paths_agree(extract: impl Fn(&dyn Propagator, HeaderMap) -> (Context, Context)) {
    for p in propagators() {
        for (case, map) in variants() {
            let (typed, text_map) = extract(&*p, map);
            assert_eq!(
                support::seen(&*p, &typed),
                support::seen(&*p, &text_map),
                "{p:?}, {case}"
            );
        }
    }
}

#[test]
fn header_map_extract_from_equals_header_extractor() {
    assert_paths_agree(|p, map| {
        let cx = Context::new();
        (
            p.extract_from(&cx, &map),
            p.extract_with_context(&cx, &HeaderExtractor(&map)),
        )
    });
}

#[cfg(feature = "tonic")]
mod tonic_metadata {
    use super::*;
    use baton_propagation::{MetadataExtractor, MetadataInjector};
    use tonic::metadata::{MetadataMap, MetadataValue};

    #[test]
    fn metadata_extractor_sees_every_ascii_entry() {
        let mut md = MetadataMap::new();
        md.append("tracestate", "a=1".parse().unwrap());
        md.append("tracestate", "b=2".parse().unwrap());
        md.append_bin("trace-bin", MetadataValue::from_bytes(b"\x00\x01"));
        let ex = MetadataExtractor(&md);
        assert_eq!(ex.get("TraceState"), Some("a=1"));
        assert_eq!(ex.get_all("tracestate"), Some(vec!["a=1", "b=2"]));
        assert_eq!(ex.get("trace-bin"), None);
        // OpenTelemetry propagators API, Getter `Keys`: "MUST return the list of all the keys
        // in the carrier" -- binary ones too (this test used to expect them left out).
        let mut keys = ex.keys();
        keys.sort_unstable();
        assert_eq!(keys, ["trace-bin", "tracestate"]);
    }

    #[test]
    fn metadata_injector_skips_binary_keys_and_bad_values() {
        let mut md = MetadataMap::new();
        let mut inj = MetadataInjector(&mut md);
        inj.reserve(2);
        inj.set("traceparent", TP.to_owned());
        inj.set("x-bin", "v".to_owned());
        inj.set("bad key", "v".to_owned());
        inj.set("x-bad", "a\nb".to_owned());
        inj.set("x-utf8", "é".to_owned());
        assert_eq!(md.len(), 1);
        assert_eq!(md.get("traceparent").unwrap(), TP);
    }

    #[test]
    fn trace_context_round_trips_through_metadata() {
        let mut md = MetadataMap::new();
        md.insert("traceparent", TP.parse().unwrap());
        md.append("tracestate", "a=1".parse().unwrap());
        md.append("tracestate", "b=2".parse().unwrap());
        let p = TraceContextPropagator::default();
        let cx = p.extract_with_context(&Context::new(), &MetadataExtractor(&md));
        assert_eq!(cx.span().span_context().trace_state().header(), "a=1,b=2");
        let mut out = MetadataMap::new();
        p.inject_context(&cx, &mut MetadataInjector(&mut out));
        assert_eq!(out.get("traceparent").unwrap(), TP);
        assert_eq!(out.get("tracestate").unwrap(), "a=1,b=2");
    }

    #[test]
    fn two_traceparent_entries_mean_no_context() {
        let mut md = MetadataMap::new();
        md.append("traceparent", TP.parse().unwrap());
        md.append("traceparent", TP.parse().unwrap());
        let cx = TraceContextPropagator::default()
            .extract_with_context(&Context::new(), &MetadataExtractor(&md));
        assert!(!cx.span().span_context().is_valid());
    }

    #[test]
    fn metadata_map_extract_from_equals_metadata_extractor() {
        assert_paths_agree(|p, map| {
            let (cx, md) = (Context::new(), MetadataMap::from_headers(map));
            (
                p.extract_from(&cx, &md),
                p.extract_with_context(&cx, &MetadataExtractor(&md)),
            )
        });
    }

    #[test]
    fn metadata_carriers_are_send_sync_debug() {
        fn check<T: Send + Sync + std::fmt::Debug>() {}
        check::<MetadataExtractor<'static>>();
        check::<MetadataInjector<'static>>();
    }
}
