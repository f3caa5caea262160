//! The `/sleep?ms=N` endpoint of chapter 3 and later (chapter 3).
//!
//! A request that takes a known time to answer makes concurrency visible: on a server that
//! handles one connection at a time, four `/sleep?ms=1000` requests take four seconds.

use std::time::Duration;

use crate::http::query_param;

/// The longest sleep a client may ask for, so nobody can park a worker for an hour.
pub const MAX_SLEEP: Duration = Duration::from_secs(10);

// ANCHOR: duration
/// Reads `ms` from a query string such as `ms=300`.
///
/// The error is a sentence for the client: what was wrong and what is accepted.
pub fn requested_duration(query: &str) -> Result<Duration, String> {
    let limit = MAX_SLEEP.as_millis();
    let Some(text) = query_param(query, "ms") else {
        return Err(format!("say how long to sleep: /sleep?ms=N, with N from 0 to {limit}\n"));
    };
    match text.parse::<u64>() {
        Ok(ms) if u128::from(ms) <= limit => Ok(Duration::from_millis(ms)),
        _ => Err(format!("ms must be a whole number from 0 to {limit}, not `{text}`\n")),
    }
}
// ANCHOR_END: duration

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn durations_are_read_and_bounded() {
        assert_eq!(requested_duration("ms=300"), Ok(Duration::from_millis(300)));
        assert_eq!(requested_duration("x=1&ms=0"), Ok(Duration::ZERO));
        assert!(requested_duration("ms=10001").unwrap_err().contains("0 to 10000"));
        assert!(requested_duration("ms=-1").is_err());
        assert!(requested_duration("").unwrap_err().contains("/sleep?ms=N"));
    }
}
