//! Baton: trace context and request-scoped values that survive awaits, spawns, threads and
//! every HTTP and gRPC hop.

#[cfg(feature = "context")]
#[doc(inline)]
pub use baton_context as context;
#[cfg(feature = "propagation")]
#[doc(inline)]
pub use baton_propagation as propagation;
