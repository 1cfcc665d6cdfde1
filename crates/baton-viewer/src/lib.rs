//! An OTLP receiver that assembles traces, draws them in the terminal, and says where trace
//! context was lost.
//!
//! This crate provides:
//! - [`Receiver`]: OTLP over gRPC and HTTP (protobuf and JSON, gzip accepted) on 127.0.0.1,
//!   with bounded memory ([`ReceiverConfig`]), and [`Receiver::wait_for_trace`] for tests;
//! - [`Trace`] and [`Span`]: the assembled tree, with typed attributes ([`Value`]), status,
//!   events, links and resource;
//! - [`Verdict`]: per trace, the signs of lost context ([`FlagKind`]);
//! - [`Waterfall`] and [`JsonTrace`]: a trace drawn for people and for machines;
//! - the `baton-viewer` binary, which prints each completed trace.
//!
//! # Usage
//!
//! Start a receiver on free ports, point an exporter at it, await the trace, inspect it:
//!
//! ```
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use baton_viewer::{Receiver, ReceiverConfig, SpanKind, Value};
//! use opentelemetry::trace::{Span as _, SpanKind as OtelKind, Tracer as _, TracerProvider as _};
//! use opentelemetry_otlp::WithExportConfig as _;
//!
//! let receiver = Receiver::start(ReceiverConfig::ephemeral()).await?;
//!
//! let exporter = opentelemetry_otlp::SpanExporter::builder()
//!     .with_tonic()
//!     .with_endpoint(receiver.grpc_endpoint())
//!     .build()?;
//! let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
//!     .with_simple_exporter(exporter)
//!     .with_resource(opentelemetry_sdk::Resource::builder().with_service_name("orders").build())
//!     .build();
//! let tracer = provider.tracer("example");
//! let mut span = tracer.span_builder("GET /orders/{id}").with_kind(OtelKind::Server).start(&tracer);
//! span.set_attribute(opentelemetry::KeyValue::new("http.response.status_code", 200));
//! span.end();
//!
//! let trace = receiver
//!     .wait_for_trace(|t| t.span_named("GET /orders/{id}").is_some(), Duration::from_secs(10))
//!     .await?;
//! let span = trace.root().unwrap();
//! assert_eq!(span.kind(), SpanKind::Server);
//! assert_eq!(span.service_name(), "orders");
//! assert_eq!(span.attribute("http.response.status_code"), Some(&Value::Int(200)));
//! assert!(trace.verdict().is_clean());
//! # tokio::task::spawn_blocking(move || provider.shutdown()).await??;
//! receiver.shutdown().await;
//! # Ok(()) }
//! ```

mod completion;
mod example;
mod id;
mod receiver;
mod render;
mod span;
mod store;
mod trace;
mod value;
mod verdict;

pub use crate::completion::{Completed, Completions};
pub use crate::receiver::{DEFAULT_GRPC_PORT, DEFAULT_HTTP_PORT, Error, Receiver, ReceiverConfig};
pub use crate::render::{JsonTrace, KEY_ATTRIBUTES, Waterfall};
pub use crate::span::{Event, Link, Span, SpanKind, Status};
pub use crate::store::Stats;
pub use crate::trace::Trace;
pub use crate::value::Value;
pub use crate::verdict::{Flag, FlagKind, Verdict};

/// The OTLP protobuf types (opentelemetry-proto's tonic module), for building requests by hand.
pub use opentelemetry_proto::tonic as proto;

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
