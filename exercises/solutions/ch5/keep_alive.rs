//! SPOILER: reference solution of exercise 5.2 (keep the connection or close it). Try it
//! yourself first.

use socket_to_wsgi::http::{Headers, Version};

/// Whether the connection stays open after the response to a request of this `version`
/// with these `headers` (RFC 9112 §9.3).
pub fn keep_alive(version: Version, headers: &Headers) -> bool {
    // Every line of the header, split into its elements: "Upgrade, close" is two options.
    let has_option = |wanted: &str| {
        headers
            .get_all("Connection")
            .flat_map(|value| value.split(','))
            .any(|option| option.trim().eq_ignore_ascii_case(wanted))
    };
    if has_option("close") {
        return false;
    }
    match version {
        Version::Http11 => true,
        Version::Http10 => has_option("keep-alive"),
    }
}
