//! The request-id local: from `x-request-id` when valid, generated otherwise, echoed on the
//! response, seen in the handler and in work it spawns.
#![cfg(feature = "axum")]

#[path = "support/server.rs"]
mod support;

use axum::Router;
use axum::routing::get;
use baton_interceptors::request_id::REQUEST_ID;
use baton_interceptors::server::HttpServerLayer;
use support::{Spans, serve_axum};

/// The request id in the handler, and in a task it spawns.
async fn ids() -> String {
    let here = REQUEST_ID
        .get()
        .map(|id| id.to_string())
        .unwrap_or_default();
    let spawned = baton_context::spawn(async {
        tokio::task::yield_now().await;
        REQUEST_ID
            .get()
            .map(|id| id.to_string())
            .unwrap_or_default()
    })
    .await
    .unwrap();
    format!("{here} {spawned}")
}

async fn serve(spans: &Spans) -> std::net::SocketAddr {
    let layer = HttpServerLayer::new().with_tracer(spans.tracer());
    serve_axum(Router::new().route("/", get(ids)).layer(layer)).await
}

#[tokio::test]
async fn an_inbound_request_id_is_kept_echoed_and_seen_in_spawned_work() {
    let spans = Spans::new();
    let address = serve(&spans).await;
    let response = reqwest::Client::new()
        .get(format!("http://{address}/"))
        .header("x-request-id", "order-7:a/b")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "order-7:a/b");
    assert_eq!(response.text().await.unwrap(), "order-7:a/b order-7:a/b");
    // Nothing of the request is left in the test's own context.
    assert!(REQUEST_ID.get().is_none());
}

#[tokio::test]
async fn a_missing_or_invalid_request_id_is_replaced_by_a_generated_one() {
    let spans = Spans::new();
    let address = serve(&spans).await;
    let client = reqwest::Client::new();
    let long = "a".repeat(129);
    let mut seen = Vec::new();
    for header in [None, Some("has space"), Some(long.as_str()), Some("ünï")] {
        let mut request = client.get(format!("http://{address}/"));
        if let Some(value) = header {
            request = request.header("x-request-id", value);
        }
        let response = request.send().await.unwrap();
        let echoed = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = response.text().await.unwrap();
        assert_eq!(echoed.len(), 32, "{header:?}");
        assert!(echoed.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(body, format!("{echoed} {echoed}"));
        seen.push(echoed);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "every request gets its own id");
}
