//! Drawing traces: the waterfall for people, one JSON line per trace for machines.

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::time::Duration;

use crate::id::SpanId;
use crate::span::{Span, SpanKind, Status};
use crate::trace::Trace;
use crate::value::Value;

/// The attributes a waterfall line shows, when a span has them: what tells one request from
/// another at a glance (route, status code, RPC method, the error's type).
pub const KEY_ATTRIBUTES: &[&str] = &[
    "http.route",
    "url.template",
    "http.response.status_code",
    "rpc.method",
    "rpc.response.status_code",
    "rpc.grpc.status_code",
    "error.type",
];

/// A trace drawn as a waterfall: one line per span, indented under its parent, with its
/// service, name, kind, a bar on the trace's common time axis, its duration, status and key
/// attributes ([`KEY_ATTRIBUTES`]), `◆N` for events and `↗N` for links; then the
/// [`Verdict`](crate::Verdict) and its flags.
///
/// Plain text by default; [`color`](Self::color) adds ANSI colours for a terminal.
///
/// # Examples
///
/// ```
/// use baton_viewer::{Trace, Waterfall};
///
/// let text = Waterfall::new(&Trace::example()).bar_width(10).to_string();
/// let lines: Vec<&str> = text.lines().collect();
/// assert_eq!(lines[0], "trace 4bf92f3577b34da6a3ce929d0e0e4736");
/// assert!(lines[1].starts_with("  gateway  GET /orders/{id}        server  [██████████]  12.00ms"));
/// assert!(lines[3].starts_with("  orders      └─ GET /orders/{id}  server  [  ██████  ]   6.00ms"));
/// assert!(lines[4].ends_with("no propagation problem seen"));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Waterfall<'a> {
    trace: &'a Trace,
    updated: bool,
    color: bool,
    bar_width: usize,
}

/// One line of the tree: a span, the tree drawing before its name, and whether its parent is
/// missing.
struct Row<'a> {
    span: &'a Span,
    prefix: String,
    depth: usize,
    orphan: bool,
}

/// How deep the tree is drawn; deeper spans keep the last indent with `…+N` (N levels more),
/// so a long chain costs lines, not a text quadratic in its depth.
const MAX_DRAWN_DEPTH: usize = 32;

/// The spans in tree order: each root (and each orphan) by start time, then its children by
/// start time, depth first. A span in a parent cycle (a broken sender) still gets a line.
fn rows(trace: &Trace) -> Vec<Row<'_>> {
    let spans: Vec<&Span> = trace.spans().collect();
    let ids: HashSet<SpanId> = spans.iter().map(|s| s.span_id).collect();
    let mut children: HashMap<SpanId, Vec<&Span>> = HashMap::new();
    let mut tops: Vec<&Span> = Vec::new();
    for span in &spans {
        match span.parent {
            Some(parent) if ids.contains(&parent) && parent != span.span_id => {
                children.entry(parent).or_default().push(span)
            }
            _ => tops.push(span),
        }
    }
    let by_start = |a: &&Span, b: &&Span| a.start_time_unix_nano().cmp(&b.start_time_unix_nano());
    tops.sort_by(by_start);
    for list in children.values_mut() {
        list.sort_by(by_start);
    }
    let mut out = Vec::with_capacity(spans.len());
    let mut seen: HashSet<SpanId> = HashSet::new();
    // (span, tree drawing of its ancestors, is it its parent's last child, depth)
    let mut stack: Vec<(&Span, String, bool, usize)> = tops
        .iter()
        .rev()
        .map(|s| (*s, String::new(), true, 0))
        .collect();
    let mut push_cycles = spans.iter();
    while let Some((span, above, last, depth)) = stack.pop().or_else(|| {
        push_cycles
            .find(|s| !seen.contains(&s.span_id))
            .map(|s| (*s, String::new(), true, 0))
    }) {
        if !seen.insert(span.span_id) {
            continue;
        }
        let prefix = if depth == 0 {
            String::new()
        } else if depth > MAX_DRAWN_DEPTH {
            let deeper = depth - MAX_DRAWN_DEPTH;
            format!("{above}…+{deeper} {}", if last { "└─ " } else { "├─ " })
        } else {
            format!("{above}{}", if last { "└─ " } else { "├─ " })
        };
        let below = if depth == 0 {
            String::new()
        } else if depth >= MAX_DRAWN_DEPTH {
            // Past the cap the drawing stops growing: the depth is written as a number.
            above
        } else {
            format!("{above}{}", if last { "   " } else { "│  " })
        };
        if let Some(kids) = children.get(&span.span_id) {
            for (i, kid) in kids.iter().enumerate().rev() {
                stack.push((kid, below.clone(), i + 1 == kids.len(), depth + 1));
            }
        }
        out.push(Row {
            span,
            prefix,
            depth,
            orphan: depth == 0 && span.parent.is_some(),
        });
    }
    out
}

const RESET: &str = "\x1b[0m";

impl<'a> Waterfall<'a> {
    /// A plain-text waterfall of `trace` with a 30-column bar.
    pub fn new(trace: &'a Trace) -> Self {
        Waterfall {
            trace,
            updated: false,
            color: false,
            bar_width: 30,
        }
    }

    /// Marks the trace as updated: completed before, reopened by a late span.
    pub fn updated(mut self, updated: bool) -> Self {
        self.updated = updated;
        self
    }

    /// ANSI colours (for a terminal).
    pub fn color(mut self, color: bool) -> Self {
        self.color = color;
        self
    }

    /// The width of the duration bar, in columns (at least 1).
    pub fn bar_width(mut self, width: usize) -> Self {
        self.bar_width = width.max(1);
        self
    }

    fn paint(&self, f: &mut fmt::Formatter<'_>, code: &str, text: &str) -> fmt::Result {
        if self.color && !code.is_empty() {
            write!(f, "\x1b[{code}m{text}{RESET}")
        } else {
            f.write_str(text)
        }
    }

    /// The span's bar on the axis from `start` to `end` (the trace's, computed once per trace:
    /// each is a scan of its spans).
    fn bar(&self, span: &Span, (start, end): (u64, u64)) -> String {
        let total = u128::from(end - start);
        let width = self.bar_width as u128;
        let from = (u128::from(span.start_time_unix_nano() - start) * width).checked_div(total);
        let (from, to) = match from {
            // A trace of zero duration: every span fills the axis.
            None => (0, width),
            Some(from) => {
                let to = (u128::from(span.end_time_unix_nano() - start) * width).div_ceil(total);
                // Even an instant span gets one column.
                let to = to.max(from + 1).min(width);
                (to.saturating_sub(1).min(from), to)
            }
        };
        let mut bar = String::with_capacity(self.bar_width * 3);
        for col in 0..width {
            bar.push(if (from..to).contains(&col) {
                '█'
            } else {
                ' '
            });
        }
        bar
    }
}

fn kind_color(kind: SpanKind) -> &'static str {
    match kind {
        SpanKind::Server => "32",
        SpanKind::Client => "34",
        SpanKind::Producer | SpanKind::Consumer => "35",
        SpanKind::Internal | SpanKind::Unspecified => "90",
    }
}

fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

impl fmt::Display for Waterfall<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.paint(f, "1", &format!("trace {}", self.trace.trace_id()))?;
        if self.updated {
            self.paint(f, "33", " (updated: a late span arrived)")?;
        }
        f.write_str("\n")?;
        let rows = rows(self.trace);
        let axis = (
            self.trace.start_time_unix_nano(),
            self.trace.end_time_unix_nano(),
        );
        let service_width = rows
            .iter()
            .map(|r| r.span.service_name().chars().count())
            .max()
            .unwrap_or(0);
        let name_width = rows
            .iter()
            .map(|r| r.prefix.chars().count() + r.span.name().chars().count())
            .max()
            .unwrap_or(0);
        let kind_width = rows
            .iter()
            .map(|r| r.span.kind().as_str().len())
            .max()
            .unwrap_or(0);
        for row in &rows {
            let span = row.span;
            f.write_str("  ")?;
            self.paint(f, "36", &pad(span.service_name(), service_width))?;
            f.write_str("  ")?;
            f.write_str(&row.prefix)?;
            f.write_str(&pad(span.name(), name_width - row.prefix.chars().count()))?;
            f.write_str("  ")?;
            self.paint(
                f,
                kind_color(span.kind()),
                &pad(span.kind().as_str(), kind_width),
            )?;
            f.write_str("  [")?;
            self.paint(f, kind_color(span.kind()), &self.bar(span, axis))?;
            write!(f, "] {:>8}", format_duration(span.duration()))?;
            match span.status() {
                Status::Error => {
                    f.write_str("  ")?;
                    self.paint(f, "31", "error")?;
                    if !span.status_message().is_empty() {
                        self.paint(f, "31", &format!(" ({})", span.status_message()))?;
                    }
                }
                Status::Ok => {
                    f.write_str("  ")?;
                    self.paint(f, "32", "ok")?;
                }
                Status::Unset => {}
            }
            for key in KEY_ATTRIBUTES {
                if let Some(value) = span.attribute(key) {
                    write!(f, "  {key}={value}")?;
                }
            }
            if span.events().len() > 0 {
                write!(f, "  ◆{}", span.events().len())?;
            }
            if span.links().len() > 0 {
                write!(f, "  ↗{}", span.links().len())?;
            }
            if row.orphan {
                f.write_str("  ")?;
                self.paint(f, "33", "(parent missing)")?;
            }
            f.write_str("\n")?;
        }
        let verdict = self.trace.verdict();
        f.write_str("  ")?;
        self.paint(
            f,
            if verdict.is_clean() { "32" } else { "33" },
            &verdict.to_string(),
        )?;
        f.write_str("\n")?;
        for flag in verdict.flags() {
            f.write_str("  ")?;
            self.paint(f, "33", &format!("! {flag}"))?;
            f.write_str("\n")?;
        }
        if self.trace.dropped_spans() > 0 {
            writeln!(
                f,
                "  {} more spans refused at the span cap",
                self.trace.dropped_spans()
            )?;
        }
        Ok(())
    }
}

/// A trace as one line of JSON, for machines: ids in hex, times in Unix nanoseconds, spans in
/// tree order with their depth, and the verdict with its flags.
///
/// # Examples
///
/// ```
/// use baton_viewer::{JsonTrace, Trace};
///
/// let line = JsonTrace::new(&Trace::example()).to_string();
/// let json: serde_json::Value = serde_json::from_str(&line).unwrap();
/// assert_eq!(json["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
/// assert_eq!(json["spans"][0]["attributes"]["http.response.status_code"], 200);
/// assert_eq!(json["spans"][2]["depth"], 2);
/// assert_eq!(json["verdict"]["flags"].as_array().unwrap().len(), 0);
/// assert!(!line.contains('\n'));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct JsonTrace<'a> {
    trace: &'a Trace,
    updated: bool,
}

impl<'a> JsonTrace<'a> {
    /// The JSON form of `trace`.
    pub fn new(trace: &'a Trace) -> Self {
        JsonTrace {
            trace,
            updated: false,
        }
    }

    /// Marks the trace as updated: completed before, reopened by a late span.
    pub fn updated(mut self, updated: bool) -> Self {
        self.updated = updated;
        self
    }

    /// The JSON value.
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::json;
        let verdict = self.trace.verdict();
        let spans: Vec<serde_json::Value> = rows(self.trace)
            .iter()
            .map(|row| {
                let s = row.span;
                json!({
                    "spanId": s.span_id(),
                    "parentSpanId": s.parent_span_id(),
                    "name": s.name(),
                    "kind": s.kind().as_str(),
                    "service": s.service_name(),
                    "depth": row.depth,
                    "startTimeUnixNano": s.start_time_unix_nano(),
                    "endTimeUnixNano": s.end_time_unix_nano(),
                    "durationNanos": s.end_time_unix_nano() - s.start_time_unix_nano(),
                    "status": s.status().as_str(),
                    "statusMessage": s.status_message(),
                    "attributes": object(s.attributes()),
                    "events": s.events().map(|e| json!({
                        "name": e.name(),
                        "timeUnixNano": e.time_unix_nano(),
                        "attributes": object(e.attributes()),
                    })).collect::<Vec<_>>(),
                    "links": s.links().map(|l| json!({
                        "traceId": l.trace_id(),
                        "spanId": l.span_id(),
                        "attributes": object(l.attributes()),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "traceId": self.trace.trace_id(),
            "updated": self.updated,
            "droppedSpans": self.trace.dropped_spans(),
            "verdict": {
                "spans": verdict.spans(),
                "services": verdict.services(),
                "durationNanos": u64::try_from(verdict.duration().as_nanos()).unwrap_or(u64::MAX),
                "flags": verdict.flags().iter().map(|flag| json!({
                    "kind": flag.kind().as_str(),
                    "spanId": flag.span_id(),
                    "span": flag.span_name(),
                    "service": flag.service(),
                    "detail": flag.detail(),
                    "meaning": flag.meaning(),
                })).collect::<Vec<_>>(),
            },
            "spans": spans,
        })
    }
}

impl fmt::Display for JsonTrace<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_value())
    }
}

fn object<'v>(pairs: impl Iterator<Item = (&'v str, &'v Value)>) -> serde_json::Value {
    serde_json::Value::Object(pairs.map(|(k, v)| (k.to_owned(), json_value(v))).collect())
}

fn json_value(value: &Value) -> serde_json::Value {
    match value {
        Value::String(s) => s.as_str().into(),
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        // NaN and infinities have no JSON form: null.
        Value::Double(d) => {
            serde_json::Number::from_f64(*d).map_or(serde_json::Value::Null, Into::into)
        }
        Value::Bytes(_) => value.to_string().into(),
        Value::Array(items) => items.iter().map(json_value).collect(),
        Value::Map(pairs) => object(pairs.iter().map(|(k, v)| (k.as_str(), v))),
        Value::Empty => serde_json::Value::Null,
    }
}

/// A duration as a person reads it: `850µs`, `12.40ms`, `1.503s`.
pub(crate) fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = if nanos < 1_000 {
        write!(out, "{nanos}ns")
    } else if nanos < 1_000_000 {
        write!(out, "{}µs", nanos / 1_000)
    } else if nanos < 1_000_000_000 {
        write!(out, "{:.2}ms", nanos as f64 / 1e6)
    } else {
        write!(out, "{:.3}s", nanos as f64 / 1e9)
    };
    out
}
