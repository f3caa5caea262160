"""Measures four concurrent /sleep?ms=1000 requests on 03-multithreaded and writes timeline.json.

Runs the release binary twice, with --threads 1 and with the default pool of 4, sends four
requests at once to each, and records when each request started and when its answer ended,
in seconds since the four were released together. draw_timeline.py turns the JSON into
book/src/images/timeline.svg.

Run from anywhere: python3 book/images-src/measure_timeline.py
"""

import json
import platform
import signal
import socket
import subprocess
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "target" / "release" / "03-multithreaded"
OUTPUT = Path(__file__).resolve().parent / "timeline.json"
REQUESTS = 4
SLEEP_MS = 1000


def start_server(threads):
    """Starts the server on a free port and returns (process, port)."""
    args = [str(BINARY), "--port", "0"] + (["--threads", str(threads)] if threads else [])
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    first_line = process.stdout.readline()  # listening on http://127.0.0.1:PORT/
    return process, int(first_line.rstrip().rstrip("/").rsplit(":", 1)[1])


def fetch(port, release, t0, record):
    """Waits for the common start signal, sends one request, reads the whole answer."""
    release.wait()
    start = time.perf_counter() - t0[0]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(f"GET /sleep?ms={SLEEP_MS} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
    end = time.perf_counter() - t0[0]
    status = answer.split(b" ", 2)[1].decode()
    record.update(start=round(start, 4), end=round(end, 4), status=status)


def measure(threads):
    """Four requests at once against a server with `threads` workers (None: the default)."""
    process, port = start_server(threads)
    try:
        records = [{"request": i + 1} for i in range(REQUESTS)]
        release, t0 = threading.Event(), [0.0]
        workers = [threading.Thread(target=fetch, args=(port, release, t0, record))
                   for record in records]
        for worker in workers:
            worker.start()
        t0[0] = time.perf_counter()
        release.set()
        for worker in workers:
            worker.join()
    finally:
        process.send_signal(signal.SIGINT)  # the server's graceful stop, as Ctrl-C would
        process.wait(timeout=10)
    records.sort(key=lambda record: record["end"])
    flag = f"--threads {threads}" if threads else "no --threads (the default pool)"
    total = max(record["end"] for record in records)
    return {"threads": threads or 4, "flag": flag, "requests": records, "total": total}


def main():
    build = ["cargo", "build", "--release", "--bin", "03-multithreaded"]
    subprocess.run(build, cwd=ROOT, check=True)
    runs = [measure(1), measure(None)]
    result = {
        "what": f"{REQUESTS} concurrent GET /sleep?ms={SLEEP_MS} on target/release/03-multithreaded",
        "unit": "seconds since the requests were released together",
        "measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.system()} {platform.machine()}, {platform.python_implementation()} "
                   f"{platform.python_version()} client",
        "runs": runs,
    }
    OUTPUT.write_text(json.dumps(result, indent=2) + "\n")
    for run in runs:
        ends = ", ".join(f"{record['end']:.3f}" for record in run["requests"])
        print(f"threads={run['threads']}: ends at {ends} s; total {run['total']:.3f} s")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
