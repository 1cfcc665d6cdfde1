//! Outbound HTTP with reqwest: a client span per send attempt, and the context injected with
//! that span as the parent.
//!
//! - [`TraceMiddleware`], a [`reqwest_middleware::Middleware`];
//! - [`RequestBuilderExt`], the same for a plain `reqwest::RequestBuilder`;
//! - [`UrlTemplate`], a request extension naming the span `{method} {template}`.
//!
//! # Examples
//!
//! With reqwest-middleware:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use baton_interceptors::reqwest::{TraceMiddleware, UrlTemplate};
//! use baton_propagation::TraceContextPropagator;
//! use opentelemetry::trace::TracerProvider as _;
//! use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
//!
//! let exporter = InMemorySpanExporter::default();
//! let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
//!
//! // A server that answers with the traceparent it received.
//! let app = axum::Router::new().route(
//!     "/users/{id}",
//!     axum::routing::get(|headers: http::HeaderMap| async move {
//!         headers["traceparent"].to_str().unwrap().to_owned()
//!     }),
//! );
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let url = format!("http://{}/users/7", listener.local_addr()?);
//! tokio::spawn(async move { axum::serve(listener, app).await });
//!
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(
//!         TraceMiddleware::new()
//!             .with_tracer(provider.tracer("example"))
//!             .with_propagator(TraceContextPropagator::new()),
//!     )
//!     .build();
//! let traceparent = client
//!     .get(&url)
//!     .with_extension(UrlTemplate::new("/users/{id}"))
//!     .send()
//!     .await?
//!     .text()
//!     .await?;
//!
//! let spans = exporter.get_finished_spans()?;
//! assert_eq!(spans[0].name, "GET /users/{id}");
//! // The server saw the client span as its parent.
//! assert!(traceparent.contains(&spans[0].span_context.span_id().to_string()));
//! # Ok(()) }
//! ```
//!
//! With a plain reqwest client:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use baton_interceptors::reqwest::{RequestBuilderExt, TraceMiddleware, UrlTemplate};
//! use opentelemetry::trace::TracerProvider as _;
//! use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
//!
//! let exporter = InMemorySpanExporter::default();
//! let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
//! let tracing = TraceMiddleware::new().with_tracer(provider.tracer("example"));
//!
//! let app = axum::Router::new().route("/health", axum::routing::get(|| async { "ok" }));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let url = format!("http://{}/health", listener.local_addr()?);
//! tokio::spawn(async move { axum::serve(listener, app).await });
//!
//! let response = reqwest::Client::new()
//!     .get(&url)
//!     .traced(&tracing)
//!     .with_extension(UrlTemplate::new("/health"))
//!     .send()
//!     .await?;
//! assert_eq!(response.status(), 200);
//! assert_eq!(exporter.get_finished_spans()?[0].name, "GET /health");
//!
//! // `send_traced()` does the same with the global tracer and the default propagator.
//! let response = reqwest::Client::new().get(&url).send_traced().await?;
//! assert_eq!(response.status(), 200);
//! # Ok(()) }
//! ```
//!
//! # Where the middleware goes
//!
//! reqwest-middleware runs middlewares in the order they were added, the first outermost.
//! Add [`TraceMiddleware`] *after* a retry middleware (`reqwest-retry`'s
//! `RetryTransientMiddleware`): the retry middleware runs the rest of the chain again for each
//! attempt, so each attempt gets its own client span and headers, and attempts after the first
//! carry `http.request.resend_count`. (reqwest-retry hands every attempt the same
//! `Extensions`; the middleware counts attempts there.) Added before the retry middleware, it
//! records one span for all attempts, which the conventions advise against.
//!
//! ```
//! # use baton_interceptors::reqwest::TraceMiddleware;
//! use reqwest_retry::{RetryTransientMiddleware, policies::ExponentialBackoff};
//!
//! let retry = RetryTransientMiddleware::new_with_policy(ExponentialBackoff::builder().build_with_max_retries(2));
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(retry)
//!     .with(TraceMiddleware::new())
//!     .build();
//! # drop(client);
//! ```
//!
//! # The span
//!
//! Kind `Client`, named `{method}` or `{method} {url.template}` (`HTTP` for a method recorded as
//! `_OTHER`), with `http.request.method` (and `http.request.method_original`), `url.full`
//! (credentials as `REDACTED:REDACTED`, the query values of `AWSAccessKeyId`, `Signature`,
//! `sig`, `X-Goog-Signature`, `X-Amz-Signature`, `X-Amz-Credential` and
//! `X-Amz-Security-Token` as `REDACTED`), `url.template` when given, `server.address`,
//! `server.port` (the scheme's default when the URL has none), `http.request.resend_count`
//! on a retry, and from the response `http.response.status_code` and
//! `network.protocol.version`. Integers are `i64` attributes. A 4xx or 5xx response is an
//! error with `error.type` the status code; a failed send is an error with a low-cardinality
//! `error.type` (`connection_refused`, `timeout`, `connect`, ...). A send the caller cancels
//! (its future dropped) ends the span with no status: it is not an error.
//!
//! # What allocates
//!
//! Per request: the span and its attribute list (the SDK's), the owned strings of `url.full`
//! and `server.address`, the span name only with a template, an `Extensions` entry that counts
//! attempts, and what the propagator formats for the headers. `url.full` is copied once from
//! the URL, with no second pass when there is nothing to redact. Tracer, propagator and policy
//! are behind `Arc`s built once; there is no lock.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use http::Extensions;
use opentelemetry::context::FutureExt as _;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue, Value};

use baton_propagation::HeaderInjector;

use crate::egress::{Egress, EgressPolicy, NoPropagation};
use crate::outbound::{Outbound, io_error_type};
use crate::semconv;

/// The caller's template for a request's URL (`/users/{id}`), as a request extension: the span
/// is named `{method} {template}` and carries `url.template`.
///
/// # Examples
///
/// ```
/// use baton_interceptors::reqwest::UrlTemplate;
///
/// let template = UrlTemplate::new("/users/{id}");
/// assert_eq!(template.as_str(), "/users/{id}");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UrlTemplate(Cow<'static, str>);

impl UrlTemplate {
    /// A template; a `&'static str` is kept without a copy.
    ///
    /// # Examples
    ///
    /// ```
    /// let owned = baton_interceptors::reqwest::UrlTemplate::new(String::from("/a/{b}"));
    /// assert_eq!(owned.as_str(), "/a/{b}");
    /// ```
    pub fn new(template: impl Into<Cow<'static, str>>) -> Self {
        Self(template.into())
    }

    /// The template.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(baton_interceptors::reqwest::UrlTemplate::new("/x").as_str(), "/x");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The template as an attribute value: a `&'static str` is not copied.
    fn value(&self) -> Value {
        match &self.0 {
            Cow::Borrowed(template) => Value::from(*template),
            Cow::Owned(template) => Value::from(template.clone()),
        }
    }
}

/// A reqwest-middleware [`Middleware`](reqwest_middleware::Middleware) recording a client span
/// per send attempt and injecting the context with that span as the parent. See the [module
/// docs](self) for the span and where to add it.
///
/// # Examples
///
/// ```
/// use baton_interceptors::egress::{Egress, EgressPolicy};
/// use baton_interceptors::reqwest::TraceMiddleware;
///
/// let middleware = TraceMiddleware::new()
///     .with_propagator(baton_propagation::TraceContextPropagator::new())
///     .with_egress(EgressPolicy::new(Egress::TraceOnly));
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(middleware)
///     .build();
/// # drop(client);
/// ```
#[derive(Clone, Debug)]
pub struct TraceMiddleware {
    outbound: Outbound,
}

impl Default for TraceMiddleware {
    fn default() -> Self {
        Self::new()
    }
}

impl TraceMiddleware {
    /// A middleware with the global tracer provider's tracer and the propagator
    /// [`baton_propagation::global::set`] installed (as `baton::init` does), else
    /// `baton_propagation::from_env()`, both read now and kept (a provider or propagator
    /// installed later is not seen), sending everything.
    ///
    /// # Examples
    ///
    /// ```
    /// let middleware = baton_interceptors::reqwest::TraceMiddleware::new();
    /// # drop(middleware);
    /// ```
    pub fn new() -> Self {
        Self {
            outbound: Outbound::from_globals(),
        }
    }

    /// Records spans with this tracer.
    ///
    /// # Examples
    ///
    /// ```
    /// use opentelemetry::trace::TracerProvider as _;
    ///
    /// let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    /// let middleware = baton_interceptors::reqwest::TraceMiddleware::new().with_tracer(provider.tracer("svc"));
    /// # drop(middleware);
    /// ```
    pub fn with_tracer<T>(mut self, tracer: T) -> Self
    where
        T: Tracer + Send + Sync + 'static,
        T::Span: Send + Sync + 'static,
    {
        self.outbound.set_tracer(tracer);
        self
    }

    /// Injects with this propagator.
    ///
    /// # Examples
    ///
    /// ```
    /// let middleware = baton_interceptors::reqwest::TraceMiddleware::new()
    ///     .with_propagator(baton_propagation::B3Propagator::default());
    /// # drop(middleware);
    /// ```
    pub fn with_propagator<P>(mut self, propagator: P) -> Self
    where
        P: TextMapPropagator + Send + Sync + 'static,
    {
        self.outbound.set_propagator(propagator);
        self
    }

    /// Decides what each request carries by its destination (see [`crate::egress`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::egress::{Egress, EgressPolicy};
    ///
    /// let middleware = baton_interceptors::reqwest::TraceMiddleware::new()
    ///     .with_egress(EgressPolicy::new(Egress::Nothing).destination("*.internal", Egress::All));
    /// # drop(middleware);
    /// ```
    pub fn with_egress(mut self, policy: EgressPolicy) -> Self {
        self.outbound.set_egress(policy);
        self
    }

    /// Starts the attempt's span, injects the headers, and returns the span's context.
    fn start(&self, request: &mut reqwest::Request, extensions: &mut Extensions) -> Context {
        let resend_count = count_attempt(extensions);
        let template = extensions.get::<UrlTemplate>();
        let url = request.url();
        let (method, original) = semconv::http_method(request.method());
        let host = url.host_str().unwrap_or_default();
        let port = url.port_or_known_default();

        let mut attributes = Vec::with_capacity(8);
        attributes.push(KeyValue::new(semconv::HTTP_REQUEST_METHOD, method));
        if let Some(original) = original {
            attributes.push(KeyValue::new(
                semconv::HTTP_REQUEST_METHOD_ORIGINAL,
                original.to_owned(),
            ));
        }
        attributes.push(KeyValue::new(
            semconv::URL_FULL,
            redacted_url(url.as_str()).into_owned(),
        ));
        attributes.push(KeyValue::new(
            semconv::SERVER_ADDRESS,
            unbracketed(host).to_owned(),
        ));
        if let Some(port) = port {
            attributes.push(KeyValue::new(semconv::SERVER_PORT, i64::from(port)));
        }
        if let Some(template) = template {
            attributes.push(KeyValue::new(semconv::URL_TEMPLATE, template.value()));
        }
        if resend_count > 0 {
            attributes.push(KeyValue::new(
                semconv::HTTP_REQUEST_RESEND_COUNT,
                i64::from(resend_count),
            ));
        }

        let name = semconv::http_span_name(method, template.map(UrlTemplate::as_str));
        let parent = Context::current();
        let span = self.outbound.tracer.build_with_context(
            self.outbound
                .tracer
                .span_builder(name)
                .with_kind(SpanKind::Client)
                .with_attributes(attributes),
            &parent,
        );
        let cx = parent.with_span(span);

        let egress = if extensions.get::<NoPropagation>().is_some() {
            Egress::Nothing
        } else {
            self.outbound
                .egress
                .egress_for(Some(url.scheme()), host, port)
        };
        self.outbound
            .inject(egress, &cx, &mut HeaderInjector(request.headers_mut()));
        crate::outbound::forward_request_id(egress, &cx, request.headers_mut());
        cx
    }
}

/// Counts this send attempt in the request's extensions, which reqwest-retry hands unchanged to
/// every attempt: 0 for the first, then 1, 2, ...
fn count_attempt(extensions: &mut Extensions) -> u32 {
    #[derive(Clone, Copy)]
    struct Attempts(u32);

    match extensions.get_mut::<Attempts>() {
        Some(attempts) => {
            attempts.0 = attempts.0.saturating_add(1);
            attempts.0
        }
        None => {
            extensions.insert(Attempts(0));
            0
        }
    }
}

/// Ends the span with what the response says.
fn finish_response(cx: &Context, response: &reqwest::Response) {
    let span = cx.span();
    let status = response.status();
    span.set_attribute(KeyValue::new(
        semconv::HTTP_RESPONSE_STATUS_CODE,
        i64::from(status.as_u16()),
    ));
    if let Some(version) = semconv::http_version(response.version()) {
        span.set_attribute(KeyValue::new(semconv::NETWORK_PROTOCOL_VERSION, version));
    }
    if status.is_client_error() || status.is_server_error() {
        // Only on the error path: the conventions want the code as a string.
        span.set_attribute(KeyValue::new(
            semconv::ERROR_TYPE,
            status.as_str().to_owned(),
        ));
        span.set_status(Status::error(""));
    }
    span.end();
}

/// Ends the span of a send that failed.
fn finish_error(cx: &Context, error_type: &'static str, error: &dyn std::fmt::Display) {
    let span = cx.span();
    span.set_attribute(KeyValue::new(semconv::ERROR_TYPE, error_type));
    span.set_status(Status::error(error.to_string()));
    span.end();
}

/// Ends the span of a send reqwest failed, and gives the error back unchanged.
///
/// reqwest's `Display` appends ` for url (...)` with the raw query and userinfo, which
/// `url.full` redacts: the description is written from the error without its URL.
fn finish_reqwest_error(cx: &Context, error: reqwest::Error) -> reqwest::Error {
    let url = error.url().cloned();
    let error = error.without_url();
    finish_error(cx, reqwest_error_type(&error), &error);
    match url {
        Some(url) => error.with_url(url),
        None => error,
    }
}

/// The `error.type` of a reqwest error: what the io error says when there is one, else the kind
/// reqwest reports.
fn reqwest_error_type(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        return "timeout";
    }
    if let Some(kind) = io_error_type(error) {
        return kind;
    }
    if error.is_connect() {
        "connect"
    } else if error.is_redirect() {
        "redirect"
    } else if error.is_body() {
        "body"
    } else if error.is_decode() {
        "decode"
    } else if error.is_request() {
        "request"
    } else if error.is_builder() {
        "builder"
    } else {
        semconv::OTHER
    }
}

impl reqwest_middleware::Middleware for TraceMiddleware {
    fn handle<'life0, 'life1, 'life2, 'async_trait>(
        &'life0 self,
        mut request: reqwest::Request,
        extensions: &'life1 mut Extensions,
        next: reqwest_middleware::Next<'life2>,
    ) -> Pin<
        Box<
            dyn Future<Output = reqwest_middleware::Result<reqwest::Response>>
                + Send
                + 'async_trait,
        >,
    >
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let cx = self.start(&mut request, extensions);
            let result = next.run(request, extensions).with_context(cx.clone()).await;
            match result {
                Ok(response) => {
                    finish_response(&cx, &response);
                    Ok(response)
                }
                Err(reqwest_middleware::Error::Reqwest(error)) => Err(
                    reqwest_middleware::Error::Reqwest(finish_reqwest_error(&cx, error)),
                ),
                Err(error @ reqwest_middleware::Error::Middleware(_)) => {
                    // Another middleware's message may quote the URL: a fixed description.
                    finish_error(&cx, "middleware", &"middleware error");
                    Err(error)
                }
            }
        })
    }
}

/// Tracing for a plain `reqwest::RequestBuilder`, without reqwest-middleware.
///
/// # Examples
///
/// ```no_run
/// # async fn run() -> reqwest::Result<()> {
/// use baton_interceptors::reqwest::RequestBuilderExt;
///
/// let response = reqwest::Client::new().get("http://orders.internal/health").send_traced().await?;
/// # drop(response); Ok(()) }
/// ```
pub trait RequestBuilderExt: Sized {
    /// Sends the request with a client span, using a [`TraceMiddleware::new()`] built at the
    /// first call in the process (the global tracer and the default propagator, Baton's
    /// process-wide one or `baton_propagation::from_env()`, as they are then).
    fn send_traced(self) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send;

    /// The request, to be sent with a client span by `middleware`'s configuration; request
    /// extensions ([`UrlTemplate`], [`NoPropagation`]) are added to it with
    /// [`TracedRequest::with_extension`].
    fn traced(self, middleware: &TraceMiddleware) -> TracedRequest;
}

impl RequestBuilderExt for reqwest::RequestBuilder {
    fn send_traced(self) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send {
        static DEFAULT: OnceLock<TraceMiddleware> = OnceLock::new();
        self.traced(DEFAULT.get_or_init(TraceMiddleware::new))
            .send()
    }

    fn traced(self, middleware: &TraceMiddleware) -> TracedRequest {
        TracedRequest {
            builder: self,
            middleware: middleware.clone(),
            extensions: Extensions::new(),
        }
    }
}

/// A plain reqwest request that [`TracedRequest::send`] sends with a client span; made by
/// [`RequestBuilderExt::traced`].
///
/// # Examples
///
/// ```
/// use baton_interceptors::egress::NoPropagation;
/// use baton_interceptors::reqwest::{RequestBuilderExt, TraceMiddleware, UrlTemplate};
///
/// let request = reqwest::Client::new()
///     .get("http://localhost/users/1")
///     .traced(&TraceMiddleware::new())
///     .with_extension(UrlTemplate::new("/users/{id}"))
///     .with_extension(NoPropagation);
/// # drop(request);
/// ```
#[derive(Debug)]
pub struct TracedRequest {
    builder: reqwest::RequestBuilder,
    middleware: TraceMiddleware,
    extensions: Extensions,
}

impl TracedRequest {
    /// Adds a request extension that the tracing reads ([`UrlTemplate`], [`NoPropagation`]),
    /// as `reqwest_middleware::RequestBuilder::with_extension` does.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::reqwest::{RequestBuilderExt, TraceMiddleware, UrlTemplate};
    ///
    /// let request = reqwest::Client::new().get("http://localhost/").traced(&TraceMiddleware::new());
    /// let request = request.with_extension(UrlTemplate::new("/"));
    /// # drop(request);
    /// ```
    pub fn with_extension<T: Clone + Send + Sync + 'static>(mut self, extension: T) -> Self {
        self.extensions.insert(extension);
        self
    }

    /// Builds and sends the request inside its client span.
    ///
    /// # Errors
    ///
    /// What `reqwest::RequestBuilder::send` returns; a request that cannot be built is returned
    /// before any span starts.
    pub async fn send(self) -> reqwest::Result<reqwest::Response> {
        let Self {
            builder,
            middleware,
            mut extensions,
        } = self;
        let (client, request) = builder.build_split();
        let mut request = request?;
        let cx = middleware.start(&mut request, &mut extensions);
        let result = client.execute(request).with_context(cx.clone()).await;
        match result {
            Ok(response) => {
                finish_response(&cx, &response);
                Ok(response)
            }
            Err(error) => Err(finish_reqwest_error(&cx, error)),
        }
    }
}

/// A serialised absolute URL with credentials replaced by `REDACTED:REDACTED` and the values of
/// signed-URL query keys by `REDACTED`; borrowed when there is nothing to redact.
fn redacted_url(url: &str) -> Cow<'_, str> {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let after_authority = url[authority_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| authority_start + i);
    let credentials = url[authority_start..after_authority]
        .rfind('@')
        .map(|at| authority_start + at);
    let query = url[after_authority..].find('?').map(|q| {
        let start = after_authority + q + 1;
        let end = url[start..].find('#').map_or(url.len(), |i| start + i);
        (start, end)
    });
    let query = query.and_then(
        |(start, end)| match semconv::redacted_query(&url[start..end]) {
            Cow::Owned(redacted) => Some((start, end, redacted)),
            Cow::Borrowed(_) => None,
        },
    );
    if credentials.is_none() && query.is_none() {
        return Cow::Borrowed(url);
    }

    let mut out = String::with_capacity(url.len() + 16);
    match credentials {
        Some(at) => {
            out.push_str(&url[..authority_start]);
            out.push_str("REDACTED:REDACTED");
            out.push_str(&url[at..after_authority]);
        }
        None => out.push_str(&url[..after_authority]),
    }
    match query {
        Some((start, end, redacted)) => {
            out.push_str(&url[after_authority..start]);
            out.push_str(&redacted);
            out.push_str(&url[end..]);
        }
        None => out.push_str(&url[after_authority..]),
    }
    Cow::Owned(out)
}

/// An IPv6 host without the brackets the URL writes it in, as `server.address` wants it.
fn unbracketed(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|host| host.strip_suffix(']'))
        .unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_without_secrets_are_borrowed() {
        for url in [
            "http://example.com/",
            "https://example.com:8443/a/b?x=1&signature=lowercase#sig=frag",
            "http://[::1]:80/p?Signatures=1",
        ] {
            assert!(matches!(redacted_url(url), Cow::Borrowed(same) if same == url));
        }
    }

    #[test]
    fn credentials_and_signed_query_values_are_redacted() {
        let cases = [
            (
                "https://user:pass@example.com/p",
                "https://REDACTED:REDACTED@example.com/p",
            ),
            (
                "https://user@example.com/",
                "https://REDACTED:REDACTED@example.com/",
            ),
            (
                "https://h/p?a=1&sig=abc&X-Amz-Signature=def#f",
                "https://h/p?a=1&sig=REDACTED&X-Amz-Signature=REDACTED#f",
            ),
            (
                "https://u:p@h?AWSAccessKeyId=k&Signature=s",
                "https://REDACTED:REDACTED@h?AWSAccessKeyId=REDACTED&Signature=REDACTED",
            ),
            (
                "https://h/?X-Goog-Signature=1&X-Amz-Credential=2&X-Amz-Security-Token=3&sig",
                "https://h/?X-Goog-Signature=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED&sig",
            ),
        ];
        for (url, expected) in cases {
            assert_eq!(redacted_url(url), expected, "{url}");
        }
    }
}
