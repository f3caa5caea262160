"""The application of the article's section 03, as this book writes it.

A WSGI application is a callable taking the request (environ, a dict) and a function
to start the response; it returns the body as an iterable of bytes. Nothing here knows
about sockets: the server that imports it could be gunicorn or our 09-python.
"""

import time
from urllib.parse import parse_qs


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/":
        body = b"<h1>Hello, WSGI</h1><p>Served by a Python application.</p>\n"
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]
    if path == "/environ":
        lines = [f"{key} = {environ[key]!r}" for key in sorted(environ)]
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return ["\n".join(lines).encode("utf-8") + b"\n"]
    if path == "/sleep":
        # time.sleep lets go of the GIL: other workers serve meanwhile.
        milliseconds = int(parse_qs(environ["QUERY_STRING"]).get("ms", ["0"])[0])
        time.sleep(milliseconds / 1000)
        start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
        return [f"slept {milliseconds} ms\n".encode("utf-8")]
    start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
    return [f"404: nothing at {path}\n".encode("utf-8")]
