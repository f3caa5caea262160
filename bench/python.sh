#!/usr/bin/env bash
# Chapter 9's benchmark: the same Python applications on 09-python and on Python's servers.
# Run it from anywhere:   bash bench/python.sh
# It installs what it needs into a virtualenv in the build directory, measures in interleaved
# rounds, prints a Markdown table and writes it, with the commands, to bench/results/python.md.
# See bench/README.md, "Chapter 9", for what is measured.
set -euo pipefail

ROUNDS=${BENCH_ROUNDS:-3}    # every server is measured once per round; the table gives medians
ONLY=${BENCH_ONLY:-.}        # only the servers whose name matches this extended regular expression
DURATION=5s
WARMUP=1s
THREADS=2                    # wrk's threads
CONNECTIONS=(16 64)          # wrk's -c values, every connection kept alive when the server allows
APPS=("hello:application|/|hello" "flask_app:app|/|Flask")   # in python/apps: "MODULE:CALLABLE|path|label"
# The second pass gives the load generator a CPU of its own: the servers that run as one
# process on CPU 0, and one wrk thread on CPU 1. Sharing both CPUs, a fast server takes time
# from wrk, and the p99 wrk reports is then partly wrk's own wait for a CPU.
PINNED='^(09-python \(1 worker|09-python, libpython|granian|bjoern)'
PYTHON=${PYO3_PYTHON:-/usr/bin/python3}          # the Python 09-python is built against

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source bench/lib.sh
RESULTS=${BENCH_RESULTS:-bench/results/python.md}

# --- Tools, the build and the virtualenv ------------------------------------------------------
need_wrk
TARGET=$(target_dir)
note "cargo build --release -p socket-to-wsgi-python (against $PYTHON)"
PYO3_PYTHON=$PYTHON cargo build --release -p socket-to-wsgi-python >&2
VENV="$TARGET/bench-venv"
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/pip" install --quiet flask gunicorn waitress granian >&2
# bjoern is a C extension on libev: measured if it installs, left out if not.
if ! "$VENV/bin/python" -c 'import bjoern' 2>/dev/null; then
    if [[ ! -e /usr/include/ev.h ]] && [[ "$(id -u)" -eq 0 ]]; then
        apt-get install -y libev-dev >&2 || true
    fi
    "$VENV/bin/pip" install --quiet bjoern >&2 || note "bjoern did not install; it is left out"
fi
export VIRTUAL_ENV=$VENV PATH="$VENV/bin:$PATH"

# A second 09-python with libpython linked into the binary, where this Python ships its static
# library: chapter 9 measures what calling Python through the shared library costs.
STATIC_BINARY=$(PYO3_PYTHON=$PYTHON bash python/build-static.sh) || {
    STATIC_BINARY=""
    note "the statically linked 09-python is left out"
}
VERSIONS=$("$VENV/bin/pip" list 2>/dev/null | grep -iE '^(flask|gunicorn|waitress|granian|bjoern) ' | awk '{ printf "%s %s, ", $1, $2 }')

# The servers: "name|command", the command with MODULE and PORT to fill in, run in python/apps.
SERVERS=(
    "09-python (1 worker, growing)|$TARGET/release/09-python MODULE --quiet --host 127.0.0.1 --port PORT"
    "09-python, 4 workers, fixed|$TARGET/release/09-python MODULE --quiet --threads 4 --max-threads 4 --host 127.0.0.1 --port PORT"
    "09-python \`--attach-per-request\`, 4 workers|$TARGET/release/09-python MODULE --quiet --attach-per-request --threads 4 --max-threads 4 --host 127.0.0.1 --port PORT"
    "gunicorn sync \`-w 2\`|gunicorn --no-control-socket -w 2 -b 127.0.0.1:PORT MODULE"
    "gunicorn gthread \`-w 2 --threads 4\`|gunicorn --no-control-socket -k gthread -w 2 --threads 4 -b 127.0.0.1:PORT MODULE"
    "waitress (4 threads)|waitress-serve --listen=127.0.0.1:PORT MODULE"
    "granian \`--interface wsgi\`|granian --interface wsgi --host 127.0.0.1 --port PORT MODULE"
)
if [[ -n "$STATIC_BINARY" ]]; then
    SERVERS+=("09-python, libpython linked statically|$STATIC_BINARY MODULE --quiet --host 127.0.0.1 --port PORT")
fi
if "$VENV/bin/python" -c 'import bjoern' 2>/dev/null; then
    SERVERS+=("bjoern (one thread)|python ../../bench/bjoern_run.py MODULE PORT")
fi

# --- Helpers ----------------------------------------------------------------------------------
PID=""
cleanup() { [[ -n "$PID" ]] && { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }; true; }
trap cleanup EXIT
trap 'exit 130' INT TERM


# start COMMAND MODULE: starts a server in python/apps and waits until it answers (10 s at most).
# ON_CPU, when set, is the CPU it is pinned to.
ON_CPU=""
start() {
    PORT=$(free_port)
    local command=${1//MODULE/$2}
    command=${command//PORT/$PORT}
    [[ -n "$ON_CPU" ]] && command="taskset -c $ON_CPU $command"
    # shellcheck disable=SC2086 # a list of words on purpose
    (cd python/apps && exec $command >/dev/null 2>&1) &
    PID=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0
        sleep 0.1
    done
    note "did not answer: $command"
    return 1
}
stop() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; }

to_ms() {  # wrk's latency ("850.00us", "2.10ms", "1.02s") in milliseconds
    awk '{ v = $1 + 0; if ($1 ~ /us$/) v /= 1000; else if ($1 ~ /s$/ && $1 !~ /ms$/) v *= 1000; printf "%.2f", v }'
}

# --- Run --------------------------------------------------------------------------------------
declare -A RPS P99
# measure PASS WRK...: every round, each server whose name matches ONLY (and, pinned, PINNED),
# loaded by the wrk command given; results under PASS.
measure() {
    local pass=$1 round entry name command app module path url connections report key errors
    shift
    for round in $(seq "$ROUNDS"); do
        for entry in "${SERVERS[@]}"; do
            IFS='|' read -r name command <<<"$entry"
            [[ "$name" =~ $ONLY ]] || continue
            [[ "$pass" == shared || "$name" =~ $PINNED ]] || continue
            for app in "${APPS[@]}"; do
                IFS='|' read -r module path _ <<<"$app"
                note "$pass, round $round of $ROUNDS: $name, $module"
                start "$command" "$module" || { stop; continue; }
                url="http://127.0.0.1:$PORT$path"
                "$@" -c 16 -d "$WARMUP" "$url" >/dev/null 2>&1 || true
                for connections in "${CONNECTIONS[@]}"; do
                    report=$("$@" -c "$connections" -d "$DURATION" --latency "$url" 2>&1 || true)
                    key="$pass|$name|$module|$connections"
                    RPS[$key]+="$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$report") "
                    P99[$key]+="$(awk '$1 == "99%" { print $2 }' <<<"$report" | to_ms) "
                    errors=$(awk '/Socket errors:|Non-2xx/' <<<"$report")
                    [[ -n "$errors" ]] && note "$name, $module, $connections: $errors"
                done
                stop
            done
        done
    done
}

# table PASS: the medians of one pass as Markdown: a row for each server measured, and for
# each application and connection count a column of requests/s and one of p99.
table() {
    local app module connections entry name key header rule row measured
    header="| server |"
    rule="| --- |"
    for app in "${APPS[@]}"; do
        for connections in "${CONNECTIONS[@]}"; do
            header+=" ${app##*|}, $connections | p99 |"
            rule+=" ---: | ---: |"
        done
    done
    printf '%s\n%s\n' "$header" "$rule"
    for entry in "${SERVERS[@]}"; do
        name=${entry%%|*}
        row="| $name |"
        measured=no
        for app in "${APPS[@]}"; do
            module=${app%%|*}
            for connections in "${CONNECTIONS[@]}"; do
                key="$1|$name|$module|$connections"
                if [[ -n "${RPS[$key]:-}" ]]; then
                    measured=yes
                    row+=" $(middle "${RPS[$key]}" | thousands) | $(middle "${P99[$key]}") ms |"
                else
                    row+=" | |"
                fi
            done
        done
        [[ "$measured" == no ]] || echo "$row"
    done
}
# thousands: the number on stdin with a comma between each group of three digits.
thousands() { awk '{ n = $1; s = ""; while (length(n) > 3) { s = "," substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) }; print n s }'; }

# A build or another benchmark still running would share the machine with every round.
wait_for_quiet
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
measure shared wrk -t "$THREADS"
PINNING=no
if [[ $(nproc) -ge 2 ]] && command -v taskset >/dev/null; then
    PINNING=yes
    ON_CPU=0
    measure pinned taskset -c 1 wrk -t 1
    ON_CPU=""
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

{
    echo "# Chapter 9: Python applications, served by 09-python and by Python's servers"
    echo
    echo "Made by \`bash bench/python.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'): $ROUNDS interleaved rounds of"
    echo "\`wrk -t $THREADS -c N -d $DURATION --latency\`, keep-alive wherever the server allows it."
    echo "Machine: $(nproc) cores, $(uname -sr); load average before $LOAD_BEFORE, after $LOAD_AFTER"
    echo "(the servers' threads and wrk's count in it); $QUIET."
    echo "Python: $("$PYTHON" -c 'import sys; print(sys.version.split()[0])'); ${VERSIONS%, }."
    [[ "$ONLY" == "." ]] || echo "Only the servers matching \`BENCH_ONLY='$ONLY'\`."
    echo
    echo "<!-- ANCHOR: table -->"
    table shared
    echo "<!-- ANCHOR_END: table -->"
    echo
    if [[ "$PINNING" == yes ]]; then
        echo "Pinned: each server that runs as one process on CPU 0 (\`taskset -c 0\`), loaded by"
        echo "\`taskset -c 1 wrk -t 1 -c N -d $DURATION --latency\` on CPU 1, in $ROUNDS further round(s)."
        echo
        echo "<!-- ANCHOR: pinned -->"
        table pinned
        echo "<!-- ANCHOR_END: pinned -->"
        echo
    fi
    echo "Commands (MODULE is \`hello:application\` or \`flask_app:app\`, run in \`python/apps\`):"
    echo
    echo "<!-- ANCHOR: commands -->"
    for entry in "${SERVERS[@]}"; do
        [[ "${entry%%|*}" =~ $ONLY ]] || continue
        shown=${entry#*|}
        echo "- ${entry%%|*}: \`${shown//$TARGET/\$TARGET}\`"
    done
    echo "<!-- ANCHOR_END: commands -->"
    if [[ -n "$STATIC_BINARY" ]]; then
        echo
        echo "The statically linked binary is built by \`bash python/build-static.sh\`."
    fi
} >"$RESULTS"
cat "$RESULTS"
