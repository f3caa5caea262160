import sys, os
from flask_app import app as inner
N = [0]
counts = []
def app(environ, start_response):
    calls = [0]
    def prof(frame, event, arg):
        if event in ("call", "c_call"):
            calls[0] += 1
    sys.setprofile(prof)
    try:
        body = inner(environ, start_response)
        chunks = list(body)
        if hasattr(body, "close"):
            body.close()
    finally:
        sys.setprofile(None)
    N[0] += 1
    if N[0] == 50:
        keys = sorted(environ)
        sys.stderr.write("CALLS %d KEYS %s\n" % (calls[0], keys))
        sys.stderr.flush()
    return chunks
