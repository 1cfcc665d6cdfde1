//! The span context the single-trace formats (B3, Jaeger, X-Ray, OT, Datadog) extract.

use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};

/// A remote span context with only the sampled flag: these formats carry no W3C random bit and
/// no tracestate, and their debug or deferred decisions live in `SamplingState`, never in a flag.
pub(crate) fn remote_span_context(trace_id: u128, span_id: u64, sampled: bool) -> SpanContext {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::NOT_SAMPLED
    };
    SpanContext::new(
        TraceId::from(trace_id),
        SpanId::from(span_id),
        flags,
        true,
        TraceState::NONE,
    )
}
