//! W3C Trace Context Level 2: `traceparent` and `tracestate`.

use opentelemetry::Context;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter,
};
use opentelemetry::trace::{SpanContext, TraceContextExt, TraceId, TraceState};

use crate::carrier::{self, Carrier, FromExtractor, Lines};
use crate::header::{TRACEPARENT, TRACESTATE};
use crate::propagator::Propagator;

mod traceparent;
mod tracestate;

pub use traceparent::TraceParent;

// A line cut by Baton's own carriers is cut past the lengths extract accepts.
const _: () = assert!(
    carrier::MAX_LINE > tracestate::MAX_COMBINED_LEN + 1
        && carrier::MAX_LINE > TraceParent::MAX_LENGTH + 64
);

/// Propagates span context in the W3C Trace Context Level 2 format (`traceparent` and
/// `tracestate`), strictly and without allocating beyond what the returned context holds.
///
/// Extract:
/// - `traceparent` must appear on exactly one header line; two lines mean no context.
/// - It is parsed by [`TraceParent::parse`]; the flags keep the bits the spec defines
///   (`sampled` and `random`) and drop the reserved ones.
/// - `tracestate` is read only after a valid `traceparent`, from every header line combined in
///   order; a list with an invalid member or more than 32 members is discarded whole (the
///   `traceparent` is kept), as the spec and its test suite require. So is a combined
///   `tracestate` longer than 32 KiB (twice the longest valid list), without being read. Of
///   the members with the same key only the first is kept: the spec lets a vendor drop
///   duplicates rather than the list.
/// - The span context is remote, and placed with
///   [`TraceContextExt::with_remote_span_context`].
///
/// Inject writes `traceparent` only for a valid span context (version `00`, reserved flag bits
/// cleared) and `tracestate` only when it is not empty.
///
/// opentelemetry's `TraceState` (0.33) rejects some keys the spec allows: more than one `@`,
/// more than 13 characters after the `@` (a 241-character tenant `@` a 14-character system id),
/// or something other than a letter or digit right after it. Such members are not lost: when a
/// tracestate holds one, the full list is kept beside the span context and written back on
/// inject as long as the span context carries the same trace and the same (representable)
/// tracestate.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "http")] {
/// use baton_propagation::{HeaderExtractor, HeaderInjector, TraceContextPropagator};
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
/// use opentelemetry::Context;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
/// headers.insert("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE".parse().unwrap());
///
/// let propagator = TraceContextPropagator::default();
/// let cx = propagator.extract_with_context(&Context::new(), &HeaderExtractor(&headers));
/// let span = cx.span();
/// assert!(span.span_context().is_remote());
/// assert_eq!(span.span_context().trace_state().get("congo"), Some("t61rcWkgMzE"));
///
/// let mut out = http::HeaderMap::new();
/// propagator.inject_context(&cx, &mut HeaderInjector(&mut out));
/// assert_eq!(out, headers);
/// # }
/// ```
#[derive(Debug)]
pub struct TraceContextPropagator {
    fields: [String; 2],
}

impl Default for TraceContextPropagator {
    fn default() -> Self {
        Self::new()
    }
}

impl TraceContextPropagator {
    /// A new propagator (the same as [`Default::default`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceContextPropagator;
    /// use opentelemetry::propagation::TextMapPropagator;
    ///
    /// let propagator = TraceContextPropagator::new();
    /// let fields: Vec<&str> = propagator.fields().collect();
    /// assert_eq!(fields, ["traceparent", "tracestate"]);
    /// ```
    pub fn new() -> Self {
        Self {
            fields: [TRACEPARENT.to_owned(), TRACESTATE.to_owned()],
        }
    }

    /// The span context carried by `carrier`, or `None` when there is no valid one.
    fn extract_span_context(
        carrier: &dyn Carrier,
    ) -> Option<(SpanContext, Option<FullTraceState>)> {
        // Exactly one line: none is no context, and so are several.
        let Lines::One(line) = carrier.lines(TRACEPARENT) else {
            return None;
        };
        let tp = TraceParent::parse(line).ok()?;
        let (trace_state, full) = extract_trace_state(carrier, tp.trace_id());
        let flags = tp.flags() & TraceParent::DEFINED_FLAGS;
        let sc = SpanContext::new(tp.trace_id(), tp.parent_id(), flags, true, trace_state);
        Some((sc, full))
    }
}

/// The tracestate of the carrier, and the full list when `TraceState` cannot hold all of it.
fn extract_trace_state(
    carrier: &dyn Carrier,
    trace_id: TraceId,
) -> (TraceState, Option<FullTraceState>) {
    let lines = carrier.lines(TRACESTATE);
    if lines == Lines::None {
        return (TraceState::NONE, None);
    }
    let mut members = tracestate::Members::new();
    if tracestate::parse(lines.as_slice(), &mut members).is_err() {
        return (TraceState::NONE, None);
    }
    let state = members.to_trace_state();
    let full = members.has_unrepresentable().then(|| FullTraceState {
        trace_id,
        state: state.clone(),
        header: members.header(),
    });
    (state, full)
}

/// A tracestate with members opentelemetry's `TraceState` cannot hold, kept in the context
/// beside the span context so that inject can write it back unchanged.
#[derive(Debug)]
struct FullTraceState {
    trace_id: TraceId,
    /// The part `TraceState` could hold, to tell whether the span context still carries it.
    state: TraceState,
    header: String,
}

impl TextMapPropagator for TraceContextPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        let Some(tp) = TraceParent::from_span_context(sc) else {
            return;
        };
        let tp = TraceParent::new(
            tp.trace_id(),
            tp.parent_id(),
            tp.flags() & TraceParent::DEFINED_FLAGS,
        );
        let mut buf = [0u8; TraceParent::LENGTH];
        injector.set(TRACEPARENT, tp.encode(&mut buf).to_owned());
        let full = cx
            .get::<FullTraceState>()
            .filter(|full| full.trace_id == sc.trace_id() && &full.state == sc.trace_state());
        if let Some(full) = full {
            injector.set(TRACESTATE, full.header.clone());
        } else if sc.trace_state().into_iter().len() > 0 {
            injector.set(
                TRACESTATE,
                tracestate::join(|| sc.trace_state().into_iter()),
            );
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&self.fields)
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        self.extract_from(cx, &FromExtractor(extractor))
    }
}

impl Propagator for TraceContextPropagator {
    fn extract_from(&self, cx: &Context, carrier: &dyn Carrier) -> Context {
        match Self::extract_span_context(carrier) {
            // A list kept from an earlier extract must not outlive the span context it
            // belonged to: an invalid trace id never matches.
            Some((sc, None)) if cx.get::<FullTraceState>().is_some() => {
                cx.with_remote_span_context(sc).with_value(FullTraceState {
                    trace_id: TraceId::INVALID,
                    state: TraceState::NONE,
                    header: String::new(),
                })
            }
            Some((sc, None)) => cx.with_remote_span_context(sc),
            Some((sc, Some(full))) => cx.with_remote_span_context(sc).with_value(full),
            None => cx.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
