//! The reqwest middleware and `RequestBuilderExt` against a real HTTP server: one client span
//! per attempt with the HTTP client conventions, and the context injected under it.
#![cfg(feature = "reqwest")]

#[path = "support/client.rs"]
mod support;

use std::time::Duration;

use baton_interceptors::reqwest::{RequestBuilderExt, TraceMiddleware, UrlTemplate};
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt};
use opentelemetry::{Context, Value};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use support::{HttpServer, Spans, assert_attributes, attribute, propagator, refused_addr, within};

fn client(spans: &Spans) -> ClientWithMiddleware {
    ClientBuilder::new(reqwest::Client::new())
        .with(middleware(spans))
        .build()
}

fn middleware(spans: &Spans) -> TraceMiddleware {
    TraceMiddleware::new()
        .with_tracer(spans.tracer())
        .with_propagator(propagator())
}

#[tokio::test]
async fn a_request_gets_a_client_span_with_every_attribute_and_its_type() {
    let spans = Spans::new();
    let mut server = HttpServer::start().await;
    let response = client(&spans)
        .get(server.url("/status/200?q=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    server.next_headers().await;

    let span = spans.one();
    assert_eq!(span.span_kind, SpanKind::Client);
    assert_eq!(span.name, "GET");
    assert_eq!(span.status, Status::Unset);
    let port = i64::from(server.addr.port());
    assert_attributes(
        &span,
        &[
            ("http.request.method", Some(Value::from("GET"))),
            (
                "url.full",
                Some(Value::from(format!(
                    "http://127.0.0.1:{port}/status/200?q=1"
                ))),
            ),
            ("server.address", Some(Value::from("127.0.0.1"))),
            ("server.port", Some(Value::I64(port))),
            ("http.response.status_code", Some(Value::I64(200))),
            ("network.protocol.version", Some(Value::from("1.1"))),
        ],
    );
    for absent in [
        "error.type",
        "http.request.method_original",
        "http.request.resend_count",
        "url.template",
    ] {
        assert_eq!(attribute(&span, absent), None, "{absent}");
    }
}

#[tokio::test]
async fn a_template_names_the_span_and_an_unknown_method_is_other() {
    let spans = Spans::new();
    let mut server = HttpServer::start().await;
    let client = client(&spans);
    client
        .get(server.url("/status/204"))
        .with_extension(UrlTemplate::new("/status/{code}"))
        .send()
        .await
        .unwrap();
    server.next_headers().await;
    let span = spans.one();
    assert_eq!(span.name, "GET /status/{code}");
    assert_eq!(
        attribute(&span, "url.template"),
        Some(Value::from("/status/{code}"))
    );

    spans.exporter.reset();
    let purge = reqwest::Method::from_bytes(b"PURGE").unwrap();
    client
        .request(purge.clone(), server.url("/status/200"))
        .with_extension(UrlTemplate::new("/status/{code}"))
        .send()
        .await
        .unwrap();
    let span = spans.one();
    assert_eq!(span.name, "HTTP /status/{code}");
    assert_attributes(
        &span,
        &[
            ("http.request.method", Some(Value::from("_OTHER"))),
            ("http.request.method_original", Some(Value::from("PURGE"))),
        ],
    );
}

#[tokio::test]
async fn credentials_and_signed_query_values_are_redacted_in_url_full() {
    let spans = Spans::new();
    let mut server = HttpServer::start().await;
    let port = server.addr.port();
    // `RequestBuilder` moves URL credentials into `Authorization`; a `Request` built by hand
    // keeps them in the URL.
    let url =
        format!("http://alice:secret@127.0.0.1:{port}/status/200?a=1&X-Amz-Signature=abc&sig=def");
    let request = reqwest::Request::new(reqwest::Method::GET, url.parse().unwrap());
    client(&spans).execute(request).await.unwrap();
    server.next_headers().await;
    assert_eq!(
        attribute(&spans.one(), "url.full"),
        Some(Value::from(format!(
            "http://REDACTED:REDACTED@127.0.0.1:{port}/status/200?a=1&X-Amz-Signature=REDACTED&sig=REDACTED"
        )))
    );
}

#[tokio::test]
async fn client_and_server_errors_are_errors_with_the_code_as_error_type() {
    let spans = Spans::new();
    let server = HttpServer::start().await;
    let client = client(&spans);
    for code in [404_u16, 500] {
        spans.exporter.reset();
        let response = client
            .get(server.url(&format!("/status/{code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), code);
        let span = spans.one();
        assert_eq!(span.status, Status::error(""), "{code}");
        assert_attributes(
            &span,
            &[
                ("http.response.status_code", Some(Value::I64(code.into()))),
                ("error.type", Some(Value::from(code.to_string()))),
            ],
        );
    }
}

#[tokio::test]
async fn a_refused_connection_is_an_error_with_a_low_cardinality_type() {
    let spans = Spans::new();
    let addr = refused_addr().await;
    let error = client(&spans)
        .get(format!("http://{addr}/"))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    let span = spans.one();
    assert!(
        matches!(span.status, Status::Error { .. }),
        "{:?}",
        span.status
    );
    assert_attributes(
        &span,
        &[
            ("error.type", Some(Value::from("connection_refused"))),
            ("http.response.status_code", None),
        ],
    );
}

/// reqwest's `Display` quotes the raw URL: the span's description must not.
#[tokio::test]
async fn the_status_description_of_a_failed_send_holds_no_url_secret() {
    let spans = Spans::new();
    let addr = refused_addr().await;
    let url = format!("http://alice:hunter2@{addr}/object?X-Amz-Signature=s3cr3t&sig=0xfeed");
    let middleware_error = client(&spans).get(&url).send().await.unwrap_err();
    let builder_error = within(
        reqwest::Client::new()
            .get(&url)
            .traced(&middleware(&spans))
            .send(),
    )
    .await
    .unwrap_err();
    // The caller's error keeps its URL.
    assert!(
        builder_error
            .url()
            .is_some_and(|u| u.as_str().contains("s3cr3t"))
    );
    assert!(middleware_error.to_string().contains("s3cr3t"));
    let spans = spans.exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 2);
    for span in spans {
        let Status::Error { description } = &span.status else {
            panic!("{:?}", span.status);
        };
        assert!(!description.is_empty());
        for secret in ["alice", "hunter2", "s3cr3t", "0xfeed", "object"] {
            assert!(!description.contains(secret), "{description}");
        }
    }
}

#[tokio::test]
async fn a_request_the_caller_cancels_ends_its_span_without_error() {
    let spans = Spans::new();
    let mut server = HttpServer::start().await;
    let client = client(&spans);
    let send = client.get(server.url("/hang")).send();
    tokio::select! {
        _ = send => panic!("the server never answers /hang"),
        _ = server.next_headers() => {}
    }
    // The send future is dropped here: the caller gave up.
    let span = spans.one();
    assert_eq!(span.status, Status::Unset);
    assert_attributes(
        &span,
        &[("error.type", None), ("http.response.status_code", None)],
    );
}

#[tokio::test]
async fn each_attempt_under_reqwest_retry_is_a_span_and_the_second_counts_one_resend() {
    use reqwest_retry::{RetryTransientMiddleware, policies::ExponentialBackoff};

    let spans = Spans::new();
    let mut server = HttpServer::start().await;
    let retry = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1), Duration::from_millis(1))
        .build_with_max_retries(1);
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(RetryTransientMiddleware::new_with_policy(retry))
        .with(middleware(&spans))
        .build();
    let response = client.get(server.url("/flaky")).send().await.unwrap();
    assert_eq!(response.status(), 200);

    let first = server.next_headers().await;
    let second = server.next_headers().await;
    let spans = spans.finished();
    assert_eq!(spans.len(), 2, "{spans:#?}");
    assert_eq!(attribute(&spans[0], "http.request.resend_count"), None);
    assert_eq!(spans[0].status, Status::error(""));
    assert_eq!(
        attribute(&spans[1], "http.request.resend_count"),
        Some(Value::I64(1))
    );
    assert_eq!(spans[1].status, Status::Unset);
    // Each attempt carried its own span as the parent.
    for (span, headers) in spans.iter().zip([first, second]) {
        let traceparent = headers["traceparent"].to_str().unwrap();
        assert!(traceparent.contains(&span.span_context.span_id().to_string()));
    }
}

#[tokio::test]
async fn the_context_is_injected_with_the_client_span_as_parent() {
    let spans = Spans::new();
    let mut server = HttpServer::start().await;
    let parent = SpanContext::new(
        TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736_u128),
        SpanId::from(0x00f0_67aa_0ba9_02b7_u64),
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    );
    client(&spans)
        .get(server.url("/status/200"))
        .send()
        .with_context(Context::new().with_remote_span_context(parent.clone()))
        .await
        .unwrap();
    let headers = server.next_headers().await;
    let span = spans.one();
    assert_eq!(span.span_context.trace_id(), parent.trace_id());
    assert_eq!(span.parent_span_id, parent.span_id());
    assert_eq!(
        headers["traceparent"],
        format!(
            "00-{}-{}-01",
            parent.trace_id(),
            span.span_context.span_id()
        )
    );
}

#[tokio::test]
async fn a_plain_reqwest_builder_is_traced_the_same_way() {
    let spans = Spans::new();
    let mut server = HttpServer::start().await;
    let response = reqwest::Client::new()
        .get(server.url("/status/500"))
        .traced(&middleware(&spans))
        .with_extension(UrlTemplate::new("/status/{code}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let headers = server.next_headers().await;
    let span = spans.one();
    assert_eq!(span.name, "GET /status/{code}");
    assert_eq!(span.status, Status::error(""));
    assert_eq!(
        attribute(&span, "http.response.status_code"),
        Some(Value::I64(500))
    );
    assert!(
        headers["traceparent"]
            .to_str()
            .unwrap()
            .contains(&span.span_context.span_id().to_string())
    );

    spans.exporter.reset();
    let addr = refused_addr().await;
    let error = within(
        reqwest::Client::new()
            .get(format!("http://{addr}/"))
            .traced(&middleware(&spans))
            .send(),
    )
    .await
    .unwrap_err();
    assert!(error.is_connect());
    assert_eq!(
        attribute(&spans.one(), "error.type"),
        Some(Value::from("connection_refused"))
    );
}
