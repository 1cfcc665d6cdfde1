//! A collector outage: the demo's services, started with nothing listening on the collector's
//! port, keep answering; with a collector that accepts and never answers, too (no request
//! waits on an export: spans go to the batch processor's queue and leave from its own thread);
//! and the traces arrive once a receiver starts on that port.

#[path = "support/e2e.rs"]
mod support;

use std::net::TcpListener;
use std::time::Duration;

use baton_viewer::{Receiver, ReceiverConfig};
use support::{Protocol, StackConfig, TempDir};

const ARRIVAL: Duration = Duration::from_secs(60);
const RECOVERED_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER: &str = "b7ad6b7169203331";

#[test]
fn services_answer_through_an_outage_and_export_once_a_collector_starts_over_http() {
    outage(Protocol::HttpProtobuf);
}

/// The services call `baton::init` before building their runtime: the gRPC exporter's channel
/// must reconnect on the guard's runtime all the same.
#[test]
fn services_answer_through_an_outage_and_export_once_a_collector_starts_over_grpc() {
    outage(Protocol::Grpc);
}

fn outage(protocol: Protocol) {
    support::run(async {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = TempDir::new(&format!("outage-{}", protocol.as_env().replace('/', "-")));
        let stack = support::start_stack(StackConfig {
            endpoint: format!("http://127.0.0.1:{port}"),
            protocol,
            propagators: None,
            database: dir.path().join("orders.sqlite"),
            // An export may take longer than the test's hang guard: a request that waited on
            // one to the silent collector below would fail the test, however fast the machine.
            export_timeout: Some(Duration::from_secs(600)),
        })
        .await;
        let client = reqwest::Client::new();
        let orders = |n: usize| {
            let client = &client;
            let gateway = &stack.gateway;
            async move {
                for _ in 0..n {
                    let response = support::order(client, gateway, "widget", 1, &[]).await;
                    assert_eq!(response.status, 201, "{response:?}");
                }
            }
        };

        // Nothing listens: every export is refused.
        orders(20).await;

        // A collector that accepts connections (the kernel does, into the backlog) and never
        // reads or answers: an export started now waits for the whole export timeout.
        let silent = TcpListener::bind(("127.0.0.1", port)).unwrap();
        orders(20).await;
        // Closing it resets the connections it held: the stuck export fails, the next goes to
        // the receiver.
        drop(silent);

        let config = ReceiverConfig::ephemeral().max_traces(10_000);
        let config = match protocol {
            Protocol::Grpc => config.grpc_port(port),
            Protocol::HttpProtobuf => config.http_port(port),
        };
        let receiver = Receiver::start(config).await.unwrap();
        let traceparent = format!("00-{RECOVERED_TRACE}-{CALLER}-01");
        let response = support::order(
            &client,
            &stack.gateway,
            "widget",
            1,
            &[("traceparent", &traceparent)],
        )
        .await;
        assert_eq!(response.status, 201, "{response:?}");
        // Arrives through the batch processor's next scheduled export, while the services run.
        let trace = receiver
            .wait_for_trace(
                |t| t.trace_id() == RECOVERED_TRACE && support::is_whole(t),
                ARRIVAL,
            )
            .await
            .unwrap();
        let hops = support::chain(&trace);
        assert_eq!(
            hops.gateway_server.parent_span_id().as_deref(),
            Some(CALLER)
        );

        support::stop(stack).await;
        receiver.shutdown().await;
    });
}
