//! What the client tests share: an in-memory tracer, an HTTP server and an Echo gRPC server
//! that report the headers they received.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::routing::get;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{Key, Value};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracer, SdkTracerProvider, SpanData};
use tokio::sync::mpsc;

// Generated code, kept as the generator wrote it.
#[rustfmt::skip]
#[path = "echo.rs"]
pub mod echo;

use echo::echo_server::{Echo, EchoServer};
use echo::{EchoReply, EchoRequest};

/// A tracer whose finished spans land in `exporter` as they end.
pub struct Spans {
    pub provider: SdkTracerProvider,
    pub exporter: InMemorySpanExporter,
}

impl Spans {
    pub fn new() -> Self {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        Self { provider, exporter }
    }

    pub fn tracer(&self) -> SdkTracer {
        self.provider.tracer("client-tests")
    }

    pub fn finished(&self) -> Vec<SpanData> {
        self.exporter.get_finished_spans().unwrap()
    }

    /// The only finished span.
    pub fn one(&self) -> SpanData {
        let mut spans = self.finished();
        assert_eq!(spans.len(), 1, "{spans:#?}");
        spans.remove(0)
    }
}

/// The value of a span's attribute.
pub fn attribute(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| kv.value.clone())
}

/// The W3C trace context and baggage propagators, as `OTEL_PROPAGATORS` names them by default.
pub fn propagator() -> baton_propagation::CompositePropagator {
    baton_propagation::from_list("tracecontext,baggage").unwrap()
}

/// An HTTP server on 127.0.0.1 that sends the headers of every request it gets to `headers`.
///
/// Routes: `/status/{code}` answers with that status; `/flaky` answers 500 the first time and
/// 200 after; `/hang` never answers.
pub struct HttpServer {
    pub addr: SocketAddr,
    pub headers: mpsc::UnboundedReceiver<http::HeaderMap>,
}

impl HttpServer {
    pub async fn start() -> Self {
        let (sender, headers) = mpsc::unbounded_channel();
        let state = (sender, Arc::new(AtomicUsize::new(0)));
        type St = (mpsc::UnboundedSender<http::HeaderMap>, Arc<AtomicUsize>);
        let app = axum::Router::new()
            .route(
                "/status/{code}",
                get(
                    |State((sender, _)): State<St>,
                     Path(code): Path<u16>,
                     headers: http::HeaderMap| async move {
                        sender.send(headers).unwrap();
                        http::StatusCode::from_u16(code).unwrap()
                    },
                ),
            )
            .route(
                "/flaky",
                get(
                    |State((sender, calls)): State<St>, headers: http::HeaderMap| async move {
                        sender.send(headers).unwrap();
                        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                            http::StatusCode::INTERNAL_SERVER_ERROR
                        } else {
                            http::StatusCode::OK
                        }
                    },
                ),
            )
            .route(
                "/hang",
                get(
                    |State((sender, _)): State<St>, headers: http::HeaderMap| async move {
                        sender.send(headers).unwrap();
                        std::future::pending::<()>().await;
                    },
                ),
            )
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, headers }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The headers of the next request the server got.
    pub async fn next_headers(&mut self) -> http::HeaderMap {
        within(self.headers.recv()).await.unwrap()
    }
}

/// An address nothing listens on (a port just released).
pub async fn refused_addr() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// Turns a hang into a failure; never a synchronisation.
pub async fn within<F: std::future::Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), future)
        .await
        .expect("the test hung")
}

/// The Echo gRPC server on 127.0.0.1, sending the metadata of every call to `metadata`.
///
/// `Unary` answers OK, or the status `code` asks for; `Stream` sends `count` replies and then
/// the status `code` asks for, in the trailers.
pub struct EchoService {
    pub uri: http::Uri,
    pub metadata: mpsc::UnboundedReceiver<http::HeaderMap>,
}

struct Recorder(mpsc::UnboundedSender<http::HeaderMap>);

type ReplyStream =
    Pin<Box<dyn futures_util::Stream<Item = Result<EchoReply, tonic::Status>> + Send>>;

#[tonic::async_trait]
impl Echo for Recorder {
    async fn unary(
        &self,
        request: tonic::Request<EchoRequest>,
    ) -> Result<tonic::Response<EchoReply>, tonic::Status> {
        self.0
            .send(request.metadata().clone().into_headers())
            .unwrap();
        let request = request.into_inner();
        if request.code != 0 {
            return Err(tonic::Status::new(request.code.into(), "asked for"));
        }
        Ok(tonic::Response::new(EchoReply {
            message: request.message,
            ..Default::default()
        }))
    }

    type StreamStream = ReplyStream;

    async fn stream(
        &self,
        request: tonic::Request<EchoRequest>,
    ) -> Result<tonic::Response<Self::StreamStream>, tonic::Status> {
        self.0
            .send(request.metadata().clone().into_headers())
            .unwrap();
        let request = request.into_inner();
        let replies = (0..request.count).map(|i| {
            Ok(EchoReply {
                message: i.to_string(),
                ..Default::default()
            })
        });
        let end =
            (request.code != 0).then(|| Err(tonic::Status::new(request.code.into(), "asked for")));
        let stream = futures_util::stream::iter(replies.chain(end));
        Ok(tonic::Response::new(Box::pin(stream)))
    }
}

impl EchoService {
    pub async fn start() -> Self {
        let (sender, metadata) = mpsc::unbounded_channel();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri: http::Uri = format!("http://{}", listener.local_addr().unwrap())
            .parse()
            .unwrap();
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(EchoServer::new(Recorder(sender)))
                .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
        );
        Self { uri, metadata }
    }

    pub async fn channel(&self) -> tonic::transport::Channel {
        tonic::transport::Channel::builder(self.uri.clone())
            .connect()
            .await
            .unwrap()
    }

    /// The metadata of the next call the server got.
    pub async fn next_metadata(&mut self) -> http::HeaderMap {
        within(self.metadata.recv()).await.unwrap()
    }
}

/// Asserts a span's attributes, value and type: `None` for one that must be absent.
#[track_caller]
pub fn assert_attributes(span: &SpanData, expected: &[(&str, Option<Value>)]) {
    for (key, value) in expected {
        assert_eq!(&attribute(span, key), value, "{key} of {}", span.name);
    }
}
