//! The public types that cross tasks and threads are `Send + Sync`.
//!
//! The guards are deliberately not: see the `compile_fail` examples on `Local::set` and
//! `Snapshot::attach`.

use std::future::Ready;

use baton_context::strict::{Violation, ViolationKind};
use baton_context::{InContext, Local, Scope, Snapshot};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn public_types_are_send_and_sync() {
    assert_send_sync::<Local<String>>();
    assert_send_sync::<Snapshot>();
    assert_send_sync::<InContext<Ready<u8>>>();
    assert_send_sync::<Scope<String, Ready<u8>>>();
    assert_send_sync::<Violation>();
    assert_send_sync::<ViolationKind>();
    assert_send_sync::<baton_context::thread::Builder>();
    assert_send_sync::<opentelemetry::Context>();
}

#[test]
fn wrapped_futures_stay_spawnable() {
    static ID: Local<u32> = Local::new("id");
    fn assert_spawnable<F: std::future::Future + Send + 'static>(f: F) -> F {
        f
    }
    let fut = assert_spawnable(ID.scope(1, async { ID.get() }));
    assert_eq!(futures_util::FutureExt::now_or_never(fut), Some(Some(1)));
}
