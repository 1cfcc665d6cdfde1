//! The semantic-convention names and value rules Baton's spans follow.
//!
//! HTTP follows the stable HTTP conventions. gRPC follows the RPC conventions as released in
//! semantic-conventions 1.39 (release candidate): `rpc.system.name`, `rpc.method` as the fully
//! qualified `package.Service/Method`, and the status code as the string
//! `rpc.response.status_code`. With `OTEL_SEMCONV_STABILITY_OPT_IN=rpc/dup` the names they
//! replaced (`rpc.system`, `rpc.service`, the integer `rpc.grpc.status_code`) are emitted too;
//! `rpc.method` keeps its new, fully qualified value in both modes, since one key cannot carry
//! two values.
//!
//! # Examples
//!
//! ```
//! use baton_interceptors::semconv;
//!
//! assert_eq!(semconv::HTTP_REQUEST_METHOD, "http.request.method");
//! assert_eq!(semconv::grpc_code_name(5), "NOT_FOUND");
//! ```

use std::borrow::Cow;
use std::sync::OnceLock;

/// `http.request.method`: the method, or `_OTHER` when it is not a known one.
pub const HTTP_REQUEST_METHOD: &str = "http.request.method";
/// `http.request.method_original`: the method as sent, when `http.request.method` is `_OTHER`.
pub const HTTP_REQUEST_METHOD_ORIGINAL: &str = "http.request.method_original";
/// `http.response.status_code` (an integer).
pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";
/// `http.route`: the matched route template, never the raw path.
pub const HTTP_ROUTE: &str = "http.route";
/// `http.request.resend_count` (an integer): the attempt's number, for attempts after the first.
pub const HTTP_REQUEST_RESEND_COUNT: &str = "http.request.resend_count";
/// `url.full`, with credentials and signed-URL query values redacted.
pub const URL_FULL: &str = "url.full";
/// `url.path`.
pub const URL_PATH: &str = "url.path";
/// `url.query`.
pub const URL_QUERY: &str = "url.query";
/// `url.scheme`.
pub const URL_SCHEME: &str = "url.scheme";
/// `url.template`: the caller's template for the URL, on client spans.
pub const URL_TEMPLATE: &str = "url.template";
/// `server.address`.
pub const SERVER_ADDRESS: &str = "server.address";
/// `server.port` (an integer).
pub const SERVER_PORT: &str = "server.port";
/// `client.address`.
pub const CLIENT_ADDRESS: &str = "client.address";
/// `client.port` (an integer).
pub const CLIENT_PORT: &str = "client.port";
/// `network.peer.address`.
pub const NETWORK_PEER_ADDRESS: &str = "network.peer.address";
/// `network.peer.port` (an integer).
pub const NETWORK_PEER_PORT: &str = "network.peer.port";
/// `network.protocol.name`, set only when it is not `http`.
pub const NETWORK_PROTOCOL_NAME: &str = "network.protocol.name";
/// `network.protocol.version`: `1.0`, `1.1`, `2`, `3`.
pub const NETWORK_PROTOCOL_VERSION: &str = "network.protocol.version";
/// `user_agent.original`.
pub const USER_AGENT_ORIGINAL: &str = "user_agent.original";
/// `error.type`: the status code as a string, or a low-cardinality error class; never on success.
pub const ERROR_TYPE: &str = "error.type";

/// `rpc.system.name` (`"grpc"`).
pub const RPC_SYSTEM_NAME: &str = "rpc.system.name";
/// `rpc.method`: the fully qualified `package.Service/Method`.
pub const RPC_METHOD: &str = "rpc.method";
/// `rpc.method_original`: the method as received, when `rpc.method` is `_OTHER`.
pub const RPC_METHOD_ORIGINAL: &str = "rpc.method_original";
/// `rpc.response.status_code`: the gRPC status as a string, such as `"NOT_FOUND"`.
pub const RPC_RESPONSE_STATUS_CODE: &str = "rpc.response.status_code";
/// `rpc.system`: the name `rpc.system.name` replaced (emitted with `rpc/dup`).
pub const RPC_SYSTEM_OLD: &str = "rpc.system";
/// `rpc.service`: the service part of the method (emitted with `rpc/dup`).
pub const RPC_SERVICE_OLD: &str = "rpc.service";
/// `rpc.grpc.status_code`: the status as an integer (emitted with `rpc/dup`).
pub const RPC_GRPC_STATUS_CODE_OLD: &str = "rpc.grpc.status_code";

/// The value of `http.request.method`, `error.type` and `rpc.method` when the real one is not a
/// known value.
pub const OTHER: &str = "_OTHER";

/// The query keys whose values the conventions redact in `url.full` (clients) and `url.query`
/// (servers): the signatures and credentials of pre-signed URLs.
pub const SIGNED_QUERY_KEYS: [&str; 7] = [
    "AWSAccessKeyId",
    "Signature",
    "sig",
    "X-Goog-Signature",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
];

/// A query string (without its `?`) with the value of every [`SIGNED_QUERY_KEYS`] key replaced
/// by `REDACTED`; borrowed, with no allocation, when there is nothing to redact.
///
/// Keys are matched exactly, as the conventions list them: `signature=` is kept.
///
/// # Examples
///
/// ```
/// use std::borrow::Cow;
/// use baton_interceptors::semconv::redacted_query;
///
/// assert_eq!(redacted_query("a=1&sig=abc&X-Amz-Signature=def"), "a=1&sig=REDACTED&X-Amz-Signature=REDACTED");
/// assert!(matches!(redacted_query("page=2&signature=x"), Cow::Borrowed(_)));
/// ```
pub fn redacted_query(query: &str) -> Cow<'_, str> {
    let signed = |pair: &str| {
        pair.split_once('=')
            .is_some_and(|(key, _)| SIGNED_QUERY_KEYS.contains(&key))
    };
    if !query.split('&').any(signed) {
        return Cow::Borrowed(query);
    }
    let mut out = String::with_capacity(query.len() + 16);
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((key, _)) if signed(pair) => {
                out.push_str(key);
                out.push_str("=REDACTED");
            }
            _ => out.push_str(pair),
        }
    }
    Cow::Owned(out)
}

/// The HTTP methods the conventions know (`OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS` replaces the
/// list).
pub const KNOWN_HTTP_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// How an HTTP method is recorded: the value of `http.request.method`, and the method as sent
/// when that value is `_OTHER` (for `http.request.method_original`).
///
/// # Examples
///
/// ```
/// use baton_interceptors::semconv::{http_method, OTHER};
///
/// assert_eq!(http_method(&http::Method::GET), ("GET", None));
/// let purge = http::Method::from_bytes(b"PURGE").unwrap();
/// assert_eq!(http_method(&purge), (OTHER, Some("PURGE")));
/// ```
pub fn http_method(method: &http::Method) -> (&'static str, Option<&str>) {
    let name = method.as_str();
    let known: &[&'static str] = known_methods().unwrap_or(&KNOWN_HTTP_METHODS);
    match known.iter().find(|known| **known == name) {
        Some(known) => (known, None),
        None => (OTHER, Some(name)),
    }
}

/// The span name of an HTTP span: `{method} {target}`, `{method}` alone without a target, and
/// `HTTP` in place of a method recorded as `_OTHER`.
///
/// # Examples
///
/// ```
/// use baton_interceptors::semconv::http_span_name;
///
/// assert_eq!(http_span_name("GET", Some("/users/{id}")), "GET /users/{id}");
/// assert_eq!(http_span_name("POST", None), "POST");
/// assert_eq!(http_span_name("_OTHER", Some("/x")), "HTTP /x");
/// ```
pub fn http_span_name(
    method: &'static str,
    target: Option<&str>,
) -> std::borrow::Cow<'static, str> {
    let method = if method == OTHER { "HTTP" } else { method };
    match target {
        Some(target) => format!("{method} {target}").into(),
        None => method.into(),
    }
}

/// `network.protocol.version` for an HTTP version, `None` for versions the conventions do not
/// name.
///
/// # Examples
///
/// ```
/// use baton_interceptors::semconv::http_version;
///
/// assert_eq!(http_version(http::Version::HTTP_2), Some("2"));
/// ```
pub fn http_version(version: http::Version) -> Option<&'static str> {
    Some(match version {
        http::Version::HTTP_09 => "0.9",
        http::Version::HTTP_10 => "1.0",
        http::Version::HTTP_11 => "1.1",
        http::Version::HTTP_2 => "2",
        http::Version::HTTP_3 => "3",
        _ => return None,
    })
}

/// The name of a gRPC status code as the conventions write it (`"OK"`, `"NOT_FOUND"`), or
/// `_OTHER` for a code gRPC does not define.
///
/// # Examples
///
/// ```
/// assert_eq!(baton_interceptors::semconv::grpc_code_name(14), "UNAVAILABLE");
/// assert_eq!(baton_interceptors::semconv::grpc_code_name(99), "_OTHER");
/// ```
pub fn grpc_code_name(code: i32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|code| NAMES.get(code))
        .copied()
        .unwrap_or(OTHER)
}

/// Whether a gRPC status code marks a *server* span as an error: only UNKNOWN,
/// DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE and DATA_LOSS do (a `NOT_FOUND` is the
/// caller's problem, not the server's). On a client every code but OK is an error.
///
/// # Examples
///
/// ```
/// use baton_interceptors::semconv::grpc_server_error;
///
/// assert!(grpc_server_error(13)); // INTERNAL
/// assert!(!grpc_server_error(5)); // NOT_FOUND
/// ```
pub fn grpc_server_error(code: i32) -> bool {
    matches!(code, 2 | 4 | 12 | 13 | 14 | 15)
}

/// Whether `OTEL_SEMCONV_STABILITY_OPT_IN` asks for the old RPC attribute names beside the new
/// ones (`rpc/dup`). Read once per process.
///
/// # Examples
///
/// ```
/// // Unset in this process: only the new names are emitted.
/// assert!(!baton_interceptors::semconv::rpc_dup());
/// ```
pub fn rpc_dup() -> bool {
    static DUP: OnceLock<bool> = OnceLock::new();
    *DUP.get_or_init(|| {
        std::env::var("OTEL_SEMCONV_STABILITY_OPT_IN")
            .map(|value| opt_in_has(&value, "rpc/dup"))
            .unwrap_or(false)
    })
}

/// Whether a comma-separated `OTEL_SEMCONV_STABILITY_OPT_IN` value names `entry`.
pub(crate) fn opt_in_has(value: &str, entry: &str) -> bool {
    value.split(',').any(|item| item.trim() == entry)
}

/// The methods `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS` names, read once per process; `None`
/// when it is unset (the conventions' list applies).
fn known_methods() -> Option<&'static [&'static str]> {
    static KNOWN: OnceLock<Option<Vec<&'static str>>> = OnceLock::new();
    KNOWN
        .get_or_init(|| {
            let value = std::env::var("OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS").ok()?;
            // Leaked once per process: the list lives as long as the program and lets
            // `http_method` hand out `&'static str` without a per-request allocation.
            let value: &'static str = Box::leak(value.into_boxed_str());
            Some(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|method| !method.is_empty())
                    .collect(),
            )
        })
        .as_deref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_method_is_kept_and_others_become_other() {
        for name in KNOWN_HTTP_METHODS {
            let method = http::Method::from_bytes(name.as_bytes()).unwrap();
            assert_eq!(http_method(&method), (name, None));
        }
        let lower = http::Method::from_bytes(b"get").unwrap();
        assert_eq!(http_method(&lower), (OTHER, Some("get")));
    }

    #[test]
    fn grpc_codes_and_the_server_error_table() {
        assert_eq!(grpc_code_name(0), "OK");
        assert_eq!(grpc_code_name(16), "UNAUTHENTICATED");
        assert_eq!(grpc_code_name(17), OTHER);
        assert_eq!(grpc_code_name(-1), OTHER);
        let errors: Vec<i32> = (0..17).filter(|code| grpc_server_error(*code)).collect();
        assert_eq!(errors, [2, 4, 12, 13, 14, 15]);
    }

    #[test]
    fn signed_query_values_are_redacted_and_other_queries_borrowed() {
        for query in [
            "",
            "a=1",
            "signature=lowercase&Signatures=1",
            "sig",
            "x=sig=1",
        ] {
            assert!(
                matches!(redacted_query(query), Cow::Borrowed(same) if same == query),
                "{query}"
            );
        }
        assert_eq!(
            redacted_query("AWSAccessKeyId=k&Signature=s&x=1&sig"),
            "AWSAccessKeyId=REDACTED&Signature=REDACTED&x=1&sig"
        );
        assert_eq!(
            redacted_query("X-Goog-Signature=1&X-Amz-Credential=2&X-Amz-Security-Token=3&sig="),
            "X-Goog-Signature=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED&sig=REDACTED"
        );
    }

    #[test]
    fn opt_in_lists_are_comma_separated() {
        assert!(opt_in_has("http, rpc/dup", "rpc/dup"));
        assert!(!opt_in_has("rpc", "rpc/dup"));
        assert!(!opt_in_has("rpc/dupe", "rpc/dup"));
    }
}
