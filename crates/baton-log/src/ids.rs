//! Which trace id and span id an event carries (see the crate docs, "Which ids").

use std::sync::{Arc, OnceLock};

use opentelemetry::Context;
use opentelemetry::trace::{SpanId, TraceContextExt, TraceId};
use tracing_core::Subscriber;
use tracing_core::dispatcher::{self, Dispatch, WeakDispatch};
use tracing_subscriber::fmt::{FmtContext, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The subscriber a formatter runs in, filled by the layer when the subscriber is built: the
/// formatter itself is never told, and needs it to ask `tracing-opentelemetry` about spans.
#[derive(Clone, Debug, Default)]
pub(crate) struct Subscribed(Arc<OnceLock<WeakDispatch>>);

impl Subscribed {
    pub(crate) fn set(&self, subscriber: &Dispatch) {
        // Weak: the subscriber owns the layer that owns this, so a strong handle would be a
        // cycle. A layer registered twice keeps its first subscriber.
        let _ = self.0.set(subscriber.downgrade());
    }

    pub(crate) fn is_set(&self) -> bool {
        self.0.get().is_some()
    }

    fn dispatch(&self) -> Option<Dispatch> {
        match self.0.get() {
            Some(weak) => weak.upgrade(),
            // Nested inside the event's own dispatch this sees the global default, or the
            // no-op dispatcher when a scoped default is active; either way never a
            // subscriber other than the one formatting this event.
            None => Some(dispatcher::get_default(Dispatch::clone)),
        }
    }

    /// The ids of the OpenTelemetry span the event in `ctx` belongs to, if it is valid.
    pub(crate) fn event_ids<S, N>(&self, ctx: &FmtContext<'_, S, N>) -> Option<(TraceId, SpanId)>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
        N: for<'w> FormatFields<'w> + 'static,
    {
        let current = Context::map_current(valid_ids);
        match (self.tracing_span_ids(ctx), current) {
            (Some(span), None) => Some(span),
            (Some(span), Some(current)) if span.0 == current.0 => Some(span),
            // Two traces: the tracing span was opened outside the request's context (say by
            // an outer tracing middleware). The current context is the trace the request
            // continues in, and the one tracing-opentelemetry parents new spans to.
            (_, current) => current,
        }
    }

    fn tracing_span_ids<S, N>(&self, ctx: &FmtContext<'_, S, N>) -> Option<(TraceId, SpanId)>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
        N: for<'w> FormatFields<'w> + 'static,
    {
        let parent = ctx.parent_span()?;
        let dispatch = self.dispatch()?;
        for span in parent.scope() {
            // `None`: this span is unknown to tracing-opentelemetry (or it is not installed);
            // an ancestor may still be known.
            if let Some(cx) = tracing_opentelemetry::get_otel_context(&span.id(), &dispatch) {
                return valid_ids(&cx);
            }
        }
        None
    }
}

/// The ids of `cx`'s span; `None` for an invalid span context (no span, or a no-op
/// tracer's), so that a line never shows all-zero ids.
fn valid_ids(cx: &Context) -> Option<(TraceId, SpanId)> {
    let span = cx.span();
    let sc = span.span_context();
    sc.is_valid().then(|| (sc.trace_id(), sc.span_id()))
}
