//! Bench 1 of issue 8: each server layer called directly, no network (as the benches of
//! opentelemetry-instrumentation-tower do), on the same axum `Router`, the same SDK, the same
//! propagator and the same inbound `traceparent`, sampled and sampled out.
//!
//! `cargo bench -p baton-bench --bench server_layer`
//!
//! Rows: `no layer` (the router alone), `opentelemetry-instrumentation-tower` 0.19 (metrics off,
//! `AxumMatchedPathExtractor`), `axum-tracing-opentelemetry` 0.42 (`OtelAxumLayer`, spans through
//! `tracing` and tracing-opentelemetry 0.34), `baton` (`HttpServerLayer` with every attribute,
//! the request-id local and its echo, given the tracer and the propagator). One tracer provider:
//! parent-based always-on sampling, a processor that drops each ended span ([`DropProcessor`]). One propagator: Baton's
//! W3C `TraceContextPropagator`, installed as the global one the crates read. Each iteration
//! sends a prepared request through the router and reads the response body to its end (a span
//! that ends with the body has ended when the iteration does).
//!
//! [`DropProcessor`]: baton_bench::telemetry::DropProcessor

use std::hint::black_box;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use baton_bench::telemetry::{Counts, Tally, direct_provider, install_globals};
use baton_bench::{BODY, ROUTE, TRACEPARENT_SAMPLED, TRACEPARENT_SAMPLED_OUT};
use criterion::{BatchSize, Criterion, Throughput, criterion_group};
use opentelemetry_instrumentation_tower::http::extractors::AxumMatchedPathExtractor;
use opentelemetry_instrumentation_tower::http::server::LayerBuilder;
use opentelemetry_sdk::trace::SdkTracer;
use tower::{Service as _, ServiceExt};

fn request(traceparent: &'static str) -> http::Request<Body> {
    http::Request::get("http://example.com/users/123")
        .header(http::header::HOST, "example.com")
        .header(http::header::USER_AGENT, "baton-bench/1.0")
        .header("traceparent", traceparent)
        .body(Body::empty())
        .expect("request")
}

fn rows(tracer: &SdkTracer) -> Vec<(&'static str, Router)> {
    let router = || Router::new().route(ROUTE, axum::routing::get(|| async { BODY }));
    let rows = vec![
        ("no layer", router()),
        (
            "opentelemetry-instrumentation-tower",
            router().layer(
                LayerBuilder::builder()
                    .with_route_extractor(AxumMatchedPathExtractor)
                    .with_metrics(false)
                    .build()
                    .expect("layer"),
            ),
        ),
        (
            "axum-tracing-opentelemetry",
            router().layer(axum_tracing_opentelemetry::middleware::OtelAxumLayer::default()),
        ),
        (
            "baton",
            router().layer(
                baton_interceptors::server::HttpServerLayer::new()
                    .with_tracer(tracer.clone())
                    .with_propagator(baton_propagation::TraceContextPropagator::default()),
            ),
        ),
    ];
    // `with_state(())` turns each handler into its route once, as `axum::serve` does; a
    // `Router` called as it is would rebuild a layered route on every request (four
    // allocations that axum, not the layer, would be charged for).
    rows.into_iter()
        .map(|(name, router)| (name, router.with_state(())))
        .collect()
}

async fn call(router: &mut Router, req: http::Request<Body>) -> usize {
    let response = router.call(req).await.expect("infallible");
    axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body")
        .len()
}

/// The SDK, the globals and the rows: made once per process (the globals cannot be set twice).
fn setup() -> (
    Arc<Tally>,
    Vec<(&'static str, Router)>,
    tokio::runtime::Runtime,
) {
    let tally = Arc::new(Tally::default());
    let provider = direct_provider(Arc::clone(&tally));
    let tracer = install_globals(&provider);
    opentelemetry::global::set_text_map_propagator(
        baton_propagation::TraceContextPropagator::default(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    (tally, rows(&tracer), rt)
}

fn server_layer(c: &mut Criterion) {
    let (tally, rows, rt) = setup();
    let mut group = c.benchmark_group("server_layer");
    group.throughput(Throughput::Elements(1));
    for (name, router) in rows {
        for (flag, traceparent) in [
            ("sampled", TRACEPARENT_SAMPLED),
            ("sampled-out", TRACEPARENT_SAMPLED_OUT),
        ] {
            // Believe a row only if it made the span it is credited with: one server span
            // continuing the inbound trace when sampled, none when sampled out or without a layer.
            let before = tally.counts();
            let len = rt.block_on(call(&mut router.clone(), request(traceparent)));
            assert_eq!(len, BODY.len(), "{name}: the route's body");
            let made = tally.counts() - before;
            let expected = usize::from(name != "no layer" && flag == "sampled") as u64;
            assert_eq!(
                made,
                Counts {
                    continued_servers: expected,
                    ..Counts::default()
                },
                "{name}, {flag}: the spans one request made"
            );

            let mut service = router.clone();
            rt.block_on(ServiceExt::<http::Request<Body>>::ready(&mut service))
                .expect("ready");
            group.bench_function(format!("{name}/{flag}"), |b| {
                b.to_async(&rt).iter_batched(
                    || request(traceparent),
                    |req| {
                        let response = service.call(req);
                        async move {
                            let response = response.await.expect("infallible");
                            black_box(
                                axum::body::to_bytes(response.into_body(), usize::MAX)
                                    .await
                                    .expect("body"),
                            )
                        }
                    },
                    BatchSize::SmallInput,
                );
            });
        }
    }
    group.finish();
}

/// `BATON_BENCH_CALLGRIND="ROW/FLAG N"`: N calls of one row and nothing else, for
/// `valgrind --tool=callgrind` (instructions per call = the difference of two values of N).
fn callgrind(spec: &str) {
    let (_, rows, rt) = setup();
    let (row, n) = spec.rsplit_once(' ').expect("\"ROW/FLAG N\"");
    let (name, flag) = row.rsplit_once('/').expect("ROW/FLAG");
    let traceparent = match flag {
        "sampled" => TRACEPARENT_SAMPLED,
        "sampled-out" => TRACEPARENT_SAMPLED_OUT,
        other => panic!("flag {other:?}: sampled or sampled-out"),
    };
    let n: u64 = n.parse().expect("call count");
    let (_, router) = rows
        .into_iter()
        .find(|(row, _)| *row == name)
        .unwrap_or_else(|| panic!("no row {name:?}"));
    let mut service = router;
    rt.block_on(async {
        for _ in 0..n {
            black_box(call(&mut service, request(traceparent)).await);
        }
    });
}

criterion_group!(benches, server_layer);

fn main() {
    if let Ok(spec) = std::env::var("BATON_BENCH_CALLGRIND") {
        callgrind(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
