//! The server layers and their configuration.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use baton_propagation::Propagator;
use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::trace::{Span, Tracer};
use tower_layer::Layer;

use super::core::Config;
use super::{Grpc, Http, Server};
use crate::trust::{ProxyRange, Trust, TrustPolicy};

/// A tower [`Layer`] that traces each request of an HTTP or gRPC server; use it as
/// [`HttpServerLayer`] or [`GrpcServerLayer`].
///
/// The configuration is built once and shared by every request behind one `Arc`: the tracer,
/// the propagator, the trust policy and the proxy ranges.
///
/// # Examples
///
/// ```
/// use baton_interceptors::server::HttpServerLayer;
/// use baton_interceptors::trust::Trust;
///
/// let layer = HttpServerLayer::new()
///     .with_propagator(baton_propagation::TraceContextPropagator::new())
///     .with_trust(Trust::Link)
///     .with_trusted_proxies(["10.0.0.0/8".parse().unwrap()]);
/// // Cheap to clone: the configuration is shared.
/// let _router_layer = layer.clone();
/// assert!(format!("{layer:?}").contains("10.0.0.0/8"));
/// ```
pub struct ServerLayer<K> {
    config: Arc<Config>,
    kind: PhantomData<fn() -> K>,
}

/// The layer for HTTP servers: axum (with the `axum` feature, the route from `MatchedPath`
/// and the peer from `ConnectInfo`), hyper, or any tower HTTP server.
pub type HttpServerLayer = ServerLayer<Http>;

/// The layer for tonic servers (`tonic::transport::Server::builder().layer(..)`).
pub type GrpcServerLayer = ServerLayer<Grpc>;

impl ServerLayer<Http> {
    /// A layer with the global tracer and the propagator [`baton_propagation::global::set`]
    /// installed (as `baton::init` does), else the propagators `OTEL_PROPAGATORS` names, both
    /// read now and kept (see [`ServerLayer::with_tracer`] and
    /// [`ServerLayer::with_propagator`]), trusting every request.
    ///
    /// # Examples
    ///
    /// ```
    /// let layer = baton_interceptors::server::HttpServerLayer::new();
    /// # let _ = layer;
    /// ```
    pub fn new() -> Self {
        Self::with_defaults()
    }
}

impl Default for ServerLayer<Http> {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerLayer<Grpc> {
    /// A layer with the global tracer and the propagator [`baton_propagation::global::set`]
    /// installed (as `baton::init` does), else the propagators `OTEL_PROPAGATORS` names, both
    /// read now and kept (see [`ServerLayer::with_tracer`] and
    /// [`ServerLayer::with_propagator`]), trusting every request.
    ///
    /// # Examples
    ///
    /// ```
    /// let layer = baton_interceptors::server::GrpcServerLayer::new();
    /// # let _ = layer;
    /// ```
    pub fn new() -> Self {
        Self::with_defaults()
    }
}

impl Default for ServerLayer<Grpc> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> ServerLayer<K> {
    fn with_defaults() -> Self {
        Self {
            config: Arc::new(Config {
                tracer: Arc::new(global::tracer("baton-interceptors")),
                propagator: crate::default_propagator(),
                trust: Arc::new(Trust::Trust),
                proxies: Arc::new([]),
                random_trace_ids: true,
            }),
            kind: PhantomData,
        }
    }

    fn config(&mut self) -> &mut Config {
        // A clone of the layer made meanwhile keeps the configuration it was made with.
        Arc::make_mut(&mut self.config)
    }

    /// Records the server spans with `tracer` (by default the global tracer provider's tracer
    /// `baton-interceptors`, read when the layer is made: install the provider first).
    ///
    /// # Examples
    ///
    /// ```
    /// use opentelemetry::trace::TracerProvider as _;
    ///
    /// let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    /// let layer = baton_interceptors::server::HttpServerLayer::new().with_tracer(provider.tracer("orders"));
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_tracer<T>(mut self, tracer: T) -> Self
    where
        T: Tracer + Send + Sync + 'static,
        T::Span: Span + Send + Sync + 'static,
    {
        self.config().tracer = Arc::new(BoxedTracer::new(Box::new(tracer)));
        self
    }

    /// Extracts inbound context with `propagator` (by default the one
    /// [`baton_propagation::global::set`] installed, else [`baton_propagation::from_env`],
    /// read when the layer is made).
    ///
    /// # Examples
    ///
    /// ```
    /// let layer = baton_interceptors::server::HttpServerLayer::new()
    ///     .with_propagator(baton_propagation::from_list("tracecontext,b3").unwrap());
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_propagator<P>(mut self, propagator: P) -> Self
    where
        P: Propagator + Send + Sync + 'static,
    {
        self.config().propagator = Arc::new(propagator);
        self
    }

    /// Decides per request how much of its trace context to believe (by default
    /// [`Trust::Trust`] for every request); see [`trust`](crate::trust).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::trust::{RequestView, Trust};
    ///
    /// let layer = baton_interceptors::server::HttpServerLayer::new()
    ///     .with_trust(|request: &RequestView<'_>| match request.path().starts_with("/api/") {
    ///         true => Trust::Link,
    ///         false => Trust::Trust,
    ///     });
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_trust(mut self, policy: impl TrustPolicy) -> Self {
        self.config().trust = Arc::new(policy);
        self
    }

    /// Believes `Forwarded` / `X-Forwarded-For` for `client.address` only when the peer is in
    /// one of `ranges` (by default in none: `client.address` is the peer).
    ///
    /// # Examples
    ///
    /// ```
    /// let layer = baton_interceptors::server::HttpServerLayer::new()
    ///     .with_trusted_proxies(["10.0.0.0/8".parse().unwrap(), "::1".parse().unwrap()]);
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_trusted_proxies(mut self, ranges: impl IntoIterator<Item = ProxyRange>) -> Self {
        self.config().proxies = ranges.into_iter().collect();
        self
    }

    /// Whether the tracer's new trace ids are random, so that a trace this layer starts
    /// carries the W3C Level 2 `random` flag (by default yes: opentelemetry_sdk's default
    /// `RandomIdGenerator` draws all 128 bits at random). Say `false` for an id generator that
    /// is not random, such as X-Ray's time-prefixed ids.
    ///
    /// # Examples
    ///
    /// ```
    /// let layer = baton_interceptors::server::HttpServerLayer::new().with_random_trace_ids(false);
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_random_trace_ids(mut self, random: bool) -> Self {
        self.config().random_trace_ids = random;
        self
    }
}

impl<K> Clone for ServerLayer<K> {
    fn clone(&self) -> Self {
        Self {
            config: Arc::clone(&self.config),
            kind: PhantomData,
        }
    }
}

impl<K> fmt::Debug for ServerLayer<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerLayer")
            .field("kind", &std::any::type_name::<K>())
            .field("proxies", &self.config.proxies)
            .field("random_trace_ids", &self.config.random_trace_ids)
            .finish_non_exhaustive()
    }
}

impl<S, K> Layer<S> for ServerLayer<K> {
    type Service = Server<S, K>;

    fn layer(&self, inner: S) -> Self::Service {
        Server::new(inner, Arc::clone(&self.config))
    }
}
