#!/usr/bin/env bash
# Chapter 10's benchmark: 1, 2 and 4 worker processes, for the Rust demo (10-production) and
# for a CPU-bound Python application (09-python, python/apps/workers.py: about 1 ms of pure
# Python a request). Run it from anywhere:   bash bench/workers.sh
# Every configuration is measured once per round, the rounds interleaved so that a slow
# moment of the machine does not fall on one configuration only; the table gives medians.
# It prints the table and writes it, with the machine and the commands, to
# bench/results/workers.md.
set -euo pipefail

ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-5s}
WARMUP=1s
WORKERS=(1 2 4)
PYTHON=${PYO3_PYTHON:-/usr/bin/python3}   # the Python 09-python is built against

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source bench/lib.sh
RESULTS=${BENCH_RESULTS:-bench/results/workers.md}

need_wrk
TARGET=$(target_dir)
note "cargo build --release (10-production, and 09-python against $PYTHON)"
cargo build --release --bin 10-production >&2
PYO3_PYTHON=$PYTHON cargo build --release -p socket-to-wsgi-python >&2

# The configurations: "name|command|path", PORT and COUNT to fill in; run in python/apps.
APPS=(
    "Rust demo (10-production)|$TARGET/release/10-production --quiet --port PORT --workers COUNT --threads 4|/demo/hello/x"
    "CPU-bound Python (09-python workers:application)|$TARGET/release/09-python workers:application --quiet --port PORT --workers COUNT --threads 4 --max-threads 4|/"
)

PID=""
cleanup() { [[ -n "$PID" ]] && { kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }; true; }
trap cleanup EXIT
trap 'exit 130' INT TERM


# start COMMAND PATH: starts a server and waits until it answers (20 s at most).
start() {
    PORT=$(free_port)
    local command=${1//PORT/$PORT}
    # shellcheck disable=SC2086 # a list of words on purpose
    (cd python/apps && exec $command >/dev/null 2>&1) &
    PID=$!
    for _ in $(seq 200); do
        curl -s -o /dev/null "http://127.0.0.1:$PORT$2" && return 0
        sleep 0.1
    done
    note "did not answer: $command"
    return 1
}
# SIGTERM stops the master and its workers gracefully.
stop() { kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; }

wait_for_quiet
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A RPS
for round in $(seq "$ROUNDS"); do
    for app in "${APPS[@]}"; do
        IFS='|' read -r name command path <<<"$app"
        for workers in "${WORKERS[@]}"; do
            note "round $round of $ROUNDS: $name, --workers $workers"
            start "${command//COUNT/$workers}" "$path" || { stop; continue; }
            url="http://127.0.0.1:$PORT$path"
            wrk -t1 -c16 -d "$WARMUP" "$url" >/dev/null 2>&1 || true
            report=$(wrk -t1 -c16 -d "$DURATION" "$url" 2>&1 || true)
            RPS["$name|$workers"]+="$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$report") "
            errors=$(awk '/Socket errors:|Non-2xx/' <<<"$report")
            [[ -n "$errors" ]] && note "$name, --workers $workers: $errors"
            stop
        done
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

TABLE="| application | \`--workers\` | req/s (median) | req/s (each round) |
| --- | ---: | ---: | --- |"
for app in "${APPS[@]}"; do
    name=${app%%|*}
    for workers in "${WORKERS[@]}"; do
        runs=${RPS["$name|$workers"]:-}
        best=$(middle "$runs" || true)
        TABLE+="
| $name | $workers | ${best:-n/a} | ${runs% } |"
    done
done
echo "$TABLE"

{
    echo "# Worker processes (chapter 10)"
    echo
    echo "Made by \`bash bench/workers.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Numbers from one"
    echo "machine on one day: compare the rows with each other, not with other machines."
    echo
    echo "## Machine"
    echo
    echo "- CPUs (nproc): $(nproc)"
    echo "- CPU model: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "- Kernel: $(uname -sr)"
    echo "- wrk: $(wrk -v 2>&1 | head -1 | awk '{ print $2 }'), rustc: $(rustc --version | awk '{ print $2 }'), Python: $("$PYTHON" -c 'import platform; print(platform.python_version())')"
    echo "- wrk and the servers run on the same machine, over loopback, sharing its CPUs."
    echo "- Load average (1, 5, 15 minutes) before the runs: $LOAD_BEFORE; after: $LOAD_AFTER; $QUIET."
    echo
    echo "## What was run"
    echo
    echo "- Each configuration: \`wrk -t1 -c16 -d$DURATION URL\` after a ${WARMUP} warm-up, $ROUNDS round(s),"
    echo "  interleaved; every worker process has 4 threads."
    for app in "${APPS[@]}"; do
        IFS='|' read -r name command path <<<"$app"
        echo "- $name: \`${command//$TARGET/target}\`, URL path \`$path\`."
    done
    echo
    echo "## Results"
    echo
    # The book's chapter 10 includes the table by this anchor.
    echo "<!-- ANCHOR: table -->"
    echo "$TABLE"
    echo "<!-- ANCHOR_END: table -->"
} >"$RESULTS"
note "written to $RESULTS"
