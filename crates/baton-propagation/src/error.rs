//! The error the typed `parse` APIs return.

use std::fmt;

/// Why a header value was rejected by a typed `parse` API.
///
/// It is small and `Copy` so that the hot path pays nothing for it: it names the header, the
/// part of the value that is wrong and what was expected, never an owned copy of the input.
/// [`TextMapPropagator::extract`](opentelemetry::propagation::TextMapPropagator::extract)
/// never surfaces it: there, a malformed header simply means "no context".
///
/// # Examples
///
/// ```
/// use baton_propagation::{ErrorKind, TraceParent};
///
/// let err = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Malformed);
/// assert_eq!(
///     err.to_string(),
///     "malformed flags in traceparent: expected 2 lowercase hex digits"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    kind: ErrorKind,
    header: &'static str,
    part: &'static str,
    expected: &'static str,
}

/// The broad class of a [`ParseError`], for code that branches on it.
///
/// # Examples
///
/// ```
/// use baton_propagation::{ErrorKind, TraceParent};
///
/// fn why_refused(value: &str) -> Option<&'static str> {
///     match TraceParent::parse(value).err()?.kind() {
///         ErrorKind::Empty => Some("no value"),
///         ErrorKind::TooLong => Some("not read: too long"),
///         ErrorKind::InvalidId => Some("an id is all zeros"),
///         _ => Some("malformed"),
///     }
/// }
///
/// assert_eq!(why_refused("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), None);
/// assert_eq!(why_refused(" "), Some("no value"));
/// assert_eq!(why_refused(&"0".repeat(4096)), Some("not read: too long"));
/// assert_eq!(why_refused("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), Some("an id is all zeros"));
/// assert_eq!(why_refused("00-4bf92f3577b34da6a3ce929d0e0e4736"), Some("malformed"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The value is empty or only whitespace.
    Empty,
    /// The value is longer than the format allows; it was rejected before it was parsed.
    TooLong,
    /// The value does not follow the format's grammar.
    Malformed,
    /// An id is syntactically fine but invalid, such as all zeros.
    InvalidId,
    /// The version is one the format forbids (such as W3C `ff`).
    UnsupportedVersion,
    /// A header that must appear once appeared more than once.
    Duplicate,
    /// The value breaks a limit on the number or size of its members.
    LimitExceeded,
}

impl ParseError {
    /// Builds an error: `kind`, the `header` it came from, the `part` of the value that is
    /// wrong and what was `expected` there. Only Baton's parsers build one, so that what an
    /// error says stays theirs to word.
    pub(crate) const fn new(
        kind: ErrorKind,
        header: &'static str,
        part: &'static str,
        expected: &'static str,
    ) -> Self {
        Self {
            kind,
            header,
            part,
            expected,
        }
    }

    /// The broad class of the error.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::{ErrorKind, TraceParent};
    ///
    /// let err = TraceParent::parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InvalidId);
    /// ```
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The header (or field) the value came from, such as `"traceparent"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::B3Headers;
    ///
    /// let err = B3Headers::parse("not-b3").unwrap_err();
    /// assert_eq!(err.header(), "b3");
    /// ```
    pub const fn header(&self) -> &'static str {
        self.header
    }

    /// The part of the value that is wrong, such as `"trace id"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    ///
    /// let err = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g").unwrap_err();
    /// assert_eq!(err.part(), "flags");
    /// ```
    pub const fn part(&self) -> &'static str {
        self.part
    }

    /// What the format expected in that part.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_propagation::TraceParent;
    ///
    /// let err = TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g").unwrap_err();
    /// assert_eq!(err.expected(), "2 lowercase hex digits");
    /// ```
    pub const fn expected(&self) -> &'static str {
        self.expected
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Empty => "empty",
            ErrorKind::TooLong => "too long",
            ErrorKind::Malformed => "malformed",
            ErrorKind::InvalidId => "invalid",
            ErrorKind::UnsupportedVersion => "unsupported",
            ErrorKind::Duplicate => "duplicated",
            ErrorKind::LimitExceeded => "over the limit",
        })
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} in {}: expected {}",
            self.kind, self.part, self.header, self.expected
        )
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_lowercase_and_names_the_part_and_expectation() {
        let err = ParseError::new(
            ErrorKind::TooLong,
            "tracestate",
            "value",
            "at most 512 bytes",
        );
        let msg = err.to_string();
        assert_eq!(
            msg,
            "too long value in tracestate: expected at most 512 bytes"
        );
        assert!(!msg.ends_with('.'));
    }

    #[test]
    fn is_send_sync_and_small() {
        fn assert_send_sync<T: Send + Sync + Copy>() {}
        assert_send_sync::<ParseError>();
        assert!(std::mem::size_of::<ParseError>() <= 56);
    }
}
