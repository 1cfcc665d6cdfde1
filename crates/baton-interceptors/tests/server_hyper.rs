//! The HTTP server layer on a plain hyper server (no axum): spans named after the method,
//! HTTP/2 with the `:authority` as server address, and an inner service's error.
#![cfg(feature = "tower")]

#[path = "support/server.rs"]
mod support;

use baton_interceptors::server::HttpServerLayer;
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use opentelemetry::trace::{SpanKind, Status};
use support::{Spans, attr, i, s};
use tower::{Layer as _, ServiceExt as _};

async fn serve(spans: &Spans) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let service = HttpServerLayer::new()
        .with_tracer(spans.tracer())
        .layer(tower::service_fn(
            |request: http::Request<hyper::body::Incoming>| async move {
                match request.uri().path() {
                    "/fail" => Err(std::io::Error::other("handler failed")),
                    _ => Ok::<_, std::io::Error>(http::Response::new(Full::new(
                        Bytes::from_static(b"ok"),
                    ))),
                }
            },
        ));
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = service.clone();
            let hyper_service = hyper::service::service_fn(move |request| {
                let service = service.clone();
                async move { service.oneshot(request).await }
            });
            tokio::spawn(async move {
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), hyper_service)
                    .await;
            });
        }
    });
    address
}

#[tokio::test]
async fn without_a_router_the_span_is_named_after_the_method_over_http2() {
    let spans = Spans::new();
    let address = serve(&spans).await;
    let client = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let response = client
        .post(format!("http://{address}/orders/9"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    assert_eq!(response.text().await.unwrap(), "ok");

    let span = &spans.wait_for(1).await[0];
    assert_eq!(span.name, "POST");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(attr(span, "http.route"), None);
    assert_eq!(attr(span, "url.path"), s("/orders/9"));
    assert_eq!(attr(span, "network.protocol.version"), s("2"));
    assert_eq!(attr(span, "server.address"), s("127.0.0.1"));
    assert_eq!(attr(span, "server.port"), i(i64::from(address.port())));
    // hyper gives no peer address: `client.address` is not guessed.
    assert_eq!(attr(span, "client.address"), None);
}

#[tokio::test]
async fn an_inner_service_error_is_an_error_named_by_its_type() {
    let spans = Spans::new();
    let address = serve(&spans).await;
    let result = reqwest::get(format!("http://{address}/fail")).await;
    assert!(result.is_err());
    let span = &spans.wait_for(1).await[0];
    assert_eq!(span.status, Status::error(""));
    assert_eq!(attr(span, "error.type"), s("Error"));
    assert_eq!(attr(span, "http.response.status_code"), None);
}
