"""Python's reference WSGI server, answering every request with the environ it built.

Used by tests/wsgiref_differential.rs, which sends the same raw requests to this program and
to the Rust gateway and compares the two environs key by key. Standard library only.

Each response carries the environ as a JSON object of strings, twice: as the body, and in an
`X-Environ` header (wsgiref sends bodies for HEAD, the Rust server does not, so the test reads
the header). Entries that are not strings in Python are written as text:

- wsgi.version: "1.0"; wsgi.multithread, wsgi.multiprocess, wsgi.run_once: "true" or "false";
- wsgi.url_scheme as it is;
- wsgi.input: the request body the application read (at most CONTENT_LENGTH bytes), each
  byte as the Latin-1 character with that number;
- wsgi.errors and any other non-string entry are left out.

Run it by hand with `python3 tests/wsgiref/dump_environ.py --port 8000`, then for example
`curl -s 'http://127.0.0.1:8000/a%20b?x=1'`.
"""

import argparse
import json
import sys
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, make_server

WSGI_TEXT_KEYS = ("wsgi.url_scheme",)
WSGI_FLAG_KEYS = ("wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once")


# wsgiref starts every environ from a copy of the process environment (CGI's habit), so PATH,
# HOME and even an HTTP_PROXY set in the shell would show up as if the request had brought
# them. This process serves nothing else, so wsgiref's handler is given an empty starting
# point instead: the environ then holds exactly what wsgiref derived from the request and the
# connection, which is what the comparison is about. Nothing else about wsgiref is changed.
ServerHandler.os_environ = {}


class QuietRequestHandler(WSGIRequestHandler):
    """wsgiref's request handler, without a log line on stderr for every request."""

    def log_message(self, format, *args):
        pass


def dump_environ(environ, start_response):
    """The application: the environ (and the body it read), as JSON."""
    dumped = {}
    for key, value in environ.items():
        if isinstance(value, str) and not key.startswith("wsgi."):
            dumped[key] = value
    major, minor = environ["wsgi.version"]
    dumped["wsgi.version"] = f"{major}.{minor}"
    for key in WSGI_TEXT_KEYS:
        dumped[key] = environ[key]
    for key in WSGI_FLAG_KEYS:
        dumped[key] = "true" if environ[key] else "false"

    try:
        length = max(int(environ.get("CONTENT_LENGTH", "")), 0)
    except ValueError:
        length = 0  # absent or empty: no body
    dumped["wsgi.input"] = environ["wsgi.input"].read(length).decode("latin-1")

    # ensure_ascii: every non-ASCII character becomes \u00XX, so the JSON fits in a header.
    text = json.dumps(dumped, sort_keys=True, ensure_ascii=True)
    encoded = text.encode("ascii")
    start_response(
        "200 OK",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(encoded))),
            ("X-Environ", text),
        ],
    )
    return [encoded]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    args = parser.parse_args()
    server = make_server("127.0.0.1", args.port, dump_environ, handler_class=QuietRequestHandler)
    with server:
        print(f"listening on http://127.0.0.1:{server.server_port}/", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
