//! Strict, allocation-lean trace header propagators.
