//! SPOILER: reference solution of exercise 8.2 (a middleware that mounts an application
//! under a prefix). Try it yourself first.

use socket_to_wsgi::wsgi::{Application, Body, Environ, StartResponse};

pub struct Mount<A> {
    prefix: String,
    app: A,
}

impl<A: Application> Mount<A> {
    pub fn new(prefix: &str, app: A) -> Mount<A> {
        Mount { prefix: prefix.to_string(), app }
    }
}

impl<A: Application> Application for Mount<A> {
    fn invoke(&self, environ: &mut Environ<'_>, start_response: &mut StartResponse) -> Body {
        // Both are in PEP 3333's Latin-1 form; an ASCII prefix compares the same either way.
        let path = environ.path_info().to_string();
        let rest =
            path.strip_prefix(&self.prefix).filter(|rest| rest.is_empty() || rest.starts_with('/'));
        let Some(rest) = rest else {
            start_response.call("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")]);
            return Body::from(format!("404 Not Found: {path} is not under {}\n", self.prefix));
        };
        let script_name =
            format!("{}{}", environ.get("SCRIPT_NAME").unwrap_or_default(), self.prefix);
        environ.set("SCRIPT_NAME", script_name);
        environ.set("PATH_INFO", rest);
        self.app.invoke(environ, start_response)
    }
}
