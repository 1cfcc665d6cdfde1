//! The end-to-end tests' harness: the demo's three services as real OS processes (the `demo`
//! example binary in a role), their `listening on` lines, their JSON log lines, and the
//! viewer's receiver they export to.
//!
//! Each test starts its own three processes on ephemeral ports, so tests in one binary run in
//! parallel without sharing a service, a database or a receiver.

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use baton_viewer::{Receiver, ReceiverConfig, Span, SpanKind, Trace};

/// Turns a hang into a failure; nothing waits this long when it works.
pub const HANG: Duration = Duration::from_secs(120);

/// The `demo` example binary: built next to this test binary (`target/debug/deps/NAME-HASH` →
/// `target/debug/examples/demo`), which `cargo test --workspace --all-features` builds.
pub fn demo_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let demo = profile_dir
        .join("examples")
        .join(format!("demo{}", std::env::consts::EXE_SUFFIX));
    assert!(
        demo.is_file(),
        "{} is missing: build it with `cargo build --example demo --all-features` \
         (`cargo test --workspace --all-features` does)",
        demo.display()
    );
    demo
}

/// A directory of the test's own under the system temp dir, removed when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("baton-e2e-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The OTLP protocol the services export with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Grpc,
    HttpProtobuf,
}

impl Protocol {
    pub fn as_env(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::HttpProtobuf => "http/protobuf",
        }
    }

    /// The receiver's endpoint for this protocol.
    pub fn endpoint(self, receiver: &Receiver) -> String {
        match self {
            Protocol::Grpc => receiver.grpc_endpoint(),
            Protocol::HttpProtobuf => receiver.http_endpoint(),
        }
    }
}

/// A receiver on free ports that keeps every trace a test makes (the 200-order test included).
pub async fn receiver() -> Receiver {
    Receiver::start(ReceiverConfig::ephemeral().max_traces(10_000))
        .await
        .unwrap()
}

/// One service process: its bound address and everything it wrote.
#[derive(Debug)]
pub struct Service {
    pub role: &'static str,
    pub addr: SocketAddr,
    /// `None` once stopped.
    child: Option<Child>,
    lines: Arc<Lines>,
    stdout: Option<JoinHandle<()>>,
    stderr: Option<JoinHandle<String>>,
}

/// A service's stdout lines so far, and a wake-up for each new one.
#[derive(Debug, Default)]
struct Lines {
    lines: Mutex<Vec<String>>,
    added: Condvar,
}

/// A service process started and not yet known to listen.
#[derive(Debug)]
pub struct Starting {
    role: &'static str,
    child: Child,
    listening: mpsc::Receiver<Result<SocketAddr, String>>,
    lines: Arc<Lines>,
    stdout: JoinHandle<()>,
    stderr: JoinHandle<String>,
}

/// Starts `demo ROLE` with exactly `vars` (the test's own environment is not inherited, so a
/// developer's `OTEL_*` cannot leak in), stdout and stderr captured.
pub fn start(role: &'static str, vars: &[(&'static str, String)]) -> Starting {
    let mut child = Command::new(demo_binary())
        .arg(role)
        .env_clear()
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("demo {role} did not start: {e}"));
    let (tx, listening) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    let lines = Arc::new(Lines::default());
    let shared = Arc::clone(&lines);
    let stdout = std::thread::spawn(move || {
        let mut lines = BufReader::new(out).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let addr = first
            .strip_prefix("listening on ")
            .and_then(|a| a.trim().parse::<SocketAddr>().ok())
            .ok_or_else(|| format!("first line {first:?} is not `listening on ADDR`"));
        let _ = tx.send(addr);
        for line in lines.map_while(Result::ok) {
            shared.lines.lock().unwrap().push(line);
            shared.added.notify_all();
        }
    });
    let mut err = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    Starting {
        role,
        child,
        listening,
        lines,
        stdout,
        stderr,
    }
}

impl Starting {
    /// Waits for the `listening on ADDR` line (the first thing a service prints).
    pub fn ready(mut self) -> Service {
        match self.listening.recv_timeout(HANG) {
            Ok(Ok(addr)) => Service {
                role: self.role,
                addr,
                child: Some(self.child),
                lines: self.lines,
                stdout: Some(self.stdout),
                stderr: Some(self.stderr),
            },
            failed => {
                kill(&mut self.child);
                let stderr = self.stderr.join().unwrap_or_default();
                panic!(
                    "demo {} did not report listening: {failed:?}\n--- stderr\n{stderr}",
                    self.role
                );
            }
        }
    }
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// What a stopped service wrote.
#[derive(Debug)]
pub struct Output {
    pub role: &'static str,
    /// Its stdout after the `listening on` line.
    pub lines: Vec<String>,
    pub stderr: String,
}

impl Service {
    /// The service's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits (woken by each new line, up to [`HANG`]) until the service has written `count`
    /// JSON log lines satisfying `predicate`.
    pub fn wait_for_logs(&self, count: usize, predicate: impl Fn(&LogLine) -> bool) {
        let mut seen = 0;
        let mut found = 0;
        let mut lines = self.lines.lines.lock().unwrap();
        loop {
            for text in &lines[seen..] {
                if let Ok(json) = serde_json::from_str(text) {
                    let line = LogLine {
                        role: self.role,
                        text: text.clone(),
                        json,
                    };
                    found += usize::from(predicate(&line));
                }
            }
            if found >= count {
                return;
            }
            seen = lines.len();
            let (next, timeout) = self.lines.added.wait_timeout(lines, HANG).unwrap();
            assert!(
                !timeout.timed_out(),
                "demo {} wrote {found} of {count} such lines within {HANG:?}",
                self.role
            );
            lines = next;
        }
    }

    /// SIGTERM, then waits for a graceful exit (the init guard flushes the spans) and for the
    /// end of its output: afterwards every span it made has been exported and every line it
    /// wrote read.
    pub fn stop(mut self) -> Output {
        let mut child = self.child.take().unwrap();
        let pid = child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid} failed");
        let (tx, rx) = mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let status = child.wait();
            let _ = tx.send(());
            status
        });
        if rx.recv_timeout(HANG).is_err() {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!("demo {} did not stop within {HANG:?} of SIGTERM", self.role);
        }
        let status = waiter.join().unwrap().unwrap();
        self.stdout.take().unwrap().join().unwrap();
        let lines = std::mem::take(&mut *self.lines.lines.lock().unwrap());
        let stderr = self.stderr.take().unwrap().join().unwrap();
        assert!(
            status.success(),
            "demo {} exited with {status} after SIGTERM\n--- stdout\n{}\n--- stderr\n{stderr}",
            self.role,
            lines.join("\n")
        );
        Output {
            role: self.role,
            lines,
            stderr,
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // A failed test must not leave services running.
        if let Some(child) = &mut self.child {
            kill(child);
        }
    }
}

/// How a test wants its three services.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub endpoint: String,
    pub protocol: Protocol,
    /// `OTEL_PROPAGATORS`, when set.
    pub propagators: Option<&'static str>,
    /// `DEMO_DATABASE`.
    pub database: PathBuf,
    /// `OTEL_EXPORTER_OTLP_TIMEOUT`, when set.
    pub export_timeout: Option<Duration>,
}

/// The three services, started inventory first: each needs the next one's real address, which
/// only its `listening on` line gives.
#[derive(Debug)]
pub struct Stack {
    pub gateway: Service,
    pub orders: Service,
    pub inventory: Service,
}

/// The three services' output, once stopped.
#[derive(Debug)]
pub struct StackOutput {
    pub gateway: Output,
    pub orders: Output,
    pub inventory: Output,
}

impl StackOutput {
    pub fn all(&self) -> [&Output; 3] {
        [&self.gateway, &self.orders, &self.inventory]
    }
}

impl Stack {
    pub fn start(config: &StackConfig) -> Stack {
        let vars = |role: &str, extra: &[(&'static str, String)]| -> Vec<(&'static str, String)> {
            let mut vars = vec![
                ("OTEL_SERVICE_NAME", role.to_owned()),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", config.endpoint.clone()),
                (
                    "OTEL_EXPORTER_OTLP_PROTOCOL",
                    config.protocol.as_env().to_owned(),
                ),
                // Spans leave within a tenth of a second, not the default five.
                ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
                // `RUST_LOG` unset: info, without OpenTelemetry's own notices (with
                // `RUST_LOG=info` its "global tracer provider is set" would come before the
                // `listening on` line).
                ("BATON_LOG_FORMAT", "json".to_owned()),
            ];
            if let Some(timeout) = config.export_timeout {
                vars.push((
                    "OTEL_EXPORTER_OTLP_TIMEOUT",
                    timeout.as_millis().to_string(),
                ));
            }
            if let Some(propagators) = config.propagators {
                vars.push(("OTEL_PROPAGATORS", propagators.to_owned()));
            }
            vars.extend(extra.iter().cloned());
            vars
        };
        let inventory = start("inventory", &vars("inventory", &[])).ready();
        let orders = start(
            "orders",
            &vars(
                "orders",
                &[
                    ("DEMO_INVENTORY_URL", inventory.url()),
                    ("DEMO_DATABASE", config.database.display().to_string()),
                ],
            ),
        )
        .ready();
        let gateway = start(
            "gateway",
            &vars("gateway", &[("DEMO_ORDERS_URL", orders.url())]),
        )
        .ready();
        Stack {
            gateway,
            orders,
            inventory,
        }
    }

    /// Stops the three (gateway first, so that nothing calls a stopped service) and returns
    /// what they wrote.
    pub fn stop(self) -> StackOutput {
        let gateway = self.gateway.stop();
        let orders = self.orders.stop();
        let inventory = self.inventory.stop();
        StackOutput {
            gateway,
            orders,
            inventory,
        }
    }
}

/// One JSON log line, parsed.
#[derive(Debug, Clone)]
pub struct LogLine {
    pub role: &'static str,
    pub text: String,
    pub json: serde_json::Value,
}

impl LogLine {
    pub fn trace_id(&self) -> Option<&str> {
        self.json
            .get("trace_id")
            .and_then(serde_json::Value::as_str)
    }

    /// The request id: stamped at the top level, or a field of the request's `tracing` span.
    pub fn request_id(&self) -> Option<&str> {
        let top = self.json.get("request_id");
        let span = self.json.get("span").and_then(|s| s.get("request_id"));
        let spans = self
            .json
            .get("spans")
            .and_then(serde_json::Value::as_array)
            .and_then(|spans| spans.iter().find_map(|s| s.get("request_id")));
        top.or(span).or(spans).and_then(serde_json::Value::as_str)
    }

    /// Whether the line was written inside a `tracing` span, that is, for a request rather
    /// than at start-up or shutdown.
    pub fn in_span(&self) -> bool {
        self.json.get("span").is_some()
            || self
                .json
                .get("spans")
                .and_then(serde_json::Value::as_array)
                .is_some_and(|s| !s.is_empty())
    }

    pub fn message(&self) -> &str {
        self.json
            .get("fields")
            .and_then(|f| f.get("message"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
    }
}

/// Every line a service wrote after `listening on`, each of which must be a JSON object.
pub fn log_lines(output: &Output) -> Vec<LogLine> {
    output
        .lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|text| LogLine {
            role: output.role,
            text: text.clone(),
            json: serde_json::from_str(text).unwrap_or_else(|e| {
                panic!(
                    "demo {} wrote a line that is not JSON ({e}): {text}",
                    output.role
                )
            }),
        })
        .collect()
}

/// A JSON request to `url`, with `headers`; the status, the `x-request-id` echoed, the body.
pub async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<serde_json::Value>,
    headers: &[(&str, &str)],
) -> Response {
    let mut request = client.request(method, url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = tokio::time::timeout(HANG, request.send())
        .await
        .unwrap_or_else(|_| panic!("{url} did not answer within {HANG:?}"))
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status().as_u16();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    Response {
        status,
        request_id,
        body,
    }
}

/// `POST /orders` to the gateway.
pub async fn order(
    client: &reqwest::Client,
    gateway: &Service,
    item: &str,
    quantity: i64,
    headers: &[(&str, &str)],
) -> Response {
    send(
        client,
        reqwest::Method::POST,
        &format!("{}/orders", gateway.url()),
        Some(serde_json::json!({ "item": item, "quantity": quantity })),
        headers,
    )
    .await
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub request_id: Option<String>,
    pub body: serde_json::Value,
}

/// The trace, one span a line, for failure messages.
pub fn describe(trace: &Trace) -> String {
    trace
        .spans()
        .map(|s| {
            format!(
                "  {} {} {:?} {} parent={:?} status={:?}",
                s.service_name(),
                s.kind(),
                s.name(),
                s.span_id(),
                s.parent_span_id(),
                s.status()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The five spans of a hop chain are all there.
pub fn is_whole(trace: &Trace) -> bool {
    let count = |service: &str, kind: SpanKind| hops_of(trace, service, kind).count();
    count("gateway", SpanKind::Server) == 1
        && count("gateway", SpanKind::Client) == 1
        && count("orders", SpanKind::Server) == 1
        && count("orders", SpanKind::Client) == 1
        && count("inventory", SpanKind::Server) == 1
}

/// The spans of `service` of `kind` that cross a hop (a database call is a client span too,
/// but not a hop between the services).
pub fn hops_of<'t>(
    trace: &'t Trace,
    service: &'t str,
    kind: SpanKind,
) -> impl Iterator<Item = &'t Span> {
    trace.spans().filter(move |s| {
        s.service_name() == service
            && s.kind() == kind
            && s.attribute("db.system.name").is_none()
            && s.attribute("db.system").is_none()
    })
}

pub struct Hops<'t> {
    pub gateway_server: &'t Span,
    pub gateway_client: &'t Span,
    pub orders_server: &'t Span,
    pub orders_client: &'t Span,
    pub inventory_server: &'t Span,
}

impl<'t> Hops<'t> {
    pub fn all(&self) -> [&'t Span; 5] {
        [
            self.gateway_server,
            self.gateway_client,
            self.orders_server,
            self.orders_client,
            self.inventory_server,
        ]
    }
}

/// The parent chain gateway server → gateway client → orders server → orders client →
/// inventory server: walking up from inventory, the hop spans met are exactly those, in that
/// order, each client span the direct parent of the next server span, and the gateway's server
/// span is the top.
pub fn chain(trace: &Trace) -> Hops<'_> {
    let one = |service, kind| {
        let mut spans = hops_of(trace, service, kind);
        let span = spans.next();
        assert!(
            span.is_some() && spans.next().is_none(),
            "one {kind} span of {service}:\n{}",
            describe(trace)
        );
        span.unwrap()
    };
    let hops = Hops {
        gateway_server: one("gateway", SpanKind::Server),
        gateway_client: one("gateway", SpanKind::Client),
        orders_server: one("orders", SpanKind::Server),
        orders_client: one("orders", SpanKind::Client),
        inventory_server: one("inventory", SpanKind::Server),
    };
    let mut met = Vec::new();
    let mut span = Some(hops.inventory_server);
    while let Some(s) = span {
        if matches!(s.kind(), SpanKind::Server | SpanKind::Client) {
            met.push(s.span_id());
        }
        span = trace.parent(s);
    }
    let expected: Vec<String> = hops.all().iter().rev().map(|s| s.span_id()).collect();
    assert_eq!(met, expected, "the parent chain:\n{}", describe(trace));
    assert_eq!(
        trace.parent(hops.inventory_server).map(Span::span_id),
        Some(hops.orders_client.span_id())
    );
    assert_eq!(
        trace.parent(hops.orders_server).map(Span::span_id),
        Some(hops.gateway_client.span_id())
    );
    assert_eq!(trace.parent(hops.gateway_server).map(Span::span_id), None);
    hops
}

/// Every line a service wrote inside a request carries a trace id and a request id; each
/// request's lines, from all three services, carry its trace id and the request id it was sent
/// with, and no line of another request carries either.
pub fn assert_logs_correlated(output: &StackOutput, requests: &[(&str, String)]) {
    let lines: Vec<LogLine> = output.all().into_iter().flat_map(log_lines).collect();
    for line in lines.iter().filter(|l| l.in_span()) {
        assert!(
            line.trace_id().is_some() && line.request_id().is_some(),
            "{}: {}",
            line.role,
            line.text
        );
    }
    let mut by_trace: HashMap<&str, Vec<&LogLine>> = HashMap::new();
    let mut by_request: HashMap<&str, Vec<&LogLine>> = HashMap::new();
    for line in &lines {
        if let Some(id) = line.trace_id() {
            by_trace.entry(id).or_default().push(line);
        }
        if let Some(id) = line.request_id() {
            by_request.entry(id).or_default().push(line);
        }
    }
    for (request_id, trace_id) in requests {
        let of_trace = by_trace
            .get(trace_id.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        for role in ["gateway", "orders", "inventory"] {
            assert!(
                of_trace.iter().any(|l| l.role == role),
                "{role} wrote no line for {request_id} (trace {trace_id}):\n{}",
                lines
                    .iter()
                    .map(|l| l.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        for line in of_trace {
            assert_eq!(
                line.request_id(),
                Some(*request_id),
                "{}: {}",
                line.role,
                line.text
            );
        }
        for line in by_request
            .get(request_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            assert_eq!(
                line.trace_id(),
                Some(trace_id.as_str()),
                "{}: {}",
                line.role,
                line.text
            );
        }
    }
}

/// An `orders` row: id, item, quantity, trace id.
pub type OrderRow = (i64, String, i64, String);

/// The orders table, read through a read-only connection of the test's own, by id.
pub fn orders_in(database: &Path) -> Vec<OrderRow> {
    let db =
        rusqlite::Connection::open_with_flags(database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    db.prepare("SELECT id, item, quantity, trace_id FROM orders ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// An `audit` row: item, outcome, trace id.
pub type AuditRow = (String, String, String);

/// The audit table, read-only, sorted.
pub fn audit_in(database: &Path) -> Vec<AuditRow> {
    let db =
        rusqlite::Connection::open_with_flags(database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut rows: Vec<AuditRow> = db
        .prepare("SELECT order_item, outcome, trace_id FROM audit")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort();
    rows
}

/// Runs `future` on a multi-thread runtime of its own.
pub fn run<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// Stops the stack off the runtime's threads (stopping blocks on the processes).
pub async fn stop(stack: Stack) -> StackOutput {
    tokio::task::spawn_blocking(move || stack.stop())
        .await
        .unwrap()
}

/// Starts the stack off the runtime's threads (starting blocks on the `listening on` lines).
pub async fn start_stack(config: StackConfig) -> Stack {
    tokio::task::spawn_blocking(move || Stack::start(&config))
        .await
        .unwrap()
}
