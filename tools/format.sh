#!/usr/bin/env bash
# Formats the project's C++ sources in place with clang-format (Google style, .clang-format).
# usage: tools/format.sh [--check]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=(-i)
[ "${1:-}" = "--check" ] && mode=(--dry-run --Werror)
git ls-files -z '*.h' '*.cc' | xargs -0 -r clang-format "${mode[@]}"
