//! Datadog propagation: `x-datadog-trace-id`, `x-datadog-parent-id`,
//! `x-datadog-sampling-priority`, `x-datadog-origin` and `x-datadog-tags`.
//!
//! Follows dd-trace's propagation (dd-trace-go `ddtrace/tracer/textmap.go`, dd-trace-rs
//! `datadog-opentelemetry` propagation, Datadog "Propagating trace context" docs): ids are
//! unsigned 64-bit decimals, the upper 64 bits of a 128-bit trace id travel as the
//! `_dd.p.tid` tag (16 lowercase hex digits) in `x-datadog-tags`, of which Baton keeps only
//! the `_dd.p.*` tags, capped at 512 bytes (dd-trace's default
//! `DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH`); a tags header over the cap or with a malformed member
//! is dropped whole (dd-trace records `_dd.propagation_error`), keeping the ids, and a
//! malformed `_dd.p.tid` alone is dropped (dd-trace-go `validateTID`). A sampling
//! priority `<= 0` is not sampled, `>= 1` sampled; the exact value, the origin and the other
//! `_dd.p.*` tags are kept in the [`Context`] for the trace they arrived with, and re-emitted on
//! inject for every span of that trace (dd-trace keeps priority and propagating tags on the
//! trace that all its spans share, and copies the origin from parent to child), never for
//! another trace.

use std::sync::LazyLock;

use opentelemetry::Context;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter,
};
use opentelemetry::trace::TraceContextExt;

use crate::carried::Carried;
use crate::carrier::{Carrier, FromExtractor};
use crate::header::{
    X_DATADOG_ORIGIN, X_DATADOG_PARENT_ID, X_DATADOG_SAMPLING_PRIORITY, X_DATADOG_TAGS,
    X_DATADOG_TRACE_ID,
};
use crate::hex;
use crate::propagator::Propagator;

mod headers;
#[cfg(test)]
mod tests;

pub use headers::DatadogHeaders;
use headers::{MAX_TAGS_LEN, TID};

static FIELDS: LazyLock<[String; 5]> = LazyLock::new(|| {
    [
        X_DATADOG_TRACE_ID,
        X_DATADOG_PARENT_ID,
        X_DATADOG_SAMPLING_PRIORITY,
        X_DATADOG_ORIGIN,
        X_DATADOG_TAGS,
    ]
    .map(String::from)
});

/// What Datadog carries beyond the span context, kept for the next hop of the same trace.
#[derive(Clone, Debug, PartialEq, Eq)]
struct DatadogState {
    priority: Option<i32>,
    origin: Option<Kept>,
    /// The `_dd.p.*` tags other than `_dd.p.tid`, as received.
    tags: Option<Kept>,
}

/// The longest text [`Kept`] holds without an allocation of its own: room for the usual
/// tags (`_dd.p.dm=-4`, `_dd.p.ts=02`) and origins (`rum`, `synthetics`).
const INLINE: usize = 38;

/// Text kept in the [`Context`]: inside the [`DatadogState`] (which the context allocates
/// anyway) up to [`INLINE`] bytes, on the heap beyond.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kept {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl Kept {
    fn new(text: &str) -> Self {
        let mut kept = KeptWriter::new(text.len());
        kept.push(text);
        kept.finish()
    }

    fn as_str(&self) -> &str {
        match self {
            Kept::Inline { len, bytes } => {
                let text = bytes
                    .get(..usize::from(*len))
                    .and_then(|b| std::str::from_utf8(b).ok());
                debug_assert!(text.is_some(), "kept text is not what was stored");
                text.unwrap_or_default()
            }
            Kept::Heap(text) => text,
        }
    }
}

/// Builds a [`Kept`] of a known total length from its parts.
struct KeptWriter {
    bytes: [u8; INLINE],
    len: usize,
    heap: Option<String>,
}

impl KeptWriter {
    fn new(len: usize) -> Self {
        KeptWriter {
            bytes: [0; INLINE],
            len: 0,
            heap: (len > INLINE).then(|| String::with_capacity(len)),
        }
    }

    fn push(&mut self, part: &str) {
        if let Some(heap) = &mut self.heap {
            heap.push_str(part);
        } else if let Some(to) = self.bytes.get_mut(self.len..self.len + part.len()) {
            to.copy_from_slice(part.as_bytes());
            self.len += part.len();
        }
    }

    fn finish(self) -> Kept {
        match self.heap {
            Some(heap) => Kept::Heap(heap.into_boxed_str()),
            None => Kept::Inline {
                len: self.len as u8,
                bytes: self.bytes,
            },
        }
    }
}

/// The Datadog propagator.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use baton_propagation::DatadogPropagator;
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
///
/// let p = DatadogPropagator::default();
/// let headers: HashMap<String, String> = [
///     ("x-datadog-trace-id".to_string(), "7277407061855694839".to_string()),
///     ("x-datadog-parent-id".to_string(), "5208512171318403364".to_string()),
///     ("x-datadog-sampling-priority".to_string(), "2".to_string()),
///     ("x-datadog-origin".to_string(), "synthetics".to_string()),
///     ("x-datadog-tags".to_string(), "_dd.p.tid=640cfd8d00000000,_dd.p.dm=-4".to_string()),
/// ]
/// .into();
/// let cx = p.extract(&headers);
/// assert!(cx.span().span_context().is_sampled());
///
/// let mut out = HashMap::new();
/// p.inject_context(&cx, &mut out);
/// assert_eq!(out["x-datadog-sampling-priority"], "2");
/// assert_eq!(out["x-datadog-tags"], "_dd.p.dm=-4,_dd.p.tid=640cfd8d00000000");
/// assert_eq!(out["x-datadog-origin"], "synthetics");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DatadogPropagator {
    _private: (),
}

/// `value` in decimal, in a `String` of exactly its length: `http` turns a `String` whose
/// capacity equals its length into a `HeaderValue` without a second allocation, which
/// `u64::to_string`'s spare capacity would cost.
fn to_decimal(value: u128) -> String {
    let mut buf = [0u8; 39];
    let mut i = buf.len();
    let mut v = value;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    hex::as_str(&buf[i..]).to_owned()
}

impl TextMapPropagator for DatadogPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        if !sc.is_valid() {
            return;
        }
        let trace_id = u128::from_be_bytes(sc.trace_id().to_bytes());
        let (high, low) = ((trace_id >> 64) as u64, trace_id as u64);
        if low == 0 {
            // Datadog cannot express a trace id whose low 64 bits are zero.
            return;
        }
        let state = Carried::<DatadogState>::in_trace(cx);
        injector.set(X_DATADOG_TRACE_ID, to_decimal(u128::from(low)));
        injector.set(
            X_DATADOG_PARENT_ID,
            to_decimal(u128::from(u64::from_be_bytes(sc.span_id().to_bytes()))),
        );
        // The exact priority received is re-emitted while the sampled flag still agrees with it.
        // A priority absent on the way in stays absent while no sampler has accepted the trace;
        // otherwise the flag decides (opentelemetry-datadog: an unsampled span context sends
        // `x-datadog-sampling-priority: 0`, a deferred one nothing).
        let priority = match state {
            Some(s) => match s.priority {
                Some(p) if (p >= 1) == sc.is_sampled() => Some(p),
                None if !sc.is_sampled() => None,
                _ => Some(i32::from(sc.is_sampled())),
            },
            None => Some(i32::from(sc.is_sampled())),
        };
        if let Some(p) = priority {
            let digits = to_decimal(u128::from(p.unsigned_abs()));
            injector.set(
                X_DATADOG_SAMPLING_PRIORITY,
                if p < 0 { format!("-{digits}") } else { digits },
            );
        }
        if let Some(origin) = state.and_then(|s| s.origin.as_ref()).map(Kept::as_str) {
            injector.set(X_DATADOG_ORIGIN, origin.to_owned());
        }
        let kept = state
            .and_then(|s| s.tags.as_ref())
            .map(Kept::as_str)
            .unwrap_or("");
        // Sized exactly (see `to_decimal`): the kept tags, then `,_dd.p.tid=` and 16 hex digits.
        let tid_len = match (high, kept.is_empty()) {
            (0, _) => 0,
            (_, true) => TID.len() + 1 + 16,
            (_, false) => 1 + TID.len() + 1 + 16,
        };
        let mut tags = String::with_capacity(kept.len() + tid_len);
        tags.push_str(kept);
        if high != 0 {
            if !tags.is_empty() {
                tags.push(',');
            }
            tags.push_str(TID);
            tags.push('=');
            tags.push_str(hex::as_str(&hex::encode::<16>(u128::from(high))));
        }
        if !tags.is_empty() && tags.len() <= MAX_TAGS_LEN {
            injector.set(X_DATADOG_TAGS, tags);
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&FIELDS[..])
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        self.extract_from(cx, &FromExtractor(extractor))
    }
}

impl Propagator for DatadogPropagator {
    fn extract_from(&self, cx: &Context, carrier: &dyn Carrier) -> Context {
        let (Some(t), Some(p)) = (
            carrier.first(X_DATADOG_TRACE_ID),
            carrier.first(X_DATADOG_PARENT_ID),
        ) else {
            return cx.clone();
        };
        let parsed = DatadogHeaders::parse(
            t,
            p,
            carrier.first(X_DATADOG_SAMPLING_PRIORITY),
            carrier.first(X_DATADOG_ORIGIN),
            carrier.first(X_DATADOG_TAGS),
        );
        let Ok(dd) = parsed else {
            return cx.clone();
        };
        // Sized by the parse: inline when short, else one allocation of the exact length;
        // copied at once when the kept tags are one run of the header (the usual case).
        let tags = match (dd.kept_len, dd.kept_run) {
            (0, _) => None,
            (_, Some(run)) => Some(Kept::new(run)),
            (len, None) => {
                let mut kept = KeptWriter::new(len);
                for (i, (k, v)) in dd.tags().enumerate() {
                    if i > 0 {
                        kept.push(",");
                    }
                    kept.push(k);
                    kept.push("=");
                    kept.push(v);
                }
                Some(kept.finish())
            }
        };
        let state = DatadogState {
            priority: dd.priority,
            origin: dd.origin.map(Kept::new),
            tags,
        };
        let cx = cx.with_remote_span_context(dd.span_context());
        // A plain 0/1 priority with nothing else is what inject derives from the sampled flag
        // anyway: skip the context entry unless an older one must be replaced. An absent
        // priority is kept, so that inject defers too.
        let plain =
            matches!(state.priority, Some(0 | 1)) && state.origin.is_none() && state.tags.is_none();
        if plain && Carried::<DatadogState>::in_trace(&cx).is_none() {
            cx
        } else {
            Carried::store(&cx, state)
        }
    }
}
