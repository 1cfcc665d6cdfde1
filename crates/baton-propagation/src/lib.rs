//! Strict, allocation-lean trace header propagators.

mod error;
mod hex;

pub use error::{ErrorKind, ParseError};
