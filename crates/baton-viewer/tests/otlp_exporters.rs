//! Traces sent by opentelemetry-otlp, over gRPC and over HTTP protobuf, assemble into the tree
//! the services recorded: a server span in `gateway`, its client span, and the server span of
//! `orders` under that client span, with typed attributes, status, events, links and resource.

use std::time::Duration;

use baton_viewer::{Receiver, ReceiverConfig, SpanKind, Status, Trace, Value};
use opentelemetry::trace::{
    Link, Span as _, SpanContext, SpanKind as OtelKind, TraceContextExt as _, TraceFlags, TraceId,
    TraceState, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;

const WAIT: Duration = Duration::from_secs(20);

fn provider(exporter: SpanExporter, service: &str) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_simple_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(service.to_owned())
                .with_attribute(KeyValue::new("deployment.environment.name", "test"))
                .build(),
        )
        .build()
}

/// Records the three spans with two providers (two services), as two processes would.
fn record(gateway: &SdkTracerProvider, orders: &SdkTracerProvider, name: &str) -> String {
    let tracer = gateway.tracer("gateway");
    let linked = SpanContext::new(
        TraceId::from_hex("0af7651916cd43dd8448eb211c80319c").unwrap(),
        opentelemetry::trace::SpanId::from_hex("b7ad6b7169203331").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    let root = tracer
        .span_builder(name.to_owned())
        .with_kind(OtelKind::Server)
        .with_attributes([
            KeyValue::new("http.route", "/orders/{id}"),
            KeyValue::new("http.response.status_code", 200),
        ])
        .with_links(vec![Link::with_context(linked)])
        .start(&tracer);
    let trace_id = root.span_context().trace_id().to_string();
    let cx = Context::current_with_span(root);
    let mut client = tracer
        .span_builder("GET")
        .with_kind(OtelKind::Client)
        .start_with_context(&tracer, &cx);
    client.add_event("retry", vec![KeyValue::new("attempt", 1)]);
    // What a server would extract from the request headers: the client span as a remote parent.
    let remote = Context::new().with_remote_span_context(client.span_context().clone());
    let orders_tracer = orders.tracer("orders");
    let mut server = orders_tracer
        .span_builder("GET /orders/{id}")
        .with_kind(OtelKind::Server)
        .start_with_context(&orders_tracer, &remote);
    server.set_status(opentelemetry::trace::Status::error("no such order"));
    server.set_attribute(KeyValue::new("error.type", "404"));
    server.end();
    client.end();
    cx.span().end();
    trace_id
}

/// Waits for the three spans and checks the tree they form.
async fn assert_received(receiver: &Receiver, trace_id: &str, name: &str) {
    let trace = receiver
        .wait_for_trace(|t| t.len() == 3, WAIT)
        .await
        .unwrap();
    assert_eq!(trace.trace_id(), trace_id);
    assert_eq!(receiver.trace(trace_id).map(|t| t.len()), Some(3));
    assert_tree(&trace, name);
}

fn assert_tree(trace: &Trace, name: &str) {
    assert_eq!(trace.len(), 3, "{trace:#?}");
    let root = trace.root().expect("a root");
    assert_eq!(root.name(), name);
    assert_eq!(root.kind(), SpanKind::Server);
    assert_eq!(root.service_name(), "gateway");
    assert_eq!(
        root.attribute("http.route"),
        Some(&Value::from("/orders/{id}"))
    );
    assert_eq!(
        root.attribute("http.response.status_code"),
        Some(&Value::Int(200))
    );
    assert_eq!(
        root.resource_attribute("deployment.environment.name"),
        Some(&Value::from("test"))
    );
    assert_eq!(root.scope_name(), "gateway");
    let link = root.links().next().expect("the link");
    assert_eq!(link.trace_id(), "0af7651916cd43dd8448eb211c80319c");
    assert_eq!(link.span_id(), "b7ad6b7169203331");

    let children: Vec<_> = trace.children(root).collect();
    assert_eq!(children.len(), 1);
    let client = children[0];
    assert_eq!(client.kind(), SpanKind::Client);
    assert_eq!(client.parent_span_id(), Some(root.span_id()));
    let event = client.events().next().expect("the event");
    assert_eq!(event.name(), "retry");
    assert_eq!(event.attribute("attempt"), Some(&Value::Int(1)));

    let server = trace
        .children(client)
        .next()
        .expect("the server span under the client span");
    assert_eq!(server.service_name(), "orders");
    assert_eq!(server.kind(), SpanKind::Server);
    assert_eq!(server.status(), Status::Error);
    assert_eq!(server.status_message(), "no such order");
    assert_eq!(
        server.attribute("error.type").and_then(Value::as_str),
        Some("404")
    );
    assert_eq!(
        trace.parent(server).map(|p| p.span_id()),
        Some(client.span_id())
    );
    assert!(trace.verdict().is_clean(), "{:?}", trace.verdict());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_export_assembles_into_the_tree() {
    let receiver = Receiver::start(ReceiverConfig::ephemeral()).await.unwrap();
    let exporter = |endpoint: String| {
        SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .build()
            .unwrap()
    };
    let gateway = provider(exporter(receiver.grpc_endpoint()), "gateway");
    let orders = provider(exporter(receiver.grpc_endpoint()), "orders");
    // The simple processor blocks on each export: keep that off the runtime's workers.
    let trace_id = tokio::task::spawn_blocking(move || {
        let id = record(&gateway, &orders, "GET /orders/{id} grpc");
        gateway.shutdown().unwrap();
        orders.shutdown().unwrap();
        id
    })
    .await
    .unwrap();
    assert_received(&receiver, &trace_id, "GET /orders/{id} grpc").await;
    receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_protobuf_export_assembles_into_the_tree() {
    let receiver = Receiver::start(ReceiverConfig::ephemeral()).await.unwrap();
    let endpoint = format!("{}/v1/traces", receiver.http_endpoint());
    // The blocking HTTP client must be built and dropped off the runtime.
    let trace_id = std::thread::spawn(move || {
        let exporter = || {
            SpanExporter::builder()
                .with_http()
                .with_protocol(Protocol::HttpBinary)
                .with_endpoint(endpoint.clone())
                .build()
                .unwrap()
        };
        let gateway = provider(exporter(), "gateway");
        let orders = provider(exporter(), "orders");
        let id = record(&gateway, &orders, "GET /orders/{id} http");
        gateway.shutdown().unwrap();
        orders.shutdown().unwrap();
        id
    })
    .join()
    .unwrap();
    assert_received(&receiver, &trace_id, "GET /orders/{id} http").await;
    receiver.shutdown().await;
}
