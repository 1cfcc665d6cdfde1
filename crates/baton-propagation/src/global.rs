//! The process-wide propagator: the one instrumentation uses unless it is given its own.
//!
//! opentelemetry's global text-map propagator can only be borrowed inside a closure, under a
//! lock, on every call; it cannot be cloned out and kept. Baton keeps its own handle instead:
//! [`set`] stores the propagator as an `Arc` and also installs it as opentelemetry's global
//! text-map propagator (so third-party instrumentation agrees), and [`get`] hands out a clone
//! of the `Arc` for a layer or client to keep. Read it when a layer or client is built, never
//! per request: a layer built before [`set`] keeps what it had.
//!
//! # Examples
//!
//! ```standalone_crate
//! # #[cfg(feature = "http")] {
//! use baton_propagation::{B3Propagator, Propagator, global};
//! use opentelemetry::trace::TraceContextExt;
//! use opentelemetry::Context;
//!
//! global::set(B3Propagator::default());
//!
//! // Kept by whoever builds a layer; no lock when it is used.
//! let propagator = global::get().expect("set above");
//! let mut headers = http::HeaderMap::new();
//! headers.insert("b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1".parse().unwrap());
//! let cx = propagator.extract_from(&Context::new(), &headers);
//! assert!(cx.span().span_context().is_remote());
//!
//! // opentelemetry's global propagator is the same one.
//! let fields = opentelemetry::global::get_text_map_propagator(|p| p.fields().count());
//! assert_eq!(fields, propagator.fields().count());
//! # }
//! ```

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use opentelemetry::Context;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter,
};

use crate::carrier::Carrier;
use crate::propagator::Propagator;

/// A propagator shared by every layer and client that did not get one of its own.
pub type SharedPropagator = Arc<dyn Propagator + Send + Sync>;

static GLOBAL: RwLock<Option<SharedPropagator>> = RwLock::new(None);

/// Makes `propagator` the process-wide one: what [`get`] returns from now on, and
/// opentelemetry's global text-map propagator. Layers and clients built earlier keep the
/// propagator they read when they were built.
///
/// A propagator that is not Baton's joins through
/// [`ForeignPropagator`](crate::ForeignPropagator).
///
/// # Examples
///
/// ```standalone_crate
/// use baton_propagation::{TraceContextPropagator, global};
///
/// global::set(TraceContextPropagator::new());
/// assert!(global::get().is_some());
/// ```
pub fn set<P>(propagator: P)
where
    P: Propagator + Send + Sync + 'static,
{
    let shared: SharedPropagator = Arc::new(propagator);
    *GLOBAL.write().unwrap_or_else(PoisonError::into_inner) = Some(shared.clone());
    opentelemetry::global::set_text_map_propagator(Global(shared));
}

/// The propagator [`set`] installed, `None` before any: a layer or client then builds its own
/// (Baton's use [`from_env`](crate::from_env)). Call it when building, not per request.
///
/// # Examples
///
/// ```
/// use baton_propagation::global;
///
/// let propagator = global::get().map_or_else(
///     || std::sync::Arc::new(baton_propagation::from_env()) as global::SharedPropagator,
///     |set| set,
/// );
/// assert!(propagator.fields().count() > 0);
/// ```
pub fn get() -> Option<SharedPropagator> {
    GLOBAL
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// The shared propagator as opentelemetry's global one.
struct Global(SharedPropagator);

impl fmt::Debug for Global {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl TextMapPropagator for Global {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        self.0.inject_context(cx, injector);
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        self.0.extract_with_context(cx, extractor)
    }

    fn fields(&self) -> FieldIter<'_> {
        self.0.fields()
    }
}

impl Propagator for Global {
    fn extract_from(&self, cx: &Context, carrier: &dyn Carrier) -> Context {
        self.0.extract_from(cx, carrier)
    }
}
