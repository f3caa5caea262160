//! Exercise 3.1: counting visitors on a pool. The task is in the book, chapter 3,
//! "Exercises".

use socket_to_wsgi::http::{Request, Response};

/// Counts the requests it answers. Clones share one count: a clone given to the server
/// and the original kept by `main` see the same number, whichever thread served.
#[derive(Clone, Debug, Default)]
pub struct VisitCounter {
    // Add the shared count here.
}

impl VisitCounter {
    /// Counts this visit and answers `200 OK` with the text `you are visitor number N\n`,
    /// where N is 1 for the first request served by any clone, 2 for the next, and so on.
    /// Two requests served at the same moment on two threads never get the same number.
    pub fn handle(&self, request: &Request) -> Response {
        todo!("exercise 3.1: see the book, chapter 3's exercises (book/src/exercises/ch03.md)")
    }

    /// How many visits every clone has counted so far.
    pub fn visits(&self) -> usize {
        todo!("exercise 3.1: see the book, chapter 3's exercises (book/src/exercises/ch03.md)")
    }
}
