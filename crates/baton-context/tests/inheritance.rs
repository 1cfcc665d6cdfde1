//! Non-inherited locals stay with the work that bound them; inherited ones follow spawns.
#![cfg(feature = "tokio")]

use baton_context::{Carry, JoinSetExt, Local, Snapshot};
use futures_util::FutureExt as _; // now_or_never

static REQUEST: Local<u32> = Local::new("request");
static TRANSACTION: Local<u32> = Local::new("transaction").not_inherited();
static PRIORITY: Local<u8> = Local::new("priority").not_inherited().with_default(|| 1);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

type Seen = (Option<u32>, Option<u32>, Option<u8>);

fn seen() -> Seen {
    (REQUEST.get(), TRANSACTION.get(), PRIORITY.get())
}

fn in_request<R>(f: impl FnOnce() -> R) -> R {
    REQUEST.sync_scope(1, || {
        TRANSACTION.sync_scope(2, || PRIORITY.sync_scope(9, f))
    })
}

const IN_CHILD: Seen = (Some(1), None, Some(1));

#[test]
fn the_binding_task_sees_everything() {
    assert_eq!(in_request(seen), (Some(1), Some(2), Some(9)));
}

#[test]
fn spawn_strips_non_inherited_locals() {
    let rt = runtime();
    let child = rt.block_on(async { in_request(|| baton_context::spawn(async { seen() })).await });
    assert_eq!(child.unwrap(), IN_CHILD);
}

#[test]
fn spawn_blocking_strips_non_inherited_locals() {
    let rt = runtime();
    let child = rt.block_on(async { in_request(|| baton_context::spawn_blocking(seen)).await });
    assert_eq!(child.unwrap(), IN_CHILD);
}

#[test]
fn threads_strip_non_inherited_locals() {
    let handle = in_request(|| baton_context::thread::spawn(seen));
    assert_eq!(handle.join().unwrap(), IN_CHILD);
}

#[test]
fn thread_builders_strip_non_inherited_locals() {
    let handle = in_request(|| baton_context::thread::Builder::new().spawn(seen)).unwrap();
    assert_eq!(handle.join().unwrap(), IN_CHILD);
}

#[test]
fn join_set_strips_non_inherited_locals() {
    let rt = runtime();
    let results = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        in_request(|| {
            set.spawn_in_current_context(async { seen() });
            set.spawn_blocking_in_current_context(seen);
        });
        set.join_all().await
    });
    assert_eq!(results, [IN_CHILD, IN_CHILD]);
}

#[test]
fn a_child_can_bind_its_own_non_inherited_value() {
    let handle = in_request(|| baton_context::thread::spawn(|| TRANSACTION.sync_scope(5, seen)));
    assert_eq!(handle.join().unwrap(), (Some(1), Some(5), Some(1)));
}

#[test]
fn shadowed_non_inherited_values_are_all_stripped() {
    let handle = in_request(|| TRANSACTION.sync_scope(3, || baton_context::thread::spawn(seen)));
    assert_eq!(handle.join().unwrap(), IN_CHILD);
}

#[test]
fn snapshots_choose_whether_to_strip() {
    let (full, for_spawn) = in_request(|| (Snapshot::capture(), Snapshot::for_spawn()));
    assert_eq!(full.run_sync(seen), (Some(1), Some(2), Some(9)));
    assert_eq!(for_spawn.run_sync(seen), IN_CHILD);
}

#[test]
fn in_current_context_strips_non_inherited_locals_for_a_plain_spawn() {
    // The shortest spelling is the safe one to hand to `tokio::spawn`.
    let rt = runtime();
    let child = rt.block_on(async {
        tokio::spawn(in_request(|| async { seen() }.in_current_context())).await
    });
    assert_eq!(child.unwrap(), IN_CHILD);
}

#[test]
fn continue_current_context_keeps_everything() {
    // The same unit of work (e.g. a future passed to `join!`) keeps non-inherited locals.
    let fut = in_request(|| async { seen() }.continue_current_context());
    assert_eq!(fut.now_or_never(), Some((Some(1), Some(2), Some(9))));
}

#[test]
fn in_span_strips_non_inherited_locals() {
    let span = opentelemetry::trace::noop::NoopSpan::DEFAULT;
    let fut = in_request(|| async { seen() }.in_span(span));
    assert_eq!(fut.now_or_never(), Some(IN_CHILD));
}

#[test]
fn inherited_locals_survive_stripping_in_order() {
    let handle = REQUEST.sync_scope(1, || {
        TRANSACTION.sync_scope(2, || {
            REQUEST.sync_scope(3, || baton_context::thread::spawn(seen))
        })
    });
    assert_eq!(handle.join().unwrap(), (Some(3), None, Some(1)));
}
