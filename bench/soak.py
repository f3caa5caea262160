#!/usr/bin/env python3
"""A soak of the finished server (chapter 7): a steady load of well-formed requests for many
minutes, mixed with clients that misbehave, while the server's file descriptors, threads and
memory are watched.

    python3 bench/soak.py                     # 10 minutes against target/release/07-hardened
    python3 bench/soak.py --minutes 1         # a quick look

It passes when, at the end:
- every well-formed request got its expected answer, and none a 5xx;
- the server's open file descriptors are back to their count before the load;
- it has as many threads as it started with (no worker lost);
- its memory after the warm-up stays within a small margin.

It writes a Markdown report (bench/results/soak.md) and a plot of memory over time (an SVG).
Only the standard library is used, and only the loopback address.
"""

import argparse
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# --- talking HTTP ------------------------------------------------------------------------


def read_response(sock, buffered=b""):
    """Reads one response; returns (status, body, rest, fields). Raises on a cut connection."""
    data = buffered

    def until(enough, what):
        nonlocal data
        while not enough():
            more = sock.recv(65536)
            if not more:
                raise ConnectionError(f"closed {what}")
            data += more

    until(lambda: b"\r\n\r\n" in data, "before the end of a head")
    head, _, data = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    if "content-length" in fields:
        length = int(fields["content-length"])
        until(lambda: len(data) >= length, "inside a body")
        return status, data[:length], data[length:], fields
    if fields.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            until(lambda: b"\r\n" in data, "inside a chunked body")
            size_line, _, data = data.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            until(lambda: len(data) >= size + 2, "inside a chunk")
            body, data = body + data[:size], data[size + 2 :]
            if size == 0:
                return status, body, data, fields
    # Until the connection closes.
    while True:
        more = sock.recv(65536)
        if not more:
            return status, data, b"", fields
        data += more


def connect(port, timeout=15):
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def reset(sock):
    """Closes with a reset (SO_LINGER 0), as a crashed or unplugged client does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


# --- the clients -------------------------------------------------------------------------

WELL_FORMED = [
    (b"GET / HTTP/1.1\r\nHost: soak\r\n\r\n", 200),
    (b"GET /environ?soak=1 HTTP/1.1\r\nHost: soak\r\n\r\n", 200),
    (b"POST /echo HTTP/1.1\r\nHost: soak\r\nContent-Length: 11\r\n\r\nhello, soak", 200),
    (b"POST /echo HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"5\r\nhello\r\n6\r\n, soak\r\n0\r\n\r\n", 200),
    (b"GET /sleep?ms=2 HTTP/1.1\r\nHost: soak\r\n\r\n", 200),
    (b"GET /nowhere HTTP/1.1\r\nHost: soak\r\n\r\n", 404),
]


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = Counter()  # status -> count, well-formed requests only
        self.wrong = []  # (request, status) that were not the expected answer
        self.faults = Counter()  # kind -> count injected
        self.reconnects = 0  # kept connections found closed before a request was read

    def answered(self, request, status, expected):
        with self.lock:
            self.requests[status] += 1
            if status != expected and len(self.wrong) < 20:
                self.wrong.append((request[:40], status))

    def fault(self, kind):
        with self.lock:
            self.faults[kind] += 1


def steady_client(port, stop, tally, rate):
    """A keep-alive client sending well-formed requests at about `rate` per second."""
    sock, rest = None, b""
    while not stop.is_set():
        request, expected = random.choice(WELL_FORMED)
        try:
            if sock is None:
                sock, rest = connect(port), b""
            sock.sendall(request)
            status, _, rest, fields = read_response(sock, rest)
            tally.answered(request, status, expected)
            if fields.get("connection") == "close":
                sock.close()
                sock = None
        except (OSError, ConnectionError):
            # The idle timeout may close a kept connection just as a request goes out: that
            # request was never read, so it is sent again on a new connection.
            if sock is not None:
                sock.close()
            sock = None
            with tally.lock:
                tally.reconnects += 1
        time.sleep(random.expovariate(rate))


def reset_mid_body(port):
    sock = connect(port)
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: soak\r\nContent-Length: 100000\r\n\r\n")
    sock.sendall(b"x" * random.randint(0, 5000))
    reset(sock)


def half_close_after_request(port, tally):
    sock = connect(port)
    request = b"GET /environ HTTP/1.1\r\nHost: soak\r\n\r\n"
    sock.sendall(request)
    sock.shutdown(socket.SHUT_WR)
    status, _, _, _ = read_response(sock)
    tally.answered(request, status, 200)
    sock.close()


def half_close_mid_body(port):
    sock = connect(port)
    sock.sendall(b"POST /echo HTTP/1.1\r\nHost: soak\r\nContent-Length: 50\r\n\r\nshort")
    half_close_and_drain(sock)


def leave_mid_response(port):
    sock = connect(port)
    sock.sendall(b"GET /environ HTTP/1.1\r\nHost: soak\r\n\r\n" * 300)
    sock.recv(100)
    reset(sock)


def garbage(port):
    sock = connect(port)
    sock.sendall(bytes(random.randrange(256) for _ in range(random.randint(1, 300))) + b"\r\n\r\n")
    half_close_and_drain(sock)


def half_close_and_drain(sock):
    """Says "nothing more from me", then reads whatever the server says until it closes."""
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(5)
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass
    sock.close()


def slowloris(port, stop, tally, count):
    """Keeps `count` connections dripping a head a byte a second, replacing each one the
    server cuts off (with its 408 after the head timeout)."""
    head = b"GET / HTTP/1.1\r\nHost: soak\r\nX-Slow: " + b"s" * 200
    drips = []
    while not stop.is_set():
        while len(drips) < count:
            try:
                drips.append([connect(port), 0])
                tally.fault("slowloris head")
            except OSError:
                break
        for drip in list(drips):
            sock, sent = drip
            try:
                sock.sendall(head[sent : sent + 1])
                drip[1] = (sent + 1) % len(head)
            except OSError:
                sock.close()
                drips.remove(drip)
        time.sleep(1)
    for sock, _ in drips:
        sock.close()


def faulty_clients(port, stop, tally, rate):
    kinds = [
        ("reset mid-body", lambda: reset_mid_body(port)),
        ("half-close after a request", lambda: half_close_after_request(port, tally)),
        ("half-close mid-body", lambda: half_close_mid_body(port)),
        ("leave mid-response", lambda: leave_mid_response(port)),
        ("garbage", lambda: garbage(port)),
    ]
    while not stop.is_set():
        kind, run = random.choice(kinds)
        try:
            run()
            tally.fault(kind)
        except (OSError, ConnectionError) as error:
            tally.fault(f"{kind} (client side failed: {type(error).__name__})")
        time.sleep(random.expovariate(rate))


# --- watching the server -----------------------------------------------------------------


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def status_field(pid, name):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise KeyError(name)


def start_server(binary, threads):
    process = subprocess.Popen(
        [binary, "--port", "0", "--quiet", "--threads", str(threads)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = process.stdout.readline()
    if not line.startswith("listening on http://127.0.0.1:"):
        sys.exit(f"soak: {binary} did not start: {line!r}")
    return process, int(line.rsplit(":", 1)[1].strip("/\n"))


def plot(samples, path, warmup):
    """RSS over time as a small SVG line chart."""
    width, height, left, bottom = 640, 240, 56, 34
    times = [t for t, _, _ in samples]
    rss = [r / 1024 for _, r, _ in samples]
    top = max(max(rss) * 1.25, 1.0)
    span = max(times[-1], 1.0)
    x = lambda t: left + (width - left - 12) * t / span
    y = lambda r: height - bottom - (height - bottom - 12) * r / top
    points = " ".join(f"{x(t):.1f},{y(r):.1f}" for t, r in zip(times, rss))
    ticks = "".join(
        f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.0f}</text>'
        f'<line x1="{left}" x2="{width - 12}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
        for v in [top * i / 4 for i in range(5)]
    )
    minutes = "".join(
        f'<text x="{x(m * 60):.1f}" y="{height - bottom + 16}" text-anchor="middle">{m}</text>'
        for m in range(int(span // 60) + 1)
    )
    svg = f"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
{ticks}{minutes}
<line x1="{x(warmup):.1f}" x2="{x(warmup):.1f}" y1="12" y2="{height - bottom}" stroke="#999" stroke-dasharray="4 3"/>
<text x="{x(warmup) + 4:.1f}" y="22" fill="#666">end of warm-up</text>
<polyline points="{points}" fill="none" stroke="#1f6feb" stroke-width="2"/>
<text x="{left}" y="{height - 4}">minutes</text>
<text x="12" y="{(height - bottom) / 2:.0f}" transform="rotate(-90 12 {(height - bottom) / 2:.0f})" text-anchor="middle">RSS, MiB</text>
</svg>
"""
    Path(path).write_text(svg)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=str(ROOT / "target/release/07-hardened"))
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--threads", type=int, default=4, help="the server's workers")
    parser.add_argument("--clients", type=int, default=8, help="steady keep-alive clients")
    parser.add_argument("--rate", type=float, default=100, help="requests/s per steady client")
    parser.add_argument("--faults", type=float, default=20, help="faulty clients per second")
    parser.add_argument("--slowloris", type=int, default=20, help="dripping heads at once")
    parser.add_argument("--report", default=str(ROOT / "bench/results/soak.md"))
    parser.add_argument("--svg", default=str(ROOT / "bench/results/soak-rss.svg"))
    options = parser.parse_args()
    if not Path(options.binary).exists():
        sys.exit(f"soak: {options.binary} is missing; build it first: cargo build --release")

    process, port = start_server(options.binary, options.threads)
    pid = process.pid
    time.sleep(0.5)
    fds_before, threads_before = open_fds(pid), status_field(pid, "Threads")
    tally, stop = Tally(), threading.Event()
    workers = [
        threading.Thread(target=steady_client, args=(port, stop, tally, options.rate))
        for _ in range(options.clients)
    ]
    workers.append(threading.Thread(target=faulty_clients, args=(port, stop, tally, options.faults)))
    workers.append(threading.Thread(target=slowloris, args=(port, stop, tally, options.slowloris)))
    for worker in workers:
        worker.start()

    duration = options.minutes * 60
    warmup = min(60.0, duration / 5)
    samples, started = [], time.monotonic()
    while (elapsed := time.monotonic() - started) < duration:
        samples.append((elapsed, status_field(pid, "VmRSS"), open_fds(pid)))
        time.sleep(5)
    samples.append((time.monotonic() - started, status_field(pid, "VmRSS"), open_fds(pid)))
    stop.set()
    for worker in workers:
        worker.join()
    # Idle keep-alive connections close after the idle timeout (5 s), dripping heads after
    # the head timeout (10 s): wait them out before counting.
    time.sleep(12)
    fds_after, threads_after = open_fds(pid), status_field(pid, "Threads")
    # Every worker still answers: as many slow requests at once as there are workers.
    replies = []

    def slow_request():
        sock = connect(port)
        sock.sendall(b"GET /sleep?ms=300 HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
        replies.append(read_response(sock)[0])
        sock.close()

    probes = [threading.Thread(target=slow_request) for _ in range(options.threads)]
    probe_started = time.monotonic()
    for probe in probes:
        probe.start()
    for probe in probes:
        probe.join()
    probe_seconds = time.monotonic() - probe_started
    process.terminate()
    process.wait(timeout=10)

    after_warmup = [r for t, r, _ in samples if t >= warmup]
    rss_low, rss_high = min(after_warmup), max(after_warmup)
    answered = sum(tally.requests.values())
    server_errors = sum(n for status, n in tally.requests.items() if status >= 500)
    checks = [
        ("every well-formed request got its expected answer", not tally.wrong),
        ("no well-formed request got a 5xx", server_errors == 0),
        ("open file descriptors back to their count before the load", fds_after == fds_before),
        ("as many threads as at the start", threads_after == threads_before),
        (
            f"all {options.threads} workers answer {options.threads} slow requests at once",
            replies == [200] * options.threads and probe_seconds < 1.5,
        ),
        ("memory after warm-up within 10% (or 2 MiB)", rss_high - rss_low <= max(rss_low // 10, 2048)),
    ]
    Path(options.svg).parent.mkdir(parents=True, exist_ok=True)
    plot(samples, options.svg, warmup)
    report = [
        "# Soak",
        "",
        f"`python3 bench/soak.py --minutes {options.minutes:g}` on {time.strftime('%Y-%m-%d')},"
        f" `{Path(options.binary).name}` with {options.threads} workers, {options.clients}"
        f" steady clients at about {options.rate:g} requests/s each, {options.faults:g} faulty"
        f" clients/s, {options.slowloris} dripping heads at a time.",
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| well-formed requests answered | {answered:,} |",
        f"| of which 5xx | {server_errors} |",
        f"| steady connections found closed, opened again | {tally.reconnects} |",
        f"| faults injected | {sum(tally.faults.values()):,} |",
        *[f"| &nbsp;&nbsp;{kind} | {n:,} |" for kind, n in sorted(tally.faults.items())],
        f"| open fds before / after | {fds_before} / {fds_after} |",
        f"| threads before / after | {threads_before} / {threads_after} |",
        f"| RSS after warm-up, lowest / highest | {rss_low / 1024:.1f} / {rss_high / 1024:.1f} MiB |",
        f"| {options.threads} slow requests at once after the soak | {probe_seconds:.2f} s |",
        "",
        *[f"- {'PASS' if ok else 'FAIL'}: {what}" for what, ok in checks],
        "",
        "Status counts of well-formed requests: "
        + ", ".join(f"{status}: {n:,}" for status, n in sorted(tally.requests.items())),
    ]
    if tally.wrong:
        report += ["", "Unexpected answers (first 20): " + repr(tally.wrong)]
    Path(options.report).write_text("\n".join(report) + "\n")
    print("\n".join(report))
    sys.exit(0 if all(ok for _, ok in checks) else 1)


if __name__ == "__main__":
    main()
