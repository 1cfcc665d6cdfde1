//! The HTTP server layer on a real axum server: span names, every attribute with its type,
//! status mapping, the span ending with the body, inbound formats, malformed headers and the
//! W3C random flag.
#![cfg(feature = "axum")]

#[path = "support/server.rs"]
mod support;

use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use axum::http::StatusCode;
use axum::routing::get;
use baton_interceptors::server::HttpServerLayer;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt};
use opentelemetry::{Context, Value};
use opentelemetry_sdk::trace::Sampler;
use support::{Spans, attr, get_text, i, s, serve_axum};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn layer(spans: &Spans) -> HttpServerLayer {
    HttpServerLayer::new()
        .with_tracer(spans.tracer())
        .with_propagator(baton_propagation::from_list("tracecontext,baggage,b3,jaeger").unwrap())
}

/// What the handler sees of its context: trace id, span id and flags of the current span.
async fn seen() -> String {
    Context::map_current(|cx| {
        let sc = cx.span().span_context().clone();
        format!(
            "{} {} {:02x}",
            sc.trace_id(),
            sc.span_id(),
            sc.trace_flags().to_u8()
        )
    })
}

fn app(spans: &Spans) -> Router {
    Router::new()
        .route("/users/{id}", get(seen))
        .route("/fail", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .layer(layer(spans))
}

#[tokio::test]
async fn every_attribute_with_its_type_and_the_route_as_name() {
    let spans = Spans::new();
    let address = serve_axum(app(&spans)).await;
    let response = reqwest::Client::new()
        .get(format!("http://{address}/users/42?tab=orders"))
        .header("traceparent", TRACEPARENT)
        .header("user-agent", "baton-test/1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let seen = response.text().await.unwrap();

    let finished = spans.wait_for(1).await;
    let span = &finished[0];
    assert_eq!(span.name, "GET /users/{id}");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(
        span.span_context.trace_id().to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(span.parent_span_id.to_string(), "00f067aa0ba902b7");
    assert!(span.parent_span_is_remote);
    // The handler ran in the server span's context.
    assert_eq!(
        seen,
        format!(
            "{} {} 01",
            span.span_context.trace_id(),
            span.span_context.span_id()
        )
    );

    assert_eq!(attr(span, "http.request.method"), s("GET"));
    assert_eq!(attr(span, "url.path"), s("/users/42"));
    assert_eq!(attr(span, "url.query"), s("tab=orders"));
    assert_eq!(attr(span, "url.scheme"), s("http"));
    assert_eq!(attr(span, "http.route"), s("/users/{id}"));
    assert_eq!(attr(span, "http.response.status_code"), i(200));
    assert_eq!(attr(span, "client.address"), s("127.0.0.1"));
    assert_eq!(attr(span, "server.address"), s("127.0.0.1"));
    assert_eq!(attr(span, "server.port"), i(i64::from(address.port())));
    assert_eq!(attr(span, "user_agent.original"), s("baton-test/1"));
    assert_eq!(attr(span, "network.protocol.version"), s("1.1"));
    assert_eq!(attr(span, "error.type"), None);
    assert_eq!(attr(span, "http.request.method_original"), None);
    assert_eq!(attr(span, "url.full"), None);
}

#[tokio::test]
async fn signed_query_values_are_redacted_in_url_query() {
    let spans = Spans::new();
    let address = serve_axum(app(&spans)).await;
    let response = reqwest::Client::new()
        .get(format!(
            "http://{address}/users/42?X-Amz-Credential=AKIA&tab=orders&X-Amz-Signature=f00d"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let finished = spans.wait_for(1).await;
    assert_eq!(
        attr(&finished[0], "url.query"),
        s("X-Amz-Credential=REDACTED&tab=orders&X-Amz-Signature=REDACTED")
    );
}

#[tokio::test]
async fn no_route_names_the_span_after_the_method_and_404_is_not_an_error() {
    let spans = Spans::new();
    let address = serve_axum(app(&spans)).await;
    let client = reqwest::Client::new();
    let purge = reqwest::Method::from_bytes(b"PURGE").unwrap();
    let response = client
        .request(purge, format!("http://{address}/no/such/path"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    response.bytes().await.unwrap();
    let missing = client
        .get(format!("http://{address}/missing"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    missing.bytes().await.unwrap();

    let finished = spans.wait_for(2).await;
    let unmatched = finished
        .iter()
        .find(|span| attr(span, "url.path") == s("/no/such/path"))
        .unwrap();
    // Never the raw path; an unknown method is `HTTP` in the name and `_OTHER` as attribute.
    assert_eq!(unmatched.name, "HTTP");
    assert_eq!(attr(unmatched, "http.route"), None);
    assert_eq!(attr(unmatched, "http.request.method"), s("_OTHER"));
    assert_eq!(attr(unmatched, "http.request.method_original"), s("PURGE"));
    assert_eq!(attr(unmatched, "http.response.status_code"), i(404));
    assert_eq!(unmatched.status, Status::Unset);

    let missing = finished
        .iter()
        .find(|span| attr(span, "url.path") == s("/missing"))
        .unwrap();
    assert_eq!(missing.name, "GET /missing");
    assert_eq!(missing.status, Status::Unset);
    assert_eq!(attr(missing, "error.type"), None);
}

#[tokio::test]
async fn a_500_is_an_error_with_the_status_as_error_type() {
    let spans = Spans::new();
    let address = serve_axum(app(&spans)).await;
    let response = reqwest::get(format!("http://{address}/fail"))
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    response.bytes().await.unwrap();

    let span = &spans.wait_for(1).await[0];
    assert_eq!(span.name, "GET /fail");
    assert_eq!(span.status, Status::error(""));
    assert_eq!(attr(span, "error.type"), s("500"));
    assert_eq!(attr(span, "http.response.status_code"), i(500));
}

#[tokio::test]
async fn the_span_ends_with_the_body_not_the_headers() {
    let spans = Spans::new();
    let (send, receive) = tokio::sync::mpsc::channel::<&'static str>(1);
    let receive = std::sync::Arc::new(std::sync::Mutex::new(Some(receive)));
    let app = Router::new()
        .route(
            "/stream",
            get(move || {
                let receive = receive.lock().unwrap().take().unwrap();
                async move {
                    let chunks = futures_util::stream::unfold(receive, |mut receive| async move {
                        let chunk = receive.recv().await?;
                        Some((Ok::<_, Infallible>(chunk), receive))
                    });
                    Body::from_stream(chunks)
                }
            }),
        )
        .layer(layer(&spans));
    let address = serve_axum(app).await;

    let mut response = reqwest::get(format!("http://{address}/stream"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    send.send("first").await.unwrap();
    assert_eq!(&response.chunk().await.unwrap().unwrap()[..], b"first");
    // Headers and a chunk are out, the body is not finished: no span yet.
    assert!(spans.finished().is_empty());
    drop(send);
    assert!(response.chunk().await.unwrap().is_none());
    let span = &spans.wait_for(1).await[0];
    assert_eq!(span.name, "GET /stream");
}

#[tokio::test]
async fn w3c_b3_and_jaeger_inbound_headers_are_all_continued() {
    let spans = Spans::new();
    let address = serve_axum(app(&spans)).await;
    let cases = [
        (
            "traceparent",
            TRACEPARENT,
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "00f067aa0ba902b7",
        ),
        (
            "b3",
            "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1",
            "80f198ee56343ba864fe8b2a57d3eff7",
            "e457b5a2e4d86bd1",
        ),
        (
            "uber-trace-id",
            "a1b2c3d4e5f60718293a4b5c6d7e8f90:0102030405060708:0:1",
            "a1b2c3d4e5f60718293a4b5c6d7e8f90",
            "0102030405060708",
        ),
    ];
    for (header, value, trace, parent) in cases {
        let seen = get_text(address, "/users/1", &[(header, value)]).await;
        assert!(seen.starts_with(trace), "{header}: {seen}");
        let finished = spans.finished();
        let span = finished
            .iter()
            .find(|span| span.span_context.trace_id().to_string() == trace)
            .unwrap_or_else(|| panic!("no span continued {header}"));
        assert_eq!(span.parent_span_id.to_string(), parent, "{header}");
    }
}

#[tokio::test]
async fn a_malformed_traceparent_is_served_under_a_new_trace() {
    let spans = Spans::new();
    let address = serve_axum(app(&spans)).await;
    let response = reqwest::Client::new()
        .get(format!("http://{address}/users/1"))
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-zzzzzzzzzzzzzzzz-01",
        )
        .header("tracestate", "=bad=")
        .header("baggage", "%%%")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap();
    let span = &spans.wait_for(1).await[0];
    assert!(span.span_context.is_valid());
    assert_ne!(
        span.span_context.trace_id().to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(span.parent_span_id, opentelemetry::trace::SpanId::INVALID);
}

#[tokio::test]
async fn the_random_flag_survives_a_sampler_that_drops_the_span() {
    // A parent with `random` and not `sampled`: ParentBased drops the span, which the SDK
    // gives flags 00.
    let spans = Spans::new();
    let address = serve_axum(app(&spans)).await;
    let parent =
        |flags: &str| format!("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-{flags}");
    let seen = get_text(address, "/users/1", &[("traceparent", &parent("02"))]).await;
    let parts: Vec<&str> = seen.split(' ').collect();
    assert_eq!(parts[0], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_ne!(parts[1], "00f067aa0ba902b7");
    assert_eq!(parts[2], "02");

    // A parent without `random` keeps none.
    let seen = get_text(address, "/users/1", &[("traceparent", &parent("00"))]).await;
    assert!(seen.ends_with(" 00"), "{seen}");
    assert!(spans.finished().is_empty());
}

#[tokio::test]
async fn a_new_root_carries_the_random_flag_sampled_or_not() {
    for (sampler, flags) in [(Sampler::AlwaysOn, "03"), (Sampler::AlwaysOff, "02")] {
        let spans = Spans::with_sampler(sampler);
        let address = serve_axum(app(&spans)).await;
        let seen = reqwest::get(format!("http://{address}/users/1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(seen.ends_with(&format!(" {flags}")), "{seen}");
    }

    // Told the ids are not random, it does not claim they are.
    let spans = Spans::new();
    let app = Router::new()
        .route("/", get(seen))
        .layer(layer(&spans).with_random_trace_ids(false));
    let address = serve_axum(app).await;
    let seen = reqwest::get(format!("http://{address}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(seen.ends_with(" 01"), "{seen}");
    let span = &spans.wait_for(1).await[0];
    assert!(matches!(attr(span, "url.path"), Some(Value::String(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_never_see_each_others_context() {
    let spans = Spans::new();
    let address = serve_axum(app(&spans)).await;
    let client = reqwest::Client::new();
    let requests = (0..200_u32).map(|n| {
        let client = client.clone();
        async move {
            let trace = format!("{:032x}", 0xabc0_0000_u128 + u128::from(n));
            let seen = client
                .get(format!("http://{address}/users/{n}"))
                .header("traceparent", format!("00-{trace}-00f067aa0ba902b7-01"))
                .header("x-request-id", format!("req-{n}"))
                .send()
                .await
                .unwrap();
            assert_eq!(seen.headers()["x-request-id"], format!("req-{n}").as_str());
            let seen = seen.text().await.unwrap();
            assert!(seen.starts_with(&trace), "request {n} saw {seen}");
            (trace, n)
        }
    });
    let sent = futures_util::future::join_all(requests).await;
    let finished = spans.wait_for(sent.len()).await;
    for (trace, n) in sent {
        let span = finished
            .iter()
            .find(|span| attr(span, "url.path") == s(&format!("/users/{n}")))
            .unwrap();
        assert_eq!(span.span_context.trace_id().to_string(), trace);
    }
}
