//! Carry the trace and request-scoped values over every HTTP and gRPC hop.
//!
//! This crate provides:
//!
//! - [`server`] (feature `tower`): [`HttpServerLayer`] for axum, hyper and any tower HTTP
//!   server, and [`GrpcServerLayer`] for tonic (feature `tonic`): the server span, the handler
//!   run in the request's context.
//! - [`trust`]: how much of an inbound trace context a server believes, per request.
//! - [`request_id`]: the request-id local the server layers set and echo.
//! - [`semconv`]: the semantic-convention names and value rules Baton's spans follow.
//! - Outbound (clients):
//!   - `reqwest` (feature `reqwest`): `TraceMiddleware` for reqwest-middleware and
//!     `RequestBuilderExt` for plain reqwest, a client span per attempt;
//!   - `tonic` (feature `tonic`): `InjectContext`, an interceptor that injects the context, and
//!     `ClientLayer`, a tower layer for a `Channel` that records a client span per call;
//!   - [`egress`]: what each call carries to its destination (all headers, trace headers only,
//!     nothing; a baggage allowlist; a per-request opt-out).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    feature = "tower",
    doc = "\n\n[`HttpServerLayer`]: server::HttpServerLayer\n[`GrpcServerLayer`]: server::GrpcServerLayer"
)]
#![cfg_attr(
    not(feature = "tower"),
    doc = "\n\n[`server`]: #\n[`HttpServerLayer`]: #\n[`GrpcServerLayer`]: #"
)]

#[cfg(feature = "tower")]
// The server layers and the tonic channel layer end their spans through it.
mod body;
pub mod semconv;

// Outbound: the client integrations and the egress policy they share.
pub mod egress;
#[cfg(any(feature = "reqwest", feature = "tonic"))]
mod outbound;
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod reqwest;
#[cfg(feature = "tonic")]
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
pub mod tonic;

// Inbound: the server layers and what they decide per request.
pub mod request_id;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod server;
pub mod trust;

/// The propagator a layer or client gets when none is given: Baton's process-wide one
/// ([`baton_propagation::global::set`], which `baton::init` calls), else the propagators
/// `OTEL_PROPAGATORS` names. Read when the layer or client is built, never per request.
#[cfg(any(feature = "tower", feature = "reqwest"))]
fn default_propagator() -> baton_propagation::global::SharedPropagator {
    baton_propagation::global::get()
        .unwrap_or_else(|| std::sync::Arc::new(baton_propagation::from_env()))
}

#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "axum", feature = "reqwest", feature = "tonic"))]
pub struct ReadmeDoctests;
