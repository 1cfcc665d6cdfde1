//! A non-inherited value is dropped when the scope that bound it ends, even while work spawned
//! beneath it (with inherited locals bound above the non-inherited one) is still running: a
//! child holds nothing of it.

use std::sync::{Arc, Weak, mpsc};

use baton_context::{Carry, Local};

/// Stands for a request's database transaction.
struct Transaction;

static TRANSACTION: Local<Arc<Transaction>> = Local::new("transaction").not_inherited();
static REQUEST: Local<u32> = Local::new("request");
static STEP: Local<u32> = Local::new("step");

/// Binds an inherited local below and above the transaction, so the child's bindings are
/// rebuilt around it, and returns what `spawn` returned plus a handle on the transaction.
fn in_request<R>(spawn: impl FnOnce() -> R) -> (R, Weak<Transaction>) {
    let transaction = Arc::new(Transaction);
    let weak = Arc::downgrade(&transaction);
    let spawned = REQUEST.sync_scope(1, || {
        TRANSACTION.sync_scope(transaction, || STEP.sync_scope(2, spawn))
    });
    (spawned, weak)
}

fn seen() -> (Option<u32>, Option<u32>, bool) {
    (REQUEST.get(), STEP.get(), TRANSACTION.get().is_some())
}

#[cfg(feature = "tokio")]
#[test]
fn a_pending_spawned_task_does_not_keep_the_transaction_alive() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let (child, transaction) = in_request(|| {
            baton_context::spawn(async move {
                released.await.unwrap();
                seen()
            })
        });
        assert!(
            transaction.upgrade().is_none(),
            "the transaction outlived its scope through a pending child"
        );
        release.send(()).unwrap();
        assert_eq!(child.await.unwrap(), (Some(1), Some(2), false));
    });
}

#[test]
fn a_future_carried_into_a_plain_spawn_does_not_keep_the_transaction_alive() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let (child, transaction) = in_request(|| {
            tokio::spawn(
                async move {
                    released.await.unwrap();
                    seen()
                }
                .in_current_context(),
            )
        });
        assert!(transaction.upgrade().is_none());
        release.send(()).unwrap();
        assert_eq!(child.await.unwrap(), (Some(1), Some(2), false));
    });
}

#[test]
fn a_running_thread_does_not_keep_the_transaction_alive() {
    let (release, released) = mpsc::channel::<()>();
    let (child, transaction) = in_request(|| {
        baton_context::thread::spawn(move || {
            released.recv().unwrap();
            seen()
        })
    });
    assert!(transaction.upgrade().is_none());
    release.send(()).unwrap();
    assert_eq!(child.join().unwrap(), (Some(1), Some(2), false));
}

#[test]
fn the_transaction_lives_as_long_as_its_own_scope() {
    // Contrast: the binding task itself keeps it until its scope ends.
    let (alive_inside, transaction) = in_request(|| TRANSACTION.get().is_some());
    assert!(alive_inside);
    assert!(transaction.upgrade().is_none());
}
