//! The instrumentation a Rust service writes by hand today, as the opentelemetry-rust examples
//! do: opentelemetry-http's `HeaderExtractor` / `HeaderInjector`, the global propagator and the
//! global tracer read per request, a server span and a client span with `String` attributes.
//!
//! Both halves are deliberately ordinary code, not tuned: they are what Baton's layers are
//! measured against, and the analysis in `BENCHMARKS.md` takes their cost apart.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::trace::{FutureExt as _, SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, KeyValue, global};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};

/// Server middleware for `axum::middleware::from_fn`, added with `Router::route_layer` so that
/// the route is known: extract, start a server span, run the handler inside it, record the
/// status, end the span.
pub async fn server_span(req: Request, next: Next) -> Response {
    let parent_cx = global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(req.headers()))
    });
    let tracer = global::tracer("hand-written/server");
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let name = match &route {
        Some(route) => format!("{method} {route}"),
        None => method.clone(),
    };
    let mut attributes = vec![
        KeyValue::new("http.request.method", method),
        KeyValue::new("url.path", req.uri().path().to_owned()),
        KeyValue::new("url.scheme", "http"),
        KeyValue::new("network.protocol.version", format!("{:?}", req.version())),
    ];
    if let Some(route) = route {
        attributes.push(KeyValue::new("http.route", route));
    }
    if let Some(agent) = req
        .headers()
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
    {
        attributes.push(KeyValue::new("user_agent.original", agent.to_owned()));
    }
    let span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Server)
        .with_attributes(attributes)
        .start_with_context(&tracer, &parent_cx);
    let cx = parent_cx.with_span(span);
    let response = next.run(req).with_context(cx.clone()).await;
    let span = cx.span();
    let status = response.status();
    span.set_attribute(KeyValue::new(
        "http.response.status_code",
        i64::from(status.as_u16()),
    ));
    if status.is_server_error() {
        span.set_status(Status::error(status.to_string()));
    }
    span.end();
    response
}

/// One GET with a hand-written client span: start the span, inject the context with the global
/// propagator, send, record the status, read the body, end the span.
///
/// # Errors
///
/// What reqwest returns for the request or its body.
pub async fn get(client: &reqwest::Client, url: &reqwest::Url) -> reqwest::Result<usize> {
    let tracer = global::tracer("hand-written/client");
    let span = tracer
        .span_builder("GET")
        .with_kind(SpanKind::Client)
        .with_attributes([
            KeyValue::new("http.request.method", "GET"),
            KeyValue::new("url.full", url.to_string()),
            KeyValue::new(
                "server.address",
                url.host_str().unwrap_or_default().to_owned(),
            ),
            KeyValue::new(
                "server.port",
                i64::from(url.port_or_known_default().unwrap_or(80)),
            ),
        ])
        .start(&tracer);
    let cx = Context::current_with_span(span);
    let mut request = client.get(url.clone()).build()?;
    global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&cx, &mut HeaderInjector(request.headers_mut()));
    });
    let result = async {
        let response = client.execute(request).await?;
        cx.span().set_attribute(KeyValue::new(
            "http.response.status_code",
            i64::from(response.status().as_u16()),
        ));
        response.bytes().await
    }
    .with_context(cx.clone())
    .await;
    let span = cx.span();
    if let Err(error) = &result {
        span.set_status(Status::error(error.to_string()));
    }
    span.end();
    result.map(|body| body.len())
}
