"""Chapter 4 in Python: the demo application as a real WSGI (PEP 3333) application.

`demo_app` knows nothing about sockets: it gets `environ` and `start_response` and returns
an iterable of byte strings. Python's reference server, wsgiref, runs it here; any other
WSGI server (Gunicorn, uWSGI, ...) could run it unchanged.
Standard library only. Run: python3 ch04_wsgi.py [--host H] [--port P]
"""

import argparse
import os
import time
from socketserver import ThreadingMixIn
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIServer, make_server

TEXT = ("Content-Type", "text/plain; charset=utf-8")
HOME_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>WSGI demo</title></head>
<body>
<h1>A WSGI application in Python</h1>
<p>你好！Try <a href="/environ">/environ</a>, <a href="/sleep?ms=1000">/sleep?ms=1000</a>
and <code>curl -d 'hello' http://HOST/echo</code>.</p>
</body>
</html>
"""


def demo_app(environ, start_response):
    """The same paths as the Rust demo app (src/wsgi/demo.rs)."""
    path = environ["PATH_INFO"]
    if path == "/":
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [HOME_PAGE.encode("utf-8")]
    if path == "/environ" or path.startswith("/environ/"):
        # wsgiref starts each environ from a copy of os.environ, as CGI did: leave those out.
        keys = sorted(k for k in environ if os.environ.get(k) != environ[k])
        start_response("200 OK", [TEXT])
        return [f"{key} = {environ[key]}\n".encode("utf-8") for key in keys]
    if path == "/echo":
        return echo(environ, start_response)
    if path == "/sleep":
        ms = dict(parse_qsl(environ["QUERY_STRING"], keep_blank_values=True)).get("ms", "")
        if not (ms.isascii() and ms.isdigit()) or int(ms) > 10_000:
            start_response("400 Bad Request", [TEXT])
            return [f"ms must be a whole number from 0 to 10000, not `{ms}`\n".encode("utf-8")]
        time.sleep(int(ms) / 1000)
        start_response("200 OK", [TEXT])
        return [f"slept {int(ms)} ms\n".encode("utf-8")]
    start_response("404 Not Found", [TEXT])
    return [f"404 Not Found: nothing lives at {path}\n".encode("utf-8")]


def echo(environ, start_response):
    """Sends the request body back, read from wsgi.input."""
    if environ["REQUEST_METHOD"] != "POST":
        start_response("405 Method Not Allowed", [TEXT, ("Allow", "POST")])
        return [b"405: send the body to echo with POST, e.g. curl -d 'hello' .../echo\n"]
    # Read exactly CONTENT_LENGTH bytes: wsgiref's wsgi.input is the socket itself, and
    # reading "to the end" would wait for a client that is waiting for us.
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    kind = environ.get("CONTENT_TYPE") or "application/octet-stream"
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """wsgiref's server with one thread per connection (it serves one at a time otherwise).

    Closing it waits for those threads, so Ctrl-C lets requests in flight finish."""


def main():
    parser = argparse.ArgumentParser(description="Chapter 4: a WSGI app on wsgiref.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8888, help="port; 0 picks a free one")
    args = parser.parse_args()
    with make_server(args.host, args.port, demo_app, server_class=ThreadingWSGIServer) as server:
        print(f"listening on http://{args.host}:{server.server_port}/", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()
