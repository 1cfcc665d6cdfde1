//! Outbound gRPC with tonic: [`ClientLayer`], a tower layer for a `Channel` recording a client
//! span per call, and [`InjectContext`], an interceptor that only injects the context.
//!
//! Use the layer when you can wrap the channel: it sees the response, so the span has the
//! status and lasts until the response stream ends. Use the interceptor where only an
//! interceptor fits (`EchoClient::with_interceptor`): it injects the current context and records
//! nothing, since an interceptor never sees the response.
//!
//! # Examples
//!
//! The layer, on a channel to a real server:
//!
//! ```
//! # mod echo { include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/echo.rs")); }
//! # use echo::{EchoReply, EchoRequest, echo_client::EchoClient, echo_server::{Echo, EchoServer}};
//! # struct Server;
//! # #[tonic::async_trait]
//! # impl Echo for Server {
//! #     async fn unary(&self, request: tonic::Request<EchoRequest>) -> Result<tonic::Response<EchoReply>, tonic::Status> {
//! #         // Answers with the traceparent it received.
//! #         let seen = request.metadata().get("traceparent").and_then(|v| v.to_str().ok()).unwrap_or_default();
//! #         Ok(tonic::Response::new(EchoReply { message: seen.to_owned(), ..Default::default() }))
//! #     }
//! #     type StreamStream = futures_util::stream::Empty<Result<EchoReply, tonic::Status>>;
//! #     async fn stream(&self, _: tonic::Request<EchoRequest>) -> Result<tonic::Response<Self::StreamStream>, tonic::Status> {
//! #         Ok(tonic::Response::new(futures_util::stream::empty()))
//! #     }
//! # }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use baton_interceptors::tonic::ClientLayer;
//! use opentelemetry::trace::TracerProvider as _;
//! use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
//!
//! let exporter = InMemorySpanExporter::default();
//! let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let target: http::Uri = format!("http://{}", listener.local_addr()?).parse()?;
//! tokio::spawn(
//!     tonic::transport::Server::builder()
//!         .add_service(EchoServer::new(Server))
//!         .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
//! );
//!
//! let channel = tonic::transport::Channel::builder(target.clone()).connect().await?;
//! let channel = tower::ServiceBuilder::new()
//!     .layer(
//!         ClientLayer::new()
//!             .with_tracer(provider.tracer("example"))
//!             .with_propagator(baton_propagation::TraceContextPropagator::new())
//!             .with_target(target),
//!     )
//!     .service(channel);
//! let reply = EchoClient::new(channel).unary(EchoRequest::default()).await?.into_inner();
//!
//! let spans = exporter.get_finished_spans()?;
//! assert_eq!(spans[0].name, "baton.test.v1.Echo/Unary");
//! // The server saw the client span as its parent.
//! assert!(reply.message.contains(&spans[0].span_context.span_id().to_string()));
//! # Ok(()) }
//! ```
//!
//! The interceptor, injecting whatever context is current:
//!
//! ```
//! # mod echo { include!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/echo.rs")); }
//! # use echo::{EchoReply, EchoRequest, echo_client::EchoClient, echo_server::{Echo, EchoServer}};
//! # struct Server;
//! # #[tonic::async_trait]
//! # impl Echo for Server {
//! #     async fn unary(&self, request: tonic::Request<EchoRequest>) -> Result<tonic::Response<EchoReply>, tonic::Status> {
//! #         let seen = request.metadata().get("traceparent").and_then(|v| v.to_str().ok()).unwrap_or_default();
//! #         Ok(tonic::Response::new(EchoReply { message: seen.to_owned(), ..Default::default() }))
//! #     }
//! #     type StreamStream = futures_util::stream::Empty<Result<EchoReply, tonic::Status>>;
//! #     async fn stream(&self, _: tonic::Request<EchoRequest>) -> Result<tonic::Response<Self::StreamStream>, tonic::Status> {
//! #         Ok(tonic::Response::new(futures_util::stream::empty()))
//! #     }
//! # }
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use baton_interceptors::tonic::InjectContext;
//! use opentelemetry::Context;
//! use opentelemetry::context::FutureExt as _;
//! use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let target = format!("http://{}", listener.local_addr()?);
//! tokio::spawn(
//!     tonic::transport::Server::builder()
//!         .add_service(EchoServer::new(Server))
//!         .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
//! );
//!
//! let channel = tonic::transport::Channel::from_shared(target)?.connect().await?;
//! let inject = InjectContext::new().with_propagator(baton_propagation::TraceContextPropagator::new());
//! let mut client = EchoClient::with_interceptor(channel, inject);
//!
//! let parent = SpanContext::new(TraceId::from(1), SpanId::from(2), TraceFlags::SAMPLED, false, TraceState::NONE);
//! let reply = client
//!     .unary(EchoRequest::default())
//!     .with_context(Context::new().with_remote_span_context(parent))
//!     .await?
//!     .into_inner();
//! assert_eq!(reply.message, "00-00000000000000000000000000000001-0000000000000002-01");
//! # Ok(()) }
//! ```
//!
//! # Egress to third parties
//!
//! Both take an [`EgressPolicy`](crate::egress::EgressPolicy): give a channel to a partner's
//! API a policy of [`Egress::TraceOnly`](crate::egress::Egress::TraceOnly) or
//! [`Egress::Nothing`](crate::egress::Egress::Nothing), or one policy with destination rules
//! for every channel, and mark single calls with the
//! [`NoPropagation`](crate::egress::NoPropagation) extension
//! (`request.extensions_mut().insert(NoPropagation)`). See [`crate::egress`].
//!
//! # What allocates
//!
//! Per call: the span and its attribute list, the `rpc.method` string (twice: attribute and
//! span name), the body wrapper's state, and what the propagator formats. `server.address` is
//! built once from the target and shared. Tracer, propagator and policy are behind `Arc`s
//! built once; there is no lock.

mod interceptor;
mod layer;

pub use interceptor::InjectContext;
pub use layer::{BoxError, ClientLayer, ClientService, ResponseBody, ResponseFuture};
