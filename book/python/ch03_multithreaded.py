"""Chapter 3 in Python: the chapter 2 server on a bounded pool of worker threads.

The article's section 02 starts one new thread per connection, with no limit. Here a fixed
pool (--threads, default 4) takes connections from a queue, as the Rust ThreadPool does.
Standard library only. Run: python3 ch03_multithreaded.py [--host H] [--port P] [--threads N]
"""

import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl

# Reuse chapter 2: reading a request, writing a response, the page itself.
from ch02_single_threaded import listen, respond, route

MAX_SLEEP_MS = 10_000  # nobody may park a worker for longer than this


def route_with_sleep(method, path, query):
    """Chapter 2's site plus /sleep?ms=N, which answers after N milliseconds."""
    if path != "/sleep" or method not in ("GET", "HEAD"):
        return route(method, path, query)
    ms = dict(parse_qsl(query, keep_blank_values=True)).get("ms", "")
    if not (ms.isascii() and ms.isdigit()) or int(ms) > MAX_SLEEP_MS:
        refusal = f"ms must be a whole number from 0 to {MAX_SLEEP_MS}, not `{ms}`\n"
        return 400, "text/plain", refusal, []
    time.sleep(int(ms) / 1000)  # blocks this worker only; the others keep serving
    return 200, "text/plain", f"slept {int(ms)} ms\n", []


def main():
    server, args = listen("Chapter 3: a pool of worker threads.", threads=True)
    # Leaving the `with` block waits for requests in flight: a graceful stop on Ctrl-C.
    with server, ThreadPoolExecutor(max_workers=args.threads) as pool:
        try:
            while True:
                conn, _ = server.accept()
                # The pool's queue holds waiting connections; at most --threads run at once.
                pool.submit(respond, conn, route_with_sleep)
        except KeyboardInterrupt:
            print("stopping: finishing the requests in flight")


if __name__ == "__main__":
    main()
