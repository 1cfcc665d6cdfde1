//! Every log line of a request carries the request's trace id, span id and request id, in text
//! and JSON, three awaits deep and inside spawned tasks, and agrees with
//! `tracing-opentelemetry` on which span is current.
#![cfg(all(feature = "tracing", feature = "tokio"))]

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};

use baton_context::{Local, Snapshot, log};
use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, Tracer,
    TracerProvider, noop::NoopTracer,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use serde_json::Value;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

static REQUEST_ID: Local<String> = Local::new("request_id");

/// Everything written through the subscriber, shared with the test.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn json_lines(&self) -> Vec<serde_json::Map<String, Value>> {
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

fn tracer() -> SdkTracer {
    SdkTracerProvider::builder()
        .build()
        .tracer("log_correlation")
}

/// The ids a request's log lines must carry.
#[derive(Clone, Debug, PartialEq)]
struct Expected {
    trace_id: String,
    span_id: String,
    request_id: String,
}

/// A "middleware": starts an OpenTelemetry span, binds the request id once, and runs the
/// handler in that context.
async fn serve(tracer: &SdkTracer, request_id: &str) -> Expected {
    serve_in(&Context::current(), tracer, request_id).await
}

/// [`serve`] continuing the trace of `parent` (an extracted inbound context, say).
async fn serve_in(parent: &Context, tracer: &SdkTracer, request_id: &str) -> Expected {
    let span = tracer.start_with_context(format!("request {request_id}"), parent);
    let cx = REQUEST_ID.bind(&parent.with_span(span), request_id.to_owned());
    let expected = Expected {
        trace_id: cx.span().span_context().trace_id().to_string(),
        span_id: cx.span().span_context().span_id().to_string(),
        request_id: request_id.to_owned(),
    };
    Snapshot::from(cx).run(handler()).await;
    expected
}

/// Logs at the top, three awaits deep, and from a spawned task: 5 lines.
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

const LINES_PER_REQUEST: usize = 5;

fn text_layer<S>(capture: &Capture) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    log::correlate(
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(capture.clone()),
    )
    .with_local(&REQUEST_ID)
}

fn json_layer<S>(capture: &Capture) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    log::json_layer()
        .with_writer(capture.clone())
        .with_local(&REQUEST_ID)
}

fn assert_text_line(line: &str, expected: &Expected) {
    let prefix = format!(
        "trace_id={} span_id={} request_id={} ",
        expected.trace_id, expected.span_id, expected.request_id
    );
    assert!(line.starts_with(&prefix), "{line:?} lacks {prefix:?}");
}

fn assert_json_line(object: &serde_json::Map<String, Value>, expected: &Expected) {
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

#[tokio::test]
async fn every_text_line_of_a_request_carries_its_ids() {
    let capture = Capture::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(text_layer(&capture)));

    let expected = serve(&tracer(), "req-1").await;

    let lines = capture.lines();
    assert_eq!(lines.len(), LINES_PER_REQUEST, "{lines:#?}");
    for line in &lines {
        assert_text_line(line, &expected);
    }
    assert!(lines[2].ends_with("charged card from a spawned task"));
    assert_eq!(expected.trace_id.len(), 32);
    assert_eq!(expected.span_id.len(), 16);
}

/// Coloured output cannot be spliced (a fresh `Writer` cannot carry the colour flag), so the
/// ids are written up front, uncoloured, before the inner formatter's coloured line.
#[tokio::test]
async fn every_coloured_text_line_of_a_request_carries_its_ids() {
    let capture = Capture::default();
    let layer = log::correlate(
        tracing_subscriber::fmt::layer()
            .with_ansi(true)
            .with_writer(capture.clone()),
    )
    .with_local(&REQUEST_ID);
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let expected = serve(&tracer(), "req-ansi").await;

    let lines = capture.lines();
    assert_eq!(lines.len(), LINES_PER_REQUEST, "{lines:#?}");
    for line in &lines {
        assert_text_line(line, &expected);
        assert!(
            line.contains('\u{1b}'),
            "the inner line stays coloured: {line:?}"
        );
    }
}

#[tokio::test]
async fn every_json_line_of_a_request_carries_its_ids() {
    let capture = Capture::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(json_layer(&capture)));

    let expected = serve(&tracer(), "req-\"2\"\n").await;

    let lines = capture.lines();
    assert_eq!(lines.len(), LINES_PER_REQUEST, "{lines:#?}");
    for line in &lines {
        assert!(line.starts_with("{\"trace_id\":\""), "{line}");
    }
    let objects = capture.json_lines();
    for object in &objects {
        assert_json_line(object, &expected);
    }
    assert_eq!(objects[1]["fields"]["depth"], 3);
}

#[tokio::test]
async fn events_outside_any_context_carry_no_ids() {
    let text = Capture::default();
    let json = Capture::default();
    let _default = tracing::subscriber::set_default(
        tracing_subscriber::registry()
            .with(text_layer(&text))
            .with(json_layer(&json)),
    );

    tracing::info!("no context at all");
    // A context whose span context is invalid, as a no-op tracer makes: still no ids,
    // never zeros.
    let noop = Context::current_with_span(NoopTracer::new().start("noop"));
    noop.attach_then(|| tracing::info!("no-op span"));
    let empty = Context::new().with_remote_span_context(SpanContext::empty_context());
    empty.attach_then(|| tracing::info!("empty span context"));
    // A local without a span: the local only.
    REQUEST_ID.sync_scope("only-local".to_owned(), || tracing::info!("local only"));

    let lines = text.lines();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    for line in &lines[..3] {
        assert!(!line.contains("trace_id"), "{line}");
        assert!(!line.contains("span_id"), "{line}");
        assert!(!line.contains("request_id"), "{line}");
        assert!(!line.contains("0000000000000000"), "{line}");
    }
    assert!(
        lines[3].starts_with("request_id=only-local "),
        "{}",
        lines[3]
    );

    let objects = json.json_lines();
    assert_eq!(objects.len(), 4);
    for object in &objects[..3] {
        assert!(!object.contains_key("trace_id"), "{object:?}");
        assert!(!object.contains_key("span_id"), "{object:?}");
        assert!(!object.contains_key("request_id"), "{object:?}");
    }
    assert_eq!(objects[3]["request_id"], "only-local");
    assert!(!objects[3].contains_key("trace_id"));
}

/// `attach` for the duration of a closure.
trait AttachThen {
    fn attach_then(&self, f: impl FnOnce());
}

impl AttachThen for Context {
    fn attach_then(&self, f: impl FnOnce()) {
        let _guard = self.clone().attach();
        f();
    }
}

#[test]
fn concurrent_requests_on_many_threads_each_print_their_own_ids() {
    // The only test that installs a global default: it is what lets tokio's worker threads
    // see the subscriber. Lines from other tests never reach it (they use scoped defaults),
    // and the check below only looks at this test's requests anyway.
    let capture = Capture::default();
    tracing_subscriber::registry()
        .with(json_layer(&capture))
        .try_init()
        .expect("no other test installs a global subscriber");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap();
    let requests = 16;
    let expected: HashMap<String, Expected> = runtime.block_on(async {
        let tracer = tracer();
        let mut tasks = Vec::new();
        for n in 0..requests {
            let tracer = tracer.clone();
            tasks.push(tokio::spawn(async move {
                serve(&tracer, &format!("concurrent-{n}")).await
            }));
        }
        let mut expected = HashMap::new();
        for task in tasks {
            let e = task.await.unwrap();
            expected.insert(e.request_id.clone(), e);
        }
        expected
    });

    let mut per_request: HashMap<String, usize> = HashMap::new();
    for object in capture.json_lines() {
        let request_id = object["request_id"]
            .as_str()
            .expect("every line has a request id");
        assert_json_line(&object, &expected[request_id]);
        *per_request.entry(request_id.to_owned()).or_default() += 1;
    }
    assert_eq!(per_request.len(), requests);
    assert!(
        per_request.values().all(|&n| n == LINES_PER_REQUEST),
        "{per_request:?}"
    );
    let traces: std::collections::HashSet<_> = expected.values().map(|e| &e.trace_id).collect();
    assert_eq!(traces.len(), requests, "each request is its own trace");
}

/// Ids of the OpenTelemetry span `tracing-opentelemetry` made for a tracing span.
fn otel_ids(span: &tracing::Span) -> (TraceId, SpanId) {
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    assert!(sc.is_valid());
    (sc.trace_id(), sc.span_id())
}

/// A tracing span opened inside a Baton/OpenTelemetry request: the log line shows the tracing
/// span's OpenTelemetry span id, in the request's trace.
async fn tracing_span_inside_request(context_activation: bool) {
    let capture = Capture::default();
    let sdk = tracer();
    let _default = tracing::subscriber::set_default(
        tracing_subscriber::registry()
            .with(
                tracing_opentelemetry::layer()
                    .with_tracer(sdk.clone())
                    .with_context_activation(context_activation),
            )
            .with(json_layer(&capture)),
    );

    let request = sdk.start("request");
    let request_sc = request.span_context().clone();
    let cx = REQUEST_ID.bind(&Context::current_with_span(request), "req-t".to_owned());
    let charge_ids = Snapshot::from(cx)
        .run(async {
            let charge = tracing::info_span!("charge");
            async {
                tokio::task::yield_now().await;
                tracing::info!("charging");
            }
            .instrument(charge.clone())
            .await;
            otel_ids(&charge)
        })
        .await;

    let objects = capture.json_lines();
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert_eq!(charge_ids.0, request_sc.trace_id(), "one trace");
    assert_ne!(charge_ids.1, request_sc.span_id());
    assert_json_line(
        &objects[0],
        &Expected {
            trace_id: request_sc.trace_id().to_string(),
            span_id: charge_ids.1.to_string(),
            request_id: "req-t".to_owned(),
        },
    );
}

#[tokio::test]
async fn tracing_span_ids_win_inside_a_baton_request() {
    tracing_span_inside_request(true).await;
}

#[tokio::test]
async fn tracing_span_ids_win_without_context_activation() {
    // With activation off, `Context::current()` still holds the request span: only asking
    // tracing-opentelemetry for the tracing span's data finds `charge`.
    tracing_span_inside_request(false).await;
}

#[tokio::test]
async fn tracing_span_entered_outside_a_baton_context_still_wins() {
    // `snapshot.run(..).instrument(span)`: the span is entered first, then the snapshot
    // attaches the context it captured earlier, which has no span. The tracing span is still
    // the event's span.
    let capture = Capture::default();
    let sdk = tracer();
    let _default = tracing::subscriber::set_default(
        tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(sdk.clone()))
            .with(text_layer(&capture)),
    );

    let request = Snapshot::from(REQUEST_ID.bind(&Context::current(), "req-o".to_owned()));
    let handle = tracing::info_span!("handle");
    request
        .run(async { tracing::info!("handling") })
        .instrument(handle.clone())
        .await;
    let (trace_id, span_id) = otel_ids(&handle);

    let lines = capture.lines();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_text_line(
        &lines[0],
        &Expected {
            trace_id: trace_id.to_string(),
            span_id: span_id.to_string(),
            request_id: "req-o".to_owned(),
        },
    );
}

#[tokio::test]
async fn one_trace_whichever_api_starts_the_span() {
    let capture = Capture::default();
    let sdk = tracer();
    let _default = tracing::subscriber::set_default(
        tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(sdk.clone()))
            .with(json_layer(&capture)),
    );

    // tracing starts the trace, the OpenTelemetry API (and Baton) continue it, tracing
    // continues it again.
    let root = tracing::info_span!("root");
    let (root_trace, root_span) = otel_ids(&root);
    let (otel_child, grandchild) = async {
        tracing::info!("in the tracing root");
        let child = sdk
            .span_builder("otel child")
            .with_attributes([KeyValue::new("api", "opentelemetry")])
            .start(&sdk);
        let child_sc = child.span_context().clone();
        let cx = REQUEST_ID.bind(&Context::current_with_span(child), "req-w".to_owned());
        let grandchild = Snapshot::from(cx)
            .run(async {
                tracing::info!("in the OpenTelemetry child, no tracing span of its own");
                let grandchild = tracing::info_span!("grandchild");
                async { tracing::info!("in the tracing grandchild") }
                    .instrument(grandchild.clone())
                    .await;
                otel_ids(&grandchild)
            })
            .await;
        (child_sc, grandchild)
    }
    .instrument(root.clone())
    .await;

    assert_eq!(otel_child.trace_id(), root_trace);
    assert_eq!(grandchild.0, root_trace);

    let objects = capture.json_lines();
    assert_eq!(objects.len(), 3, "{objects:?}");
    for object in &objects {
        assert_eq!(
            object["trace_id"],
            root_trace.to_string().as_str(),
            "{object:?}"
        );
    }
    assert_eq!(objects[0]["span_id"], root_span.to_string().as_str());
    // Within one trace the innermost tracing span is the one reported.
    assert_eq!(objects[1]["span_id"], root_span.to_string().as_str());
    assert_ne!(otel_child.span_id(), root_span);
    assert_eq!(objects[1]["request_id"], "req-w");
    assert_eq!(objects[2]["span_id"], grandchild.1.to_string().as_str());
    assert_eq!(objects[2]["request_id"], "req-w");
}

#[tokio::test]
async fn a_request_inside_an_unrelated_tracing_span_logs_the_request_trace() {
    // An outer tracing middleware opened its span before the inbound context was extracted,
    // so that span started a trace of its own; the request continues the inbound trace.
    let capture = Capture::default();
    let sdk = tracer();
    let _default = tracing::subscriber::set_default(
        tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(sdk.clone()))
            .with(text_layer(&capture)),
    );

    let inbound_trace = TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736);
    let inbound = Context::new().with_remote_span_context(SpanContext::new(
        inbound_trace,
        SpanId::from(0x00f0_67aa_0ba9_02b7),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    ));

    let outer = tracing::info_span!("http request");
    let (outer_trace, _) = otel_ids(&outer);
    let expected = serve_in(&inbound, &sdk, "req-u").instrument(outer).await;

    assert_ne!(outer_trace, inbound_trace);
    assert_eq!(expected.trace_id, inbound_trace.to_string());
    let lines = capture.lines();
    assert_eq!(lines.len(), LINES_PER_REQUEST, "{lines:#?}");
    for line in &lines {
        assert_text_line(line, &expected);
    }
}

// The allocator's counters are process-wide, hence the care below.
#[global_allocator]
static ALLOCATOR: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

/// Fewest allocations (and reallocations) seen for 100 events, over a few attempts: other
/// threads can only add to a count, never remove from it.
fn allocations_per_100_events(subscriber: impl tracing::Subscriber + Send + Sync) -> usize {
    tracing::subscriber::with_default(subscriber, || {
        let log = |n: u32| {
            // A fresh tracing span each round, so every round does the same work.
            let span = tracing::info_span!("round");
            let _entered = span.enter();
            for i in 0..n {
                tracing::info!(i, "charged card");
            }
        };
        log(20);
        (0..7)
            .map(|_| {
                let region = stats_alloc::Region::new(ALLOCATOR);
                log(100);
                let change = region.change();
                change.allocations + change.reallocations
            })
            .min()
            .unwrap()
    })
}

#[test]
fn stamping_ids_and_locals_allocates_nothing() {
    // Let the other tests of this binary finish first.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let sdk = tracer();
    let cx = REQUEST_ID.bind(
        &Context::current_with_span(sdk.start("request")),
        "req-a".to_owned(),
    );
    let _attached = cx.attach();
    let otel = || tracing_opentelemetry::layer().with_tracer(sdk.clone());
    let plain = || tracing_subscriber::fmt::layer().with_writer(io::sink);

    let text = (
        allocations_per_100_events(tracing_subscriber::registry().with(otel()).with(plain())),
        allocations_per_100_events(
            tracing_subscriber::registry()
                .with(otel())
                .with(log::correlate(plain()).with_local(&REQUEST_ID)),
        ),
    );
    let json = (
        allocations_per_100_events(
            tracing_subscriber::registry()
                .with(otel())
                .with(plain().json()),
        ),
        allocations_per_100_events(
            tracing_subscriber::registry()
                .with(otel())
                .with(log::correlate(plain().json()).with_local(&REQUEST_ID)),
        ),
    );
    eprintln!("allocations per 100 events (plain, correlated): text {text:?}, json {json:?}");
    assert!(text.1 <= text.0, "text: {text:?}");
    assert!(json.1 <= json.0, "json: {json:?}");
}
