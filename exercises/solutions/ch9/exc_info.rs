//! Exercise 9.2, a reference solution: the rules of `start_response` and `exc_info`.

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
    /// `start_response(status, headers, exc_info)`.
    pub fn start_response(
        &mut self,
        status: &str,
        headers: &[(&str, &str)],
        exc_info: Option<&str>,
    ) -> Result<(), Raised> {
        match exc_info {
            Some(exception) if self.sent => return Err(Raised::Again(exception.to_string())),
            None if self.status.is_some() => return Err(Raised::CalledTwice),
            _ => {}
        }
        self.status = Some(status.to_string());
        self.headers =
            headers.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect();
        Ok(())
    }
}
