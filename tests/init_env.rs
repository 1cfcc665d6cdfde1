//! `baton::init` from real environment variables, in real processes.
//!
//! The environment and the global providers belong to a process, and setting a variable in
//! this one would need `unsafe`: each test runs this binary again as a child, with exactly the
//! variables it tests, to run its own body there (`BATON_INIT_CHILD` names the test). The parent
//! side starts the viewer's receiver when the test needs a collector, and checks what arrived
//! and what the child printed.

use std::future::Future;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use baton_viewer::{Receiver, ReceiverConfig, Value};
use opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _};

const CHILD: &str = "BATON_INIT_CHILD";
/// Turns a hang into a failure; nothing here waits this long when it works.
const HANG: Duration = Duration::from_secs(120);
/// What a child prints when the port it was given was taken meanwhile.
const PORT_TAKEN: &str = "baton-test: the collector port was taken";
/// How long the parent waits for a trace to arrive.
const ARRIVAL: Duration = Duration::from_secs(30);

fn is_child(test: &str) -> bool {
    std::env::var(CHILD).as_deref() == Ok(test)
}

struct Output {
    stdout: String,
}

/// Runs test `test` of this binary in a child process with exactly `vars` set (the parent's
/// environment is not inherited), and fails unless it passes within [`HANG`].
fn run_child(test: &str, vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env_clear()
        .env(CHILD, test)
        .envs(vars.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    let pid = child.id();
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    let Ok(output) = finished.recv_timeout(HANG) else {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        panic!("{test} with {vars:?} did not finish within {HANG:?}");
    };
    let output = output.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{test} with {vars:?} failed: {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );
    Output { stdout }
}

async fn run_child_async(test: &'static str, vars: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run_child(test, &vars)
    })
    .await
    .unwrap()
}

fn multi_thread<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// The dropping side of the trap: a runtime with one thread, the one the guard is dropped on.
fn current_thread<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn receiver() -> Receiver {
    Receiver::start(ReceiverConfig::ephemeral()).await.unwrap()
}

/// `tracing` spans, through the OpenTelemetry layer, and a span of the OpenTelemetry API, all in
/// one trace.
fn emit_spans() {
    let request = tracing::info_span!("GET /orders");
    request.in_scope(|| {
        let _query = tracing::info_span!("SELECT orders").entered();
        tracing::info!("querying");
        opentelemetry::global::tracer("orders").in_span("render", |_| {});
    });
}

#[test]
fn otlp_over_http_by_default_to_the_generic_endpoint() {
    const TEST: &str = "otlp_over_http_by_default_to_the_generic_endpoint";
    if is_child(TEST) {
        let _guard = baton::init().unwrap();
        emit_spans();
        return;
    }
    multi_thread(async {
        let receiver = receiver().await;
        run_child_async(
            TEST,
            vec![
                // The generic variable: `/v1/traces` is appended for OTLP/HTTP.
                ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.http_endpoint()),
                ("OTEL_SERVICE_NAME", "orders".into()),
                (
                    "OTEL_RESOURCE_ATTRIBUTES",
                    "deployment.environment=test".into(),
                ),
            ],
        )
        .await;
        let trace = receiver
            .wait_for_trace(|t| t.span_named("render").is_some(), ARRIVAL)
            .await
            .unwrap();
        let request = trace
            .span_named("GET /orders")
            .expect("the tracing span is exported");
        let query = trace.span_named("SELECT orders").unwrap();
        let render = trace.span_named("render").unwrap();
        assert!(request.is_root());
        assert_eq!(query.parent_span_id(), Some(request.span_id()));
        assert_eq!(render.parent_span_id(), Some(query.span_id()));
        assert_eq!(render.service_name(), "orders");
        assert_eq!(
            render.resource_attribute("deployment.environment"),
            Some(&Value::String("test".into()))
        );
    });
}

#[test]
fn otlp_over_grpc_to_a_scheme_less_endpoint_from_a_current_thread_runtime() {
    const TEST: &str = "otlp_over_grpc_to_a_scheme_less_endpoint_from_a_current_thread_runtime";
    if is_child(TEST) {
        current_thread(async {
            let guard = baton::init().unwrap();
            emit_spans();
            // Dropped on the runtime's only thread: the exporter must not need it.
            drop(guard);
        });
        return;
    }
    multi_thread(async {
        let receiver = receiver().await;
        let endpoint = receiver.grpc_endpoint();
        let scheme_less = endpoint.strip_prefix("http://").unwrap().to_owned();
        run_child_async(
            TEST,
            vec![
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc".into()),
                ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", scheme_less),
                ("OTEL_SERVICE_NAME", "billing".into()),
                ("OTEL_BSP_EXPORT_TIMEOUT", "10000".into()),
            ],
        )
        .await;
        let trace = receiver
            .wait_for_trace(|t| t.span_named("render").is_some(), ARRIVAL)
            .await
            .unwrap();
        assert_eq!(trace.len(), 3);
        assert_eq!(
            trace.span_named("GET /orders").unwrap().service_name(),
            "billing"
        );
    });
}

#[test]
fn sdk_disabled_and_exporter_none_export_nothing() {
    const TEST: &str = "sdk_disabled_and_exporter_none_export_nothing";
    if is_child(TEST) {
        let _guard = baton::init().unwrap();
        let tracer = opentelemetry::global::tracer("orders");
        let span = tracer.start("checked");
        let expect = std::env::var("EXPECT").unwrap();
        match expect.as_str() {
            // No tracer provider: the global one is a no-op.
            "disabled" => assert!(!span.span_context().is_valid()),
            // Recorded (the ids reach logs and headers), not exported.
            "none" => assert!(span.span_context().is_sampled()),
            _ => assert!(span.span_context().is_sampled()),
        }
        drop(span);
        emit_spans();
        tracer.in_span(expect, |_| {});
        return;
    }
    multi_thread(async {
        let receiver = receiver().await;
        let endpoint = receiver.http_endpoint();
        for (expect, var, value) in [
            ("disabled", "OTEL_SDK_DISABLED", "true"),
            ("none", "OTEL_TRACES_EXPORTER", "none"),
            ("marker", "OTEL_SDK_DISABLED", "false"),
        ] {
            run_child_async(
                TEST,
                vec![
                    ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.clone()),
                    (var, value.into()),
                    ("EXPECT", expect.into()),
                ],
            )
            .await;
        }
        // Each child exported (or not) everything before it exited, so anything from the
        // first two arrived before the third's spans did.
        receiver
            .wait_for_trace(|t| t.span_named("marker").is_some(), ARRIVAL)
            .await
            .unwrap();
        let names: Vec<String> = receiver
            .traces()
            .iter()
            .flat_map(|t| t.spans().map(|s| s.name().to_owned()).collect::<Vec<_>>())
            .collect();
        assert_eq!(
            receiver.traces().len(),
            3,
            "only the marker child's traces: {names:?}"
        );
        assert!(
            !names.iter().any(|n| n == "disabled" || n == "none"),
            "{names:?}"
        );
    });
}

#[test]
fn console_exporter_prints_spans() {
    const TEST: &str = "console_exporter_prints_spans";
    if is_child(TEST) {
        let _guard = baton::init().unwrap();
        opentelemetry::global::tracer("orders").in_span("printed-by-the-console-exporter", |_| {});
        return;
    }
    let output = run_child(
        TEST,
        &[("OTEL_TRACES_EXPORTER", "console"), ("RUST_LOG", "off")],
    );
    assert!(
        output.stdout.contains("printed-by-the-console-exporter"),
        "{}",
        output.stdout
    );
}

#[test]
fn propagators_and_samplers_from_env() {
    const TEST: &str = "propagators_and_samplers_from_env";
    if is_child(TEST) {
        let _guard = baton::init().unwrap();
        let fields = opentelemetry::global::get_text_map_propagator(|p| {
            p.fields().map(str::to_owned).collect::<Vec<_>>().join(",")
        });
        assert_eq!(fields, std::env::var("EXPECT_FIELDS").unwrap());
        let span = opentelemetry::global::tracer("orders").start("root");
        let sampled = std::env::var("EXPECT_SAMPLED").unwrap() == "true";
        assert_eq!(span.span_context().is_sampled(), sampled);
        return;
    }
    let none = ("OTEL_TRACES_EXPORTER", "none");
    run_child(
        TEST,
        &[
            none,
            ("EXPECT_FIELDS", "traceparent,tracestate,baggage"),
            ("EXPECT_SAMPLED", "true"),
        ],
    );
    run_child(
        TEST,
        &[
            none,
            ("OTEL_PROPAGATORS", "b3,jaeger"),
            ("OTEL_TRACES_SAMPLER", "always_off"),
            ("EXPECT_FIELDS", "b3,uber-trace-id"),
            ("EXPECT_SAMPLED", "false"),
        ],
    );
    run_child(
        TEST,
        &[
            none,
            ("OTEL_PROPAGATORS", "xray"),
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0"),
            ("EXPECT_FIELDS", "x-amzn-trace-id"),
            ("EXPECT_SAMPLED", "false"),
        ],
    );
}

#[test]
fn a_lookup_stands_in_for_the_environment() {
    const TEST: &str = "a_lookup_stands_in_for_the_environment";
    if is_child(TEST) {
        // The SDK would read its own variables from the environment, which has none of these.
        let _guard = baton::Init::from_lookup(|name| {
            let value = match name {
                "OTEL_TRACES_SAMPLER" => "parentbased_always_off",
                "OTEL_PROPAGATORS" => "b3multi",
                "OTEL_TRACES_EXPORTER" => "none",
                "BATON_LOG_FORMAT" => "none",
                _ => return None,
            };
            Some(value.to_owned())
        })
        .unwrap()
        .install()
        .unwrap();
        let span = opentelemetry::global::tracer("orders").start("root");
        assert!(!span.span_context().is_sampled());
        let fields = opentelemetry::global::get_text_map_propagator(|p| p.fields().count());
        assert_eq!(fields, 4, "the four x-b3- headers");
        return;
    }
    run_child(TEST, &[]);
}

/// The other way round: what a lookup leaves unset is the default, not the process's variable
/// read behind its back by the SDK or the exporter.
#[test]
fn a_lookup_without_a_sampler_or_endpoint_keeps_the_process_variables_out() {
    const TEST: &str = "a_lookup_without_a_sampler_or_endpoint_keeps_the_process_variables_out";
    if is_child(TEST) {
        multi_thread(async {
            let receiver = receiver().await;
            let endpoint = format!("{}/v1/traces", receiver.http_endpoint());
            let guard = baton::Init::from_lookup(|name| {
                (name == "BATON_LOG_FORMAT").then(|| "none".to_owned())
            })
            .unwrap()
            .endpoint(endpoint)
            .install()
            .unwrap();
            let span = opentelemetry::global::tracer("orders").start("root");
            assert!(span.span_context().is_sampled(), "parentbased_always_on");
            drop(span);
            tokio::task::block_in_place(|| guard.flush()).unwrap();
            receiver
                .wait_for_trace(|t| t.span_named("root").is_some(), ARRIVAL)
                .await
                .unwrap();
        });
        let init = baton::Init::from_lookup(|_| None).unwrap();
        assert_eq!(init.get_endpoint(), "http://localhost:4318/v1/traces");
        return;
    }
    run_child(
        TEST,
        &[
            ("OTEL_TRACES_SAMPLER", "always_off"),
            // Unreachable: a span arriving proves the endpoint given in code was used.
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://127.0.0.1:9/v1/traces",
            ),
        ],
    );
}

#[test]
fn a_bad_variable_fails_init() {
    const TEST: &str = "a_bad_variable_fails_init";
    if is_child(TEST) {
        let err = baton::init().unwrap_err();
        println!("INIT_ERROR={err}");
        return;
    }
    let output = run_child(TEST, &[("OTEL_TRACES_SAMPLER", "sometimes")]);
    assert!(
        output.stdout.contains(
            "INIT_ERROR=invalid OTEL_TRACES_SAMPLER \"sometimes\": expected one of always_on,"
        ),
        "{}",
        output.stdout
    );
}

#[test]
fn log_lines_are_correlated_in_the_format_and_filter_asked_for() {
    const TEST: &str = "log_lines_are_correlated_in_the_format_and_filter_asked_for";
    if is_child(TEST) {
        let _guard = baton::init().unwrap();
        opentelemetry::global::tracer("orders").in_span("request", |cx| {
            println!("TRACE_ID={}", cx.span().span_context().trace_id());
            tracing::info!("an info line");
            tracing::warn!("a warn line");
        });
        return;
    }
    // Not at the start of a line: libtest's `test NAME ... ` may come first.
    let trace_id = |stdout: &str| {
        let after = stdout
            .split("TRACE_ID=")
            .nth(1)
            .unwrap_or_else(|| panic!("{stdout}"));
        after[..32].to_owned()
    };

    let text = run_child(TEST, &[("OTEL_TRACES_EXPORTER", "none")]).stdout;
    let id = trace_id(&text);
    assert!(
        !text.contains("TracerProvider.GlobalSet"),
        "OpenTelemetry's notices: {text}"
    );
    for message in ["an info line", "a warn line"] {
        let line = text
            .lines()
            .find(|l| l.contains(message))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(
            line.starts_with(&format!("trace_id={id} span_id=")),
            "{line}"
        );
    }

    let json = run_child(
        TEST,
        &[
            ("OTEL_TRACES_EXPORTER", "none"),
            ("BATON_LOG_FORMAT", "json"),
            ("RUST_LOG", "warn"),
        ],
    )
    .stdout;
    let id = trace_id(&json);
    assert!(!json.contains("an info line"), "RUST_LOG=warn: {json}");
    let line = json.lines().find(|l| l.contains("a warn line")).unwrap();
    let object: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(object["trace_id"], id.as_str(), "{line}");
}

/// Where the service calls `init`: inside its runtime, or before building it (as the demo does).
#[derive(Clone, Copy, PartialEq)]
enum InitCalled {
    InRuntime,
    BeforeRuntime,
}

/// The service answers while nothing listens on the collector's port, and its spans arrive once
/// a receiver starts there, with the same guard: the batch processor keeps trying.
fn outage_then_recovery(test: &str, protocol: &str, called: InitCalled) {
    if is_child(test) {
        let early = (called == InitCalled::BeforeRuntime).then(|| baton::init().unwrap());
        multi_thread(async {
            let late = (called == InitCalled::InRuntime).then(|| baton::init().unwrap());
            let guard = early.as_ref().or(late.as_ref()).unwrap();
            let app = axum::Router::new().route(
                "/{name}",
                axum::routing::get(
                    |axum::extract::Path(name): axum::extract::Path<String>| async move {
                        opentelemetry::global::tracer("svc")
                            .in_span(format!("GET /{name}"), |_| "done")
                    },
                ),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
            let client = reqwest::Client::new();
            let call = |path: &'static str| {
                let request = client.get(format!("http://{addr}/{path}")).send();
                async move {
                    let response = tokio::time::timeout(HANG, request).await.unwrap().unwrap();
                    assert_eq!(response.status(), 200);
                    assert_eq!(response.text().await.unwrap(), "done");
                }
            };
            for _ in 0..300 {
                call("during-outage").await;
            }
            // At least one export is tried (and fails) before the collector comes up.
            let flushed = tokio::task::block_in_place(|| guard.flush());
            assert!(flushed.is_err(), "nothing listens: {flushed:?}");
            let port: u16 = std::env::var("COLLECTOR_PORT").unwrap().parse().unwrap();
            let config = match std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL")
                .unwrap()
                .as_str()
            {
                "grpc" => ReceiverConfig::ephemeral().grpc_port(port),
                _ => ReceiverConfig::ephemeral().http_port(port),
            };
            let receiver = match Receiver::start(config).await {
                Ok(receiver) => receiver,
                // Another process took the port between the parent's pick and now: the parent
                // runs the test again on another.
                Err(baton_viewer::Error::Bind { .. }) => {
                    println!("{PORT_TAKEN}");
                    return;
                }
                Err(err) => panic!("{err}"),
            };
            call("after-recovery").await;
            // Arrives through the batch processor's next scheduled export, not a shutdown.
            let trace = receiver
                .wait_for_trace(|t| t.span_named("GET /after-recovery").is_some(), ARRIVAL)
                .await
                .unwrap();
            assert_eq!(trace.root().unwrap().service_name(), "svc");
            // The receiver stores spans before it answers: wait for the exporter to see the
            // answer (a flush waits for the export in flight), or a shutdown now would cancel it.
            let flushed = tokio::task::block_in_place(|| guard.flush());
            assert!(flushed.is_ok(), "the collector answers: {flushed:?}");
        });
        drop(early);
        return;
    }
    // The port is free when picked and must be free again when the child binds it; if another
    // process took it meanwhile, try another.
    let mut attempts = 0;
    let output = loop {
        let port = free_port().to_string();
        let output = run_child(
            test,
            &[
                ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
                (
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    &format!("http://127.0.0.1:{port}"),
                ),
                ("COLLECTOR_PORT", &port),
                ("OTEL_SERVICE_NAME", "svc"),
                ("OTEL_BSP_SCHEDULE_DELAY", "100"),
                ("RUST_LOG", "warn"),
            ],
        );
        attempts += 1;
        if !output.stdout.contains(PORT_TAKEN) || attempts == 5 {
            break output;
        }
    };
    assert!(
        !output.stdout.contains(PORT_TAKEN),
        "five ports taken in a row"
    );
    let stdout = output.stdout;
    // One line when the outage starts and one when it ends, not an error per failed batch.
    assert_eq!(
        stdout.matches("exporting spans failed").count(),
        1,
        "{stdout}"
    );
    assert!(
        !stdout.contains("BatchSpanProcessor.ExportError"),
        "{stdout}"
    );
    let resumed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("exporting spans resumed"))
        .collect();
    assert_eq!(resumed.len(), 1, "{stdout}");
    let lost = |line: &str| -> u64 {
        line.split("resumed: ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{line}"))
    };
    // The 300 calls' spans went in the failed exports.
    assert!(lost(resumed[0]) >= 300, "{}", resumed[0]);
    assert!(
        stdout.contains("spans were lost in failed exports since start"),
        "the total at shutdown: {stdout}"
    );
}

#[test]
fn collector_outage_then_recovery_over_http() {
    outage_then_recovery(
        "collector_outage_then_recovery_over_http",
        "http/protobuf",
        InitCalled::InRuntime,
    );
}

#[test]
fn collector_outage_then_recovery_over_grpc() {
    outage_then_recovery(
        "collector_outage_then_recovery_over_grpc",
        "grpc",
        InitCalled::InRuntime,
    );
}

#[test]
fn collector_outage_then_recovery_over_grpc_with_init_before_the_runtime() {
    outage_then_recovery(
        "collector_outage_then_recovery_over_grpc_with_init_before_the_runtime",
        "grpc",
        InitCalled::BeforeRuntime,
    );
}

/// A collector that accepts connections and never answers: the queue fills, drops are reported
/// once (and their total at shutdown), and the shutdown ends by its bound, from a current-thread
/// runtime, though the exporter's own timeout is ten minutes.
fn hung_collector(test: &str, protocol: &str) {
    if is_child(test) {
        current_thread(async {
            let guard = baton::init().unwrap();
            let bound = guard.export_timeout();
            assert_eq!(bound, Duration::from_millis(300));
            let tracer = opentelemetry::global::tracer("svc");
            for _ in 0..1000 {
                tracer.in_span("queued", |_| {});
            }
            // The export in flight ends at the same bound (it bounds each export too), so the
            // shutdown either finishes just in time or times out at its bound: never later.
            match guard.shutdown() {
                Ok(()) => {}
                Err(opentelemetry_sdk::error::OTelSdkError::Timeout(after)) => {
                    assert_eq!(after, bound)
                }
                other => panic!("expected the shutdown to end by its bound: {other:?}"),
            }
        });
        return;
    }
    // Bound and never accepted: connections complete in the backlog and hang.
    let hung = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", hung.local_addr().unwrap());
    let output = run_child(
        test,
        &[
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "600000"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "300"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "16"),
            ("RUST_LOG", "warn"),
        ],
    );
    drop(hung);
    let stdout = output.stdout;
    assert_eq!(
        stdout
            .matches("BatchSpanProcessor.SpanDroppingStarted")
            .count(),
        1,
        "one warning at the first drop, not one per span: {stdout}"
    );
    let total = stdout
        .lines()
        .find(|l| l.contains("BatchSpanProcessor.SpansDropped"))
        .unwrap_or_else(|| panic!("the total at shutdown: {stdout}"));
    let count: usize = total
        .split("dropped_span_count=")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{total}"));
    // At most a queue and a batch in flight were not dropped.
    assert!(count >= 1000 - 2 * 16, "{total}");
}

#[test]
fn hung_collector_over_http() {
    hung_collector("hung_collector_over_http", "http/protobuf");
}

#[test]
fn hung_collector_over_grpc() {
    hung_collector("hung_collector_over_grpc", "grpc");
}

/// `OTEL_BSP_EXPORT_TIMEOUT` bounds each export, not only the shutdown: with a collector that
/// never answers and an exporter timeout of ten minutes, the export in flight fails at the
/// bound, so the processor is free again and the shutdown after it finishes cleanly.
#[test]
fn the_bsp_export_timeout_bounds_each_export() {
    const TEST: &str = "the_bsp_export_timeout_bounds_each_export";
    if is_child(TEST) {
        let guard = baton::init().unwrap();
        opentelemetry::global::tracer("svc").in_span("hung", |_| {});
        // Starts the export to the hung collector; it ends (failed) at the bound, whichever of
        // the export's error or this wait's timeout is seen first.
        assert!(guard.flush().is_err());
        guard
            .shutdown()
            .expect("the export in flight ended at its bound, so the shutdown does not wait on it");
        return;
    }
    let hung = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", hung.local_addr().unwrap());
    let output = run_child(
        TEST,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "600000"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "2000"),
            ("RUST_LOG", "warn"),
        ],
    );
    drop(hung);
    assert_eq!(
        output.stdout.matches("exporting spans failed").count(),
        1,
        "{}",
        output.stdout
    );
}

/// `OTEL_EXPORTER_OTLP_HEADERS` and `_COMPRESSION`, checked by `init`, still reach the wire: a
/// server records the export request's headers.
#[test]
fn otlp_headers_and_compression_reach_the_wire() {
    const TEST: &str = "otlp_headers_and_compression_reach_the_wire";
    if is_child(TEST) {
        let guard = baton::init().unwrap();
        opentelemetry::global::tracer("svc").in_span("sent", |_| {});
        guard.shutdown().unwrap();
        return;
    }
    multi_thread(async {
        let (seen, mut headers) = tokio::sync::mpsc::unbounded_channel();
        let app = axum::Router::new().route(
            "/v1/traces",
            axum::routing::post(move |request_headers: http::HeaderMap| {
                let _ = seen.send(request_headers);
                async {
                    // An empty ExportTraceServiceResponse: zero bytes of protobuf.
                    (
                        [(http::header::CONTENT_TYPE, "application/x-protobuf")],
                        Vec::new(),
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        run_child_async(
            TEST,
            vec![
                ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{addr}")),
                ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cr%20t".to_owned()),
                ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip".to_owned()),
                ("RUST_LOG", "off".to_owned()),
            ],
        )
        .await;
        let request = headers.recv().await.expect("one export request");
        assert_eq!(request["api-key"], "s3cr t");
        assert_eq!(request[http::header::CONTENT_ENCODING], "gzip");
    });
}

/// A collector whose accept queue is full drops the exporter's SYNs, so its connect hangs (for
/// the kernel's SYN retries, about two minutes): the OTLP timeout must bound the connect too,
/// or the batch processor's thread waits on it and a shutdown can only give up at its bound.
#[test]
fn a_grpc_connect_that_hangs_is_bounded_by_the_otlp_timeout() {
    const TEST: &str = "a_grpc_connect_that_hangs_is_bounded_by_the_otlp_timeout";
    if is_child(TEST) {
        let guard = baton::init().unwrap();
        opentelemetry::global::tracer("svc").in_span("lost", |_| {});
        let result = guard.shutdown();
        assert!(
            !matches!(
                result,
                Err(opentelemetry_sdk::error::OTelSdkError::Timeout(_))
            ),
            "the export waited on the connect past OTEL_EXPORTER_OTLP_TIMEOUT: {result:?}"
        );
        return;
    }
    multi_thread(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        // A backlog of 0 holds one connection: the filler's. Further SYNs are dropped.
        let full = socket.listen(0).unwrap();
        let addr = full.local_addr().unwrap();
        let _filler = tokio::net::TcpStream::connect(addr).await.unwrap();
        run_child_async(
            TEST,
            vec![
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc".into()),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{addr}")),
                ("OTEL_EXPORTER_OTLP_TIMEOUT", "300".into()),
                // Far longer than the OTLP timeout, far shorter than the SYN retries.
                ("OTEL_BSP_EXPORT_TIMEOUT", "30000".into()),
                ("RUST_LOG", "off".into()),
            ],
        )
        .await;
        drop(full);
    });
}
