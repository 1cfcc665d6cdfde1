//! Each trust mode's effect on a real axum server: ids, sampling, link, baggage and debug flags;
//! trusted and untrusted proxies; a policy reading the peer and an auth layer's extension.
#![cfg(feature = "axum")]

#[path = "support/server.rs"]
mod support;

use axum::Router;
use axum::routing::get;
use baton_interceptors::server::HttpServerLayer;
use baton_interceptors::trust::{RequestView, Trust};
use baton_propagation::SamplingState;
use opentelemetry::Context;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::trace::{SpanId, TraceContextExt};
use opentelemetry_sdk::trace::{ParentBasedSampler, Sampler};
use support::{Spans, attr, s, serve_axum};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

/// What the handler saw.
#[derive(Debug)]
struct Seen {
    trace_id: String,
    sampled: bool,
    baggage: usize,
    debug: bool,
}

async fn report() -> String {
    Context::map_current(|cx| {
        let sc = cx.span().span_context().clone();
        format!(
            "{} {} {} {}",
            sc.trace_id(),
            sc.is_sampled(),
            cx.baggage().len(),
            SamplingState::from_context(cx) == Some(SamplingState::Debug)
        )
    })
}

fn parse(text: &str) -> Seen {
    let parts: Vec<&str> = text.split(' ').collect();
    Seen {
        trace_id: parts[0].to_owned(),
        sampled: parts[1] == "true",
        baggage: parts[2].parse().unwrap(),
        debug: parts[3] == "true",
    }
}

async fn serve(spans: &Spans, trust: Trust) -> std::net::SocketAddr {
    let layer = HttpServerLayer::new()
        .with_tracer(spans.tracer())
        .with_propagator(baton_propagation::from_list("tracecontext,baggage,b3,jaeger").unwrap())
        .with_trust(trust);
    serve_axum(Router::new().route("/", get(report)).layer(layer)).await
}

async fn call(address: std::net::SocketAddr, headers: &[(&str, &str)]) -> Seen {
    parse(&support::get_text(address, "/", headers).await)
}

/// Calls with a sampled W3C parent and baggage, as an untrusted caller would; checks that the
/// handler ran in a new trace without the baggage.
async fn call_untrusted(address: std::net::SocketAddr) -> Seen {
    let parent = traceparent("01");
    let seen = call(
        address,
        &[("traceparent", &parent), ("baggage", "tenant=acme")],
    )
    .await;
    assert_ne!(seen.trace_id, TRACE);
    assert_eq!(seen.baggage, 0);
    seen
}

fn traceparent(flags: &str) -> String {
    format!("00-{TRACE}-{PARENT}-{flags}")
}

#[tokio::test]
async fn trust_continues_ids_sampling_baggage_and_debug() {
    let spans = Spans::new();
    let address = serve(&spans, Trust::Trust).await;
    let seen = call(
        address,
        &[
            ("traceparent", &traceparent("01")),
            ("baggage", "tenant=acme"),
        ],
    )
    .await;
    assert_eq!(seen.trace_id, TRACE);
    assert!(seen.sampled);
    assert_eq!(seen.baggage, 1);

    let b3 = format!("{TRACE}-{PARENT}-d");
    let seen = call(address, &[("b3", &b3), ("uberctx-user", "ann")]).await;
    assert!(seen.debug);
    assert_eq!(seen.baggage, 1);

    // A debug id without a trace is honoured for the trace the server starts.
    let seen = call(address, &[("jaeger-debug-id", "abc")]).await;
    assert_ne!(seen.trace_id, TRACE);
    assert!(seen.debug);
}

#[tokio::test]
async fn ids_only_keeps_the_ids_but_not_the_sampling_baggage_or_debug() {
    // The default ParentBased sampler: a sampled caller would be followed under Trust.
    let spans = Spans::new();
    let address = serve(&spans, Trust::IdsOnly).await;
    let b3 = format!("{TRACE}-{PARENT}-d");
    let seen = call(
        address,
        &[
            ("b3", &b3),
            ("baggage", "tenant=acme"),
            ("uberctx-user", "ann"),
        ],
    )
    .await;
    assert_eq!(seen.trace_id, TRACE);
    assert!(!seen.sampled, "the caller's sampled (debug) flag decided");
    assert_eq!(seen.baggage, 0);
    assert!(!seen.debug);
    assert!(spans.finished().is_empty());

    // Our own decision: a sampler that keeps remote parents that are not sampled keeps it,
    // and the span is the caller's child.
    let sampler = ParentBasedSampler::new(Sampler::AlwaysOn)
        .with_remote_parent_not_sampled(Sampler::AlwaysOn);
    let spans = Spans::with_sampler(sampler);
    let address = serve(&spans, Trust::IdsOnly).await;
    let seen = call(address, &[("traceparent", &traceparent("00"))]).await;
    assert!(seen.sampled);
    let span = &spans.wait_for(1).await[0];
    assert_eq!(span.span_context.trace_id().to_string(), TRACE);
    assert_eq!(span.parent_span_id.to_string(), PARENT);
    assert!(span.span_context.trace_state().header().is_empty());
}

#[tokio::test]
async fn link_starts_a_new_trace_linked_to_the_caller() {
    let spans = Spans::new();
    let address = serve(&spans, Trust::Link).await;
    let seen = call_untrusted(address).await;

    let span = &spans.wait_for(1).await[0];
    assert_eq!(span.span_context.trace_id().to_string(), seen.trace_id);
    assert_eq!(span.parent_span_id, SpanId::INVALID);
    let links: Vec<_> = span.links.iter().collect();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].span_context.trace_id().to_string(), TRACE);
    assert_eq!(links[0].span_context.span_id().to_string(), PARENT);

    let b3 = format!("{TRACE}-{PARENT}-d");
    let seen = call(address, &[("b3", &b3)]).await;
    assert!(!seen.debug);
}

#[tokio::test]
async fn ignore_reads_nothing() {
    let spans = Spans::new();
    let address = serve(&spans, Trust::Ignore).await;
    call_untrusted(address).await;
    let span = &spans.wait_for(1).await[0];
    assert_eq!(span.links.iter().count(), 0);
    assert_eq!(span.parent_span_id, SpanId::INVALID);
}

#[derive(Clone)]
struct Internal;

#[tokio::test]
async fn a_policy_decides_from_the_peer_and_an_auth_layers_extension() {
    let spans = Spans::new();
    let layer = HttpServerLayer::new()
        .with_tracer(spans.tracer())
        .with_propagator(baton_propagation::TraceContextPropagator::new())
        .with_trust(|request: &RequestView<'_>| {
            let loopback = request.peer().is_some_and(|peer| peer.ip().is_loopback());
            match request.extensions().get::<Internal>() {
                Some(Internal) if loopback => Trust::Trust,
                _ => Trust::Link,
            }
        });
    // The "auth layer": marks requests carrying a token as internal.
    let auth = axum::middleware::from_fn(
        |mut request: axum::extract::Request, next: axum::middleware::Next| async move {
            if request.headers().contains_key("x-token") {
                request.extensions_mut().insert(Internal);
            }
            next.run(request).await
        },
    );
    let app = Router::new()
        .route("/", get(report))
        .layer(layer)
        .layer(auth);
    let address = serve_axum(app).await;

    let tp = traceparent("01");
    let internal = call(address, &[("traceparent", &tp), ("x-token", "1")]).await;
    assert_eq!(internal.trace_id, TRACE);
    let outside = call(address, &[("traceparent", &tp)]).await;
    assert_ne!(outside.trace_id, TRACE);
}

#[tokio::test]
async fn forwarding_headers_count_only_from_trusted_proxies() {
    let spans = Spans::new();
    let trusting = HttpServerLayer::new()
        .with_tracer(spans.tracer())
        .with_trusted_proxies(["127.0.0.0/8".parse().unwrap()]);
    let trusting = serve_axum(Router::new().route("/", get(report)).layer(trusting)).await;
    let untrusting = HttpServerLayer::new().with_tracer(spans.tracer());
    let untrusting = serve_axum(Router::new().route("/", get(report)).layer(untrusting)).await;

    for address in [trusting, untrusting] {
        call(address, &[("x-forwarded-for", "203.0.113.9")]).await;
    }
    let finished = spans.wait_for(2).await;
    let port = |span: &opentelemetry_sdk::trace::SpanData| attr(span, "server.port");
    let from = |address: std::net::SocketAddr| {
        finished
            .iter()
            .find(|span| port(span) == support::i(i64::from(address.port())))
            .unwrap()
    };
    assert_eq!(attr(from(trusting), "client.address"), s("203.0.113.9"));
    assert_eq!(attr(from(untrusting), "client.address"), s("127.0.0.1"));
}
