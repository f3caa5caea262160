//! SPOILER: reference solution of exercise 5.2 (keep the connection or close it). Try it
//! yourself first.

use socket_to_wsgi::http::{Request, Version};

/// Whether the connection stays open after the response to `request` (RFC 9112 §9.3).
pub fn keep_alive(request: &Request) -> bool {
    // Every line of the header, split into its elements: "Upgrade, close" is two options.
    let has_option = |wanted: &str| {
        request
            .headers
            .get_all("Connection")
            .flat_map(|value| value.split(','))
            .any(|option| option.trim().eq_ignore_ascii_case(wanted))
    };
    if has_option("close") {
        return false;
    }
    match request.version {
        Version::Http11 => true,
        Version::Http10 => has_option("keep-alive"),
    }
}
