//! Strict, allocation-lean trace header propagators for [`opentelemetry`].
//!
//! Every propagator here implements
//! [`TextMapPropagator`](opentelemetry::propagation::TextMapPropagator), so it drops into
//! `opentelemetry::global::set_text_map_propagator` and works with any OpenTelemetry
//! instrumentation, and Baton's [`Propagator`], which extracts from an `http::HeaderMap` or
//! tonic metadata directly, with no allocation per header. Each follows its specification to the letter (malformed input means "no
//! context", never a panic), checks the specification's size limits before parsing, and is
//! built on a typed parse/format API that borrows its input and formats into fixed-size
//! buffers. The crate has no async runtime and no clients: it parses and formats headers.
//!
//! # This crate provides
//!
//! - W3C Trace Context Level 2: [`TraceContextPropagator`], and the typed [`TraceParent`].
//! - W3C Baggage: [`BaggagePropagator`].
//! - B3 single and multiple headers: [`B3Propagator`] with [`B3Encoding`].
//! - Jaeger `uber-trace-id` and `uberctx-` baggage: [`JaegerPropagator`].
//! - AWS X-Ray `X-Amzn-Trace-Id`: [`XRayPropagator`].
//! - OpenTracing `ot-tracer-*`: [`OtTracePropagator`]; Datadog `x-datadog-*`:
//!   [`DatadogPropagator`].
//! - Headers forwarded unchanged (request ids): [`PassThroughPropagator`].
//! - Several at once: [`CompositePropagator`], or [`from_env`] / [`from_list`] to build one
//!   from `OTEL_PROPAGATORS` as the OpenTelemetry specification describes; a propagator that
//!   is not Baton's joins one through [`ForeignPropagator`].
//! - The process-wide propagator layers and clients default to: [`global::set`] /
//!   [`global::get`] (also installed as opentelemetry's global text-map propagator).
//! - The typed extract path: [`Propagator::extract_from`] reads a [`Carrier`] (every line of
//!   a header by its name, and the keys); `http::HeaderMap` and tonic's `MetadataMap` are
//!   carriers that answer with one lookup and no allocation, any opentelemetry `Extractor`
//!   is one through [`FromExtractor`], and a wrapper that hides a header from a carrier hides
//!   it from every propagator (see [`Carrier`]).
//! - opentelemetry carriers: [`HeaderInjector`] / [`HeaderExtractor`] over [`http::HeaderMap`]
//!   (which see every line of a repeated header), [`MetadataInjector`] /
//!   [`MetadataExtractor`] over tonic's `MetadataMap`, and [`EnvInjector`] /
//!   [`EnvExtractor`] for environment variables.
//! - Header names as constants in the [`header`] module, in the style of `http::header`, and
//!   at the crate root: [`TRACEPARENT`], [`TRACESTATE`], [`BAGGAGE`], [`B3`], [`X_B3_TRACEID`],
//!   [`UBER_TRACE_ID`], ...
//! - [`ParseError`] and [`ErrorKind`], returned by the typed `parse` APIs.
//!
//! # Usage
//!
//! Extract on the way in, inject on the way out:
//!
//! ```
//! # #[cfg(feature = "http")] {
//! use baton_propagation::{HeaderExtractor, HeaderInjector, Propagator, from_list};
//! use opentelemetry::baggage::BaggageExt;
//! use opentelemetry::propagation::TextMapPropagator;
//! use opentelemetry::trace::TraceContextExt;
//! use opentelemetry::Context;
//!
//! // What `from_env()` builds when OTEL_PROPAGATORS is unset.
//! let propagator = from_list("tracecontext,baggage").unwrap();
//!
//! let mut inbound = http::HeaderMap::new();
//! inbound.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
//! inbound.insert("baggage", "tenant=acme".parse().unwrap());
//! let cx = propagator.extract_with_context(&Context::new(), &HeaderExtractor(&inbound));
//! assert!(cx.span().span_context().is_remote());
//! assert_eq!(cx.baggage().get("tenant").map(|v| v.as_str()), Some("acme"));
//!
//! // The same, reading the map itself: no allocation for the headers' lines.
//! let typed = propagator.extract_from(&Context::new(), &inbound);
//! assert_eq!(typed.span().span_context(), cx.span().span_context());
//!
//! let mut outbound = http::HeaderMap::new();
//! propagator.inject_context(&cx, &mut HeaderInjector(&mut outbound));
//! assert_eq!(outbound, inbound);
//! # }
//! ```
//!
//! The typed API, for code that wants the reason a header was refused:
//!
//! ```
//! use baton_propagation::{ErrorKind, TraceParent};
//!
//! let tp: TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap();
//! assert!(tp.flags().is_sampled());
//! let err = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".replace("00-4", "ff-4")
//!     .parse::<TraceParent>()
//!     .unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::UnsupportedVersion);
//! ```
//!
//! # Limits
//!
//! Limits are checked before a value is parsed, so the work done never depends on how long a
//! hostile header is. For the W3C formats:
//!
//! | Header | Limit | Beyond it |
//! |--------|-------|-----------|
//! | `traceparent` | one header line; 512 characters (a higher version may append fields) | no context |
//! | `tracestate` | 32 members (a repeated key counts; only its first member is kept); 32 KiB over all lines | list discarded, `traceparent` kept |
//! | `baggage` | 64 members; 8192 bytes over all lines | later members dropped, earlier ones kept |
//!
//! # State beyond the span context
//!
//! What a format carries besides ids and the sampled flag — B3 and Jaeger debug and a deferred
//! decision ([`SamplingState`]), a Jaeger debug id ([`JaegerDebugId`]), Datadog's priority,
//! origin and `_dd.p.*` tags, X-Ray's extra fields — is kept in the [`Context`] with the trace it
//! arrived on, as `tracestate` rides on the remote span context. Inject re-emits it for any span
//! of that trace (a local child keeps it; X-Ray's `Self`, which names one hop, only for the span
//! it came with) and never for another: a new root started under the extracted context, or a
//! span of another trace made current, carries none of it. State that arrived without a trace
//! (`b3: d`, `jaeger-debug-id`) counts only while no span context is current.
//!
//! ```
//! use baton_propagation::{B3Propagator, SamplingState};
//! use opentelemetry::propagation::TextMapPropagator;
//! use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
//! use std::collections::HashMap;
//!
//! let p = B3Propagator::default();
//! let inbound = HashMap::from([("b3".to_string(), "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-d".to_string())]);
//! let cx = p.extract(&inbound);
//! assert_eq!(SamplingState::from_context(&cx), Some(SamplingState::Debug));
//!
//! // Another trace made current over the extracted context does not inherit the debug flag.
//! let other = SpanContext::new(TraceId::from(7), SpanId::from(8), TraceFlags::SAMPLED, false, TraceState::NONE);
//! let mut out = HashMap::new();
//! p.inject_context(&cx.with_remote_span_context(other), &mut out);
//! assert_eq!(out["b3"], "00000000000000000000000000000007-0000000000000008-1");
//! ```
//!
//! [`Context`]: opentelemetry::Context
//!
//! # Feature flags
//!
//! | Feature | Default | Enables |
//! |---------|---------|---------|
//! | `http`  | yes     | [`Carrier`] for `http::HeaderMap`, [`HeaderInjector`] and [`HeaderExtractor`] |
//! | `tonic` | no      | [`Carrier`] for `tonic::metadata::MetadataMap`, [`MetadataInjector`] and [`MetadataExtractor`] |
//! | `internal-logs` | no | warnings of [`from_env`] (an unknown name) through OpenTelemetry's internal logging |
//!
//! # Supported Rust versions
//!
//! Rust 1.88 (the workspace's `rust-version`) and later stable releases, edition 2024.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(feature = "http"),
    doc = "\n\n[`HeaderInjector`]: #feature-flags\n[`HeaderExtractor`]: #feature-flags\n[`http::HeaderMap`]: #feature-flags"
)]
#![cfg_attr(
    not(feature = "tonic"),
    doc = "\n\n[`MetadataInjector`]: #feature-flags\n[`MetadataExtractor`]: #feature-flags"
)]

/// The crate's README, compiled and run as a doc test (its example reads an `http::HeaderMap`).
#[cfg(all(doctest, feature = "http"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

// Formats: one module per header format, each a propagator and the typed value it parses.
mod b3;
mod baggage;
mod datadog;
mod jaeger;
mod ot_trace;
mod pass_through;
mod trace_context;
mod xray;
pub use b3::{B3Encoding, B3Headers, B3Propagator};
pub use baggage::BaggagePropagator;
pub use datadog::{DatadogHeaders, DatadogPropagator};
pub use jaeger::{JaegerDebugId, JaegerPropagator, UberTraceId};
pub use ot_trace::{OtTraceHeaders, OtTracePropagator};
pub use pass_through::PassThroughPropagator;
pub use trace_context::{TraceContextPropagator, TraceParent};
pub use xray::{XRayPropagator, XRayTraceHeader};

// Carriers: where headers are read from and written to.
mod carrier;
mod env_carrier;
pub use carrier::{Carrier, CarrierExtractor, FromExtractor, Lines};
#[cfg(feature = "http")]
pub use carrier::{HeaderExtractor, HeaderInjector};
#[cfg(feature = "tonic")]
pub use carrier::{MetadataExtractor, MetadataInjector};
pub use env_carrier::{EnvExtractor, EnvInjector};

// Composition: the typed extract trait, several propagators as one, `OTEL_PROPAGATORS`.
mod composite;
mod env;
pub mod global;
mod propagator;
pub use composite::CompositePropagator;
pub use env::{UnknownPropagator, from_env, from_list};
pub use propagator::{ForeignPropagator, Propagator};

// What every format shares in its API: header names, parse errors, the sampling state.
mod error;
pub mod header;
mod sampling;
pub use error::{ErrorKind, ParseError};
pub use header::{
    B3, BAGGAGE, JAEGER_BAGGAGE, JAEGER_DEBUG_ID, OT_BAGGAGE_PREFIX, OT_TRACER_SAMPLED,
    OT_TRACER_SPANID, OT_TRACER_TRACEID, TRACEPARENT, TRACESTATE, UBER_TRACE_ID, UBERCTX_PREFIX,
    X_AMZN_TRACE_ID, X_B3_FLAGS, X_B3_PARENTSPANID, X_B3_SAMPLED, X_B3_SPANID, X_B3_TRACEID,
    X_DATADOG_ORIGIN, X_DATADOG_PARENT_ID, X_DATADOG_SAMPLING_PRIORITY, X_DATADOG_TAGS,
    X_DATADOG_TRACE_ID,
};
pub use sampling::SamplingState;

// Internals the formats share: byte classes, hex digits, splitting, `{prefix}{key}` baggage
// headers, state carried with a trace, and the remote span context every extract builds.
mod carried;
mod chars;
mod hex;
mod prefixed_baggage;
mod remote;
mod split;
