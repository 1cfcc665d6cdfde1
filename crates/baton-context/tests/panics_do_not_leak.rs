//! A panic inside a scope detaches the scope's context while unwinding, so the next task or
//! closure on the same thread never sees the panicking request's values.
//!
//! Strict mode takes its own path through every poll and closure, and `--all-features` turns
//! it on from the start, so each test runs its body with strict mode off and then on. The
//! switch is process-wide, hence `SERIAL`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, PoisonError};

use baton_context::{Carry, Local, Snapshot, strict};
use futures_util::FutureExt as _; // now_or_never

static ID: Local<u32> = Local::new("id");
static SERIAL: Mutex<()> = Mutex::new(());

/// The message of a caught panic: each panic below reports the value it saw, so the tests
/// also check that the scope was in force up to the panic.
fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload.downcast::<String>().map(|s| *s).unwrap_or_default()
}

fn in_both_modes(body: impl Fn()) {
    let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    strict::disable();
    body();
    strict::enable();
    body();
}

#[test]
fn a_task_panicking_in_a_scope_does_not_leak_into_the_next_task_on_the_thread() {
    in_both_modes(a_task_panicking_in_a_scope);
}

fn a_task_panicking_in_a_scope() {
    // One thread: the panicking task and the next one share the worker.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let scoped = tokio::spawn(ID.scope(1, async {
            tokio::task::yield_now().await;
            panic!("saw {:?}", ID.get());
        }));
        assert_eq!(
            message(scoped.await.unwrap_err().into_panic()),
            "saw Some(1)"
        );
        let snapshot = ID.sync_scope(2, Snapshot::capture);
        let in_context = tokio::spawn(snapshot.run(async { panic!("saw {:?}", ID.get()) }));
        assert_eq!(
            message(in_context.await.unwrap_err().into_panic()),
            "saw Some(2)"
        );
        assert_eq!(tokio::spawn(async { ID.get() }).await.unwrap(), None);
    });
    assert_eq!(ID.get(), None);
}

#[test]
fn a_poll_panicking_under_catch_unwind_restores_the_outer_context() {
    in_both_modes(a_poll_panicking_under_catch_unwind);
}

fn a_poll_panicking_under_catch_unwind() {
    let fut = ID.sync_scope(3, || {
        async { panic!("saw {:?}", ID.get()) }.in_current_context()
    });
    ID.sync_scope(4, || {
        let caught = catch_unwind(AssertUnwindSafe(|| fut.now_or_never()));
        assert_eq!(message(caught.unwrap_err()), "saw Some(3)");
        assert_eq!(ID.get(), Some(4));
    });
    assert_eq!(ID.get(), None);
}

#[test]
fn a_closure_panicking_in_sync_scope_or_run_sync_restores_the_outer_context() {
    in_both_modes(a_closure_panicking_in_sync_scope_or_run_sync);
}

fn a_closure_panicking_in_sync_scope_or_run_sync() {
    let caught = catch_unwind(|| ID.sync_scope(5, || panic!("saw {:?}", ID.get())));
    assert_eq!(message(caught.unwrap_err()), "saw Some(5)");
    assert_eq!(ID.get(), None);
    let snapshot = ID.sync_scope(6, Snapshot::capture);
    let caught = catch_unwind(AssertUnwindSafe(|| {
        snapshot.run_sync(|| panic!("saw {:?}", ID.get()))
    }));
    assert_eq!(message(caught.unwrap_err()), "saw Some(6)");
    assert_eq!(ID.get(), None);
}
