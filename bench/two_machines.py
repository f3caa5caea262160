#!/usr/bin/env python3
"""Two machines behind nginx, and one of them stopped and started again under load
(chapter 10).

    cargo build --release --bin 08-framework
    python3 bench/two_machines.py                 # 12 s: A stopped at 4 s, back at 8 s
    python3 bench/two_machines.py --seconds 30 --down-at 10 --up-at 20
    python3 bench/two_machines.py --no-retry      # the same without nginx's retries

Two instances of `08-framework` listen on 127.0.0.2 and 127.0.0.3 (two addresses of this
machine, standing in for two machines); nginx, with deploy/nginx/two-machines.conf.template,
shares GETs between them and retries one that fails on the other instance. Client threads
send GETs through nginx, each on a keep-alive connection, for a bounded time and a bounded
number of requests. Instance A is killed (SIGKILL, as a machine that loses power) and
started again on the same address. The report counts requests and failures, and gives the
latency percentiles before, during and after the outage; it goes to
bench/results/two-machines.md. Only the standard library and the loopback addresses are
used. nginx must be installed (`apt-get install -y nginx`).
"""

import argparse
import http.client
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy" / "nginx"
MACHINE_A, MACHINE_B, NGINX = "127.0.0.2", "127.0.0.3", "127.0.0.1"


def free_port(ip):
    with socket.socket() as sock:
        sock.bind((ip, 0))
        return sock.getsockname()[1]


def target_dir():
    """Where cargo puts the binaries: CARGO_TARGET_DIR, or the repository's target/."""
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def find_nginx():
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.path.exists(p)), None
    )
    if not found:
        sys.exit("two_machines: nginx is not installed; on Debian or Ubuntu: apt-get install -y nginx")
    return found


# --- the servers and nginx ---------------------------------------------------------------


def start_server(binary, ip, port):
    """Starts 08-framework on ip:port and waits for its first line."""
    process = subprocess.Popen(
        [str(binary), "--quiet", "--host", ip, "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    line = process.stdout.readline()
    if not line.startswith("listening on http://"):
        sys.exit(f"two_machines: {binary} said {line!r} instead of its address")
    return process


def render(template, values):
    """A template's ${NAME}s filled in; nginx's own $variables have no braces."""
    text = (DEPLOY / template).read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return text


def start_nginx(folder, values, listen, retry):
    for name in ("nginx.conf", "forwarded.conf"):
        shutil.copy(DEPLOY / name, folder / name)
    site = render("two-machines.conf.template", values)
    if not retry:
        retries = "proxy_next_upstream error timeout;"
        assert retries in site, "the template no longer says " + retries
        site = site.replace(retries, "proxy_next_upstream off;")
    (folder / "site.conf").write_text(site)
    (folder / "tmp").mkdir()
    command = [find_nginx(), "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", "stderr"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    give_up = time.monotonic() + 30
    while time.monotonic() < give_up:
        try:
            socket.create_connection(listen, timeout=1).close()
            return process, command
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.02)
    sys.exit(f"two_machines: nginx did not start; see {folder / 'error.log'}")


# --- the load ----------------------------------------------------------------------------


def client(listen, stop, deadline, budget, records, lock):
    """GETs on one keep-alive connection, a new one after a failure. Each record is
    (start, seconds, ok, detail)."""
    connection = None
    while not stop.is_set() and time.monotonic() < deadline:
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        started = time.monotonic()
        try:
            if connection is None:
                connection = http.client.HTTPConnection(*listen, timeout=10)
            connection.request("GET", "/demo/hello/bench")
            response = connection.getresponse()
            body = response.read()
            ok, detail = response.status == 200 and body == b"Hello, bench!\n", str(response.status)
        except (OSError, http.client.HTTPException) as error:
            ok, detail = False, type(error).__name__
            connection.close()
            connection = None
        records.append((started, time.monotonic() - started, ok, detail))


def percentile(latencies, fraction):
    if not latencies:
        return float("nan")
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(name, records):
    latencies = [seconds for _, seconds, _, _ in records]
    failures = sum(1 for _, _, ok, _ in records if not ok)
    ms = lambda seconds: f"{seconds * 1000:.1f}"
    return (
        f"| {name} | {len(records):,} | {failures} | {ms(percentile(latencies, 0.5))} "
        f"| {ms(percentile(latencies, 0.99))} | {ms(max(latencies, default=float('nan')))} |"
    )


def machine():
    cpu = next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
        platform.processor() or "unknown",
    )
    nginx = subprocess.run([find_nginx(), "-v"], capture_output=True, text=True).stderr.strip()
    return [
        f"- CPU: {os.cpu_count()} logical CPUs, {cpu}",
        f"- Kernel: {platform.system()} {platform.release()}",
        f"- {nginx}; Python {platform.python_version()} for the clients",
        "- The clients, nginx and both servers share this machine's CPUs, over loopback.",
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=12.0, help="how long the load runs")
    parser.add_argument("--down-at", type=float, default=4.0, help="when A is killed (s)")
    parser.add_argument("--up-at", type=float, default=8.0, help="when A is started again (s)")
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument("--max-requests", type=int, default=500_000, help="at most this many")
    parser.add_argument("--no-retry", action="store_true", help="proxy_next_upstream off, for comparison")
    parser.add_argument("--output", default=None, help="default: bench/results/two-machines.md")
    options = parser.parse_args()
    binary = target_dir() / "release" / "08-framework"
    if not binary.exists():
        sys.exit(f"two_machines: {binary} is missing; build it first: cargo build --release --bin 08-framework")

    port_a, port_b, port_nginx = free_port(MACHINE_A), free_port(MACHINE_B), free_port(NGINX)
    folder = Path(tempfile.mkdtemp(prefix="two-machines-"))
    listen = (NGINX, port_nginx)
    values = {
        "LISTEN": f"{NGINX}:{port_nginx}",
        "MACHINE_A": f"{MACHINE_A}:{port_a}",
        "MACHINE_B": f"{MACHINE_B}:{port_b}",
    }
    servers = {"A": start_server(binary, MACHINE_A, port_a), "B": start_server(binary, MACHINE_B, port_b)}
    nginx, nginx_command = start_nginx(folder, values, listen, retry=not options.no_retry)
    nginx_command = [part.replace(str(folder), "DIR") for part in nginx_command]
    stop, lock, budget, records = threading.Event(), threading.Lock(), [options.max_requests], []
    began = time.monotonic()
    deadline = began + options.seconds
    threads = [
        threading.Thread(target=client, args=(listen, stop, deadline, budget, records, lock))
        for _ in range(options.clients)
    ]
    try:
        for thread in threads:
            thread.start()
        time.sleep(max(0.0, began + options.down_at - time.monotonic()))
        servers["A"].send_signal(signal.SIGKILL)
        servers["A"].wait()
        down = time.monotonic()
        time.sleep(max(0.0, began + options.up_at - time.monotonic()))
        servers["A"] = start_server(binary, MACHINE_A, port_a)
        up = time.monotonic()
        for thread in threads:
            thread.join(timeout=options.seconds + 30)
        stop.set()
    finally:
        stop.set()
        for process in [nginx, *servers.values()]:
            process.terminate()
        for process in [nginx, *servers.values()]:
            process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)

    before = [r for r in records if r[0] < down]
    during = [r for r in records if down <= r[0] < up]
    after = [r for r in records if r[0] >= up]
    elapsed = max((start + seconds for start, seconds, _, _ in records), default=began) - began
    details = sorted({detail for _, _, ok, detail in records if not ok})
    command = " ".join(["python3 bench/two_machines.py", *sys.argv[1:]])
    lines = [
        "# Two machines behind nginx, one stopped and started again",
        "",
        f"`{command}` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}: two `08-framework` "
        f"instances (release build, 4 worker threads each) on {MACHINE_A} and {MACHINE_B} behind "
        f"nginx (`deploy/nginx/two-machines.conf.template`), {options.clients} client threads "
        f"with a keep-alive connection each to nginx, `GET /demo/hello/bench`. Instance A was "
        f"killed (SIGKILL) at {down - began:.1f} s and started again at {up - began:.1f} s; "
        f"the load ran {elapsed:.1f} s.",
        "",
        # The book's chapter 10 includes the table by this anchor.
        "<!-- ANCHOR: table -->",
        "| requests started | requests | failed | p50 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        summary("before the outage (A and B)", before),
        summary("during the outage (B alone)", during),
        summary("after A is back", after),
        summary("all", records),
        "",
        f"Throughput over the whole run: {len(records) / max(elapsed, 1e-9):,.0f} requests/s.",
        f"Failures by kind: {', '.join(details) if details else 'none'}.",
        "<!-- ANCHOR_END: table -->",
        "",
        "The Python clients are what limits the rate here (one machine, 2 CPUs shared by all):",
        "the figures are about failures and latency through an outage, not about speed, which",
        "bench/run.sh measures. \"Requests started\" sorts each request by when it was sent.",
        "",
        "The machine:",
        "",
        *machine(),
        f"- nginx command: `{' '.join(nginx_command)}`",
        "",
    ]
    if options.no_retry:
        lines[2:2] = ["**Without retries**: `proxy_next_upstream off`, for comparison.", ""]
    report = "\n".join(lines)
    default = "two-machines-no-retry.md" if options.no_retry else "two-machines.md"
    Path(options.output or ROOT / "bench/results" / default).write_text(report)
    print(report)
    failed = sum(1 for _, _, ok, _ in records if not ok)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
