//! `demo` with no role: starts a trace receiver and the three services, sends the requests
//! the demo is about, and prints what happened to each: its trace's waterfall and verdict,
//! then one request's log lines from all three services, then a summary.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use baton_viewer::{Receiver, ReceiverConfig, Status, Trace, Value, Waterfall};

use crate::children::{LogLine, Logs, Service};
use crate::service::BoxError;

const USAGE: &str = "usage: demo [--keep-running] [--protocol http|grpc]
       demo gateway|orders|inventory

With no role: starts a trace receiver and the three services on free ports, sends a few
orders, prints their traces, one request's log lines and a summary, and stops everything.
  --keep-running     stay up afterwards for requests of your own (prints the curl line)
  --protocol P       OTLP transport from the services to the receiver: http (default,
                     http/protobuf) or grpc";

/// How long a request's trace or log line may take to arrive before the demo gives up.
const ARRIVAL: Duration = Duration::from_secs(20);

struct Options {
    keep_running: bool,
    grpc: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        keep_running: false,
        grpc: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--keep-running" => options.keep_running = true,
            "--protocol" => match args.next().map(String::as_str) {
                Some("grpc") => options.grpc = true,
                Some("http" | "http/protobuf") => options.grpc = false,
                other => {
                    return Err(format!(
                        "invalid --protocol {:?}: expected http (http/protobuf) or grpc",
                        other.unwrap_or("")
                    ));
                }
            },
            other => {
                return Err(format!(
                    "unknown argument {other:?}: expected a role (gateway, orders, inventory), --keep-running or --protocol"
                ));
            }
        }
    }
    Ok(options)
}

/// The orchestrator's `main`.
pub(crate) fn run(args: &[String]) -> ExitCode {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match parse(args) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("demo: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(demo(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            println!("\nsomething the demo shows went wrong: see the lines marked WRONG above");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("demo: {error}");
            ExitCode::FAILURE
        }
    }
}

/// One request the demo sends, and what its trace must show.
struct Scenario {
    title: &'static str,
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    headers: &'static [(&'static str, &'static str)],
    request_id: &'static str,
    status: u16,
    /// The spans the finished trace holds.
    spans: usize,
}

const MALFORMED_TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

const SCENARIOS: [Scenario; 6] = [
    Scenario {
        title: "a normal order",
        method: "POST",
        path: "/orders",
        body: Some(r#"{"item":"widget","quantity":2}"#),
        headers: &[],
        request_id: "demo-1-order",
        status: 201,
        spans: 8,
    },
    Scenario {
        title: "an order carrying baggage (customer.tier=gold) to inventory",
        method: "POST",
        path: "/orders",
        body: Some(r#"{"item":"widget","quantity":1}"#),
        headers: &[("baggage", "customer.tier=gold")],
        request_id: "demo-2-baggage",
        status: 201,
        spans: 8,
    },
    Scenario {
        title: "an order inventory refuses (out of stock: FAILED_PRECONDITION, then 409)",
        method: "POST",
        path: "/orders",
        body: Some(r#"{"item":"gadget","quantity":1}"#),
        headers: &[],
        request_id: "demo-3-refused",
        status: 409,
        spans: 8,
    },
    Scenario {
        title: "an order with a malformed traceparent (served under a fresh trace)",
        method: "POST",
        path: "/orders",
        body: Some(r#"{"item":"gizmo","quantity":1}"#),
        headers: &[(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-not-a-span-id!-01",
        )],
        request_id: "demo-4-malformed",
        status: 201,
        spans: 8,
    },
    Scenario {
        title: "an order whose audit record is written by a background job",
        method: "POST",
        path: "/orders",
        body: Some(r#"{"item":"gizmo","quantity":2}"#),
        headers: &[],
        request_id: "demo-5-background",
        status: 201,
        spans: 8,
    },
    Scenario {
        title: "the stock levels (a server-streaming gRPC call)",
        method: "GET",
        path: "/stock",
        body: None,
        headers: &[],
        request_id: "demo-6-stock",
        status: 200,
        spans: 5,
    },
];

/// What one request showed.
struct Shown {
    scenario: &'static Scenario,
    trace: Trace,
}

/// Prints `ok` or `FAILED` with `what`, and keeps the verdict.
struct Checks {
    passed: bool,
}

impl Checks {
    fn check(&mut self, ok: bool, what: impl std::fmt::Display) {
        if ok {
            println!("  ok      {what}");
        } else {
            println!("  WRONG   {what}");
            self.passed = false;
        }
    }
}

async fn demo(options: Options) -> Result<bool, BoxError> {
    let receiver = Receiver::start(ReceiverConfig::ephemeral()).await?;
    let (endpoint, protocol) = if options.grpc {
        (receiver.grpc_endpoint(), "grpc")
    } else {
        (
            format!("{}/v1/traces", receiver.http_endpoint()),
            "http/protobuf",
        )
    };
    let dir = std::env::temp_dir().join(format!("baton-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let database = dir.join("orders.sqlite");
    let result = run_services(&options, &receiver, &endpoint, protocol, &database).await;
    receiver.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_services(
    options: &Options,
    receiver: &Receiver,
    endpoint: &str,
    protocol: &str,
    database: &Path,
) -> Result<bool, BoxError> {
    let env = |extra: &[(&'static str, String)]| {
        let mut env = vec![
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint.to_owned()),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", protocol.to_owned()),
            ("OTEL_TRACES_EXPORTER", "otlp".to_owned()),
            ("OTEL_SDK_DISABLED", "false".to_owned()),
            ("OTEL_TRACES_SAMPLER", "parentbased_always_on".to_owned()),
            ("OTEL_PROPAGATORS", "tracecontext,baggage".to_owned()),
            // Spans reach the receiver in a tenth of a second rather than the default five.
            ("OTEL_BSP_SCHEDULE_DELAY", "100".to_owned()),
            ("BATON_LOG_FORMAT", "json".to_owned()),
            ("DEMO_LISTEN", "127.0.0.1:0".to_owned()),
        ];
        env.extend_from_slice(extra);
        env
    };
    let logs = Logs::default();
    // Each role under its own service name, whatever the caller's environment says.
    let inventory = Service::start(
        "inventory",
        &env(&[("OTEL_SERVICE_NAME", "inventory".into())]),
        &logs,
    )
    .await?;
    let orders = Service::start(
        "orders",
        &env(&[
            ("OTEL_SERVICE_NAME", "orders".into()),
            ("DEMO_INVENTORY_URL", format!("http://{}", inventory.addr)),
            ("DEMO_DATABASE", database.display().to_string()),
        ]),
        &logs,
    )
    .await?;
    let gateway = Service::start(
        "gateway",
        &env(&[
            ("OTEL_SERVICE_NAME", "gateway".into()),
            ("DEMO_ORDERS_URL", format!("http://{}", orders.addr)),
        ]),
        &logs,
    )
    .await?;
    println!(
        "baton demo: gateway (HTTP) -> orders (HTTP, SQLite) -> inventory (gRPC), three processes on free ports,\n\
         exporting OTLP ({protocol}) to a trace receiver in this process.\n"
    );

    let result = show(receiver, &logs, gateway.addr, database).await;
    if options.keep_running && result.is_ok() {
        keep_running(receiver, gateway.addr).await;
    }
    gateway.stop().await;
    orders.stop().await;
    inventory.stop().await;
    result
}

async fn show(
    receiver: &Receiver,
    logs: &Logs,
    gateway: std::net::SocketAddr,
    database: &Path,
) -> Result<bool, BoxError> {
    let client = reqwest::Client::new();
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut checks = Checks { passed: true };
    let mut shown = Vec::new();
    for (n, scenario) in SCENARIOS.iter().enumerate() {
        let mut request = client
            .request(
                scenario.method.parse()?,
                format!("http://{gateway}{}", scenario.path),
            )
            .header("x-request-id", scenario.request_id);
        for (name, value) in scenario.headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = scenario.body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let body = response.text().await?;
        let headers: String = scenario
            .headers
            .iter()
            .map(|(k, v)| format!(" {k}: {v}"))
            .collect();
        println!(
            "[{}/{}] {}\n      {} {}{}{} -> {status} {body}",
            n + 1,
            SCENARIOS.len(),
            scenario.title,
            scenario.method,
            scenario.path,
            scenario.body.map(|b| format!(" {b}")).unwrap_or_default(),
            headers,
        );
        // The gateway's log line names the trace the request was served under.
        let Some(line) = logs
            .wait_for(
                |l| l.service == "gateway" && l.request_id.as_deref() == Some(scenario.request_id),
                ARRIVAL,
            )
            .await
        else {
            checks.check(
                false,
                format!("a gateway log line with request_id={}", scenario.request_id),
            );
            continue;
        };
        let trace_id = line.trace_id.unwrap_or_default();
        let trace = match receiver
            .wait_for_trace(
                |t| {
                    t.trace_id() == trace_id && t.len() >= scenario.spans && t.services().len() == 3
                },
                ARRIVAL,
            )
            .await
        {
            Ok(trace) => trace,
            Err(error) => {
                checks.check(
                    false,
                    format!("trace {trace_id} with {} spans: {error}", scenario.spans),
                );
                continue;
            }
        };
        println!("{}", Waterfall::new(&trace).color(color));
        checks.check(
            status.as_u16() == scenario.status,
            format!("answered {}", scenario.status),
        );
        check_scenario(&mut checks, scenario, &trace);
        println!();
        shown.push(Shown { scenario, trace });
    }

    show_logs(&mut checks, logs, &shown).await;
    summary(&mut checks, logs, &shown, database).await?;
    Ok(checks.passed)
}

fn check_scenario(checks: &mut Checks, scenario: &Scenario, trace: &Trace) {
    let services = trace.services();
    checks.check(
        ["gateway", "orders", "inventory"]
            .iter()
            .all(|s| services.contains(s)),
        "one trace across gateway, orders and inventory",
    );
    match scenario.request_id {
        "demo-2-baggage" => {
            let seen = trace
                .spans()
                .find(|s| s.service_name() == "inventory")
                .and_then(|s| s.attribute("baggage.customer.tier"))
                .cloned();
            checks.check(
                seen == Some(Value::String("gold".into())),
                "inventory received customer.tier=gold (its span's baggage.customer.tier)",
            );
        }
        "demo-3-refused" => {
            let errors: Vec<String> = trace
                .spans()
                .filter(|s| s.status() == Status::Error)
                .map(|s| format!("{} {} ({})", s.service_name(), s.name(), s.kind()))
                .collect();
            checks.check(
                errors.len() == 2
                    && errors.iter().any(|e| {
                        e.starts_with("orders demo.inventory.v1.Inventory/Reserve (client")
                    })
                    && errors
                        .iter()
                        .any(|e| e.starts_with("gateway POST /orders (client")),
                format!(
                    "error status on the two client spans that saw the refusal: {}",
                    errors.join(", ")
                ),
            );
            checks.check(
                trace.span_named("ROLLBACK").is_some() && trace.span_named("COMMIT").is_none(),
                "the order's transaction rolled back",
            );
        }
        "demo-4-malformed" => checks.check(
            trace.trace_id() != MALFORMED_TRACE_ID
                && trace.root().is_some_and(|r| r.parent_span_id().is_none()),
            "the malformed traceparent was ignored: a fresh trace, rooted at the gateway",
        ),
        _ => {}
    }
    checks.check(trace.verdict().is_clean(), "no propagation problem");
}

/// The log lines of the background-job request, from all three services' stdout.
async fn show_logs(checks: &mut Checks, logs: &Logs, shown: &[Shown]) {
    let Some(background) = shown
        .iter()
        .find(|s| s.scenario.request_id == "demo-5-background")
    else {
        return;
    };
    let request_id = background.scenario.request_id;
    // The audit job may still be running when the response arrives: wait for its line.
    let audit = logs
        .wait_for(
            |l| l.request_id.as_deref() == Some(request_id) && l.message == "audit recorded",
            ARRIVAL,
        )
        .await;
    let trace_id = background.trace.trace_id();
    println!(
        "log lines of request {request_id} (trace {trace_id}), from the three services' stdout:"
    );
    let lines: Vec<LogLine> = logs
        .all()
        .into_iter()
        .filter(|l| l.request_id.as_deref() == Some(request_id))
        .collect();
    for service in ["gateway", "orders", "inventory"] {
        for line in lines.iter().filter(|l| l.service == service) {
            println!(
                "  {:<9} {:<5} trace_id={} request_id={} {}{}",
                line.service,
                line.level,
                line.trace_id.as_deref().unwrap_or("-"),
                line.request_id.as_deref().unwrap_or("-"),
                line.message,
                line.fields
                    .iter()
                    .map(|f| format!(" {f}"))
                    .collect::<String>(),
            );
        }
    }
    checks.check(
        audit.is_some_and(|l| l.trace_id.as_deref() == Some(trace_id.as_str())),
        "the audit job, spawned in the background, logged under the request's trace and request id",
    );
    println!();
}

async fn summary(
    checks: &mut Checks,
    logs: &Logs,
    shown: &[Shown],
    database: &Path,
) -> Result<(), BoxError> {
    println!("summary");
    let traces: HashSet<String> = shown.iter().map(|s| s.trace.trace_id()).collect();
    let spans: usize = shown.iter().map(|s| s.trace.len()).sum();
    let clean = shown
        .iter()
        .filter(|s| s.trace.verdict().is_clean())
        .count();
    checks.check(
        shown.len() == SCENARIOS.len() && traces.len() == shown.len() && clean == shown.len(),
        format!(
            "{} requests, {} traces, {spans} spans from 3 services; {clean} with no propagation problem",
            SCENARIOS.len(),
            traces.len()
        ),
    );

    // Every line written during a request carries its trace id and its request id.
    let by_trace = logs.by_trace();
    let mut lines = 0;
    let mut correlated = true;
    for shown in shown {
        for line in by_trace.get(&shown.trace.trace_id()).into_iter().flatten() {
            lines += 1;
            correlated &= line.request_id.as_deref() == Some(shown.scenario.request_id);
        }
    }
    checks.check(
        correlated && lines > 0,
        format!("{lines} log lines, each with its request's trace id and request id"),
    );

    let path = database.to_owned();
    let (orders, audit) = tokio::task::spawn_blocking(move || {
        let conn = rusqlite::Connection::open(path)?;
        let orders: Vec<String> = conn
            .prepare("SELECT trace_id FROM orders")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let audit: i64 = conn.query_row("SELECT count(*) FROM audit", [], |row| row.get(0))?;
        Ok::<_, rusqlite::Error>((orders, audit))
    })
    .await??;
    let committed = shown.iter().filter(|s| s.scenario.status == 201).count();
    let refused = shown
        .iter()
        .find(|s| s.scenario.status == 409)
        .map(|s| s.trace.trace_id());
    checks.check(
        orders.len() == committed && refused.is_some_and(|t| !orders.contains(&t)),
        format!(
            "database: {} orders committed; the refused order left no row (rolled back)",
            orders.len()
        ),
    );
    checks.check(
        audit == i64::try_from(committed + 1).unwrap_or(-1),
        format!("{audit} audit rows, written by background jobs on their own connection"),
    );
    Ok(())
}

/// Stays up for requests of the user's own, printing each new trace, until Ctrl-C.
async fn keep_running(receiver: &Receiver, gateway: std::net::SocketAddr) {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let seen: HashSet<String> = receiver.traces().iter().map(Trace::trace_id).collect();
    println!(
        "\nthe services keep running; send an order with:\n  curl -i -X POST http://{gateway}/orders -H 'content-type: application/json' -H 'baggage: customer.tier=gold' -d '{{\"item\":\"widget\",\"quantity\":1}}'\n\
         or read the stock with: curl -i http://{gateway}/stock\n\
         each new trace is printed here; Ctrl-C stops everything."
    );
    let mut completed = receiver.completed();
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            next = completed.next() => match next {
                Some(done) if !seen.contains(&done.trace.trace_id()) || done.updated => {
                    println!("{}", Waterfall::new(&done.trace).updated(done.updated).color(color));
                }
                Some(_) => {}
                None => break,
            },
        }
    }
}
