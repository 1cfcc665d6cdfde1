//! Bench 2 of issue 8: a loopback HTTP hop (axum server, reqwest client, one 2-worker tokio
//! runtime, 32 requests in flight), every stack in one run, side by side.
//!
//! `cargo bench -p baton-bench --bench loopback` prints, per stack, requests per second and
//! process CPU per request (`getrusage` user + system over the run ÷ requests), and each as a
//! ratio to the uninstrumented hop of the same round. The stacks run in interleaved rounds
//! (every stack once per round, the order rotating) so that load from elsewhere falls on all of
//! them alike; figures are medians over rounds, ratios are taken within a round.
//!
//! Environment: `BATON_BENCH_ROUNDS` (default 15), `BATON_BENCH_REQUESTS` per stack per round
//! (default 10000), `BATON_BENCH_IN_FLIGHT` (default 32).
//!
//! `<bench binary> callgrind STACK N` warms STACK up (1000 requests) and sends N more, nothing
//! else: run it under `valgrind --tool=callgrind` for two values of N and divide the difference
//! in instructions by the difference in N for instructions per request.
//!
//! One tracer provider for every stack: parent-based always-on sampling, the SDK's batch span
//! processor with default settings and an exporter that drops each batch. The hand-written and
//! popular stacks read the global propagator (opentelemetry_sdk's `TraceContextPropagator`, as
//! the opentelemetry-rust examples install it).

use std::sync::Arc;
use std::time::Duration;

use baton_bench::loopback::{Hop, Run, Stack, runtime};
use baton_bench::telemetry::{Counts, Tally, install_globals, loopback_provider};

const IN_FLIGHT: usize = 32;
const WARM_UP: u64 = 1000;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// The spans one request of `stack` must have made.
fn expected(stack: Stack) -> Counts {
    match stack {
        Stack::Uninstrumented => Counts::default(),
        _ => Counts {
            continued_servers: 1,
            clients: 1,
            others: 0,
        },
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let tally = Arc::new(Tally::default());
    let provider = loopback_provider(Arc::clone(&tally));
    install_globals(&provider);
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    let rt = runtime();

    if let [mode, name, n] = args.as_slice()
        && mode == "callgrind"
    {
        let stack = Stack::from_name(name).unwrap_or_else(|| panic!("unknown stack {name:?}"));
        let n: u64 = n.parse().expect("request count");
        let run = rt.block_on(async {
            let hop = Hop::start(stack).await;
            hop.drive(WARM_UP, IN_FLIGHT).await;
            hop.drive(n, IN_FLIGHT).await
        });
        provider.force_flush().expect("flush");
        println!("{stack}: {} requests in {:?}", run.requests, run.wall);
        return;
    }

    let rounds = env("BATON_BENCH_ROUNDS", 15) as usize;
    let requests = env("BATON_BENCH_REQUESTS", 10_000);
    let in_flight = env("BATON_BENCH_IN_FLIGHT", IN_FLIGHT as u64) as usize;
    let stacks: Vec<Stack> = if args.is_empty() {
        Stack::ALL.to_vec()
    } else {
        args.iter()
            .map(|name| Stack::from_name(name).unwrap_or_else(|| panic!("unknown stack {name:?}")))
            .collect()
    };
    assert_eq!(
        stacks.first(),
        Some(&Stack::Uninstrumented),
        "the first stack is the baseline"
    );

    let runs: Vec<Vec<Run>> = rt.block_on(async {
        let mut hops = Vec::new();
        for &stack in &stacks {
            let hop = Hop::start(stack).await;
            // Every stack must make exactly its spans: check on the warm-up, before measuring.
            let before = tally.counts();
            hop.drive(WARM_UP, in_flight).await;
            provider.force_flush().expect("flush");
            let made = tally.counts() - before;
            let want = expected(stack);
            assert_eq!(
                made,
                Counts {
                    continued_servers: want.continued_servers * WARM_UP,
                    clients: want.clients * WARM_UP,
                    others: 0
                },
                "{stack}: the spans {WARM_UP} requests made"
            );
            hops.push(hop);
        }
        let mut runs = vec![Vec::new(); hops.len()];
        for round in 0..rounds {
            for i in 0..hops.len() {
                let i = (i + round) % hops.len();
                runs[i].push(hops[i].drive(requests, in_flight).await);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        runs
    });
    // The batch processor drops spans when its queue is full, which would make a stack look
    // cheaper than it is: every span of every measured request must have been exported.
    provider.force_flush().expect("flush");
    let sent = (WARM_UP + rounds as u64 * requests)
        * stacks
            .iter()
            .filter(|&&s| s != Stack::Uninstrumented)
            .count() as u64;
    assert_eq!(
        tally.counts(),
        Counts {
            continued_servers: sent,
            clients: sent,
            others: 0
        },
        "every span exported, none dropped"
    );

    println!(
        "loopback hop: {rounds} rounds x {requests} requests per stack, {in_flight} in flight, 2 workers"
    );
    println!(
        "{:<16} {:>10} {:>12} {:>10} {:>12} {:>14}",
        "stack", "req/s", "CPU us/req", "req/s x", "+CPU us/req", "rounds req/s"
    );
    let base = &runs[0];
    let mut added_by_stack = Vec::new();
    for (stack, runs) in stacks.iter().zip(&runs) {
        let per_second = median(runs.iter().map(Run::per_second).collect());
        let cpu = median(runs.iter().map(Run::cpu_micros).collect());
        let ratio = median(
            runs.iter()
                .zip(base)
                .map(|(r, b)| r.per_second() / b.per_second())
                .collect(),
        );
        let added = median(
            runs.iter()
                .zip(base)
                .map(|(r, b)| r.cpu_micros() - b.cpu_micros())
                .collect(),
        );
        added_by_stack.push((*stack, added));
        let spread = format!(
            "{:.0}-{:.0}",
            runs.iter()
                .map(Run::per_second)
                .fold(f64::INFINITY, f64::min),
            runs.iter().map(Run::per_second).fold(0.0, f64::max)
        );
        println!(
            "{:<16} {:>10.0} {:>12.2} {:>10.3} {:>12.2} {:>14}",
            stack.name(),
            per_second,
            cpu,
            ratio,
            added,
            spread
        );
    }
    // The CPU targets, as ratios of the medians above.
    let added = |stack| {
        added_by_stack
            .iter()
            .find(|(s, _)| *s == stack)
            .map(|(_, a)| *a)
    };
    if let Some(baton) = added(Stack::Baton) {
        for other in [Stack::HandWritten, Stack::Popular] {
            if let Some(theirs) = added(other) {
                println!("baton's added CPU / {other}'s: {:.2}", baton / theirs);
            }
        }
    }
}
