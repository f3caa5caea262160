#!/usr/bin/env bash
# Benchmarks: our chapter servers next to a production Rust stack (hyper) and Python's.
# Run it from anywhere:   bash bench/run.sh
# It prints a Markdown table and writes it, with the machine and the exact commands, to
# bench/results/latest.md. See bench/README.md for what the numbers mean and what they don't.
set -euo pipefail

# The servers under test, one per line: "name|command|path".
#   name     what the table calls it
#   command  run from the repository root; the script adds `--host 127.0.0.1 --port 0` and reads
#            the real port from the first stdout line (`listening on http://127.0.0.1:PORT/`)
#   path     the URL path wrk requests
# An entry whose program or script file is missing is skipped with a note, so a line for a
# chapter that is not written yet does no harm. To add a server, add a line.
SERVERS=(
    "04-wsgi (demo app)|target/release/04-wsgi|/"
    "03-multithreaded (pool of 4)|target/release/03-multithreaded|/"
    "03-multithreaded --spawn|target/release/03-multithreaded --spawn|/"
    "02-single-threaded|target/release/02-single-threaded|/"
    "05-keep-alive (pool of 4, a connection per worker)|target/release/05-keep-alive --quiet|/"
    "06-readiness (reactor, 4 workers)|target/release/06-readiness --quiet|/"
    "07-hardened (demo app, keep-alive)|target/release/07-hardened|/"
    "07-hardened --quiet (no access log)|target/release/07-hardened --quiet|/"
    "07-hardened --quiet /hello (hyper's 40-byte page)|target/release/07-hardened --quiet|/hello"
    "08-framework --quiet (routed /demo/hello/NAME)|target/release/08-framework --quiet|/demo/hello/bench"
    "08-framework --quiet (a 1 MB static file)|target/release/08-framework --quiet --book @STATIC@|/one-megabyte.bin"
    "hyper hello (tokio, multi-thread)|bench/hyper-hello/target/release/hyper-hello|/"
    "Python ch02 (raw socket, one at a time)|python3 book/python/ch02_single_threaded.py|/"
    "Python wsgiref (ch04 demo app, threaded)|python3 book/python/ch04_wsgi.py|/"
)

# Extra servers for one run, in the same "name|command|path" form, one per line: to set an
# older build beside the current one, say (see README.md, "Comparing two builds").
if [[ -n "${BENCH_EXTRA:-}" ]]; then
    mapfile -t -O "${#SERVERS[@]}" SERVERS <<<"$BENCH_EXTRA"
fi
# Only the servers whose name matches this extended regular expression (all by default).
ONLY=${BENCH_ONLY:-.}

ROUNDS=${BENCH_ROUNDS:-3}  # every server is measured once per round; the table gives medians
DURATION=5s            # each measurement
WARMUP=1s              # one unrecorded run per server and round first
THREADS=2              # wrk's threads
CONNECTIONS=(16 64)    # wrk's -c values
MODES=(keep-alive close)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source bench/lib.sh
RESULTS=${BENCH_RESULTS:-bench/results/latest.md}

# Every server this script starts is killed on the way out, whatever the way out is.
PIDS=()
WORK=$(mktemp -d)
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The folder the static-file row serves (`@STATIC@` in its command): one file of 1 MiB.
STATIC="$WORK/static"
mkdir -p "$STATIC"
head -c 1048576 /dev/urandom >"$STATIC/one-megabyte.bin"
SERVERS=("${SERVERS[@]//@STATIC@/$STATIC}")

# --- Tools ------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    note "wrk is not installed; installing it with apt-get (needs root)"
    apt-get install -y wrk >&2 || { apt-get update >&2 && apt-get install -y wrk >&2; }
fi
for tool in curl python3 cargo; do
    command -v "$tool" >/dev/null || { note "$tool is needed but not installed"; exit 1; }
done

# --- Build ------------------------------------------------------------------------------------
BUILD_COMMANDS=(
    "cargo build --release"
    "cargo build --release --manifest-path bench/hyper-hello/Cargo.toml"
)
for command in "${BUILD_COMMANDS[@]}"; do
    note "$command"
    # shellcheck disable=SC2086 # split into words on purpose
    timeout 900 $command >&2
done
# Respect a custom target directory, as cargo does.
if [[ -n "${CARGO_TARGET_DIR:-}" ]]; then
    SERVERS=("${SERVERS[@]/|target\/release/|$CARGO_TARGET_DIR/release}")
    SERVERS=("${SERVERS[@]/|bench\/hyper-hello\/target\/release/|$CARGO_TARGET_DIR/release}")
fi

# --- Helpers ----------------------------------------------------------------------------------

# missing COMMAND: prints what is missing (the program, or a file named on the command line).
missing() {
    local words=($1)
    if [[ "${words[0]}" == */* ]]; then
        [[ -x "${words[0]}" ]] || { echo "${words[0]}"; return; }
    else
        command -v "${words[0]}" >/dev/null || { echo "${words[0]}"; return; }
    fi
    local word
    for word in "${words[@]:1}"; do
        if [[ "$word" == *.py ]] && [[ ! -f "$word" ]]; then
            echo "$word"
            return
        fi
    done
}

# start COMMAND: starts the server on a free loopback port, stderr to /dev/null (our servers
# log every request there), and sets PID and PORT. Gives up after 10 seconds.
start() {
    local out="$WORK/stdout.$RANDOM"
    # shellcheck disable=SC2086 # the command is a list of words on purpose
    $1 --host 127.0.0.1 --port 0 >"$out" 2>/dev/null &
    PID=$!
    PIDS+=("$PID")
    PORT=""
    for _ in $(seq 100); do
        PORT=$(sed -n '1s|^listening on http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$out")
        [[ -n "$PORT" ]] && return 0
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    note "the server did not print its address: $1"
    return 1
}

# stop: stops the server started last and waits for it to go.
stop() {
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
}

# wrk_args CONNECTIONS MODE: wrk's arguments for one measurement, one per line.
wrk_args() {
    printf '%s\n' -t "$THREADS" -c "$1" -d "$DURATION" --latency
    if [[ "$2" == close ]]; then printf '%s\n' -H "Connection: close"; fi
}

# The numbers in one wrk report: requests done, requests/sec, p99 latency, socket errors,
# non-2xx answers.
requests() { awk '/ requests in / { print $1 }' <<<"$1"; }
requests_per_sec() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$1"; }
p99() { awk '$1 == "99%" { print $2 }' <<<"$1"; }
socket_errors() {
    # "Socket errors: connect 0, read 12, write 0, timeout 0" -> "read 12"; no line -> 0
    awk -F'[:,] *' '/Socket errors:/ {
        for (i = 2; i <= NF; i++) {
            split($i, kv, " ")
            if (kv[2] > 0) out = out (out == "" ? "" : ", ") $i
        }
    } END { print (out == "" ? 0 : out) }' <<<"$1"
}
non_2xx() { awk '/Non-2xx or 3xx responses:/ { print $NF; found = 1 } END { if (!found) print 0 }' <<<"$1"; }

# --- Run --------------------------------------------------------------------------------------
# Anything else busy on the machine skews every number: wait for it to finish, and record
# what was found in the results file.
wait_for_quiet
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
TABLE="| server | mode | connections | requests | req/s (median) | req/s (min-max) | p99 latency (median) | socket errors | non-2xx |
| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |"
SERVED="| server | command | answer to GET | response bytes | keeps the connection |
| --- | --- | --- | ---: | --- |"
SKIPPED=()
COMMANDS=()

# The servers are measured in rounds, each round visiting every server once, so that a
# minute when the machine is busy with something else lands on all of them alike, not on
# one; every figure in the table is the median of the rounds.
RUNNING=()
for entry in "${SERVERS[@]}"; do
    IFS='|' read -r name command path <<<"$entry"
    [[ "$name" =~ $ONLY ]] || continue
    lack=$(missing "$command")
    if [[ -n "$lack" ]]; then
        note "skipping $name: $lack does not exist"
        SKIPPED+=("$name (\`$lack\` does not exist)")
        continue
    fi
    RUNNING+=("$entry")
done

for round in $(seq "$ROUNDS"); do
    # Each round starts one server further on, so no server is always first (on a machine
    # still warm from the build) or always right after the same neighbour.
    for step in "${!RUNNING[@]}"; do
        index=$(( (step + round - 1) % ${#RUNNING[@]} ))
        IFS='|' read -r name command path <<<"${RUNNING[$index]}"
        note "round $round of $ROUNDS: $name: $command"
        start "$command" || { note "$name did not start"; stop; continue; }
        url="http://127.0.0.1:$PORT$path"
        if ((round == 1)); then
            # What one response looks like, so the table can be read fairly: status line, size
            # on the wire (head and body), and whether the server keeps the connection for a
            # second request.
            if sizes=$(timeout 10 curl -s -D "$WORK/head" -o /dev/null \
                -w '%{size_header} %{size_download}' "$url"); then
                status=$(head -1 "$WORK/head" | tr -d '\r')
                bytes=$(( ${sizes% *} + ${sizes#* } ))
                # Two requests in one curl: the second makes no new connection if the first
                # was kept.
                connects=$(timeout 10 curl -s -o /dev/null -o /dev/null -w '%{num_connects}' "$url" "$url" || true)
                if [[ "$connects" == 10 ]]; then reuse=yes; else reuse=no; fi
                SERVED+=$'\n'"| $name | \`$command\` | $status | $bytes | $reuse |"
            else
                note "no answer from $name at $url"
            fi
        fi
        timeout 30 wrk -t "$THREADS" -c "${CONNECTIONS[0]}" -d "$WARMUP" "$url" >/dev/null || true
        for mode in "${MODES[@]}"; do
            for connections in "${CONNECTIONS[@]}"; do
                mapfile -t args < <(wrk_args "$connections" "$mode")
                shown="wrk ${args[*]} $url"
                COMMANDS+=("${shown/Connection: close/"'Connection: close'"}")
                report=$(timeout 60 wrk "${args[@]}" "$url" || true)
                printf '%s\n' "$report" >&2
                cell="$WORK/cell.$index.$mode.$connections"
                printf '%s\t%s\t%s\t%s\t%s\n' "$(requests "$report")" "$(requests_per_sec "$report")" \
                    "$(p99 "$report" | sed 's/us$/e-3ms/; s/ms$//; s/^\([0-9.]*\)s$/\1e3/')" \
                    "$(socket_errors "$report")" "$(non_2xx "$report")" >>"$cell"
            done
        done
        stop
    done
done

# One row per server, mode and connection count: the medians of requests/s and p99, the
# requests of all rounds together, and any socket errors or non-2xx answers seen in a round.
for index in "${!RUNNING[@]}"; do
    IFS='|' read -r name command path <<<"${RUNNING[$index]}"
    for mode in "${MODES[@]}"; do
        for connections in "${CONNECTIONS[@]}"; do
            cell="$WORK/cell.$index.$mode.$connections"
            [[ -f "$cell" ]] || continue
            total=$(awk -F'\t' '{ n += $1 } END { print n }' "$cell")
            rate=$(cut -f2 "$cell" | median)
            spread=$(cut -f2 "$cell" | sort -g | sed -n '1p;$p' | paste -sd'-' -)
            latency=$(cut -f3 "$cell" | median | awk '{ printf "%.2fms", $1 }')
            errors=$(cut -f4 "$cell" | { grep -v '^0$' || true; } | paste -sd';' - | sed 's/;/; /g')
            refused=$(awk -F'\t' '{ n += $5 } END { print n }' "$cell")
            TABLE+=$'\n'"| $name | $mode | $connections | $total | $rate | ${spread:-} | $latency | ${errors:-0} | $refused |"
        done
    done
done

# --- Report -----------------------------------------------------------------------------------
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
printf '\n%s\n' "$TABLE"

{
    echo "# Benchmark results"
    echo
    echo "Made by \`bash bench/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). Numbers from one"
    echo "machine on one day: compare the rows with each other, not with other machines."
    echo
    echo "## Machine"
    echo
    echo "- CPUs (nproc): $(nproc)"
    echo "- CPU model: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    echo "- Kernel: $(uname -sr)"
    echo "- wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}'), rustc: $(rustc --version | awk '{print $2}'), Python: $(python3 --version | awk '{print $2}')"
    echo "- wrk and the servers run on the same machine, over loopback, sharing its CPUs."
    echo "- Load average (1, 5, 15 minutes) before the runs: $LOAD_BEFORE; after: $LOAD_AFTER."
    echo "  The runs themselves keep both CPUs busy, so \"after\" is high; a high \"before\" means"
    echo "  something else was running too, or had just stopped: $QUIET."
    echo
    echo "## Servers"
    echo
    echo "$SERVED"
    if ((${#SKIPPED[@]})); then
        echo
        echo "Skipped:"
        for skipped in "${SKIPPED[@]}"; do echo "- $skipped"; done
    fi
    echo
    echo "## Results"
    echo
    echo "Each server was measured in $ROUNDS round(s), every round visiting every server in"
    echo "turn, each round starting one server further on; req/s and p99 latency are the"
    echo "medians of the rounds, with the lowest and highest req/s beside, requests the total of"
    echo "all rounds. keep-alive is wrk's default (HTTP/1.1, one connection reused); close sends"
    echo "\`Connection: close\`, so every request opens a new connection. The chapter 1-4"
    echo "servers close every connection after one answer, so for them wrk reconnects for every"
    echo "request in both modes. Socket errors are wrk's counts (connect, read, write, timeout)."
    echo
    echo "$TABLE"
    echo
    echo "## Commands"
    echo
    echo "Each server was started from the repository root with \`--host 127.0.0.1 --port 0\`"
    echo "added to its command, stderr sent to /dev/null; PORT below is the port it printed."
    echo "Each got one unrecorded \`wrk -t $THREADS -c ${CONNECTIONS[0]} -d $WARMUP\` warm-up run per round first."
    echo
    echo '```'
    for command in "${BUILD_COMMANDS[@]}"; do echo "$command"; done
    printf '%s\n' "${COMMANDS[@]}" | sed 's|http://127\.0\.0\.1:[0-9]*/|http://127.0.0.1:PORT/|' | sort -u
    echo '```'
} >"$RESULTS"
note "written to $RESULTS"
