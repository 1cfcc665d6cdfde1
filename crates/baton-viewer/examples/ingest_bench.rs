//! The receiver's ingest benchmark, in two processes: one receives, one sends OTLP/gRPC
//! export requests of 512 spans each. See `BENCHMARKS.md` (baton-viewer) for the commands.
//!
//! ```text
//! cargo run --release -p baton-viewer --example ingest_bench -- receive 24317 200000
//! cargo run --release -p baton-viewer --example ingest_bench -- send http://127.0.0.1:24317 200000 4
//! ```
//!
//! `receive PORT SPANS` starts a [`Receiver`] on PORT (gRPC), waits for SPANS spans, and prints
//! the resident memory they added, per span. `send ENDPOINT SPANS IN_FLIGHT` builds the
//! requests first (16 spans per trace, 7 attributes per span, like an instrumented HTTP
//! service), then sends them with IN_FLIGHT requests outstanding and prints spans per second
//! from the first send to the last answer.

use std::time::{Duration, Instant};

use baton_viewer::proto::collector::trace::v1::ExportTraceServiceRequest;
use baton_viewer::proto::collector::trace::v1::trace_service_client::TraceServiceClient;
use baton_viewer::proto::common::v1::{AnyValue, KeyValue, any_value};
use baton_viewer::proto::resource::v1::Resource;
use baton_viewer::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use baton_viewer::{Receiver, ReceiverConfig};

const BATCH: usize = 512;
const SPANS_PER_TRACE: usize = 16;

fn usage() -> ! {
    eprintln!(
        "usage: ingest_bench receive PORT SPANS | ingest_bench send ENDPOINT SPANS IN_FLIGHT"
    );
    std::process::exit(2)
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize) -> T {
    args.get(i)
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| usage())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("receive") => receive(arg(&args, 1), arg(&args, 2)).await,
        Some("send") => send(arg(&args, 1), arg(&args, 2), arg(&args, 3)).await,
        _ => usage(),
    }
}

/// Resident memory, in bytes, from /proc (Linux).
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

async fn receive(port: u16, spans: u64) {
    let config = ReceiverConfig::default()
        .grpc_port(port)
        .http_port(0)
        .max_traces(usize::try_from(spans).unwrap() / SPANS_PER_TRACE + 1)
        .max_spans_per_trace(SPANS_PER_TRACE)
        // No trace completes during the run, so completion costs what it costs in the viewer.
        .quiet_period(Duration::from_secs(3600));
    let receiver = Receiver::start(config).await.expect("the port is free");
    let before = rss();
    eprintln!(
        "receiving on {}; waiting for {spans} spans",
        receiver.grpc_endpoint()
    );
    receiver
        .wait_for_trace(
            |_| receiver.stats().spans_received >= spans,
            Duration::from_secs(3600),
        )
        .await
        .expect("all spans arrived");
    let started = Instant::now();
    let stats = receiver.stats();
    let added = rss().saturating_sub(before);
    println!(
        "received {} spans in {} traces; resident memory +{:.1} MiB = {} bytes per retained span",
        stats.spans_retained,
        stats.traces_retained,
        added as f64 / (1024.0 * 1024.0),
        added / stats.spans_retained as u64
    );
    let snapshot = receiver.traces();
    println!("snapshot of every trace: {:?}", started.elapsed());
    drop(snapshot);
    receiver.shutdown().await;
}

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    }
}

fn string(s: &str) -> any_value::Value {
    any_value::Value::StringValue(s.into())
}

/// Batch `n` of the run: 512 spans, 32 traces of 16 spans, ids unique across the run.
fn batch(n: u64) -> ExportTraceServiceRequest {
    let t0 = 1_764_000_000_000_000_000u64 + n * 1_000_000_000;
    let spans = (0..BATCH as u64)
        .map(|i| {
            let trace = n * (BATCH / SPANS_PER_TRACE) as u64 + i / SPANS_PER_TRACE as u64;
            let within = i % SPANS_PER_TRACE as u64;
            let mut trace_id = [0u8; 16];
            trace_id[..8].copy_from_slice(&(trace + 1).to_be_bytes());
            trace_id[8..].copy_from_slice(&0x5eed_u64.to_be_bytes());
            Span {
                trace_id: trace_id.to_vec(),
                span_id: (n * BATCH as u64 + i + 1).to_be_bytes().to_vec(),
                parent_span_id: if within == 0 {
                    Vec::new()
                } else {
                    (n * BATCH as u64 + i).to_be_bytes().to_vec()
                },
                name: "GET /orders/{id}".into(),
                kind: if within.is_multiple_of(2) { 2 } else { 3 },
                start_time_unix_nano: t0 + within * 1_000,
                end_time_unix_nano: t0 + 100_000 - within * 1_000,
                attributes: vec![
                    kv("http.request.method", string("GET")),
                    kv("http.route", string("/orders/{id}")),
                    kv("url.path", string("/orders/12345")),
                    kv("url.scheme", string("http")),
                    kv("server.address", string("orders.internal")),
                    kv("server.port", any_value::Value::IntValue(8080)),
                    kv("http.response.status_code", any_value::Value::IntValue(200)),
                ],
                ..Span::default()
            }
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", string("orders")),
                    kv("service.version", string("1.4.2")),
                    kv("host.name", string("orders-7d9f8")),
                ],
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
}

async fn send(endpoint: String, spans: u64, in_flight: usize) {
    let batches: Vec<ExportTraceServiceRequest> =
        (0..spans.div_ceil(BATCH as u64)).map(batch).collect();
    let encoded = prost::Message::encoded_len(&batches[0]);
    let channel = tonic::transport::Channel::from_shared(endpoint)
        .unwrap()
        .connect()
        .await
        .expect("the receiver runs");
    let client = TraceServiceClient::new(channel).max_encoding_message_size(16 * 1024 * 1024);
    let queue = std::sync::Arc::new(std::sync::Mutex::new(batches));
    let started = Instant::now();
    let workers: Vec<_> = (0..in_flight)
        .map(|_| {
            let mut client = client.clone();
            let queue = std::sync::Arc::clone(&queue);
            tokio::spawn(async move {
                loop {
                    let Some(request) = queue.lock().unwrap().pop() else {
                        return;
                    };
                    let answer = client
                        .export(request)
                        .await
                        .expect("the export succeeds")
                        .into_inner();
                    assert!(answer.partial_success.is_none(), "{answer:?}");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "sent {spans} spans in batches of {BATCH} ({} KiB each), {in_flight} in flight: {:.3} s, {:.0} spans/s",
        encoded / 1024,
        elapsed.as_secs_f64(),
        spans as f64 / elapsed.as_secs_f64()
    );
}
