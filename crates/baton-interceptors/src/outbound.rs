//! What every outbound integration (reqwest, tonic) keeps: the tracer, the propagator and the
//! egress policy, built once and shared behind `Arc`s so that a request only borrows them.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::propagation::{Injector, TextMapPropagator};
use opentelemetry::trace::Tracer;
use opentelemetry::{Context, InstrumentationScope, Key};

use crate::egress::{Egress, EgressPolicy, is_baggage_field};

/// The configuration of a client integration. Cloning it costs three reference counts.
#[derive(Clone)]
pub(crate) struct Outbound {
    pub(crate) tracer: Arc<BoxedTracer>,
    pub(crate) propagator: Arc<dyn TextMapPropagator + Send + Sync>,
    pub(crate) egress: Arc<EgressPolicy>,
}

impl Outbound {
    /// The global tracer provider's tracer for this crate and the default propagator (Baton's
    /// process-wide one, else `baton_propagation::from_env()`), both read now and kept, and a
    /// policy that sends everything.
    pub(crate) fn from_globals() -> Self {
        let scope = InstrumentationScope::builder(env!("CARGO_PKG_NAME"))
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        Self {
            tracer: Arc::new(global::tracer_with_scope(scope)),
            propagator: crate::default_propagator(),
            egress: Arc::new(EgressPolicy::new(Egress::All)),
        }
    }

    pub(crate) fn set_tracer<T>(&mut self, tracer: T)
    where
        T: Tracer + Send + Sync + 'static,
        T::Span: Send + Sync + 'static,
    {
        self.tracer = Arc::new(BoxedTracer::new(Box::new(tracer)));
    }

    pub(crate) fn set_propagator<P>(&mut self, propagator: P)
    where
        P: TextMapPropagator + Send + Sync + 'static,
    {
        self.propagator = Arc::new(propagator);
    }

    pub(crate) fn set_egress(&mut self, egress: EgressPolicy) {
        self.egress = Arc::new(egress);
    }

    /// Injects `cx` as `egress` allows.
    pub(crate) fn inject(&self, egress: Egress, cx: &Context, injector: &mut dyn Injector) {
        inject(&self.egress, egress, &*self.propagator, cx, injector);
    }
}

impl fmt::Debug for Outbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbound")
            .field(
                "propagator_fields",
                &self.propagator.fields().collect::<Vec<_>>(),
            )
            .field("egress", &self.egress)
            .finish_non_exhaustive()
    }
}

/// Injects `cx` through `propagator` as `egress` allows: nothing, the trace headers alone, or
/// everything with baggage reduced to `policy`'s allowlist.
///
/// Allocates only when the allowlist removes a member (the reduced baggage is a new map);
/// dropping baggage fields for [`Egress::TraceOnly`] happens in the injector and costs nothing
/// beyond what the propagator itself formats.
pub(crate) fn inject(
    policy: &EgressPolicy,
    egress: Egress,
    propagator: &dyn TextMapPropagator,
    cx: &Context,
    injector: &mut dyn Injector,
) {
    match egress {
        Egress::Nothing => {}
        Egress::TraceOnly => propagator.inject_context(cx, &mut TraceOnly(injector)),
        Egress::All => match reduced_baggage(policy, cx) {
            Some(baggage) => propagator.inject_context(&cx.with_baggage(baggage), injector),
            None => propagator.inject_context(cx, injector),
        },
    }
}

/// The baggage of `cx` without the members `policy`'s allowlist refuses, or `None` when it
/// refuses none (the context is injected as it is).
fn reduced_baggage(policy: &EgressPolicy, cx: &Context) -> Option<Baggage> {
    if !policy.has_baggage_allowlist() {
        return None;
    }
    let baggage = cx.baggage();
    let allowed = |(key, _): &(&Key, _)| policy.allows_baggage_key(key.as_str());
    if baggage.iter().all(|member| allowed(&member)) {
        return None;
    }
    Some(
        baggage
            .iter()
            .filter(allowed)
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect(),
    )
}

/// Sends the request id of `cx` (the [`REQUEST_ID`](crate::request_id::REQUEST_ID) local a
/// server layer set) on as `x-request-id`, so the next service's request — and its log lines —
/// carry the same id: only when `egress` sends everything, and never over a header the caller
/// set.
pub(crate) fn forward_request_id(egress: Egress, cx: &Context, headers: &mut http::HeaderMap) {
    if egress != Egress::All || headers.contains_key(crate::request_id::X_REQUEST_ID) {
        return;
    }
    if let Some(id) = crate::request_id::REQUEST_ID.get_in(cx)
        && let Ok(value) = http::HeaderValue::from_str(id.as_ref())
    {
        headers.insert(crate::request_id::X_REQUEST_ID, value);
    }
}

/// An injector that passes every field but baggage on to the one it wraps.
struct TraceOnly<'a>(&'a mut dyn Injector);

impl Injector for TraceOnly<'_> {
    fn set(&mut self, key: &str, value: String) {
        if !is_baggage_field(key) {
            self.0.set(key, value);
        }
    }
}

/// A low-cardinality `error.type` for a failure to reach the server, read from the first
/// `std::io::Error` in `error`'s source chain (`connection_refused`, `timed_out`, ...), or
/// `None` when the chain holds none.
pub(crate) fn io_error_type(error: &(dyn StdError + 'static)) -> Option<&'static str> {
    use std::io::ErrorKind;
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            return Some(match io.kind() {
                ErrorKind::ConnectionRefused => "connection_refused",
                ErrorKind::ConnectionReset => "connection_reset",
                ErrorKind::ConnectionAborted => "connection_aborted",
                ErrorKind::NotConnected => "not_connected",
                ErrorKind::AddrNotAvailable => "address_not_available",
                ErrorKind::TimedOut => "timed_out",
                ErrorKind::BrokenPipe => "broken_pipe",
                ErrorKind::UnexpectedEof => "unexpected_eof",
                _ => "io",
            });
        }
        next = error.source();
    }
    None
}
