//! SPOILER: reference solution of exercise 3.1 (counting visitors on a pool). Try it
//! yourself first.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use socket_to_wsgi::http::{Request, Response, Status};

/// Counts the requests it answers. Clones share one count.
#[derive(Clone, Debug, Default)]
pub struct VisitCounter {
    /// `Arc`: every clone points at the same counter. `AtomicUsize`: threads may add to it
    /// at the same time without a lock, and no two get the same number.
    visits: Arc<AtomicUsize>,
}

impl VisitCounter {
    /// Counts this visit and answers with its number.
    pub fn handle(&self, _request: &Request) -> Response {
        // `fetch_add` reads and adds in one step; a `load` then a `store` would let two
        // threads read the same value and both claim it.
        let number = self.visits.fetch_add(1, Ordering::SeqCst) + 1;
        Response::text(Status::OK, format!("you are visitor number {number}\n"))
    }

    /// How many visits every clone has counted so far.
    pub fn visits(&self) -> usize {
        self.visits.load(Ordering::SeqCst)
    }
}
