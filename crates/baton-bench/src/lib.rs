//! Benchmarks of Baton's interceptors side by side with the crates they replace (not published).
//!
//! This crate holds what the two benches share:
//!
//! - [`telemetry`]: the one SDK every row uses (tracer provider, no-op exporter, the `tracing`
//!   subscriber that `axum-tracing-opentelemetry` needs);
//! - [`hand_written`]: the server and client instrumentation every Rust service writes by hand
//!   today, as the opentelemetry-rust examples do;
//! - [`loopback`]: the loopback HTTP hop (axum server, reqwest client) and its load driver;
//! - [`cpu`]: process CPU time from `getrusage`.
//!
//! The benches are `benches/server_layer.rs` (the server layers called directly) and
//! `benches/loopback.rs` (requests per second and CPU per request over 127.0.0.1). The
//! figures and the commands are in the workspace's `BENCHMARKS.md`.

pub mod cpu;
pub mod hand_written;
pub mod loopback;
pub mod telemetry;

/// The inbound `traceparent` of a sampled request: every row extracts the same one.
pub const TRACEPARENT_SAMPLED: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// The same parent with the sampled flag off: a parent-based sampler drops the server span.
pub const TRACEPARENT_SAMPLED_OUT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

/// The route every server in the benches serves; requests go to `/users/123`.
pub const ROUTE: &str = "/users/{id}";

/// The response body of that route.
pub const BODY: &str = "ok";
