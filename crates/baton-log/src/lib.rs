//! Log correlation for `tracing-subscriber`: every `tracing` event carries the request's trace
//! id, span id and chosen [`Local`](baton_context::Local)s, with no parameter passing.
//!
//! The ids and locals are read when the event is written, from the context the event is
//! emitted in, so `info!("charged card")` three awaits deep inside a task started with
//! `baton_context::spawn` (its [`tokio` feature](baton_context#feature-flags)) prints the ids
//! of the request that spawned it. Text lines get `trace_id=… span_id=… request_id=… ` in front; JSON objects get
//! `"trace_id":"…","span_id":"…","request_id":"…"` as their first members.
//!
//! This crate provides:
//!
//! - [`correlate`]: wraps any [`tracing_subscriber::fmt::Layer`] (text, compact or JSON, any
//!   writer) into a [`CorrelatedLayer`]; [`fmt_layer`] and [`json_layer`] are the usual two,
//!   writing to stdout; [`correlate_as`] for an event format of your own.
//! - [`Correlated`]: the [`FormatEvent`](tracing_subscriber::fmt::FormatEvent) underneath,
//!   for code that builds its own layer or subscriber.
//! - The two layouts, [`Text`] and [`Json`], picked from the formatter's type through
//!   [`KnownLayout`] when a layer or formatter is built, never guessed from the output.
//!
//! # Usage
//!
//! ```
//! use std::sync::Mutex;
//!
//! use baton_context::Local;
//! use opentelemetry::Context;
//! use opentelemetry::trace::{Span, TraceContextExt, Tracer, TracerProvider};
//! use opentelemetry_sdk::trace::SdkTracerProvider;
//! use tracing_subscriber::fmt::MakeWriter;
//! use tracing_subscriber::prelude::*;
//!
//! static REQUEST_ID: Local<String> = Local::new("request_id");
//! // Collect the output in memory so the example can check it.
//! static OUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
//!
//! let subscriber = tracing_subscriber::registry().with(
//!     baton_log::fmt_layer()
//!         .with_writer(|| OUT.make_writer())
//!         .with_local(&REQUEST_ID),
//! );
//!
//! let tracer = SdkTracerProvider::builder().build().tracer("checkout");
//! let span = tracer.start("POST /checkout");
//! let trace_id = span.span_context().trace_id();
//! let cx = Context::current_with_span(span);
//!
//! tracing::subscriber::with_default(subscriber, || {
//!     let _cx = cx.attach();
//!     REQUEST_ID.sync_scope("req-7".to_owned(), || tracing::info!("charged card"));
//! });
//!
//! let line = String::from_utf8(OUT.lock().unwrap().clone()).unwrap();
//! assert!(line.starts_with(&format!("trace_id={trace_id} span_id=")));
//! assert!(line.contains(" request_id=req-7 "));
//! assert!(line.contains("charged card"));
//! ```
//!
//! # Which ids
//!
//! Logs and spans agree on one trace whichever API started the span:
//!
//! 1. if the event's tracing span (or its nearest ancestor known to the
//!    `tracing-opentelemetry` layer) carries a valid OpenTelemetry span, that span's ids —
//!    unless it belongs to a different trace than the current context's span (a tracing span
//!    opened before the request's context was set, say by an outer middleware), in which
//!    case the current context wins, as it does for `tracing-opentelemetry`'s new spans;
//! 2. otherwise the span of [`opentelemetry::Context::current`], which is where Baton
//!    scopes, `baton_context::spawn` and any OpenTelemetry API put it;
//! 3. an invalid span context (no span, or a no-op tracer's) prints no ids at all, never
//!    zeros.
//!
//! So within one trace the innermost *tracing* span is reported, even when
//! `tracing-opentelemetry`'s context activation is turned off. A span started directly
//! through the OpenTelemetry API inside an entered tracing span is in the same trace, and
//! the line shows the tracing span's id.
//!
//! A local with no value (and no default) is left out.
//!
//! # Feature flags
//!
//! None: the crate is the `tracing` integration of Baton (the `tracing` feature of the
//! `baton` facade, re-exported there as `baton::log`).
//!
//! # Supported Rust versions
//!
//! Baton is built and tested on stable Rust, edition 2024; the minimum supported version is
//! the workspace `rust-version` (1.88).
#![cfg_attr(docsrs, feature(doc_cfg))]

mod fields;
mod format;
mod ids;
mod layer;

pub use format::{Correlated, Json, KnownLayout, Text};
pub use layer::{CorrelatedLayer, correlate, correlate_as, fmt_layer, json_layer};

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
