#!/usr/bin/env python3
"""Opens many keep-alive connections to a server, asks one request on each, then leaves them
idle until told to stop (bench/connections.sh). Loopback only; bounded by --count and by
--seconds.

    python3 bench/idle_crowd.py --port PORT --count 10000 --seconds 60 [--path /hello]

It prints "ready N" once N connections have had their answer and sit idle, then waits for
--seconds (or for stdin to close) and closes them all.
"""

import argparse
import select
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--path", default="/hello")
    args = parser.parse_args()

    request = f"GET {args.path} HTTP/1.1\r\nHost: crowd\r\n\r\n".encode()
    crowd = []
    for _ in range(args.count):
        conn = socket.create_connection(("127.0.0.1", args.port), timeout=10)
        conn.sendall(request)
        crowd.append(conn)
    answered = 0
    for conn in crowd:
        try:
            if conn.recv(65536).startswith(b"HTTP/1.1 200"):
                answered += 1
        except OSError:
            pass
    print(f"ready {answered}", flush=True)
    # Idle until the time is up or whoever started us closes our stdin.
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sys.stdin], [], [], 0.5)
        if readable and not sys.stdin.read(1):
            break
    closed_meanwhile = 0
    for conn in crowd:
        try:
            conn.setblocking(False)
            closed_meanwhile += conn.recv(1) == b""  # b"" means the server closed it
        except BlockingIOError:
            pass
        conn.close()
    print(f"closed by the server meanwhile: {closed_meanwhile}", flush=True)


if __name__ == "__main__":
    main()
