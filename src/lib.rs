//! Baton: trace context and request-scoped values that survive every `.await`, spawn and
//! thread inside a service, and every HTTP and gRPC hop between services.
//!
//! This is the facade: it re-exports the Baton crates behind features, so a service depends on
//! one crate and turns on what it uses.
//!
//! This crate provides:
//!
//! - [`context`] (feature `context`, default): [`baton_context`], the Rust `AsyncLocalStorage` —
//!   typed request-scoped `Local`s, `Snapshot`s and context-carrying spawns, built on
//!   `opentelemetry::Context`.
//! - [`propagation`] (feature `propagation`, default): [`baton_propagation`], strict and
//!   allocation-lean header propagators (W3C Trace Context and Baggage, B3, Jaeger, X-Ray, OT,
//!   Datadog) implementing OpenTelemetry's `TextMapPropagator`.
//! - `interceptors` (features `axum`, `tower`, `reqwest`, `tonic`): `baton_interceptors`, the
//!   layers and clients that carry the trace over every HTTP and gRPC hop.
//! - `log` (feature `tracing`): `baton_log`, log correlation for `tracing-subscriber` — the
//!   trace id, span id and chosen `Local`s on every text or JSON line.
//! - [`init`][init-module] (feature `init`): [`init()`] and the [`Init`] builder — one call in
//!   `main` that installs the tracer provider (OTLP, console or no exporter), the global
//!   propagator and a correlated `tracing` subscriber from the `OTEL_*` variables, with a guard
//!   that flushes on drop.
//!
//! # Feature flags
//!
//! Each feature turns on the matching feature of the crate it belongs to; with
//! `default-features = false` only what is named is built.
//!
//! | Feature         | Default | Enables |
//! |-----------------|---------|---------|
//! | `context`       | yes     | [`context`]: typed locals, snapshots, context-carrying threads and futures |
//! | `tokio`         | yes     | `context` and its tokio `spawn`, `spawn_blocking` and `JoinSet` helpers |
//! | `strict`        | no      | `context` with strict mode on from the start (it can also be enabled at run time) |
//! | `internal-logs` | no      | `context`; strict-mode violations and unknown `OTEL_PROPAGATORS` names logged through OpenTelemetry's internal logging |
//! | `propagation`   | yes     | [`propagation`]: every propagator, `from_env`, the environment-variable carrier |
//! | `http`          | yes     | `propagation` and its carriers over `http::HeaderMap` |
//! | `tonic`         | no      | `propagation` and its carriers over tonic's `MetadataMap`; `interceptors` with the tonic client interceptor, channel layer and server layer |
//! | `interceptors`  | no      | `interceptors` (each integration below turns it on) |
//! | `tower`         | no      | `interceptors` with the HTTP server layer for any tower-based server (hyper) |
//! | `axum`          | no      | `tower`'s layer with axum's matched route and peer address |
//! | `reqwest`       | no      | `interceptors` with the reqwest middleware and `RequestBuilder` extension |
//! | `tracing`       | no      | `log` (and `context`): trace ids and locals on every `tracing` event; the server layers also enter a `tracing` span |
//! | `init`          | no      | [`init`][init-module] (and `propagation`, `tracing`): `baton::init()`, the SDK, the OTLP and console exporters |
//! | `full`          | no      | every feature above, `strict` included |
//!
//! # Usage
//!
//! ```
//! # #[cfg(feature = "context")] {
//! use baton::context::Local;
//!
//! static TENANT: Local<&'static str> = Local::new("tenant");
//!
//! let seen = TENANT.sync_scope("acme", || {
//!     baton::context::thread::spawn(|| TENANT.get()).join().unwrap()
//! });
//! assert_eq!(seen, Some("acme"));
//! # }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(feature = "context"),
    doc = "\n\n[`context`]: #feature-flags\n[`baton_context`]: #feature-flags"
)]
#![cfg_attr(
    not(feature = "init"),
    doc = "\n\n[`init()`]: #feature-flags\n[`Init`]: #feature-flags\n[init-module]: #feature-flags"
)]
#![cfg_attr(feature = "init", doc = "\n\n[init-module]: mod@init")]
#![cfg_attr(
    not(feature = "propagation"),
    doc = "\n\n[`propagation`]: #feature-flags\n[`baton_propagation`]: #feature-flags"
)]

#[cfg(feature = "context")]
#[doc(inline)]
pub use baton_context as context;
#[cfg(feature = "interceptors")]
#[doc(inline)]
pub use baton_interceptors as interceptors;
#[cfg(feature = "tracing")]
#[doc(inline)]
pub use baton_log as log;
#[cfg(feature = "propagation")]
#[doc(inline)]
pub use baton_propagation as propagation;

#[cfg(feature = "init")]
pub mod init;
#[cfg(feature = "init")]
pub use init::{Init, InitGuard, init};

#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "context", feature = "tokio", feature = "http"))]
pub struct ReadmeDoctests;
