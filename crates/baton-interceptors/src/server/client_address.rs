//! `client.address` of a request: the peer, or what a trusted proxy says in `Forwarded` /
//! `X-Forwarded-For`.

use std::net::{IpAddr, SocketAddr};

use http::HeaderMap;

use crate::trust::ProxyRange;

/// Longest forwarding header line read, and most hops walked: past them the header is not
/// believed and the peer is the client.
const MAX_FORWARDED_LEN: usize = 2048;
const MAX_HOPS: usize = 32;

/// The client's address: the peer, or, when the peer is a trusted proxy, the nearest hop of
/// `Forwarded` (else `X-Forwarded-For`) that is not itself a trusted proxy.
pub(crate) enum ClientAddress<'a> {
    /// From a forwarding header, borrowed.
    Forwarded(&'a str),
    /// The peer's address.
    Peer(IpAddr),
}

pub(crate) fn client_address<'a>(
    headers: &'a HeaderMap,
    peer: Option<SocketAddr>,
    proxies: &[ProxyRange],
) -> Option<ClientAddress<'a>> {
    let peer = peer?.ip();
    let trusted = |ip: IpAddr| proxies.iter().any(|range| range.contains(ip));
    if !trusted(peer) {
        return Some(ClientAddress::Peer(peer));
    }
    let hop = forwarded_for(headers, &trusted).or_else(|| x_forwarded_for(headers, &trusted));
    Some(hop.map_or(ClientAddress::Peer(peer), ClientAddress::Forwarded))
}

/// The nearest `for=` of `Forwarded` (RFC 7239) that is not a trusted proxy, read from the
/// right; `None` when the header is absent, malformed or too long.
fn forwarded_for<'a>(headers: &'a HeaderMap, trusted: &dyn Fn(IpAddr) -> bool) -> Option<&'a str> {
    nearest_untrusted(headers, http::header::FORWARDED, trusted, |element| {
        element.split(';').find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case("for")
                .then(|| value.trim().trim_matches('"'))
        })
    })
}

/// The nearest address of `X-Forwarded-For` that is not a trusted proxy, read from the right.
fn x_forwarded_for<'a>(
    headers: &'a HeaderMap,
    trusted: &dyn Fn(IpAddr) -> bool,
) -> Option<&'a str> {
    nearest_untrusted(headers, "x-forwarded-for", trusted, |element| {
        Some(element.trim())
    })
}

fn nearest_untrusted<'a>(
    headers: &'a HeaderMap,
    name: impl http::header::AsHeaderName,
    trusted: &dyn Fn(IpAddr) -> bool,
    node: impl Fn(&'a str) -> Option<&'a str>,
) -> Option<&'a str> {
    // Several lines are one list in order; the last line is the nearest hop. Proxies append,
    // so only the right-most entries were written by proxies we trust.
    let lines = headers.get_all(name);
    let mut total = 0;
    let mut hops = 0;
    for line in lines.iter().rev() {
        let line = line.to_str().ok()?;
        total += line.len();
        if total > MAX_FORWARDED_LEN {
            return None;
        }
        for element in line.rsplit(',') {
            hops += 1;
            if hops > MAX_HOPS {
                return None;
            }
            let node = node(element)?;
            let ip = parse_node(node)?;
            if !trusted(ip) {
                return Some(strip_brackets(node));
            }
        }
    }
    None
}

/// The address of a forwarding node: `1.2.3.4`, `1.2.3.4:80`, `[::1]`, `[::1]:80` or `::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse() {
        return Some(ip);
    }
    if let Ok(addr) = node.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    strip_brackets(node).parse().ok()
}

/// The address part of a node, without a port or IPv6 brackets, borrowed.
fn strip_brackets(node: &str) -> &str {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match node.split_once(':') {
        // One colon: an IPv4 address with a port.
        Some((address, port)) if !port.contains(':') => address,
        _ => node,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn client(map: &HeaderMap, peer: &str, proxies: &[&str]) -> String {
        let proxies: Vec<ProxyRange> = proxies.iter().map(|p| p.parse().unwrap()).collect();
        match client_address(map, Some(peer.parse().unwrap()), &proxies).unwrap() {
            ClientAddress::Forwarded(text) => text.to_owned(),
            ClientAddress::Peer(ip) => ip.to_string(),
        }
    }

    #[test]
    fn forwarding_headers_are_believed_only_from_trusted_proxies() {
        let map = headers(&[("x-forwarded-for", "203.0.113.9, 10.0.0.2")]);
        assert_eq!(client(&map, "10.0.0.1:1", &["10.0.0.0/8"]), "203.0.113.9");
        assert_eq!(client(&map, "192.0.2.1:1", &["10.0.0.0/8"]), "192.0.2.1");
        assert_eq!(client(&map, "10.0.0.1:1", &[]), "10.0.0.1");
    }

    #[test]
    fn forwarded_wins_and_hops_are_read_from_the_right() {
        let map = headers(&[
            (
                "forwarded",
                "for=198.51.100.1, for=\"[2001:db8::1]:4711\";proto=https",
            ),
            ("forwarded", "for=10.0.0.3"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(client(&map, "10.0.0.1:1", &["10.0.0.0/8"]), "2001:db8::1");
        // A spoofed left-most entry is never reached while a nearer hop is untrusted.
        let map = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9:80")]);
        assert_eq!(client(&map, "10.0.0.1:1", &["10.0.0.0/8"]), "203.0.113.9");
    }

    #[test]
    fn malformed_or_oversized_forwarding_falls_back_to_the_peer() {
        let map = headers(&[("x-forwarded-for", "not an ip")]);
        assert_eq!(client(&map, "10.0.0.1:1", &["10.0.0.0/8"]), "10.0.0.1");
        let long = Box::leak(vec!["10.0.0.9"; 300].join(",").into_boxed_str());
        let map = headers(&[("x-forwarded-for", long)]);
        assert_eq!(client(&map, "10.0.0.1:1", &["10.0.0.0/8"]), "10.0.0.1");
    }
}
