//! The sampling decision B3, Jaeger and X-Ray carry beyond the sampled flag.

use opentelemetry::Context;
use opentelemetry::trace::SpanContext;

use crate::carried::Carried;

/// A sampling decision carried in the [`Context`] beside (or instead of) a span context, for
/// the trace it arrived with.
///
/// B3 (`b3: d`, `X-B3-Flags: 1`), Jaeger (flag `0x02`, `jaeger-debug-id`) and X-Ray
/// (`Sampled=?`) carry states that [`TraceFlags`](opentelemetry::trace::TraceFlags) cannot hold
/// without colliding with the W3C random bit, so the propagators store this value in the
/// context on extract and read it back on inject.
///
/// The state belongs to the trace it arrived with, and to every span of that trace: B3's
/// debug "is propagated to children" like a sampling decision, Jaeger clients share one
/// sampling state across all the spans of a trace, and the OpenTelemetry B3 requirements say
/// to "propagate it with subsequent requests". A span context of another trace (a new root
/// started under the extracted context, or a span of an unrelated trace made current) never
/// sees it, so a debug header received on one trace is never sent out on another. A state that
/// arrived without a trace (a sampling-only `b3: 0`, a `jaeger-debug-id`) counts only while the
/// context holds no valid span context: the trace a server then starts is its own, and whoever
/// honours the decision for it says so with [`SamplingState::to_context`].
///
/// # Examples
///
/// ```
/// use baton_propagation::SamplingState;
/// use opentelemetry::Context;
/// use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
///
/// let sc = |t| SpanContext::new(TraceId::from(t), SpanId::from(1), TraceFlags::SAMPLED, true, TraceState::NONE);
/// let cx = SamplingState::Debug.to_context(&Context::new().with_remote_span_context(sc(1)));
/// assert_eq!(SamplingState::from_context(&cx), Some(SamplingState::Debug));
/// // Another trace made current over the same context does not see it.
/// assert_eq!(SamplingState::from_context(&cx.with_remote_span_context(sc(2))), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SamplingState {
    /// The sender left the decision to the receiver (B3 header absent, X-Ray `Sampled=?`).
    Defer,
    /// Do not record (B3 `0`).
    Deny,
    /// Record (B3 `1`).
    Accept,
    /// Record and force past any sampler (B3 `d`, Jaeger flag `0x02`); implies [`Accept`](Self::Accept).
    Debug,
}

impl SamplingState {
    /// The state stored in `cx` for the trace of `cx`'s span context (or, when `cx` holds no
    /// valid span context, a state that arrived without a trace); `None` when there is none or
    /// it belongs to another trace.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::SamplingState;
    /// use opentelemetry::Context;
    ///
    /// let cx = SamplingState::Deny.to_context(&Context::new());
    /// assert_eq!(SamplingState::from_context(&cx), Some(SamplingState::Deny));
    /// assert_eq!(SamplingState::from_context(&Context::new()), None);
    /// ```
    pub fn from_context(cx: &Context) -> Option<SamplingState> {
        Carried::<SamplingState>::in_trace(cx).copied()
    }

    /// `cx` carrying this state for the trace of `cx`'s span context (for no trace when it has
    /// none), replacing any state stored before. Make the trace's span context current first:
    /// a value put in with [`Context::with_value`] is not read back.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{B3Propagator, SamplingState};
    /// use opentelemetry::Context;
    /// use opentelemetry::propagation::TextMapPropagator;
    /// use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
    /// use std::collections::HashMap;
    ///
    /// let sc = SpanContext::new(TraceId::from(1), SpanId::from(2), TraceFlags::SAMPLED, false, TraceState::NONE);
    /// let cx = SamplingState::Debug.to_context(&Context::new().with_remote_span_context(sc));
    /// let mut out = HashMap::new();
    /// B3Propagator::default().inject_context(&cx, &mut out);
    /// assert_eq!(out["b3"], "00000000000000000000000000000001-0000000000000002-d");
    /// ```
    pub fn to_context(self, cx: &Context) -> Context {
        Carried::store(cx, self)
    }

    /// Whether this state means the trace is recorded (accept or debug).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::SamplingState;
    ///
    /// assert!(SamplingState::Debug.is_sampled());
    /// assert!(!SamplingState::Defer.is_sampled());
    /// ```
    pub const fn is_sampled(self) -> bool {
        matches!(self, SamplingState::Accept | SamplingState::Debug)
    }
}

/// Stores `state` beside a span context that was just extracted, unless the span context's
/// sampled flag already says it all (accept or deny) and no earlier state for the same trace
/// needs replacing: that saves a context entry, two allocations, on the common path.
pub(crate) fn with_sampling_state(cx: Context, state: SamplingState) -> Context {
    let implied = matches!(state, SamplingState::Accept | SamplingState::Deny);
    if implied && SamplingState::from_context(&cx).is_none() {
        cx
    } else {
        state.to_context(&cx)
    }
}

/// The decision to send for a span context, given the state stored for its trace.
///
/// Debug is always re-emitted (OTel: "MUST preserve a debug trace flag ... and propagate it");
/// a deferred decision is re-emitted only while no sampler has accepted the trace since.
pub(crate) fn outbound_state(sc: &SpanContext, stored: Option<SamplingState>) -> SamplingState {
    match stored {
        Some(SamplingState::Debug) => SamplingState::Debug,
        Some(SamplingState::Defer) if !sc.is_sampled() => SamplingState::Defer,
        _ if sc.is_sampled() => SamplingState::Accept,
        _ => SamplingState::Deny,
    }
}
