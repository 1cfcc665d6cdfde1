//! `from_env` and `from_list`: `OTEL_PROPAGATORS` per the OpenTelemetry specification.
//!
//! Setting an environment variable needs `unsafe` in edition 2024, which the workspace
//! forbids, so `from_env` is tested in a child process: this test binary runs itself with
//! `OTEL_PROPAGATORS` set and the `child_prints_fields` test selected.
//!
//! Warnings go through OpenTelemetry's internal logging (`otel_warn!`), which the library
//! emits only with its `internal-logs` feature: the child prints them to standard error through
//! a `tracing` subscriber, and without the feature nothing at all reaches standard error.

use std::process::Command;

use proptest::prelude::*;

use baton_propagation::{from_env, from_list};
use opentelemetry::propagation::TextMapPropagator;

const CHILD: &str = "BATON_FROM_ENV_CHILD";

/// Asserts that the child's standard error holds a warning named `event` containing every
/// one of `texts` with the `internal-logs` feature, and is empty without it.
fn assert_warned(stderr: &str, event: &str, texts: &[&str]) {
    if cfg!(feature = "internal-logs") {
        assert!(stderr.contains("WARN"), "stderr: {stderr}");
        assert!(stderr.contains(event), "stderr: {stderr}");
        for text in texts {
            assert!(stderr.contains(text), "{text:?} not in stderr: {stderr}");
        }
    } else {
        assert_eq!(stderr, "", "the library wrote to stderr by itself");
    }
}

fn fields(p: &dyn TextMapPropagator) -> Vec<String> {
    p.fields().map(str::to_owned).collect()
}

/// Runs `child_prints_fields` in a child process with `OTEL_PROPAGATORS` set (or unset),
/// returning its fields line and its standard error.
fn run_child(value: Option<&str>) -> (String, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_prints_fields",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD, "1");
    match value {
        Some(v) => cmd.env("OTEL_PROPAGATORS", v),
        None => cmd.env_remove("OTEL_PROPAGATORS"),
    };
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "child failed: {out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    // The test harness prints its own text on the same line, before ours.
    let line = stdout
        .split_once("FIELDS:")
        .and_then(|(_, rest)| rest.lines().next())
        .unwrap_or_else(|| panic!("no FIELDS line in {stdout:?}"))
        .to_owned();
    (line, String::from_utf8(out.stderr).unwrap())
}

#[test]
fn child_prints_fields() {
    if std::env::var_os(CHILD).is_none() {
        // Run directly, this test only checks that from_env works with what is set.
        assert!(from_env().len() <= 8);
        return;
    }
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .finish();
    let p = tracing::subscriber::with_default(subscriber, from_env);
    println!("FIELDS:{}|{}", p.len(), fields(&p).join(","));
}

#[test]
fn from_env_unset_or_empty_means_tracecontext_baggage() {
    for value in [None, Some(""), Some("  ")] {
        let (line, _) = run_child(value);
        assert_eq!(line, "2|traceparent,tracestate,baggage", "{value:?}");
    }
}

#[test]
fn from_env_none_alone_is_a_no_op() {
    assert_eq!(run_child(Some("none")).0, "0|");
}

#[test]
fn from_env_trims_deduplicates_and_keeps_order() {
    let (line, _) = run_child(Some(" baggage , tracecontext,baggage,TRACECONTEXT "));
    assert_eq!(line, "2|baggage,traceparent,tracestate");
}

// "Unrecognized values ... SHOULD generate a warning and gracefully ignore the setting":
// an unknown name is reported as a warning and skipped, the others are used.
#[test]
fn from_env_warns_about_and_skips_unknown_values() {
    let (line, stderr) = run_child(Some("zipkin,tracecontext"));
    assert_eq!(line, "1|traceparent,tracestate");
    assert_warned(
        &stderr,
        "BatonPropagation.UnknownPropagator",
        &[
            "unknown propagator \"zipkin\" in OTEL_PROPAGATORS",
            "tracecontext, baggage, b3",
        ],
    );
}

// A value that is not Unicode cannot name a propagator: warned about, and the default used.
#[cfg(unix)]
#[test]
fn from_env_not_unicode_is_ignored_with_a_warning() {
    use std::os::unix::ffi::OsStrExt;
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_prints_fields",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD, "1")
    .env("OTEL_PROPAGATORS", std::ffi::OsStr::from_bytes(b"b3,\xff"));
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "child failed: {out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("FIELDS:2|traceparent,tracestate,baggage"),
        "{stdout}"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_warned(
        &stderr,
        "BatonPropagation.OtelPropagatorsNotUnicode",
        &["OTEL_PROPAGATORS is not valid unicode"],
    );
}

#[test]
fn from_list_known_names_in_order() {
    let cases: &[(&str, &[&str])] = &[
        ("tracecontext", &["traceparent", "tracestate"]),
        ("baggage", &["baggage"]),
        ("b3", &["b3"]),
        ("b3multi", &["x-b3-traceid", "x-b3-spanid", "x-b3-sampled"]),
        ("jaeger", &["uber-trace-id"]),
        ("xray", &["x-amzn-trace-id"]),
        ("none", &[]),
        ("none,baggage", &[]),
        ("tracecontext, none", &[]),
        ("b3,tracecontext", &["b3", "traceparent", "tracestate"]),
    ];
    for (list, expected) in cases {
        let p = from_list(list).unwrap();
        let got = fields(&p);
        for field in *expected {
            assert!(
                got.iter().any(|f| f == field),
                "{list}: {got:?} lacks {field}"
            );
        }
        assert_eq!(
            got.first().map(String::as_str),
            expected.first().copied(),
            "{list}"
        );
    }
}

#[test]
fn from_list_ottrace_and_datadog_are_known() {
    let p = from_list("ottrace").unwrap();
    assert_eq!(p.len(), 1);
    assert!(fields(&p).iter().any(|f| f.starts_with("ot-tracer-")));
    let p = from_list("datadog").unwrap();
    assert_eq!(p.len(), 1);
    assert!(fields(&p).iter().any(|f| f == "x-datadog-trace-id"));
    let all = from_list("tracecontext,baggage,b3,b3multi,jaeger,xray,ottrace,datadog").unwrap();
    assert_eq!(all.len(), 8);
}

// "none": no automatically configured propagator, wherever it appears.
#[test]
fn from_list_none_anywhere_is_a_no_op() {
    for list in [
        "none",
        " none ",
        "tracecontext,none",
        "none,b3,baggage",
        "NONE",
    ] {
        let p = from_list(list).unwrap();
        assert!(p.is_empty(), "{list}");
        assert_eq!(p.fields().count(), 0, "{list}");
    }
    assert!(from_list("none,zipkin").is_err());
}

#[test]
fn from_env_with_only_unknown_values_falls_back_to_the_default() {
    let (line, stderr) = run_child(Some("zipkin, w3c"));
    assert_eq!(line, "2|traceparent,tracestate,baggage");
    assert_warned(
        &stderr,
        "BatonPropagation.UnknownPropagator",
        &["\"zipkin\"", "\"w3c\""],
    );
}

#[test]
fn from_env_none_with_others_is_a_no_op() {
    assert_eq!(run_child(Some("tracecontext,none")).0, "0|");
}

#[test]
fn from_list_is_case_insensitive_and_skips_empty_items() {
    let p = from_list("TraceContext,,Baggage,").unwrap();
    assert_eq!(fields(&p), ["traceparent", "tracestate", "baggage"]);
}

#[test]
fn from_list_names_the_unknown_value_and_the_valid_ones() {
    let err = from_list("tracecontext, zipkin ,b3").unwrap_err();
    assert_eq!(err.value(), "zipkin");
    assert_eq!(
        err.to_string(),
        "unknown propagator \"zipkin\" in OTEL_PROPAGATORS: expected one of tracecontext, baggage, b3, b3multi, jaeger, xray, ottrace, datadog, none"
    );
    fn is_error<E: std::error::Error + Send + Sync + 'static>(_: &E) {}
    is_error(&err);
}

#[cfg(feature = "http")]
#[test]
fn from_list_result_extracts() {
    use baton_propagation::HeaderExtractor;
    use opentelemetry::Context;
    use opentelemetry::trace::TraceContextExt;

    let p = from_list("tracecontext,baggage").unwrap();
    let mut map = http::HeaderMap::new();
    map.insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            .parse()
            .unwrap(),
    );
    let cx = p.extract_with_context(&Context::new(), &HeaderExtractor(&map));
    assert!(cx.span().span_context().is_valid());
}

proptest! {
    // Any list either builds a composite of at most the eight known propagators, or names the
    // unknown value it met, trimmed and non-empty.
    #[test]
    fn from_list_never_panics(list in "[a-zA-Z0-9 ,\t\\-]{0,60}") {
        match from_list(&list) {
            Ok(p) => prop_assert!(p.len() <= 8),
            Err(e) => {
                prop_assert!(!e.value().is_empty());
                prop_assert_eq!(e.value(), e.value().trim());
                prop_assert!(list.contains(e.value()));
            }
        }
    }
}
