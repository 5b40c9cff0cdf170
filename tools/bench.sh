#!/usr/bin/env bash
# Every benchmark suite in one command: the C++ Google Benchmark binaries in
# benchmarks/ and the peer comparisons (Python: graphlib, networkx,
# transitions, PyYAML, DeepDiff; semver: node-semver, Masterminds semver),
# alternating fresh processes for three rounds on generated inputs with fixed
# seeds. Writes one JSON result and regenerates docs/performance.md from it
# (docs/performance.json is the result the page was made from).
#
#   tools/bench.sh                 # full run (three rounds; about an hour on 2 cores)
#   tools/bench.sh --quick         # smaller sizes, one round, short C++ runs
#   tools/bench.sh --no-docs       # write the result only (under --out)
#   tools/bench.sh --only graph,semver   # some suites (cpp = the C++ binaries)
#   tools/bench.sh --out DIR       # where the result and the cached inputs go
#                                  # (default: a new directory under $TMPDIR)
#   tools/bench.sh --no-build      # use the -c opt outputs already built
#
# The Python peers are Debian packages for Debian's /usr/bin/python3; when one
# is missing and this runs as root it is installed with apt-get, otherwise
# that peer is skipped with a note. So is the semver suite's Masterminds
# semver (Debian's golang-go and golang-github-masterminds-semver-dev; its
# driver is built under --out); node-semver is installed under --out with npm
# where npm exists, else skipped with a note. The quick mode never touches
# docs/ unless asked with --docs.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
build=1
docs=auto
out=""
only=""
rounds=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --docs) docs=yes ;;
    --no-docs) docs=no ;;
    --no-build) build=0 ;;
    --out) out="$2"; shift ;;
    --only) only="$2"; shift ;;
    --rounds) rounds="$2"; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$docs" = auto ] && { [ $quick = 1 ] && docs=no || docs=yes; }
out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/uc_bench.XXXXXX")}
mkdir -p "$out"

PY=/usr/bin/python3
[ -x "$PY" ] || { echo "Debian's $PY is required (the peers are its packages)" >&2; exit 1; }

# Peers: Debian's python3-* packages, installed when missing (root only), and
# for the semver suite Masterminds semver with the Go compiler to build its
# driver.
gosrc=/usr/share/gocode/src/github.com/Masterminds/semver
missing=()
for pair in networkx:python3-networkx transitions:python3-transitions \
            yaml:python3-yaml deepdiff:python3-deepdiff; do
  "$PY" -c "import ${pair%%:*}" 2>/dev/null || missing+=("${pair#*:}")
done
command -v go >/dev/null || missing+=(golang-go)
[ -d "$gosrc" ] || missing+=(golang-github-masterminds-semver-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${missing[*]} (peers, for measuring only)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 ||
      echo "apt-get failed: the missing peers will be skipped" >&2
  else
    echo "not installed: ${missing[*]} (apt-get install as root); those peers are skipped" >&2
  fi
fi

# Build: the benchmark binaries and the Python package, optimized. The
# outputs are copied, so builds running meanwhile cannot change what is
# measured (bazel-bin follows the last build's mode; the opt tree does not).
[ $build = 1 ] && bazel build -c opt //benchmarks/... //bindings/python:site >&2
# (Not `bazel info`: it waits for the server while other builds run.)
opt_bin=$(ls -d bazel-out/*-opt/bin | head -1)
site="$out/site"
rm -rf "$site" && cp -rL "$opt_bin/bindings/python/site" "$site"
bins="$out/bin"
rm -rf "$bins" && mkdir -p "$bins"
for d in "$opt_bin"/benchmarks/*/; do
  pkg=$(basename "$d")
  mkdir -p "$bins/$pkg"
  for f in "$d"*_benchmark; do [ -f "$f" ] && [ -x "$f" ] && cp -L "$f" "$bins/$pkg/"; done
done

# The semver suite's other peers (run.py runs a driver only where it works).
# Masterminds semver v3: Debian's source, GOPATH mode, built into --out.
if command -v go >/dev/null && [ -d "$gosrc" ]; then
  GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$out/gocache" GOFLAGS= \
    go build -o "$bins/semver_masterminds" tools/bench/semver_masterminds.go >&2 ||
    echo "building the Masterminds semver driver failed: that peer is skipped" >&2
fi
# node-semver: from npm, under --out (never in the work tree).
if command -v npm >/dev/null && command -v node >/dev/null; then
  npm install --no-audit --no-fund --silent --prefix "$out/node" semver@7 >&2 ||
    echo "npm install semver@7 failed: node-semver is skipped" >&2
else
  echo "no npm/node: node-semver is skipped" >&2
fi

args=(--out "$out/results.json" --site "$site" --bin "$bins")
args+=(--node-modules "$out/node/node_modules" --masterminds "$bins/semver_masterminds")
[ $quick = 1 ] && args+=(--quick)
[ -n "$only" ] && args+=(--only "$only")
[ -n "$rounds" ] && args+=(--rounds "$rounds")
"$PY" tools/bench/run.py "${args[@]}"

if [ "$docs" = yes ]; then
  cp "$out/results.json" docs/performance.json
  "$PY" tools/bench/report.py docs/performance.json > docs/performance.md
  echo "regenerated docs/performance.md from docs/performance.json" >&2
else
  "$PY" tools/bench/report.py "$out/results.json" > "$out/performance.md"
  echo "result: $out/results.json, page: $out/performance.md" >&2
fi
