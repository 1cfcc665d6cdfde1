//! Baton and the OpenTelemetry API see each other's context.

mod support;

use baton_context::{Carry, Local, Snapshot};
use futures_util::FutureExt as _; // now_or_never
use opentelemetry::baggage::BaggageExt;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{Span as _, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};

static ID: Local<u32> = Local::new("id");

#[derive(Debug, PartialEq)]
struct TheirValue(&'static str);

// `baton_context::spawn` needs the `tokio` feature.
#[cfg(feature = "tokio")]
#[test]
fn a_span_started_inside_a_scope_has_the_scope_span_as_parent() {
    let tracer = support::tracer();
    let parent = tracer.start("request");
    let parent_id = parent.span_context().span_id();
    let cx = Context::new().with_span(parent);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (direct, spawned) = rt.block_on(
        ID.scope(1, async {
            tokio::task::yield_now().await;
            let direct = support::parent_of_new_span(&tracer);
            let tracer = tracer.clone();
            let spawned = baton_context::spawn(async move { support::parent_of_new_span(&tracer) });
            (direct, spawned.await.unwrap())
        })
        .in_context(cx),
    );
    assert_eq!(direct, parent_id);
    assert_eq!(spawned, parent_id);
}

#[test]
fn a_span_attached_with_plain_context_attach_is_visible_to_baton() {
    let tracer = support::tracer();
    let span = tracer.start("theirs");
    let span_id = span.span_context().span_id();
    let snapshot = {
        let _guard = Context::current_with_span(span).attach();
        ID.sync_scope(2, Snapshot::capture)
    };
    assert!(snapshot.context().has_active_span());
    assert_eq!(snapshot.context().span().span_context().span_id(), span_id);
    // And it is carried through a Baton thread spawn along with the local.
    let seen = snapshot
        .run_sync(|| baton_context::thread::spawn(|| (ID.get(), support::current_span_id())))
        .join()
        .unwrap();
    assert_eq!(seen, (Some(2), span_id));
}

#[test]
fn otel_with_context_and_baton_scopes_compose() {
    let tracer = support::tracer();
    let span = tracer.start("theirs");
    let span_id = span.span_context().span_id();
    // A Baton scope inside an OpenTelemetry `with_context` future keeps their span.
    let fut = ID
        .scope(3, async { (ID.get(), support::current_span_id()) })
        .with_context(Context::new().with_span(span));
    assert_eq!(fut.now_or_never(), Some((Some(3), span_id)));
}

#[test]
fn otel_with_current_context_sees_baton_locals() {
    let fut = ID.sync_scope(4, || async { ID.get() }.with_current_context());
    assert_eq!(fut.now_or_never(), Some(Some(4)));
}

#[test]
fn their_values_and_baggage_survive_baton_bindings() {
    let cx = Context::new()
        .with_value(TheirValue("kept"))
        .with_baggage([KeyValue::new("k", "v")]);
    let _guard = cx.attach();
    let seen = ID.sync_scope(6, || {
        Context::map_current(|cx| {
            (
                cx.get::<TheirValue>().map(|v| v.0),
                cx.baggage().get("k").map(|v| v.to_string()),
            )
        })
    });
    assert_eq!(seen, (Some("kept"), Some("v".to_owned())));
}

#[test]
fn baton_values_survive_their_with_value() {
    let seen = ID.sync_scope(7, || {
        let cx = Context::current_with_value(TheirValue("added"));
        let _guard = cx.attach();
        (
            ID.get(),
            Context::map_current(|cx| cx.get::<TheirValue>().map(|v| v.0)),
        )
    });
    assert_eq!(seen, (Some(7), Some("added")));
}

#[test]
fn a_future_made_with_in_current_context_carries_their_span() {
    let tracer = support::tracer();
    let span = tracer.start("theirs");
    let span_id = span.span_context().span_id();
    let fut = {
        let _guard = Context::current_with_span(span).attach();
        async { support::current_span_id() }.in_current_context()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    assert_eq!(rt.block_on(rt.spawn(fut)).unwrap(), span_id);
}
