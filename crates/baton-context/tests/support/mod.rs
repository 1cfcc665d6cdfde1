//! Helpers shared by the integration tests.

#![allow(dead_code, unreachable_pub)]

use opentelemetry::Context;
use opentelemetry::trace::{SpanId, TraceContextExt, Tracer, TracerProvider as _};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider, Span};

/// A tracer with the SDK's defaults (always-on sampling) and no exporter: spans record their
/// parent, which is all these tests read.
pub fn tracer() -> SdkTracer {
    SdkTracerProvider::builder()
        .build()
        .tracer("baton-context-tests")
}

/// The span id of the current context's active span.
pub fn current_span_id() -> SpanId {
    Context::map_current(|cx| cx.span().span_context().span_id())
}

/// The parent span id recorded by an SDK span.
pub fn parent_of(span: &Span) -> SpanId {
    span.exported_data()
        .expect("SDK spans with an always-on sampler record their data")
        .parent_span_id
}

/// Starts a span through the plain OpenTelemetry tracer API and returns its parent's id.
pub fn parent_of_new_span(tracer: &SdkTracer) -> SpanId {
    let span = tracer.start("child");
    parent_of(&span)
}
