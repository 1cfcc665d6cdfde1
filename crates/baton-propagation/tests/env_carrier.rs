//! The environment-variable carrier with real child processes; the test process's own
//! environment is never modified.
#![cfg(unix)]

use std::process::Command;

use baton_propagation::{
    B3Propagator, BaggagePropagator, EnvExtractor, EnvInjector, JaegerPropagator,
    TraceContextPropagator,
};
use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::{Context, StringValue};

const PROBE: &str = "BATON_ENV_CARRIER_PROBE";

fn context() -> Context {
    let sc = SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::from_key_value([("vendor", "v1")]).unwrap(),
    );
    let mut bag = Baggage::new();
    bag.insert("user", "ann");
    Context::new()
        .with_remote_span_context(sc)
        .with_baggage(bag)
}

fn propagator() -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(vec![
        // Extraction runs in order and the last span context wins: W3C (with tracestate) last.
        Box::new(B3Propagator::default()),
        Box::new(JaegerPropagator::default()),
        Box::new(BaggagePropagator::default()),
        Box::new(TraceContextPropagator::default()),
    ])
}

/// Parses `env`'s output (one `NAME=value` a line) into an extractor.
fn env_of(out: &[u8]) -> EnvExtractor {
    let text = std::str::from_utf8(out).unwrap();
    EnvExtractor::from_pairs(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string())),
    )
}

// env-carriers.md: TRACEPARENT, TRACESTATE, BAGGAGE; other keys uppercased with `-` → `_`.
#[test]
fn a_child_sees_the_spec_variable_names() {
    let mut child = Command::new("sh");
    propagator().inject_context(&context(), &mut EnvInjector::for_command(&mut child));
    let out = child.args(["-c", r#"printf '%s|%s|%s|%s|%s' "$TRACEPARENT" "$TRACESTATE" "$BAGGAGE" "$B3" "$UBERCTX_USER""#]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01|vendor=v1|user=ann|4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1|ann"
    );
}

#[test]
fn inject_into_a_map_then_extract_from_the_childs_environment() {
    let mut env = EnvInjector::new();
    propagator().inject_context(&context(), &mut env);
    let out = Command::new("env")
        .env_clear()
        .envs(env.into_vars())
        .output()
        .unwrap();
    let cx = propagator().extract_with_context(&Context::new(), &env_of(&out.stdout));
    let want = context();
    assert_eq!(cx.span().span_context(), want.span().span_context());
    assert_eq!(cx.baggage().get("user"), Some(&StringValue::from("ann")));
}

/// Run as a child by `from_env_reads_the_process_environment` (with [`PROBE`] set); otherwise it
/// checks that a process started without context variables extracts none.
#[test]
fn child_probe() {
    let cx = TraceContextPropagator::default()
        .extract_with_context(&Context::new(), &EnvExtractor::from_env());
    if std::env::var_os(PROBE).is_some() {
        println!("probe-trace-id={}", cx.span().span_context().trace_id());
    } else if std::env::var_os("TRACEPARENT").is_none() {
        assert!(!cx.span().span_context().is_valid());
    }
}

#[test]
fn from_env_reads_the_process_environment() {
    let mut child = Command::new(std::env::current_exe().unwrap());
    child
        .args(["--exact", "child_probe", "--nocapture", "--test-threads=1"])
        .env(PROBE, "1");
    TraceContextPropagator::default()
        .inject_context(&context(), &mut EnvInjector::for_command(&mut child));
    let out = child.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("probe-trace-id=4bf92f3577b34da6a3ce929d0e0e4736")
    );
}

// "MUST only use characters that are valid in HTTP header fields": a bad value never reaches a child.
#[test]
fn invalid_values_never_reach_the_child() {
    let mut bag = Baggage::new();
    bag.insert("k", "line\nbreak");
    let mut child = Command::new("env");
    child.env_clear();
    JaegerPropagator::default().inject_context(
        &Context::new().with_baggage(bag),
        &mut EnvInjector::for_command(&mut child),
    );
    let out = child.output().unwrap();
    let env = env_of(&out.stdout);
    use opentelemetry::propagation::Extractor;
    assert_eq!(
        env.get("uberctx-k"),
        Some("line%0Abreak"),
        "jaeger url-encodes, so the value is admissible"
    );

    let mut map = EnvInjector::new();
    opentelemetry::propagation::Injector::set(&mut map, "x-raw", "line\nbreak".into());
    assert!(map.vars().is_empty());
}
