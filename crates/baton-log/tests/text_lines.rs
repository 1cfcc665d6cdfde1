//! Every text line of a request starts with the request's trace id, span id and request id,
//! three awaits deep and inside spawned tasks, coloured or not.

mod support;

use opentelemetry::Context;
use opentelemetry::trace::{SpanContext, TraceContextExt, Tracer, noop::NoopTracer};
use tracing_subscriber::prelude::*;

use support::{
    Capture, LINES_PER_REQUEST, REQUEST_ID, assert_text_line, in_context, serve, text_layer, tracer,
};

#[tokio::test]
async fn every_text_line_of_a_request_carries_its_ids() {
    let capture = Capture::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(text_layer(&capture)));

    let expected = serve(&tracer(), "req-1").await;

    let lines = capture.lines();
    assert_eq!(lines.len(), LINES_PER_REQUEST, "{lines:#?}");
    for line in &lines {
        assert_text_line(line, &expected);
    }
    assert!(lines[2].ends_with("charged card from a spawned task"));
    assert_eq!(expected.trace_id.len(), 32);
    assert_eq!(expected.span_id.len(), 16);
}

/// The prefix goes straight into the subscriber's writer, so the inner formatter still
/// colours its part of the line.
#[tokio::test]
async fn every_coloured_text_line_of_a_request_carries_its_ids() {
    let capture = Capture::default();
    let layer = baton_log::correlate(
        tracing_subscriber::fmt::layer()
            .with_ansi(true)
            .with_writer(capture.clone()),
    )
    .with_local(&REQUEST_ID);
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let expected = serve(&tracer(), "req-ansi").await;

    let lines = capture.lines();
    assert_eq!(lines.len(), LINES_PER_REQUEST, "{lines:#?}");
    for line in &lines {
        assert_text_line(line, &expected);
        assert!(
            line.contains('\u{1b}'),
            "the inner line stays coloured: {line:?}"
        );
    }
}

#[tokio::test]
async fn the_compact_format_is_stamped_as_text_too() {
    let capture = Capture::default();
    let layer = baton_log::correlate(
        tracing_subscriber::fmt::layer()
            .compact()
            .with_ansi(false)
            .with_writer(capture.clone()),
    )
    .with_local(&REQUEST_ID);
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let expected = serve(&tracer(), "req-compact").await;

    let lines = capture.lines();
    assert_eq!(lines.len(), LINES_PER_REQUEST, "{lines:#?}");
    for line in &lines {
        assert_text_line(line, &expected);
    }
}

#[test]
fn text_lines_outside_any_context_carry_no_ids() {
    let capture = Capture::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(text_layer(&capture)));

    tracing::info!("no context at all");
    // A context whose span context is invalid, as a no-op tracer makes: still no ids,
    // never zeros.
    in_context(
        &Context::current_with_span(NoopTracer::new().start("noop")),
        || tracing::info!("no-op span"),
    );
    in_context(
        &Context::new().with_remote_span_context(SpanContext::empty_context()),
        || tracing::info!("empty span context"),
    );
    // A local without a span: the local only.
    REQUEST_ID.sync_scope("only-local".to_owned(), || tracing::info!("local only"));

    let lines = capture.lines();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    for line in &lines[..3] {
        assert!(!line.contains("trace_id"), "{line}");
        assert!(!line.contains("span_id"), "{line}");
        assert!(!line.contains("request_id"), "{line}");
        assert!(!line.contains("0000000000000000"), "{line}");
    }
    assert!(
        lines[3].starts_with("request_id=only-local "),
        "{}",
        lines[3]
    );
}
