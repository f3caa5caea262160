//! SPOILER: reference solution of exercise 7.2 (where a request body ends, without being
//! smuggled). Try it yourself first.

use socket_to_wsgi::http::{BodyFraming, Headers, Status, Version, list_values};

/// Decides how the body of a request with this `version` and these `headers` is framed,
/// refusing anything ambiguous (RFC 9112 §6).
pub fn body_framing(version: Version, headers: &Headers) -> Result<BodyFraming, Status> {
    // A Transfer-Encoding field counts when it is present at all, even empty: a front end
    // that saw it may well have framed the body differently from us.
    if headers.get("Transfer-Encoding").is_some() {
        if headers.get("Content-Length").is_some() {
            return Err(Status::BAD_REQUEST);
        }
        if version == Version::Http10 {
            return Err(Status::BAD_REQUEST);
        }
        let codings = list_values(headers.get_all("Transfer-Encoding"));
        let is_chunked = |coding: &String| coding.eq_ignore_ascii_case("chunked");
        return match codings.as_slice() {
            [only] if is_chunked(only) => Ok(BodyFraming::Chunked),
            [.., last] if is_chunked(last) => Err(Status::NOT_IMPLEMENTED),
            // The last coding is not chunked, or there is none.
            _ => Err(Status::BAD_REQUEST),
        };
    }
    if headers.get("Content-Length").is_none() {
        return Ok(BodyFraming::None);
    }
    let lengths = list_values(headers.get_all("Content-Length"));
    let Some(first) = lengths.first() else {
        return Err(Status::BAD_REQUEST); // only empty values
    };
    if lengths.iter().any(|other| other != first) {
        return Err(Status::BAD_REQUEST);
    }
    // `parse` alone would accept "+3"; digits only.
    if !first.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(Status::BAD_REQUEST);
    }
    match first.parse::<u64>() {
        Ok(0) => Ok(BodyFraming::None),
        Ok(length) => Ok(BodyFraming::Length(length)),
        Err(_) => Err(Status::BAD_REQUEST), // more than a u64 holds
    }
}
