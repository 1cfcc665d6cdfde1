//! [`Propagator`]: extract from a [`Carrier`], the typed path every Baton propagator offers
//! beside opentelemetry's `TextMapPropagator`.

use opentelemetry::Context;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter,
};

use crate::carrier::{Carrier, CarrierExtractor};

/// A propagator that extracts from a [`Carrier`]: every Baton propagator, and any
/// `TextMapPropagator` through [`ForeignPropagator`].
///
/// `extract_from(&cx, &headers)` over an `http::HeaderMap` or a tonic `MetadataMap` reads each
/// header with one lookup and no allocation, where `TextMapPropagator::extract_with_context`
/// through an `Extractor` pays a `Vec` for every header it reads in full (the `Extractor` trait
/// has no other way to see a duplicate line). Both give the same context: every Baton
/// propagator's `extract_with_context(cx, extractor)` is
/// `extract_from(cx, &FromExtractor(extractor))`.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "http")] {
/// use baton_propagation::{Propagator, TraceContextPropagator};
/// use opentelemetry::trace::TraceContextExt;
/// use opentelemetry::Context;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
/// let cx = TraceContextPropagator::new().extract_from(&Context::new(), &headers);
/// assert!(cx.span().span_context().is_remote());
/// # }
/// ```
pub trait Propagator: TextMapPropagator {
    /// The context `carrier` carries, over `cx`: `cx` unchanged when the carrier holds nothing
    /// valid for this propagator.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "http")] {
    /// use baton_propagation::{B3Propagator, Propagator};
    /// use opentelemetry::trace::TraceContextExt;
    /// use opentelemetry::Context;
    ///
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert("b3", "not b3".parse().unwrap());
    /// let cx = B3Propagator::default().extract_from(&Context::new(), &headers);
    /// assert!(!cx.span().span_context().is_valid());
    /// # }
    /// ```
    fn extract_from(&self, cx: &Context, carrier: &dyn Carrier) -> Context;
}

/// A propagator that is not Baton's, made a [`Propagator`] so that it can join a
/// [`CompositePropagator`](crate::CompositePropagator): it reads a carrier through
/// [`CarrierExtractor`], so it sees exactly what the carrier shows.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "http")] {
/// use baton_propagation::{CompositePropagator, ForeignPropagator, Propagator, TraceContextPropagator};
/// use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter};
/// use opentelemetry::Context;
///
/// /// Keeps `x-tenant` in the context (a propagator of the application's own).
/// #[derive(Debug)]
/// struct Tenant;
/// #[derive(Debug)]
/// struct TenantId(String);
///
/// impl TextMapPropagator for Tenant {
///     fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
///         if let Some(TenantId(id)) = cx.get() {
///             injector.set("x-tenant", id.clone());
///         }
///     }
///     fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
///         match extractor.get("x-tenant") {
///             Some(id) => cx.with_value(TenantId(id.to_owned())),
///             None => cx.clone(),
///         }
///     }
///     fn fields(&self) -> FieldIter<'_> {
///         FieldIter::new(&[])
///     }
/// }
///
/// let composite = CompositePropagator::new(vec![
///     Box::new(TraceContextPropagator::new()),
///     Box::new(ForeignPropagator(Tenant)),
/// ]);
/// let mut headers = http::HeaderMap::new();
/// headers.insert("x-tenant", "acme".parse().unwrap());
/// let cx = composite.extract_from(&Context::new(), &headers);
/// assert_eq!(cx.get::<TenantId>().map(|t| t.0.as_str()), Some("acme"));
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ForeignPropagator<P>(pub P);

impl<P: TextMapPropagator> TextMapPropagator for ForeignPropagator<P> {
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

impl<P: TextMapPropagator> Propagator for ForeignPropagator<P> {
    fn extract_from(&self, cx: &Context, carrier: &dyn Carrier) -> Context {
        self.0.extract_with_context(cx, &CarrierExtractor(carrier))
    }
}
