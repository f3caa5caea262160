//! Where the `Date` header's time comes from (chapter 2).
//!
//! The article hard-codes its `Date` header, so every response claims the same day forever.
//! RFC 9110 §6.6.1 wants the time the response was made, in IMF-fixdate form
//! (`Sun, 06 Nov 1994 08:49:37 GMT`); `httpdate` formats exactly that. Tests fix the clock
//! so that whole responses can be compared byte for byte.

use std::time::SystemTime;

// ANCHOR: clock
/// The time source for `Date` headers: the real clock, or a fixed instant for tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Clock {
    #[default]
    System,
    Fixed(SystemTime),
}

impl Clock {
    pub fn now(self) -> SystemTime {
        match self {
            Clock::System => SystemTime::now(),
            Clock::Fixed(instant) => instant,
        }
    }

    /// The current time as an HTTP date, for example `Mon, 23 Nov 2026 20:00:00 GMT`.
    pub fn http_date(self) -> String {
        httpdate::fmt_http_date(self.now())
    }
}
// ANCHOR_END: clock

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::time::Duration;

    #[test]
    fn dates_are_imf_fixdate() {
        let clock = Clock::Fixed(SystemTime::UNIX_EPOCH + Duration::from_secs(1_605_985_200));
        // The article's hard-coded date, written the way RFC 9110 wants it: "Nov", not "nov".
        assert_eq!(clock.http_date(), "Sat, 21 Nov 2020 19:00:00 GMT");
    }
}
