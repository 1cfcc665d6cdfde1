//! What an outbound call carries to where it goes: every propagation header, the trace headers
//! alone, or nothing, per client and per destination, with a baggage key allowlist.
//!
//! One [`EgressPolicy`] serves the reqwest middleware and the tonic interceptor and layer. The
//! client span is recorded whatever the policy says: the policy decides only what leaves the
//! process.
//!
//! # Calls to third parties
//!
//! Baggage is application data (tenant ids, user ids, feature flags) that every hop re-sends,
//! and `tracestate` and the trace ids tell a receiver how your system is built and how busy it
//! is. Inside your own services that is what propagation is for; to a payment provider or a
//! public API it is a leak. Give each client a policy whose default fits most of its calls and
//! name the exceptions by destination:
//!
//! - [`Egress::All`]: every header the propagator writes (trace context and baggage), baggage
//!   reduced to the allowlist when [`EgressPolicy::allow_baggage`] set one.
//! - [`Egress::TraceOnly`]: the trace headers without any baggage field (W3C `baggage`, Jaeger
//!   `uberctx-*` and `jaeger-baggage`, OT `ot-baggage-*`), so a partner can still join your
//!   trace in a support case.
//! - [`Egress::Nothing`]: no propagation header at all.
//!
//! A single request opts out with the [`NoPropagation`] extension (a reqwest-middleware request
//! extension, or a `tonic::Request` extension).
//!
//! # Examples
//!
//! ```
//! use baton_interceptors::egress::{Egress, EgressPolicy};
//!
//! let policy = EgressPolicy::new(Egress::Nothing)
//!     .destination("*.internal:*", Egress::All)
//!     .destination("https://api.partner.com", Egress::TraceOnly)
//!     .allow_baggage(["tenant", "user.id"]);
//!
//! assert_eq!(policy.egress_for(Some("http"), "orders.internal", Some(8080)), Egress::All);
//! assert_eq!(policy.egress_for(Some("https"), "API.partner.com", Some(443)), Egress::TraceOnly);
//! // Plain http to the partner matches no rule: the default applies.
//! assert_eq!(policy.egress_for(Some("http"), "api.partner.com", Some(80)), Egress::Nothing);
//! assert!(policy.allows_baggage_key("tenant") && !policy.allows_baggage_key("session"));
//! ```

use std::fmt;
use std::str::FromStr;

use baton_propagation::header::{BAGGAGE, JAEGER_BAGGAGE, OT_BAGGAGE_PREFIX, UBERCTX_PREFIX};

/// What an outbound call carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Egress {
    /// Every header the propagator writes; baggage reduced to the policy's allowlist if it has
    /// one.
    #[default]
    All,
    /// The trace headers only: no baggage field of any format.
    TraceOnly,
    /// No propagation header.
    Nothing,
}

/// A request extension that keeps one call from carrying any propagation header, whatever the
/// policy says. The client span is still recorded.
///
/// # Examples
///
/// ```
/// use baton_interceptors::egress::NoPropagation;
///
/// let mut extensions = http::Extensions::new();
/// extensions.insert(NoPropagation);
/// assert!(extensions.get::<NoPropagation>().is_some());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NoPropagation;

/// Which headers an outbound call carries, decided by its destination.
///
/// Rules are tried in the order they were added; the first whose [`Destination`] matches
/// decides, and the default decides when none does. Matching compares borrowed strings (no
/// allocation per request).
///
/// # Examples
///
/// ```
/// use baton_interceptors::egress::{Egress, EgressPolicy};
///
/// let policy = EgressPolicy::new(Egress::All).destination("*.partner.com", Egress::TraceOnly);
/// assert_eq!(policy.egress_for(Some("https"), "eu.api.partner.com", None), Egress::TraceOnly);
/// assert_eq!(policy.egress_for(Some("https"), "partner.com", None), Egress::All);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EgressPolicy {
    default: Egress,
    rules: Vec<(Destination, Egress)>,
    baggage: Option<Box<[Box<str>]>>,
}

impl EgressPolicy {
    /// A policy that applies `default` to every destination no rule names.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::egress::{Egress, EgressPolicy};
    ///
    /// let policy = EgressPolicy::new(Egress::TraceOnly);
    /// assert_eq!(policy.egress_for(None, "example.com", None), Egress::TraceOnly);
    /// ```
    pub fn new(default: Egress) -> Self {
        Self {
            default,
            rules: Vec::new(),
            baggage: None,
        }
    }

    /// Adds a rule: calls to destinations matching `pattern` carry `egress`. See
    /// [`Destination`] for the pattern syntax.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::egress::{Egress, EgressPolicy};
    ///
    /// let policy = EgressPolicy::new(Egress::All).destination("http://127.0.0.1:9000", Egress::Nothing);
    /// assert_eq!(policy.egress_for(Some("http"), "127.0.0.1", Some(9000)), Egress::Nothing);
    /// assert_eq!(policy.egress_for(Some("http"), "127.0.0.1", Some(9001)), Egress::All);
    /// ```
    ///
    /// # Panics
    ///
    /// When `pattern` is not a valid [`Destination`]; [`EgressPolicy::try_destination`] returns
    /// the error instead.
    #[track_caller]
    pub fn destination(self, pattern: &str, egress: Egress) -> Self {
        match self.try_destination(pattern, egress) {
            Ok(policy) => policy,
            Err(error) => panic!("{error}"),
        }
    }

    /// Adds a rule like [`EgressPolicy::destination`], returning the error for an invalid
    /// pattern.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::egress::{Egress, EgressPolicy};
    ///
    /// let error = EgressPolicy::new(Egress::All).try_destination("api.*.com", Egress::Nothing).unwrap_err();
    /// assert!(error.to_string().contains("api.*.com"));
    /// ```
    ///
    /// # Errors
    ///
    /// [`InvalidDestination`] naming the pattern and the syntax it should follow.
    pub fn try_destination(
        mut self,
        pattern: &str,
        egress: Egress,
    ) -> Result<Self, InvalidDestination> {
        self.rules.push((pattern.parse()?, egress));
        Ok(self)
    }

    /// Lets only these baggage keys leave the process (when a call carries baggage at all);
    /// without an allowlist every member goes. Keys compare exactly, as baggage keys do.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::egress::{Egress, EgressPolicy};
    ///
    /// let policy = EgressPolicy::new(Egress::All).allow_baggage(["tenant"]);
    /// assert!(policy.allows_baggage_key("tenant"));
    /// assert!(!policy.allows_baggage_key("Tenant"));
    /// ```
    pub fn allow_baggage<I>(mut self, keys: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.baggage = Some(
            keys.into_iter()
                .map(|key| key.into().into_boxed_str())
                .collect(),
        );
        self
    }

    /// What a call to this destination carries. `scheme` and `port` are `None` when unknown
    /// (a rule that names one then does not match).
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::egress::{Egress, EgressPolicy};
    ///
    /// let policy = EgressPolicy::new(Egress::All).destination("*:8443", Egress::Nothing);
    /// assert_eq!(policy.egress_for(Some("https"), "a.b", Some(8443)), Egress::Nothing);
    /// ```
    pub fn egress_for(&self, scheme: Option<&str>, host: &str, port: Option<u16>) -> Egress {
        self.rules
            .iter()
            .find(|(destination, _)| destination.matches(scheme, host, port))
            .map_or(self.default, |(_, egress)| *egress)
    }

    /// What a call carries when no rule names its destination.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::egress::{Egress, EgressPolicy};
    ///
    /// assert_eq!(EgressPolicy::new(Egress::Nothing).default_egress(), Egress::Nothing);
    /// ```
    pub fn default_egress(&self) -> Egress {
        self.default
    }

    /// Whether a baggage member with this key may leave the process.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::egress::{Egress, EgressPolicy};
    ///
    /// assert!(EgressPolicy::new(Egress::All).allows_baggage_key("anything"));
    /// ```
    pub fn allows_baggage_key(&self, key: &str) -> bool {
        self.baggage
            .as_deref()
            .is_none_or(|allowed| allowed.iter().any(|allowed| &**allowed == key))
    }

    /// Whether the policy has a baggage allowlist.
    #[cfg(any(feature = "reqwest", feature = "tonic"))]
    pub(crate) fn has_baggage_allowlist(&self) -> bool {
        self.baggage.is_some()
    }
}

/// Whether a propagation field carries baggage in one of the formats Baton knows: W3C
/// `baggage`, Jaeger `jaeger-baggage` and `uberctx-*`, OT `ot-baggage-*`.
///
/// # Examples
///
/// ```
/// use baton_interceptors::egress::is_baggage_field;
///
/// assert!(is_baggage_field("baggage") && is_baggage_field("uberctx-tenant"));
/// assert!(!is_baggage_field("traceparent"));
/// ```
pub fn is_baggage_field(name: &str) -> bool {
    name.eq_ignore_ascii_case(BAGGAGE)
        || name.eq_ignore_ascii_case(JAEGER_BAGGAGE)
        || starts_with_ignore_ascii_case(name, UBERCTX_PREFIX)
        || starts_with_ignore_ascii_case(name, OT_BAGGAGE_PREFIX)
}

fn starts_with_ignore_ascii_case(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// A destination pattern: `[scheme://]host[:port]`.
///
/// - `host` is a name or IP address compared without regard to ASCII case, `*` for any host,
///   or `*.suffix` for every name below `suffix` at any depth (not `suffix` itself). An IPv6
///   address is written in brackets: `[::1]:8080`.
/// - `port` is a number or `*`; no port means any port.
/// - no scheme means any scheme.
///
/// # Examples
///
/// ```
/// use baton_interceptors::egress::Destination;
///
/// let destination: Destination = "https://*.example.com".parse().unwrap();
/// assert!(destination.matches(Some("https"), "api.example.com", Some(443)));
/// assert!(!destination.matches(Some("http"), "api.example.com", Some(80)));
/// assert!("https://example.com/path".parse::<Destination>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    scheme: Option<Box<str>>,
    host: Host,
    port: Option<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Host {
    Any,
    /// `*.suffix`, stored as `.suffix` so that a match is one suffix comparison.
    Below(Box<str>),
    Exact(Box<str>),
}

impl Destination {
    /// Whether a call with this scheme, host and port matches.
    ///
    /// # Examples
    ///
    /// ```
    /// use baton_interceptors::egress::Destination;
    ///
    /// let destination: Destination = "[::1]:*".parse().unwrap();
    /// assert!(destination.matches(None, "[::1]", Some(1)));
    /// assert!(destination.matches(None, "::1", None));
    /// ```
    pub fn matches(&self, scheme: Option<&str>, host: &str, port: Option<u16>) -> bool {
        if let Some(expected) = &self.scheme
            && !scheme.is_some_and(|scheme| scheme.eq_ignore_ascii_case(expected))
        {
            return false;
        }
        if let Some(expected) = self.port
            && port != Some(expected)
        {
            return false;
        }
        let host = host.strip_suffix('.').unwrap_or(host);
        let host = host
            .strip_prefix('[')
            .and_then(|host| host.strip_suffix(']'))
            .unwrap_or(host);
        match &self.host {
            Host::Any => true,
            Host::Exact(expected) => host.eq_ignore_ascii_case(expected),
            Host::Below(suffix) => {
                host.len() > suffix.len()
                    && host
                        .get(host.len() - suffix.len()..)
                        .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
            }
        }
    }
}

impl FromStr for Destination {
    type Err = InvalidDestination;

    fn from_str(pattern: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidDestination {
            pattern: pattern.to_owned(),
            bracketed: None,
        };
        let (scheme, rest) = match pattern.split_once("://") {
            Some((scheme, rest)) => {
                let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                    && scheme
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
                if !valid {
                    return Err(invalid());
                }
                (Some(scheme.to_ascii_lowercase().into_boxed_str()), rest)
            }
            None => (None, pattern),
        };
        let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
            let (host, after) = bracketed.split_once(']').ok_or_else(invalid)?;
            match after {
                "" => (host, None),
                _ => (host, Some(after.strip_prefix(':').ok_or_else(invalid)?)),
            }
        } else {
            let (host, port) = match rest.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            };
            // `2001:db8::1` would otherwise be host `2001:db8:` on port 1.
            if host.contains(':') {
                return Err(InvalidDestination {
                    pattern: pattern.to_owned(),
                    bracketed: Some(format!("[{rest}]")),
                });
            }
            (host, port)
        };
        let port = match port {
            None | Some("*") => None,
            Some(port) => Some(port.parse::<u16>().map_err(|_| invalid())?),
        };
        let name_char = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':');
        let host = if host == "*" {
            Host::Any
        } else if let Some(suffix) = host.strip_prefix("*.") {
            // A fully qualified `*.internal.` means what `*.internal` does, as hosts are
            // matched without their trailing dot.
            let suffix = suffix.strip_suffix('.').unwrap_or(suffix);
            if suffix.is_empty() || !suffix.bytes().all(name_char) {
                return Err(invalid());
            }
            Host::Below(format!(".{}", suffix.to_ascii_lowercase()).into_boxed_str())
        } else {
            let host = host.strip_suffix('.').unwrap_or(host);
            if host.is_empty() || !host.bytes().all(name_char) {
                return Err(invalid());
            }
            Host::Exact(host.to_ascii_lowercase().into_boxed_str())
        };
        Ok(Self { scheme, host, port })
    }
}

/// A destination pattern that does not follow `[scheme://]host[:port]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidDestination {
    pattern: String,
    /// The bracketed form when the pattern is an unbracketed IPv6 address.
    bracketed: Option<String>,
}

impl fmt::Display for InvalidDestination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(bracketed) = &self.bracketed {
            return write!(
                f,
                "invalid egress destination {:?}: an IPv6 address is written in brackets, \
                 as in {bracketed:?}, with an optional port after them",
                self.pattern
            );
        }
        write!(
            f,
            "invalid egress destination {:?}: expected [scheme://]host[:port], the host a name, \
             an address, `*` or `*.suffix`, the port a number or `*`",
            self.pattern
        )
    }
}

impl std::error::Error for InvalidDestination {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_parse_and_match() {
        let any: Destination = "*".parse().unwrap();
        assert!(any.matches(None, "x", None));
        let below: Destination = "*.internal:*".parse().unwrap();
        assert!(below.matches(Some("http"), "a.b.internal", Some(1)));
        assert!(below.matches(Some("http"), "A.INTERNAL.", Some(1)));
        assert!(!below.matches(Some("http"), "internal", Some(1)));
        assert!(!below.matches(Some("http"), "xinternal", Some(1)));
        let exact: Destination = "HTTPS://Api.Partner.com:443".parse().unwrap();
        assert!(exact.matches(Some("https"), "api.partner.com", Some(443)));
        assert!(!exact.matches(None, "api.partner.com", Some(443)));
        assert!(!exact.matches(Some("https"), "api.partner.com", None));
        let ip: Destination = "127.0.0.1:8080".parse().unwrap();
        assert!(ip.matches(Some("http"), "127.0.0.1", Some(8080)));
        let v6: Destination = "http://[::1]".parse().unwrap();
        assert!(v6.matches(Some("http"), "[::1]", Some(80)));
        let v6: Destination = "[2001:db8::1]:443".parse().unwrap();
        assert!(v6.matches(None, "2001:db8::1", Some(443)));
        assert!(!v6.matches(None, "2001:db8::2", Some(443)));
    }

    #[test]
    fn unbracketed_ipv6_patterns_are_refused_with_the_bracketed_form() {
        for (pattern, bracketed) in [
            ("2001:db8::1", "[2001:db8::1]"),
            ("::1", "[::1]"),
            ("http://2001:db8::1:443", "[2001:db8::1:443]"),
        ] {
            let error = pattern.parse::<Destination>().unwrap_err().to_string();
            assert!(error.contains(&format!("{pattern:?}")), "{error}");
            assert!(error.contains(&format!("{bracketed:?}")), "{error}");
        }
    }

    #[test]
    fn a_trailing_dot_in_a_pattern_host_is_ignored() {
        let below: Destination = "*.internal.".parse().unwrap();
        assert!(below.matches(None, "a.internal", None));
        assert!(below.matches(None, "a.internal.", None));
        let exact: Destination = "api.partner.com.:443".parse().unwrap();
        assert!(exact.matches(None, "api.partner.com", Some(443)));
    }

    #[test]
    fn invalid_patterns_name_themselves() {
        for pattern in [
            "",
            "api.*.com",
            "*.",
            "host:port",
            "host:70000",
            "a/b",
            "1http://x",
            "[::1",
            "[::1]x",
            ".",
            "*..",
        ] {
            let error = pattern.parse::<Destination>().unwrap_err();
            assert!(
                error.to_string().contains(&format!("{pattern:?}")),
                "{error}"
            );
        }
    }

    #[test]
    fn the_first_matching_rule_decides() {
        let policy = EgressPolicy::new(Egress::All)
            .destination("*.partner.com", Egress::Nothing)
            .destination("api.partner.com", Egress::TraceOnly);
        assert_eq!(
            policy.egress_for(None, "api.partner.com", None),
            Egress::Nothing
        );
    }

    #[test]
    fn baggage_fields_of_every_format_are_recognised() {
        for field in [
            "baggage",
            "Baggage",
            "jaeger-baggage",
            "uberctx-a",
            "ot-baggage-a",
        ] {
            assert!(is_baggage_field(field), "{field}");
        }
        for field in [
            "traceparent",
            "tracestate",
            "uber-trace-id",
            "b3",
            "uberctx",
        ] {
            assert!(!is_baggage_field(field), "{field}");
        }
    }
}
