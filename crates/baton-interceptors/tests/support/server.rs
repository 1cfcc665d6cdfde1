//! Helpers for the server-side tests: a tracer provider whose finished spans can be awaited,
//! and real servers on 127.0.0.1 ephemeral ports.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{Context, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    InMemorySpanExporter, Sampler, SdkTracer, SdkTracerProvider, SimpleSpanProcessor, Span,
    SpanData, SpanProcessor,
};
use tokio::sync::watch;

/// Finished spans, exported in memory, with a way to wait for them.
pub struct Spans {
    pub provider: SdkTracerProvider,
    pub exporter: InMemorySpanExporter,
    ended: watch::Receiver<usize>,
}

/// Counts ended spans after the exporter has them (registered after it).
#[derive(Debug)]
struct Signal(watch::Sender<usize>);

impl SpanProcessor for Signal {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, _span: SpanData) {
        self.0.send_modify(|count| *count += 1);
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

impl Spans {
    pub fn new() -> Self {
        Self::with_sampler(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)))
    }

    pub fn with_sampler(sampler: impl opentelemetry_sdk::trace::ShouldSample + 'static) -> Self {
        let exporter = InMemorySpanExporter::default();
        let (sender, ended) = watch::channel(0);
        let provider = SdkTracerProvider::builder()
            .with_sampler(sampler)
            .with_span_processor(SimpleSpanProcessor::new(exporter.clone()))
            .with_span_processor(Signal(sender))
            .build();
        Self {
            provider,
            exporter,
            ended,
        }
    }

    pub fn tracer(&self) -> SdkTracer {
        self.provider.tracer("server-test")
    }

    /// Waits until `count` spans have ended (10 s turn a hang into a failure), and returns
    /// every finished span.
    pub async fn wait_for(&self, count: usize) -> Vec<SpanData> {
        let mut ended = self.ended.clone();
        tokio::time::timeout(Duration::from_secs(10), ended.wait_for(|n| *n >= count))
            .await
            .unwrap_or_else(|_| panic!("fewer than {count} spans ended"))
            .unwrap();
        self.exporter.get_finished_spans().unwrap()
    }

    /// Every span finished so far.
    pub fn finished(&self) -> Vec<SpanData> {
        self.exporter.get_finished_spans().unwrap()
    }
}

/// The value of attribute `key` of `span`.
pub fn attr(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

/// A string value, for comparing.
pub fn s(text: &str) -> Option<Value> {
    Some(Value::String(text.to_owned().into()))
}

/// An integer value, for comparing.
pub fn i(value: i64) -> Option<Value> {
    Some(Value::I64(value))
}

/// Serves `app` on 127.0.0.1 (port 0) with the peer address in `ConnectInfo`.
pub async fn serve_axum(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    address
}

/// The hex text of the trace id of the current context.
pub fn current_trace_id() -> String {
    use opentelemetry::trace::TraceContextExt as _;
    Context::map_current(|cx| cx.span().span_context().trace_id().to_string())
}

/// GETs `path` with `headers` and returns the body of the 200 response.
pub async fn get_text(address: SocketAddr, path: &str, headers: &[(&str, &str)]) -> String {
    let mut request = reqwest::Client::new().get(format!("http://{address}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.text().await.unwrap()
}
