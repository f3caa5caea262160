//! Where the `Date` header's time comes from (chapter 2).
//!
//! The article hard-codes its `Date` header, so every response claims the same day forever.
//! RFC 9110 §6.6.1 wants the time the response was made, in IMF-fixdate form
//! (`Sun, 06 Nov 1994 08:49:37 GMT`); `httpdate` formats exactly that. Tests fix the clock
//! so that whole responses can be compared byte for byte.

use std::cell::Cell;
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

impl Clock {
    /// [`Clock::http_date`], appended to `out`. Responses made in the same second share a
    /// date, so each thread formats it once a second and copies it after that, as hyper does:
    /// a string and 1,200 instructions fewer a response (chapter 9 counts them).
    pub fn write_http_date(self, out: &mut Vec<u8>) {
        let Clock::System = self else {
            return out.extend_from_slice(self.http_date().as_bytes());
        };
        let now = SystemTime::now();
        let second = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |since| since.as_secs());
        LAST_DATE.with(|last| {
            let (made_at, text) = last.get();
            if made_at == Some(second) {
                return out.extend_from_slice(&text);
            }
            let date = httpdate::fmt_http_date(now);
            if let Ok(text) = <[u8; DATE_LENGTH]>::try_from(date.as_bytes()) {
                last.set((Some(second), text));
            }
            out.extend_from_slice(date.as_bytes()); // past the year 9999, longer: not kept
        });
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`: IMF-fixdate has a fixed width.
const DATE_LENGTH: usize = 29;

thread_local! {
    /// The second this thread last formatted a date for, and the date.
    static LAST_DATE: Cell<(Option<u64>, [u8; DATE_LENGTH])> =
        const { Cell::new((None, [0; DATE_LENGTH])) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::time::Duration;

    #[test]
    fn the_date_written_is_the_date_of_now() {
        let mut written = Vec::new();
        Clock::System.write_http_date(&mut written);
        Clock::System.write_http_date(&mut written); // the second, most likely from the cache
        let text = String::from_utf8(written).unwrap();
        let (first, second) = text.split_at(DATE_LENGTH);
        for date in [first, second] {
            let parsed = httpdate::parse_http_date(date).unwrap();
            let apart = SystemTime::now().duration_since(parsed).unwrap();
            assert!(apart < Duration::from_secs(60), "{date} is not now");
        }
        let mut fixed = Vec::new();
        let clock = Clock::Fixed(SystemTime::UNIX_EPOCH);
        clock.write_http_date(&mut fixed);
        assert_eq!(fixed, clock.http_date().as_bytes());
    }

    #[test]
    fn dates_are_imf_fixdate() {
        let clock = Clock::Fixed(SystemTime::UNIX_EPOCH + Duration::from_secs(1_605_985_200));
        // The article's hard-coded date, written the way RFC 9110 wants it: "Nov", not "nov".
        assert_eq!(clock.http_date(), "Sat, 21 Nov 2020 19:00:00 GMT");
    }
}
