//! Layers and clients built after `baton_propagation::global::set` use that propagator (its
//! own test binary: the propagator is process-global state).
#![cfg(all(feature = "axum", feature = "reqwest"))]

#[path = "support/server.rs"]
mod support;

use axum::Router;
use axum::routing::get;
use baton_interceptors::reqwest::TraceMiddleware;
use baton_interceptors::server::HttpServerLayer;
use support::{Spans, current_trace_id, serve_axum};

const B3_TRACE: &str = "80f198ee56343ba864fe8b2a57d3eff7";

#[tokio::test]
async fn layers_and_clients_built_after_set_use_the_global_propagator() {
    // B3 alone: neither `from_env()`'s default (tracecontext, baggage) nor the tests' own.
    baton_propagation::global::set(baton_propagation::B3Propagator::default());

    let spans = Spans::new();
    let app = Router::new()
        .route("/trace", get(|| async { current_trace_id() }))
        .route(
            "/headers",
            get(|headers: http::HeaderMap| async move {
                format!(
                    "b3={} traceparent={}",
                    headers.contains_key("b3"),
                    headers.contains_key("traceparent")
                )
            }),
        )
        .layer(HttpServerLayer::new().with_tracer(spans.tracer()));
    let address = serve_axum(app).await;

    // Inbound: a B3 header is continued.
    let seen = reqwest::Client::new()
        .get(format!("http://{address}/trace"))
        .header("b3", format!("{B3_TRACE}-e457b5a2e4d86bd1-1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(seen, B3_TRACE);

    // Outbound: the client injects B3 and nothing else.
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(TraceMiddleware::new().with_tracer(spans.tracer()))
        .build();
    let sent = client
        .get(format!("http://{address}/headers"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(sent, "b3=true traceparent=false");
}
