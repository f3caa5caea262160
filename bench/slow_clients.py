#!/usr/bin/env python3
"""Two slow-client attacks on a running server, and how long a normal client waits meanwhile
(chapter 7, "Slow bodies" and "Slow readers").

    python3 bench/slow_clients.py slow-body   --port 8888
    python3 bench/slow_clients.py slow-reader --port 8888 [--pid PID]

slow-body:   eight connections each send `POST /echo` with `Content-Length: 100000`, then
             one byte a second.
slow-reader: eight connections each pipeline 20,000 `GET /environ` and never read a byte.

Meanwhile a normal client asks for `GET /` on a new connection four times a second, and the
script prints the worst and the median wait, then what became of the attackers. With --pid it
also samples the server's resident memory. Everything is bounded: the attack lasts --seconds
(15 by default), a normal request waits at most 30 s, and the attackers are closed at the end.
Loopback only: the script refuses any other host.
"""

import argparse
import socket
import statistics
import threading
import time

PATIENCE = 30.0  # the longest a normal request is waited for


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=PATIENCE)


def slow_body(port, stop):
    """Sends a head announcing 100,000 bytes, then one byte a second until told to stop."""
    conn = connect(port)
    conn.sendall(b"POST /echo HTTP/1.1\r\nHost: attack\r\nContent-Length: 100000\r\n\r\n")

    def drip():
        try:
            while not stop.wait(1.0):
                conn.sendall(b"x")
        except OSError:
            pass  # the server cut us off, as it should

    threading.Thread(target=drip, daemon=True).start()
    return conn


def slow_reader(port, stop):
    """Pipelines 20,000 requests and never reads; sending stops when the server stops reading."""
    conn = connect(port)
    request = b"GET /environ HTTP/1.1\r\nHost: attack\r\n\r\n"

    def send():
        try:
            conn.sendall(request * 20_000)
        except OSError:
            pass  # blocked until the end, or cut off

    threading.Thread(target=send, daemon=True).start()
    return conn


def normal_request(port):
    """Seconds until a whole `GET /` answer arrived, or None if none came within PATIENCE."""
    started = time.monotonic()
    try:
        with connect(port) as conn:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: normal\r\nConnection: close\r\n\r\n")
            received = b""
            while chunk := conn.recv(65536):
                received += chunk
    except OSError:
        return None
    return time.monotonic() - started if received.startswith(b"HTTP/1.1 200") else None


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def fate(conn):
    """What became of an attacker: cut off by the server, or still open."""
    conn.settimeout(2.0)
    try:
        while conn.recv(1 << 20):
            pass
        return "closed"
    except ConnectionResetError:
        return "closed"
    except OSError:
        return "open"  # nothing more within 2 s, and no close


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("attack", choices=["slow-body", "slow-reader"])
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--pid", type=int, help="the server's process, to sample its memory")
    args = parser.parse_args()

    stop = threading.Event()
    attack = slow_body if args.attack == "slow-body" else slow_reader
    attackers = []
    starters = [
        threading.Thread(target=lambda: attackers.append(attack(args.port, stop)))
        for _ in range(args.clients)
    ]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()

    waits, unanswered, peak = [], 0, None
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        wait = normal_request(args.port)
        if wait is None:
            unanswered += 1
        else:
            waits.append(wait)
        if args.pid:
            peak = max(filter(None, [peak, rss_kib(args.pid)]), default=None)
        time.sleep(0.25)

    fates = [None] * len(attackers)

    def look(index):
        fates[index] = fate(attackers[index])

    lookers = [threading.Thread(target=look, args=(i,)) for i in range(len(attackers))]
    for looker in lookers:
        looker.start()
    for looker in lookers:
        looker.join()
    stop.set()
    for conn in attackers:
        conn.close()

    worst = "no answer within 30 s" if unanswered else f"{max(waits):.3f} s"
    median = f"{statistics.median(waits):.3f} s" if waits else "-"
    print(f"attack: {args.attack}, {args.clients} connections, {args.seconds:g} s")
    print(f"normal GET /: {len(waits)} answered, {unanswered} not; worst wait {worst}, median {median}")
    print(f"attackers cut off by the server: {fates.count('closed')} of {len(fates)}")
    memory = "-" if peak is None else f"{peak / 1024:.1f} MiB"
    if peak is not None:
        print(f"server's peak resident memory: {memory}")
    # One Markdown table row's cells, for bench/slow_clients.sh.
    cells = [len(waits), unanswered, worst, median, f"{fates.count('closed')} of {len(fates)}", memory]
    print("cells: " + " | ".join(str(cell) for cell in cells))


if __name__ == "__main__":
    main()
