//! The header names every propagator reads and writes, as constants in the style of
//! [`http::header`](https://docs.rs/http/latest/http/header/index.html): lowercase, as the
//! specifications ask senders to write them (receivers compare without regard to case).
//! The crate root re-exports each one, so `baton_propagation::TRACEPARENT` and
//! `baton_propagation::header::TRACEPARENT` are the same constant.
//!
//! # Examples
//!
//! ```
//! use baton_propagation::header::{B3, TRACEPARENT, UBERCTX_PREFIX};
//!
//! assert_eq!(TRACEPARENT, "traceparent");
//! assert_eq!(B3, baton_propagation::B3);
//! assert_eq!(format!("{UBERCTX_PREFIX}tenant"), "uberctx-tenant");
//! ```

// W3C Trace Context
/// The `traceparent` header name (lowercase, as the spec asks senders to write it).
///
/// # Examples
///
/// ```
/// assert_eq!(baton_propagation::TRACEPARENT, "traceparent");
/// ```
pub const TRACEPARENT: &str = "traceparent";
/// The `tracestate` header name.
///
/// # Examples
///
/// ```
/// assert_eq!(baton_propagation::TRACESTATE, "tracestate");
/// ```
pub const TRACESTATE: &str = "tracestate";

// W3C Baggage
/// The `baggage` header name.
///
/// # Examples
///
/// ```
/// assert_eq!(baton_propagation::BAGGAGE, "baggage");
/// ```
pub const BAGGAGE: &str = "baggage";

// B3
/// The single B3 header, `b3`.
pub const B3: &str = "b3";
/// The multi-header trace id, `x-b3-traceid`.
pub const X_B3_TRACEID: &str = "x-b3-traceid";
/// The multi-header span id, `x-b3-spanid`.
pub const X_B3_SPANID: &str = "x-b3-spanid";
/// The multi-header parent span id, `x-b3-parentspanid` (read, never injected).
pub const X_B3_PARENTSPANID: &str = "x-b3-parentspanid";
/// The multi-header sampling decision, `x-b3-sampled`.
pub const X_B3_SAMPLED: &str = "x-b3-sampled";
/// The multi-header debug flag, `x-b3-flags`.
pub const X_B3_FLAGS: &str = "x-b3-flags";

// Jaeger
/// The Jaeger trace header, `uber-trace-id`.
pub const UBER_TRACE_ID: &str = "uber-trace-id";
/// The header asking Jaeger to force-sample a new trace and tag it, `jaeger-debug-id`.
pub const JAEGER_DEBUG_ID: &str = "jaeger-debug-id";
/// The prefix of Jaeger baggage headers, `uberctx-`.
pub const UBERCTX_PREFIX: &str = "uberctx-";
/// The ad-hoc Jaeger baggage header, `jaeger-baggage: k1=v1, k2=v2` (read, never injected).
pub const JAEGER_BAGGAGE: &str = "jaeger-baggage";

// AWS X-Ray
/// The X-Ray trace header, `x-amzn-trace-id`.
pub const X_AMZN_TRACE_ID: &str = "x-amzn-trace-id";

// OpenTracing (OT Trace)
/// The OT trace id header, `ot-tracer-traceid`.
pub const OT_TRACER_TRACEID: &str = "ot-tracer-traceid";
/// The OT span id header, `ot-tracer-spanid`.
pub const OT_TRACER_SPANID: &str = "ot-tracer-spanid";
/// The OT sampling header, `ot-tracer-sampled`.
pub const OT_TRACER_SAMPLED: &str = "ot-tracer-sampled";
/// The prefix of OT baggage headers, `ot-baggage-`.
pub const OT_BAGGAGE_PREFIX: &str = "ot-baggage-";

// Datadog
/// The low 64 bits of the trace id, in decimal: `x-datadog-trace-id`.
pub const X_DATADOG_TRACE_ID: &str = "x-datadog-trace-id";
/// The parent span id, in decimal: `x-datadog-parent-id`.
pub const X_DATADOG_PARENT_ID: &str = "x-datadog-parent-id";
/// The sampling priority, a signed integer: `x-datadog-sampling-priority`.
pub const X_DATADOG_SAMPLING_PRIORITY: &str = "x-datadog-sampling-priority";
/// Where the trace started (`synthetics`, `rum`, ...): `x-datadog-origin`.
pub const X_DATADOG_ORIGIN: &str = "x-datadog-origin";
/// Propagated `_dd.p.*` tags, `key=value` joined by `,`: `x-datadog-tags`.
pub const X_DATADOG_TAGS: &str = "x-datadog-tags";
