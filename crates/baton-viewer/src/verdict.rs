//! The verdict: what a trace says about whether trace context made it everywhere.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use crate::id::SpanId;
use crate::span::{Span, SpanKind};
use crate::trace::Trace;

/// A trace summed up: its size, and a [`Flag`] for every sign of lost trace context.
///
/// # Examples
///
/// ```
/// use baton_viewer::Trace;
///
/// let verdict = Trace::example().verdict();
/// assert_eq!(verdict.spans(), 3);
/// assert_eq!(verdict.services(), ["gateway", "orders"]);
/// assert!(verdict.is_clean());
/// assert!(verdict.to_string().ends_with("no propagation problem seen"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    spans: usize,
    services: Vec<String>,
    duration: Duration,
    flags: Vec<Flag>,
}

/// Which sign of lost context a [`Flag`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FlagKind {
    /// A span names a parent that never arrived.
    Orphan,
    /// A second span without a parent.
    SecondRoot,
    /// The root is not where a request or message enters (not a server or consumer span).
    RootNotEntry,
    /// A client span with no server span under it (database calls, marked by `db.system.name`
    /// or `db.system`, excepted).
    ClientWithoutServer,
    /// A span starts before or ends after its parent.
    OutsideParent,
}

impl FlagKind {
    /// The short name, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::Orphan => "orphan",
            FlagKind::SecondRoot => "second root",
            FlagKind::RootNotEntry => "root not a server span",
            FlagKind::ClientWithoutServer => "client without server",
            FlagKind::OutsideParent => "outside parent",
        }
    }
}

/// One sign of lost trace context, on one span, with what it likely means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    kind: FlagKind,
    span_id: String,
    span_name: String,
    service: String,
    detail: String,
    meaning: &'static str,
}

impl Flag {
    /// Which sign this is.
    pub fn kind(&self) -> FlagKind {
        self.kind
    }

    /// The span it is about (hex id).
    pub fn span_id(&self) -> &str {
        &self.span_id
    }

    /// The span's name.
    pub fn span_name(&self) -> &str {
        &self.span_name
    }

    /// The span's service.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// What was seen, in one line.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// What it likely means, in one line.
    pub fn meaning(&self) -> &'static str {
        self.meaning
    }

    fn new(kind: FlagKind, span: &Span, detail: String, meaning: &'static str) -> Flag {
        Flag {
            kind,
            span_id: span.span_id(),
            span_name: span.name().to_owned(),
            service: span.service_name().to_owned(),
            detail,
            meaning,
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} \"{}\" ({}) {}: {}",
            self.kind.as_str(),
            self.service,
            self.span_name,
            self.span_id,
            self.detail,
            self.meaning
        )
    }
}

const ORPHAN: &str =
    "the parent's service does not export here, or dropped the span (sampling, a full queue)";
const SECOND_ROOT: &str = "context was lost on the way in: a hop that did not forward the trace headers, or work spawned without the current context";
const ROOT_NOT_ENTRY: &str = "context was lost before this span: a spawn or thread that did not carry it, or an entry point with no server instrumentation";
const CLIENT_WITHOUT_SERVER: &str = "the callee is not instrumented or not exporting here, or the trace headers were dropped on the way";
const SKEW: &str = "the two hosts' clocks disagree (clock skew)";
const OUTLIVED: &str = "the work outlived its parent: a detached task, or a parent ended too early";

/// Whether a client span is a database call (semantic conventions' `db.system.name`, or the
/// older `db.system`): databases report no server span, so none is missing.
fn calls_a_database(span: &Span) -> bool {
    span.attribute("db.system.name").is_some() || span.attribute("db.system").is_some()
}

impl Verdict {
    pub(crate) fn of(trace: &Trace) -> Verdict {
        let mut flags = Vec::new();
        let root = trace.root();
        // Indexed once: `Trace::parent` and `Trace::children` scan, which per span is quadratic.
        let mut by_id: HashMap<SpanId, &Span> = HashMap::with_capacity(trace.len());
        let mut server_children: HashSet<SpanId> = HashSet::new();
        for span in trace.spans() {
            by_id.entry(span.span_id).or_insert(span);
            if span.kind() == SpanKind::Server {
                server_children.extend(span.parent);
            }
        }
        for span in trace.spans() {
            let parent = span.parent.and_then(|id| by_id.get(&id).copied());
            match (span.parent_span_id(), parent) {
                (Some(parent_id), None) => flags.push(Flag::new(
                    FlagKind::Orphan,
                    span,
                    format!("names parent {parent_id}, which never arrived"),
                    ORPHAN,
                )),
                (Some(_), Some(parent)) => {
                    let early = span.start_time_unix_nano() < parent.start_time_unix_nano();
                    let late = span.end_time_unix_nano() > parent.end_time_unix_nano();
                    if early || late {
                        let detail = if early {
                            format!(
                                "starts {} before its parent \"{}\"",
                                crate::render::format_duration(Duration::from_nanos(
                                    parent.start_time_unix_nano() - span.start_time_unix_nano()
                                )),
                                parent.name()
                            )
                        } else {
                            format!(
                                "ends {} after its parent \"{}\"",
                                crate::render::format_duration(Duration::from_nanos(
                                    span.end_time_unix_nano() - parent.end_time_unix_nano()
                                )),
                                parent.name()
                            )
                        };
                        // One process has one clock: outside its parent there means a
                        // lifetime problem, not skew.
                        let meaning = if span.same_resource(parent) {
                            OUTLIVED
                        } else {
                            SKEW
                        };
                        flags.push(Flag::new(FlagKind::OutsideParent, span, detail, meaning));
                    }
                }
                (None, _) => {
                    if root.is_some_and(|r| std::ptr::eq(r, span)) {
                        if !span.kind().is_entry() {
                            flags.push(Flag::new(
                                FlagKind::RootNotEntry,
                                span,
                                format!("is the root, of kind {}", span.kind()),
                                ROOT_NOT_ENTRY,
                            ));
                        }
                    } else {
                        flags.push(Flag::new(
                            FlagKind::SecondRoot,
                            span,
                            "has no parent, like the root".to_owned(),
                            SECOND_ROOT,
                        ));
                    }
                }
            }
            if span.kind() == SpanKind::Client
                && !calls_a_database(span)
                && !server_children.contains(&span.span_id)
            {
                flags.push(Flag::new(
                    FlagKind::ClientWithoutServer,
                    span,
                    "has no server span under it".to_owned(),
                    CLIENT_WITHOUT_SERVER,
                ));
            }
        }
        Verdict {
            spans: trace.len(),
            services: trace.services().into_iter().map(str::to_owned).collect(),
            duration: trace.duration(),
            flags,
        }
    }

    /// How many spans the trace holds.
    pub fn spans(&self) -> usize {
        self.spans
    }

    /// The services seen, in order of first arrival.
    pub fn services(&self) -> &[String] {
        &self.services
    }

    /// From the first start to the last end.
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// Every flag raised, in span arrival order.
    pub fn flags(&self) -> &[Flag] {
        &self.flags
    }

    /// Whether a flag of this kind was raised.
    pub fn has(&self, kind: FlagKind) -> bool {
        self.flags.iter().any(|f| f.kind == kind)
    }

    /// Whether no flag was raised.
    pub fn is_clean(&self) -> bool {
        self.flags.is_empty()
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} span{}, {} service{} ({}), {}: ",
            self.spans,
            if self.spans == 1 { "" } else { "s" },
            self.services.len(),
            if self.services.len() == 1 { "" } else { "s" },
            self.services.join(", "),
            crate::render::format_duration(self.duration)
        )?;
        match self.flags.len() {
            0 => f.write_str("no propagation problem seen"),
            1 => f.write_str("1 propagation problem"),
            n => write!(f, "{n} propagation problems"),
        }
    }
}
