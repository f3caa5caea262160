#!/usr/bin/env bash
# A handler that waits 20 ms (`/sleep?ms=20`, standing for a database call) on a fixed pool of
# 4 workers, on the pool that grows (chapter 7's default, up to --max-threads 256), and on a
# new thread per connection (chapter 3's --spawn). The ideal is connections / 20 ms.
# Run it from anywhere:   bash bench/elastic.sh
# It prints a table and writes it to bench/results/elastic.md. About two minutes.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source bench/lib.sh
RESULTS=${BENCH_RESULTS:-bench/results/elastic.md}
ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-5s}
CONNECTIONS=(16 256)
SERVERS=(
    "\`07-hardened --threads 4 --max-threads 4\` (a fixed pool of 4)|target/release/07-hardened --quiet --threads 4 --max-threads 4"
    "\`07-hardened --threads 4\` (grows from 4 to 256)|target/release/07-hardened --quiet --threads 4"
    "\`03-multithreaded --spawn\` (a thread per connection)|target/release/03-multithreaded --spawn"
)

need_wrk
note "cargo build --release"
cargo build --release --quiet --bin 07-hardened --bin 03-multithreaded
# Enough file descriptors for 256 connections on both sides, in this shell only.
ulimit -n 4096 2>/dev/null || true
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for round in $(seq "$ROUNDS"); do
    for step in "${!SERVERS[@]}"; do
        index=$(( (step + round - 1) % ${#SERVERS[@]} ))
        command=${SERVERS[$index]#*|}
        note "round $round: $command"
        start_server "$command"
        for connections in "${CONNECTIONS[@]}"; do
            report=$(timeout 60 wrk -t 2 -c "$connections" -d "$DURATION" --latency \
                "http://127.0.0.1:$PORT/sleep?ms=20" || true)
            awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }' <<<"$report" >>"$WORK/rate.$index.$connections"
            awk '$1 == "99%" { print $2 }' <<<"$report" >>"$WORK/p99.$index.$connections"
        done
        stop_server
    done
done

{
    echo "# A handler that waits 20 ms"
    echo
    echo "Made by \`bash bench/elastic.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores,"
    echo "$(uname -sr); \`wrk -t 2 -c N -d $DURATION --latency http://127.0.0.1:PORT/sleep?ms=20\`,"
    echo "$ROUNDS interleaved rounds (each starting one server further on), medians with min-max."
    echo "The ideal is N / 20 ms: 800 requests/s for 16 connections, 12,800 for 256."
    echo
    echo "<!-- ANCHOR: table -->"
    echo "| server | connections | req/s (median) | req/s (min-max) | p99 (median) |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    for index in "${!SERVERS[@]}"; do
        for connections in "${CONNECTIONS[@]}"; do
            rates="$WORK/rate.$index.$connections"
            spread=$(sort -g "$rates" | sed -n '1p;$p' | paste -sd'-' -)
            echo "| ${SERVERS[$index]%%|*} | $connections | $(median <"$rates") | $spread | $(sort -V "$WORK/p99.$index.$connections" | sed -n "$(( (ROUNDS + 1) / 2 ))p") |"
        done
    done
    echo "<!-- ANCHOR_END: table -->"
} | tee "$RESULTS"
