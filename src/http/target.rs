//! The request target: path, query string and percent-decoding (chapter 3; used by 4).
//!
//! `/sleep?ms=300` is a path and a query, split at the first `?` (RFC 9112 §3.2). The path
//! may carry percent-encoded bytes (`%E4%BD%A0` is the UTF-8 of 你); the query is left
//! as sent, for the application to interpret.

// ANCHOR: target
/// A request target in origin form, split into its path and query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// Everything before the first `?`, still percent-encoded.
    pub path: &'a str,
    /// Everything after the first `?`, or `""` when there is none.
    pub query: &'a str,
}

impl<'a> Target<'a> {
    /// Splits an origin-form target (the form [`TargetForm`] leaves every request in).
    pub fn parse(target: &'a str) -> Target<'a> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        Target { path, query }
    }
}
// ANCHOR_END: target

/// The shapes of request target a server accepts (RFC 9112 §3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetForm<'a> {
    /// `/path?query`, the form nearly every request uses.
    Origin,
    /// `http://host/path?query`, the form a client sends to a proxy. A server must accept
    /// it too (§3.2.2) and then take the host from it, not from the `Host` header; `origin`
    /// is the same target in origin form.
    Absolute { authority: &'a str, origin: String },
    /// `*`, which only `OPTIONS` uses, to ask about the server as a whole (§3.2.4).
    Asterisk,
}

impl<'a> TargetForm<'a> {
    /// The form of `target`, or `None` when it has none a server accepts: a relative path
    /// such as `index.html`, the authority form `host:443` (CONNECT's, for tunnels), a
    /// scheme other than http(s), or an absolute URI without a host or with user info.
    pub fn of(target: &'a str) -> Option<TargetForm<'a>> {
        if target.starts_with('/') {
            return Some(TargetForm::Origin);
        }
        if target == "*" {
            return Some(TargetForm::Asterisk);
        }
        let scheme_end = target.find("://")?;
        if !["http", "https"].iter().any(|s| s.eq_ignore_ascii_case(&target[..scheme_end])) {
            return None;
        }
        let after_scheme = &target[scheme_end + 3..];
        let authority_end = after_scheme.find(['/', '?']).unwrap_or(after_scheme.len());
        let (authority, rest) = after_scheme.split_at(authority_end);
        // RFC 9110 §4.2.4: user info in an http URI is to be treated as an error.
        if authority.is_empty() || authority.contains('@') {
            return None;
        }
        let origin = if rest.starts_with('/') { rest.to_string() } else { format!("/{rest}") };
        Some(TargetForm::Absolute { authority, origin })
    }
}

// ANCHOR: percent_decode
/// Turns every `%XY` (two hex digits) into the byte `0xXY`; everything else is kept.
///
/// A `%` not followed by two hex digits is kept as it is, as most servers do. The result is
/// bytes, not text: nothing promises the client encoded UTF-8.
pub fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let high = bytes.get(i + 1).and_then(|&byte| hex_value(byte));
            let low = bytes.get(i + 2).and_then(|&byte| hex_value(byte));
            if let (Some(high), Some(low)) = (high, low) {
                decoded.push(high * 16 + low);
                i += 3;
                continue;
            }
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    decoded
}
// ANCHOR_END: percent_decode

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte).to_digit(16).map(|digit| digit as u8)
}

/// The raw value of the first `name=value` pair in a query string, if any.
pub fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn targets_split_at_the_first_question_mark() {
        assert_eq!(Target::parse("/a/b?x=1?y"), Target { path: "/a/b", query: "x=1?y" });
        assert_eq!(Target::parse("/"), Target { path: "/", query: "" });
        assert_eq!(Target::parse("*"), Target { path: "*", query: "" });
    }

    #[test]
    fn a_target_has_one_of_three_forms_or_none() {
        let absolute = |authority, origin: &str| {
            Some(TargetForm::Absolute { authority, origin: origin.to_string() })
        };
        assert_eq!(TargetForm::of("/a?b"), Some(TargetForm::Origin));
        assert_eq!(TargetForm::of("*"), Some(TargetForm::Asterisk));
        assert_eq!(TargetForm::of("HTTP://example.com/a?b"), absolute("example.com", "/a?b"));
        assert_eq!(TargetForm::of("https://h:8443"), absolute("h:8443", "/"));
        assert_eq!(TargetForm::of("http://h?q=1"), absolute("h", "/?q=1"));
        for none in ["a/b", "example.com:443", "ftp://h/", "http:///a", "http://u@h/", "**"] {
            assert_eq!(TargetForm::of(none), None, "{none:?}");
        }
    }

    #[test]
    fn percent_escapes_become_bytes() {
        assert_eq!(percent_decode("/%E4%BD%A0%20x"), "/你 x".as_bytes());
        assert_eq!(percent_decode("/%ff"), b"/\xff");
        assert_eq!(percent_decode("/100%"), b"/100%");
        assert_eq!(percent_decode("/%zz%4"), b"/%zz%4");
        assert_eq!(percent_decode("/%+1"), b"/%+1");
        assert_eq!(percent_decode("/a+b"), b"/a+b", "+ is a space only in forms, not in paths");
    }

    #[test]
    fn query_parameters_are_found_by_name() {
        assert_eq!(query_param("ms=300&x", "ms"), Some("300"));
        assert_eq!(query_param("a=1&ms=20", "ms"), Some("20"));
        assert_eq!(query_param("x", "x"), Some(""));
        assert_eq!(query_param("msx=1", "ms"), None);
    }
}
