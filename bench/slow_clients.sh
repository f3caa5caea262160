#!/usr/bin/env bash
# The two slow-client attacks of chapter 7 against the servers of chapters 5, 6 and 7, each
# with its defaults (4 workers): how long a normal client waits while they run, whether the
# attackers are cut off, and the server's peak memory. Run it from anywhere:
#   bash bench/slow_clients.sh
# It prints the table and writes it, with the machine and the commands, to
# bench/results/slow-clients.md. About four minutes; loopback only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source bench/lib.sh
RESULTS=${BENCH_RESULTS:-bench/results/slow-clients.md}
SECONDS_EACH=${SLOW_SECONDS:-15}

SERVERS=(
    "05-keep-alive (a thread per connection, pool of 4)|target/release/05-keep-alive --quiet"
    "06-readiness (reactor, 4 workers)|target/release/06-readiness --quiet"
    "07-hardened (reactor, never blocks, 4 workers)|target/release/07-hardened --quiet --threads 4"
)
ATTACKS=(slow-body slow-reader)


note "building the chapter servers (release)"
cargo build --release --quiet --bin 05-keep-alive --bin 06-readiness --bin 07-hardened

# Starts a server on a free port; sets PID and PORT.
rows=()
for entry in "${SERVERS[@]}"; do
    name=${entry%%|*}
    command=${entry#*|}
    for attack in "${ATTACKS[@]}"; do
        note "$name: $attack"
        start_server "$command"
        report=$(python3 bench/slow_clients.py "$attack" --port "$PORT" --pid "$PID" \
            --seconds "$SECONDS_EACH")
        stop_server
        echo "$report" >&2
        rows+=("| $name | $attack | $(sed -n 's/^cells: //p' <<<"$report") |")
    done
done

{
    echo "# Slow clients against the chapter servers"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(uname -sr)), by \`bash bench/slow_clients.sh\`:"
    echo "each attack runs $SECONDS_EACH s with 8 attacking connections, while a normal client"
    echo "asks for \`GET /\` on a new connection four times a second (patience 30 s)."
    echo "slow-body: \`POST /echo\` announcing 100,000 bytes, then a byte a second."
    echo "slow-reader: 20,000 pipelined \`GET /environ\` per connection, never read."
    echo
    echo "<!-- ANCHOR: table -->"
    echo "| server | attack | normal GETs answered | not answered | worst wait | median wait | attackers cut off | peak RSS |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${rows[@]}"
    echo "<!-- ANCHOR_END: table -->"
} | tee "$RESULTS"
