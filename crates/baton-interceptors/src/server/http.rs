//! The HTTP server span: its name and the attributes known before it starts.

use opentelemetry::KeyValue;

use super::client_address::{ClientAddress, client_address};
use super::core::Described;
use crate::semconv;
use crate::trust::ProxyRange;

/// Capacity for every attribute an HTTP server span may get before it starts.
const ATTRIBUTES: usize = 12;

pub(crate) fn describe<B>(
    request: &http::Request<B>,
    peer: Option<std::net::SocketAddr>,
    proxies: &[ProxyRange],
) -> Described {
    let (method, original) = semconv::http_method(request.method());
    let uri = request.uri();
    let headers = request.headers();
    let mut attributes = Vec::with_capacity(ATTRIBUTES);
    attributes.push(KeyValue::new(semconv::HTTP_REQUEST_METHOD, method));
    if let Some(original) = original {
        attributes.push(KeyValue::new(
            semconv::HTTP_REQUEST_METHOD_ORIGINAL,
            original.to_owned(),
        ));
    }
    attributes.push(KeyValue::new(semconv::URL_PATH, uri.path().to_owned()));
    if let Some(query) = uri.query() {
        attributes.push(KeyValue::new(
            semconv::URL_QUERY,
            semconv::redacted_query(query).into_owned(),
        ));
    }
    attributes.push(KeyValue::new(semconv::URL_SCHEME, scheme(uri)));
    push_addresses(&mut attributes, request, peer, proxies);
    if let Some(agent) = headers
        .get(http::header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
    {
        attributes.push(KeyValue::new(
            semconv::USER_AGENT_ORIGINAL,
            agent.to_owned(),
        ));
    }
    if let Some(version) = semconv::http_version(request.version()) {
        attributes.push(KeyValue::new(semconv::NETWORK_PROTOCOL_VERSION, version));
    }
    let route = route(request);
    if let Some(route) = route {
        attributes.push(KeyValue::new(semconv::HTTP_ROUTE, route.to_owned()));
    }
    Described {
        name: semconv::http_span_name(method, route),
        attributes,
    }
}

/// `server.address`, `server.port` and `client.address`, shared with the gRPC span.
pub(crate) fn push_addresses<B>(
    attributes: &mut Vec<KeyValue>,
    request: &http::Request<B>,
    peer: Option<std::net::SocketAddr>,
    proxies: &[ProxyRange],
) {
    if let Some((host, port)) = host(request) {
        attributes.push(KeyValue::new(semconv::SERVER_ADDRESS, host.to_owned()));
        if let Some(port) = port {
            attributes.push(KeyValue::new(semconv::SERVER_PORT, i64::from(port)));
        }
    }
    match client_address(request.headers(), peer, proxies) {
        Some(ClientAddress::Forwarded(address)) => {
            attributes.push(KeyValue::new(semconv::CLIENT_ADDRESS, address.to_owned()));
        }
        Some(ClientAddress::Peer(ip)) => {
            attributes.push(KeyValue::new(semconv::CLIENT_ADDRESS, ip.to_string()));
        }
        None => {}
    }
}

/// The route the router matched (axum's `MatchedPath`); never the raw path.
fn route<B>(request: &http::Request<B>) -> Option<&str> {
    #[cfg(feature = "axum")]
    if let Some(path) = request.extensions().get::<axum::extract::MatchedPath>() {
        return Some(path.as_str());
    }
    let _ = request;
    None
}

fn scheme(uri: &http::Uri) -> opentelemetry::Value {
    match uri.scheme_str() {
        None | Some("http") => "http".into(),
        Some("https") => "https".into(),
        Some(other) => other.to_owned().into(),
    }
}

/// The host and port the client addressed: the URI's authority (HTTP/2 `:authority`, absolute
/// form), else the `Host` header.
fn host<B>(request: &http::Request<B>) -> Option<(&str, Option<u16>)> {
    if let Some(authority) = request.uri().authority() {
        return Some((
            authority
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']'),
            authority.port_u16(),
        ));
    }
    let host = request.headers().get(http::header::HOST)?.to_str().ok()?;
    split_host(host)
}

/// `host[:port]`, `[v6][:port]`; `None` when the port is not a number.
fn split_host(host: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => {
            let (name, after) = rest.split_once(']')?;
            (name, after.strip_prefix(':'))
        }
        None => match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    if name.is_empty() {
        return None;
    }
    match port {
        None => Some((name, None)),
        Some(port) => Some((name, Some(port.parse().ok()?))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv4_mapped_peer_is_recorded_as_ipv4() {
        let request = http::Request::new(());
        let peer = "[::ffff:192.0.2.7]:4711".parse().ok();
        let mut attributes = Vec::new();
        push_addresses(&mut attributes, &request, peer, &[]);
        let client = attributes
            .iter()
            .find(|kv| kv.key.as_str() == semconv::CLIENT_ADDRESS)
            .map(|kv| kv.value.to_string());
        assert_eq!(client.as_deref(), Some("192.0.2.7"));
    }

    #[test]
    fn hosts_split_into_name_and_port() {
        assert_eq!(
            split_host("example.com:8080"),
            Some(("example.com", Some(8080)))
        );
        assert_eq!(split_host("example.com"), Some(("example.com", None)));
        assert_eq!(split_host("[::1]:80"), Some(("::1", Some(80))));
        assert_eq!(split_host("[::1]"), Some(("::1", None)));
        assert_eq!(split_host("x:notaport"), None);
        assert_eq!(split_host(":80"), None);
    }
}
