//! Carry the trace and request-scoped values over every HTTP and gRPC hop.
//!
//! This crate provides:
//!
//! - [`semconv`]: the semantic-convention names and value rules Baton's spans follow.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "tower")]
// The server layers and the tonic channel layer end their spans through it.
#[allow(dead_code)]
mod body;
pub mod semconv;
