//! The whole chain, every part real: reqwest (Baton's middleware) → axum (Baton's layer) →
//! tonic (Baton's channel layer) → tonic server (Baton's layer), whose handler spawns a task
//! that calls two more axum services over HTTP. One trace from the first client span to the
//! last server span, each parent right, the request id and the baggage where they belong —
//! and under 1,000 concurrent requests, no span in another request's trace.
#![cfg(all(feature = "axum", feature = "reqwest", feature = "tonic"))]

// Generated code, kept as the generator wrote it.
#[rustfmt::skip]
#[path = "support/echo.rs"]
#[allow(clippy::all, unreachable_pub, missing_docs, missing_debug_implementations)]
mod echo;
#[path = "support/server.rs"]
mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use baton_interceptors::egress::{Egress, EgressPolicy};
use baton_interceptors::request_id::REQUEST_ID;
use baton_interceptors::reqwest::{TraceMiddleware, UrlTemplate};
use baton_interceptors::server::{GrpcServerLayer, HttpServerLayer};
use baton_interceptors::tonic::ClientLayer;
use baton_propagation::{CompositePropagator, from_list};
use echo::echo_client::EchoClient;
use echo::echo_server::{Echo, EchoServer};
use echo::{EchoReply, EchoRequest};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{Span as _, SpanId, SpanKind, TraceContextExt, TraceId, Tracer};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{SdkTracer, SpanData};
use reqwest_middleware::ClientWithMiddleware;
use support::{Spans, current_trace_id, serve_axum};
use tonic::{Request, Response, Status};

/// W3C trace context and baggage: what every hop of the chain speaks.
fn propagator() -> CompositePropagator {
    from_list("tracecontext,baggage").unwrap()
}

fn http_client(tracer: SdkTracer, egress: EgressPolicy) -> ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(
            TraceMiddleware::new()
                .with_tracer(tracer)
                .with_propagator(propagator())
                .with_egress(egress),
        )
        .build()
}

/// What a handler saw of its request's context, as one line: `trace request-id baggage`.
fn seen() -> String {
    let baggage = Context::map_current(|cx| {
        let mut members: Vec<String> = cx
            .baggage()
            .iter()
            .map(|(key, (value, _))| format!("{key}={value}"))
            .collect();
        members.sort();
        members.join(";")
    });
    let request_id = REQUEST_ID
        .get()
        .map(|id| id.to_string())
        .unwrap_or_default();
    format!("{} {request_id} {baggage}", current_trace_id())
}

/// The last hop: answers with what it saw.
async fn leaf() -> String {
    seen()
}

/// The gRPC service in the middle: spawns a task (as a handler does for work it does not
/// await inline) that calls both leaves, and answers with what the task and the leaves saw.
struct Inventory {
    http: ClientWithMiddleware,
    leaf: SocketAddr,
    stripped_leaf: SocketAddr,
}

#[tonic::async_trait]
impl Echo for Inventory {
    async fn unary(&self, _: Request<EchoRequest>) -> Result<Response<EchoReply>, Status> {
        let handler = seen();
        let (http, leaf, stripped_leaf) = (self.http.clone(), self.leaf, self.stripped_leaf);
        let task = baton_context::spawn(async move {
            let in_task = seen();
            let get = |address: SocketAddr| {
                http.get(format!("http://{address}/leaf/1"))
                    .with_extension(UrlTemplate::new("/leaf/{n}"))
                    .send()
            };
            let leaf = get(leaf).await.unwrap().text().await.unwrap();
            let stripped = get(stripped_leaf).await.unwrap().text().await.unwrap();
            (in_task, leaf, stripped)
        });
        let (in_task, leaf, stripped) = task.await.unwrap();
        Ok(Response::new(EchoReply {
            message: [handler, in_task, leaf, stripped].join("\n"),
            ..EchoReply::default()
        }))
    }

    type StreamStream = futures_util::stream::Empty<Result<EchoReply, Status>>;

    async fn stream(
        &self,
        _: Request<EchoRequest>,
    ) -> Result<Response<Self::StreamStream>, Status> {
        Err(Status::unimplemented("the chain calls Unary only"))
    }
}

type Channel = baton_interceptors::tonic::ClientService<tonic::transport::Channel>;

/// The first server: calls the gRPC service and answers with what it saw, then what the gRPC
/// side saw.
async fn front(State(channel): State<Channel>) -> String {
    let here = seen();
    let reply = EchoClient::new(channel)
        .unary(EchoRequest::default())
        .await
        .unwrap()
        .into_inner();
    format!("{here}\n{}", reply.message)
}

struct Chain {
    spans: Spans,
    front: SocketAddr,
}

/// Starts the four services; `leaf` gets everything, `stripped_leaf` only trace headers.
async fn chain() -> Chain {
    let spans = Spans::new();
    let server_layer = || {
        HttpServerLayer::new()
            .with_tracer(spans.tracer())
            .with_propagator(propagator())
    };
    let leaf_app = || axum::Router::new().route("/leaf/{n}", get(leaf));
    let leaf = serve_axum(leaf_app().layer(server_layer())).await;
    let stripped_leaf = serve_axum(leaf_app().layer(server_layer())).await;

    let egress = EgressPolicy::new(Egress::All)
        .destination(&format!("http://{stripped_leaf}"), Egress::TraceOnly);
    let inventory = Inventory {
        http: http_client(spans.tracer(), egress),
        leaf,
        stripped_leaf,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc = listener.local_addr().unwrap();
    let server = tonic::transport::Server::builder()
        .layer(
            GrpcServerLayer::new()
                .with_tracer(spans.tracer())
                .with_propagator(propagator()),
        )
        .add_service(EchoServer::new(inventory))
        .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener));
    tokio::spawn(server);

    let target: http::Uri = format!("http://{grpc}").parse().unwrap();
    let channel = tonic::transport::Endpoint::from(target.clone())
        .connect()
        .await
        .unwrap();
    let channel = tower::ServiceBuilder::new()
        .layer(
            ClientLayer::new()
                .with_tracer(spans.tracer())
                .with_propagator(propagator())
                .with_target(target),
        )
        .service(channel);
    let front_app = axum::Router::new()
        .route("/orders/{id}", get(front))
        .with_state(channel)
        .layer(server_layer());
    let front = serve_axum(front_app).await;
    Chain { spans, front }
}

fn by_id(spans: &[SpanData]) -> HashMap<SpanId, &SpanData> {
    spans
        .iter()
        .map(|s| (s.span_context.span_id(), s))
        .collect()
}

/// The names and kinds from `span` up to its root, nearest first.
fn ancestry<'a>(span: &'a SpanData, spans: &HashMap<SpanId, &'a SpanData>) -> Vec<String> {
    let mut chain = vec![format!("{:?} {}", span.span_kind, span.name)];
    let mut parent = span.parent_span_id;
    while let Some(next) = spans.get(&parent) {
        chain.push(format!("{:?} {}", next.span_kind, next.name));
        parent = next.parent_span_id;
    }
    chain
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_across_every_hop_with_request_ids_and_baggage() {
    let chain = chain().await;
    let client = http_client(chain.spans.tracer(), EgressPolicy::new(Egress::All));

    // The caller's own span and baggage: everything below must continue them.
    let root = chain.spans.tracer().start("caller");
    let trace_id = root.span_context().trace_id();
    let cx = Context::current_with_span(root).with_baggage([KeyValue::new("tenant", "acme")]);
    let body = async {
        let response = client
            .get(format!("http://{}/orders/7", chain.front))
            .header("x-request-id", "order-7")
            .with_extension(UrlTemplate::new("/orders/{id}"))
            .send()
            .await
            .unwrap();
        response.text().await.unwrap()
    }
    .with_context(cx.clone())
    .await;
    cx.span().end();

    let lines: Vec<&str> = body.lines().collect();
    let [front, grpc_handler, grpc_task, leaf, stripped] = lines[..] else {
        panic!("unexpected answer: {body}");
    };
    let trace = trace_id.to_string();
    // The request id the caller sent reaches every hop the egress policy sends everything to,
    // across the HTTP hop, the gRPC hop, the spawn and the next HTTP hop; baggage too.
    assert_eq!(front, format!("{trace} order-7 tenant=acme"));
    assert_eq!(grpc_handler, front);
    assert_eq!(
        grpc_task, grpc_handler,
        "the spawned task is in the handler's context"
    );
    assert_eq!(leaf, front);
    // The trace-only destination continues the trace but gets neither: it made its own id.
    let stripped_id = stripped.split(' ').nth(1).unwrap();
    assert!(
        !stripped_id.is_empty() && stripped_id != "order-7",
        "{stripped}"
    );
    assert_eq!(stripped, format!("{trace} {stripped_id} "));

    // caller, client, front server, gRPC client, gRPC server, 2 × (HTTP client, leaf server).
    let spans = chain.spans.wait_for(9).await;
    assert_eq!(spans.len(), 9);
    assert!(spans.iter().all(|s| s.span_context.trace_id() == trace_id));
    let ids = by_id(&spans);
    let leaves: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.span_kind == SpanKind::Server && s.name == "GET /leaf/{n}")
        .collect();
    assert_eq!(leaves.len(), 2);
    for leaf in leaves {
        assert_eq!(
            ancestry(leaf, &ids),
            [
                "Server GET /leaf/{n}",
                "Client GET /leaf/{n}",
                "Server baton.test.v1.Echo/Unary",
                "Client baton.test.v1.Echo/Unary",
                "Server GET /orders/{id}",
                "Client GET /orders/{id}",
                "Internal caller",
            ]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_requests_keep_their_own_traces() {
    const REQUESTS: usize = 1000;
    let chain = Arc::new(chain().await);
    // A plain client: each request arrives with its own inbound trace, as from 1,000 callers.
    let client = reqwest::Client::new();
    let requests = (0..REQUESTS).map(|n| {
        let (client, front) = (client.clone(), chain.front);
        let trace_id = TraceId::from(0x1000_0000_0000_0000_0000_0000_0000_0000 + n as u128);
        let parent = SpanId::from(0x100 + n as u64);
        async move {
            let body = client
                .get(format!("http://{front}/orders/{n}"))
                .header("traceparent", format!("00-{trace_id}-{parent}-01"))
                .header("baggage", format!("request={n}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            (n, trace_id, parent, body)
        }
    });
    let answers = futures_util::future::join_all(requests).await;

    // Every hop of every request saw that request's trace and baggage, and no other.
    for (n, trace_id, _, body) in &answers {
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines.len(), 5, "{body}");
        // The id the front generated is every hop's but the trace-only leaf's.
        let id = |line: &str| line.split(' ').nth(1).unwrap().to_owned();
        assert!(
            lines[..4].iter().all(|line| id(line) == id(lines[0])),
            "{body}"
        );
        assert_ne!(id(lines[4]), id(lines[0]), "{body}");
        for (hop, line) in lines.iter().enumerate() {
            assert!(
                line.starts_with(&trace_id.to_string()),
                "request {n} hop {hop}: {line}"
            );
            let baggage = if hop == 4 {
                String::new()
            } else {
                format!("request={n}")
            };
            assert!(
                line.ends_with(&format!(" {baggage}")),
                "request {n} hop {hop}: {line}"
            );
        }
    }

    // 7 spans per request: front server, gRPC client and server, 2 × (HTTP client, leaf).
    let spans = chain.spans.wait_for(7 * REQUESTS).await;
    assert_eq!(spans.len(), 7 * REQUESTS);
    let mut per_trace: HashMap<TraceId, Vec<&SpanData>> = HashMap::new();
    for span in &spans {
        per_trace
            .entry(span.span_context.trace_id())
            .or_default()
            .push(span);
    }
    assert_eq!(per_trace.len(), REQUESTS);
    for (n, trace_id, parent, _) in &answers {
        let trace = &per_trace[trace_id];
        assert_eq!(trace.len(), 7, "request {n}");
        // Each span's parent is in the same trace, or is the caller's span for the front.
        let ids: HashMap<SpanId, &SpanData> = trace
            .iter()
            .map(|s| (s.span_context.span_id(), *s))
            .collect();
        for span in trace {
            if span.name == "GET /orders/{id}" {
                assert_eq!(span.parent_span_id, *parent, "request {n}");
            } else {
                assert!(
                    ids.contains_key(&span.parent_span_id),
                    "request {n}: {}",
                    span.name
                );
            }
        }
    }
}
