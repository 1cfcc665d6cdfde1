//! Baton's context cost beside the anchors it is measured against.
//!
//! - `poll/*`: a future that returns `Pending` 100 times, polled by hand with a no-op waker
//!   (`pending100`), and a future that is ready at once (`oneshot`), each bare, in a Baton
//!   scope, in a Baton snapshot, carried by `Carry::in_current_context`, in a
//!   `tokio::task_local!` scope and in OpenTelemetry's
//!   `with_context`. Per-poll overhead = (variant - bare) on `pending100`, divided by 101;
//!   per-future cost = (variant - bare) on `oneshot`.
//! - `get/*`: `Local::get` against `Context::map_current` reading one value.
//! - `spawn/*`: `baton_context::spawn` against `tokio::spawn`, spawn + await on a
//!   current-thread runtime.
//!
//! Run: `cargo bench -p baton-context --bench context -- --warm-up-time 1 --measurement-time 3`

#![allow(missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context as TaskContext, Poll, Waker};

use baton_context::{Carry as _, Local, Snapshot};
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::Context;
use opentelemetry::context::FutureExt as _;

static REQUEST_ID: Local<u64> = Local::new("request_id");
static TENANT: Local<u64> = Local::new("tenant");

tokio::task_local! {
    static TASK_REQUEST_ID: u64;
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct OtelValue(u64);

/// Returns `Pending` `remaining` times, then `Ready`.
struct PendingN {
    remaining: u32,
}

impl Future for PendingN {
    type Output = u32;

    // Not inlined, so no variant's polling loop can be folded away by the optimizer (a bare or
    // `task_local!` loop otherwise collapses to a few instructions).
    #[inline(never)]
    fn poll(mut self: Pin<&mut Self>, _: &mut TaskContext<'_>) -> Poll<u32> {
        if self.remaining == 0 {
            Poll::Ready(7)
        } else {
            self.remaining -= 1;
            Poll::Pending
        }
    }
}

fn drive<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = TaskContext::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// The context benchmarks run in: one Baton local and one OpenTelemetry value, so every
/// variant clones a non-empty context.
fn base_context() -> Context {
    TENANT.bind(&Context::new().with_value(OtelValue(1)), 2)
}

fn poll(c: &mut Criterion) {
    let _base = base_context().attach();
    for (name, pendings) in [("pending100", 100), ("oneshot", 0)] {
        let mut group = c.benchmark_group(format!("poll/{name}"));
        let snapshot = REQUEST_ID.sync_scope(1, Snapshot::capture);
        let otel_cx = Context::current_with_value(OtelValue(1));
        group.bench_function("bare", |b| {
            b.iter(|| {
                drive(PendingN {
                    remaining: black_box(pendings),
                })
            })
        });
        group.bench_function("baton_scope", |b| {
            b.iter(|| {
                drive(REQUEST_ID.scope(
                    1,
                    PendingN {
                        remaining: black_box(pendings),
                    },
                ))
            })
        });
        group.bench_function("baton_snapshot_run", |b| {
            b.iter(|| {
                drive(
                    PendingN {
                        remaining: black_box(pendings),
                    }
                    .in_context(snapshot.clone()),
                )
            })
        });
        // Captures at creation, leaving non-inherited locals behind (none here: the check only).
        group.bench_function("baton_in_current_context", |b| {
            b.iter(|| {
                drive(
                    PendingN {
                        remaining: black_box(pendings),
                    }
                    .in_current_context(),
                )
            })
        });
        group.bench_function("tokio_task_local", |b| {
            b.iter(|| {
                drive(TASK_REQUEST_ID.scope(
                    1,
                    PendingN {
                        remaining: black_box(pendings),
                    },
                ))
            })
        });
        group.bench_function("otel_with_context", |b| {
            b.iter(|| {
                drive(
                    PendingN {
                        remaining: black_box(pendings),
                    }
                    .with_context(otel_cx.clone()),
                )
            })
        });
        group.finish();
    }
}

fn get(c: &mut Criterion) {
    let mut group = c.benchmark_group("get");
    let cx = REQUEST_ID.bind(&base_context().with_value(OtelValue(3)), 3);
    let _guard = cx.attach();
    group.bench_function("baton_local_get", |b| {
        b.iter(|| black_box(REQUEST_ID.get()))
    });
    group.bench_function("otel_map_current", |b| {
        b.iter(|| black_box(Context::map_current(|cx| cx.get::<OtelValue>().copied())))
    });
    group.bench_function("otel_current_get", |b| {
        b.iter(|| black_box(Context::current().get::<OtelValue>().copied()))
    });
    group.bench_function("baton_local_with", |b| {
        b.iter(|| black_box(REQUEST_ID.with(|v| v.copied())))
    });
    group.finish();
}

fn spawn(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let _guard = REQUEST_ID.bind(&base_context(), 4).attach();
    let mut group = c.benchmark_group("spawn");
    group.bench_function("tokio_spawn", |b| {
        b.to_async(&rt)
            .iter(|| async { tokio::spawn(async { black_box(1) }).await.unwrap() })
    });
    group.bench_function("baton_spawn", |b| {
        b.to_async(&rt)
            .iter(|| async { baton_context::spawn(async { black_box(1) }).await.unwrap() })
    });
    group.finish();
}

criterion_group!(benches, poll, get, spawn);
criterion_main!(benches);
