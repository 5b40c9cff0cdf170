#!/usr/bin/env bash
# --run_under wrapper for `bazel test --config=asan`. C++ tests link the
# sanitizer runtimes themselves; Python tests run an uninstrumented
# /usr/bin/python3 that loads an instrumented _core.so, so the runtimes must be
# preloaded, and CPython's intentional at-exit leaks are not reported.
set -euo pipefail
preload=""
for lib in libasan.so libubsan.so; do
  path=$(${CC:-gcc} -print-file-name="$lib")
  [ -e "$path" ] && preload="${preload:+$preload:}$path"
done
export LD_PRELOAD="$preload${LD_PRELOAD:+:$LD_PRELOAD}"
if head -c 128 "$1" | grep -q python; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
exec "$@"
