//! Logs and spans agree on one trace whichever API started the span: the ids on a line are
//! those `tracing-opentelemetry` gives the event's tracing span, unless that span belongs to
//! another trace than the request's context.

mod support;

use baton_context::Snapshot;
use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, Tracer,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::SdkTracer;
use tracing::Instrument;
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::prelude::*;

use support::{
    Capture, Expected, LINES_PER_REQUEST, REQUEST_ID, assert_json_line, assert_text_line,
    json_layer, otel_ids, serve_in, text_layer, tracer,
};

enum Lines {
    Text,
    Json,
}

/// Makes `tracing-opentelemetry` over `sdk`, then a correlated layer writing `lines` into
/// `capture`, this thread's subscriber until the guard drops.
fn install(
    sdk: &SdkTracer,
    context_activation: bool,
    lines: Lines,
    capture: &Capture,
) -> DefaultGuard {
    let registry = tracing_subscriber::registry().with(
        tracing_opentelemetry::layer()
            .with_tracer(sdk.clone())
            .with_context_activation(context_activation),
    );
    match lines {
        Lines::Text => tracing::subscriber::set_default(registry.with(text_layer(capture))),
        Lines::Json => tracing::subscriber::set_default(registry.with(json_layer(capture))),
    }
}

/// A tracing span opened inside a Baton/OpenTelemetry request: the log line shows the tracing
/// span's OpenTelemetry span id, in the request's trace.
async fn tracing_span_inside_request(context_activation: bool) {
    let (capture, sdk) = (Capture::default(), tracer());
    let _default = install(&sdk, context_activation, Lines::Json, &capture);

    let request = sdk.start("request");
    let request_sc = request.span_context().clone();
    let cx = REQUEST_ID.bind(&Context::current_with_span(request), "req-t".to_owned());
    let charge_ids = Snapshot::from(cx)
        .run(async {
            let charge = tracing::info_span!("charge");
            async {
                tokio::task::yield_now().await;
                tracing::info!("charging");
            }
            .instrument(charge.clone())
            .await;
            otel_ids(&charge)
        })
        .await;

    let objects = capture.json_lines();
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert_eq!(charge_ids.0, request_sc.trace_id(), "one trace");
    assert_ne!(charge_ids.1, request_sc.span_id());
    assert_json_line(
        &objects[0],
        &Expected::new(request_sc.trace_id(), charge_ids.1, "req-t"),
    );
}

#[tokio::test]
async fn tracing_span_ids_win_inside_a_baton_request() {
    tracing_span_inside_request(true).await;
}

#[tokio::test]
async fn tracing_span_ids_win_without_context_activation() {
    // With activation off, `Context::current()` still holds the request span: only asking
    // tracing-opentelemetry for the tracing span's data finds `charge`.
    tracing_span_inside_request(false).await;
}

#[tokio::test]
async fn tracing_span_entered_outside_a_baton_context_still_wins() {
    // `snapshot.run(..).instrument(span)`: the span is entered first, then the snapshot
    // attaches the context it captured earlier, which has no span. The tracing span is still
    // the event's span.
    let (capture, sdk) = (Capture::default(), tracer());
    let _default = install(&sdk, true, Lines::Text, &capture);

    let request = Snapshot::from(REQUEST_ID.bind(&Context::current(), "req-o".to_owned()));
    let handle = tracing::info_span!("handle");
    request
        .run(async { tracing::info!("handling") })
        .instrument(handle.clone())
        .await;
    let (trace_id, span_id) = otel_ids(&handle);

    let lines = capture.lines();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_text_line(&lines[0], &Expected::new(trace_id, span_id, "req-o"));
}

#[tokio::test]
async fn one_trace_whichever_api_starts_the_span() {
    let (capture, sdk) = (Capture::default(), tracer());
    let _default = install(&sdk, true, Lines::Json, &capture);

    // tracing starts the trace, the OpenTelemetry API (and Baton) continue it, tracing
    // continues it again.
    let root = tracing::info_span!("root");
    let (root_trace, root_span) = otel_ids(&root);
    let (otel_child, grandchild) = async {
        tracing::info!("in the tracing root");
        let child = sdk
            .span_builder("otel child")
            .with_attributes([KeyValue::new("api", "opentelemetry")])
            .start(&sdk);
        let child_sc = child.span_context().clone();
        let cx = REQUEST_ID.bind(&Context::current_with_span(child), "req-w".to_owned());
        let grandchild = Snapshot::from(cx)
            .run(async {
                tracing::info!("in the OpenTelemetry child, no tracing span of its own");
                let grandchild = tracing::info_span!("grandchild");
                async { tracing::info!("in the tracing grandchild") }
                    .instrument(grandchild.clone())
                    .await;
                otel_ids(&grandchild)
            })
            .await;
        (child_sc, grandchild)
    }
    .instrument(root.clone())
    .await;

    assert_eq!(otel_child.trace_id(), root_trace);
    assert_eq!(grandchild.0, root_trace);

    let objects = capture.json_lines();
    assert_eq!(objects.len(), 3, "{objects:?}");
    for object in &objects {
        assert_eq!(
            object["trace_id"],
            root_trace.to_string().as_str(),
            "{object:?}"
        );
    }
    assert_eq!(objects[0]["span_id"], root_span.to_string().as_str());
    // Within one trace the innermost tracing span is the one reported.
    assert_eq!(objects[1]["span_id"], root_span.to_string().as_str());
    assert_ne!(otel_child.span_id(), root_span);
    assert_eq!(objects[1]["request_id"], "req-w");
    assert_eq!(objects[2]["span_id"], grandchild.1.to_string().as_str());
    assert_eq!(objects[2]["request_id"], "req-w");
}

#[tokio::test]
async fn a_request_inside_an_unrelated_tracing_span_logs_the_request_trace() {
    // An outer tracing middleware opened its span before the inbound context was extracted,
    // so that span started a trace of its own; the request continues the inbound trace.
    let (capture, sdk) = (Capture::default(), tracer());
    let _default = install(&sdk, true, Lines::Text, &capture);

    let inbound_trace = TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736);
    let inbound = Context::new().with_remote_span_context(SpanContext::new(
        inbound_trace,
        SpanId::from(0x00f0_67aa_0ba9_02b7),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    ));

    let outer = tracing::info_span!("http request");
    let (outer_trace, _) = otel_ids(&outer);
    let expected = serve_in(&inbound, &sdk, "req-u").instrument(outer).await;

    assert_ne!(outer_trace, inbound_trace);
    assert_eq!(expected.trace_id, inbound_trace.to_string());
    let lines = capture.lines();
    assert_eq!(lines.len(), LINES_PER_REQUEST, "{lines:#?}");
    for line in &lines {
        assert_text_line(line, &expected);
    }
}
