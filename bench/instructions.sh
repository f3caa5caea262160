#!/usr/bin/env bash
# Chapter 9's instruction counts: what one request costs 09-python and bjoern, counted by
# valgrind's cachegrind rather than timed, so that a noisy machine cannot blur it.
# Run it from anywhere:   bash bench/instructions.sh     (about two minutes)
# It writes bench/results/instructions.md. See bench/README.md, "Counting instructions".
#
# Each server runs under cachegrind twice, answering FEW and then MANY requests on one
# keep-alive connection; the difference over MANY - FEW is one request, with start-up and
# shut-down cancelled out. Only user space is counted: the kernel's share (the socket calls)
# is not, and strace shows it no larger for 09-python than for bjoern. The Flask call alone is counted the same way, in a loop
# with no server, under python3 and inside both builds of 09-python.
set -euo pipefail

FEW=200
MANY=2200
PYTHON=${PYO3_PYTHON:-/usr/bin/python3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source bench/lib.sh
RESULTS=${BENCH_RESULTS:-bench/results/instructions.md}

if ! command -v valgrind >/dev/null; then
    apt-get install -y valgrind >&2
fi
TARGET=$(target_dir)
note "cargo build --release -p socket-to-wsgi-python (against $PYTHON)"
PYO3_PYTHON=$PYTHON cargo build --release -p socket-to-wsgi-python >&2
STATIC=$(PYO3_PYTHON=$PYTHON bash python/build-static.sh) || STATIC=""
VENV="$TARGET/bench-venv"
[[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet flask >&2
"$VENV/bin/python" -c 'import bjoern' 2>/dev/null || "$VENV/bin/pip" install --quiet bjoern >&2 ||
    note "bjoern did not install; it is left out"
export VIRTUAL_ENV=$VENV PATH="$VENV/bin:$PATH"
WORK=$(mktemp -d)
trap 'pkill -f "$WORK" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# per_request FEW_FILE MANY_FILE: instructions per request, in all and by where they run.
per_request() {
    "$PYTHON" - "$1" "$2" $((MANY - FEW)) <<'PY'
import sys

def count(path):
    totals, file = {}, ""
    for line in open(path):
        if line.startswith("fl="):
            file = line[3:].strip()
        elif line.startswith("fn="):
            function = line[3:].strip()
        elif line[:1].isdigit():
            if "::" in function or function.startswith(("<", "__rustc")):
                where = "rust"
            elif file.startswith("./"):  # glibc's sources, as Debian builds it
                where = "libc"
            else:
                where = "python"  # the interpreter, its modules, a C server's own code
            totals[where] = totals.get(where, 0) + int(line.split()[1])
    return totals

few, many, requests = count(sys.argv[1]), count(sys.argv[2]), int(sys.argv[3])
each = {where: (many.get(where, 0) - few.get(where, 0)) / requests for where in many}
cells = [sum(each.values())] + [each.get(where, 0) for where in ("rust", "libc", "python")]
print(" | ".join(f"{round(cell):,}" for cell in cells))
PY
}

# counted NAME COMMAND N: runs COMMAND (PORT filled in) under cachegrind and sends it N requests.
counted() {
    local port command
    port=$(free_port)
    command=${2//PORT/$port}
    # shellcheck disable=SC2086 # a list of words on purpose
    (cd python/apps && exec valgrind --tool=cachegrind --cache-sim=no \
        --cachegrind-out-file="$WORK/$1.$3" $command >/dev/null 2>"$WORK/$1.$3.log") &
    local server=$!
    for _ in $(seq 240); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && break
        sleep 0.5
    done
    "$PYTHON" - "$port" "$3" <<'PY'
import http.client, sys
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=120)
for _ in range(int(sys.argv[2])):
    connection.request("GET", "/")
    response = connection.getresponse()
    response.read()
    assert response.status == 200, response.status
PY
    kill -TERM "$server" 2>/dev/null || true
    pkill -TERM -f -- "--cachegrind-out-file=$WORK/$1.$3" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}

SERVERS=("09-python|$TARGET/release/09-python MODULE --quiet --threads 1 --max-threads 1 --host 127.0.0.1 --port PORT")
[[ -n "$STATIC" ]] && SERVERS+=("09-python, libpython linked statically|$STATIC MODULE --quiet --threads 1 --max-threads 1 --host 127.0.0.1 --port PORT")
"$VENV/bin/python" -c 'import bjoern' 2>/dev/null &&
    SERVERS+=("bjoern|$VENV/bin/python ../../bench/bjoern_run.py MODULE PORT")

TABLE="| server | application | instructions per request | in Rust | in libc | in Python (and a C server) |
| --- | --- | ---: | ---: | ---: | ---: |"
for entry in "${SERVERS[@]}"; do
    IFS='|' read -r name command <<<"$entry"
    for module in hello:application flask_app:app; do
        note "$name, $module"
        for n in "$FEW" "$MANY"; do counted "$name $module" "${command//MODULE/$module}" "$n"; done
        TABLE+=$'\n'"| $name | \`$module\` | $(per_request "$WORK/$name $module.$FEW" "$WORK/$name $module.$MANY") |"
    done
done

# The Flask call alone, LOOPS times at import: under python3, and inside each 09-python.
LOOP="| where the Flask call runs | instructions per call |
| --- | ---: |"
loop_once() {  # NAME N COMMAND...
    local name=$1 n=$2
    shift 2
    LOOPS=$n valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$WORK/loop $name.$n" \
        "$@" >/dev/null 2>&1 || true
}
for n in "$FEW" "$MANY"; do
    note "the Flask call $n times under python3"
    loop_once python3 "$n" "$VENV/bin/python" python/apps/flask_loop.py
done
LOOP+=$'\n'"| \`python3\` (Debian's executable) | $(per_request "$WORK/loop python3.$FEW" "$WORK/loop python3.$MANY" | cut -d'|' -f1 | xargs) |"
for entry in "${SERVERS[@]}"; do
    IFS='|' read -r name command <<<"$entry"
    [[ "$name" == 09-python* ]] || continue
    for n in "$FEW" "$MANY"; do
        note "the Flask call $n times inside $name"
        # The server starts, imports the module (which loops), answers once, and is stopped.
        LOOPS=$n counted "loop $name" "${command//MODULE/flask_loop:application}" 1
        mv "$WORK/loop $name.1" "$WORK/loop $name.$n"
    done
    LOOP+=$'\n'"| $name | $(per_request "$WORK/loop $name.$FEW" "$WORK/loop $name.$MANY" | cut -d'|' -f1 | xargs) |"
done

{
    echo "# Chapter 9: instructions per request"
    echo
    echo "Made by \`bash bench/instructions.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'): valgrind's cachegrind,"
    echo "user space only, ($MANY - $FEW requests) / $((MANY - FEW)) on one keep-alive connection, \`GET /\`."
    echo "Python: $("$PYTHON" -c 'import sys; print(sys.version.split()[0])'); $(valgrind --version)."
    echo
    echo "<!-- ANCHOR: requests -->"
    echo "$TABLE"
    echo "<!-- ANCHOR_END: requests -->"
    echo
    echo "The Flask call alone, in a loop with no server (\`python/apps/flask_loop.py\`):"
    echo
    echo "<!-- ANCHOR: loop -->"
    echo "$LOOP"
    echo "<!-- ANCHOR_END: loop -->"
} >"$RESULTS"
cat "$RESULTS"
