//! [`InjectContext`]: a tonic interceptor that injects the current context into each request's
//! metadata.

use std::sync::Arc;

use opentelemetry::Context;
use opentelemetry::propagation::TextMapPropagator;

use baton_propagation::MetadataInjector;

use crate::egress::{Egress, EgressPolicy, NoPropagation};

/// A tonic [`Interceptor`](tonic::service::Interceptor) for `with_interceptor` clients that
/// injects the current context ([`Context::current`]) into each request's metadata.
///
/// It records no span: an interceptor sees the request before it is sent and never the
/// response, so it cannot know the status or when the call ends. Use
/// [`ClientLayer`](super::ClientLayer) on the channel for a client span per call; the layer
/// also injects, so the two are not combined.
///
/// The interceptor never sees the channel's address: it applies the egress policy's default,
/// or the rule for the destination given with [`InjectContext::with_target`] (resolved once).
/// A request carrying the [`NoPropagation`] extension gets no header.
///
/// # Examples
///
/// ```
/// use baton_interceptors::egress::{Egress, EgressPolicy};
/// use baton_interceptors::tonic::InjectContext;
/// use opentelemetry::Context;
/// use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
/// use tonic::service::Interceptor;
///
/// let mut inject = InjectContext::new()
///     .with_propagator(baton_propagation::TraceContextPropagator::new())
///     .with_egress(EgressPolicy::new(Egress::Nothing).destination("*.internal", Egress::All))
///     .with_target("http://inventory.internal:50051".parse().unwrap());
///
/// let parent = SpanContext::new(TraceId::from(1), SpanId::from(2), TraceFlags::SAMPLED, false, TraceState::NONE);
/// let _guard = Context::new().with_remote_span_context(parent).attach();
/// let request = inject.call(tonic::Request::new(())).unwrap();
/// assert_eq!(
///     request.metadata().get("traceparent").unwrap(),
///     "00-00000000000000000000000000000001-0000000000000002-01"
/// );
/// ```
#[derive(Clone, Debug)]
pub struct InjectContext {
    propagator: Arc<dyn TextMapPropagator + Send + Sync>,
    policy: Arc<EgressPolicy>,
    target: Option<http::Uri>,
    egress: Egress,
}

impl Default for InjectContext {
    fn default() -> Self {
        Self::new()
    }
}

impl InjectContext {
    /// An interceptor with the propagator [`baton_propagation::global::set`] installed (as
    /// `baton::init` does), else `baton_propagation::from_env()`, read now and kept, sending
    /// everything.
    ///
    /// # Examples
    ///
    /// ```
    /// let inject = baton_interceptors::tonic::InjectContext::new();
    /// # drop(inject);
    /// ```
    pub fn new() -> Self {
        Self {
            propagator: crate::default_propagator(),
            policy: Arc::new(EgressPolicy::new(Egress::All)),
            target: None,
            egress: Egress::All,
        }
    }

    /// Injects with this propagator.
    ///
    /// # Examples
    ///
    /// ```
    /// let inject = baton_interceptors::tonic::InjectContext::new()
    ///     .with_propagator(baton_propagation::JaegerPropagator::default());
    /// # drop(inject);
    /// ```
    pub fn with_propagator<P>(mut self, propagator: P) -> Self
    where
        P: TextMapPropagator + Send + Sync + 'static,
    {
        self.propagator = Arc::new(propagator);
        self
    }

    /// Decides what the requests carry (see [`crate::egress`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::egress::{Egress, EgressPolicy};
    ///
    /// let inject = baton_interceptors::tonic::InjectContext::new()
    ///     .with_egress(EgressPolicy::new(Egress::TraceOnly));
    /// # drop(inject);
    /// ```
    pub fn with_egress(mut self, policy: EgressPolicy) -> Self {
        self.policy = Arc::new(policy);
        self.resolve();
        self
    }

    /// The address the channel connects to, for the egress policy's destination rules.
    ///
    /// # Examples
    ///
    /// ```
    /// let inject = baton_interceptors::tonic::InjectContext::new()
    ///     .with_target(http::Uri::from_static("https://api.partner.com"));
    /// # drop(inject);
    /// ```
    pub fn with_target(mut self, target: http::Uri) -> Self {
        self.target = Some(target);
        self.resolve();
        self
    }

    fn resolve(&mut self) {
        self.egress = match &self.target {
            Some(target) => self.policy.egress_for(
                target.scheme_str(),
                target.host().unwrap_or_default(),
                super::layer::port_of(target),
            ),
            None => self.policy.default_egress(),
        };
    }
}

impl tonic::service::Interceptor for InjectContext {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        let egress = if request.extensions().get::<NoPropagation>().is_some() {
            Egress::Nothing
        } else {
            self.egress
        };
        let cx = Context::current();
        crate::outbound::inject(
            &self.policy,
            egress,
            &*self.propagator,
            &cx,
            &mut MetadataInjector(request.metadata_mut()),
        );
        let mut headers = std::mem::take(request.metadata_mut()).into_headers();
        crate::outbound::forward_request_id(egress, &cx, &mut headers);
        *request.metadata_mut() = tonic::metadata::MetadataMap::from_headers(headers);
        Ok(request)
    }
}
