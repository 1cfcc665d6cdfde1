//! The microservices demo: `gateway` (axum) → `orders` (axum, SQLite, a gRPC client) →
//! `inventory` (tonic), three processes of this one binary that keep one trace across every
//! HTTP and gRPC hop, with every log line carrying the trace id and the request id.
//!
//! ```text
//! cargo run --example demo --features init,axum,reqwest,tonic            # the whole demo
//! cargo run --example demo --features init,axum,reqwest,tonic -- --keep-running
//! ```
//!
//! - `demo` (no role): the orchestrator ([`orchestrator`]). It starts a trace receiver (the
//!   viewer's library) and the three services as child processes on free ports, sends a handful
//!   of requests, prints each trace's waterfall and verdict, one request's log lines from all
//!   three services and a summary, stops everything and exits 0 (1 if anything it shows went
//!   wrong). `--keep-running` stays up for manual requests; `--protocol grpc|http` picks the
//!   OTLP transport (default `http/protobuf`).
//! - `demo gateway`, `demo orders`, `demo inventory`: one service, configured by the `OTEL_*`
//!   variables `baton::init` reads and by `DEMO_LISTEN`, `DEMO_ORDERS_URL`,
//!   `DEMO_INVENTORY_URL`, `DEMO_DATABASE` (see [`service`]). Once listening it prints
//!   `listening on ADDR`, then its logs; SIGTERM or Ctrl-C stops it gracefully.

mod children;
mod db;
mod gateway;
mod inventory;
#[allow(clippy::all, unreachable_pub, missing_docs, missing_debug_implementations)]
#[rustfmt::skip]
mod inventory_proto;
mod orchestrator;
mod orders;
mod service;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gateway") => service::run("gateway", gateway::serve),
        Some("orders") => service::run("orders", orders::serve),
        Some("inventory") => service::run("inventory", inventory::serve),
        _ => orchestrator::run(&args),
    }
}
