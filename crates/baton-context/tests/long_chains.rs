//! A context with a very long chain of bindings is dropped without recursing, so even a small
//! stack survives it.

use baton_context::Local;
use opentelemetry::Context;

static DEPTH: Local<u32> = Local::new("depth");
static HIDDEN: Local<u32> = Local::new("hidden").not_inherited();

const BINDINGS: u32 = 200_000;
/// A quarter of the smallest default thread stack: a recursive drop needs far more.
const STACK: usize = 256 * 1024;

fn on_a_small_stack(work: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(work)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn dropping_a_long_chain_does_not_overflow_the_stack() {
    on_a_small_stack(|| {
        let mut cx = Context::new();
        for depth in 0..BINDINGS {
            cx = DEPTH.bind(&cx, depth);
        }
        assert_eq!(DEPTH.get_in(&cx), Some(BINDINGS - 1));
        drop(cx);
    });
}

#[test]
fn dropping_a_long_chain_stripped_for_a_spawn_does_not_overflow_the_stack() {
    on_a_small_stack(|| {
        let mut cx = HIDDEN.bind(&Context::new(), 0);
        for depth in 0..BINDINGS {
            cx = DEPTH.bind(&cx, depth);
        }
        let child =
            baton_context::Snapshot::from(cx.clone()).run_sync(baton_context::Snapshot::for_spawn);
        drop(cx);
        assert_eq!(child.get(&DEPTH), Some(BINDINGS - 1));
        assert_eq!(child.get(&HIDDEN), None);
        drop(child);
    });
}
