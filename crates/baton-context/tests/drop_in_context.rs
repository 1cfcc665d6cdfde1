//! A scoped future or stream is dropped inside its context, like `tracing`'s `Instrumented`:
//! what its destructors see (a drop-time log line, a span ended on drop) is the request's.

use std::sync::mpsc::{self, Receiver, Sender};

use baton_context::{Carry, Local, Snapshot};
use futures_util::FutureExt as _; // now_or_never

static ID: Local<u32> = Local::new("id");

/// Sends the value of `ID` seen by its destructor.
struct Probe(Sender<Option<u32>>);

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = self.0.send(ID.get());
    }
}

fn probe() -> (Probe, Receiver<Option<u32>>) {
    let (tx, rx) = mpsc::channel();
    (Probe(tx), rx)
}

/// A future that owns `probe` and never completes.
async fn hold(probe: Probe) {
    let _probe = probe;
    std::future::pending::<()>().await;
}

#[test]
fn in_context_drops_an_unpolled_future_in_its_context() {
    let (probe, seen) = probe();
    let fut = ID.sync_scope(1, || hold(probe).in_current_context());
    drop(fut);
    assert_eq!(seen.recv().unwrap(), Some(1));
    assert_eq!(ID.get(), None);
}

#[test]
fn snapshot_run_drops_a_pending_future_in_the_snapshot() {
    let (probe, seen) = probe();
    let snapshot = ID.sync_scope(2, Snapshot::capture);
    let fut = ID.sync_scope(9, || snapshot.run(hold(probe)));
    // Polled once (pending), then dropped outside any scope.
    assert_eq!(fut.now_or_never(), None);
    assert_eq!(seen.recv().unwrap(), Some(2));
    assert_eq!(ID.get(), None);
}

#[test]
fn a_polled_scope_drops_its_future_with_the_value_bound() {
    let (probe, seen) = probe();
    let fut = ID.scope(3, hold(probe));
    assert_eq!(fut.now_or_never(), None);
    assert_eq!(seen.recv().unwrap(), Some(3));
    assert_eq!(ID.get(), None);
}

#[test]
fn a_scope_never_polled_binds_nothing_even_on_drop() {
    let (probe, seen) = probe();
    drop(ID.scope(4, hold(probe)));
    assert_eq!(seen.recv().unwrap(), None);
}

#[test]
fn a_stream_is_dropped_in_its_context() {
    let (probe, seen) = probe();
    let stream = ID.sync_scope(5, || {
        futures_util::stream::unfold(probe, |probe| async move { Some((1, probe)) })
            .in_current_context()
    });
    drop(stream);
    assert_eq!(seen.recv().unwrap(), Some(5));
}

// `baton_context::spawn` needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[test]
fn an_aborted_spawned_task_is_dropped_in_the_spawners_context() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (probe, seen) = probe();
    let (started_tx, started) = tokio::sync::oneshot::channel();
    rt.block_on(async {
        let handle = ID.sync_scope(6, || {
            baton_context::spawn(async move {
                let _probe = probe;
                let _ = started_tx.send(());
                std::future::pending::<()>().await;
            })
        });
        started.await.unwrap();
        handle.abort();
        assert!(handle.await.unwrap_err().is_cancelled());
    });
    assert_eq!(seen.recv().unwrap(), Some(6));
}

#[test]
fn a_wrapped_closure_never_called_is_dropped_in_its_snapshot() {
    let (probe, seen) = probe();
    let callback = ID.sync_scope(7, || {
        Snapshot::capture().wrap(move || {
            let _probe = probe;
        })
    });
    // Dropped on another thread, which has no context of its own.
    std::thread::spawn(move || drop(callback)).join().unwrap();
    assert_eq!(seen.recv().unwrap(), Some(7));
    assert_eq!(ID.get(), None);
}

#[test]
fn a_wrapped_closure_drops_its_captures_in_its_snapshot_when_called() {
    let (probe, seen) = probe();
    let callback = ID.sync_scope(8, || {
        Snapshot::capture().wrap(move || {
            let _probe = probe;
            ID.get()
        })
    });
    assert_eq!(std::thread::spawn(callback).join().unwrap(), Some(8));
    assert_eq!(seen.recv().unwrap(), Some(8));
}
