import gc, sys, time
from flask_app import app as inner
N = [0]
start = [None]
def app(environ, start_response):
    N[0] += 1
    if N[0] == 1000:
        start[0] = [s["collections"] for s in gc.get_stats()]
    if N[0] == 21000:
        now = [s["collections"] for s in gc.get_stats()]
        sys.stderr.write("GC per 20000 requests: %s objects now %d\n" % ([b - a for a, b in zip(start[0], now)], len(gc.get_objects())))
        sys.stderr.flush()
    return inner(environ, start_response)
