"""A probe application: one path per corner of PEP 3333, for the chapter 9 tests.

Each path answers with what it saw, so that a test can tell what the server did. What
the server did afterwards (close() called, start_response raising again) is kept in
MARKS, which GET /marks reports and clears.
"""

import io
import sys
import threading

MARKS = []
TEXT = [("Content-Type", "text/plain; charset=utf-8")]


class Closing:
    """A body whose close() leaves a mark, yielding `count` chunks of `size` bytes."""

    def __init__(self, name, count=1, size=5, fail_at=None):
        self.name, self.count, self.size, self.fail_at = name, count, size, fail_at

    def __iter__(self):
        for index in range(self.count):
            if index == self.fail_at:
                raise RuntimeError(f"{self.name} failed on purpose at chunk {index}")
            yield b"x" * self.size

    def close(self):
        MARKS.append(f"closed {self.name}")


def marks(environ, start_response):
    report = " ".join(MARKS)
    MARKS.clear()
    start_response("200 OK", TEXT)
    return [report.encode()]


def write(environ, start_response):
    write = start_response("200 OK", TEXT)
    write(b"written, ")
    return [b"then returned"]


def write_then_fail(environ, start_response):
    write = start_response("200 OK", TEXT)
    write(b"written before the failure")
    raise RuntimeError("the probe fails after write() on purpose")


def replace(environ, start_response):
    start_response("200 OK", TEXT)
    try:
        raise ValueError("found a problem before sending anything")
    except ValueError:
        start_response("503 Service Unavailable", TEXT, sys.exc_info())
    return [b"replaced by the error page"]


def reraise(environ, start_response):
    start_response("200 OK", TEXT)
    yield b"first chunk"
    try:
        raise ValueError("found a problem after the first chunk")
    except ValueError:
        try:
            start_response("500 Internal Server Error", TEXT, sys.exc_info())
        except ValueError:
            MARKS.append("re-raised")
            raise


def twice(environ, start_response):
    start_response("200 OK", TEXT)
    try:
        start_response("404 Not Found", TEXT)
    except Exception as error:
        return [f"second call refused: {type(error).__name__}".encode()]
    return [b"second call accepted"]


def generator(environ, start_response):
    # PEP 3333 lets the body's first iteration call start_response.
    start_response("201 Created", TEXT + [("X-Started", "in-first-iteration")])
    yield b""
    yield b"made "
    yield b"lazily"


def echo(environ, start_response):
    stream = environ["wsgi.input"]
    parts = []
    while True:
        part = stream.read(3)
        if not part:
            break
        parts.append(part)
    MARKS.append(f"echoed {sum(map(len, parts))} bytes")
    length = environ.get("CONTENT_LENGTH", "")
    terminated = str(environ.get("wsgi.input_terminated"))
    headers = [("X-Content-Length", length or "none"), ("X-Input-Terminated", terminated)]
    start_response("200 OK", TEXT + headers)
    return [b"".join(parts)]


def lines(environ, start_response):
    stream = environ["wsgi.input"]
    first = stream.readline()
    limited = stream.readline(2)
    rest = stream.readlines()
    start_response("200 OK", TEXT)
    return [repr([first, limited, rest]).encode()]


def iterate(environ, start_response):
    lines = [line for line in environ["wsgi.input"]]
    start_response("200 OK", TEXT)
    return [repr(lines).encode()]


def read_past(environ, start_response):
    body = environ["wsgi.input"].read(1_000_000)
    more = environ["wsgi.input"].read(10)
    start_response("200 OK", TEXT)
    return [repr([body, more]).encode()]


def one_chunk(environ, start_response):
    start_response("200 OK", TEXT)
    return [b"one chunk, so a Content-Length"]


def many_chunks(environ, start_response):
    start_response("200 OK", TEXT)
    return [b"two chunks, ", b"so chunked"]


def close(environ, start_response):
    start_response("200 OK", TEXT)
    return Closing("after-success")


def close_sized(environ, start_response):
    # It would yield three chunks, but announces the length of one.
    start_response("200 OK", TEXT + [("Content-Length", "5")])
    return Closing("after-its-length", count=3)


def fail_in_body(environ, start_response):
    start_response("200 OK", TEXT)
    return Closing("after-failure", count=3, fail_at=1)


def long_body(environ, start_response):
    start_response("200 OK", TEXT)
    return Closing("after-client-left", count=2000, size=4096)


def fail(environ, start_response):
    raise KeyError("the probe fails on purpose")


def no_start(environ, start_response):
    return [b"never started"]


def file_wrapper(environ, start_response):
    start_response("200 OK", TEXT)
    return environ["wsgi.file_wrapper"](io.BytesIO(b"from a file, " * 3), 13)


MEETING = threading.Barrier(2, timeout=30)


def meet(environ, start_response):
    # Returns only once a second request is here too: two workers in Python at once.
    MEETING.wait()
    start_response("200 OK", TEXT)
    return [b"met"]


CROWD = threading.Barrier(6, timeout=30)


def crowd(environ, start_response):
    # Returns only once six requests are here at once: six workers, from a pool that starts
    # with one and grows while its workers wait.
    CROWD.wait()
    start_response("200 OK", TEXT)
    return [b"crowded"]


def environ_types(environ, start_response):
    seen = sorted(f"{key}={type(value).__name__}" for key, value in environ.items())
    start_response("200 OK", TEXT)
    return ["\n".join(seen).encode()]


ROUTES = {
    "/marks": marks,
    "/write": write,
    "/write-then-fail": write_then_fail,
    "/replace": replace,
    "/reraise": reraise,
    "/twice": twice,
    "/generator": generator,
    "/echo": echo,
    "/lines": lines,
    "/iterate": iterate,
    "/read-past": read_past,
    "/one-chunk": one_chunk,
    "/many-chunks": many_chunks,
    "/close": close,
    "/close-sized": close_sized,
    "/fail-in-body": fail_in_body,
    "/long-body": long_body,
    "/fail": fail,
    "/no-start": no_start,
    "/file": file_wrapper,
    "/environ-types": environ_types,
    "/meet": meet,
    "/crowd": crowd,
}


def application(environ, start_response):
    route = ROUTES.get(environ["PATH_INFO"])
    if route is None:
        start_response("404 Not Found", TEXT)
        return [b"no such probe\n"]
    return route(environ, start_response)
