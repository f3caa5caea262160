"""A CPU-bound WSGI application for chapter 10: about a millisecond of pure Python per
request, then the pid of the process that computed it.

With one process the GIL lets one thread at a time run this, however many threads the server
has; `--workers N` runs N interpreters. bench/workers.sh measures it, and python/tests/workers.rs
checks that two workers answer from two processes.
"""

import os

# About a millisecond of arithmetic on a 2020s machine; the exact time does not matter.
ROUNDS = 20_000


def busy():
    total = 0
    for number in range(ROUNDS):
        total += number * number % 7
    return total


def application(environ, start_response):
    body = f"pid {os.getpid()}, checksum {busy()}\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
