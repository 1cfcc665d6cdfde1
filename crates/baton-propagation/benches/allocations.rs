//! Allocations and bytes per operation for every case of the `propagation` benchmark (the
//! cases are in `support/mod.rs`), Baton and the anchors on the same inputs, counted by a
//! global allocator that counts (stats_alloc). Times are measured by `propagation`, with the
//! system allocator, since the counting adds to the cost of every allocation.
//!
//! ```text
//! cargo bench -p baton-propagation --bench allocations
//! ```

mod support;

use std::alloc::System;
use std::hint::black_box;

use http::HeaderMap;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

use support::{Case, Op};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Operations per case (a test run, `cargo test --benches`, which is unoptimised, uses
/// `TEST_ALLOC_OPS`).
const ALLOC_OPS: usize = 2_000;
const TEST_ALLOC_OPS: usize = 10;

/// Counts allocations and bytes per operation for every side of every case, as a markdown table.
fn allocation_table(cases: &[Case], ops: usize) -> String {
    let mut table = String::from(
        "| case | implementation | allocs/op | bytes/op |\n| --- | --- | ---: | ---: |\n",
    );
    for case in cases {
        match &case.op {
            Op::Extract { input, sides, .. } => {
                for (side, f) in sides {
                    let region = Region::new(GLOBAL);
                    for _ in 0..ops {
                        black_box(f(black_box(input)));
                    }
                    push_row(&mut table, case.group, side, region.change(), ops);
                }
            }
            Op::Inject { input, sides, .. } => {
                for (side, f) in sides {
                    // Fresh, pre-sized maps, so only the propagator's own work is counted.
                    let mut maps: Vec<HeaderMap> =
                        (0..ops).map(|_| HeaderMap::with_capacity(8)).collect();
                    let region = Region::new(GLOBAL);
                    for map in &mut maps {
                        f(black_box(input), map);
                    }
                    let stats = region.change();
                    drop(black_box(maps));
                    push_row(&mut table, case.group, side, stats, ops);
                }
            }
        }
    }
    table
}

fn push_row(table: &mut String, group: &str, side: &str, stats: stats_alloc::Stats, ops: usize) {
    let ops = ops as f64;
    table.push_str(&format!(
        "| {group} | {side} | {:.2} | {:.1} |\n",
        stats.allocations as f64 / ops,
        stats.bytes_allocated as f64 / ops,
    ));
}

fn main() {
    // `cargo bench` passes `--bench`.
    let ops = if std::env::args().any(|arg| arg == "--bench") {
        ALLOC_OPS
    } else {
        TEST_ALLOC_OPS
    };
    let cases = support::cases();
    support::check(&cases);
    println!("allocations per operation ({ops} operations per row):\n");
    println!("{}", allocation_table(&cases, ops));
}
