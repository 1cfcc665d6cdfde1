//! The W3C Baggage limits, on extract and inject.

/// The most list members kept on extract and written on inject: the W3C minimum every
/// platform must propagate, and opentelemetry's own `Baggage` limit.
pub(crate) const MAX_MEMBERS: usize = 64;

/// The most list members a `baggage-string` has (`list-member 0*179( OWS "," OWS list-member )`).
/// Members past the 64 opentelemetry's `Baggage` holds, up to this many, are kept beside it
/// (see `Overflow`) so that a header of 8192 bytes or less is forwarded whole, as the spec
/// requires.
pub(crate) const MAX_LIST_MEMBERS: usize = 180;

/// The most bytes of `baggage-string` read on extract and written on inject: the W3C minimum
/// every platform must propagate, and opentelemetry's own `Baggage` limit.
pub(crate) const MAX_BYTES: usize = 8192;
