//! A propagator made of an ordered list of propagators.

use opentelemetry::Context;
use opentelemetry::propagation::{
    Extractor, Injector, TextMapPropagator, text_map_propagator::FieldIter,
};

use crate::carrier::{Carrier, FromExtractor};
use crate::propagator::Propagator;

/// An ordered list of propagators acting as one.
///
/// Extract runs each propagator in order, each on the context the previous one returned (so a
/// later propagator's span context wins when several find one, and baggage from one and span
/// context from another combine). Inject runs every propagator. [`fields`] is the union of the
/// propagators' fields without duplicates, in first-seen order, computed once when the
/// composite is built.
///
/// It holds Baton [`Propagator`]s, so [`Propagator::extract_from`] reads a carrier with no
/// allocation per header, and `extract_with_context` reads an `Extractor` as every Baton
/// propagator does (through [`FromExtractor`]). A propagator that is not Baton's joins through
/// [`ForeignPropagator`](crate::ForeignPropagator).
///
/// [`fields`]: TextMapPropagator::fields
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "http")] {
/// use baton_propagation::{
///     BaggagePropagator, CompositePropagator, HeaderExtractor, Propagator, TraceContextPropagator,
/// };
/// use opentelemetry::baggage::BaggageExt;
/// use opentelemetry::propagation::TextMapPropagator;
/// use opentelemetry::trace::TraceContextExt;
/// use opentelemetry::Context;
///
/// let composite = CompositePropagator::new(vec![
///     Box::new(TraceContextPropagator::default()),
///     Box::new(BaggagePropagator::default()),
/// ]);
/// assert_eq!(composite.fields().collect::<Vec<_>>(), ["traceparent", "tracestate", "baggage"]);
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
/// headers.insert("baggage", "user=ann".parse().unwrap());
/// let cx = composite.extract_with_context(&Context::new(), &HeaderExtractor(&headers));
/// assert!(cx.span().span_context().is_valid());
/// assert_eq!(cx.baggage().len(), 1);
///
/// // Or from the map itself, with no allocation for the headers' lines.
/// let cx = composite.extract_from(&Context::new(), &headers);
/// assert_eq!(cx.baggage().len(), 1);
/// # }
/// ```
#[derive(Debug)]
pub struct CompositePropagator {
    propagators: Vec<Box<dyn Propagator + Send + Sync>>,
    fields: Vec<String>,
}

impl Default for CompositePropagator {
    /// An empty composite: extract returns the given context, inject writes nothing.
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl CompositePropagator {
    /// A composite of `propagators`, run in the given order.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{CompositePropagator, TraceContextPropagator};
    /// use opentelemetry::propagation::TextMapPropagator;
    ///
    /// let twice = CompositePropagator::new(vec![
    ///     Box::new(TraceContextPropagator::default()),
    ///     Box::new(TraceContextPropagator::default()),
    /// ]);
    /// assert_eq!(twice.fields().count(), 2);
    /// ```
    pub fn new(propagators: Vec<Box<dyn Propagator + Send + Sync>>) -> Self {
        let mut fields: Vec<String> = Vec::new();
        for field in propagators.iter().flat_map(|p| p.fields()) {
            if !fields.iter().any(|f| f == field) {
                fields.push(field.to_owned());
            }
        }
        fields.shrink_to_fit();
        Self {
            propagators,
            fields,
        }
    }

    /// The number of propagators.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::CompositePropagator;
    ///
    /// assert_eq!(CompositePropagator::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.propagators.len()
    }

    /// Whether there are no propagators (a no-op composite).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::CompositePropagator;
    ///
    /// assert!(CompositePropagator::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.propagators.is_empty()
    }

    /// The propagators, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{BaggagePropagator, CompositePropagator};
    ///
    /// let composite = CompositePropagator::new(vec![Box::new(BaggagePropagator::default())]);
    /// assert!(format!("{:?}", composite.propagators()[0]).contains("Baggage"));
    /// ```
    pub fn propagators(&self) -> &[Box<dyn Propagator + Send + Sync>] {
        &self.propagators
    }
}

impl TextMapPropagator for CompositePropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        for propagator in &self.propagators {
            propagator.inject_context(cx, injector);
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&self.fields)
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        self.extract_from(cx, &FromExtractor(extractor))
    }
}

impl Propagator for CompositePropagator {
    fn extract_from(&self, cx: &Context, carrier: &dyn Carrier) -> Context {
        let mut iter = self.propagators.iter();
        let Some(first) = iter.next() else {
            return cx.clone();
        };
        let mut out = first.extract_from(cx, carrier);
        for propagator in iter {
            out = propagator.extract_from(&out, carrier);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BaggagePropagator, TraceContextPropagator};
    use opentelemetry::baggage::BaggageExt;
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };
    use std::collections::HashMap;

    #[test]
    fn empty_composite_is_a_no_op() {
        let c = CompositePropagator::default();
        let mut out: HashMap<String, String> = HashMap::new();
        let cx = Context::new().with_remote_span_context(SpanContext::new(
            TraceId::from(1),
            SpanId::from(2),
            TraceFlags::SAMPLED,
            true,
            TraceState::NONE,
        ));
        c.inject_context(&cx, &mut out);
        assert!(out.is_empty());
        assert_eq!(c.fields().count(), 0);
        let got = c.extract_with_context(&cx, &HashMap::<String, String>::new());
        assert_eq!(got.span().span_context().trace_id(), TraceId::from(1));
    }

    #[test]
    fn inject_runs_all_and_extract_chains_contexts() {
        let c = CompositePropagator::new(vec![
            Box::new(TraceContextPropagator::default()),
            Box::new(BaggagePropagator::default()),
        ]);
        let mut carrier: HashMap<String, String> = HashMap::new();
        carrier.insert(
            "traceparent".into(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
        );
        carrier.insert("baggage".into(), "a=1".into());
        let cx = c.extract_with_context(&Context::new(), &carrier);
        assert!(cx.span().span_context().is_valid());
        assert_eq!(cx.baggage().len(), 1);
        let mut out: HashMap<String, String> = HashMap::new();
        c.inject_context(&cx, &mut out);
        assert_eq!(out, carrier);
    }

    #[test]
    fn fields_are_deduplicated_in_first_seen_order_and_cached() {
        let c = CompositePropagator::new(vec![
            Box::new(BaggagePropagator::default()),
            Box::new(TraceContextPropagator::default()),
            Box::new(BaggagePropagator::default()),
        ]);
        assert_eq!(
            c.fields().collect::<Vec<_>>(),
            ["baggage", "traceparent", "tracestate"]
        );
        assert_eq!(
            c.fields().next().map(str::as_ptr),
            c.fields().next().map(str::as_ptr)
        );
    }

    #[test]
    fn is_send_sync() {
        fn check<T: Send + Sync + std::fmt::Debug>() {}
        check::<CompositePropagator>();
    }
}
