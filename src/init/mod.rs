//! One call in `main` sets a service up from the standard `OTEL_*` variables: [`init`], or
//! [`Init`] to override any setting in code; the [`InitGuard`] it returns exports what is left
//! and shuts down, within a bound, when dropped.
//!
//! ```standalone_crate
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::collections::HashMap;
//!
//! use baton::init::Exporter;
//! use opentelemetry::trace::{TraceContextExt, Tracer};
//!
//! // In a service: `let _guard = baton::init()?;` (OTLP to the collector the variables name).
//! // Here nothing is exported, so that the example needs no collector.
//! let _guard = baton::Init::from_env()?
//!     .service_name("orders")
//!     .exporter(Exporter::Off)
//!     .install()?;
//!
//! opentelemetry::global::tracer("orders").in_span("GET /orders", |cx| {
//!     // Correlated: `trace_id=… span_id=… INFO listing orders`.
//!     tracing::info!("listing orders");
//!     // The global propagator (`OTEL_PROPAGATORS`, W3C trace context and baggage by default)
//!     // carries the span to the next service.
//!     let mut headers = HashMap::new();
//!     opentelemetry::global::get_text_map_propagator(|p| p.inject_context(&cx, &mut headers));
//!     let trace_id = cx.span().span_context().trace_id().to_string();
//!     assert!(headers["traceparent"].contains(&trace_id));
//! });
//! # Ok(()) }
//! ```
//!
//! # What is installed
//!
//! - A tracer provider with one batch span processor per exporter (OTLP, console, or none),
//!   set as OpenTelemetry's global one.
//! - The propagator named by `OTEL_PROPAGATORS` (through
//!   [`baton_propagation::from_list`]), set as the global one: OpenTelemetry's global
//!   propagator does nothing until someone sets it.
//! - A `tracing` subscriber: Baton's log correlation ([`baton_log`], text or JSON) filtered by
//!   `RUST_LOG`, and `tracing-opentelemetry`'s layer, so `tracing` spans are exported as
//!   OpenTelemetry spans (the exporters' own transports are left out of it, or their spans
//!   would be exported without end; so is the `request` span Baton's server layers enter,
//!   since the layer records the server span itself). With the `interceptors` feature, each
//!   line also carries the request id the server layers bind (`request_id=…`).
//!
//! # Which variable is read by whom
//!
//! `init` reads a variable itself only where the SDK or the exporter does not, or where they
//! would replace a bad value by a silent default; the others they keep reading.
//!
//! | Variable | Read by | Values, default |
//! |----------|---------|-----------------|
//! | `OTEL_SDK_DISABLED` | `init` | `true` (any case), anything else is false (with a warning unless `false`): `true` installs no tracer provider (nothing is recorded or exported; the propagator and the logs still are) |
//! | `OTEL_TRACES_EXPORTER` | `init` | a list of `otlp` (default), `console`; or `none` |
//! | `OTEL_PROPAGATORS` | `init`, through [`baton_propagation::from_list`] | a list of `tracecontext`, `baggage`, `b3`, `b3multi`, `jaeger`, `xray`, `ottrace`, `datadog`; or `none`; default `tracecontext,baggage` |
//! | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | `init` (the SDK would fall back to sampling everything on a bad value) | `always_on`, `always_off`, `traceidratio`, `parentbased_always_on` (default), `parentbased_always_off`, `parentbased_traceidratio`; the ratio from 0 to 1, default 1 |
//! | `OTEL_BSP_EXPORT_TIMEOUT` | `init` (the SDK's thread-based processor ignores it) | milliseconds, default 30000: the bound on the [`InitGuard`]'s shutdown |
//! | `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, `OTEL_EXPORTER_OTLP_PROTOCOL` | `init` (the exporter would ignore a bad value) | `http/protobuf` (default, the specification's), `grpc` |
//! | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_ENDPOINT` | `init`, checked and given to the exporter | an `http://` URL; default `http://localhost:4318/v1/traces`, or `http://localhost:4317` for gRPC. The per-signal one is used as given; the generic one gets `/v1/traces` for OTLP/HTTP. A gRPC endpoint with no scheme gets `http://` (see below) |
//! | `BATON_LOG_FORMAT` | `init` | `text` (default), `json`, `none` (no subscriber: the service installs its own) |
//! | `RUST_LOG` | `init` | `tracing-subscriber` filter directives, default `info,opentelemetry=warn` |
//! | `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES` | the SDK (`Resource::builder`) | |
//! | `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BSP_MAX_QUEUE_SIZE`, `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` | the SDK (batch processor); checked by `init` | default 5000 ms, 2048, 512 |
//! | `OTEL_SPAN_*_COUNT_LIMIT` | the SDK | |
//! | `OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT` | `init`, given to the exporter | milliseconds, default 10000; each export is bounded by the smaller of it and `OTEL_BSP_EXPORT_TIMEOUT` |
//! | `OTEL_EXPORTER_OTLP_[TRACES_]HEADERS`, `_COMPRESSION` | the exporter; checked by `init` | `key=value,...` percent-encoded; compression `gzip` (the one built in) or unset |
//!
//! [`Init::from_lookup`] reads the variables of the `init` rows through a function instead of
//! the environment.
//!
//! # A collector that is down or slow
//!
//! - Requests are not slowed or failed: ending a span only queues it (`OTEL_BSP_MAX_QUEUE_SIZE`);
//!   when the queue is full the span is dropped. The batch processor counts the drops and logs a
//!   warning at the first one, then the total at shutdown, not a line per span.
//! - Export retries are off: each batch is tried once within the smaller of
//!   `OTEL_EXPORTER_OTLP_TIMEOUT` and `OTEL_BSP_EXPORT_TIMEOUT`, and the next batch is the retry,
//!   so a collector that is down costs one failed request per batch, not a storm; export
//!   resumes when it is back. Over gRPC the timeout bounds the connect too (opentelemetry-otlp's
//!   own channel does not: a collector host that drops connections held each export for the
//!   kernel's connect retries, about two minutes).
//! - Spans lost in failed exports are counted: a warning when exports start failing (not the
//!   batch processor's error at every batch), one when they resume with how many spans were
//!   lost, and the total when the guard shuts down.
//! - The guard's drop is bounded by `OTEL_BSP_EXPORT_TIMEOUT` and never blocks inside the
//!   exporter's runtime: see [`InitGuard`].
//!
//! # gRPC endpoints without a scheme
//!
//! opentelemetry-otlp 0.33 takes `collector:4317` as `https://collector:4317`. Baton builds no
//! TLS (the collector is usually a local agent or a sidecar), so that reading could only fail
//! at the first export; `init` takes it as `http://collector:4317`, what it meant up to 0.32.
//! An `https://` endpoint is refused with an error for the same reason.

mod builder;
mod error;
mod guard;
mod losses;
mod vars;

pub use builder::Init;
pub use error::InitError;
pub use guard::InitGuard;
pub use vars::{Exporter, LogFormat, Protocol};

/// Sets the service up from the variables (see the [table](self#which-variable-is-read-by-whom)):
/// [`Init::from_env`] then [`Init::install`].
///
/// # Examples
///
/// ```standalone_crate
/// # fn main() -> Result<(), baton::init::InitError> {
/// use opentelemetry::trace::{Span, Tracer};
///
/// // OTEL_SERVICE_NAME=orders OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4318 orders
/// let _guard = baton::init()?;
/// tracing::info!("listening");
/// # let sdk_on = std::env::var("OTEL_SDK_DISABLED").map_or(true, |v| v != "true");
/// let span = opentelemetry::global::tracer("orders").start("startup");
/// # if sdk_on {
/// assert!(span.span_context().is_valid(), "a real tracer provider is installed");
/// # }
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// [`InitError`] naming the variable, the value and the valid ones for a bad value; see
/// [`Init::install`] for the rest.
pub fn init() -> Result<InitGuard, InitError> {
    Init::from_env()?.install()
}
