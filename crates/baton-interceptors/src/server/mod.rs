//! Tower layers that continue an inbound trace on HTTP and gRPC servers: [`HttpServerLayer`]
//! and [`GrpcServerLayer`].
//!
//! For each request the layer decides how much of the request's trace context to believe
//! (its [trust policy](crate::trust)), extracts it with the configured propagator, starts the
//! server span with the semantic-convention attributes (those a sampler may use set before it
//! starts), and runs the handler with that span's `opentelemetry::Context` attached on every
//! poll, with the [request id](crate::request_id) bound. So `Context::current()`, every
//! [`Local`](baton_context::Local), work started with `baton_context::spawn` and outbound
//! calls all continue the request's trace. The span ends when the response body or stream
//! ends, not at the response headers.
//!
//! # HTTP (axum)
//!
//! ```
//! use axum::{Router, routing::get};
//! use baton_interceptors::request_id::REQUEST_ID;
//! use baton_interceptors::server::HttpServerLayer;
//! use opentelemetry::trace::TracerProvider as _;
//! use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let exporter = InMemorySpanExporter::default();
//! let provider = SdkTracerProvider::builder()
//!     .with_span_processor(SimpleSpanProcessor::new(exporter.clone()))
//!     .build();
//!
//! async fn user() -> String {
//!     // The request id is a request-scoped local, like the span.
//!     format!("request {}", REQUEST_ID.get().unwrap())
//! }
//!
//! let app = Router::new()
//!     .route("/users/{id}", get(user))
//!     .layer(HttpServerLayer::new().with_tracer(provider.tracer("users")));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let address = listener.local_addr()?;
//! tokio::spawn(async move { axum::serve(listener, app).await });
//!
//! let response = reqwest::Client::new()
//!     .get(format!("http://{address}/users/7"))
//!     .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
//!     .header("x-request-id", "req-1")
//!     .send()
//!     .await?;
//! assert_eq!(response.headers()["x-request-id"], "req-1");
//! assert_eq!(response.text().await?, "request req-1");
//!
//! let spans = exporter.get_finished_spans()?;
//! # #[cfg(feature = "axum")] // the route comes from axum's `MatchedPath`
//! assert_eq!(spans[0].name, "GET /users/{id}");
//! assert_eq!(spans[0].span_context.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
//! assert_eq!(spans[0].parent_span_id.to_string(), "00f067aa0ba902b7");
//! # Ok(()) }
//! ```
//!
//! With the `axum` feature the route comes from axum's `MatchedPath` (the span is named
//! `GET /users/{id}`, never after the raw path; `GET` alone when no route matched) and
//! `client.address` from `ConnectInfo<SocketAddr>` (serve with
//! `into_make_service_with_connect_info::<SocketAddr>()`). Add the layer with
//! `Router::layer`, so that it sees the matched route. Without axum, the layer works on any
//! tower HTTP service (hyper), naming spans after the method.
//!
//! # gRPC (tonic)
//!
//! ```
//! # #[path = "../../tests/support/echo.rs"] #[allow(clippy::all, unreachable_pub, missing_docs)] mod echo;
//! use baton_interceptors::server::GrpcServerLayer;
//! use echo::echo_client::EchoClient;
//! use echo::echo_server::{Echo, EchoServer};
//! use echo::{EchoReply, EchoRequest};
//! use opentelemetry::trace::TracerProvider as _;
//! use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor};
//! use tonic::{Request, Response, Status};
//!
//! struct Service;
//!
//! #[tonic::async_trait]
//! impl Echo for Service {
//!     async fn unary(&self, request: Request<EchoRequest>) -> Result<Response<EchoReply>, Status> {
//!         match request.into_inner().code {
//!             0 => Ok(Response::new(EchoReply::default())),
//!             _ => Err(Status::not_found("no such thing")),
//!         }
//!     }
//!     type StreamStream = futures_util::stream::Empty<Result<EchoReply, Status>>;
//!     async fn stream(&self, _: Request<EchoRequest>) -> Result<Response<Self::StreamStream>, Status> {
//!         Ok(Response::new(futures_util::stream::empty()))
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let exporter = InMemorySpanExporter::default();
//! let provider = SdkTracerProvider::builder()
//!     .with_span_processor(SimpleSpanProcessor::new(exporter.clone()))
//!     .build();
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let address = listener.local_addr()?;
//! let incoming = tonic::transport::server::TcpIncoming::from(listener);
//! let server = tonic::transport::Server::builder()
//!     .layer(GrpcServerLayer::new().with_tracer(provider.tracer("echo")))
//!     .add_service(EchoServer::new(Service))
//!     .serve_with_incoming(incoming);
//! tokio::spawn(server);
//!
//! let mut client = EchoClient::connect(format!("http://{address}")).await?;
//! let status = client.unary(EchoRequest { code: 5, ..Default::default() }).await.unwrap_err();
//! assert_eq!(status.code(), tonic::Code::NotFound);
//!
//! let spans = exporter.get_finished_spans()?;
//! assert_eq!(spans[0].name, "baton.test.v1.Echo/Unary");
//! // NOT_FOUND is the caller's problem: not an error on the server.
//! assert_eq!(spans[0].status, opentelemetry::trace::Status::Unset);
//! # Ok(()) }
//! ```
//!
//! The span follows the RPC conventions (see [`semconv`](crate::semconv)); its status code
//! comes from `grpc-status` in the response headers (a handler's error, sent trailers-only) or
//! in the trailers, and only the server's error codes (UNKNOWN, DEADLINE_EXCEEDED,
//! UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS) make it an error. A server-streaming call
//! is one span, ending after the last message.
//!
//! # Trust, for public endpoints
//!
//! By default every request's context is believed. A service that strangers can reach should
//! say otherwise with [`ServerLayer::with_trust`]: [`Trust::Link`](crate::trust::Trust::Link)
//! starts a new trace linked to the caller's, and every mode but
//! [`Trust::Trust`](crate::trust::Trust::Trust) drops the caller's baggage and debug flags, so
//! no stranger can force your sampling or have your services forward their baggage. Behind a
//! load balancer, name its address range with [`ServerLayer::with_trusted_proxies`], so that
//! `client.address` is read from `Forwarded` / `X-Forwarded-For` (and only then). See
//! [`trust`](crate::trust).
//!
//! # The W3C random flag
//!
//! A server span continuing a parent keeps the parent's `random` flag (W3C Trace Context
//! Level 2) even when the sampler drops it (opentelemetry_sdk resets a dropped span's flags),
//! and a trace the layer starts carries the flag, since the SDK's default id generator draws
//! the whole trace id at random ([`ServerLayer::with_random_trace_ids`] turns it off for a
//! generator that does not). The SDK exports a new root span with the flags it chose; the
//! context the handler runs in, its child spans and its outbound headers carry the flag.
//!
//! # `tracing` (feature `tracing`)
//!
//! The handler also runs inside a `tracing` span (`request`, target
//! `baton_interceptors::server`, with the `request_id` field), parented through
//! tracing-opentelemetry to the server span, so `#[instrument]` spans and events in the
//! handler, and in a body it streams after returning, land in the request's trace. The server
//! span itself is the layer's OpenTelemetry
//! span, not a `tracing` one: a log filter that disables the `request` span changes nothing
//! about the trace (the handler still runs in the server span's context, which
//! tracing-opentelemetry uses as the parent of `#[instrument]` spans), where a server span
//! made from a `tracing` span loses its remote parent when filtered out. When the `request`
//! span is enabled, tracing-opentelemetry records it as an internal child of the server span.
//!
//! # What allocates per request
//!
//! The configuration (tracer, propagator, trust policy) is read through one `Arc`, with no
//! lock. Per request: the attribute `Vec` the OpenTelemetry span builder takes, one `String`
//! per recorded text attribute (`url.path`, `url.query`, `server.address`, `client.address`,
//! `user_agent.original`, `http.route` or `rpc.method`: OpenTelemetry values own their text),
//! the span name when there is a route or method (`{method} {route}`), the request id (shared
//! with every clone), and what the tracer and the `Context` allocate for the span itself.
//! Extraction reads the headers in place.

mod client_address;
mod core;
pub mod future;
mod grpc;
mod http;
mod layer;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::task::{Context, Poll};

use baton_context::{Carry, Snapshot};
use tower_service::Service;

use self::core::{Config, Ending};
use self::future::ResponseFuture;
pub use self::layer::{GrpcServerLayer, HttpServerLayer, ServerLayer};

/// The HTTP flavour of [`ServerLayer`] and [`Server`].
#[derive(Debug)]
pub enum Http {}

/// The gRPC flavour of [`ServerLayer`] and [`Server`].
#[derive(Debug)]
pub enum Grpc {}

/// What differs between the flavours.
pub trait Protocol: sealed::Sealed {
    #[doc(hidden)]
    const GRPC: bool;
}

impl Protocol for Http {
    const GRPC: bool = false;
}

impl Protocol for Grpc {
    const GRPC: bool = true;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Http {}
    impl Sealed for super::Grpc {}
}

/// The service a [`ServerLayer`] wraps around a server: [`HttpServer`] or [`GrpcServer`].
pub struct Server<S, K> {
    inner: S,
    config: Arc<Config>,
    kind: PhantomData<fn() -> K>,
}

/// An HTTP service traced by [`HttpServerLayer`].
pub type HttpServer<S> = Server<S, Http>;

/// A tonic service traced by [`GrpcServerLayer`].
pub type GrpcServer<S> = Server<S, Grpc>;

impl<S, K> Server<S, K> {
    fn new(inner: S, config: Arc<Config>) -> Self {
        Self {
            inner,
            config,
            kind: PhantomData,
        }
    }
}

impl<S: Clone, K> Clone for Server<S, K> {
    fn clone(&self) -> Self {
        Self::new(self.inner.clone(), Arc::clone(&self.config))
    }
}

impl<S: fmt::Debug, K> fmt::Debug for Server<S, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S, K, B, ResBody> Service<::http::Request<B>> for Server<S, K>
where
    S: Service<::http::Request<B>, Response = ::http::Response<ResBody>>,
    K: Protocol,
    ResBody: http_body::Body,
    ResBody::Error: fmt::Display,
{
    type Response = ::http::Response<future::ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: ::http::Request<B>) -> Self::Future {
        let config = &*self.config;
        let peer = core::peer(request.extensions());
        let started = core::start(config, &request, peer, || match K::GRPC {
            true => grpc::describe(&request, peer, &config.proxies),
            false => http::describe(&request, peer, &config.proxies),
        });
        let ending = Ending::new(started.cx.clone(), K::GRPC);
        let snapshot = Snapshot::from(started.cx);
        let inner = &mut self.inner;
        #[cfg(feature = "tracing")]
        let (future, ending) = {
            use tracing::instrument::Instrument as _;
            use tracing_opentelemetry::OpenTelemetrySpanExt as _;
            let span = tracing::info_span!(
                target: "baton_interceptors::server",
                "request",
                request_id = %started.id,
            );
            // Without an OpenTelemetry layer, or when filtered out, the span takes no parent;
            // the handler still runs in the server span's context.
            let _ = span.set_parent(snapshot.context().clone());
            let future = span.in_scope(|| snapshot.run_sync(|| inner.call(request)));
            (future.instrument(span.clone()), ending.with_tracing(span))
        };
        #[cfg(not(feature = "tracing"))]
        let future = snapshot.run_sync(|| inner.call(request));
        ResponseFuture::new(future.in_context(snapshot), ending, started.echo)
    }
}
