#!/usr/bin/env bash
# Builds 09-python with libpython linked into the binary, where the Python ships its static
# library (Debian's python3-dev does), and prints the binary's path. Chapter 9 measures it:
# the same Flask call runs fewer instructions than through the shared library.
# Run it from anywhere:   bash python/build-static.sh
#
# pyo3 links statically when its configuration says `shared=false`. The binary must then be
# a plain (non-PIE) executable, since Debian's static library is not position-independent,
# and export Python's symbols to the C extensions it imports (markupsafe's, for Flask).
# `--target` keeps these flags off build scripts, which must stay ordinary programs.
set -euo pipefail

PYTHON=${PYO3_PYTHON:-/usr/bin/python3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source bench/lib.sh

FACTS=$("$PYTHON" - <<'PY'
import os, sysconfig
get = sysconfig.get_config_var
if os.path.exists(os.path.join(get("LIBPL"), get("LIBRARY"))):
    libraries = " ".join(f"{get(name) or ''}" for name in ("LIBS", "SYSLIBS", "MODLIBS")).split()
    print(get("LIBPL"), get("LDVERSION"), *sorted(set(libraries), key=libraries.index))
PY
)
if [[ -z "$FACTS" ]]; then
    note "$PYTHON has no static libpython (on Debian: apt-get install python3-dev)"
    exit 1
fi
read -r LIB_DIR VERSION LIBS <<<"$FACTS"
TARGET="$(target_dir)/static-python"
HOST=$(rustc -vV | awk '/^host:/ { print $2 }')
mkdir -p "$TARGET"
printf '%s\n' implementation=CPython "version=$VERSION" shared=false "lib_name=python$VERSION" \
    "lib_dir=$LIB_DIR" "executable=$PYTHON" pointer_width=64 >"$TARGET/pyo3-config.txt"
LINK="-C link-arg=-no-pie -C link-arg=-Wl,--export-dynamic"
for library in $LIBS; do LINK+=" -C link-arg=$library"; done
note "cargo build --release -p socket-to-wsgi-python, libpython linked statically"
note "  PYO3_CONFIG_FILE=$TARGET/pyo3-config.txt RUSTFLAGS=\"$LINK\""
PYO3_CONFIG_FILE="$TARGET/pyo3-config.txt" CARGO_TARGET_DIR="$TARGET" RUSTFLAGS="$LINK" \
    cargo build --release -p socket-to-wsgi-python --target "$HOST" >&2
echo "$TARGET/$HOST/release/09-python"
