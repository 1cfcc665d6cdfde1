//! The store: spans assembled into traces, bounded, with arrivals announced.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::id::TraceId;
use crate::span::Span;
use crate::trace::Trace;

/// Counters of what the receiver took in, kept and let go.
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), baton_viewer::Error> {
/// use baton_viewer::{Receiver, ReceiverConfig};
///
/// let receiver = Receiver::start(ReceiverConfig::ephemeral()).await?;
/// let stats = receiver.stats();
/// assert_eq!(stats.spans_received, 0);
/// assert_eq!(stats.traces_evicted, 0);
/// receiver.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Spans accepted into the store.
    pub spans_received: u64,
    /// Spans refused: an invalid trace or span id, or a trace already at its span cap.
    pub spans_rejected: u64,
    /// Whole traces let go (oldest first) to stay under the trace cap and the total span cap.
    pub traces_evicted: u64,
    /// Spans that went with the evicted traces.
    pub spans_evicted: u64,
    /// Export requests refused as malformed, oversized or of an unknown content type.
    pub requests_refused: u64,
    /// Traces held now.
    pub traces_retained: usize,
    /// Spans held now.
    pub spans_retained: usize,
}

/// Caps and timings of the store.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_traces: usize,
    pub(crate) max_spans_per_trace: usize,
    pub(crate) max_spans: usize,
    pub(crate) quiet_period: Duration,
    pub(crate) rootless_wait: Duration,
}

struct Entry {
    trace: Trace,
    /// The arrival sequence number of the last span, for waiters that re-check only what moved.
    updated: u64,
    due: Option<Instant>,
    printed: bool,
    has_root: bool,
}

struct Inner {
    traces: HashMap<TraceId, Entry>,
    /// Trace ids by first arrival: the eviction order.
    order: VecDeque<TraceId>,
    /// Traces waiting for their quiet period to pass, earliest first.
    due: BTreeSet<(Instant, TraceId)>,
    seq: u64,
    stats: Stats,
}

/// What the completion task gets for a trace whose quiet period passed.
#[derive(Debug)]
pub(crate) struct Due {
    pub(crate) trace: Trace,
    pub(crate) updated: bool,
}

pub(crate) struct Store {
    inner: Mutex<Inner>,
    arrivals: watch::Sender<u64>,
    limits: Limits,
}

impl Store {
    pub(crate) fn new(limits: Limits) -> Store {
        Store {
            inner: Mutex::new(Inner {
                traces: HashMap::new(),
                order: VecDeque::new(),
                due: BTreeSet::new(),
                seq: 0,
                stats: Stats::default(),
            }),
            arrivals: watch::Sender::new(0),
            limits,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves counters at worst off by one batch; the traces
        // stay readable, so keep serving.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds the spans of one request; returns how many were refused at a trace's span cap.
    pub(crate) fn insert(&self, spans: Vec<Span>, invalid: u64) -> u64 {
        let now = Instant::now();
        let mut refused = 0;
        let mut inner = self.lock();
        inner.seq += 1;
        let seq = inner.seq;
        inner.stats.spans_rejected += invalid;
        let Inner {
            traces,
            order,
            due,
            stats,
            ..
        } = &mut *inner;
        let mut touched: Vec<TraceId> = Vec::new();
        for span in spans {
            let id = span.trace_id;
            let entry = traces.entry(id).or_insert_with(|| {
                order.push_back(id);
                Entry {
                    trace: Trace::new(id),
                    updated: 0,
                    due: None,
                    printed: false,
                    has_root: false,
                }
            });
            if entry.trace.len() >= self.limits.max_spans_per_trace {
                entry.trace.count_dropped();
                refused += 1;
                continue;
            }
            entry.has_root |= span.is_root();
            entry.trace.push(Arc::new(span));
            stats.spans_received += 1;
            stats.spans_retained += 1;
            if entry.updated != seq {
                entry.updated = seq;
                touched.push(id);
            }
        }
        for id in touched {
            let Some(entry) = traces.get_mut(&id) else {
                continue;
            };
            // A trace whose root has not arrived may still be waiting for it: give it longer.
            let wait = if entry.has_root {
                self.limits.quiet_period
            } else {
                self.limits.rootless_wait
            };
            // The config bounds the waits; past what an `Instant` holds means never.
            let at = now.checked_add(wait);
            if let Some(old) = std::mem::replace(&mut entry.due, at) {
                due.remove(&(old, id));
            }
            if let Some(at) = at {
                due.insert((at, id));
            }
        }
        stats.spans_rejected += refused;
        while traces.len() > self.limits.max_traces || stats.spans_retained > self.limits.max_spans
        {
            let Some(oldest) = order.pop_front() else {
                break;
            };
            if let Some(entry) = traces.remove(&oldest) {
                if let Some(at) = entry.due {
                    due.remove(&(at, oldest));
                }
                stats.traces_evicted += 1;
                stats.spans_evicted += entry.trace.len() as u64;
                stats.spans_retained -= entry.trace.len();
            }
        }
        stats.traces_retained = traces.len();
        drop(inner);
        self.arrivals.send_replace(seq);
        refused
    }

    pub(crate) fn count_refused_request(&self) {
        self.lock().stats.requests_refused += 1;
    }

    pub(crate) fn stats(&self) -> Stats {
        self.lock().stats
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.arrivals.subscribe()
    }

    /// Snapshots of the traces changed after arrival `since`, and the arrival number they
    /// reach, so that a waiter evaluates its predicate outside the lock, once per change.
    pub(crate) fn changed_since(&self, since: u64) -> (Vec<Trace>, u64) {
        let inner = self.lock();
        let traces = inner
            .order
            .iter()
            .filter_map(|id| inner.traces.get(id))
            .filter(|e| e.updated > since)
            .map(|e| e.trace.clone())
            .collect();
        (traces, inner.seq)
    }

    /// Every trace held, in order of first arrival.
    pub(crate) fn traces(&self) -> Vec<Trace> {
        self.changed_since(0).0
    }

    pub(crate) fn trace(&self, id: &TraceId) -> Option<Trace> {
        self.lock().traces.get(id).map(|e| e.trace.clone())
    }

    /// When the next trace falls due, if any does.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.lock().due.first().map(|(at, _)| *at)
    }

    /// Takes the traces whose quiet period has passed by `now`.
    pub(crate) fn take_due(&self, now: Instant) -> Vec<Due> {
        let mut inner = self.lock();
        let Inner { traces, due, .. } = &mut *inner;
        let mut out = Vec::new();
        while let Some(&(at, id)) = due.first() {
            if at > now {
                break;
            }
            due.pop_first();
            if let Some(entry) = traces.get_mut(&id) {
                entry.due = None;
                out.push(Due {
                    trace: entry.trace.clone(),
                    updated: entry.printed,
                });
                entry.printed = true;
            }
        }
        out
    }
}
