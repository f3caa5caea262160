//! Behind a reverse proxy: whom to believe about the client, and where we are mounted
//! (chapter 10).
//!
//! Behind nginx, every connection comes from nginx. What the client's address was, whether
//! it spoke TLS and which host it asked for travel in request headers the proxy adds:
//! `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host`. Headers are only text, and
//! any client can type them, so they mean something only when the peer that sent them is a
//! proxy we were told to trust. [`Proxy`] holds that list (`--forwarded-allow-ips`) and the
//! prefix the application is mounted under (`--script-name`); the functions here read the
//! headers' values. What they do to the environ is in `wsgi::behind_proxy`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

// ANCHOR: proxy
/// What the server knows about the proxy in front of it. Cheap to clone: the gateway's
/// [`Config`](super::Config) carries it into every worker.
///
/// The default trusts nobody and mounts the application at the root. Trusting nobody is the
/// only safe default: a server cannot tell a header nginx wrote from one a client typed, so
/// if it believed `X-Forwarded-For` from anyone, any client could choose its own
/// `REMOTE_ADDR` (and walk past an address check), and `X-Forwarded-Proto: https` could make
/// a plain-text request look encrypted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Proxy {
    /// The peers whose `X-Forwarded-*` headers are believed.
    trusted: Arc<[IpAddr]>,
    /// Where the application is mounted, as the client's path says it: `/app`, or empty for
    /// the root. Never ends with `/`.
    script_name: Arc<str>,
}
// ANCHOR_END: proxy

impl Proxy {
    /// Trusts `trusted`, and mounts the application at `script_name` (see
    /// [`Proxy::parse_script_name`] for its form).
    pub fn new(trusted: impl Into<Arc<[IpAddr]>>, script_name: &str) -> Proxy {
        let script_name = script_name.trim_end_matches('/');
        Proxy { trusted: trusted.into(), script_name: script_name.into() }
    }

    /// The same proxy settings with another trust list.
    pub fn trusting(self, trusted: impl Into<Arc<[IpAddr]>>) -> Proxy {
        Proxy { trusted: trusted.into(), ..self }
    }

    /// The same proxy settings, mounted at `script_name`.
    pub fn mounted_at(self, script_name: &str) -> Proxy {
        Proxy::new(self.trusted, script_name)
    }

    /// Whether `peer` is one of the proxies whose headers we believe. An IPv4 peer seen
    /// through an IPv6 socket (`::ffff:127.0.0.1`) is the IPv4 address it stands for.
    pub fn trusts(&self, peer: IpAddr) -> bool {
        self.trusted.contains(&peer.to_canonical())
    }

    /// The addresses trusted, as given.
    pub fn trusted(&self) -> &[IpAddr] {
        &self.trusted
    }

    /// The mount prefix, `/app`, or `""` at the root.
    pub fn script_name(&self) -> &str {
        &self.script_name
    }

    /// Reads `--forwarded-allow-ips`: addresses separated by commas, `127.0.0.1,::1`.
    /// An empty list trusts nobody.
    pub fn parse_allow_ips(text: &str) -> Result<Arc<[IpAddr]>, String> {
        let entries = text.split(',').map(str::trim).filter(|entry| !entry.is_empty());
        let parse = |entry: &str| match entry.parse::<IpAddr>() {
            Ok(address) => Ok(address.to_canonical()),
            Err(_) => Err(format!(
                "takes IP addresses separated by commas, such as 127.0.0.1,::1; \
                 `{entry}` is not one (names and networks are not accepted)"
            )),
        };
        entries.map(parse).collect()
    }

    /// Reads `--script-name`: a path that starts with `/`, such as `/app`. A `/` at the end
    /// is dropped, so `/` alone is the root.
    pub fn parse_script_name(text: &str) -> Result<String, String> {
        let plain = |c: char| c.is_ascii_graphic() && !matches!(c, '?' | '#' | '%');
        match text.starts_with('/') && text.chars().all(plain) {
            true => Ok(text.trim_end_matches('/').to_string()),
            false => Err(format!(
                "takes the path the application is mounted at, such as /app, not `{text}`"
            )),
        }
    }
}

/// The client's address from an `X-Forwarded-For` chain sent by a trusted proxy.
///
/// Each proxy appends the address it was connected from, so the chain reads client first,
/// nearest proxy last; but everything left of what our own proxies appended is whatever the
/// client sent. So the chain is read from the right, past the proxies we trust, and the first
/// address that is not one of them is the client. Entries that are no address (`unknown`, a
/// typo) are passed over. `None` when there is no usable entry at all.
pub fn client_address(chain: &str, proxy: &Proxy) -> Option<IpAddr> {
    let mut leftmost = None;
    for address in chain.rsplit(',').filter_map(forwarded_address) {
        if !proxy.trusts(address) {
            return Some(address);
        }
        leftmost = Some(address);
    }
    // Every entry was one of our proxies: the client is the one that came first.
    leftmost
}

/// One entry of `X-Forwarded-For`: an address, with a port or not (`192.0.2.1:4711`,
/// `[2001:db8::1]:4711`).
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let address = entry.parse::<IpAddr>();
    let address = address.or_else(|_| entry.parse::<SocketAddr>().map(|socket| socket.ip()));
    address.ok().map(|address| address.to_canonical())
}

/// The nearest proxy's entry in a header that proxies may append to: the last one.
fn nearest(value: &str) -> &str {
    value.rsplit(',').next().unwrap_or_default().trim()
}

/// The scheme from `X-Forwarded-Proto`: only `http` or `https` (PEP 3333 allows nothing
/// else in `wsgi.url_scheme`); anything else is ignored.
pub fn scheme(forwarded_proto: &str) -> Option<&'static str> {
    match nearest(forwarded_proto).to_ascii_lowercase().as_str() {
        "http" => Some("http"),
        "https" => Some("https"),
        _ => None,
    }
}

/// A host as a client asked for it, from `X-Forwarded-Host`.
#[derive(Debug, PartialEq, Eq)]
pub struct ForwardedHost<'a> {
    /// The whole value, for `HTTP_HOST`: `example.com:8443`.
    pub host: &'a str,
    /// The name alone, for `SERVER_NAME`: `example.com`, or `[2001:db8::1]`.
    pub name: &'a str,
    /// The port, if one was given.
    pub port: Option<u16>,
}

/// The host from `X-Forwarded-Host`: a name or an address, with a port or not. A value that
/// is not one (spaces, a path, an empty name) is ignored.
pub fn host(forwarded_host: &str) -> Option<ForwardedHost<'_>> {
    let host = nearest(forwarded_host);
    let (name, port) = match host.rsplit_once(':') {
        // `[::1]` alone has colons inside its brackets, and no port.
        Some((name, port)) if !port.contains(']') => (name, Some(port.parse().ok()?)),
        _ => (host, None),
    };
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let bracketed = name.strip_prefix('[').and_then(|inner| inner.strip_suffix(']'));
    let valid = match bracketed {
        Some(inner) => inner.parse::<std::net::Ipv6Addr>().is_ok(),
        None => !name.is_empty() && name.chars().all(name_char),
    };
    valid.then_some(ForwardedHost { host, name, port })
}

/// The prefix a proxy mounted us under, from `X-Forwarded-Prefix` (a proxy that strips
/// `/app` from the path says so here): a path starting with `/`, without the `/` at its end.
pub fn prefix(forwarded_prefix: &str) -> Option<&str> {
    let prefix = nearest(forwarded_prefix);
    Proxy::parse_script_name(prefix).ok().map(|_| prefix.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn trusting(list: &str) -> Proxy {
        Proxy::default().trusting(Proxy::parse_allow_ips(list).unwrap())
    }

    #[test]
    fn the_default_trusts_nobody_and_mounts_at_the_root() {
        let proxy = Proxy::default();
        assert!(!proxy.trusts(ip("127.0.0.1")));
        assert_eq!(proxy.script_name(), "");
    }

    #[test]
    fn the_allow_list_is_addresses_separated_by_commas() {
        let proxy = trusting("127.0.0.1, ::1,,10.0.0.5");
        assert_eq!(proxy.trusted(), [ip("127.0.0.1"), ip("::1"), ip("10.0.0.5")]);
        assert!(proxy.trusts(ip("::ffff:127.0.0.1")), "an IPv4 peer on an IPv6 socket");
        assert!(!proxy.trusts(ip("127.0.0.2")));
        assert_eq!(trusting("").trusted(), &[] as &[IpAddr]);
        let error = Proxy::parse_allow_ips("127.0.0.1,nginx").unwrap_err();
        assert!(error.contains("`nginx` is not one"), "{error}");
        assert!(Proxy::parse_allow_ips("10.0.0.0/8").is_err());
    }

    #[test]
    fn the_client_is_the_rightmost_address_that_is_not_a_trusted_proxy() {
        let proxy = trusting("127.0.0.1,10.0.0.2");
        let cases = [
            ("203.0.113.7", Some("203.0.113.7")),
            // What the client typed comes first; our proxies' entries come last.
            ("6.6.6.6, 203.0.113.7", Some("203.0.113.7")),
            ("6.6.6.6, 203.0.113.7, 10.0.0.2", Some("203.0.113.7")),
            ("6.6.6.6,203.0.113.7,10.0.0.2,127.0.0.1", Some("203.0.113.7")),
            // Only our own proxies: the first of them was the client.
            ("10.0.0.2, 127.0.0.1", Some("10.0.0.2")),
            ("[2001:db8::1]:4711, 192.0.2.1:80", Some("192.0.2.1")),
            ("2001:db8::1", Some("2001:db8::1")),
            // Not addresses: passed over, never a crash.
            ("203.0.113.7, unknown, not an ip", Some("203.0.113.7")),
            ("unknown", None),
            ("", None),
            (",,,", None),
        ];
        for (chain, expected) in cases {
            assert_eq!(client_address(chain, &proxy), expected.map(ip), "{chain:?}");
        }
    }

    #[test]
    fn the_scheme_is_http_or_https_or_nothing() {
        assert_eq!(scheme("https"), Some("https"));
        assert_eq!(scheme("HTTP"), Some("http"));
        assert_eq!(scheme("http, https"), Some("https"), "the nearest proxy's word");
        assert_eq!(scheme("ftp"), None);
        assert_eq!(scheme("javascript:alert(1)"), None);
        assert_eq!(scheme(""), None);
    }

    #[test]
    fn a_forwarded_host_is_a_name_and_perhaps_a_port() {
        let host_of = |value| host(value).map(|host| (host.host, host.name, host.port));
        assert_eq!(host_of("example.com"), Some(("example.com", "example.com", None)));
        assert_eq!(
            host_of("example.com:8443"),
            Some(("example.com:8443", "example.com", Some(8443)))
        );
        assert_eq!(host_of("[::1]"), Some(("[::1]", "[::1]", None)));
        assert_eq!(host_of("[::1]:8080"), Some(("[::1]:8080", "[::1]", Some(8080))));
        assert_eq!(host_of("a.example, b.example"), Some(("b.example", "b.example", None)));
        for bad in ["", "exa mple.com", "example.com/evil", "example.com:http", ":80", "[nope]"] {
            assert_eq!(host_of(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn script_names_and_prefixes_start_with_a_slash() {
        assert_eq!(Proxy::parse_script_name("/app/"), Ok("/app".to_string()));
        assert_eq!(Proxy::parse_script_name("/"), Ok(String::new()));
        assert!(Proxy::parse_script_name("app").is_err());
        assert!(Proxy::parse_script_name("/a b").is_err());
        assert_eq!(Proxy::new([], "/app/").script_name(), "/app");
        assert_eq!(prefix("/outer/"), Some("/outer"));
        assert_eq!(prefix("outer"), None);
    }
}
