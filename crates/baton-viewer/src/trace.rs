//! A trace: the spans of one trace id, with the tree questions answered.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

use crate::id::{self, TraceId};
use crate::span::{Resource, Span};
use crate::value::Keys;
use crate::verdict::Verdict;

/// The spans received so far for one trace id, in arrival order, and the tree they form.
///
/// A `Trace` is a snapshot: cloning it is cheap (the spans are shared), and spans that arrive
/// later are in the next snapshot, not in this one.
///
/// # Examples
///
/// ```
/// use baton_viewer::{SpanKind, Trace};
///
/// let trace = Trace::example();
/// let root = trace.root().unwrap();
/// assert_eq!(root.name(), "GET /orders/{id}");
/// let client = trace.children(root).next().unwrap();
/// assert_eq!(client.kind(), SpanKind::Client);
/// let server = trace.children(client).next().unwrap();
/// assert_eq!(server.service_name(), "orders");
/// assert_eq!(trace.parent(server).unwrap().span_id(), client.span_id());
/// assert!(trace.verdict().is_clean());
/// ```
#[derive(Debug, Clone)]
pub struct Trace {
    id: TraceId,
    spans: Vec<Arc<Span>>,
    dropped_spans: u64,
}

impl Trace {
    pub(crate) fn new(id: TraceId) -> Trace {
        Trace {
            id,
            spans: Vec::new(),
            dropped_spans: 0,
        }
    }

    pub(crate) fn push(&mut self, span: Arc<Span>) {
        self.spans.push(span);
    }

    pub(crate) fn count_dropped(&mut self) {
        self.dropped_spans += 1;
    }

    /// Assembles the spans of one OTLP export request into traces, in order of each trace's
    /// first span, without a receiver: for tests and for reading saved requests. Spans with an
    /// invalid trace or span id are left out.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_viewer::Trace;
    /// use baton_viewer::proto::collector::trace::v1::ExportTraceServiceRequest;
    ///
    /// assert!(Trace::from_request(ExportTraceServiceRequest::default()).is_empty());
    /// ```
    pub fn from_request(request: ExportTraceServiceRequest) -> Vec<Trace> {
        let mut traces: Vec<Trace> = Vec::new();
        for span in decode(request).0 {
            let span = Arc::new(span);
            match traces.iter_mut().find(|t| t.id == span.trace_id) {
                Some(trace) => trace.push(span),
                None => {
                    let mut trace = Trace::new(span.trace_id);
                    trace.push(span);
                    traces.push(trace);
                }
            }
        }
        traces
    }

    /// The trace id, as 32 lowercase hex digits.
    pub fn trace_id(&self) -> String {
        id::hex(&self.id)
    }

    /// Every span, in arrival order.
    pub fn spans(&self) -> impl ExactSizeIterator<Item = &Span> + Clone {
        self.spans.iter().map(|s| &**s)
    }

    /// How many spans the trace holds.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the trace holds no span.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Spans of this trace the receiver did not keep because the trace reached its span cap
    /// ([`ReceiverConfig::max_spans_per_trace`](crate::ReceiverConfig::max_spans_per_trace)).
    pub fn dropped_spans(&self) -> u64 {
        self.dropped_spans
    }

    /// The root: the earliest-starting span without a parent. A trace whose root has not
    /// arrived has none; a trace with two roots has a flag in its [`verdict`](Self::verdict).
    pub fn root(&self) -> Option<&Span> {
        self.roots().min_by_key(|s| s.start_time_unix_nano())
    }

    /// Every span without a parent, in arrival order.
    pub fn roots(&self) -> impl Iterator<Item = &Span> {
        self.spans().filter(|s| s.is_root())
    }

    /// The first span (in arrival order) with this name.
    pub fn span_named(&self, name: &str) -> Option<&Span> {
        self.spans().find(|s| s.name() == name)
    }

    /// Every span with this name, in arrival order.
    pub fn spans_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Span> {
        self.spans().filter(move |s| s.name() == name)
    }

    /// The span with this id (hex digits, either case).
    pub fn span(&self, span_id: &str) -> Option<&Span> {
        let id = id::parse_hex::<8>(span_id)?;
        self.spans().find(|s| s.span_id == id)
    }

    /// The span's parent, if it has one and the parent arrived.
    pub fn parent(&self, span: &Span) -> Option<&Span> {
        let parent = span.parent?;
        self.spans().find(|s| s.span_id == parent)
    }

    /// The span's children, in arrival order.
    pub fn children<'a>(&'a self, span: &'a Span) -> impl Iterator<Item = &'a Span> {
        self.spans().filter(move |s| s.parent == Some(span.span_id))
    }

    /// The distinct service names, in order of first arrival.
    pub fn services(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for span in self.spans() {
            if !names.contains(&span.service_name()) {
                names.push(span.service_name());
            }
        }
        names
    }

    /// The earliest start of any span, in nanoseconds since the Unix epoch (0 when empty).
    pub fn start_time_unix_nano(&self) -> u64 {
        self.spans()
            .map(Span::start_time_unix_nano)
            .min()
            .unwrap_or(0)
    }

    /// The latest end of any span, in nanoseconds since the Unix epoch (0 when empty).
    pub fn end_time_unix_nano(&self) -> u64 {
        self.spans()
            .map(Span::end_time_unix_nano)
            .max()
            .unwrap_or(0)
    }

    /// From the first start to the last end.
    pub fn duration(&self) -> Duration {
        Duration::from_nanos(self.end_time_unix_nano() - self.start_time_unix_nano())
    }

    /// What this trace says about trace-context propagation: counts, and a flag for each sign
    /// of lost context.
    pub fn verdict(&self) -> Verdict {
        Verdict::of(self)
    }

    /// A small trace used by the documentation: `gateway` serves `GET /orders/{id}` and calls
    /// `orders` over HTTP.
    #[doc(hidden)]
    pub fn example() -> Trace {
        Trace::from_request(crate::example::request()).remove(0)
    }
}

/// Takes every span of a request, and counts the ones refused for invalid ids.
pub(crate) fn decode(request: ExportTraceServiceRequest) -> (Vec<Span>, u64) {
    let mut spans = Vec::new();
    let mut rejected = 0;
    let mut keys = Keys::default();
    for resource_spans in request.resource_spans {
        let resource = Arc::new(Resource::from_proto(resource_spans.resource, &mut keys));
        for scope_spans in resource_spans.scope_spans {
            let scope: Arc<str> = scope_spans.scope.map(|s| s.name).unwrap_or_default().into();
            spans.reserve(scope_spans.spans.len());
            for span in scope_spans.spans {
                match Span::from_proto(span, &resource, &scope, &mut keys) {
                    Some(span) => spans.push(span),
                    None => rejected += 1,
                }
            }
        }
    }
    (spans, rejected)
}
