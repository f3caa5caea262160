#!/usr/bin/env bash
# Takes book/src/images/ch02-page.png: chapter 2's page as headless Chromium shows it.
#
# Run from anywhere: bash book/images-src/screenshot.sh
# Needs Chromium. On Debian/Ubuntu the script installs it (as root) together with
# fonts-noto-cjk: without a CJK font the Chinese on the page shows as empty boxes.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/book/src/images/ch02-page.png"

if ! command -v chromium >/dev/null; then
    apt-get update && apt-get install -y chromium
fi
if ! fc-list :lang=zh | grep -q .; then
    apt-get update && apt-get install -y fonts-noto-cjk
fi

cd "$root"
cargo build --release --bin 02-single-threaded
log="$(mktemp)"
target/release/02-single-threaded --port 0 >"$log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT

# The first line is "listening on http://127.0.0.1:PORT/"; wait for it.
for _ in $(seq 50); do
    url="$(sed -n 's/^listening on //p' "$log")"
    [ -n "$url" ] && break
    sleep 0.1
done
[ -n "$url" ] || { echo "the server did not start" >&2; exit 1; }

profile="$(mktemp -d)"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=900,500 --screenshot="$out" "$url"
rm -rf "$profile"
echo "wrote ${out#"$root"/} from $url"
