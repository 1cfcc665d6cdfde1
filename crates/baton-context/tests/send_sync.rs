//! Baton's public types that cross tasks and threads are `Send + Sync`, and its guards, which
//! restore the context of the thread that made them, are not `Send`.

use std::future::Ready;

use baton_context::strict::{Violation, ViolationKind};
use baton_context::{InContext, Local, LocalGuard, Scope, Snapshot, SnapshotGuard};
use futures_util::FutureExt as _; // now_or_never

fn assert_send_sync<T: Send + Sync>() {}

/// Compiles only for a type that is not `Send`: for a `Send` type both impls apply and the
/// call is ambiguous (the trick of `static_assertions::assert_not_impl_any!`).
trait NotSend<Which> {
    fn check() {}
}
impl<T: ?Sized> NotSend<()> for T {}
impl<T: ?Sized + Send> NotSend<u8> for T {}

#[test]
fn public_types_are_send_and_sync() {
    assert_send_sync::<Local<String>>();
    assert_send_sync::<Snapshot>();
    assert_send_sync::<InContext<Ready<u8>>>();
    assert_send_sync::<Scope<String, Ready<u8>>>();
    assert_send_sync::<Violation>();
    assert_send_sync::<ViolationKind>();
    assert_send_sync::<baton_context::thread::Builder>();
}

#[test]
fn guards_are_not_send() {
    <LocalGuard as NotSend<_>>::check();
    <SnapshotGuard as NotSend<_>>::check();
}

#[test]
fn wrapped_futures_stay_spawnable() {
    static ID: Local<u32> = Local::new("id");
    fn assert_spawnable<F: std::future::Future + Send + 'static>(f: F) -> F {
        f
    }
    let fut = assert_spawnable(ID.scope(1, async { ID.get() }));
    assert_eq!(fut.now_or_never(), Some(Some(1)));
    let snapshot = ID.sync_scope(2, Snapshot::capture);
    let fut = assert_spawnable(snapshot.run(async { ID.get() }));
    assert_eq!(fut.now_or_never(), Some(Some(2)));
}
