//! The gRPC server layer on a real tonic server with a plain tonic client: the RPC attributes,
//! the server's error table with the status from headers or trailers, unary and
//! server-streaming calls (one span per stream, ended after its last message).
#![cfg(feature = "tonic")]

// Generated code, kept as the generator wrote it.
#[rustfmt::skip]
#[path = "support/echo.rs"]
#[allow(
    clippy::all,
    unreachable_pub,
    missing_docs,
    missing_debug_implementations
)]
mod echo;
#[path = "support/server.rs"]
mod support;

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use baton_interceptors::request_id::REQUEST_ID;
use baton_interceptors::server::GrpcServerLayer;
use echo::echo_client::EchoClient;
use echo::echo_server::{Echo, EchoServer};
use echo::{EchoReply, EchoRequest};
use futures_util::{Stream, StreamExt};
use opentelemetry::Context;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::trace::{SpanKind, Status as SpanStatus};
use support::{Spans, attr, i, s};
use tokio::sync::Semaphore;
use tonic::{Request, Response, Status};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

/// Answers with what it saw; the stream sends its last message only once `last` is released.
struct Service {
    last: Arc<Semaphore>,
}

fn reply(message: String) -> EchoReply {
    EchoReply {
        message,
        trace_id: support::current_trace_id(),
        baggage: Context::map_current(|cx| {
            cx.baggage()
                .iter()
                .map(|(k, (v, _))| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        }),
        request_id: REQUEST_ID
            .get()
            .map(|id| id.to_string())
            .unwrap_or_default(),
    }
}

#[tonic::async_trait]
impl Echo for Service {
    async fn unary(&self, request: Request<EchoRequest>) -> Result<Response<EchoReply>, Status> {
        let request = request.into_inner();
        match request.code {
            0 => Ok(Response::new(reply(request.message))),
            code => Err(Status::new(code.into(), "asked for")),
        }
    }

    type StreamStream = Pin<Box<dyn Stream<Item = Result<EchoReply, Status>> + Send>>;

    async fn stream(
        &self,
        request: Request<EchoRequest>,
    ) -> Result<Response<Self::StreamStream>, Status> {
        let request = request.into_inner();
        let last = Arc::clone(&self.last);
        let count = request.count;
        let code = request.code;
        let messages = futures_util::stream::iter(0..count).then(move |n| {
            let last = Arc::clone(&last);
            async move {
                if n + 1 == count {
                    last.acquire().await.unwrap().forget();
                }
                Ok(reply(n.to_string()))
            }
        });
        let end = futures_util::stream::iter(
            (code != 0).then(|| Err(Status::new(code.into(), "asked for"))),
        );
        Ok(Response::new(Box::pin(messages.chain(end))))
    }
}

async fn serve(spans: &Spans, last: Arc<Semaphore>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    let layer = GrpcServerLayer::new()
        .with_tracer(spans.tracer())
        .with_propagator(baton_propagation::from_list("tracecontext,baggage").unwrap());
    let server = tonic::transport::Server::builder()
        .layer(layer)
        .add_service(EchoServer::new(Service { last }))
        .serve_with_incoming(incoming);
    tokio::spawn(server);
    address
}

async fn client(address: SocketAddr) -> EchoClient<tonic::transport::Channel> {
    EchoClient::connect(format!("http://{address}"))
        .await
        .unwrap()
}

fn with_context<T>(message: T) -> Request<T> {
    let mut request = Request::new(message);
    let metadata = request.metadata_mut();
    metadata.insert(
        "traceparent",
        format!("00-{TRACE}-{PARENT}-01").parse().unwrap(),
    );
    metadata.insert("baggage", "tenant=acme".parse().unwrap());
    metadata.insert("x-request-id", "grpc-1".parse().unwrap());
    request
}

#[tokio::test]
async fn a_unary_call_continues_the_trace_with_the_rpc_attributes() {
    let spans = Spans::new();
    let address = serve(&spans, Arc::new(Semaphore::new(1))).await;
    let response = client(address)
        .await
        .unary(with_context(EchoRequest {
            message: "hi".into(),
            ..Default::default()
        }))
        .await
        .unwrap();
    assert_eq!(response.metadata().get("x-request-id").unwrap(), "grpc-1");
    let reply = response.into_inner();
    assert_eq!(reply.trace_id, TRACE);
    assert_eq!(reply.baggage, "tenant=acme");
    assert_eq!(reply.request_id, "grpc-1");

    let span = &spans.wait_for(1).await[0];
    assert_eq!(span.name, "baton.test.v1.Echo/Unary");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(span.span_context.trace_id().to_string(), TRACE);
    assert_eq!(span.parent_span_id.to_string(), PARENT);
    assert_eq!(span.status, SpanStatus::Unset);
    assert_eq!(attr(span, "rpc.system.name"), s("grpc"));
    assert_eq!(attr(span, "rpc.method"), s("baton.test.v1.Echo/Unary"));
    // An OK status arrives in the trailers.
    assert_eq!(attr(span, "rpc.response.status_code"), s("OK"));
    assert_eq!(attr(span, "server.address"), s("127.0.0.1"));
    assert_eq!(attr(span, "server.port"), i(i64::from(address.port())));
    assert_eq!(attr(span, "client.address"), s("127.0.0.1"));
    assert_eq!(attr(span, "error.type"), None);
    // The old names only with OTEL_SEMCONV_STABILITY_OPT_IN=rpc/dup.
    assert_eq!(attr(span, "rpc.grpc.status_code"), None);
    assert_eq!(attr(span, "rpc.system"), None);
}

#[tokio::test]
async fn the_server_error_table_not_found_is_not_an_error_internal_is() {
    let spans = Spans::new();
    let address = serve(&spans, Arc::new(Semaphore::new(1))).await;
    let mut client = client(address).await;
    for code in [5, 13] {
        let status = client
            .unary(EchoRequest {
                message: code.to_string(),
                code,
                count: 0,
            })
            .await
            .unwrap_err();
        assert_eq!(status.code() as i32, code);
    }
    let finished = spans.wait_for(2).await;
    let by_code = |name: &str| {
        finished
            .iter()
            .find(|span| attr(span, "rpc.response.status_code") == s(name))
            .unwrap_or_else(|| panic!("no span with {name}"))
    };
    let not_found = by_code("NOT_FOUND");
    assert_eq!(not_found.status, SpanStatus::Unset);
    assert_eq!(attr(not_found, "error.type"), None);
    let internal = by_code("INTERNAL");
    assert_eq!(internal.status, SpanStatus::error(""));
    assert_eq!(attr(internal, "error.type"), s("INTERNAL"));
}

#[tokio::test]
async fn a_stream_is_one_span_ending_after_its_last_message_with_the_trailers_status() {
    let spans = Spans::new();
    let last = Arc::new(Semaphore::new(0));
    let address = serve(&spans, Arc::clone(&last)).await;
    let mut stream = client(address)
        .await
        .stream(with_context(EchoRequest {
            message: String::new(),
            code: 13,
            count: 3,
        }))
        .await
        .unwrap()
        .into_inner();
    let first = stream.message().await.unwrap().unwrap();
    assert_eq!(first.trace_id, TRACE);
    assert_eq!(stream.message().await.unwrap().unwrap().message, "1");
    // Two messages out, the last held back: the call is not over.
    assert!(spans.finished().is_empty());
    last.add_permits(1);
    assert_eq!(stream.message().await.unwrap().unwrap().message, "2");
    let status = stream.message().await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::Internal);

    let finished = spans.wait_for(1).await;
    assert_eq!(finished.len(), 1);
    let span = &finished[0];
    assert_eq!(span.name, "baton.test.v1.Echo/Stream");
    assert_eq!(attr(span, "rpc.response.status_code"), s("INTERNAL"));
    assert_eq!(span.status, SpanStatus::error(""));

    // A stream ending OK is not an error.
    let mut stream = client(address)
        .await
        .stream(EchoRequest {
            message: String::new(),
            code: 0,
            count: 1,
        })
        .await
        .unwrap()
        .into_inner();
    last.add_permits(1);
    while stream.message().await.unwrap().is_some() {}
    let finished = spans.wait_for(2).await;
    let ok = finished
        .iter()
        .find(|span| attr(span, "rpc.response.status_code") == s("OK"))
        .unwrap();
    assert_eq!(ok.status, SpanStatus::Unset);
}

/// Set in the child process the next test runs itself in.
const CHILD: &str = "BATON_SERVER_GRPC_CHILD";

#[tokio::test]
async fn rpc_dup_also_emits_the_old_names() {
    // The opt-in is read once per process: run this test again in a process of its own.
    if std::env::var_os(CHILD).is_none() {
        let status = tokio::task::spawn_blocking(|| {
            std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "rpc_dup_also_emits_the_old_names"])
                .env(CHILD, "1")
                .env("OTEL_SEMCONV_STABILITY_OPT_IN", "http,rpc/dup")
                .status()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(status.success(), "the rpc/dup run failed");
        return;
    }
    assert!(baton_interceptors::semconv::rpc_dup());
    let spans = Spans::new();
    let address = serve(&spans, Arc::new(Semaphore::new(1))).await;
    let status = client(address)
        .await
        .unary(EchoRequest {
            message: String::new(),
            code: 14,
            count: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable);
    let span = &spans.wait_for(1).await[0];
    assert_eq!(attr(span, "rpc.system.name"), s("grpc"));
    assert_eq!(attr(span, "rpc.system"), s("grpc"));
    assert_eq!(attr(span, "rpc.service"), s("baton.test.v1.Echo"));
    assert_eq!(attr(span, "rpc.method"), s("baton.test.v1.Echo/Unary"));
    assert_eq!(attr(span, "rpc.response.status_code"), s("UNAVAILABLE"));
    assert_eq!(attr(span, "rpc.grpc.status_code"), i(14));
    assert_eq!(attr(span, "error.type"), s("UNAVAILABLE"));
}
