//! What the log correlation tests share: an in-memory sink, a tracer, and a "service" whose
//! requests log from several depths and from a spawned task.
#![allow(dead_code, unreachable_pub)] // each test binary uses part of it

use std::io;
use std::sync::{Arc, Mutex};

use baton_context::{Local, Snapshot};
use opentelemetry::Context;
use opentelemetry::trace::noop::NoopTracer;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceId, Tracer, TracerProvider};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use serde_json::Value;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::registry::LookupSpan;

pub static REQUEST_ID: Local<String> = Local::new("request_id");

/// Everything written through the subscriber, shared with the test.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    pub fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    pub fn json_lines(&self) -> Vec<serde_json::Map<String, Value>> {
        self.lines()
            .iter()
            .map(|line| match serde_json::from_str(line) {
                Ok(Value::Object(object)) => object,
                other => panic!("not a JSON object: {line} ({other:?})"),
            })
            .collect()
    }
}

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

pub fn tracer() -> SdkTracer {
    SdkTracerProvider::builder()
        .build()
        .tracer("log_correlation")
}

/// The uncoloured text layer the tests read, stamping [`REQUEST_ID`].
pub fn text_layer<S>(capture: &Capture) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    baton_log::correlate(
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(capture.clone()),
    )
    .with_local(&REQUEST_ID)
}

/// The JSON layer the tests read, stamping [`REQUEST_ID`].
pub fn json_layer<S>(capture: &Capture) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    baton_log::json_layer()
        .with_writer(capture.clone())
        .with_local(&REQUEST_ID)
}

/// The ids a request's log lines must carry.
#[derive(Clone, Debug, PartialEq)]
pub struct Expected {
    pub trace_id: String,
    pub span_id: String,
    pub request_id: String,
}

impl Expected {
    pub fn new(trace_id: TraceId, span_id: SpanId, request_id: &str) -> Self {
        Self {
            trace_id: trace_id.to_string(),
            span_id: span_id.to_string(),
            request_id: request_id.to_owned(),
        }
    }
}

/// A "middleware": starts an OpenTelemetry span, binds the request id once, and runs the
/// handler in that context.
pub async fn serve(tracer: &SdkTracer, request_id: &str) -> Expected {
    serve_in(&Context::current(), tracer, request_id).await
}

/// [`serve`] continuing the trace of `parent` (an extracted inbound context, say).
pub async fn serve_in(parent: &Context, tracer: &SdkTracer, request_id: &str) -> Expected {
    let span = tracer.start_with_context(format!("request {request_id}"), parent);
    let cx = REQUEST_ID.bind(&parent.with_span(span), request_id.to_owned());
    let sc = cx.span().span_context().clone();
    Snapshot::from(cx).run(handler()).await;
    Expected::new(sc.trace_id(), sc.span_id(), request_id)
}

/// Lines [`handler`] logs.
pub const LINES_PER_REQUEST: usize = 5;

/// Logs at the top, three awaits deep, and from a spawned task: [`LINES_PER_REQUEST`] lines.
async fn handler() {
    tracing::info!("request received");
    level_one().await;
    baton_context::spawn(async {
        tokio::task::yield_now().await;
        tracing::info!("charged card from a spawned task");
        level_one().await;
    })
    .await
    .unwrap();
    tracing::info!("responded");
}

async fn level_one() {
    tokio::task::yield_now().await;
    level_two().await;
}

async fn level_two() {
    tokio::task::yield_now().await;
    level_three().await;
}

async fn level_three() {
    tokio::task::yield_now().await;
    tracing::info!(depth = 3, "three awaits deep");
}

pub fn assert_text_line(line: &str, expected: &Expected) {
    let prefix = format!(
        "trace_id={} span_id={} request_id={} ",
        expected.trace_id, expected.span_id, expected.request_id
    );
    assert!(line.starts_with(&prefix), "{line:?} lacks {prefix:?}");
}

pub fn assert_json_line(object: &serde_json::Map<String, Value>, expected: &Expected) {
    assert_eq!(object["trace_id"], expected.trace_id.as_str(), "{object:?}");
    assert_eq!(object["span_id"], expected.span_id.as_str(), "{object:?}");
    assert_eq!(
        object["request_id"],
        expected.request_id.as_str(),
        "{object:?}"
    );
    // The inner formatter's own members survive the splice.
    assert_eq!(object["level"], "INFO");
    assert!(object["fields"]["message"].is_string(), "{object:?}");
}

/// Ids of the OpenTelemetry span `tracing-opentelemetry` made for a tracing span.
pub fn otel_ids(span: &tracing::Span) -> (TraceId, SpanId) {
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    assert!(sc.is_valid());
    (sc.trace_id(), sc.span_id())
}

/// Logs four events with no valid span: none at all, a no-op tracer's span, an empty span
/// context (still no ids, never zeros), and [`REQUEST_ID`] alone (the local only).
pub fn log_outside_any_request() {
    tracing::info!("no context at all");
    let in_context = |cx: Context, f: fn()| {
        let _guard = cx.attach();
        f();
    };
    in_context(
        Context::current_with_span(NoopTracer::new().start("noop")),
        || tracing::info!("no-op span"),
    );
    in_context(
        Context::new().with_remote_span_context(SpanContext::empty_context()),
        || tracing::info!("empty span context"),
    );
    REQUEST_ID.sync_scope("only-local".to_owned(), || tracing::info!("local only"));
}
