import sys, collections
from flask_app import app as inner
N = [0]
def app(environ, start_response):
    seen = collections.Counter()
    def prof(frame, event, arg):
        if event == "call":
            c = frame.f_code; seen[f"{c.co_filename.split('/')[-1]}:{c.co_name}"] += 1
        elif event == "c_call":
            seen[f"C:{getattr(arg, '__qualname__', arg)}"] += 1
    sys.setprofile(prof)
    try:
        body = inner(environ, start_response); chunks = list(body); body.close()
    finally:
        sys.setprofile(None)
    N[0] += 1
    if N[0] == 50:
        for k, v in sorted(seen.items()): sys.stderr.write(f"CALL {v} {k}\n")
        sys.stderr.flush()
    return chunks
