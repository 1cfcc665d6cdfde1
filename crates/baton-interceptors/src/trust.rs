//! How much of an inbound request's trace context a server believes: decided per request.
//!
//! Trace headers are input from whoever sent the request. A service behind a gateway it runs
//! itself can continue the caller's trace; a public endpoint should not let strangers choose
//! its trace ids, force its sampling (a B3 or Jaeger *debug* flag records everything) or plant
//! baggage that its outbound calls would forward. A [`TrustPolicy`] looks at each request
//! through a [`RequestView`] (path, headers, peer address, and the extensions an earlier
//! authentication layer set) and answers with a [`Trust`]:
//!
//! | [`Trust`] | trace id and parent | sampling | baggage, debug flags |
//! |-----------|---------------------|----------|----------------------|
//! | [`Trust::Trust`] | the caller's | the caller's flag (through the sampler) | kept |
//! | [`Trust::IdsOnly`] | the caller's | ours: the sampled flag is hidden from the sampler | dropped |
//! | [`Trust::Link`] | a new trace, with a span link to the caller's span | ours | dropped |
//! | [`Trust::Ignore`] | a new trace | ours | dropped |
//!
//! Under [`Trust::IdsOnly`] the sampler sees a remote parent that is not sampled, so an SDK
//! `ParentBased` sampler asks its `remote_parent_not_sampled` sampler (by default `AlwaysOff`;
//! set it to a `TraceIdRatioBased` sampler to keep a share of these requests, decided on the
//! trace id so every service agrees).
//!
//! # Public endpoints
//!
//! A service reachable from the internet should not continue traces it did not start: use
//! [`Trust::Link`] for requests from outside (the inbound context is kept as a span link, so
//! a trace that did come from a partner can still be found) and [`Trust::Trust`] for requests
//! from your own network or that an authentication layer marked as internal. The client
//! address of `Forwarded` / `X-Forwarded-For` is believed only when the peer is one of the
//! layer's trusted proxies ([`ProxyRange`]); otherwise `client.address` is the peer itself.
//!
//! # Examples
//!
//! ```
//! use baton_interceptors::trust::{RequestView, Trust, TrustPolicy};
//!
//! /// Set by an authentication layer in front of the tracing layer.
//! #[derive(Clone)]
//! struct Internal;
//!
//! let policy = |request: &RequestView<'_>| {
//!     if request.extensions().get::<Internal>().is_some() {
//!         Trust::Trust
//!     } else if request.path().starts_with("/public/") {
//!         Trust::Link
//!     } else {
//!         Trust::IdsOnly
//!     }
//! };
//!
//! let headers = http::HeaderMap::new();
//! let mut extensions = http::Extensions::new();
//! let view = RequestView::new("/public/x", &headers, None, &extensions);
//! assert_eq!(policy.decide(&view), Trust::Link);
//! extensions.insert(Internal);
//! let view = RequestView::new("/public/x", &headers, None, &extensions);
//! assert_eq!(policy.decide(&view), Trust::Trust);
//! ```

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use http::{Extensions, HeaderMap};

/// How much of an inbound trace context to believe (see the [module docs](self)).
///
/// # Examples
///
/// ```
/// use baton_interceptors::trust::Trust;
///
/// assert_eq!(Trust::default(), Trust::Trust);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Trust {
    /// Continue the caller's trace: its ids, its sampling decision, its baggage and debug flags.
    #[default]
    Trust,
    /// Keep the caller's trace id and parent span, but make our own sampling decision and drop
    /// its baggage and debug flags.
    IdsOnly,
    /// Start a new trace with a span link to the caller's span (public endpoints); baggage and
    /// debug flags are dropped.
    Link,
    /// Read nothing: a new trace, as if the request carried no headers.
    Ignore,
}

/// Decides, per request, how much of its trace context to believe.
///
/// Implemented for every `Fn(&RequestView<'_>) -> Trust + Send + Sync`, and for [`Trust`]
/// itself (the same answer for every request).
///
/// # Examples
///
/// ```
/// use baton_interceptors::trust::{RequestView, Trust, TrustPolicy};
///
/// /// Trust callers from the loopback interface only.
/// struct Loopback;
///
/// impl TrustPolicy for Loopback {
///     fn decide(&self, request: &RequestView<'_>) -> Trust {
///         match request.peer() {
///             Some(peer) if peer.ip().is_loopback() => Trust::Trust,
///             _ => Trust::Link,
///         }
///     }
/// }
///
/// let headers = http::HeaderMap::new();
/// let extensions = http::Extensions::new();
/// let peer = "127.0.0.1:4000".parse().ok();
/// assert_eq!(Loopback.decide(&RequestView::new("/", &headers, peer, &extensions)), Trust::Trust);
/// assert_eq!(Loopback.decide(&RequestView::new("/", &headers, None, &extensions)), Trust::Link);
/// ```
pub trait TrustPolicy: Send + Sync + 'static {
    /// How much of `request`'s trace context to believe.
    fn decide(&self, request: &RequestView<'_>) -> Trust;
}

impl<F> TrustPolicy for F
where
    F: Fn(&RequestView<'_>) -> Trust + Send + Sync + 'static,
{
    fn decide(&self, request: &RequestView<'_>) -> Trust {
        self(request)
    }
}

impl TrustPolicy for Trust {
    fn decide(&self, _request: &RequestView<'_>) -> Trust {
        *self
    }
}

/// What a [`TrustPolicy`] sees of a request: borrowed, nothing copied.
///
/// # Examples
///
/// ```
/// use baton_interceptors::trust::RequestView;
///
/// let mut headers = http::HeaderMap::new();
/// headers.insert("x-internal", "1".parse().unwrap());
/// let extensions = http::Extensions::new();
/// let view = RequestView::new("/orders", &headers, "10.0.0.7:5000".parse().ok(), &extensions);
/// assert_eq!(view.path(), "/orders");
/// assert!(view.headers().contains_key("x-internal"));
/// assert_eq!(view.peer().map(|p| p.port()), Some(5000));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RequestView<'a> {
    path: &'a str,
    headers: &'a HeaderMap,
    peer: Option<SocketAddr>,
    extensions: &'a Extensions,
}

impl<'a> RequestView<'a> {
    /// A view of a request with these parts (the layers build it; this is for tests of a
    /// policy).
    ///
    /// # Examples
    ///
    /// ```
    /// let headers = http::HeaderMap::new();
    /// let extensions = http::Extensions::new();
    /// let view = baton_interceptors::trust::RequestView::new("/", &headers, None, &extensions);
    /// assert!(view.peer().is_none());
    /// ```
    pub fn new(
        path: &'a str,
        headers: &'a HeaderMap,
        peer: Option<SocketAddr>,
        extensions: &'a Extensions,
    ) -> Self {
        Self {
            path,
            headers,
            peer,
            extensions,
        }
    }

    /// The request path (for gRPC, `/package.Service/Method`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (headers, extensions) = (http::HeaderMap::new(), http::Extensions::new());
    /// let view = baton_interceptors::trust::RequestView::new("/a", &headers, None, &extensions);
    /// assert_eq!(view.path(), "/a");
    /// ```
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The request headers (or gRPC metadata, as HTTP/2 headers).
    ///
    /// # Examples
    ///
    /// ```
    /// let (headers, extensions) = (http::HeaderMap::new(), http::Extensions::new());
    /// let view = baton_interceptors::trust::RequestView::new("/", &headers, None, &extensions);
    /// assert!(view.headers().is_empty());
    /// ```
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// The address of the connection's peer (axum's `ConnectInfo<SocketAddr>`, tonic's
    /// `TcpConnectInfo`), when the server provides it.
    ///
    /// # Examples
    ///
    /// ```
    /// let (headers, extensions) = (http::HeaderMap::new(), http::Extensions::new());
    /// let peer = "127.0.0.1:1".parse().ok();
    /// let view = baton_interceptors::trust::RequestView::new("/", &headers, peer, &extensions);
    /// assert_eq!(view.peer(), peer);
    /// ```
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The request's extensions: what earlier layers (authentication) put there.
    ///
    /// # Examples
    ///
    /// ```
    /// let headers = http::HeaderMap::new();
    /// let mut extensions = http::Extensions::new();
    /// extensions.insert(7_u8);
    /// let view = baton_interceptors::trust::RequestView::new("/", &headers, None, &extensions);
    /// assert_eq!(view.extensions().get::<u8>(), Some(&7));
    /// ```
    pub fn extensions(&self) -> &'a Extensions {
        self.extensions
    }
}

/// An address range in CIDR notation (`10.0.0.0/8`, `::1/128`, or a single address), for the
/// proxies whose `Forwarded` / `X-Forwarded-For` headers a layer believes.
///
/// # Examples
///
/// ```
/// use baton_interceptors::trust::ProxyRange;
///
/// let range: ProxyRange = "10.0.0.0/8".parse().unwrap();
/// assert!(range.contains("10.1.2.3".parse().unwrap()));
/// assert!(!range.contains("192.168.0.1".parse().unwrap()));
/// let one: ProxyRange = "::1".parse().unwrap();
/// assert!(one.contains("::1".parse().unwrap()));
/// ```
///
/// # Errors
///
/// Parsing fails with [`ProxyRangeError`] when the address or the prefix length is invalid.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProxyRange {
    network: IpAddr,
    prefix: u8,
}

impl ProxyRange {
    /// Whether `address` is inside the range (an IPv4-mapped IPv6 address counts as IPv4).
    ///
    /// # Examples
    ///
    /// ```
    /// let range: baton_interceptors::trust::ProxyRange = "192.168.0.0/16".parse().unwrap();
    /// assert!(range.contains("::ffff:192.168.4.4".parse().unwrap()));
    /// ```
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(addr)) => prefix_eq(
                u32::from(net).into(),
                u32::from(addr).into(),
                self.prefix,
                32,
            ),
            (IpAddr::V6(net), IpAddr::V6(addr)) => {
                prefix_eq(u128::from(net), u128::from(addr), self.prefix, 128)
            }
            _ => false,
        }
    }
}

/// Whether the first `prefix` of `bits` bits of `a` and `b` agree.
fn prefix_eq(a: u128, b: u128, prefix: u8, bits: u32) -> bool {
    let shift = bits - u32::from(prefix);
    a.checked_shr(shift).unwrap_or(0) == b.checked_shr(shift).unwrap_or(0)
}

impl FromStr for ProxyRange {
    type Err = ProxyRangeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ProxyRangeError(text.to_owned());
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().map_err(|_| error())?;
        let network = network.to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            // Digits only, no leading zero: `u8::from_str` would also take `+8` and `08`.
            Some(prefix)
                if !prefix.is_empty()
                    && prefix.bytes().all(|b| b.is_ascii_digit())
                    && (prefix == "0" || !prefix.starts_with('0')) =>
            {
                match prefix.parse::<u8>() {
                    Ok(prefix) if prefix <= max => prefix,
                    _ => return Err(error()),
                }
            }
            Some(_) => return Err(error()),
        };
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for ProxyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl fmt::Debug for ProxyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyRange({self})")
    }
}

/// A proxy range that did not parse.
///
/// # Examples
///
/// ```
/// let error = "10.0.0.0/33".parse::<baton_interceptors::trust::ProxyRange>().unwrap_err();
/// assert_eq!(
///     error.to_string(),
///     "invalid proxy range `10.0.0.0/33`: expected an ip address with an optional /prefix length (0-32 for ipv4, 0-128 for ipv6)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyRangeError(String);

impl fmt::Display for ProxyRangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid proxy range `{}`: expected an ip address with an optional /prefix length \
             (0-32 for ipv4, 0-128 for ipv6)",
            self.0
        )
    }
}

impl std::error::Error for ProxyRangeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_strictly() {
        for good in ["10.0.0.0/8", "1.2.3.4", "::1", "fd00::/8", "0.0.0.0/0"] {
            assert!(good.parse::<ProxyRange>().is_ok(), "{good}");
        }
        for bad in [
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/08",
            "x/8",
        ] {
            assert!(bad.parse::<ProxyRange>().is_err(), "{bad}");
        }
        let all: ProxyRange = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
    }
}
