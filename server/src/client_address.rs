//! The address a request comes from, for rate limits and the audit log.
//! Behind a reverse proxy (the usual way to get HTTPS) every connection
//! comes from the proxy; only proxies the operator names are believed when
//! they say whom they forward for, so a client cannot pick its own address.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use crate::error::ApiError;
use crate::state::AppState;

/// The client's address: the peer's, or the one a trusted proxy forwards for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or_else(|| anyhow::anyhow!("served without the peer's address"))?;
        Ok(Self(client_address(
            peer.ip(),
            &parts.headers,
            &state.config().trusted_proxies,
        )))
    }
}

/// Parses `--trusted-proxy`: a network (`10.0.0.0/8`) or one address.
pub fn parse_trusted_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is neither an address nor a network (CIDR)"))
}

/// Walks the forwarding chain from the nearest hop: the first address that
/// is not a trusted proxy is the client. Whatever lies beyond it was written
/// by the client itself and is never believed. A chain that does not read
/// leaves the peer's own address, so a bad header never shares one budget
/// among all clients nor hands a client another's.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |address: IpAddr| trusted.iter().any(|net| net.contains(&address));
    if !is_trusted(peer) {
        return peer;
    }
    let Some(chain) = forwarding_chain(headers) else {
        return peer;
    };
    let mut client = peer;
    for hop in chain.iter().rev() {
        match hop {
            Some(address) => {
                client = *address;
                if !is_trusted(*address) {
                    return *address;
                }
            }
            None => return client,
        }
    }
    client
}

/// The addresses proxies recorded, farthest first: `X-Forwarded-For` if sent,
/// else the `for=` of `Forwarded` (RFC 7239). `None` for a hop that does not
/// read as an address (`unknown`, an obfuscated name, garbage).
fn forwarding_chain(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .map(|value| value.to_str().map(str::to_owned).unwrap_or_default())
            .collect()
    };
    let forwarded_for = values("x-forwarded-for");
    let chain: Vec<Option<IpAddr>> = if !forwarded_for.is_empty() {
        forwarded_for
            .iter()
            .flat_map(|value| value.split(','))
            .map(address)
            .collect()
    } else {
        values("forwarded")
            .iter()
            .flat_map(|value| value.split(','))
            .map(|element| {
                element
                    .split(';')
                    .find_map(|pair| {
                        let (key, value) = pair.split_once('=')?;
                        key.trim().eq_ignore_ascii_case("for").then_some(value)
                    })
                    .and_then(|value| address(value.trim().trim_matches('"')))
            })
            .collect()
    };
    (!chain.is_empty()).then_some(chain)
}

/// One hop: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|inner| inner.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().expect("header value"));
        }
        map
    }

    fn proxies() -> Vec<IpNet> {
        vec![
            parse_trusted_proxy("10.0.0.0/8").expect("network"),
            parse_trusted_proxy("127.0.0.1").expect("address"),
        ]
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let claims = headers(&[
            ("x-forwarded-for", "198.51.100.7"),
            ("forwarded", "for=1.2.3.4"),
        ]);
        assert_eq!(
            client_address(ip("203.0.113.9"), &claims, &proxies()),
            ip("203.0.113.9")
        );
        assert_eq!(client_address(ip("10.1.1.1"), &claims, &[]), ip("10.1.1.1"));
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client() {
        let trusted = proxies();
        // The client forged the first entry; the proxy appended the real one.
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.2.2.2")]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &chain, &trusted),
            ip("198.51.100.7")
        );
        let split = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "198.51.100.7"),
        ]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &split, &trusted),
            ip("198.51.100.7")
        );
        let with_ports = headers(&[("x-forwarded-for", "[2001:db8::7]:4711")]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &with_ports, &trusted),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn forwarded_is_read_when_there_is_no_x_forwarded_for() {
        let chain = headers(&[(
            "forwarded",
            r#"for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https;by=10.0.0.1"#,
        )]);
        assert_eq!(
            client_address(ip("10.0.0.1"), &chain, &proxies()),
            ip("2001:db8:cafe::17")
        );
    }

    #[test]
    fn a_chain_that_does_not_read_leaves_the_last_trusted_address() {
        let trusted = proxies();
        for bad in ["unknown", "", "not an address", "1.2.3.4.5"] {
            let chain = headers(&[("x-forwarded-for", bad)]);
            assert_eq!(
                client_address(ip("10.0.0.1"), &chain, &trusted),
                ip("10.0.0.1"),
                "{bad}"
            );
        }
        let behind_two = headers(&[("x-forwarded-for", "garbage, 10.3.3.3")]);
        assert_eq!(
            client_address(ip("10.0.0.1"), &behind_two, &trusted),
            ip("10.3.3.3")
        );
        assert_eq!(
            client_address(ip("10.0.0.1"), &HeaderMap::new(), &trusted),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn trusted_proxies_are_networks_or_addresses() {
        assert!(parse_trusted_proxy("192.168.0.0/16").is_ok());
        assert!(parse_trusted_proxy("::1").is_ok());
        assert!(parse_trusted_proxy(" fd00::/8 ").is_ok());
        assert!(parse_trusted_proxy("proxy.local").is_err());
        assert!(parse_trusted_proxy("10.0.0.0/33").is_err());
    }
}
