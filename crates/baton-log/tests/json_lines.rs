//! Every JSON line of a request is one valid JSON object whose first members are the
//! request's trace id, span id and request id, three awaits deep and inside spawned tasks.

mod support;

use tracing::Instrument;
use tracing_subscriber::prelude::*;

use support::{
    Capture, LINES_PER_REQUEST, REQUEST_ID, assert_json_line, json_layer, log_outside_any_request,
    serve, tracer,
};

#[tokio::test]
async fn every_json_line_of_a_request_carries_its_ids() {
    let capture = Capture::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(json_layer(&capture)));

    // A request id that must be escaped to stay a JSON string.
    let expected = serve(&tracer(), "req-\"2\"\n\\").await;

    let lines = capture.lines();
    assert_eq!(lines.len(), LINES_PER_REQUEST, "{lines:#?}");
    for line in &lines {
        assert!(line.starts_with("{\"trace_id\":\""), "{line}");
    }
    let objects = capture.json_lines();
    for object in &objects {
        assert_json_line(object, &expected);
    }
    assert_eq!(objects[1]["fields"]["depth"], 3);
}

#[tokio::test]
async fn flattened_json_with_span_lists_stays_one_object() {
    let capture = Capture::default();
    let layer = baton_log::correlate(
        tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_span_list(true)
            .with_writer(capture.clone()),
    )
    .with_local(&REQUEST_ID);
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let expected = serve(&tracer(), "req-flat")
        .instrument(tracing::info_span!("outer", route = "/checkout"))
        .await;

    let objects = capture.json_lines();
    assert_eq!(objects.len(), LINES_PER_REQUEST, "{objects:#?}");
    for object in &objects {
        assert_eq!(object["trace_id"], expected.trace_id.as_str(), "{object:?}");
        assert_eq!(object["request_id"], "req-flat", "{object:?}");
        assert!(object["message"].is_string(), "{object:?}");
    }
    // The spawned task does not carry the tracing span, only the context.
    for object in [&objects[0], &objects[1], &objects[4]] {
        assert_eq!(object["spans"][0]["route"], "/checkout", "{object:?}");
    }
}

#[test]
fn json_lines_outside_any_context_carry_no_ids() {
    let capture = Capture::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(json_layer(&capture)));

    log_outside_any_request();

    let objects = capture.json_lines();
    assert_eq!(objects.len(), 4);
    for object in &objects[..3] {
        assert!(!object.contains_key("trace_id"), "{object:?}");
        assert!(!object.contains_key("span_id"), "{object:?}");
        assert!(!object.contains_key("request_id"), "{object:?}");
        assert_eq!(object["level"], "INFO", "{object:?}");
    }
    assert_eq!(objects[3]["request_id"], "only-local");
    assert!(!objects[3].contains_key("trace_id"));
}
