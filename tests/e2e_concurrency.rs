//! 200 orders at once through the demo's three processes: each request's spans and log lines
//! land in its own trace, and the orders database holds exactly the orders that were committed.

#[path = "support/e2e.rs"]
mod support;

use std::collections::HashSet;
use std::time::Duration;

use baton_viewer::SpanKind;
use support::{Protocol, StackConfig, TempDir};

const ORDERS: usize = 200;
const ARRIVAL: Duration = Duration::from_secs(60);

/// Request `i`'s trace id, given to it by the test through `traceparent`.
fn trace_id(i: usize) -> String {
    format!("{:016x}{:016x}", 0xe2e0_0000_0000_0000_u64, i + 1)
}

fn caller_span(i: usize) -> String {
    format!("{:016x}", 0xca11_0000_0000_0000_u64 + i as u64 + 1)
}

#[test]
fn two_hundred_concurrent_orders_keep_their_own_trace_logs_and_rows() {
    support::run(async {
        let receiver = support::receiver().await;
        let dir = TempDir::new("concurrency");
        let database = dir.path().join("orders.sqlite");
        let stack = support::start_stack(StackConfig {
            endpoint: receiver.http_endpoint(),
            protocol: Protocol::HttpProtobuf,
            propagators: None,
            database: database.clone(),
            export_timeout: None,
        })
        .await;
        let client = reqwest::Client::new();

        // Every fifth order is for `gadget`, always out of stock: refused and rolled back while
        // the others commit around it.
        let item = |i: usize| {
            if i.is_multiple_of(5) {
                "gadget"
            } else {
                "widget"
            }
        };
        let mut requests = tokio::task::JoinSet::new();
        for i in 0..ORDERS {
            let client = client.clone();
            let url = stack.gateway.url();
            requests.spawn(async move {
                let traceparent = format!("00-{}-{}-01", trace_id(i), caller_span(i));
                let request_id = format!("load-{i}");
                let response = support::send(
                    &client,
                    reqwest::Method::POST,
                    &format!("{url}/orders"),
                    Some(serde_json::json!({ "item": item(i), "quantity": 1 })),
                    &[("traceparent", &traceparent), ("x-request-id", &request_id)],
                )
                .await;
                (i, response)
            });
        }
        let mut responses = Vec::with_capacity(ORDERS);
        while let Some(done) = requests.join_next().await {
            responses.push(done.unwrap());
        }
        responses.sort_by_key(|(i, _)| *i);
        let mut committed = Vec::new();
        for (i, response) in &responses {
            assert_eq!(
                response.request_id.as_deref(),
                Some(format!("load-{i}").as_str())
            );
            if item(*i) == "gadget" {
                assert_eq!(response.status, 409, "{i}: {response:?}");
            } else {
                assert_eq!(response.status, 201, "{i}: {response:?}");
                committed.push((
                    response.body["id"].as_i64().unwrap(),
                    "widget".to_owned(),
                    1,
                    trace_id(*i),
                ));
            }
        }

        let output = support::stop(stack).await;

        // Each request: one whole trace under its own id, with exactly one span per hop (a span
        // of another request there would make two), continuing the caller's span.
        for i in 0..ORDERS {
            let id = trace_id(i);
            let trace = receiver
                .wait_for_trace(|t| t.trace_id() == id && support::is_whole(t), ARRIVAL)
                .await
                .unwrap_or_else(|e| panic!("request {i}: {e}"));
            let hops = support::chain(&trace);
            assert_eq!(hops.gateway_server.parent_span_id(), Some(caller_span(i)));
            let server_spans = trace
                .spans()
                .filter(|s| s.kind() == SpanKind::Server)
                .count();
            assert_eq!(server_spans, 3, "{}", support::describe(&trace));
        }
        // And no span of theirs strayed into a trace of its own.
        let stray: Vec<String> = receiver
            .traces()
            .iter()
            .filter(|t| !t.trace_id().starts_with("e2e0000000000000"))
            .map(support::describe)
            .collect();
        assert!(
            stray.is_empty(),
            "spans outside the requests' traces:\n{}",
            stray.join("\n\n")
        );

        let requests: Vec<(String, String)> = (0..ORDERS)
            .map(|i| (format!("load-{i}"), trace_id(i)))
            .collect();
        let requests: Vec<(&str, String)> = requests
            .iter()
            .map(|(r, t)| (r.as_str(), t.clone()))
            .collect();
        support::assert_logs_correlated(&output, &requests);

        let rows = support::orders_in(&database);
        committed.sort();
        assert_eq!(rows, committed);
        let ids: HashSet<i64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(ids.len(), ORDERS - ORDERS / 5);
        receiver.shutdown().await;
    });
}
