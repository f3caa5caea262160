"""Calls flask_app.py's `app` LOOPS times as it is imported, for bench/instructions.sh.

The calls need no server: each gets a fresh environ built here, as a server would build it.
The module then serves a one-line `application`, so 09-python can load it like any other.
"""

import io
import os
import sys

from flask_app import app


def environ():
    return {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/", "QUERY_STRING": "",
        "CONTENT_TYPE": "", "CONTENT_LENGTH": "", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1:8000",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
        "wsgi.multiprocess": False, "wsgi.run_once": False,
    }


def ignore(status, headers, exc_info=None):
    return None


for _ in range(int(os.environ.get("LOOPS", "0"))):
    b"".join(app(environ(), ignore))


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"loop done\n"]
