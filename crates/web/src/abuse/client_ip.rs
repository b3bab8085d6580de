//! Which address a request comes from.
//!
//! The TCP peer, unless the peer is one of the configured proxies: then the
//! right-most `X-Forwarded-For` entry that is not itself a trusted proxy
//! (entries further left were written by the client and prove nothing).
//! The guard stores the answer in [`CLIENT_IP_HEADER`] after removing any
//! value the client sent under that name, so the steps read one trusted
//! value.

use axum::http::HeaderMap;
use std::net::{IpAddr, Ipv4Addr};

/// The internal header carrying the resolved client IP to the steps.
pub const CLIENT_IP_HEADER: &str = "x-relais-client-ip";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    pub const UNKNOWN: ClientIp = ClientIp(IpAddr::V4(Ipv4Addr::UNSPECIFIED));

    pub fn resolve(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> ClientIp {
        let Some(peer) = peer else {
            return ClientIp::UNKNOWN;
        };
        if !trusted.contains(&peer) {
            return ClientIp(peer);
        }
        // Read as bytes: the left of the header is whatever the client
        // sent, and a byte outside ASCII there must not make the hops our
        // proxies appended on its right unreadable (the client would then
        // be taken for the proxy, in the rate limits and in the events).
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|v| v.as_bytes().split(|&b| b == b','))
            .collect::<Vec<_>>();
        for hop in forwarded.iter().rev() {
            match parse_hop(hop) {
                Some(ip) if trusted.contains(&ip) => continue,
                Some(ip) => return ClientIp(ip),
                // A malformed hop: stop believing the chain there.
                None => return ClientIp(peer),
            }
        }
        ClientIp(peer)
    }

    /// The address as `Display` writes it. Every request writes its
    /// address for the steps, and every event carries it: for IPv4 the
    /// digits are written here, not through `fmt`, which cost ten times as
    /// much (≈ 1,500 instructions an address).
    pub fn text(&self) -> String {
        match self.0 {
            IpAddr::V4(v4) => {
                let mut out = String::with_capacity(15);
                for (i, octet) in v4.octets().into_iter().enumerate() {
                    if i > 0 {
                        out.push('.');
                    }
                    if octet >= 100 {
                        out.push(char::from(b'0' + octet / 100));
                    }
                    if octet >= 10 {
                        out.push(char::from(b'0' + octet / 10 % 10));
                    }
                    out.push(char::from(b'0' + octet % 10));
                }
                out
            }
            IpAddr::V6(v6) => v6.to_string(),
        }
    }

    /// The rate-limit key: the address, or its /64 for IPv6 (one
    /// subscriber gets a whole /64 and can rotate inside it at will).
    pub fn rate_key(&self) -> String {
        match self.0 {
            IpAddr::V4(_) => self.text(),
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        }
    }

    /// What the steps read back (`None` when the guard did not run).
    pub fn from_headers(headers: &HeaderMap) -> Option<ClientIp> {
        Self::text_in(headers)
            .and_then(|v| v.parse().ok())
            .map(ClientIp)
    }

    /// The address as the guard wrote it ([`ClientIp::text`]), when it is
    /// one: the events' copy, without writing it again.
    pub fn text_in(headers: &HeaderMap) -> Option<&str> {
        headers
            .get(CLIENT_IP_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.parse::<IpAddr>().is_ok())
    }
}

/// One hop of `X-Forwarded-For`, spaces around it allowed.
fn parse_hop(hop: &[u8]) -> Option<IpAddr> {
    std::str::from_utf8(hop.trim_ascii()).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn the_text_is_what_display_writes() {
        let mut addresses: Vec<IpAddr> = [0u8, 1, 9, 10, 42, 99, 100, 101, 199, 200, 250, 255]
            .iter()
            .flat_map(|&a| [0u8, 7, 10, 100, 255].map(|b| IpAddr::from([a, b, 255 - a, 9])))
            .collect();
        addresses.push("2001:db8::1".parse().unwrap());
        addresses.push("::ffff:10.0.0.1".parse().unwrap());
        for ip in addresses {
            assert_eq!(ClientIp(ip).text(), ip.to_string());
        }
    }

    #[test]
    fn the_steps_read_the_guards_text_only_when_it_is_an_address() {
        let mut h = HeaderMap::new();
        assert_eq!(ClientIp::text_in(&h), None);
        h.insert(CLIENT_IP_HEADER, HeaderValue::from_static("203.0.113.9"));
        assert_eq!(ClientIp::text_in(&h), Some("203.0.113.9"));
        h.insert(CLIENT_IP_HEADER, HeaderValue::from_static("not an address"));
        assert_eq!(ClientIp::text_in(&h), None);
        assert_eq!(ClientIp::from_headers(&h), None);
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let h = xff("198.51.100.1, 203.0.113.7");
        assert_eq!(ClientIp::resolve(Some(client), &h, &[proxy]).0, client);
        // Through the proxy: the right-most hop the proxy wrote, not the
        // spoofed left-most one.
        assert_eq!(ClientIp::resolve(Some(proxy), &h, &[proxy]).0, client);
        let h = xff("203.0.113.7, 10.0.0.1");
        assert_eq!(ClientIp::resolve(Some(proxy), &h, &[proxy]).0, client);
        // A client's bytes outside ASCII on the left do not hide the hop
        // the proxy wrote on the right; a hop made of them ends the chain.
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"caf\xc3\xa9, 203.0.113.7").unwrap(),
        );
        assert_eq!(ClientIp::resolve(Some(proxy), &h, &[proxy]).0, client);
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"203.0.113.7, \xe9, 10.0.0.1").unwrap(),
        );
        assert_eq!(ClientIp::resolve(Some(proxy), &h, &[proxy]).0, proxy);
        let h = xff("nonsense");
        assert_eq!(ClientIp::resolve(Some(proxy), &h, &[proxy]).0, proxy);
        assert_eq!(ClientIp::resolve(None, &h, &[]), ClientIp::UNKNOWN);
    }

    #[test]
    fn ipv6_clients_are_limited_per_64() {
        let a = ClientIp("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = ClientIp("2001:db8:1:2:bbbb::9".parse().unwrap());
        assert_eq!(a.rate_key(), b.rate_key());
        assert_eq!(
            ClientIp("192.0.2.1".parse().unwrap()).rate_key(),
            "192.0.2.1"
        );
    }
}
