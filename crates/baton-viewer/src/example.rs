//! The request behind [`Trace::example`](crate::Trace::example), for the documentation.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::span::{Event, Link, SpanKind};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

const TRACE: [u8; 16] = [
    0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36,
];
const T0: u64 = 1_764_000_000_000_000_000;
const MS: u64 = 1_000_000;

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    }
}

fn s(value: &str) -> any_value::Value {
    any_value::Value::StringValue(value.into())
}

fn span(id: u8, parent: Option<u8>, name: &str, kind: SpanKind, start: u64, end: u64) -> Span {
    Span {
        trace_id: TRACE.to_vec(),
        span_id: vec![0, 0, 0, 0, 0, 0, 0, id],
        parent_span_id: parent
            .map(|p| vec![0, 0, 0, 0, 0, 0, 0, p])
            .unwrap_or_default(),
        name: name.into(),
        kind: kind as i32,
        start_time_unix_nano: T0 + start * MS,
        end_time_unix_nano: T0 + end * MS,
        ..Span::default()
    }
}

fn service(name: &str, spans: Vec<Span>) -> ResourceSpans {
    ResourceSpans {
        resource: Some(Resource {
            attributes: vec![kv("service.name", s(name))],
            ..Resource::default()
        }),
        scope_spans: vec![ScopeSpans {
            spans,
            ..ScopeSpans::default()
        }],
        ..ResourceSpans::default()
    }
}

pub(crate) fn request() -> ExportTraceServiceRequest {
    let mut root = span(1, None, "GET /orders/{id}", SpanKind::Server, 0, 12);
    root.attributes = vec![
        kv("http.request.method", s("GET")),
        kv("http.route", s("/orders/{id}")),
        kv("http.response.status_code", any_value::Value::IntValue(200)),
    ];
    root.events = vec![Event {
        name: "cache miss".into(),
        time_unix_nano: T0 + MS,
        ..Event::default()
    }];
    root.links = vec![Link {
        trace_id: vec![
            0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80,
            0x31, 0x9c,
        ],
        span_id: vec![0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31],
        ..Link::default()
    }];
    let mut client = span(2, Some(1), "GET", SpanKind::Client, 2, 10);
    client.attributes = vec![kv(
        "http.response.status_code",
        any_value::Value::IntValue(200),
    )];
    let mut server = span(3, Some(2), "GET /orders/{id}", SpanKind::Server, 3, 9);
    server.attributes = vec![kv("http.route", s("/orders/{id}"))];
    ExportTraceServiceRequest {
        resource_spans: vec![
            service("gateway", vec![root, client]),
            service("orders", vec![server]),
        ],
    }
}
