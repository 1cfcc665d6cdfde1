//! Every Baton spawn carries the context captured at the spawn into the new task or thread.
#![cfg(feature = "tokio")]

mod support;

use baton_context::{Carry, JoinSetExt, Local};
use futures_util::StreamExt as _;
use opentelemetry::Context;
use opentelemetry::trace::{Span as _, TraceContextExt, Tracer};

static ID: Local<u32> = Local::new("id");

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

#[test]
fn spawn_carries_locals_and_span() {
    let tracer = support::tracer();
    let span = tracer.start("parent");
    let span_id = span.span_context().span_id();
    let cx = Context::new().with_span(span);
    runtime().block_on(async {
        let seen = ID
            .scope(1, async {
                let child = baton_context::spawn(async {
                    tokio::task::yield_now().await;
                    (ID.get(), support::current_span_id())
                });
                child.await.unwrap()
            })
            .in_context(cx)
            .await;
        assert_eq!(seen, (Some(1), span_id));
    });
}

#[test]
fn context_is_captured_at_the_spawn_not_at_the_first_poll() {
    runtime().block_on(async {
        let handle = ID.sync_scope(2, || baton_context::spawn(async { ID.get() }));
        // The spawner's context has changed before the task runs.
        let later = ID.scope(3, async { handle.await.unwrap() }).await;
        assert_eq!(later, Some(2));
    });
}

#[test]
fn spawned_task_without_a_scope_sees_nothing() {
    runtime().block_on(async {
        assert_eq!(
            baton_context::spawn(async { ID.get() }).await.unwrap(),
            None
        );
    });
}

#[test]
fn spawn_blocking_carries_locals() {
    runtime().block_on(async {
        let handle = ID.sync_scope(4, || baton_context::spawn_blocking(|| ID.get()));
        assert_eq!(handle.await.unwrap(), Some(4));
    });
}

#[test]
fn threads_carry_locals() {
    let plain = ID.sync_scope(5, || baton_context::thread::spawn(|| ID.get()));
    assert_eq!(plain.join().unwrap(), Some(5));
    let built = ID.sync_scope(6, || {
        baton_context::thread::Builder::new()
            .name("child".into())
            .spawn(|| ID.get())
            .unwrap()
    });
    assert_eq!(built.join().unwrap(), Some(6));
    // Contrast: a plain std thread starts empty.
    let raw = ID.sync_scope(7, || std::thread::spawn(|| ID.get()));
    assert_eq!(raw.join().unwrap(), None);
}

#[test]
fn join_set_carries_locals() {
    runtime().block_on(async {
        let mut set = tokio::task::JoinSet::new();
        ID.scope(8, async {
            set.spawn_in_current_context(async {
                tokio::task::yield_now().await;
                ID.get()
            });
            set.spawn_blocking_in_current_context(|| ID.get());
        })
        .await;
        assert_eq!(set.join_all().await, [Some(8), Some(8)]);
    });
}

#[test]
fn grandchildren_inherit_through_every_hop() {
    runtime().block_on(async {
        let handle = ID.sync_scope(9, || {
            baton_context::spawn(async {
                baton_context::spawn_blocking(|| baton_context::thread::spawn(|| ID.get()))
                    .await
                    .unwrap()
                    .join()
                    .unwrap()
            })
        });
        assert_eq!(handle.await.unwrap(), Some(9));
    });
}

#[test]
fn in_current_context_works_on_any_executor() {
    let fut = ID.sync_scope(10, || async { ID.get() }.in_current_context());
    // Contrast: tokio::spawn of a bare future loses the context.
    let bare = ID.sync_scope(10, || async { ID.get() });
    let rt = runtime();
    assert_eq!(rt.block_on(rt.spawn(fut)).unwrap(), Some(10));
    assert_eq!(rt.block_on(rt.spawn(bare)).unwrap(), None);
}

#[test]
fn streams_keep_context_on_every_item() {
    let stream = ID.sync_scope(11, || {
        futures_util::stream::iter(0..3)
            .then(|i| async move {
                tokio::task::yield_now().await;
                ID.get().map(|id| id * 10 + i)
            })
            .in_current_context()
    });
    let rt = runtime();
    let items: Vec<_> = rt.block_on(rt.spawn(stream.collect::<Vec<_>>())).unwrap();
    assert_eq!(items, [Some(110), Some(111), Some(112)]);
}
