//! Stamping ids and locals allocates nothing beyond what the wrapped layer allocates, in
//! text and in JSON: a bound on allocation counts, which do not depend on the machine's load.
//!
//! The allocator's counters are process-wide, so this binary holds this one test: nothing
//! else runs beside it.

mod support;

use std::io;

use opentelemetry::Context;
use opentelemetry::trace::{TraceContextExt, Tracer};
use tracing_subscriber::prelude::*;

use support::{REQUEST_ID, tracer};

#[global_allocator]
static ALLOCATOR: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

/// Allocations (and reallocations) made while logging 100 events, the fewest seen over a few
/// rounds: the test harness's own threads can only add to a count, never take from it.
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
                .with(baton_log::correlate(plain()).with_local(&REQUEST_ID)),
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
                .with(baton_log::correlate(plain().json()).with_local(&REQUEST_ID)),
        ),
    );
    assert!(
        text.1 <= text.0,
        "allocations (plain, correlated): {text:?}"
    );
    assert!(
        json.1 <= json.0,
        "allocations (plain, correlated): {json:?}"
    );
}
