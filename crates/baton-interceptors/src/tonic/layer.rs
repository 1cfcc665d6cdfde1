//! [`ClientLayer`]: a tower layer for a tonic `Channel` recording a client span per call.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, ready};

use http_body::{Body, Frame, SizeHint};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue, StringValue};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use baton_propagation::HeaderInjector;

use crate::body::{BodyEnd, BodyObserver, ObservedBody};
use crate::egress::{Egress, EgressPolicy, NoPropagation};
use crate::outbound::{Outbound, io_error_type};
use crate::semconv;

/// The error of a [`ClientService`]: the channel's, boxed as tonic's clients take it.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A tower [`Layer`] for a tonic `Channel` that records a client span per call and injects the
/// context with that span as the parent.
///
/// The span (kind `Client`) is named `package.Service/Method` and carries `rpc.system.name`
/// (`grpc`), `rpc.method`, `server.address` and `server.port` (from the target), and, when the
/// call ends, `rpc.response.status_code` (`"OK"`, `"NOT_FOUND"`, ...) read from `grpc-status`
/// in the response headers or trailers. Every code but `OK` is an error with `error.type` the
/// code's name; a failure to reach the server is an error with a low-cardinality `error.type`
/// (`connection_refused`, `transport`). The span ends when the response stream ends, so a
/// streaming call is one span; a stream the caller drops early ends it with no error. With
/// `OTEL_SEMCONV_STABILITY_OPT_IN=rpc/dup` the span also carries the names the conventions
/// replaced (see [`semconv`](crate::semconv)).
///
/// tonic hands the channel requests whose URI is only the method's path, so the layer learns
/// the server's address from [`ClientLayer::with_target`] (or from the request URI when a
/// client was built `with_origin`).
///
/// # Examples
///
/// ```
/// use baton_interceptors::egress::{Egress, EgressPolicy};
/// use baton_interceptors::tonic::ClientLayer;
///
/// let layer = ClientLayer::new()
///     .with_target(http::Uri::from_static("http://inventory.internal:50051"))
///     .with_egress(EgressPolicy::new(Egress::TraceOnly));
/// // With a channel: tower::ServiceBuilder::new().layer(layer).service(channel)
/// # drop(layer);
/// ```
#[derive(Clone, Debug)]
pub struct ClientLayer {
    shared: Arc<Shared>,
}

/// What every call of a layer's services reads.
#[derive(Clone, Debug)]
struct Shared {
    outbound: Outbound,
    target: Option<Target>,
    dup: bool,
}

/// The channel's target: its attributes built once, and the egress rule it matches.
#[derive(Clone, Debug)]
struct Target {
    address: StringValue,
    port: Option<u16>,
    egress: Egress,
    uri: http::Uri,
}

impl Default for ClientLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientLayer {
    /// A layer with the global tracer provider's tracer and the propagator
    /// [`baton_propagation::global::set`] installed (as `baton::init` does), else
    /// `baton_propagation::from_env()`, both read now and kept, sending everything.
    ///
    /// # Examples
    ///
    /// ```
    /// let layer = baton_interceptors::tonic::ClientLayer::new();
    /// # drop(layer);
    /// ```
    pub fn new() -> Self {
        Self {
            shared: Arc::new(Shared {
                outbound: Outbound::from_globals(),
                target: None,
                dup: semconv::rpc_dup(),
            }),
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
    /// let layer = baton_interceptors::tonic::ClientLayer::new().with_tracer(provider.tracer("svc"));
    /// # drop(layer);
    /// ```
    pub fn with_tracer<T>(mut self, tracer: T) -> Self
    where
        T: Tracer + Send + Sync + 'static,
        T::Span: Send + Sync + 'static,
    {
        Arc::make_mut(&mut self.shared).outbound.set_tracer(tracer);
        self
    }

    /// Injects with this propagator.
    ///
    /// # Examples
    ///
    /// ```
    /// let layer = baton_interceptors::tonic::ClientLayer::new()
    ///     .with_propagator(baton_propagation::TraceContextPropagator::new());
    /// # drop(layer);
    /// ```
    pub fn with_propagator<P>(mut self, propagator: P) -> Self
    where
        P: TextMapPropagator + Send + Sync + 'static,
    {
        Arc::make_mut(&mut self.shared)
            .outbound
            .set_propagator(propagator);
        self
    }

    /// Decides what each call carries by its destination (see [`crate::egress`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::egress::{Egress, EgressPolicy};
    ///
    /// let layer = baton_interceptors::tonic::ClientLayer::new()
    ///     .with_egress(EgressPolicy::new(Egress::Nothing).destination("*.internal", Egress::All));
    /// # drop(layer);
    /// ```
    pub fn with_egress(mut self, policy: EgressPolicy) -> Self {
        let shared = Arc::make_mut(&mut self.shared);
        shared.outbound.set_egress(policy);
        if let Some(target) = shared.target.take() {
            shared.target = Some(Target::new(target.uri, &shared.outbound.egress));
        }
        self
    }

    /// The address the channel connects to (`http://host:port`): `server.address`,
    /// `server.port` and the egress rule of every call, resolved once here.
    ///
    /// # Examples
    ///
    /// ```
    /// let layer = baton_interceptors::tonic::ClientLayer::new()
    ///     .with_target(http::Uri::from_static("http://127.0.0.1:50051"));
    /// # drop(layer);
    /// ```
    pub fn with_target(mut self, target: http::Uri) -> Self {
        let shared = Arc::make_mut(&mut self.shared);
        shared.target = Some(Target::new(target, &shared.outbound.egress));
        self
    }
}

impl Target {
    fn new(uri: http::Uri, policy: &EgressPolicy) -> Self {
        let host = uri.host().unwrap_or_default();
        let port = port_of(&uri);
        Self {
            address: StringValue::from(unbracketed(host).to_owned()),
            port,
            egress: policy.egress_for(uri.scheme_str(), host, port),
            uri,
        }
    }
}

/// A URI's port, or its scheme's default.
pub(super) fn port_of(uri: &http::Uri) -> Option<u16> {
    uri.port_u16().or(match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    })
}

fn unbracketed(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|host| host.strip_suffix(']'))
        .unwrap_or(host)
}

impl<S> Layer<S> for ClientLayer {
    type Service = ClientService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ClientService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service [`ClientLayer`] wraps around a channel.
#[derive(Clone, Debug)]
pub struct ClientService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for ClientService<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Error: Into<BoxError>,
    ResBody: Body,
    ResBody::Error: fmt::Display,
{
    type Response = http::Response<ResponseBody<ResBody>>;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        let shared = &*self.shared;
        let uri = request.uri();
        let (method, _) = rpc_method(uri.path());
        let mut attributes = rpc_call_attributes(uri.path(), shared.dup);
        let egress = match (&shared.target, uri.host()) {
            // A client built `with_origin` names the server in every request.
            (_, Some(host)) => {
                let port = port_of(uri);
                attributes.push(KeyValue::new(
                    semconv::SERVER_ADDRESS,
                    unbracketed(host).to_owned(),
                ));
                attributes
                    .extend(port.map(|port| KeyValue::new(semconv::SERVER_PORT, i64::from(port))));
                shared
                    .outbound
                    .egress
                    .egress_for(uri.scheme_str(), host, port)
            }
            (Some(target), None) => {
                attributes.push(KeyValue::new(
                    semconv::SERVER_ADDRESS,
                    target.address.clone(),
                ));
                attributes.extend(
                    target
                        .port
                        .map(|port| KeyValue::new(semconv::SERVER_PORT, i64::from(port))),
                );
                target.egress
            }
            (None, None) => shared.outbound.egress.default_egress(),
        };
        let egress = if request.extensions().get::<NoPropagation>().is_some() {
            Egress::Nothing
        } else {
            egress
        };

        let name = if method == semconv::OTHER {
            "grpc".into()
        } else {
            method.to_owned().into()
        };
        let parent = Context::current();
        let tracer = &shared.outbound.tracer;
        let span = tracer.build_with_context(
            tracer
                .span_builder::<std::borrow::Cow<'static, str>>(name)
                .with_kind(SpanKind::Client)
                .with_attributes(attributes),
            &parent,
        );
        let cx = parent.with_span(span);
        shared
            .outbound
            .inject(egress, &cx, &mut HeaderInjector(request.headers_mut()));
        crate::outbound::forward_request_id(egress, &cx, request.headers_mut());

        let inner = {
            let _attached = cx.clone().attach();
            self.inner.call(request)
        };
        ResponseFuture {
            inner,
            call: Some(CallEnd {
                cx,
                status: None,
                dup: shared.dup,
            }),
        }
    }
}

/// `rpc.method` and the service part of it from a request path (`/pkg.Service/Method`, or the
/// last two segments of a longer one): `(_OTHER, "")` for a path that names no method.
fn rpc_method(path: &str) -> (&str, &str) {
    let Some((rest, method)) = path.rsplit_once('/') else {
        return (semconv::OTHER, "");
    };
    let service = rest.rsplit('/').next().unwrap_or(rest);
    if service.is_empty() || method.is_empty() {
        return (semconv::OTHER, "");
    }
    let start = path.len() - method.len() - 1 - service.len();
    (&path[start..], service)
}

/// The attributes a call's span starts with, from the request path: `rpc.system.name` and
/// `rpc.method` (with `rpc.method_original` when the method is `_OTHER`), and with `dup` the old
/// `rpc.system` and `rpc.service`. Room is left for `server.address` and `server.port`.
fn rpc_call_attributes(path: &str, dup: bool) -> Vec<KeyValue> {
    let (method, service) = rpc_method(path);
    let mut attributes = Vec::with_capacity(if dup { 6 } else { 4 });
    attributes.push(KeyValue::new(semconv::RPC_SYSTEM_NAME, "grpc"));
    if method == semconv::OTHER {
        attributes.push(KeyValue::new(semconv::RPC_METHOD, semconv::OTHER));
        attributes.push(KeyValue::new(
            semconv::RPC_METHOD_ORIGINAL,
            path.trim_start_matches('/').to_owned(),
        ));
    } else {
        attributes.push(KeyValue::new(semconv::RPC_METHOD, method.to_owned()));
    }
    if dup {
        attributes.push(KeyValue::new(semconv::RPC_SYSTEM_OLD, "grpc"));
        if !service.is_empty() {
            attributes.push(KeyValue::new(semconv::RPC_SERVICE_OLD, service.to_owned()));
        }
    }
    attributes
}

/// The attributes of a call's final status: `rpc.response.status_code` and, with `dup`, the
/// integer `rpc.grpc.status_code`.
fn rpc_status_attributes(code: i32, dup: bool) -> impl Iterator<Item = KeyValue> {
    let name = semconv::grpc_code_name(code);
    std::iter::once(KeyValue::new(semconv::RPC_RESPONSE_STATUS_CODE, name))
        .chain(dup.then(|| KeyValue::new(semconv::RPC_GRPC_STATUS_CODE_OLD, i64::from(code))))
}

/// A `grpc-status` value: ASCII digits only.
fn grpc_status(headers: &http::HeaderMap) -> Option<i32> {
    let value = headers.get("grpc-status")?.as_bytes();
    if value.is_empty() || value.len() > 3 || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// A call whose span is still open, ended by its response body.
struct CallEnd {
    cx: Context,
    status: Option<i32>,
    dup: bool,
}

impl CallEnd {
    fn record_status(&self, code: i32) {
        let span = self.cx.span();
        for attribute in rpc_status_attributes(code, self.dup) {
            span.set_attribute(attribute);
        }
        if code != 0 {
            span.set_attribute(KeyValue::new(
                semconv::ERROR_TYPE,
                semconv::grpc_code_name(code),
            ));
            span.set_status(Status::error(""));
        }
    }

    fn fail(self, error_type: &'static str, error: &dyn fmt::Display) {
        let span = self.cx.span();
        span.set_attribute(KeyValue::new(semconv::ERROR_TYPE, error_type));
        span.set_status(Status::error(error.to_string()));
        span.end();
    }
}

impl BodyObserver for CallEnd {
    fn trailers(&mut self, trailers: &http::HeaderMap) {
        if self.status.is_none() {
            self.status = grpc_status(trailers);
        }
    }

    fn end(self, end: BodyEnd<'_>) {
        match (end, self.status) {
            (BodyEnd::Error { kind, error }, _) => self.fail(kind, error),
            (BodyEnd::Complete, None) => {
                self.fail(semconv::OTHER, &"the call ended without a grpc-status")
            }
            (BodyEnd::Complete | BodyEnd::Dropped, Some(code)) => {
                self.record_status(code);
                self.cx.span().end();
            }
            // The caller stopped reading before the status came: its choice, not an error.
            (BodyEnd::Dropped, None) => self.cx.span().end(),
        }
    }
}

pin_project! {
    /// The future of a [`ClientService`] call: the response with a body that ends the span.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        call: Option<CallEnd>,
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<http::Response<ResBody>, E>>,
    E: Into<BoxError>,
    ResBody: Body,
    ResBody::Error: fmt::Display,
{
    type Output = Result<http::Response<ResponseBody<ResBody>>, BoxError>;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = {
            let _attached = this.call.as_ref().map(|call| call.cx.clone().attach());
            ready!(this.inner.poll(task))
        };
        let Some(mut call) = this.call.take() else {
            panic!("ResponseFuture polled after it completed");
        };
        Poll::Ready(match result {
            Ok(response) => {
                // A trailers-only response (an error before any message) has its status here.
                call.status = grpc_status(response.headers());
                let (parts, body) = response.into_parts();
                let body = ObservedBody::new(body, call).end_if_empty();
                Ok(http::Response::from_parts(
                    parts,
                    ResponseBody { inner: body },
                ))
            }
            Err(error) => {
                let error = error.into();
                call.fail(io_error_type(&*error).unwrap_or("transport"), &error);
                Err(error)
            }
        })
    }
}

pin_project! {
    /// The response body of a [`ClientService`] call: the channel's body, unchanged, ending the
    /// call's span when it ends (or is dropped).
    pub struct ResponseBody<B> {
        #[pin]
        inner: ObservedBody<B, CallEnd>,
    }
}

impl<B> fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseBody")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<B> Body for ResponseBody<B>
where
    B: Body,
    B::Error: fmt::Display,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        self.project().inner.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_read_from_the_last_two_path_segments() {
        assert_eq!(
            rpc_method("/baton.test.v1.Echo/Unary"),
            ("baton.test.v1.Echo/Unary", "baton.test.v1.Echo")
        );
        assert_eq!(rpc_method("/prefix/pkg.S/M"), ("pkg.S/M", "pkg.S"));
        for path in ["/", "", "/pkg.S/", "//M", "nothing"] {
            assert_eq!(rpc_method(path), (semconv::OTHER, ""), "{path}");
        }
    }

    #[test]
    fn old_names_come_only_with_dup() {
        let new = [
            KeyValue::new("rpc.system.name", "grpc"),
            KeyValue::new("rpc.method", "pkg.S/M"),
        ];
        assert_eq!(rpc_call_attributes("/pkg.S/M", false), new);
        let dup = rpc_call_attributes("/pkg.S/M", true);
        assert_eq!(dup[..2], new);
        assert_eq!(
            dup[2..],
            [
                KeyValue::new("rpc.system", "grpc"),
                KeyValue::new("rpc.service", "pkg.S"),
            ]
        );
        assert_eq!(
            rpc_call_attributes("/nonsense", false),
            [
                KeyValue::new("rpc.system.name", "grpc"),
                KeyValue::new("rpc.method", "_OTHER"),
                KeyValue::new("rpc.method_original", "nonsense"),
            ]
        );

        let status: Vec<KeyValue> = rpc_status_attributes(5, false).collect();
        assert_eq!(
            status,
            [KeyValue::new("rpc.response.status_code", "NOT_FOUND")]
        );
        let status: Vec<KeyValue> = rpc_status_attributes(5, true).collect();
        assert_eq!(
            status,
            [
                KeyValue::new("rpc.response.status_code", "NOT_FOUND"),
                KeyValue::new("rpc.grpc.status_code", 5_i64),
            ]
        );
    }

    #[test]
    fn grpc_status_accepts_digits_only() {
        let mut headers = http::HeaderMap::new();
        for (value, expected) in [
            ("0", Some(0)),
            ("14", Some(14)),
            ("1a", None),
            ("", None),
            ("9999", None),
        ] {
            headers.insert("grpc-status", http::HeaderValue::from_static(value));
            assert_eq!(grpc_status(&headers), expected, "{value}");
        }
    }
}
