//! Hand-built OTLP requests and raw senders for the viewer's tests.
#![allow(dead_code, unreachable_pub, unused_imports)]

use baton_viewer::proto::collector::trace::v1::ExportTraceServiceRequest;
use baton_viewer::proto::common::v1::{AnyValue, KeyValue, any_value};
use baton_viewer::proto::resource::v1::Resource;
use baton_viewer::proto::trace::v1::span::SpanKind;
use baton_viewer::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, status};

pub use baton_viewer::proto::trace::v1::span::SpanKind as Kind;

/// Milliseconds after a fixed instant, in Unix nanoseconds.
pub fn ms(ms: u64) -> u64 {
    1_764_000_000_000_000_000 + ms * 1_000_000
}

/// A trace id made of one repeated byte.
pub fn trace_id(byte: u8) -> Vec<u8> {
    vec![byte; 16]
}

/// A span; ids are small numbers, times in milliseconds.
pub fn span(
    trace: u8,
    id: u8,
    parent: Option<u8>,
    name: &str,
    kind: SpanKind,
    start: u64,
    end: u64,
) -> Span {
    Span {
        trace_id: trace_id(trace),
        span_id: vec![0, 0, 0, 0, 0, 0, 0, id],
        parent_span_id: parent
            .map(|p| vec![0, 0, 0, 0, 0, 0, 0, p])
            .unwrap_or_default(),
        name: name.into(),
        kind: kind as i32,
        start_time_unix_nano: ms(start),
        end_time_unix_nano: ms(end),
        ..Span::default()
    }
}

/// The hex form of the span id `span` gives for `id`.
pub fn hex_id(id: u8) -> String {
    format!("{id:016x}")
}

pub fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    }
}

pub fn string(s: &str) -> any_value::Value {
    any_value::Value::StringValue(s.into())
}

pub fn int(i: i64) -> any_value::Value {
    any_value::Value::IntValue(i)
}

pub fn error(message: &str) -> Option<Status> {
    Some(Status {
        message: message.into(),
        code: status::StatusCode::Error as i32,
    })
}

/// The spans of one service.
pub fn service(name: &str, spans: Vec<Span>) -> ResourceSpans {
    ResourceSpans {
        resource: Some(Resource {
            attributes: vec![kv("service.name", string(name))],
            ..Resource::default()
        }),
        scope_spans: vec![ScopeSpans {
            spans,
            ..ScopeSpans::default()
        }],
        ..ResourceSpans::default()
    }
}

pub fn request(services: Vec<ResourceSpans>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: services,
    }
}

/// POSTs a body to `/v1/traces` and returns the status, content type and body.
pub async fn post(
    endpoint: &str,
    content_type: &str,
    encoding: Option<&str>,
    body: Vec<u8>,
) -> (u16, String, Vec<u8>) {
    let mut builder = reqwest::Client::new()
        .post(format!("{endpoint}/v1/traces"))
        .header("content-type", content_type)
        .body(body);
    if let Some(encoding) = encoding {
        builder = builder.header("content-encoding", encoding);
    }
    let response = builder.send().await.expect("the receiver answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

/// POSTs a request as protobuf, asserts it was accepted, and returns the answer's bytes.
pub async fn export(
    receiver: &baton_viewer::Receiver,
    request: &ExportTraceServiceRequest,
) -> Vec<u8> {
    let body = prost::Message::encode_to_vec(request);
    let (status, _, answer) = post(
        &receiver.http_endpoint(),
        "application/x-protobuf",
        None,
        body,
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    answer
}

pub fn gzip(body: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(body).unwrap();
    encoder.finish().unwrap()
}
