#!/usr/bin/env bash
# 64 busy keep-alive connections beside 0, 1,000 and 10,000 idle ones, on chapter 7's
# server and on hyper hello: requests/s and p99 of the busy ones, and the server's resident
# memory with the idle crowd in place. Run it from anywhere:   bash bench/connections.sh
# It prints a table and writes it to bench/results/connections.md. About two minutes.
# Each process needs 10,000 file descriptors and a few; the script says so if the limit is
# lower (`ulimit -n`), rather than raising it for you.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source bench/lib.sh
RESULTS=${BENCH_RESULTS:-bench/results/connections.md}
DURATION=${BENCH_DURATION:-5s}
CROWDS=(0 1000 10000)
SERVERS=(
    "\`07-hardened --quiet\`|target/release/07-hardened --quiet --idle-timeout 600 --max-connections 20000"
    "hyper hello (tokio, multi-thread)|bench/hyper-hello/target/release/hyper-hello"
)

if (( $(ulimit -n) < 10100 )); then
    note "this needs 10,100 open files per process; run \`ulimit -n 10100\` (or more) first"
    exit 1
fi
need_wrk
note "building"
cargo build --release --quiet --bin 07-hardened
cargo build --release --quiet --manifest-path bench/hyper-hello/Cargo.toml
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; kill $(jobs -p) 2>/dev/null || true' EXIT

rss_mib() { awk '/^VmRSS:/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$1/status"; }

rows=()
for entry in "${SERVERS[@]}"; do
    name=${entry%%|*}
    start_server "${entry#*|}"
    for crowd in "${CROWDS[@]}"; do
        note "$name: 64 busy connections beside $crowd idle ones"
        if (( crowd > 0 )); then
            # The crowd idles until its stdin (this fifo) closes, 120 s at the most.
            mkfifo "$WORK/hold"
            python3 bench/idle_crowd.py --port "$PORT" --count "$crowd" --seconds 120 \
                <"$WORK/hold" >"$WORK/crowd" 2>&1 &
            CROWD=$!
            exec 3>"$WORK/hold"
            for _ in $(seq 600); do
                grep -q '^ready' "$WORK/crowd" && break
                sleep 0.1
            done
            ready=$(sed -n 's/^ready //p' "$WORK/crowd")
        else
            ready=0
        fi
        sleep 2 # long enough for idle connections to shed their buffers
        memory=$(rss_mib "$PID")
        report=$(timeout 60 wrk -t 2 -c 64 -d "$DURATION" --latency "http://127.0.0.1:$PORT/hello" || true)
        rate=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$report")
        p99=$(awk '$1 == "99%" { print $2 }' <<<"$report")
        if (( crowd > 0 )); then
            exec 3>&-
            wait "$CROWD" || true
            rm -f "$WORK/hold"
            closed=$(sed -n 's/^closed by the server meanwhile: //p' "$WORK/crowd")
        else
            closed=0
        fi
        rows+=("| $name | $ready | ${closed:-?} | $rate | $p99 | $memory |")
    done
    stop_server
done

{
    echo "# Busy connections among idle ones"
    echo
    echo "Made by \`bash bench/connections.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores,"
    echo "$(uname -sr). Each idle connection asked for \`/hello\` once and then stayed open;"
    echo "then \`wrk -t 2 -c 64 -d $DURATION --latency /hello\` measured the busy ones. Memory is the"
    echo "server's resident set with the idle connections open, before wrk starts. One run each."
    echo
    echo "<!-- ANCHOR: table -->"
    echo "| server | idle connections | of them closed by the server | busy req/s | busy p99 | server RSS |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${rows[@]}"
    echo "<!-- ANCHOR_END: table -->"
} | tee "$RESULTS"
