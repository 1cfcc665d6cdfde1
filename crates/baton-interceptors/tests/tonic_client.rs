//! The tonic client layer and interceptor against a real tonic server: a client span per call
//! with the RPC conventions, the status from headers or trailers, the span ending with the
//! stream, and the context injected under it.
#![cfg(feature = "tonic")]

#[path = "support/client.rs"]
mod support;

use baton_interceptors::tonic::{ClientLayer, ClientService, InjectContext};
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{Context, Value};
use support::echo::EchoRequest;
use support::echo::echo_client::EchoClient;
use support::{EchoService, Spans, assert_attributes, attribute, propagator, within};

async fn client(
    spans: &Spans,
    server: &EchoService,
) -> EchoClient<ClientService<tonic::transport::Channel>> {
    let channel = tower::ServiceBuilder::new()
        .layer(
            ClientLayer::new()
                .with_tracer(spans.tracer())
                .with_propagator(propagator())
                .with_target(server.uri.clone()),
        )
        .service(server.channel().await);
    EchoClient::new(channel)
}

fn request(code: i32, count: u32) -> EchoRequest {
    EchoRequest {
        message: "hi".into(),
        code,
        count,
    }
}

#[tokio::test]
async fn a_unary_call_is_one_client_span_with_the_rpc_conventions() {
    let spans = Spans::new();
    let mut server = EchoService::start().await;
    let mut client = client(&spans, &server).await;
    let parent = SpanContext::new(
        TraceId::from(0xabc_u128),
        SpanId::from(0xdef_u64),
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    );
    let reply = client
        .unary(request(0, 0))
        .with_context(Context::new().with_remote_span_context(parent.clone()))
        .await
        .unwrap();
    assert_eq!(reply.into_inner().message, "hi");
    let metadata = server.next_metadata().await;

    let span = spans.one();
    assert_eq!(span.name, "baton.test.v1.Echo/Unary");
    assert_eq!(span.span_kind, SpanKind::Client);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(span.span_context.trace_id(), parent.trace_id());
    assert_eq!(span.parent_span_id, parent.span_id());
    assert_attributes(
        &span,
        &[
            ("rpc.system.name", Some(Value::from("grpc"))),
            ("rpc.method", Some(Value::from("baton.test.v1.Echo/Unary"))),
            ("rpc.response.status_code", Some(Value::from("OK"))),
            ("server.address", Some(Value::from("127.0.0.1"))),
            (
                "server.port",
                Some(Value::I64(server.uri.port_u16().unwrap().into())),
            ),
            ("error.type", None),
        ],
    );
    // Only the new names: this process does not set OTEL_SEMCONV_STABILITY_OPT_IN.
    assert_attributes(
        &span,
        &[("rpc.system", None), ("rpc.grpc.status_code", None)],
    );

    assert_eq!(
        metadata["traceparent"],
        format!(
            "00-{}-{}-01",
            parent.trace_id(),
            span.span_context.span_id()
        )
    );
}

#[tokio::test]
async fn not_found_is_an_error_on_the_client() {
    let spans = Spans::new();
    let server = EchoService::start().await;
    let mut client = client(&spans, &server).await;
    let status = client.unary(request(5, 0)).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound);
    let span = spans.one();
    assert_eq!(span.status, Status::error(""));
    assert_attributes(
        &span,
        &[
            ("rpc.response.status_code", Some(Value::from("NOT_FOUND"))),
            ("error.type", Some(Value::from("NOT_FOUND"))),
        ],
    );
}

#[tokio::test]
async fn a_server_stream_is_one_span_ending_after_the_last_message_with_the_trailers_status() {
    let spans = Spans::new();
    let server = EchoService::start().await;
    let mut client = client(&spans, &server).await;
    let mut stream = client.stream(request(14, 3)).await.unwrap().into_inner();
    let mut replies = 0;
    loop {
        // The span stays open while messages arrive.
        match within(stream.message()).await {
            Ok(Some(_)) => {
                replies += 1;
                assert!(spans.finished().is_empty(), "ended before the stream");
            }
            Ok(None) => panic!("the stream ended without its status"),
            Err(status) => {
                assert_eq!(status.code(), tonic::Code::Unavailable);
                break;
            }
        }
    }
    assert_eq!(replies, 3);
    let span = spans.one();
    assert_eq!(span.name, "baton.test.v1.Echo/Stream");
    assert_eq!(span.status, Status::error(""));
    assert_eq!(
        attribute(&span, "rpc.response.status_code"),
        Some(Value::from("UNAVAILABLE"))
    );

    // An OK stream read to its end.
    spans.exporter.reset();
    let mut stream = client.stream(request(0, 2)).await.unwrap().into_inner();
    while within(stream.message()).await.unwrap().is_some() {
        assert!(spans.finished().is_empty(), "ended before the stream");
    }
    let span = spans.one();
    assert_eq!(span.status, Status::Unset);
    assert_eq!(
        attribute(&span, "rpc.response.status_code"),
        Some(Value::from("OK"))
    );
}

#[tokio::test]
async fn a_stream_the_caller_drops_ends_its_span_without_error() {
    let spans = Spans::new();
    let server = EchoService::start().await;
    let mut client = client(&spans, &server).await;
    let mut stream = client.stream(request(0, 100)).await.unwrap().into_inner();
    within(stream.message()).await.unwrap().unwrap();
    drop(stream);
    let span = spans.one();
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attribute(&span, "error.type"), None);
}

#[tokio::test]
async fn an_unreachable_server_is_an_error() {
    let spans = Spans::new();
    let addr = support::refused_addr().await;
    let uri: http::Uri = format!("http://{addr}").parse().unwrap();
    let channel = tonic::transport::Channel::builder(uri.clone()).connect_lazy();
    let channel = tower::ServiceBuilder::new()
        .layer(
            ClientLayer::new()
                .with_tracer(spans.tracer())
                .with_target(uri),
        )
        .service(channel);
    let status = within(EchoClient::new(channel).unary(request(0, 0)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable);
    let span = spans.one();
    assert!(
        matches!(span.status, Status::Error { .. }),
        "{:?}",
        span.status
    );
    assert_eq!(
        attribute(&span, "error.type"),
        Some(Value::from("connection_refused"))
    );
}

#[tokio::test]
async fn the_interceptor_injects_the_current_context_and_records_nothing() {
    let spans = Spans::new();
    let mut server = EchoService::start().await;
    let mut client = EchoClient::with_interceptor(
        server.channel().await,
        InjectContext::new().with_propagator(propagator()),
    );
    let parent = SpanContext::new(
        TraceId::from(7_u128),
        SpanId::from(8_u64),
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    );
    client
        .unary(request(0, 0))
        .with_context(Context::new().with_remote_span_context(parent))
        .await
        .unwrap();
    let metadata = server.next_metadata().await;
    assert_eq!(
        metadata["traceparent"],
        "00-00000000000000000000000000000007-0000000000000008-01"
    );
    assert!(spans.finished().is_empty());
}
