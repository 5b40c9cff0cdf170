#!/usr/bin/env bash
# Builds every libFuzzer target in fuzz/ with `--config=fuzz` (clang-14,
# libFuzzer, ASan + UBSan) and fuzzes each for SECONDS (default 60) on a copy
# of its seed corpus (fuzz/corpus/TARGET/), with its libFuzzer dictionary
# (fuzz/dicts/TARGET.dict) when there is one. Fails (exit 1) when any target
# finds a crash, a failed property, a timeout (> 5 s for one input) or runs
# out of memory (> 2 GiB); the input that did it is kept and the command that
# replays it is printed.
#
# usage: tools/fuzz.sh [SECONDS] [TARGET...]      (targets: version document ...)
#
# Environment:
#   FUZZ_OUTPUT_BASE  Bazel output base for the clang build (default: one per
#                     work tree under ~/.cache/upgrade_core_fuzz/), kept apart
#                     from the main gcc build so neither invalidates the other.
#   FUZZ_WORK_DIR     where corpus copies, logs and crash inputs go (default: a
#                     new directory under ${TMPDIR:-/tmp}).
#   FUZZ_JOBS         Bazel --jobs for the build (default: auto).
# Seed corpora are not modified; inputs libFuzzer found stay in the work dir.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2; }
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(ls fuzz/*_fuzzer.cc | sed -E 's#fuzz/(.*)_fuzzer\.cc#\1#'))
fi
for t in "${targets[@]}"; do
  [ -f "fuzz/${t}_fuzzer.cc" ] || { echo "fuzz.sh: no target '$t' (fuzz/${t}_fuzzer.cc)" >&2; exit 2; }
done

ws_hash=$(pwd -P | md5sum | cut -c1-12)
output_base=${FUZZ_OUTPUT_BASE:-$HOME/.cache/upgrade_core_fuzz/$ws_hash}
work=${FUZZ_WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/upgrade_core_fuzz.XXXXXX")}
mkdir -p "$work"
# The fuzz server goes away by itself 10 minutes after its last command.
bazel_fuzz=(bazel --output_base="$output_base" --max_idle_secs=600)
build_flags=(--config=fuzz)
[ -n "${FUZZ_JOBS:-}" ] && build_flags+=(--jobs="$FUZZ_JOBS")

labels=()
for t in "${targets[@]}"; do labels+=("//fuzz:${t}_fuzzer"); done
start=$(date +%s)
echo "fuzz.sh: building ${#labels[@]} fuzzers (clang + libFuzzer + ASan/UBSan; output base $output_base)"
"${bazel_fuzz[@]}" build "${build_flags[@]}" "${labels[@]}"
bin=$("${bazel_fuzz[@]}" info "${build_flags[@]}" bazel-bin 2>/dev/null)
echo "fuzz.sh: build took $(( $(date +%s) - start ))s; fuzzing each target ${seconds}s; work dir $work"

# A stack for UBSan findings too (ASan prints one by default): CI logs are
# often all there is to go on.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=()
summary=()
for t in "${targets[@]}"; do
  corpus="$work/$t/corpus"
  artifacts="$work/$t/artifacts"
  log="$work/$t/fuzz.log"
  rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  cp -R "fuzz/corpus/$t/." "$corpus/"
  dict=()
  [ -f "fuzz/dicts/$t.dict" ] && dict=(-dict="fuzz/dicts/$t.dict")
  t0=$(date +%s)
  rc=0
  # libFuzzer stops at -max_total_time; the outer timeout only guards a hang
  # of libFuzzer itself.
  timeout --signal=KILL $(( seconds + 120 )) "$bin/fuzz/${t}_fuzzer" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=5 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" "$corpus" \
    >"$log" 2>&1 || rc=$?
  took=$(( $(date +%s) - t0 ))
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
  new_units=$(sed -nE 's/^stat::new_units_added: *([0-9]+).*/\1/p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result=FAILED
    failed+=("$t")
    crash=$(ls -t "$artifacts" 2>/dev/null | head -1)
    echo "fuzz.sh: $t FAILED (exit $rc) after ${took}s; the end of $log:" >&2
    { grep -m1 -A4 'property failed' "$log" || true
      grep -m1 -A24 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|ERROR: libFuzzer: (timeout|out-of-memory)' "$log" || true
      grep -E '^SUMMARY' "$log" || true; } | head -60 >&2
    if [ -n "$crash" ]; then
      echo "fuzz.sh: reproduce with: $bin/fuzz/${t}_fuzzer $artifacts/$crash" >&2
      echo "fuzz.sh: (gcc, no sanitizers: bazel run //fuzz:${t}_fuzzer -- $artifacts/$crash)" >&2
      # The work dir is gone with a CI machine: print small inputs so the
      # finding can be replayed from the log (base64 -d > crash).
      if [ "$(stat -c %s "$artifacts/$crash")" -le 8192 ]; then
        echo "fuzz.sh: the input, base64: $(base64 -w0 "$artifacts/$crash")" >&2
      fi
    fi
  fi
  summary+=("$(printf '%-10s %-6s %10s execs %5ss %7s exec/s  cov %-6s new units %s' \
    "$t" "$result" "${execs:-?}" "$took" "${rate:-?}" "${cov:-?}" "${new_units:-?}")")
  echo "fuzz.sh: ${summary[-1]}"
done

echo "fuzz.sh: summary (${seconds}s per target, total $(( $(date +%s) - start ))s):"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz.sh: FAILED: ${failed[*]} (inputs and logs under $work)" >&2
  exit 1
fi
echo "fuzz.sh: no target found a crash"
