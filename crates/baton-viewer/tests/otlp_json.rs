//! A hand-made OTLP/JSON request (ids as hex, enums as numbers, 64-bit integers as strings)
//! assembles into the right tree, plain or gzipped, and is answered in JSON.

use std::time::Duration;

use baton_viewer::{Receiver, ReceiverConfig, SpanKind, Status, Value};

mod support;

const BODY: &str = r#"{
  "resourceSpans": [{
    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "checkout"}}]},
    "scopeSpans": [{
      "scope": {"name": "hand-made"},
      "spans": [
        {"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "EEE19B7EC3C1B174",
         "name": "POST /checkout", "kind": 2,
         "startTimeUnixNano": "1544712660000000000", "endTimeUnixNano": "1544712661000000000",
         "attributes": [
           {"key": "http.response.status_code", "value": {"intValue": "500"}},
           {"key": "retry", "value": {"boolValue": true}},
           {"key": "ratio", "value": {"doubleValue": 0.5}},
           {"key": "tags", "value": {"arrayValue": {"values": [{"stringValue": "a"}, {"intValue": "2"}]}}}
         ],
         "status": {"code": 2, "message": "boom"}},
        {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "0102030405060708",
         "parentSpanId": "eee19b7ec3c1b174", "name": "SELECT orders", "kind": 3,
         "startTimeUnixNano": "1544712660100000000", "endTimeUnixNano": "1544712660200000000",
         "events": [{"name": "exception", "timeUnixNano": "1544712660150000000",
                     "attributes": [{"key": "exception.type", "value": {"stringValue": "Timeout"}}]}]}
      ]
    }]
  }]
}"#;

async fn send_and_check(gzip: bool) {
    let receiver = Receiver::start(ReceiverConfig::ephemeral()).await.unwrap();
    let body = if gzip {
        support::gzip(BODY.as_bytes())
    } else {
        BODY.as_bytes().to_vec()
    };
    let (status, content_type, answer) = support::post(
        &receiver.http_endpoint(),
        "application/json; charset=utf-8",
        gzip.then_some("gzip"),
        body,
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    assert_eq!(content_type, "application/json");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&answer).unwrap(),
        serde_json::json!({})
    );

    let trace = receiver
        .wait_for_trace(
            |t| t.trace_id() == "5b8efff798038103d269b633813fc60c",
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(trace.len(), 2);
    let root = trace.root().unwrap();
    assert_eq!(root.name(), "POST /checkout");
    assert_eq!(root.span_id(), "eee19b7ec3c1b174");
    assert_eq!(root.kind(), SpanKind::Server);
    assert_eq!(root.service_name(), "checkout");
    assert_eq!(root.scope_name(), "hand-made");
    assert_eq!(
        root.attribute("http.response.status_code"),
        Some(&Value::Int(500))
    );
    assert_eq!(root.attribute("retry"), Some(&Value::Bool(true)));
    assert_eq!(root.attribute("ratio"), Some(&Value::Double(0.5)));
    assert_eq!(
        root.attribute("tags"),
        Some(&Value::Array(vec![Value::from("a"), Value::Int(2)]))
    );
    assert_eq!(root.status(), Status::Error);
    assert_eq!(root.status_message(), "boom");
    assert_eq!(root.duration(), Duration::from_secs(1));

    let child = trace.children(root).next().unwrap();
    assert_eq!(child.name(), "SELECT orders");
    assert_eq!(child.kind(), SpanKind::Client);
    let event = child.events().next().unwrap();
    assert_eq!(event.name(), "exception");
    assert_eq!(event.time_unix_nano(), 1_544_712_660_150_000_000);
    assert_eq!(
        event.attribute("exception.type"),
        Some(&Value::from("Timeout"))
    );
    receiver.shutdown().await;
}

#[tokio::test]
async fn hand_made_json_assembles_into_the_tree() {
    send_and_check(false).await;
}

#[tokio::test]
async fn gzipped_json_assembles_into_the_tree() {
    send_and_check(true).await;
}
