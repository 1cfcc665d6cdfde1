//! The gRPC server span: its name and the attributes known before it starts.

use opentelemetry::KeyValue;

use super::core::Described;
use super::http::push_addresses;
use crate::semconv;
use crate::trust::ProxyRange;

/// Capacity for every attribute a gRPC server span may get before it starts (old names
/// included).
const ATTRIBUTES: usize = 8;

/// Longest path recorded: a longer one is not a method name but a client's invention, and
/// becomes `_OTHER` with its first `MAX_PATH` bytes as `rpc.method_original`.
const MAX_PATH: usize = 256;

pub(crate) fn describe<B>(
    request: &http::Request<B>,
    peer: Option<std::net::SocketAddr>,
    proxies: &[ProxyRange],
) -> Described {
    let path = request.uri().path();
    let mut attributes = Vec::with_capacity(ATTRIBUTES);
    attributes.push(KeyValue::new(semconv::RPC_SYSTEM_NAME, "grpc"));
    let method = method(path);
    let name = match method {
        Some((full, _)) => {
            attributes.push(KeyValue::new(semconv::RPC_METHOD, full.to_owned()));
            full.to_owned().into()
        }
        None => {
            attributes.push(KeyValue::new(semconv::RPC_METHOD, semconv::OTHER));
            attributes.push(KeyValue::new(
                semconv::RPC_METHOD_ORIGINAL,
                capped(path).to_owned(),
            ));
            // The conventions' fallback name when the method is not known.
            "grpc".into()
        }
    };
    if semconv::rpc_dup() {
        attributes.push(KeyValue::new(semconv::RPC_SYSTEM_OLD, "grpc"));
        if let Some((_, service)) = method {
            attributes.push(KeyValue::new(semconv::RPC_SERVICE_OLD, service.to_owned()));
        }
    }
    push_addresses(&mut attributes, request, peer, proxies);
    Described { name, attributes }
}

/// `package.Service/Method` and its service part, from a path `/package.Service/Method`;
/// `None` for any other shape.
fn method(path: &str) -> Option<(&str, &str)> {
    if path.len() > MAX_PATH {
        return None;
    }
    let full = path.strip_prefix('/')?;
    let (service, method) = full.split_once('/')?;
    let valid = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
    };
    (valid(service) && valid(method)).then_some((full, service))
}

/// The first [`MAX_PATH`] bytes of `path`, cut at a character boundary.
fn capped(path: &str) -> &str {
    let mut end = path.len().min(MAX_PATH);
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    &path[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_paths_are_other_and_capped() {
        let long = format!("/pkg.Svc/{}", "M".repeat(MAX_PATH));
        assert_eq!(method(&long), None);
        let request = http::Request::builder()
            .uri(long.as_str())
            .body(())
            .unwrap();
        let described = describe(&request, None, &[]);
        let value = |key: &str| {
            described
                .attributes
                .iter()
                .find(|kv| kv.key.as_str() == key)
                .map(|kv| kv.value.to_string())
        };
        assert_eq!(value(semconv::RPC_METHOD).as_deref(), Some(semconv::OTHER));
        assert_eq!(
            value(semconv::RPC_METHOD_ORIGINAL).as_deref(),
            Some(&long[..MAX_PATH])
        );
        assert_eq!(described.name, "grpc");
        assert_eq!(capped("/é"), "/é");
        assert_eq!(capped(&"é".repeat(MAX_PATH))[..].len(), MAX_PATH);
    }

    #[test]
    fn methods_are_package_service_slash_method() {
        assert_eq!(
            method("/baton.test.v1.Echo/Unary"),
            Some(("baton.test.v1.Echo/Unary", "baton.test.v1.Echo"))
        );
        for bad in ["", "/", "/a", "/a/", "//b", "/a/b/c", "a/b", "/a b/c"] {
            assert_eq!(method(bad), None, "{bad}");
        }
    }
}
