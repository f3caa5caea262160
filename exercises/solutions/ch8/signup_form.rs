//! SPOILER: reference solution of exercise 8.3 (a form handler). Try it yourself first.

use socket_to_wsgi::framework::{HttpError, Request, Response, Router, statuses};

pub const FORM: &str = "<!DOCTYPE html>
<form method=\"post\" action=\"/signup\">
<label>Name <input name=\"name\"></label>
<label>Email <input name=\"email\" type=\"email\"></label>
<button>Sign up</button>
</form>
";

pub fn routes() -> Router {
    Router::new().get("/signup", |_| Ok(Response::html(FORM))).post("/signup", sign_up)
}

pub fn sign_up(request: &mut Request<'_, '_>) -> Result<Response, HttpError> {
    let form = request.form()?;
    let field = |name: &str| form.get(name).unwrap_or_default().trim().to_string();
    let (name, email) = (field("name"), field("email"));
    if name.is_empty() {
        return Err(HttpError::bad_request("say your name"));
    }
    let looks_right = match email.split_once('@') {
        Some((user, host)) => !user.is_empty() && !host.is_empty() && !host.contains('@'),
        None => false,
    };
    if !looks_right {
        return Err(HttpError::bad_request("an email address looks like you@example.org"));
    }
    let welcome = Response::text(format!("welcome, {name} <{email}>\n"));
    Ok(welcome.with_status(statuses::CREATED))
}
