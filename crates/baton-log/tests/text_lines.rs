//! Every text line of a request starts with the request's trace id, span id and request id,
//! three awaits deep and inside spawned tasks, coloured or not.

mod support;

use baton_log::{Correlated, KnownLayout};
use tracing_subscriber::Registry;
use tracing_subscriber::fmt::FormatEvent;
use tracing_subscriber::fmt::format::DefaultFields;
use tracing_subscriber::prelude::*;

use support::{
    Capture, LINES_PER_REQUEST, REQUEST_ID, assert_text_line, log_outside_any_request, serve,
    text_layer, tracer,
};

/// Serves one request with `fmt_layer` (a configured `tracing_subscriber::fmt::layer()`)
/// correlated and stamping [`REQUEST_ID`]; checks that every line starts with the request's
/// ids and returns the lines.
async fn serve_through<E>(
    fmt_layer: tracing_subscriber::fmt::Layer<Registry, DefaultFields, E, Capture>,
    capture: &Capture,
    request_id: &str,
) -> Vec<String>
where
    E: FormatEvent<Registry, DefaultFields> + KnownLayout + Send + Sync + 'static,
    Correlated<E, E::Layout>: FormatEvent<Registry, DefaultFields>,
{
    let layer = baton_log::correlate(fmt_layer).with_local(&REQUEST_ID);
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let expected = serve(&tracer(), request_id).await;

    let lines = capture.lines();
    assert_eq!(lines.len(), LINES_PER_REQUEST, "{lines:#?}");
    for line in &lines {
        assert_text_line(line, &expected);
    }
    assert_eq!(expected.trace_id.len(), 32);
    assert_eq!(expected.span_id.len(), 16);
    lines
}

#[tokio::test]
async fn every_text_line_of_a_request_carries_its_ids() {
    let capture = Capture::default();
    let plain = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(capture.clone());

    let lines = serve_through(plain, &capture, "req-1").await;
    assert!(lines[2].ends_with("charged card from a spawned task"));
}

/// The prefix goes straight into the subscriber's writer, so the inner formatter still
/// colours its part of the line.
#[tokio::test]
async fn every_coloured_text_line_of_a_request_carries_its_ids() {
    let capture = Capture::default();
    let coloured = tracing_subscriber::fmt::layer()
        .with_ansi(true)
        .with_writer(capture.clone());

    for line in serve_through(coloured, &capture, "req-ansi").await {
        assert!(
            line.contains('\u{1b}'),
            "the inner line stays coloured: {line:?}"
        );
    }
}

#[tokio::test]
async fn the_compact_format_is_stamped_as_text_too() {
    let capture = Capture::default();
    let compact = tracing_subscriber::fmt::layer()
        .compact()
        .with_ansi(false)
        .with_writer(capture.clone());

    let lines = serve_through(compact, &capture, "req-compact").await;
    assert!(lines[2].ends_with("charged card from a spawned task"));
}

#[test]
fn text_lines_outside_any_context_carry_no_ids() {
    let capture = Capture::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(text_layer(&capture)));

    log_outside_any_request();

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
