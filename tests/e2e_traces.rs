//! The demo's three services as separate processes, exporting OTLP (over gRPC in one test, over
//! HTTP in the other) to a receiver in the test: requests carrying a W3C `traceparent`, B3
//! headers or nothing, and an order inventory refuses, each checked in its assembled trace, in
//! the orders database and in the services' JSON log lines.

#[path = "support/e2e.rs"]
mod support;

use std::time::Duration;

use baton_viewer::{FlagKind, Span, Status, Trace, Value};
use support::{Protocol, Response, StackConfig, StackOutput, TempDir};

const ARRIVAL: Duration = Duration::from_secs(60);

const W3C_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const W3C_PARENT: &str = "00f067aa0ba902b7";
const B3_TRACE: &str = "80f198ee56343ba864fe8b2a57d3eff7";
const B3_PARENT: &str = "e457b5a2e4d86bd1";

const RESERVE: &str = "demo.inventory.v1.Inventory/Reserve";

/// Which B3 encoding a test sends, and the `OTEL_PROPAGATORS` that reads it.
#[derive(Clone, Copy)]
enum B3 {
    Single,
    Multi,
}

impl B3 {
    fn propagators(self) -> &'static str {
        match self {
            B3::Single => "tracecontext,baggage,b3",
            B3::Multi => "tracecontext,baggage,b3multi",
        }
    }

    fn headers(self) -> Vec<(&'static str, String)> {
        match self {
            B3::Single => vec![("b3", format!("{B3_TRACE}-{B3_PARENT}-1"))],
            B3::Multi => vec![
                ("x-b3-traceid", B3_TRACE.to_owned()),
                ("x-b3-spanid", B3_PARENT.to_owned()),
                ("x-b3-sampled", "1".to_owned()),
            ],
        }
    }
}

#[test]
fn three_services_one_trace_exported_over_grpc() {
    support::run(three_services_one_trace("grpc", Protocol::Grpc, B3::Single));
}

#[test]
fn three_services_one_trace_exported_over_http() {
    support::run(three_services_one_trace(
        "http",
        Protocol::HttpProtobuf,
        B3::Multi,
    ));
}

struct Sent {
    request_id: &'static str,
    response: Response,
}

async fn three_services_one_trace(test: &str, protocol: Protocol, b3: B3) {
    let receiver = support::receiver().await;
    let dir = TempDir::new(&format!("traces-{test}"));
    let database = dir.path().join("orders.sqlite");
    let stack = support::start_stack(StackConfig {
        endpoint: protocol.endpoint(&receiver),
        protocol,
        propagators: Some(b3.propagators()),
        database: database.clone(),
        export_timeout: None,
    })
    .await;
    let orders_addr = stack.orders.addr;
    let inventory_addr = stack.inventory.addr;
    let client = reqwest::Client::new();

    let traceparent = format!("00-{W3C_TRACE}-{W3C_PARENT}-01");
    let send =
        |item: &'static str, request_id: &'static str, mut headers: Vec<(&'static str, String)>| {
            let client = &client;
            let gateway = &stack.gateway;
            headers.push(("x-request-id", request_id.to_owned()));
            async move {
                let headers: Vec<(&str, &str)> =
                    headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let response = support::order(client, gateway, item, 2, &headers).await;
                Sent {
                    request_id,
                    response,
                }
            }
        };
    let w3c = send(
        "widget",
        "e2e-w3c",
        vec![
            ("traceparent", traceparent),
            ("baggage", "customer.tier=gold".to_owned()),
        ],
    )
    .await;
    let b3_sent = send("widget", "e2e-b3", b3.headers()).await;
    let none = send("widget", "e2e-none", vec![]).await;
    let refused = send("gadget", "e2e-refused", vec![]).await;
    for sent in [&w3c, &b3_sent, &none] {
        assert_eq!(
            sent.response.status, 201,
            "{}: {:?}",
            sent.request_id, sent.response
        );
        assert_eq!(sent.response.body["item"], "widget", "{:?}", sent.response);
        assert_eq!(sent.response.body["quantity"], 2, "{:?}", sent.response);
        assert_eq!(sent.response.request_id.as_deref(), Some(sent.request_id));
    }
    assert_eq!(refused.response.status, 409, "{:?}", refused.response);
    assert!(
        refused.response.body["error"].is_string(),
        "{:?}",
        refused.response
    );

    // The audit job runs after the response, in the background: its line says it is done.
    tokio::task::block_in_place(|| {
        stack
            .orders
            .wait_for_logs(4, |l| l.message() == "audit recorded")
    });

    // Stopping flushes every span and ends every stdout: nothing below races the services.
    let output = support::stop(stack).await;

    let with_id = |id: &'static str| move |t: &Trace| t.trace_id() == id && support::is_whole(t);
    // A trace of its own, rooted at the gateway, answered with `status`.
    let fresh = |status: i64| {
        move |t: &Trace| {
            support::is_whole(t)
                && t.root().is_some_and(|r| {
                    r.service_name() == "gateway"
                        && r.attribute("http.response.status_code") == Some(&Value::Int(status))
                })
        }
    };
    let w3c_trace = receiver
        .wait_for_trace(with_id(W3C_TRACE), ARRIVAL)
        .await
        .unwrap();
    let b3_trace = receiver
        .wait_for_trace(with_id(B3_TRACE), ARRIVAL)
        .await
        .unwrap();
    let none_trace = receiver.wait_for_trace(fresh(201), ARRIVAL).await.unwrap();
    let refused_trace = receiver.wait_for_trace(fresh(409), ARRIVAL).await.unwrap();

    // One trace id across the three services, in the hop order, with the conventions' attributes.
    for trace in [&w3c_trace, &b3_trace, &none_trace, &refused_trace] {
        let mut services = trace.services();
        services.sort_unstable();
        assert_eq!(
            services,
            ["gateway", "inventory", "orders"],
            "{}",
            support::describe(trace)
        );
        let hops = support::chain(trace);
        assert_http_server(hops.gateway_server);
        assert_http_client(hops.gateway_client, orders_addr.port());
        assert_http_server(hops.orders_server);
        assert_grpc(hops.orders_client, Some(inventory_addr.port()));
        assert_grpc(hops.inventory_server, None);
    }

    // The caller's context continued: its trace id, its span as the gateway's parent (a parent
    // the caller did not export, the only flag those traces may have).
    for (trace, caller) in [(&w3c_trace, W3C_PARENT), (&b3_trace, B3_PARENT)] {
        let root = support::chain(trace).gateway_server;
        assert_eq!(root.parent_span_id().as_deref(), Some(caller));
        let verdict = trace.verdict();
        assert_eq!(verdict.flags().len(), 1, "{verdict:?}");
        assert!(verdict.has(FlagKind::Orphan));
        assert_eq!(verdict.flags()[0].span_id(), root.span_id());
    }
    // No header: a fresh trace, rooted at the gateway, with nothing to flag.
    for trace in [&none_trace, &refused_trace] {
        assert!(support::chain(trace).gateway_server.is_root());
        assert!(
            trace.verdict().is_clean(),
            "{}",
            trace
                .verdict()
                .flags()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert_ne!(trace.trace_id(), W3C_TRACE);
        assert_ne!(trace.trace_id(), B3_TRACE);
    }

    // The healthy orders are Ok end to end.
    for trace in [&w3c_trace, &b3_trace, &none_trace] {
        let hops = support::chain(trace);
        for span in hops.all() {
            assert_eq!(
                span.status(),
                Status::Unset,
                "{}: {}",
                span.name(),
                support::describe(trace)
            );
            assert_eq!(span.attribute("error.type"), None, "{}", span.name());
        }
        assert_eq!(
            hops.gateway_server.attribute("http.response.status_code"),
            Some(&Value::Int(201))
        );
        assert_eq!(
            hops.gateway_client.attribute("http.response.status_code"),
            Some(&Value::Int(201))
        );
        assert_eq!(
            hops.orders_server.attribute("http.response.status_code"),
            Some(&Value::Int(201))
        );
        assert!(trace.span_named("COMMIT").is_some() && trace.span_named("ROLLBACK").is_none());
        for span in [hops.orders_client, hops.inventory_server] {
            assert_eq!(
                span.attribute("rpc.response.status_code"),
                Some(&Value::String("OK".into()))
            );
        }
    }

    // Baggage reached inventory, three hops down.
    assert_baggage_reached_inventory(&w3c_trace, &output);

    assert_refused(&refused_trace);
    assert_rolled_back(
        &database,
        &[&w3c, &b3_sent, &none],
        [&w3c_trace, &b3_trace, &none_trace],
        &refused_trace,
    );
    support::assert_logs_correlated(
        &output,
        &[
            (w3c.request_id, w3c_trace.trace_id()),
            (b3_sent.request_id, b3_trace.trace_id()),
            (none.request_id, none_trace.trace_id()),
            (refused.request_id, refused_trace.trace_id()),
        ],
    );
    receiver.shutdown().await;
}

/// A string attribute's value (an integer or a bool would not equal it).
fn text(value: &str) -> Value {
    Value::String(value.to_owned())
}

fn assert_http_server(span: &Span) {
    assert_eq!(span.name(), "POST /orders");
    assert_eq!(span.attribute("http.request.method"), Some(&text("POST")));
    assert_eq!(span.attribute("http.route"), Some(&text("/orders")));
    assert_eq!(span.attribute("url.path"), Some(&text("/orders")));
    assert_eq!(span.attribute("url.scheme"), Some(&text("http")));
    assert!(
        matches!(
            span.attribute("http.response.status_code"),
            Some(Value::Int(_))
        ),
        "{:?}",
        span.attribute("http.response.status_code")
    );
    assert!(
        span.attribute("url.full").is_none(),
        "url.full is for client spans"
    );
}

fn assert_http_client(span: &Span, port: u16) {
    assert!(span.name().starts_with("POST"), "{}", span.name());
    assert_eq!(span.attribute("http.request.method"), Some(&text("POST")));
    assert_eq!(span.attribute("server.address"), Some(&text("127.0.0.1")));
    assert_eq!(
        span.attribute("server.port"),
        Some(&Value::Int(i64::from(port)))
    );
    assert_eq!(
        span.attribute("url.full"),
        Some(&text(&format!("http://127.0.0.1:{port}/orders")))
    );
    assert!(matches!(
        span.attribute("http.response.status_code"),
        Some(Value::Int(_))
    ));
}

/// A gRPC span of `Reserve`; a client span (with the port it called) names its server.
fn assert_grpc(span: &Span, client_port: Option<u16>) {
    assert_eq!(span.name(), RESERVE);
    assert_eq!(span.attribute("rpc.system.name"), Some(&text("grpc")));
    assert_eq!(span.attribute("rpc.method"), Some(&text(RESERVE)));
    assert!(matches!(
        span.attribute("rpc.response.status_code"),
        Some(Value::String(_))
    ));
    if let Some(port) = client_port {
        assert_eq!(span.attribute("server.address"), Some(&text("127.0.0.1")));
        assert_eq!(
            span.attribute("server.port"),
            Some(&Value::Int(i64::from(port)))
        );
    }
}

/// Out of stock: FAILED_PRECONDITION is an error to the caller (every non-OK code is, on a
/// client span) but not to inventory (the server table lists only UNKNOWN, DEADLINE_EXCEEDED,
/// UNIMPLEMENTED, INTERNAL, UNAVAILABLE and DATA_LOSS); the 409 it becomes is an error to the
/// gateway's client span and not to any server span (4xx is the caller's fault).
fn assert_refused(trace: &Trace) {
    let hops = support::chain(trace);
    let why = support::describe(trace);
    assert_eq!(
        hops.inventory_server.attribute("rpc.response.status_code"),
        Some(&text("FAILED_PRECONDITION"))
    );
    assert_eq!(hops.inventory_server.status(), Status::Unset, "{why}");
    assert_eq!(hops.inventory_server.attribute("error.type"), None);

    assert_eq!(
        hops.orders_client.attribute("rpc.response.status_code"),
        Some(&text("FAILED_PRECONDITION"))
    );
    assert_eq!(hops.orders_client.status(), Status::Error, "{why}");
    assert_eq!(
        hops.orders_client.attribute("error.type"),
        Some(&text("FAILED_PRECONDITION"))
    );

    for server in [hops.orders_server, hops.gateway_server] {
        assert_eq!(
            server.attribute("http.response.status_code"),
            Some(&Value::Int(409))
        );
        assert_eq!(
            server.status(),
            Status::Unset,
            "{}: {why}",
            server.service_name()
        );
        assert_eq!(server.attribute("error.type"), None);
    }
    assert_eq!(
        hops.gateway_client.attribute("http.response.status_code"),
        Some(&Value::Int(409))
    );
    assert_eq!(hops.gateway_client.status(), Status::Error, "{why}");
    assert_eq!(
        hops.gateway_client.attribute("error.type"),
        Some(&text("409"))
    );
    // The database calls under orders' server span end with ROLLBACK.
    assert!(
        trace.span_named("ROLLBACK").is_some() && trace.span_named("COMMIT").is_none(),
        "{why}"
    );
}

/// `customer.tier=gold`, sent to the gateway as baggage, is on inventory's side of the trace.
fn assert_baggage_reached_inventory(trace: &Trace, output: &StackOutput) {
    let on_span = trace
        .spans()
        .filter(|s| s.service_name() == "inventory")
        .flat_map(|s| s.attributes())
        .any(|(key, value)| {
            key.ends_with("customer.tier") && value == &Value::String("gold".into())
        });
    assert!(
        on_span,
        "no inventory span carries customer.tier=gold:\n{}",
        support::describe(trace)
    );
    let logged = support::log_lines(&output.inventory).iter().any(|l| {
        l.trace_id() == Some(W3C_TRACE)
            && l.text.contains("customer.tier")
            && l.text.contains("gold")
    });
    assert!(
        logged,
        "no inventory log line of the trace names customer.tier=gold:\n{}",
        output.inventory.lines.join("\n")
    );
}

/// The orders table holds the committed orders, each under its trace id, and nothing of the
/// refused one (its transaction rolled back).
fn assert_rolled_back(
    database: &std::path::Path,
    committed: &[&Sent],
    traces: [&Trace; 3],
    refused: &Trace,
) {
    let rows = support::orders_in(database);
    let mut expected: Vec<support::OrderRow> = committed
        .iter()
        .zip(traces)
        .map(|(sent, trace)| {
            (
                sent.response.body["id"].as_i64().unwrap(),
                "widget".to_owned(),
                2,
                trace.trace_id(),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(rows, expected);
    assert!(
        rows.iter()
            .all(|r| r.3 != refused.trace_id() && r.1 != "gadget")
    );
}
