"""Chapter 2 in Python: an HTTP server on a raw socket, one client at a time.

The article's section 02 server, written again with its mistakes fixed: the head ends at the
exact blank line, reading is bounded, Content-Length counts bytes, Date is computed.
Standard library only. Run: python3 ch02_single_threaded.py [--host H] [--port P]
"""

import argparse
import socket
from email.utils import formatdate

# The same page the Rust chapter 2 serves (src/pages.rs); the test compares the two.
HOME_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>My first web page</title></head>
<body>
<h1>My first web page</h1>
<p>你好，世界！Hello, world! This page was served by a Rust server built from a raw socket.</p>
</body>
</html>
"""

MAX_HEAD = 16 * 1024  # bytes of request head we are willing to buffer
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found",
           405: "Method Not Allowed", 431: "Request Header Fields Too Large"}


def read_head(conn):
    """Reads until the blank line that ends the head, or until MAX_HEAD bytes.

    Returns None if the client closes first (recv gives b"": stop, do not spin on it)."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) <= MAX_HEAD:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data


def route(method, path, query):
    """The site: returns (status, content type, body text, extra headers)."""
    if method not in ("GET", "HEAD"):
        refusal = f"405: {method} is not allowed here; use GET\n"
        return 405, "text/plain", refusal, [("Allow", "GET, HEAD")]
    if path == "/":
        return 200, "text/html", HOME_PAGE, []
    return 404, "text/plain", f"404 Not Found: nothing lives at {path}\n", []


def send(conn, method, status, kind, text, extra=()):
    """Writes the whole response: status line, headers, blank line, body (not for HEAD)."""
    body = text.encode("utf-8")  # Content-Length counts these bytes, not characters
    headers = [("Date", formatdate(usegmt=True)), ("Content-Type", f"{kind}; charset=utf-8"),
               *extra, ("Content-Length", str(len(body))), ("Connection", "close")]
    lines = [f"HTTP/1.1 {status} {REASONS[status]}"] + [f"{k}: {v}" for k, v in headers]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    conn.sendall(head if method == "HEAD" else head + body)


def respond(conn, site):
    """Reads one request from conn, answers it with site(), and closes the connection."""
    with conn:
        conn.settimeout(10)  # a silent client must not hold the thread forever
        try:
            data = read_head(conn)
            if data is None:
                return
            head, complete, _ = data.partition(b"\r\n\r\n")
            words = head.split(b"\r\n")[0].decode("latin-1").split(" ")
            if not complete:
                send(conn, "GET", 431, "text/plain", "431: the request head is too large\n")
            elif len(words) != 3 or not words[2].startswith("HTTP/1."):
                send(conn, "GET", 400, "text/plain", "400: expected METHOD /path HTTP/1.x\n")
            else:
                method, target, _ = words
                path, _, query = target.partition("?")
                send(conn, method, *site(method, path, query))
        except OSError:  # a timeout or a reset: nobody left to answer
            pass


def listen(description, threads=False):
    """Reads the flags, binds, and prints the real address (--port 0 picks a free port)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8888, help="port; 0 picks a free one")
    if threads:
        parser.add_argument("--threads", type=int, default=4, help="worker threads in the pool")
    args = parser.parse_args()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # quick restarts
    server.bind((args.host, args.port))
    server.listen(128)
    print(f"listening on http://{args.host}:{server.getsockname()[1]}/", flush=True)
    return server, args


def main():
    server, _ = listen("Chapter 2: one request at a time.")
    with server:
        try:
            while True:
                conn, _ = server.accept()
                respond(conn, route)  # the next client waits until this one is done
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()
