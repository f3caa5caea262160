//! The environ behind a reverse proxy: believed `X-Forwarded-*` headers, and an application
//! mounted under a prefix (chapter 10).
//!
//! [`Environ::for_connection`] describes the connection: behind nginx, that is nginx. This
//! module corrects it with what a trusted proxy says about the client (its address, its
//! scheme, the host it asked for), and moves the mount prefix from `PATH_INFO` to
//! `SCRIPT_NAME`. How the headers are read is in [`crate::http::forwarded`].

use std::net::IpAddr;

use super::{Body, Environ, StartResponse};
use crate::http::forwarded::{self, Proxy};
use crate::http::latin1;

/// A request for a path outside the prefix the application is mounted at.
#[derive(Debug, PartialEq, Eq)]
pub struct OutsideMount;

// ANCHOR: apply
/// Applies what the proxy settings say to an environ built from the connection: from a
/// trusted peer, its `X-Forwarded-*` headers; from anyone else, none of them (they are
/// removed, so that middleware in the application, a ProxyFix, cannot be fooled either).
/// Then the mount: `Err` when the path is outside it, which the server answers with a 404.
pub fn apply(
    environ: &mut Environ<'_>,
    peer: Option<IpAddr>,
    proxy: &Proxy,
) -> Result<(), OutsideMount> {
    match peer.is_some_and(|peer| proxy.trusts(peer)) {
        true => believe_forwarded(environ, proxy),
        false => drop_forwarded(environ),
    }
    mount(environ, proxy.script_name())
}
// ANCHOR_END: apply

/// Every header that claims to say what a proxy saw: `X-Forwarded-*` and RFC 7239's
/// `Forwarded`, which says the same in another syntax.
fn is_forwarded(key: &str) -> bool {
    key.starts_with("HTTP_X_FORWARDED_") || key == "HTTP_FORWARDED"
}

fn drop_forwarded(environ: &mut Environ<'_>) {
    let keys: Vec<_> = environ.vars().keys().filter(|key| is_forwarded(key)).cloned().collect();
    for key in keys {
        environ.remove(&key);
    }
}

// ANCHOR: believe_forwarded
/// What a trusted proxy says: the client's address, the scheme and host it used, and the
/// prefix the proxy mounted us under. The headers stay in the environ, for the curious.
fn believe_forwarded(environ: &mut Environ<'_>, proxy: &Proxy) {
    let header = |environ: &Environ<'_>, key| environ.get(key).map(str::to_string);
    if let Some(chain) = header(environ, "HTTP_X_FORWARDED_FOR") {
        if let Some(client) = forwarded::client_address(&chain, proxy) {
            environ.set("REMOTE_ADDR", client.to_string());
        }
    }
    if let Some(scheme) = header(environ, "HTTP_X_FORWARDED_PROTO") {
        if let Some(scheme) = forwarded::scheme(&scheme) {
            environ.url_scheme = scheme.to_string();
        }
    }
    if let Some(value) = header(environ, "HTTP_X_FORWARDED_HOST") {
        if let Some(host) = forwarded::host(&value) {
            // PEP 3333 rebuilds the URL from HTTP_HOST, or else from SERVER_NAME and
            // SERVER_PORT: both must name the host the client asked for.
            let default_port = if environ.url_scheme == "https" { 443 } else { 80 };
            environ.set("HTTP_HOST", host.host);
            environ.set("SERVER_NAME", host.name);
            environ.set("SERVER_PORT", host.port.unwrap_or(default_port).to_string());
        }
    }
    if let Some(value) = header(environ, "HTTP_X_FORWARDED_PREFIX") {
        if let Some(prefix) = forwarded::prefix(&value) {
            environ.set("SCRIPT_NAME", prefix);
        }
    }
}
// ANCHOR_END: believe_forwarded

// ANCHOR: mount
/// Moves `script_name` from the start of `PATH_INFO` to the end of `SCRIPT_NAME` (PEP 3333,
/// "URL Reconstruction"): `/app/page` is `SCRIPT_NAME=/app`, `PATH_INFO=/page`, and `/app`
/// itself has an empty `PATH_INFO`. The prefix must end at a `/`: `/application` is not
/// under `/app`.
fn mount(environ: &mut Environ<'_>, script_name: &str) -> Result<(), OutsideMount> {
    if script_name.is_empty() {
        return Ok(());
    }
    // PATH_INFO holds the path's bytes as Latin-1 characters; the prefix must too.
    let prefix = latin1(script_name.as_bytes());
    let rest = environ.path_info().strip_prefix(prefix.as_str()).ok_or(OutsideMount)?;
    if !rest.is_empty() && !rest.starts_with('/') {
        return Err(OutsideMount);
    }
    let rest = rest.to_string();
    let outer = environ.get("SCRIPT_NAME").unwrap_or_default();
    environ.set("SCRIPT_NAME", format!("{outer}{prefix}"));
    environ.set("PATH_INFO", rest);
    Ok(())
}
// ANCHOR_END: mount

impl OutsideMount {
    /// The server's answer: a 404 that says where the application is.
    pub fn respond(&self, proxy: &Proxy, start_response: &mut StartResponse) -> Body {
        let page = format!(
            "404 Not Found: this server serves its application under {}/ only\n",
            proxy.script_name()
        );
        let length = page.len().to_string();
        let headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", &length)];
        start_response.call("404 Not Found", headers);
        Body::from_chunks([page.into_bytes()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    const NGINX: &str = "10.0.0.2";

    fn proxy(trusted: &str, script_name: &str) -> Proxy {
        Proxy::new(Proxy::parse_allow_ips(trusted).unwrap(), script_name)
    }

    fn environ(target: &str, headers: &[(&str, &str)]) -> Environ<'static> {
        let mut environ = Environ::for_request("GET", target);
        environ.set("REMOTE_ADDR", NGINX);
        environ.set("SERVER_NAME", "127.0.0.1");
        environ.set("SERVER_PORT", "8000");
        environ.set("HTTP_HOST", "127.0.0.1:8000");
        for (key, value) in headers {
            environ.set(key.to_string(), *value);
        }
        environ
    }

    fn applied(mut environ: Environ<'static>, proxy: &Proxy) -> Vec<(String, String)> {
        let peer = environ.get("REMOTE_ADDR").and_then(|peer| peer.parse().ok());
        apply(&mut environ, peer, proxy).unwrap();
        environ.entries()
    }

    const SPOOFED: [(&str, &str); 6] = [
        ("HTTP_X_FORWARDED_FOR", "6.6.6.6"),
        ("HTTP_X_FORWARDED_PROTO", "https"),
        ("HTTP_X_FORWARDED_HOST", "bank.example"),
        ("HTTP_X_FORWARDED_PREFIX", "/admin"),
        ("HTTP_X_FORWARDED_SSL", "on"),
        ("HTTP_FORWARDED", "for=6.6.6.6;proto=https"),
    ];

    #[test]
    fn an_untrusted_peers_forwarded_headers_change_nothing() {
        for settings in [proxy("", ""), proxy("127.0.0.1", "")] {
            let plain = applied(environ("/", &[]), &settings);
            assert_eq!(applied(environ("/", &SPOOFED), &settings), plain);
        }
    }

    #[test]
    fn a_trusted_peers_forwarded_headers_are_applied() {
        let headers = [
            ("HTTP_X_FORWARDED_FOR", "6.6.6.6, 203.0.113.7"),
            ("HTTP_X_FORWARDED_PROTO", "https"),
            ("HTTP_X_FORWARDED_HOST", "example.com"),
        ];
        let mut environ = environ("/page", &headers);
        apply(&mut environ, NGINX.parse().ok(), &proxy(NGINX, "")).unwrap();
        let seen = ["REMOTE_ADDR", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME"]
            .map(|key| environ.get(key).unwrap_or("(none)"));
        assert_eq!(seen, ["203.0.113.7", "example.com", "example.com", "443", ""]);
        assert_eq!(environ.url_scheme, "https");
        assert_eq!(environ.get("HTTP_X_FORWARDED_FOR"), Some("6.6.6.6, 203.0.113.7"));
    }

    #[test]
    fn malformed_values_from_a_trusted_peer_are_ignored() {
        let headers = [
            ("HTTP_X_FORWARDED_FOR", "not-an-ip, also bad"),
            ("HTTP_X_FORWARDED_PROTO", "gopher"),
            ("HTTP_X_FORWARDED_HOST", "a host/with a path"),
            ("HTTP_X_FORWARDED_PREFIX", "no-slash"),
        ];
        let mut environ = environ("/", &headers);
        apply(&mut environ, NGINX.parse().ok(), &proxy(NGINX, "")).unwrap();
        let seen = ["REMOTE_ADDR", "HTTP_HOST", "SERVER_PORT", "SCRIPT_NAME"]
            .map(|key| environ.get(key).unwrap_or("(none)"));
        assert_eq!(seen, [NGINX, "127.0.0.1:8000", "8000", ""]);
        assert_eq!(environ.url_scheme, "http");
    }

    #[test]
    fn the_prefix_moves_from_path_info_to_script_name() {
        let settings = proxy("", "/app");
        let cases = [
            ("/app/page?x=1", Ok(("/app", "/page"))),
            ("/app/", Ok(("/app", "/"))),
            ("/app", Ok(("/app", ""))),
            ("/%61pp/page", Ok(("/app", "/page"))),
            ("/application", Err(OutsideMount)),
            ("/", Err(OutsideMount)),
            ("/other/app/", Err(OutsideMount)),
        ];
        for (target, expected) in cases {
            let mut environ = environ(target, &[]);
            let result = apply(&mut environ, None, &settings);
            let parts = result.map(|()| (environ.get("SCRIPT_NAME").unwrap(), environ.path_info()));
            assert_eq!(parts, expected, "{target}");
        }
    }

    #[test]
    fn a_trusted_proxy_that_strips_its_prefix_says_so() {
        let headers = [("HTTP_X_FORWARDED_PREFIX", "/outer/")];
        let mut environ = environ("/app/page", &headers);
        apply(&mut environ, NGINX.parse().ok(), &proxy(NGINX, "/app")).unwrap();
        assert_eq!(
            (environ.get("SCRIPT_NAME").unwrap(), environ.path_info()),
            ("/outer/app", "/page")
        );
    }

    #[test]
    fn outside_the_mount_the_server_answers_404() {
        let mut start_response = StartResponse::default();
        let body: Vec<u8> =
            OutsideMount.respond(&proxy("", "/app"), &mut start_response).flatten().collect();
        assert_eq!(start_response.status(), Some("404 Not Found"));
        let expected = "404 Not Found: this server serves its application under /app/ only\n";
        assert_eq!(String::from_utf8(body).unwrap(), expected);
    }
}
