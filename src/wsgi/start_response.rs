//! `start_response`: how an application chooses its status and headers (chapter 4).

// ANCHOR: start_response
/// The status and headers an application chose, kept by the server until it sends them.
///
/// In PEP 3333 `start_response` only *records* the status and headers; the server sends them
/// later, just before the first non-empty body chunk. Until then the application may still
/// change its mind after an error (`exc_info` in Python, [`StartResponse::replace`] here).
#[derive(Debug, Default)]
pub struct StartResponse {
    status: Option<String>,
    headers: Vec<(String, String)>,
}

impl StartResponse {
    /// `start_response(status, headers)`: for example
    /// `start_response.call("200 OK", [("Content-Type", "text/plain")])`.
    ///
    /// # Panics
    /// When called a second time: as in PEP 3333, a second call is a bug unless it replaces
    /// the response after an error, which is what [`StartResponse::replace`] says.
    pub fn call<N, V>(&mut self, status: &str, headers: impl IntoIterator<Item = (N, V)>)
    where
        N: Into<String>,
        V: Into<String>,
    {
        assert!(
            self.status.is_none(),
            "start_response was called twice; use replace() to send an error response instead"
        );
        self.replace(status, headers);
    }

    /// `start_response(status, headers, exc_info)`: replaces what was chosen before.
    pub fn replace<N, V>(&mut self, status: &str, headers: impl IntoIterator<Item = (N, V)>)
    where
        N: Into<String>,
        V: Into<String>,
    {
        self.status = Some(status.to_string());
        self.headers =
            headers.into_iter().map(|(name, value)| (name.into(), value.into())).collect();
    }

    /// The status line chosen, such as `"404 Not Found"`, or `None` if not called yet.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// The headers chosen, in order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The status and headers chosen, given up by the server once the application has
    /// returned, so that it can send them without copying them.
    pub fn into_parts(self) -> (Option<String>, Vec<(String, String)>) {
        (self.status, self.headers)
    }

    /// The value of the first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}
// ANCHOR_END: start_response
