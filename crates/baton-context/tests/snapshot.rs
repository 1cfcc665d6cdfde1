//! Snapshots capture the whole context and keep it, whatever changes afterwards.

mod support;

use std::sync::Arc;

use baton_context::{Local, Snapshot};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::trace::{Span as _, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};

static STEP: Local<&'static str> = Local::new("step");
static USER: Local<&'static str> = Local::new("user");

#[test]
fn snapshot_keeps_values_from_before_a_change() {
    let snapshot = STEP.sync_scope("parse", Snapshot::capture);
    STEP.sync_scope("render", || {
        assert_eq!(STEP.get(), Some("render"));
        assert_eq!(snapshot.run_sync(|| STEP.get()), Some("parse"));
        assert_eq!(STEP.get(), Some("render"));
    });
    assert_eq!(snapshot.get(&STEP), Some("parse"));
    assert_eq!(STEP.get(), None);
}

#[test]
fn snapshot_captures_span_baggage_and_all_locals() {
    let tracer = support::tracer();
    let span = tracer.start("op");
    let span_id = span.span_context().span_id();
    let cx = Context::new()
        .with_span(span)
        .with_baggage([KeyValue::new("tenant", "acme")]);
    let snapshot = {
        let _guard = cx.attach();
        STEP.sync_scope("a", || USER.sync_scope("ada", Snapshot::capture))
    };
    let seen = snapshot.run_sync(|| {
        let baggage = Context::map_current(|cx| cx.baggage().get("tenant").map(|v| v.to_string()));
        (STEP.get(), USER.get(), support::current_span_id(), baggage)
    });
    assert_eq!(
        seen,
        (Some("a"), Some("ada"), span_id, Some("acme".to_owned()))
    );
}

#[test]
fn run_drives_a_future_in_the_snapshot() {
    let snapshot = STEP.sync_scope("then", Snapshot::capture);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let seen = rt.block_on(async {
        tokio::spawn(snapshot.run(async {
            let before = STEP.get();
            tokio::task::yield_now().await;
            (before, STEP.get())
        }))
        .await
    });
    assert_eq!(seen.unwrap(), (Some("then"), Some("then")));
}

#[test]
fn wrap_runs_a_callback_later_elsewhere() {
    let callback = STEP.sync_scope("wrapped", || Snapshot::capture().wrap(|| STEP.get()));
    let seen = STEP.sync_scope("caller", || std::thread::spawn(callback).join().unwrap());
    assert_eq!(seen, Some("wrapped"));
}

#[test]
fn attach_and_detach_restore_the_previous_context() {
    let snapshot = STEP.sync_scope("attached", Snapshot::capture);
    STEP.sync_scope("outer", || {
        {
            let _guard = snapshot.attach();
            assert_eq!(STEP.get(), Some("attached"));
        }
        assert_eq!(STEP.get(), Some("outer"));
    });
}

#[test]
fn an_empty_snapshot_clears_everything() {
    let empty = Snapshot::default();
    let seen = STEP.sync_scope("x", || empty.run_sync(|| STEP.get()));
    assert_eq!(seen, None);
}

#[test]
fn many_captures_share_one_context() {
    // O(1) capture: a snapshot is the context itself, so capturing in a loop neither clones
    // the values nor rebinds them. A deep copy would clone the `Arc` once per capture.
    static BODY: Local<Arc<Vec<u8>>> = Local::new("body");
    let body = Arc::new(vec![1, 2, 3]);
    let snapshots: Vec<_> = BODY.sync_scope(Arc::clone(&body), || {
        (0..1000).map(|_| Snapshot::capture()).collect()
    });
    // Ours and the one binding, shared by every capture.
    assert_eq!(Arc::strong_count(&body), 2);
    for snapshot in &snapshots {
        let shared = snapshot.run_sync(|| BODY.with(|seen| Arc::ptr_eq(seen.unwrap(), &body)));
        assert!(shared);
    }
    drop(snapshots);
    assert_eq!(
        Arc::strong_count(&body),
        1,
        "the binding is released with the last capture"
    );
}

#[test]
fn snapshot_converts_to_and_from_context() {
    let cx: Context = STEP.sync_scope("conv", Snapshot::capture).into();
    assert_eq!(STEP.get_in(&cx), Some("conv"));
    let back = Snapshot::from(cx);
    assert_eq!(back.get(&STEP), Some("conv"));
}
