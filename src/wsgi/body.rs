//! The response body: an iterator of byte chunks (chapter 4).

use std::fmt;

// ANCHOR: body
/// What an application returns: byte chunks, produced one at a time as the server asks.
///
/// PEP 3333's iterable may have a `close()` method the server must call when done, even on
/// error. In Rust that is `Drop`: whatever the iterator owns (a file, a lock, a database
/// cursor) is released when the server drops the `Body`, however the response ended.
///
/// A body is `Send`: from chapter 7, a response whose client reads slowly waits, parked, and
/// whichever worker is free when the client has read goes on with it.
pub struct Body {
    chunks: Box<dyn Iterator<Item = Vec<u8>> + Send>,
}

impl Body {
    /// A body produced chunk by chunk, for example by `(0..3).map(|i| format!("{i}\n").into_bytes())`.
    pub fn from_chunks(
        chunks: impl IntoIterator<Item = Vec<u8>, IntoIter: Send + 'static>,
    ) -> Body {
        Body { chunks: Box::new(chunks.into_iter()) }
    }

    /// A body with nothing in it.
    pub fn empty() -> Body {
        Body::from_chunks(std::iter::empty())
    }
}

impl Iterator for Body {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        self.chunks.next()
    }

    /// What the chunks' iterator knows of how many are left: a body made from one chunk
    /// knows, once that chunk is taken, that there are no more.
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}
// ANCHOR_END: body

/// A body of one chunk.
impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Body {
        Body::from_chunks(std::iter::once(bytes))
    }
}

impl From<String> for Body {
    fn from(text: String) -> Body {
        Body::from(text.into_bytes())
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Body {
        Body::from(text.as_bytes().to_vec())
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Body { .. }")
    }
}
