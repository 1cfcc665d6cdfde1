//! Criterion benchmarks: every Baton propagator against its OpenTelemetry anchor, on the
//! same `http::HeaderMap` inputs in one run (the cases are in `support/mod.rs`). Baton extracts
//! both from the map itself (`baton extract_from`, the typed path the interceptors take) and
//! through its `HeaderExtractor` (`baton HeaderExtractor`, what any opentelemetry caller does).
//!
//! The anchors are `opentelemetry_sdk`'s `TraceContextPropagator` and `BaggagePropagator`
//! (through `opentelemetry_http`'s carriers), `opentelemetry-zipkin`'s B3 propagator and
//! `opentelemetry-aws`'s X-Ray propagator. Jaeger, OT and Datadog are measured for Baton
//! alone: their OpenTelemetry Rust propagators are deprecated and not released for 0.33
//! (`opentelemetry-jaeger-propagator` stops at 0.32, `opentelemetry-datadog` is deprecated in
//! favour of dd-trace-rs, and there is no OT trace propagator for Rust).
//!
//! Times are taken with the system allocator as every service runs it. Allocations per
//! operation are counted by the `allocations` benchmark instead, under a counting allocator
//! whose atomic counters would add their own cost to every allocation measured here (and so
//! to the side that allocates more).
//!
//! Before the criterion groups run, every case is timed in alternation (the "interleaved"
//! table, which pairs the sides better on a noisy machine); `--profile-time` skips it (for
//! profilers). Extract cases first check that every side really extracts the input (a valid
//! span context, or the full baggage), so a fast rejection is never what gets measured.
//!
//! ```text
//! cargo bench -p baton-propagation --bench propagation -- --warm-up-time 1 --measurement-time 3
//! ```

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};
use http::HeaderMap;

use support::{Case, Op};

/// Alternating rounds, and at most that many operations per round (fewer for slow cases, so a
/// round lasts about `ROUND_NANOS`), of the interleaved timing.
const TIMING_ROUNDS: usize = 40;
const TIMING_OPS: usize = 1_000;
const ROUND_NANOS: u128 = 200_000;

/// Times every side of every case in alternation, `TIMING_ROUNDS` rounds of up to `TIMING_OPS`
/// operations, and keeps each side's best round: on a shared, noisy machine this pairs the
/// sides far better than criterion's one-after-the-other runs.
fn interleaved_table(cases: &[Case]) -> String {
    let mut table = String::from(
        "| case | implementation | best ns/op (interleaved) |\n| --- | --- | ---: |\n",
    );
    for case in cases {
        let sides = match &case.op {
            Op::Extract { sides, .. } => sides.len(),
            Op::Inject { sides, .. } => sides.len(),
        };
        let mut best = vec![Duration::MAX; sides];
        let once = {
            let start = Instant::now();
            match &case.op {
                Op::Extract { input, sides, .. } => {
                    for (_, f) in sides {
                        black_box(f(input));
                    }
                }
                Op::Inject { input, sides, .. } => {
                    for (_, f) in sides {
                        f(input, &mut HeaderMap::with_capacity(8));
                    }
                }
            }
            start.elapsed().as_nanos().max(1)
        };
        let ops = usize::try_from(ROUND_NANOS / once)
            .unwrap_or(TIMING_OPS)
            .clamp(5, TIMING_OPS);
        for _ in 0..TIMING_ROUNDS {
            for (i, best) in best.iter_mut().enumerate() {
                let elapsed = match &case.op {
                    Op::Extract { input, sides, .. } => {
                        let f = &sides[i].1;
                        let start = Instant::now();
                        for _ in 0..ops {
                            black_box(f(black_box(input)));
                        }
                        start.elapsed()
                    }
                    Op::Inject { input, sides, .. } => {
                        let f = &sides[i].1;
                        let mut maps: Vec<HeaderMap> =
                            (0..ops).map(|_| HeaderMap::with_capacity(8)).collect();
                        let start = Instant::now();
                        for map in &mut maps {
                            f(black_box(input), map);
                        }
                        let elapsed = start.elapsed();
                        drop(black_box(maps));
                        elapsed
                    }
                };
                *best = (*best).min(elapsed);
            }
        }
        let names: Vec<&str> = match &case.op {
            Op::Extract { sides, .. } => sides.iter().map(|(n, _)| *n).collect(),
            Op::Inject { sides, .. } => sides.iter().map(|(n, _)| *n).collect(),
        };
        for (name, best) in names.iter().zip(&best) {
            table.push_str(&format!(
                "| {} | {name} | {:.1} |\n",
                case.group,
                best.as_nanos() as f64 / ops as f64
            ));
        }
    }
    table
}

fn bench(c: &mut Criterion, cases: &[Case]) {
    for case in cases {
        let mut group = c.benchmark_group(case.group);
        match &case.op {
            Op::Extract { input, sides, .. } => {
                for (side, f) in sides {
                    group.bench_function(*side, |b| b.iter(|| f(black_box(input))));
                }
            }
            Op::Inject { input, sides, .. } => {
                for (side, f) in sides {
                    group.bench_function(*side, |b| {
                        b.iter_batched_ref(
                            || HeaderMap::with_capacity(8),
                            |map| f(black_box(input), map),
                            BatchSize::SmallInput,
                        );
                    });
                }
            }
        }
        group.finish();
    }
}

fn main() {
    let cases = support::cases();
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|arg| arg == flag);
    // `cargo bench` passes `--bench`; under `--profile-time` (e.g. inside callgrind) only the
    // filtered routine should run.
    if has("--bench") && !has("--profile-time") {
        support::check(&cases);
        println!(
            "interleaved timing ({TIMING_ROUNDS} alternating rounds of up to {TIMING_OPS} \
             operations, best round):\n"
        );
        println!("{}", interleaved_table(&cases));
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &cases);
    c.final_summary();
}
