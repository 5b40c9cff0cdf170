#!/usr/bin/env bash
# Installs the Debian packages that building and testing upgrade_core needs. Idempotent: when
# every package is already installed it only checks and returns (well under a second);
# otherwise it runs `apt-get update` once and installs what is missing.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap    # Bazel 4.2.3 (WORKSPACE mode)
  bazel-platforms    # @platforms, passed with --override_repository (.bazelrc)
  bazel-skylib       # @bazel_skylib, likewise
  g++                # C++17 compiler used by Bazel's auto-configured toolchain
  libabsl-dev        # Abseil: Status/StatusOr, strings, containers, flags
  libprotobuf-dev    # protobuf runtime
  protobuf-compiler  # protoc for the native proto_library rules
  libyaml-cpp-dev    # peer reference in benchmarks/compat (the library parses with libyaml)
  libyaml-dev        # document/: the one YAML/JSON parser (libyaml's event API, see docs/performance.md)
  libgtest-dev       # GoogleTest
  libgmock-dev       # GoogleMock matchers
  libbenchmark-dev   # Google Benchmark suites in benchmarks/
  pybind11-dev       # the Python binding
  python3            # interpreter for py_test (registered toolchain: /usr/bin/python3)
  python3-dev        # Python.h, found through the python3 on PATH
  python3-yaml       # plan_schema_test: reads the example plans
  python3-jsonschema # plan_schema_test: validates plans against the UpgradePlan JSON Schema
  python3-venv       # wheel_install_test: `python3 -m venv` (pip from python3-pip-whl) installs the wheel
  zlib1g-dev         # crc32 for the journal
  libssl-dev         # libcrypto's SHA-256 for the plan hash in journal headers
  libarchive-dev     # chart/: reads packaged charts (.tgz) with bounds, not a hand-written tar reader
  libvalijson-dev    # compat/: validates chart values against values.schema.json (header-only)
  # Fuzzing (fuzz/, tools/fuzz.sh, `--config=fuzz`): libFuzzer exists only for clang. gcc
  # still builds and replays every fuzz target's corpus in `bazel test //...`.
  clang-14           # compiler with -fsanitize=fuzzer (coverage-guided), ASan, UBSan
  libclang-rt-14-dev # the libclang_rt.fuzzer/asan/ubsan runtimes it links
  lld-14             # linker for --config=fuzz (gold floods ASan link warnings)
  clang              # the unversioned `clang` that --repo_env=CC=clang names
  lld                # the unversioned `ld.lld` that -fuse-ld=lld runs
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bootstrap: installing ${missing[*]}" >&2
SUDO=()
[ "$(id -u)" -ne 0 ] && SUDO=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done" >&2
