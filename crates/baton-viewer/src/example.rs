//! The request behind [`Trace::example`](crate::Trace::example), for the documentation:
//! `gateway` serves `GET /orders/{id}` (with an event and a link) and calls `orders`.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

const REQUEST: &str = r#"{"resourceSpans": [
  {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "gateway"}}]},
   "scopeSpans": [{"spans": [
     {"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "spanId": "0000000000000001",
      "name": "GET /orders/{id}", "kind": 2,
      "startTimeUnixNano": "1764000000000000000", "endTimeUnixNano": "1764000000012000000",
      "attributes": [
        {"key": "http.request.method", "value": {"stringValue": "GET"}},
        {"key": "http.route", "value": {"stringValue": "/orders/{id}"}},
        {"key": "http.response.status_code", "value": {"intValue": "200"}}],
      "events": [{"name": "cache miss", "timeUnixNano": "1764000000001000000"}],
      "links": [{"traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331"}]},
     {"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "spanId": "0000000000000002",
      "parentSpanId": "0000000000000001", "name": "GET", "kind": 3,
      "startTimeUnixNano": "1764000000002000000", "endTimeUnixNano": "1764000000010000000",
      "attributes": [{"key": "http.response.status_code", "value": {"intValue": "200"}}]}]}]},
  {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "orders"}}]},
   "scopeSpans": [{"spans": [
     {"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "spanId": "0000000000000003",
      "parentSpanId": "0000000000000002", "name": "GET /orders/{id}", "kind": 2,
      "startTimeUnixNano": "1764000000003000000", "endTimeUnixNano": "1764000000009000000",
      "attributes": [{"key": "http.route", "value": {"stringValue": "/orders/{id}"}}]}]}]}
]}"#;

pub(crate) fn request() -> ExportTraceServiceRequest {
    // A constant that parses: the doc examples that use it would fail if it did not.
    serde_json::from_str(REQUEST).unwrap_or_default()
}
