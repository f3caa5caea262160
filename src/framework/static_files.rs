//! Static files as middleware, the way WhiteNoise serves them for WSGI (chapter 8).
//!
//! [`StaticFiles`] wraps an application. A `GET` or `HEAD` for a file in its folder is
//! answered from the folder, with the headers that let a browser cache it; anything else
//! goes on to the application. Three things make it more than `File::open`: the path a
//! client sends must never lead out of the folder, a browser that has the file already gets
//! `304 Not Modified` instead of the bytes again, and a large file goes out a chunk at a
//! time instead of being read whole into memory.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use super::request::{percent_encode, url_for};
use super::response::{HttpError, Response, statuses};
use crate::http::Status;
use crate::wsgi::{Application, Body, Environ, StartResponse};

/// How much of a file one body chunk holds: the most it keeps in memory per response.
pub const CHUNK: usize = 64 * 1024;

// ANCHOR: static_files
/// Serves the files under `folder`, and passes every other request to `app`.
pub struct StaticFiles<A> {
    folder: PathBuf,
    /// `folder` with every symlink resolved, once it exists: what a file must be inside.
    root: OnceLock<PathBuf>,
    app: A,
}

/// What a request path names in the folder.
#[derive(Debug, PartialEq, Eq)]
enum Lookup {
    /// A file, by its real path, inside the folder.
    File(PathBuf),
    /// A folder: the client should ask again with a `/` at the end.
    Folder,
    /// Nothing: the application may know the path.
    Missing,
    /// A way out of the folder, or a name we never serve: `404`, whatever the app knows.
    Refused,
}

impl<A: Application> StaticFiles<A> {
    /// The folder need not exist yet: until it does, every request goes to `app`.
    pub fn new(folder: impl Into<PathBuf>, app: A) -> StaticFiles<A> {
        StaticFiles { folder: folder.into(), root: OnceLock::new(), app }
    }
}

impl<A: Application> Application for StaticFiles<A> {
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        if !matches!(environ.method(), "GET" | "HEAD") {
            return self.app.invoke(environ, start_response);
        }
        let path = environ.path_bytes();
        let response = match self.lookup(&path) {
            Lookup::Missing => return self.app.invoke(environ, start_response),
            Lookup::Refused => HttpError::not_found(&String::from_utf8_lossy(&path)).into(),
            Lookup::Folder => with_slash(&path, environ),
            Lookup::File(file) => serve(&file, environ),
        };
        response.send(start_response)
    }
}
// ANCHOR_END: static_files

impl<A> StaticFiles<A> {
    /// The folder's real path, if it exists.
    fn root(&self) -> Option<&Path> {
        if self.root.get().is_none() {
            let real = self.folder.canonicalize().ok()?;
            let _ = self.root.set(real);
        }
        self.root.get().map(PathBuf::as_path)
    }

    // ANCHOR: lookup
    /// Finds what the decoded request path names, without ever leaving the folder.
    ///
    /// The path is built one checked name at a time, never joined whole: `Path::join` with
    /// an absolute path throws the folder away, and `..` climbs out of it. The names that
    /// could do harm are refused (`..`, `.`, empty ones as in `//etc`, and `\`, NUL and
    /// `:`, which mean something to some file system), and so are hidden files. What
    /// remains can still be a symlink to anywhere, so the real path of what was found must
    /// lie inside the folder's real path.
    fn lookup(&self, path: &[u8]) -> Lookup {
        // A name that is not UTF-8 is no file of ours, but may be a route's business.
        let Ok(path) = std::str::from_utf8(path) else { return Lookup::Missing };
        if path.is_empty() {
            // `/app` itself, mounted at `/app` (chapter 10): the root folder, without its `/`.
            return Lookup::Folder;
        }
        let Some(relative) = path.strip_prefix('/') else { return Lookup::Refused };
        let Some(root) = self.root() else { return Lookup::Missing };
        let mut names: Vec<&str> = relative.split('/').collect();
        if names.last() == Some(&"") {
            names.pop();
            names.push("index.html"); // a folder's page, as web servers have always done
        }
        if !names.iter().all(|name| is_plain_name(name)) {
            return Lookup::Refused;
        }
        let candidate: PathBuf =
            names.iter().fold(root.to_path_buf(), |path, name| path.join(name));
        let Ok(metadata) = fs::metadata(&candidate) else { return Lookup::Missing };
        match candidate.canonicalize() {
            Ok(real) if !real.starts_with(root) => Lookup::Refused, // a symlink out
            Ok(_) if metadata.is_dir() => Lookup::Folder,
            Ok(real) => Lookup::File(real),
            Err(_) => Lookup::Missing,
        }
    }
    // ANCHOR_END: lookup
}

/// A file or folder name we serve: not empty, not hidden, nothing special to a file system.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['\\', '\0', ':'])
}

// ANCHOR: serve
/// The response for a file: `304` if the client's copy is current, else the file, in chunks.
fn serve(path: &Path, environ: &Environ<'_>) -> Response {
    let opened = File::open(path).and_then(|file| Ok((file.metadata()?, file)));
    let Ok((metadata, file)) = opened else {
        return HttpError::not_found("the file could not be opened").into();
    };
    let modified = metadata.modified().unwrap_or(UNIX_EPOCH);
    let tag = entity_tag(metadata.len(), modified);
    let cached = not_modified(
        environ.get("HTTP_IF_NONE_MATCH"),
        environ.get("HTTP_IF_MODIFIED_SINCE"),
        &tag,
        modified,
    );
    let status = if cached { statuses::NOT_MODIFIED } else { Status::OK };
    let response = Response::new(status)
        .with_header("ETag", tag)
        .with_header("Last-Modified", httpdate::fmt_http_date(modified))
        // Cache it, but ask each time whether it changed: the book may be rebuilt.
        .with_header("Cache-Control", "no-cache");
    if cached {
        return response; // no body, no length: the client has the bytes (RFC 9110 §15.4.5)
    }
    let chunks = FileChunks { file, left: metadata.len() };
    response.with_stream(content_type(path), metadata.len(), Body::from_chunks(chunks))
}
// ANCHOR_END: serve

// ANCHOR: conditional
/// A validator that changes whenever the file does: its size and modification time.
fn entity_tag(length: u64, modified: SystemTime) -> String {
    let nanos = modified.duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos();
    format!("\"{length:x}-{nanos:x}\"")
}

/// Whether the client's copy is current (RFC 9110 §13.1.2 and §13.1.3). `If-None-Match`
/// wins when both are sent: an entity tag is exact, a date has whole seconds.
fn not_modified(
    if_none_match: Option<&str>,
    if_modified_since: Option<&str>,
    tag: &str,
    modified: SystemTime,
) -> bool {
    if let Some(tags) = if_none_match.filter(|tags| !tags.is_empty()) {
        // The weak comparison: a `W/` prefix does not matter for a GET.
        let mut tags = tags.split(',').map(str::trim);
        return tags.any(|given| given == "*" || given.trim_start_matches("W/") == tag);
    }
    let since = if_modified_since.and_then(|date| httpdate::parse_http_date(date).ok());
    let seconds = |time: SystemTime| time.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    since.is_some_and(|since| seconds(modified) <= seconds(since))
}
// ANCHOR_END: conditional

// ANCHOR: file_chunks
/// A file as body chunks of at most [`CHUNK`] bytes, read as the server asks for them.
/// Dropping it closes the file, however the response ended.
struct FileChunks {
    file: File,
    /// Bytes still to send: the length announced, so never more than that.
    left: u64,
}

impl Iterator for FileChunks {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        if self.left == 0 {
            return None;
        }
        let mut chunk = vec![0; CHUNK.min(usize::try_from(self.left).unwrap_or(CHUNK))];
        // A read error or a file cut short ends the body early; the gateway sees a body
        // shorter than its Content-Length and closes the connection, so the client knows.
        let read = self.file.read(&mut chunk).ok().filter(|&read| read > 0)?;
        chunk.truncate(read);
        self.left -= read as u64;
        Some(chunk)
    }
}
// ANCHOR_END: file_chunks

/// A `301` to the same path with a `/` at the end, so the folder's page and its relative
/// links work. Under the prefix the application is mounted at, if any (chapter 10).
fn with_slash(path: &[u8], environ: &Environ<'_>) -> Response {
    let query = environ.query_string();
    let mut location = url_for(environ, &percent_encode(path));
    location.push('/');
    if !query.is_empty() {
        location = format!("{location}?{query}");
    }
    let message = format!("this is a folder: {location}");
    HttpError::new(statuses::MOVED_PERMANENTLY, message).with_header("Location", location).into()
}

/// The media types of the files a built book (and most small sites) hold, by extension.
const MEDIA_TYPES: [(&str, &str); 22] = [
    ("html", "text/html; charset=utf-8"),
    ("css", "text/css; charset=utf-8"),
    ("js", "text/javascript; charset=utf-8"),
    ("json", "application/json"),
    ("map", "application/json"),
    ("txt", "text/plain; charset=utf-8"),
    ("md", "text/markdown; charset=utf-8"),
    ("xml", "application/xml"),
    ("svg", "image/svg+xml"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("ico", "image/x-icon"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("ttf", "font/ttf"),
    ("otf", "font/otf"),
    ("eot", "application/vnd.ms-fontobject"),
    ("pdf", "application/pdf"),
    ("wasm", "application/wasm"),
];

/// The `Content-Type` for a file, by its extension; bytes of no known kind are just bytes.
pub fn content_type(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|extension| extension.to_str()).unwrap_or_default();
    let known = MEDIA_TYPES.iter().find(|(known, _)| known.eq_ignore_ascii_case(extension));
    known.map_or("application/octet-stream", |(_, media_type)| media_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn names_that_could_leave_the_folder_are_not_plain() {
        for name in ["..", ".", "", ".git", "a\\b", "a\0b", "c:", "..\\.."] {
            assert!(!is_plain_name(name), "{name:?}");
        }
        for name in ["index.html", "ch04-wsgi.html", "a..b", "你好.txt"] {
            assert!(is_plain_name(name), "{name:?}");
        }
    }

    #[test]
    fn media_types_follow_the_extension() {
        assert_eq!(content_type(Path::new("a/index.HTML")), "text/html; charset=utf-8");
        assert_eq!(content_type(Path::new("fonts/x.woff2")), "font/woff2");
        assert_eq!(content_type(Path::new("blob")), "application/octet-stream");
    }

    #[test]
    fn a_tag_match_or_an_old_enough_date_means_not_modified() {
        let modified = UNIX_EPOCH + std::time::Duration::from_millis(1_605_985_200_500);
        let tag = entity_tag(10, modified);
        assert!(not_modified(Some(&tag), None, &tag, modified));
        assert!(not_modified(Some(&format!("\"x\", W/{tag}")), None, &tag, modified));
        assert!(not_modified(Some("*"), None, &tag, modified));
        assert!(!not_modified(
            Some("\"other\""),
            Some("Sat, 21 Nov 2020 19:00:00 GMT"),
            &tag,
            modified
        ));
        // The same second as the file, or later: current. A second earlier: stale.
        assert!(not_modified(None, Some("Sat, 21 Nov 2020 19:00:00 GMT"), &tag, modified));
        assert!(not_modified(None, Some("Sun, 22 Nov 2020 19:00:00 GMT"), &tag, modified));
        assert!(!not_modified(None, Some("Sat, 21 Nov 2020 18:59:59 GMT"), &tag, modified));
        assert!(!not_modified(None, Some("not a date"), &tag, modified));
    }

    #[test]
    fn a_path_with_bytes_outside_ascii_is_encoded_in_a_redirect() {
        assert_eq!(percent_encode("/文 a".as_bytes()), "/%E6%96%87%20a");
    }
}
