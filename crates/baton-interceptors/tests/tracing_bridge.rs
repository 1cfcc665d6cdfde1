//! The `tracing` bridge: `#[instrument]` spans and events in a handler land in the server
//! span's trace, with one server span per request, also when a log filter disables the
//! layer's own `tracing` span.
#![cfg(all(feature = "axum", feature = "tracing"))]

#[path = "support/server.rs"]
mod support;

use axum::Router;
use axum::routing::get;
use baton_interceptors::server::HttpServerLayer;
use futures_util::StreamExt as _;
use opentelemetry::trace::SpanKind;
use opentelemetry_sdk::trace::SpanData;
use support::{Spans, serve_axum};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

#[tracing::instrument]
async fn lookup(id: u32) -> String {
    tracing::info!("looking up");
    support::current_trace_id()
}

async fn handler() -> String {
    tracing::info!("handling");
    lookup(7).await
}

/// A body streamed after the handler returned, logging as it goes.
async fn streaming() -> axum::body::Body {
    let chunks = futures_util::stream::iter(["a", "b"]).map(|chunk| {
        tracing::info!("chunk");
        Ok::<_, std::convert::Infallible>(chunk)
    });
    axum::body::Body::from_stream(chunks)
}

/// Serves the handler and calls it once with a W3C parent, with `filter` in front of the
/// tracing-opentelemetry layer; returns the finished spans (`expected` of them).
async fn run(filter: Targets, expected: usize) -> Vec<SpanData> {
    let spans = Spans::new();
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_opentelemetry::layer().with_tracer(spans.tracer()));
    // A current-thread runtime: the server's tasks run on this thread, under this subscriber.
    let _default = tracing::subscriber::set_default(subscriber);
    let layer = HttpServerLayer::new().with_tracer(spans.tracer());
    let app = Router::new()
        .route("/", get(handler))
        .route("/stream", get(streaming));
    let address = serve_axum(app.layer(layer)).await;
    let traceparent = format!("00-{TRACE}-{PARENT}-01");
    let seen = support::get_text(address, "/", &[("traceparent", &traceparent)]).await;
    assert_eq!(seen, TRACE);
    let finished = spans.wait_for(expected).await;
    assert!(
        finished
            .iter()
            .all(|span| span.span_context.trace_id().to_string() == TRACE)
    );
    let servers = finished
        .iter()
        .filter(|span| span.span_kind == SpanKind::Server);
    assert_eq!(servers.count(), 1, "one server span per request");
    finished
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|span| span.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no span {name} in {:?}",
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        })
}

fn has_event(span: &SpanData, name: &str) -> bool {
    span.events.iter().any(|event| event.name == name)
}

#[tokio::test]
async fn instrumented_functions_and_events_join_the_server_spans_trace() {
    let finished = run(Targets::new().with_default(LevelFilter::INFO), 3).await;
    let server = named(&finished, "GET /");
    assert_eq!(server.parent_span_id.to_string(), PARENT);
    let request = named(&finished, "request");
    assert_eq!(request.span_kind, SpanKind::Internal);
    assert_eq!(request.parent_span_id, server.span_context.span_id());
    assert!(has_event(request, "handling"));
    let lookup = named(&finished, "lookup");
    assert_eq!(lookup.parent_span_id, request.span_context.span_id());
    assert!(has_event(lookup, "looking up"));
}

#[tokio::test]
async fn events_of_a_streamed_body_land_in_the_request_span() {
    let spans = Spans::new();
    let subscriber = tracing_subscriber::registry()
        .with(Targets::new().with_default(LevelFilter::INFO))
        .with(tracing_opentelemetry::layer().with_tracer(spans.tracer()));
    let _default = tracing::subscriber::set_default(subscriber);
    let layer = HttpServerLayer::new().with_tracer(spans.tracer());
    let app = Router::new().route("/stream", get(streaming)).layer(layer);
    let address = serve_axum(app).await;
    assert_eq!(support::get_text(address, "/stream", &[]).await, "ab");
    let finished = spans.wait_for(2).await;
    let request = named(&finished, "request");
    assert_eq!(
        request.events.iter().filter(|e| e.name == "chunk").count(),
        2
    );
}

#[tokio::test]
async fn a_filter_that_disables_the_layers_span_keeps_the_remote_parent() {
    let filter = Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("baton_interceptors", LevelFilter::OFF);
    let finished = run(filter, 2).await;
    let server = named(&finished, "GET /");
    assert_eq!(server.parent_span_id.to_string(), PARENT);
    assert!(finished.iter().all(|span| span.name != "request"));
    let lookup = named(&finished, "lookup");
    assert_eq!(lookup.parent_span_id, server.span_context.span_id());
    assert!(has_event(lookup, "looking up"));
}
