//! The request id: a request-scoped [`Local`] the server layers set from `x-request-id` (or
//! generate) and echo on the response.
//!
//! This is Express's `storage.run({ requestId }, next)` as one layer: every handler, every
//! task it starts with `baton_context::spawn`, and every log line that stamps the local
//! (baton-log's `.with_local(&REQUEST_ID)`) sees the same id; and Baton's clients send it on as
//! `x-request-id` to every destination their egress policy sends everything to (never over a
//! header the caller set), so the services behind log the same id.
//!
//! An inbound `x-request-id` is kept when it is 1 to [`RequestId::MAX_LEN`] characters of
//! letters, digits and `-_.:/+=@`; anything else (too long, spaces, control bytes, non-ASCII)
//! is replaced by a generated id, since the value reaches logs and other services.
//!
//! # Examples
//!
//! ```
//! use baton_interceptors::request_id::{REQUEST_ID, RequestId};
//!
//! let id = RequestId::parse("req-42").unwrap();
//! REQUEST_ID.sync_scope(id, || {
//!     assert_eq!(REQUEST_ID.get().unwrap().as_ref(), "req-42");
//! });
//! assert!(RequestId::parse("two words").is_none());
//! assert_eq!(RequestId::generate().as_ref().len(), 32);
//! ```

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use baton_context::Local;

/// The request id of the current request, set by the server layers.
///
/// # Examples
///
/// ```
/// // Outside a request there is none.
/// assert!(baton_interceptors::request_id::REQUEST_ID.get().is_none());
/// ```
pub static REQUEST_ID: Local<RequestId> = Local::new("request_id");

/// The header the layers read the request id from and write it back to.
pub const X_REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-request-id");

/// A request id: validated text, cheap to clone (shared, not copied).
///
/// # Examples
///
/// ```
/// use baton_interceptors::request_id::RequestId;
///
/// let id = RequestId::parse("abc").unwrap();
/// assert_eq!(id.to_string(), "abc");
/// assert_eq!(id.clone(), id);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RequestId(Arc<str>);

impl RequestId {
    /// The longest request id accepted from a request.
    pub const MAX_LEN: usize = 128;

    /// `text` as a request id, when it is 1 to [`MAX_LEN`](Self::MAX_LEN) characters of ASCII
    /// letters, digits and `-_.:/+=@`.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::request_id::RequestId;
    ///
    /// assert!(RequestId::parse("0f8a-22:x/y").is_some());
    /// assert!(RequestId::parse("").is_none());
    /// assert!(RequestId::parse(&"a".repeat(129)).is_none());
    /// assert!(RequestId::parse("é").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        Self::valid(text.as_bytes()).then(|| Self(Arc::from(text)))
    }

    fn valid(bytes: &[u8]) -> bool {
        (1..=Self::MAX_LEN).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(b))
    }

    /// A new random id: 32 lowercase hex digits (128 bits).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::request_id::RequestId;
    ///
    /// let (a, b) = (RequestId::generate(), RequestId::generate());
    /// assert_ne!(a, b);
    /// assert!(a.as_ref().bytes().all(|b| b.is_ascii_hexdigit()));
    /// ```
    pub fn generate() -> Self {
        let mut text = [0_u8; 32];
        let (high, low) = (random_u64(), random_u64());
        let value = (u128::from(high) << 64) | u128::from(low);
        for (i, byte) in text.iter_mut().enumerate() {
            let nibble = (value >> (124 - 4 * i)) & 0xf;
            *byte = b"0123456789abcdef"[nibble as usize];
        }
        // Hex digits are ASCII.
        Self(Arc::from(std::str::from_utf8(&text).unwrap_or_default()))
    }
}

/// 64 random bits without a dependency: SipHash keyed once per process at random (std's
/// `RandomState`), over a counter. Unique per call; unpredictable without the keys.
fn random_u64() -> u64 {
    static KEYS: std::sync::OnceLock<std::hash::RandomState> = std::sync::OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = KEYS.get_or_init(std::hash::RandomState::new).build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

impl AsRef<str> for RequestId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// The request id of a request: the inbound header's when it is valid, else a new one; and the
/// header value to echo (the inbound one reused when kept, so nothing is copied for it).
#[cfg(feature = "tower")]
pub(crate) fn from_headers(headers: &http::HeaderMap) -> (RequestId, Option<http::HeaderValue>) {
    let mut lines = headers.get_all(X_REQUEST_ID).iter();
    // Two lines are ambiguous: neither is believed.
    // The length is checked first: `to_str` would scan a hostile value of any size.
    if let (Some(value), None) = (lines.next(), lines.next())
        && value.len() <= RequestId::MAX_LEN
        && let Ok(text) = value.to_str()
        && let Some(id) = RequestId::parse(text)
    {
        return (id, Some(value.clone()));
    }
    (RequestId::generate(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "tower")]
    #[test]
    fn a_valid_header_is_kept_and_anything_else_replaced() {
        let mut headers = http::HeaderMap::new();
        headers.insert(X_REQUEST_ID, "abc-1".parse().unwrap());
        let (id, echo) = from_headers(&headers);
        assert_eq!(id.as_ref(), "abc-1");
        assert_eq!(echo.unwrap(), "abc-1");

        let long = "a".repeat(129);
        for bad in [&b"a b"[..], b"x\xff", b"", long.as_bytes()] {
            let mut headers = http::HeaderMap::new();
            headers.insert(X_REQUEST_ID, http::HeaderValue::from_bytes(bad).unwrap());
            let (id, echo) = from_headers(&headers);
            assert_ne!(id.as_ref().as_bytes(), bad);
            assert_eq!(id.as_ref().len(), 32);
            assert!(echo.is_none());
        }

        headers.append(X_REQUEST_ID, "abc-2".parse().unwrap());
        assert_ne!(from_headers(&headers).0.as_ref(), "abc-1");
    }

    #[test]
    fn generated_ids_do_not_repeat() {
        let ids: std::collections::HashSet<RequestId> =
            (0..1000).map(|_| RequestId::generate()).collect();
        assert_eq!(ids.len(), 1000);
    }
}
