//! What both server layers do for a request: decide trust, extract, start the server span with
//! the right flags, bind the request id, and end the span when the response ends.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;

use baton_propagation::{Carrier, Lines, Propagator, SamplingState, TraceParent};
use opentelemetry::global::{BoxedSpan, BoxedTracer};
use opentelemetry::trace::{
    Link, Span, SpanBuilder, SpanContext, SpanKind, Status, TraceContextExt, TraceState, Tracer,
};
use opentelemetry::{Context, KeyValue};

use crate::body::{BodyEnd, BodyObserver};
use crate::request_id::{self, REQUEST_ID, RequestId};
use crate::semconv;
use crate::trust::{ProxyRange, RequestView, Trust, TrustPolicy};

/// What a layer reads once and shares with every request (behind one `Arc`; the parts are
/// shared too, so a layer changed after a clone copies pointers, not tracers).
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) tracer: Arc<BoxedTracer>,
    pub(crate) propagator: Arc<dyn Propagator + Send + Sync>,
    pub(crate) trust: Arc<dyn TrustPolicy>,
    pub(crate) proxies: Arc<[ProxyRange]>,
    pub(crate) random_trace_ids: bool,
}

/// A request's span, described before it starts (so samplers see the attributes).
pub(crate) struct Described {
    pub(crate) name: Cow<'static, str>,
    pub(crate) attributes: Vec<KeyValue>,
}

/// A started request: the handler's context and what the response needs.
pub(crate) struct Started {
    pub(crate) cx: Context,
    pub(crate) echo: http::HeaderValue,
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) id: RequestId,
}

/// The peer address the server put in the request's extensions.
pub(crate) fn peer(extensions: &http::Extensions) -> Option<SocketAddr> {
    #[cfg(feature = "axum")]
    if let Some(axum::extract::ConnectInfo(addr)) =
        extensions.get::<axum::extract::ConnectInfo<SocketAddr>>()
    {
        return Some(*addr);
    }
    #[cfg(feature = "tonic")]
    if let Some(info) = extensions.get::<tonic::transport::server::TcpConnectInfo>() {
        return info.remote_addr();
    }
    let _ = extensions;
    None
}

/// Starts the server span of a request described by `describe` and returns the context the
/// handler runs in.
pub(crate) fn start<B>(
    config: &Config,
    request: &http::Request<B>,
    peer: Option<SocketAddr>,
    describe: impl FnOnce() -> Described,
) -> Started {
    let headers = request.headers();
    let view = RequestView::new(request.uri().path(), headers, peer, request.extensions());
    let trust = config.trust.decide(&view);
    let inbound = match trust {
        Trust::Ignore => Context::new(),
        Trust::Trust => config.propagator.extract_from(&Context::new(), headers),
        _ => config
            .propagator
            .extract_from(&Context::new(), &Untrusted(headers)),
    };
    let remote = inbound.span().span_context().clone();

    let Described { name, attributes } = describe();
    let mut builder = SpanBuilder::from_name(name)
        .with_kind(SpanKind::Server)
        .with_attributes(attributes);
    let parent = match trust {
        Trust::Trust => inbound,
        Trust::IdsOnly if remote.is_valid() => {
            // Our own decision: the sampler is not shown the caller's sampled flag, nor its
            // trace state; the random flag still describes the trace id.
            let flags = remote.trace_flags() & TraceParent::RANDOM;
            let ids = SpanContext::new(
                remote.trace_id(),
                remote.span_id(),
                flags,
                true,
                TraceState::NONE,
            );
            Context::new().with_remote_span_context(ids)
        }
        Trust::Link if remote.is_valid() => {
            builder = builder.with_links(vec![Link::with_context(remote)]);
            Context::new()
        }
        _ => Context::new(),
    };

    let span = config.tracer.build_with_context(builder, &parent);
    let mut cx = with_flags_kept(&parent, span, config.random_trace_ids);
    if trust == Trust::Trust
        && !parent.span().span_context().is_valid()
        && SamplingState::from_context(&parent) == Some(SamplingState::Debug)
    {
        // A debug flag that came without a trace (`jaeger-debug-id`, `b3: d`) is ours to
        // honour for the trace we just started.
        cx = SamplingState::Debug.to_context(&cx);
    }
    let (id, echo) = request_id::from_headers(headers);
    let echo = echo.unwrap_or_else(|| {
        http::HeaderValue::from_str(id.as_ref()).unwrap_or(http::HeaderValue::from_static(""))
    });
    Started {
        cx: REQUEST_ID.bind(&cx, id.clone()),
        echo,
        id,
    }
}

/// `parent` with `span` current, its W3C random flag what it should be: the parent's when
/// there is one, else whether the tracer makes random trace ids.
///
/// opentelemetry_sdk gives a dropped span the flags `00` (losing the parent's random flag),
/// and a new root the flags of no parent (never random, though its ids are). A dropped span
/// has nothing to record, so its context is rebuilt; a recording root keeps its span (which
/// exports the SDK's flags) behind a span context with the flag, which its children and
/// outbound headers inherit.
fn with_flags_kept(parent: &Context, span: BoxedSpan, random_trace_ids: bool) -> Context {
    let sc = span.span_context();
    let parent_sc = parent.span().span_context().clone();
    let random = match parent_sc.is_valid() {
        true => parent_sc.trace_flags() & TraceParent::RANDOM == TraceParent::RANDOM,
        false => random_trace_ids,
    };
    let has_random = sc.trace_flags() & TraceParent::RANDOM == TraceParent::RANDOM;
    if !sc.is_valid() || has_random == random {
        return parent.with_span(span);
    }
    let flags = match random {
        true => sc.trace_flags() | TraceParent::RANDOM,
        false => sc.trace_flags() & !TraceParent::RANDOM,
    };
    let fixed = SpanContext::new(
        sc.trace_id(),
        sc.span_id(),
        flags,
        false,
        sc.trace_state().clone(),
    );
    match span.is_recording() {
        true => parent.with_span(Flagged {
            inner: span,
            sc: fixed,
        }),
        false => parent.with_remote_span_context(fixed),
    }
}

/// A recording span shown with other flags (see [`with_flags_kept`]).
struct Flagged {
    inner: BoxedSpan,
    sc: SpanContext,
}

impl Span for Flagged {
    fn add_event_with_timestamp<T>(
        &mut self,
        name: T,
        timestamp: std::time::SystemTime,
        attributes: Vec<KeyValue>,
    ) where
        T: Into<Cow<'static, str>>,
    {
        self.inner
            .add_event_with_timestamp(name, timestamp, attributes);
    }

    fn span_context(&self) -> &SpanContext {
        &self.sc
    }

    fn is_recording(&self) -> bool {
        self.inner.is_recording()
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        self.inner.set_attribute(attribute);
    }

    fn set_status(&mut self, status: Status) {
        self.inner.set_status(status);
    }

    fn update_name<T>(&mut self, new_name: T)
    where
        T: Into<Cow<'static, str>>,
    {
        self.inner.update_name(new_name);
    }

    fn add_link(&mut self, span_context: SpanContext, attributes: Vec<KeyValue>) {
        self.inner.add_link(span_context, attributes);
    }

    fn end_with_timestamp(&mut self, timestamp: std::time::SystemTime) {
        self.inner.end_with_timestamp(timestamp);
    }
}

/// The headers of an untrusted request as propagators see them: without baggage (W3C, Jaeger
/// `uberctx-`, OpenTracing `ot-baggage-`) and without the headers that only force sampling
/// (`jaeger-debug-id`, `x-b3-flags`).
struct Untrusted<'a>(&'a http::HeaderMap);

const HIDDEN: [&str; 3] = ["baggage", "jaeger-debug-id", "x-b3-flags"];
const HIDDEN_PREFIXES: [&str; 2] = ["uberctx-", "ot-baggage-"];

impl Untrusted<'_> {
    fn hides(name: &str) -> bool {
        HIDDEN
            .iter()
            .any(|hidden| name.eq_ignore_ascii_case(hidden))
            || HIDDEN_PREFIXES.iter().any(|prefix| {
                name.get(..prefix.len())
                    .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
            })
    }
}

impl Carrier for Untrusted<'_> {
    fn lines(&self, name: &str) -> Lines<'_> {
        match Self::hides(name) {
            true => Lines::None,
            false => self.0.lines(name),
        }
    }

    fn keys(&self) -> Vec<&str> {
        let mut keys = Carrier::keys(self.0);
        keys.retain(|key| !Self::hides(key));
        keys
    }

    fn first(&self, name: &str) -> Option<&str> {
        match Self::hides(name) {
            true => None,
            false => self.0.first(name),
        }
    }

    fn has_key_with_prefix(&self, prefix: &str) -> bool {
        // Asked for a hidden prefix, the answer is no without listing the keys.
        if Self::hides(prefix) {
            return false;
        }
        self.keys().into_iter().any(|key| {
            key.len() >= prefix.len() && key[..prefix.len()].eq_ignore_ascii_case(prefix)
        })
    }
}

/// Ends a server span when its response ends, with its status.
pub(crate) struct Ending {
    pub(crate) cx: Context,
    grpc: Option<Grpc>,
    #[cfg(feature = "tracing")]
    tracing: tracing::Span,
}

/// What a gRPC response has said so far.
#[derive(Default)]
struct Grpc {
    code: Option<i32>,
}

impl Ending {
    pub(crate) fn new(cx: Context, grpc: bool) -> Self {
        Self {
            cx,
            grpc: grpc.then(Grpc::default),
            #[cfg(feature = "tracing")]
            tracing: tracing::Span::none(),
        }
    }

    /// Keeps the handler's `tracing` span open until the response ends.
    #[cfg(feature = "tracing")]
    pub(crate) fn with_tracing(self, tracing: tracing::Span) -> Self {
        Self { tracing, ..self }
    }

    /// The handler's `tracing` span, for the response body to enter.
    #[cfg(feature = "tracing")]
    pub(crate) fn tracing_span(&self) -> tracing::Span {
        self.tracing.clone()
    }

    /// Records what the response head says.
    pub(crate) fn head(&mut self, status: http::StatusCode, headers: &http::HeaderMap) {
        let span = self.cx.span();
        match &mut self.grpc {
            None => {
                span.set_attribute(KeyValue::new(
                    semconv::HTTP_RESPONSE_STATUS_CODE,
                    i64::from(status.as_u16()),
                ));
                if status.is_server_error() {
                    span.set_attribute(KeyValue::new(semconv::ERROR_TYPE, status_text(status)));
                    span.set_status(Status::error(""));
                }
            }
            Some(grpc) => {
                // A trailers-only response (a handler's error) carries the status here.
                grpc.code = grpc_status(headers);
                if status != http::StatusCode::OK {
                    span.set_attribute(KeyValue::new(semconv::ERROR_TYPE, status_text(status)));
                    span.set_status(Status::error(""));
                }
            }
        }
    }

    /// Records that the inner service failed (no response at all).
    pub(crate) fn failed(self, kind: &'static str) {
        let span = self.cx.span();
        span.set_attribute(KeyValue::new(semconv::ERROR_TYPE, kind));
        span.set_status(Status::error(""));
        span.end();
    }

    /// Ends the span when the response never came (the request was dropped: the client went
    /// away), without judging it.
    pub(crate) fn abandoned(self) {
        self.cx.span().end();
    }
}

/// The status code as text (`"503"`): copied, on the error path only.
fn status_text(status: http::StatusCode) -> opentelemetry::Value {
    opentelemetry::Value::from(status.as_str().to_owned())
}

fn grpc_status(headers: &http::HeaderMap) -> Option<i32> {
    headers
        .get("grpc-status")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
}

impl BodyObserver for Ending {
    fn trailers(&mut self, trailers: &http::HeaderMap) {
        if let Some(grpc) = &mut self.grpc
            && let Some(code) = grpc_status(trailers)
        {
            grpc.code = Some(code);
        }
    }

    fn end(self, end: BodyEnd<'_>) {
        let span = self.cx.span();
        let mut failed = false;
        if let Some(Grpc { code: Some(code) }) = self.grpc {
            let name = semconv::grpc_code_name(code);
            span.set_attribute(KeyValue::new(semconv::RPC_RESPONSE_STATUS_CODE, name));
            if semconv::rpc_dup() {
                span.set_attribute(KeyValue::new(
                    semconv::RPC_GRPC_STATUS_CODE_OLD,
                    i64::from(code),
                ));
            }
            if semconv::grpc_server_error(code) {
                span.set_attribute(KeyValue::new(semconv::ERROR_TYPE, name));
                failed = true;
            }
        }
        // A body that failed mid-stream says why; a status code already said it otherwise.
        let mut description = String::new();
        if let BodyEnd::Error { kind, error } = end
            && !failed
        {
            span.set_attribute(KeyValue::new(semconv::ERROR_TYPE, kind));
            description = error.to_string();
            failed = true;
        }
        if failed {
            span.set_status(Status::error(description));
        }
        span.end();
        #[cfg(feature = "tracing")]
        drop(self.tracing);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_headers_hide_baggage_and_debug_only() {
        let mut headers = http::HeaderMap::new();
        for (name, value) in [
            ("baggage", "a=1"),
            ("uberctx-user", "ann"),
            ("ot-baggage-x", "1"),
            ("jaeger-debug-id", "x"),
            ("x-b3-flags", "1"),
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        let untrusted = Untrusted(&headers);
        assert_eq!(Carrier::keys(&untrusted), ["traceparent"]);
        assert_eq!(untrusted.lines("baggage"), Lines::None);
        assert_eq!(untrusted.first("jaeger-debug-id"), None);
        assert!(!untrusted.has_key_with_prefix("uberctx-"));
        assert!(untrusted.has_key_with_prefix("trace"));
        assert!(untrusted.first("traceparent").is_some());
    }
}
