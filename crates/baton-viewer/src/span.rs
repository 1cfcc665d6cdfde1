//! One span as the receiver keeps it: the OTLP fields a reader asks about, owned and typed.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry_proto::tonic::trace::v1 as proto;

use crate::id::{self, SpanId, TraceId};
use crate::value::{Attributes, Keys, Value, attributes};

/// What a span stands for in a call, as OTLP's `Span.kind` says.
///
/// # Examples
///
/// ```
/// use baton_viewer::SpanKind;
///
/// assert_eq!(SpanKind::Server.to_string(), "server");
/// assert!(SpanKind::Consumer.is_entry());
/// assert!(!SpanKind::Internal.is_entry());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpanKind {
    /// Not set by the sender.
    Unspecified,
    /// In-process work.
    Internal,
    /// The handling of an incoming request.
    Server,
    /// An outgoing request.
    Client,
    /// A message sent for later handling.
    Producer,
    /// The handling of a message.
    Consumer,
}

impl SpanKind {
    fn from_proto(kind: i32) -> SpanKind {
        match proto::span::SpanKind::try_from(kind) {
            Ok(proto::span::SpanKind::Internal) => SpanKind::Internal,
            Ok(proto::span::SpanKind::Server) => SpanKind::Server,
            Ok(proto::span::SpanKind::Client) => SpanKind::Client,
            Ok(proto::span::SpanKind::Producer) => SpanKind::Producer,
            Ok(proto::span::SpanKind::Consumer) => SpanKind::Consumer,
            Ok(proto::span::SpanKind::Unspecified) | Err(_) => SpanKind::Unspecified,
        }
    }

    /// Whether a span of this kind is where a request or message enters a service (server or
    /// consumer): the kinds a trace's root should have.
    pub fn is_entry(self) -> bool {
        matches!(self, SpanKind::Server | SpanKind::Consumer)
    }

    /// The lowercase name, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Unspecified => "unspecified",
            SpanKind::Internal => "internal",
            SpanKind::Server => "server",
            SpanKind::Client => "client",
            SpanKind::Producer => "producer",
            SpanKind::Consumer => "consumer",
        }
    }
}

impl fmt::Display for SpanKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A span's status code; the message of an error is [`Span::status_message`].
///
/// # Examples
///
/// ```
/// use baton_viewer::Status;
///
/// assert_eq!(Status::Error.to_string(), "error");
/// assert_eq!(Status::default(), Status::Unset);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Status {
    /// Not set: the default, and what most successful spans carry.
    #[default]
    Unset,
    /// Marked successful by the application.
    Ok,
    /// Failed.
    Error,
}

impl Status {
    fn from_proto(code: i32) -> Status {
        match proto::status::StatusCode::try_from(code) {
            Ok(proto::status::StatusCode::Ok) => Status::Ok,
            Ok(proto::status::StatusCode::Error) => Status::Error,
            Ok(proto::status::StatusCode::Unset) | Err(_) => Status::Unset,
        }
    }

    /// The lowercase name, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unset => "unset",
            Status::Ok => "ok",
            Status::Error => "error",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The resource a batch of spans came from, shared by its spans.
#[derive(Debug, Default)]
pub(crate) struct Resource {
    pub(crate) attributes: Attributes,
    pub(crate) service_name: String,
}

impl Resource {
    pub(crate) fn from_proto(
        resource: Option<opentelemetry_proto::tonic::resource::v1::Resource>,
        keys: &mut Keys,
    ) -> Resource {
        let attributes = resource
            .map(|r| attributes(r.attributes, keys))
            .unwrap_or_default();
        let service_name = find(&attributes, "service.name")
            .and_then(Value::as_str)
            .unwrap_or(UNKNOWN_SERVICE)
            .to_owned();
        Resource {
            attributes,
            service_name,
        }
    }
}

/// The service name shown for a span whose resource has no `service.name`.
pub(crate) const UNKNOWN_SERVICE: &str = "unknown_service";

fn find<'a>(attributes: &'a [(Arc<str>, Value)], key: &str) -> Option<&'a Value> {
    attributes.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
}

/// A timed event recorded on a span (an exception, a retry, a log line).
///
/// # Examples
///
/// ```
/// # use baton_viewer::Trace;
/// # let trace = Trace::example();
/// let event = trace.span_named("GET /orders/{id}").unwrap().events().next().unwrap();
/// assert_eq!(event.name(), "cache miss");
/// ```
#[derive(Debug, Clone)]
pub struct Event {
    name: String,
    time_unix_nano: u64,
    attributes: Attributes,
}

impl Event {
    /// The event's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// When it happened, in nanoseconds since the Unix epoch.
    pub fn time_unix_nano(&self) -> u64 {
        self.time_unix_nano
    }

    /// The value of one attribute of the event.
    pub fn attribute(&self, key: &str) -> Option<&Value> {
        find(&self.attributes, key)
    }

    /// Every attribute of the event, in the order sent.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.attributes.iter().map(|(k, v)| (&**k, v))
    }
}

/// A link from a span to a span of this or another trace (a batch item, or the inbound trace
/// of a request that started a new one).
///
/// # Examples
///
/// ```
/// # use baton_viewer::Trace;
/// # let trace = Trace::example();
/// let link = trace.root().unwrap().links().next().unwrap();
/// assert_eq!(link.trace_id(), "0af7651916cd43dd8448eb211c80319c");
/// assert_eq!(link.span_id(), "b7ad6b7169203331");
/// ```
#[derive(Debug, Clone)]
pub struct Link {
    trace_id: TraceId,
    span_id: SpanId,
    attributes: Attributes,
}

impl Link {
    /// The linked span's trace id, as 32 lowercase hex digits.
    pub fn trace_id(&self) -> String {
        id::hex(&self.trace_id)
    }

    /// The linked span's id, as 16 lowercase hex digits.
    pub fn span_id(&self) -> String {
        id::hex(&self.span_id)
    }

    /// The value of one attribute of the link.
    pub fn attribute(&self, key: &str) -> Option<&Value> {
        find(&self.attributes, key)
    }

    /// Every attribute of the link, in the order sent.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.attributes.iter().map(|(k, v)| (&**k, v))
    }
}

/// One span of a [`Trace`](crate::Trace).
///
/// # Examples
///
/// ```
/// use baton_viewer::{SpanKind, Status, Trace, Value};
///
/// let trace = Trace::example();
/// let server = trace.span_named("GET /orders/{id}").unwrap();
/// assert_eq!(server.kind(), SpanKind::Server);
/// assert_eq!(server.service_name(), "gateway");
/// assert_eq!(server.attribute("http.response.status_code"), Some(&Value::Int(200)));
/// assert_eq!(server.status(), Status::Unset);
/// assert_eq!(server.parent_span_id(), None);
/// ```
#[derive(Debug)]
pub struct Span {
    pub(crate) trace_id: TraceId,
    pub(crate) span_id: SpanId,
    pub(crate) parent: Option<SpanId>,
    name: String,
    kind: SpanKind,
    start: u64,
    end: u64,
    attributes: Attributes,
    events: Vec<Event>,
    links: Vec<Link>,
    status: Status,
    status_message: String,
    resource: Arc<Resource>,
    scope: Arc<str>,
}

impl Span {
    /// Takes the fields of an OTLP span, or `None` when its trace or span id is not a valid id
    /// (wrong length or all zeros), which OTLP says to reject.
    pub(crate) fn from_proto(
        span: proto::Span,
        resource: &Arc<Resource>,
        scope: &Arc<str>,
        keys: &mut Keys,
    ) -> Option<Span> {
        let trace_id = id::trace_id(&span.trace_id)?;
        let span_id = id::span_id(&span.span_id)?;
        // An empty or zero parent id is how OTLP writes "no parent"; a malformed one too, since
        // nothing can be its parent.
        let parent = id::span_id(&span.parent_span_id);
        let (status, status_message) = match span.status {
            Some(s) => (Status::from_proto(s.code), s.message),
            None => (Status::Unset, String::new()),
        };
        Some(Span {
            trace_id,
            span_id,
            parent,
            name: span.name,
            kind: SpanKind::from_proto(span.kind),
            start: span.start_time_unix_nano,
            end: span.end_time_unix_nano.max(span.start_time_unix_nano),
            attributes: attributes(span.attributes, keys),
            events: span
                .events
                .into_iter()
                .map(|e| Event {
                    name: e.name,
                    time_unix_nano: e.time_unix_nano,
                    attributes: attributes(e.attributes, keys),
                })
                .collect(),
            links: span
                .links
                .into_iter()
                .filter_map(|l| {
                    Some(Link {
                        trace_id: id::trace_id(&l.trace_id)?,
                        span_id: id::span_id(&l.span_id)?,
                        attributes: attributes(l.attributes, keys),
                    })
                })
                .collect(),
            status,
            status_message,
            resource: Arc::clone(resource),
            scope: Arc::clone(scope),
        })
    }

    /// The span's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The span's kind.
    pub fn kind(&self) -> SpanKind {
        self.kind
    }

    /// The trace id, as 32 lowercase hex digits.
    pub fn trace_id(&self) -> String {
        id::hex(&self.trace_id)
    }

    /// The span id, as 16 lowercase hex digits.
    pub fn span_id(&self) -> String {
        id::hex(&self.span_id)
    }

    /// The parent's span id, as 16 lowercase hex digits; `None` for a root.
    pub fn parent_span_id(&self) -> Option<String> {
        self.parent.as_ref().map(|p| id::hex(p))
    }

    /// Whether the span has no parent.
    pub fn is_root(&self) -> bool {
        self.parent.is_none()
    }

    /// The `service.name` of the span's resource (`unknown_service` when the sender set none).
    pub fn service_name(&self) -> &str {
        &self.resource.service_name
    }

    /// The name of the instrumentation scope (the tracer's name) that recorded the span.
    pub fn scope_name(&self) -> &str {
        &self.scope
    }

    /// The value of one of the span's attributes.
    pub fn attribute(&self, key: &str) -> Option<&Value> {
        find(&self.attributes, key)
    }

    /// Every attribute of the span, in the order sent.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.attributes.iter().map(|(k, v)| (&**k, v))
    }

    /// The value of one attribute of the span's resource (`service.name`, `host.name`, ...).
    pub fn resource_attribute(&self, key: &str) -> Option<&Value> {
        find(&self.resource.attributes, key)
    }

    /// Every attribute of the span's resource, in the order sent.
    pub fn resource_attributes(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.resource.attributes.iter().map(|(k, v)| (&**k, v))
    }

    /// The status code.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The status message (empty unless the sender set one, usually on errors).
    pub fn status_message(&self) -> &str {
        &self.status_message
    }

    /// The span's events, in the order sent.
    pub fn events(&self) -> impl ExactSizeIterator<Item = &Event> {
        self.events.iter()
    }

    /// The span's links, in the order sent.
    pub fn links(&self) -> impl ExactSizeIterator<Item = &Link> {
        self.links.iter()
    }

    /// Start time, in nanoseconds since the Unix epoch.
    pub fn start_time_unix_nano(&self) -> u64 {
        self.start
    }

    /// End time, in nanoseconds since the Unix epoch (never before the start).
    pub fn end_time_unix_nano(&self) -> u64 {
        self.end
    }

    /// How long the span lasted.
    pub fn duration(&self) -> Duration {
        Duration::from_nanos(self.end - self.start)
    }

    /// Whether the span came from the same resource (process) as `other`.
    pub(crate) fn same_resource(&self, other: &Span) -> bool {
        Arc::ptr_eq(&self.resource, &other.resource)
            || self.resource.attributes == other.resource.attributes
    }
}
