//! Sends two small traces to a running `baton-viewer` over OTLP/HTTP, as two services would:
//! `gateway` serves `GET /orders/{id}` and calls `orders`, which queries its database; then a
//! background job started without the request's context, which the viewer flags.
//!
//! ```text
//! cargo run -p baton-viewer                            # in one terminal
//! cargo run -p baton-viewer --example send_trace       # in another
//! ```
//!
//! The endpoint is the first argument (default `http://127.0.0.1:4318/v1/traces`).

use std::thread::sleep;
use std::time::Duration;

use opentelemetry::trace::{
    Span as _, SpanKind, Status, TraceContextExt as _, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;

fn provider(endpoint: &str, service: &'static str) -> SdkTracerProvider {
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(endpoint)
        .build()
        .expect("a valid endpoint");
    SdkTracerProvider::builder()
        .with_simple_exporter(exporter)
        .with_resource(Resource::builder().with_service_name(service).build())
        .build()
}

fn main() {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:4318/v1/traces".to_owned());
    let gateway = provider(&endpoint, "gateway");
    let orders = provider(&endpoint, "orders");
    let (gw, or) = (gateway.tracer("gateway"), orders.tracer("orders"));

    let server = gw
        .span_builder("GET /orders/{id}")
        .with_kind(SpanKind::Server)
        .with_attributes([
            KeyValue::new("http.request.method", "GET"),
            KeyValue::new("http.route", "/orders/{id}"),
        ])
        .start(&gw);
    let cx = Context::current_with_span(server);
    sleep(Duration::from_millis(2));
    let client = gw
        .span_builder("GET")
        .with_kind(SpanKind::Client)
        .with_attributes([KeyValue::new("url.template", "/orders/{id}")])
        .start_with_context(&gw, &cx);
    // What the orders service extracts from the request headers.
    let remote = Context::new().with_remote_span_context(client.span_context().clone());
    let handler = or
        .span_builder("GET /orders/{id}")
        .with_kind(SpanKind::Server)
        .with_attributes([KeyValue::new("http.route", "/orders/{id}")])
        .start_with_context(&or, &remote);
    let handler_cx = remote.with_span(handler);
    sleep(Duration::from_millis(1));
    let mut query = or
        .span_builder("SELECT orders")
        .with_kind(SpanKind::Client)
        .with_attributes([KeyValue::new("db.system.name", "postgresql")])
        .start_with_context(&or, &handler_cx);
    sleep(Duration::from_millis(4));
    query.add_event("rows fetched", vec![KeyValue::new("rows", 1)]);
    query.end();
    sleep(Duration::from_millis(1));
    handler_cx
        .span()
        .set_attribute(KeyValue::new("http.response.status_code", 200));
    handler_cx.span().end();
    let mut client = client;
    client.set_attribute(KeyValue::new("http.response.status_code", 200));
    client.end();
    cx.span()
        .set_attribute(KeyValue::new("http.response.status_code", 200));
    cx.span().end();

    // A job spawned without the request's context starts a trace of its own.
    let mut job = gw
        .span_builder("send confirmation email")
        .with_kind(SpanKind::Internal)
        .start(&gw);
    sleep(Duration::from_millis(3));
    job.set_status(Status::error("smtp timeout"));
    job.set_attribute(KeyValue::new("error.type", "timeout"));
    job.end();

    gateway.shutdown().expect("gateway flushed");
    orders.shutdown().expect("orders flushed");
}
