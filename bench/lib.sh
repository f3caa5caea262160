# What the bench scripts share: sourced, not run.

# note WORDS: a line of progress on stderr, apart from the results on stdout.
note() { printf '==> %s\n' "$*" >&2; }

# need_wrk: installs wrk with apt-get where it is missing.
need_wrk() { command -v wrk >/dev/null || apt-get install -y wrk >&2; }

# target_dir: where cargo puts what it builds (CARGO_TARGET_DIR if it is set).
target_dir() {
    cargo metadata --format-version 1 --no-deps |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'
}

# start_server COMMAND: starts the server with `--host 127.0.0.1 --port 0` added, stdout to a
# temporary file and stderr to /dev/null, and sets PID and PORT from the first line it prints
# (`listening on http://127.0.0.1:PORT/`). Exits the script if it never says where it listens.
start_server() {
    local out
    out=$(mktemp)
    # shellcheck disable=SC2086 # the command is a list of words on purpose
    $1 --host 127.0.0.1 --port 0 >"$out" 2>/dev/null &
    PID=$!
    PORT=""
    for _ in $(seq 100); do
        PORT=$(sed -n '1s|^listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$out")
        [[ -n "$PORT" ]] && break
        sleep 0.1
    done
    rm -f "$out"
    if [[ -z "$PORT" ]]; then
        echo "the server did not say where it listens: $1" >&2
        exit 1
    fi
}

# stop_server: stops the server started last and waits for it to go.
stop_server() {
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
}

# free_port: a TCP port on loopback that nothing listens on now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# median: the middle of the numbers on stdin, one per line (the lower middle of an even count).
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
# middle LIST: the median of a list of numbers separated by spaces.
middle() { tr ' ' '\n' <<<"$1" | grep . | median; }

# cpu_busy SECONDS: how busy the CPUs are over the next SECONDS, in percent of all of them.
cpu_busy() {
    local before after
    before=$(head -1 /proc/stat)
    sleep "$1"
    after=$(head -1 /proc/stat)
    # The fields after "cpu": user nice system idle iowait irq softirq steal.
    awk -v a="$before" -v b="$after" 'BEGIN {
        split(a, x); split(b, y)
        for (i = 2; i <= 9; i++) { d = y[i] - x[i]; total += d; if (i == 5 || i == 6) idle += d }
        printf "%d", total ? 100 * (total - idle) / total : 0
    }'
}

# wait_for_quiet: waits, two minutes at most, for two seconds in which the CPUs are at least
# 90% idle, so that a build or another benchmark still running does not share the machine
# with the measurements about to start. Sets QUIET to what it found, for the results file.
wait_for_quiet() {
    local busy
    for _ in $(seq 60); do
        busy=$(cpu_busy 2)
        if ((busy < 10)); then
            QUIET="the CPUs were ${busy}% busy just before"
            return 0
        fi
    done
    note "the CPUs are still ${busy}% busy after two minutes; the figures will show it"
    QUIET="the CPUs were still ${busy}% busy after two minutes of waiting: treat with care"
}
