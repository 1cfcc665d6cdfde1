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
///
/// When `Forwarded` is present, `X-Forwarded-For` is never read: a proxy that writes only
/// `Forwarded` passes the client's own `X-Forwarded-For` through, so falling back to it would
/// let any client choose its address. A hop that names no address (`for=unknown`, an
/// obfuscated `_hidden`, anything unparsable) stops the walk and the peer is the answer: the
/// client is unknown, and the nearest hop we can vouch for is the proxy that connected to us.
/// When every hop is a trusted proxy, the left-most hop is the client.
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
    // A dual-stack listener sees IPv4 peers as `::ffff:a.b.c.d`: judge and record them as IPv4.
    let peer = peer?.ip().to_canonical();
    let trusted = |ip: IpAddr| proxies.iter().any(|range| range.contains(ip));
    if !trusted(peer) {
        return Some(ClientAddress::Peer(peer));
    }
    let hop = match forwarded_for(headers, &trusted) {
        Hop::Absent => x_forwarded_for(headers, &trusted),
        hop => hop,
    };
    Some(match hop {
        Hop::Address(address) => ClientAddress::Forwarded(address),
        Hop::Absent | Hop::Unusable => ClientAddress::Peer(peer),
    })
}

/// What a forwarding header says about the client.
enum Hop<'a> {
    /// The header is not there.
    Absent,
    /// The nearest untrusted hop, or the left-most when every hop is trusted.
    Address(&'a str),
    /// Present but not believed: malformed, too long, or a hop without an address.
    Unusable,
}

/// The nearest `for=` of `Forwarded` (RFC 7239) that is not a trusted proxy, read from the
/// right.
fn forwarded_for<'a>(headers: &'a HeaderMap, trusted: &dyn Fn(IpAddr) -> bool) -> Hop<'a> {
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
fn x_forwarded_for<'a>(headers: &'a HeaderMap, trusted: &dyn Fn(IpAddr) -> bool) -> Hop<'a> {
    nearest_untrusted(headers, "x-forwarded-for", trusted, |element| {
        Some(element.trim())
    })
}

fn nearest_untrusted<'a>(
    headers: &'a HeaderMap,
    name: impl http::header::AsHeaderName,
    trusted: &dyn Fn(IpAddr) -> bool,
    node: impl Fn(&'a str) -> Option<&'a str>,
) -> Hop<'a> {
    // Several lines are one list in order; the last line is the nearest hop. Proxies append,
    // so only the right-most entries were written by proxies we trust.
    let lines = headers.get_all(name);
    let mut lines = lines.iter().rev().peekable();
    if lines.peek().is_none() {
        return Hop::Absent;
    }
    let mut total = 0;
    let mut hops = 0;
    let mut leftmost = None;
    for line in lines {
        let Ok(line) = line.to_str() else {
            return Hop::Unusable;
        };
        total += line.len();
        if total > MAX_FORWARDED_LEN {
            return Hop::Unusable;
        }
        for element in line.rsplit(',') {
            hops += 1;
            if hops > MAX_HOPS {
                return Hop::Unusable;
            }
            let Some(node) = node(element) else {
                return Hop::Unusable;
            };
            let Some(ip) = parse_node(node) else {
                return Hop::Unusable;
            };
            if !trusted(ip) {
                return Hop::Address(strip_brackets(node));
            }
            leftmost = Some(node);
        }
    }
    leftmost.map_or(Hop::Unusable, |node| Hop::Address(strip_brackets(node)))
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
    fn forwarded_present_means_x_forwarded_for_is_never_read() {
        let proxies = &["10.0.0.0/8"];
        for forwarded in [
            "for=unknown",
            "for=_hidden",
            "for=\"_hidden\", for=10.0.0.2",
            "for=not-an-ip",
            "proto=https",
            "for=10.0.0.2, for=10.0.0.3",
        ] {
            let map = headers(&[("forwarded", forwarded), ("x-forwarded-for", "6.6.6.6")]);
            let got = client(&map, "10.0.0.1:1", proxies);
            assert_ne!(got, "6.6.6.6", "spoofed through {forwarded:?}");
        }
        // An unknown or obfuscated hop: the client is unknown, the peer is the answer.
        let map = headers(&[("forwarded", "for=unknown"), ("x-forwarded-for", "6.6.6.6")]);
        assert_eq!(client(&map, "10.0.0.1:1", proxies), "10.0.0.1");
    }

    #[test]
    fn ipv4_mapped_peers_are_ipv4_for_the_proxy_ranges() {
        let map = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            client(&map, "[::ffff:10.0.0.1]:1", &["10.0.0.0/8"]),
            "203.0.113.9"
        );
        assert_eq!(client(&map, "[::ffff:192.0.2.1]:1", &[]), "192.0.2.1");
    }

    #[test]
    fn every_hop_trusted_gives_the_left_most() {
        let map = headers(&[
            ("forwarded", "for=10.0.0.2, for=10.0.0.3"),
            ("x-forwarded-for", "6.6.6.6"),
        ]);
        assert_eq!(client(&map, "10.0.0.1:1", &["10.0.0.0/8"]), "10.0.0.2");
        let map = headers(&[("x-forwarded-for", "10.0.0.4, 10.0.0.5")]);
        assert_eq!(client(&map, "10.0.0.1:1", &["10.0.0.0/8"]), "10.0.0.4");
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
