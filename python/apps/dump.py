"""Answers every request with what the application was given, as JSON.

Used by tests/gunicorn_differential.rs, which sends the same requests to gunicorn and to
09-python, both running this module, and compares the two answers. Text entries of the
environ are written as they are, flags and the version as their repr, and objects (the
input and error streams, the file wrapper) by presence only; the request body is read
as the application would and written as Latin-1 text.
"""

import json


def body_of(environ):
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):
        return stream.read(1 << 20)
    length = environ.get("CONTENT_LENGTH") or "0"
    return stream.read(int(length))


def application(environ, start_response):
    seen = {}
    for key, value in environ.items():
        if isinstance(value, str):
            seen[key] = value
        elif isinstance(value, (bool, tuple)):
            seen[key] = repr(value)
        else:
            seen[key] = "<object>"
    seen["(body)"] = body_of(environ).decode("latin-1")
    answer = json.dumps(seen, sort_keys=True, indent=1).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [answer]
