//! Request-scoped logging, the Express way: set the request id once, log anywhere.
//!
//! A middleware gives each request an id and an OpenTelemetry span, once. Deep inside the
//! handler — three awaits down, and in a task the handler spawned — a plain
//! `info!("charged card")` prints the request's trace id, span id and request id, with no
//! parameter passing.
//!
//! ```text
//! cargo run --example request_scoped_logging --features tracing
//! ```
//!
//! It serves a few requests concurrently, checks that every line it logged carries the ids
//! of the request that logged it, then prints the lines.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baton::context::{Carry, Local};
use baton::log;
use opentelemetry::trace::{Tracer, TracerProvider};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing::info;
use tracing_subscriber::prelude::*;

/// The request id: set once by the middleware, readable anywhere below it.
static REQUEST_ID: Local<String> = Local::new("request_id");

/// Express-style middleware: one span and one request id per request, then the handler runs
/// inside them, through every `.await` and every `baton::context::spawn`.
async fn request_context<F: Future>(
    tracer: &SdkTracer,
    route: &'static str,
    request_id: String,
    handler: F,
) -> F::Output {
    let span = tracer.start(route);
    REQUEST_ID.scope(request_id, handler).in_span(span).await
}

/// The handler: no ids in sight.
async fn checkout(cart: u32) {
    info!(cart, "checkout started");
    charge(cart).await;
    // The receipt goes out from another task; it keeps the request's context.
    baton::context::spawn(send_receipt(cart))
        .await
        .expect("the receipt task panicked");
    info!("checkout done");
}

async fn charge(cart: u32) {
    let amount = price(cart).await;
    authorize(amount).await;
}

async fn price(cart: u32) -> u32 {
    tokio::time::sleep(Duration::from_millis(u64::from(cart) * 3)).await;
    cart * 1_000
}

async fn authorize(amount: u32) {
    tokio::task::yield_now().await;
    info!(amount, "charged card");
}

async fn send_receipt(cart: u32) {
    render(cart).await;
}

async fn render(cart: u32) {
    tokio::time::sleep(Duration::from_millis(2)).await;
    deliver(cart).await;
}

async fn deliver(cart: u32) {
    tokio::task::yield_now().await;
    info!(cart, "receipt sent");
}

/// Lines `checkout` logs per request.
const LINES_PER_REQUEST: usize = 4;

#[tokio::main]
async fn main() {
    // The output is captured so the example can check it; a real service would keep the
    // default writer (stdout) or use `log::json_layer()`.
    let logs = Logs::default();
    tracing_subscriber::registry()
        .with(
            log::correlate(
                tracing_subscriber::fmt::layer()
                    .without_time()
                    .with_target(false)
                    .with_ansi(false)
                    .with_writer(logs.clone()),
            )
            .with_local(&REQUEST_ID),
        )
        .init();
    let tracer = SdkTracerProvider::builder().build().tracer("shop");

    let requests = 3;
    let mut served = Vec::new();
    for n in 1..=requests {
        let tracer = tracer.clone();
        served.push(tokio::spawn(async move {
            request_context(&tracer, "POST /checkout", format!("req-{n}"), checkout(n)).await;
        }));
    }
    for request in served {
        request.await.expect("a request panicked");
    }

    let lines = logs.lines();
    check(&lines, requests as usize);
    for line in &lines {
        println!("{line}");
    }
    println!(
        "\nok: all {} lines carry the trace id, span id and request id of the request that \
         logged them ({requests} requests, {requests} traces)",
        lines.len()
    );
}

/// Every line starts with `trace_id=… span_id=… request_id=…`, every request logged all its
/// lines under one span, and no two requests share a trace.
fn check(lines: &[String], requests: usize) {
    let mut seen: HashMap<&str, (&str, &str, usize)> = HashMap::new();
    for line in lines {
        let mut fields = line.split(' ');
        let mut field = |name: &str| {
            fields
                .next()
                .and_then(|field| field.strip_prefix(name))
                .unwrap_or_else(|| panic!("line without {name}: {line}"))
        };
        let (trace_id, span_id, request_id) =
            (field("trace_id="), field("span_id="), field("request_id="));
        assert_eq!((trace_id.len(), span_id.len()), (32, 16), "{line}");
        let entry = seen.entry(request_id).or_insert((trace_id, span_id, 0));
        assert_eq!(
            (entry.0, entry.1),
            (trace_id, span_id),
            "{request_id} changed ids"
        );
        entry.2 += 1;
    }
    assert_eq!(seen.len(), requests, "every request logged");
    for (request_id, (_, _, count)) in &seen {
        assert_eq!(*count, LINES_PER_REQUEST, "lines logged by {request_id}");
    }
    let traces: HashSet<&str> = seen.values().map(|(trace_id, _, _)| *trace_id).collect();
    assert_eq!(traces.len(), requests, "each request is its own trace");
}

/// An in-memory log sink, so the example can read back what it logged.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().expect("log sink poisoned").clone();
        String::from_utf8(bytes)
            .expect("logs are UTF-8")
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .expect("log sink poisoned")
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}
