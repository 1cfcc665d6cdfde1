//! 10,000 concurrent scoped tasks on a multi-thread runtime, each with its own local value and
//! its own span, yielding at random and spawning children through every Baton API: every
//! check of every step sees exactly its own value and span.
#![cfg(feature = "tokio")]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use baton_context::{Carry, JoinSetExt, Local, Snapshot};
use opentelemetry::Context;
use opentelemetry::trace::{Span as _, SpanId, TraceContextExt, Tracer};
use opentelemetry_sdk::trace::SdkTracer;

static REQUEST: Local<u64> = Local::new("request");

const TASKS: u64 = 10_000;
/// Checks of the value and span made by one task (and its children), counted by hand from
/// `request` below so the test cannot pass by checking nothing.
const CHECKS_PER_TASK: usize = 18;
const EVERY_NTH_THREAD: u64 = 20;

static CHECKS: AtomicUsize = AtomicUsize::new(0);

fn check(expected: u64, span: SpanId) {
    assert_eq!(REQUEST.get(), Some(expected), "local mixed up");
    assert_eq!(
        support::current_span_id(),
        span,
        "span mixed up for request {expected}"
    );
    CHECKS.fetch_add(1, Ordering::Relaxed);
}

async fn pause() {
    match rand::random_range(0..4u8) {
        0 => {}
        1 => tokio::task::yield_now().await,
        // A longer pause, without a timer (the test must not depend on the clock).
        2 => {
            for _ in 0..rand::random_range(2..8u8) {
                tokio::task::yield_now().await;
            }
        }
        _ => {
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
        }
    }
}

async fn request(id: u64, span: SpanId, tracer: SdkTracer) {
    check(id, span); // 1
    pause().await;
    check(id, span); // 2

    // A span started through the plain tracer API is a child of the request's span.
    let child = tracer.start("step");
    assert_eq!(support::parent_of(&child), span);
    drop(child);

    // Nested scope shadows and restores.
    REQUEST
        .scope(id + TASKS, async move {
            pause().await;
            check(id + TASKS, span); // 3
        })
        .await;
    check(id, span); // 4

    // spawn: the task sees the value and span of its spawner at every step.
    let task = baton_context::spawn(async move {
        check(id, span); // 5
        pause().await;
        check(id, span); // 6
    });
    pause().await;
    check(id, span); // 7
    task.await.unwrap();

    // spawn_blocking.
    baton_context::spawn_blocking(move || check(id, span))
        .await
        .unwrap(); // 8

    // JoinSet, two children: one async, one blocking.
    let mut set = tokio::task::JoinSet::new();
    set.spawn_in_current_context(async move {
        pause().await;
        check(id, span); // 9
    });
    set.spawn_blocking_in_current_context(move || check(id, span)); // 10
    set.join_all().await;

    // A std thread (only every nth request, to keep the thread count sane); the others
    // make the same number of checks through a snapshot so the count stays exact.
    if id.is_multiple_of(EVERY_NTH_THREAD) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        baton_context::thread::spawn(move || {
            check(id, span); // 11
            tx.send(()).unwrap();
        });
        rx.await.unwrap();
    } else {
        let snapshot = Snapshot::capture();
        tokio::task::spawn_blocking(move || snapshot.run_sync(|| check(id, span))) // 11
            .await
            .unwrap();
    }

    // in_current_context handed to plain tokio::spawn.
    tokio::spawn(
        async move {
            check(id, span); // 12
            pause().await;
            check(id, span); // 13
        }
        .in_current_context(),
    )
    .await
    .unwrap();

    // A snapshot taken now still holds `id` after the value changes.
    let snapshot = Snapshot::capture();
    REQUEST
        .scope(0, async move {
            assert_eq!(REQUEST.get(), Some(0));
            snapshot
                .run(async move {
                    pause().await;
                    check(id, span); // 14
                })
                .await;
            assert_eq!(REQUEST.get(), Some(0));
        })
        .await;

    for _ in 0..4 {
        pause().await;
        check(id, span); // 15..=18
    }
}

#[test]
fn ten_thousand_concurrent_scoped_tasks_never_mix_up() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let tracer = support::tracer();
    runtime.block_on(async {
        let mut handles = Vec::with_capacity(TASKS as usize);
        for id in 1..=TASKS {
            let span = tracer.start_with_context(format!("request-{id}"), &Context::new());
            let span_id = span.span_context().span_id();
            let cx = Context::new().with_span(span);
            let work = REQUEST.scope(id, request(id, span_id, tracer.clone()));
            handles.push(tokio::spawn(work.in_context(cx)));
        }
        for handle in handles {
            handle.await.unwrap();
        }
    });
    assert_eq!(
        CHECKS.load(Ordering::Relaxed),
        TASKS as usize * CHECKS_PER_TASK
    );
    // Nothing leaked onto the test thread.
    assert_eq!(REQUEST.get(), None);
}
