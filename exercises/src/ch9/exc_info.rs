//! Exercise 9.2: the rules of `start_response` and `exc_info`. The task is in the book,
//! chapter 9, "Exercises".

/// What an application chose so far, as a server keeps it between `start_response` and
/// sending the head.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Chosen {
    pub status: Option<String>,
    pub headers: Vec<(String, String)>,
    /// Whether the head may already be on its way to the client.
    pub sent: bool,
}

/// What `start_response` raises.
#[derive(Debug, PartialEq, Eq)]
pub enum Raised {
    /// The exception `exc_info` described, raised again: its message.
    Again(String),
    /// A second call without `exc_info`.
    CalledTwice,
}

impl Chosen {
    /// `start_response(status, headers, exc_info)`, where `exc_info` is the exception the
    /// application is handling (here just its message), or `None`.
    ///
    /// - Without `exc_info`: the first call records the status and headers; any later call
    ///   is the application's bug, `Err(Raised::CalledTwice)`.
    /// - With `exc_info`, before the head was sent: the new status and headers replace
    ///   whatever was chosen, so an error page can take the place of a `200`.
    /// - With `exc_info`, once the head was sent: too late to replace it; the exception is
    ///   raised again, `Err(Raised::Again(message))`.
    ///
    /// A call that raises changes nothing.
    pub fn start_response(
        &mut self,
        status: &str,
        headers: &[(&str, &str)],
        exc_info: Option<&str>,
    ) -> Result<(), Raised> {
        todo!("exercise 9.2: see the book, chapter 9's exercises (book/src/exercises/ch09.md)")
    }
}
