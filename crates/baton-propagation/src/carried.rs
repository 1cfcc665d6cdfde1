//! State a propagator extracts beyond the span context, kept with the trace it arrived on.
//!
//! A debug decision, a Jaeger debug id, Datadog's origin, tags and priority and X-Ray's extra
//! fields have no place in [`SpanContext`](opentelemetry::trace::SpanContext), so they travel
//! in the [`Context`] beside it. A context value outlives the span context it came with: a new
//! root started under the extracted context, or a span of another trace made current, sees it
//! too. Each such value is therefore stored as a [`Carried`], which remembers the trace and span
//! it arrived with, and read back only for a span context of that trace, the way `tracestate`
//! rides on the remote span context itself.

use opentelemetry::Context;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceId};

/// `value` as extracted, with the trace and span it arrived with; both ids are invalid for a
/// value that arrived without a trace (a B3 sampling-only header, a Jaeger debug id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Carried<T> {
    trace_id: TraceId,
    span_id: SpanId,
    value: T,
}

/// How closely the span context being injected matches the one a value arrived with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Match {
    /// The same trace, another span (a local child, or a sibling made current).
    Trace,
    /// The very span context the value arrived with (or no trace, for a value that had none).
    Span,
}

/// The ids a value is bound to for `sc`: the trace and span, or none when `sc` is not valid
/// (so that a span context with a trace id but no span id never picks up trace-less state).
fn ids(sc: &SpanContext) -> (TraceId, SpanId) {
    if sc.is_valid() {
        (sc.trace_id(), sc.span_id())
    } else {
        (TraceId::INVALID, SpanId::INVALID)
    }
}

impl<T: Send + Sync + 'static> Carried<T> {
    /// `cx` carrying `value` for the trace and span of `cx`'s span context (for no trace when it
    /// has none), replacing any value of the same type.
    pub(crate) fn store(cx: &Context, value: T) -> Context {
        let (trace_id, span_id) = ids(cx.span().span_context());
        cx.with_value(Carried {
            trace_id,
            span_id,
            value,
        })
    }

    /// The value stored in `cx` and how it matches `cx`'s span context; `None` when there is
    /// none or it belongs to another trace.
    pub(crate) fn get(cx: &Context) -> Option<(&T, Match)> {
        let carried = cx.get::<Carried<T>>()?;
        let (trace_id, span_id) = ids(cx.span().span_context());
        if trace_id != carried.trace_id {
            return None;
        }
        let how = if span_id == carried.span_id {
            Match::Span
        } else {
            Match::Trace
        };
        Some((&carried.value, how))
    }

    /// The value stored in `cx` when `cx`'s span context belongs to the trace it arrived with.
    pub(crate) fn in_trace(cx: &Context) -> Option<&T> {
        Self::get(cx).map(|(value, _)| value)
    }
}
