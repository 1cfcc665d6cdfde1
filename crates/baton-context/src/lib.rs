//! Request-scoped typed locals and trace context that survive `.await`, spawns and threads.
//!
//! Baton's in-process context is [`opentelemetry::Context`]: a [`Local`] is a typed entry in
//! it, so every OpenTelemetry API in the process sees what Baton sets (a span started with
//! `tracer.start(..)` inside a scope gets the scope's span as parent) and Baton sees what they
//! set. This is the Rust counterpart of Node's `AsyncLocalStorage` and TC39 `AsyncContext`.
//!
//! This crate provides:
//!
//! - [`Local<T>`]: a typed request-scoped value declared as a `static`, with
//!   [`scope`](Local::scope) (futures, returning a [`Scope`]), [`sync_scope`](Local::sync_scope)
//!   (closures),
//!   [`get`](Local::get) and [`with`](Local::with), an optional default, and an inheritance
//!   policy ([`Local::not_inherited`]).
//! - [`Snapshot`]: the whole current context captured in O(1) ([`capture`](Snapshot::capture)
//!   to resume the same work, [`for_spawn`](Snapshot::for_spawn) for work that may outlive it,
//!   [`with_span`](Snapshot::with_span) to add a span), to [`run`](Snapshot::run),
//!   [`run_sync`](Snapshot::run_sync) or [`wrap`](Snapshot::wrap) work in later.
//! - Spawns that lose nothing: [`spawn`], [`spawn_blocking`] and [`JoinSetExt`] (feature
//!   `tokio`), [`thread::spawn`], and the [`Carry`] extension trait for any future or stream
//!   ([`in_current_context`](Carry::in_current_context) for work handed to another executor,
//!   [`continue_current_context`](Carry::continue_current_context) for the same unit of work,
//!   [`in_span`](Carry::in_span)), returning [`InContext`]. What is spawned leaves
//!   [non-inherited](Local::not_inherited) locals behind and holds nothing of them.
//! - [`strict`] mode, which reports misuse of the imperative guards
//!   ([`Local::set`], [`Snapshot::attach`]) with the locations involved.
//!
//! # Usage
//!
//! ```
//! use baton_context::{Local, Snapshot};
//!
//! #[derive(Clone, Debug, PartialEq)]
//! struct RequestId(u64);
//!
//! static REQUEST_ID: Local<RequestId> = Local::new("request_id");
//!
//! # #[cfg(feature = "tokio")]
//! # tokio::runtime::Builder::new_multi_thread().build().unwrap().block_on(async {
//! REQUEST_ID
//!     .scope(RequestId(42), async {
//!         tokio::task::yield_now().await;
//!         assert_eq!(REQUEST_ID.get(), Some(RequestId(42)));
//!
//!         // Spawned work starts in the spawner's context.
//!         let child = baton_context::spawn(async { REQUEST_ID.get() });
//!         assert_eq!(child.await.unwrap(), Some(RequestId(42)));
//!
//!         // A snapshot keeps the values of the moment it was taken.
//!         let snapshot = Snapshot::capture();
//!         REQUEST_ID.sync_scope(RequestId(7), || {
//!             assert_eq!(snapshot.run_sync(|| REQUEST_ID.get()), Some(RequestId(42)));
//!         });
//!     })
//!     .await;
//! assert_eq!(REQUEST_ID.get(), None);
//! # });
//! ```
//!
//! Prefer the scope APIs; [`Local::set`] and [`Snapshot::attach`] return `!Send` guards for
//! code that cannot use a scope, and [`strict`] mode checks how they are used.
//!
//! # Feature flags
//!
//! | Feature   | Default | Enables |
//! |-----------|---------|---------|
//! | `tokio`   | yes     | [`spawn`], [`spawn_blocking`], [`JoinSetExt`] |
//! | `strict`  | no      | [`strict`] mode on from the start (it can also be enabled at run time) |
//! | `internal-logs` | no | [`strict`]-mode violations also logged through OpenTelemetry's internal logging (`opentelemetry/internal-logs`, printed by a `tracing` subscriber) |
//!
//! # Supported Rust versions
//!
//! Baton is built and tested on stable Rust, edition 2024; the minimum supported version is
//! the workspace `rust-version` (1.88).

#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(feature = "tokio"),
    doc = "\n\n[`spawn`]: #feature-flags\n[`spawn_blocking`]: #feature-flags\n[`JoinSetExt`]: #feature-flags"
)]

mod attach;
mod bindings;
mod carry;
mod future;
mod local;
mod snapshot;
#[cfg(feature = "tokio")]
mod spawn;
pub mod strict;
pub mod thread;

pub use carry::Carry;
pub use future::{InContext, Scope};
pub use local::{Local, LocalGuard};
pub use snapshot::{Snapshot, SnapshotGuard};
#[cfg(feature = "tokio")]
pub use spawn::{JoinSetExt, spawn, spawn_blocking};

#[doc = include_str!("../README.md")]
#[cfg(all(doctest, feature = "tokio"))]
pub struct ReadmeDoctests;
