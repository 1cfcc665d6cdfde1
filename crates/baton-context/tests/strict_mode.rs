//! Strict mode catches each misuse of the imperative guards it claims to, with locations.
//!
//! The violation list is process-wide and plain `cargo test` runs these tests on parallel
//! threads of one process, so each test holds `SERIAL` and drains the list before and after.

use std::panic::Location;
use std::sync::{Mutex, MutexGuard, PoisonError};

use baton_context::strict::{self, Violation, ViolationKind};
use baton_context::{Local, Snapshot};

static ID: Local<u32> = Local::new("id");
static SERIAL: Mutex<()> = Mutex::new(());

fn strict_test() -> MutexGuard<'static, ()> {
    // A `should_panic` test poisons the lock; the list it protects is drained anyway.
    let lock = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    strict::enable();
    let _ = strict::take_violations();
    lock
}

/// The violations raised by code in this file.
fn ours() -> Vec<Violation> {
    strict::take_violations()
        .into_iter()
        .filter(|v| v.guard().file() == file!())
        .collect()
}

#[track_caller]
fn here() -> &'static Location<'static> {
    Location::caller()
}

#[test]
fn local_guards_dropped_out_of_order_are_reported_with_both_locations() {
    let _serial = strict_test();
    let outer = ID.set(1);
    let outer_at = here();
    let inner = ID.set(2);
    let inner_at = here();
    drop(outer);
    drop(inner);
    let violations = ours();
    assert_eq!(violations.len(), 1, "{violations:?}");
    let v = &violations[0];
    assert_eq!(v.kind(), ViolationKind::OutOfOrder);
    assert_eq!(v.guard().line(), outer_at.line() - 1);
    assert_eq!(v.other().unwrap().line(), inner_at.line() - 1);
    let message = v.to_string();
    assert!(
        message.contains(&format!("{}:{}", file!(), outer_at.line() - 1)),
        "{message}"
    );
    assert!(
        message.contains(&format!("{}:{}", file!(), inner_at.line() - 1)),
        "{message}"
    );
    assert!(message.contains("dropped out of order"), "{message}");
}

#[test]
fn snapshot_guards_dropped_out_of_order_are_reported() {
    let _serial = strict_test();
    let snapshot = ID.sync_scope(1, Snapshot::capture);
    let first = snapshot.attach();
    let second = ID.set(2);
    drop(first);
    drop(second);
    let violations = ours();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].kind(), ViolationKind::OutOfOrder);
}

#[test]
fn well_nested_guards_are_clean() {
    let _serial = strict_test();
    {
        let _a = ID.set(1);
        let _b = Snapshot::capture().attach();
        let _c = ID.set(3);
        assert_eq!(ID.get(), Some(3));
    }
    assert_eq!(ID.get(), None);
    strict::assert_clean();
    assert!(ours().is_empty());
}

#[test]
fn a_guard_held_across_an_await_outlives_the_poll() {
    let _serial = strict_test();
    // The guard makes the future `!Send`; a current-thread `block_on` accepts it, and that is
    // exactly where the request's context would leak into the next task on this thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let scope_at = here();
    rt.block_on(ID.scope(1, async {
        let _guard = ID.set(2);
        tokio::task::yield_now().await;
        // After the await the scope's own context is attached again on top: the guard's
        // binding is silently gone, one more reason guards must not cross an `.await`.
        assert_eq!(ID.get(), Some(1));
    }));
    let violations = ours();
    assert_eq!(violations.len(), 1, "{violations:?}");
    let v = &violations[0];
    assert_eq!(v.kind(), ViolationKind::OutlivedScope);
    assert_eq!(v.other().unwrap().line(), scope_at.line() + 1);
    assert!(
        v.to_string().contains("still attached when the scope"),
        "{v}"
    );
}

#[test]
fn a_guard_forgotten_in_sync_scope_outlives_it() {
    let _serial = strict_test();
    let line = line!() + 1;
    ID.sync_scope(1, || std::mem::forget(ID.set(2)));
    let violations = ours();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].kind(), ViolationKind::OutlivedScope);
    assert_eq!(violations[0].guard().line(), line);
    assert_eq!(violations[0].other().unwrap().line(), line);
}

#[test]
fn a_guard_forgotten_in_run_sync_outlives_it() {
    let _serial = strict_test();
    let snapshot = Snapshot::capture();
    let line = line!() + 1;
    snapshot.run_sync(|| std::mem::forget(snapshot.attach()));
    let violations = ours();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].kind(), ViolationKind::OutlivedScope);
    assert_eq!(violations[0].other().unwrap().line(), line);
}

// `baton_context::spawn` needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[test]
fn a_guard_forgotten_in_a_spawned_task_is_reported_from_the_worker() {
    let _serial = strict_test();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let worker = rt
        .block_on(async {
            baton_context::spawn(async {
                std::mem::forget(ID.set(2));
                std::thread::current().id()
            })
            .await
        })
        .unwrap();
    let violations = ours();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].kind(), ViolationKind::OutlivedScope);
    assert_eq!(violations[0].thread(), worker);
}

#[test]
fn a_forgotten_guard_in_a_thread_is_reported() {
    let _serial = strict_test();
    baton_context::thread::spawn(|| std::mem::forget(ID.set(1)))
        .join()
        .unwrap();
    let violations = ours();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].kind(), ViolationKind::OutlivedScope);
}

#[test]
#[should_panic(expected = "leaked: still attached at")]
fn assert_clean_fails_a_test_that_leaked_a_guard() {
    let _serial = strict_test();
    std::mem::forget(ID.set(1));
    strict::assert_clean();
}

#[test]
fn assert_clean_reports_the_leak_and_drains_the_list() {
    let _serial = strict_test();
    // The thread ends right after, so the leaked context cannot affect other tests.
    let message = std::thread::spawn(|| {
        std::mem::forget(ID.set(1));
        let caught = std::panic::catch_unwind(|| strict::assert_clean()).unwrap_err();
        caught.downcast_ref::<String>().cloned().unwrap()
    })
    .join()
    .unwrap();
    assert!(message.starts_with("1 context violation(s):"), "{message}");
    assert!(message.contains(file!()), "{message}");
    assert!(ours().is_empty());
}

#[test]
fn guards_created_while_disabled_are_not_tracked() {
    let _serial = strict_test();
    strict::disable();
    ID.sync_scope(1, || std::mem::forget(ID.set(2)));
    let a = ID.set(3);
    let b = ID.set(4);
    drop(a);
    drop(b);
    strict::enable();
    assert!(ours().is_empty());
}

#[test]
fn a_guard_forgotten_before_a_panic_is_reported_once() {
    let _serial = strict_test();
    // On its own thread: the forgotten guard's context stays attached to it.
    let scope_line = line!() + 3;
    let thread = std::thread::spawn(|| {
        let caught = std::panic::catch_unwind(|| {
            ID.sync_scope(1, || {
                std::mem::forget(ID.set(2));
                panic!("the request failed");
            })
        });
        assert!(caught.is_err());
        let violations = ours();
        // Reported once, by the scope: not again as a leak.
        strict::assert_clean();
        violations
    });
    let violations = thread.join().unwrap();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].kind(), ViolationKind::OutlivedScope);
    assert_eq!(violations[0].other().unwrap().line(), scope_line);
}

#[test]
fn a_guard_forgotten_in_a_panicking_task_is_reported() {
    let _serial = strict_test();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let scope_line = line!() + 2;
    let result = rt.block_on(async {
        tokio::spawn(ID.scope(1, async {
            std::mem::forget(ID.set(2));
            panic!("the request failed");
        }))
        .await
    });
    assert!(result.unwrap_err().is_panic());
    let violations = ours();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].kind(), ViolationKind::OutlivedScope);
    assert_eq!(violations[0].other().unwrap().line(), scope_line);
}

#[test]
fn a_guard_leaked_from_a_scope_that_dropped_an_older_guard_is_reported() {
    let _serial = strict_test();
    let scope_line = line!() + 5;
    // On its own thread: the leaked guard's context stays attached to it.
    let older_line = std::thread::spawn(|| {
        let older = ID.set(1);
        let older_line = line!() - 1;
        ID.sync_scope(2, move || {
            let newer = ID.set(3);
            drop(older);
            std::mem::forget(newer);
        });
        older_line
    })
    .join()
    .unwrap();
    let mut violations = ours();
    violations.sort_by_key(|v| v.guard().line());
    assert_eq!(violations.len(), 2, "{violations:?}");
    assert_eq!(violations[0].kind(), ViolationKind::OutOfOrder);
    assert_eq!(violations[0].guard().line(), older_line);
    assert_eq!(violations[1].kind(), ViolationKind::OutlivedScope);
    assert_eq!(violations[1].other().unwrap().line(), scope_line);
}

#[test]
fn correct_use_across_nested_scopes_snapshots_and_panics_is_clean() {
    let _serial = strict_test();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let snapshot = ID.sync_scope(1, Snapshot::capture);
    rt.block_on(ID.scope(2, async {
        // A guard dropped within one poll, inside a snapshot run inside the scope.
        snapshot
            .clone()
            .run(async {
                {
                    let _guard = ID.set(3);
                    assert_eq!(ID.get(), Some(3));
                }
                tokio::task::yield_now().await;
                assert_eq!(ID.get(), Some(1));
            })
            .await;
        assert_eq!(ID.get(), Some(2));
    }));
    // Guards dropped in order across nested sync scopes and a run_sync.
    let outer = ID.set(4);
    ID.sync_scope(5, || {
        let inner = ID.set(6);
        snapshot.run_sync(|| {
            let innermost = ID.set(7);
            ID.sync_scope(8, || assert_eq!(ID.get(), Some(8)));
            drop(innermost);
        });
        drop(inner);
    });
    drop(outer);
    // A panic unwinding through a guard drops it in order.
    let caught = std::panic::catch_unwind(|| {
        ID.sync_scope(9, || {
            let _guard = ID.set(10);
            panic!("the request failed");
        })
    });
    assert!(caught.is_err());
    assert_eq!(ID.get(), None);
    strict::assert_clean();
}
