#!/bin/bash
# Writes a C++ file embedding each packs/*.yaml given as a raw string literal.
# usage: embed_packs.sh OUT.cc PACK.yaml...
set -euo pipefail
out="$1"
shift
{
  echo '// Generated from packs/*.yaml by //upgrade_core/compat:builtin_packs_cc.'
  echo '#include "upgrade_core/compat/builtin_packs.h"'
  echo 'namespace upgrade_core::compat::internal {'
  echo 'namespace {'
  echo 'constexpr BuiltinPack kPacks[] = {'
  for f in "$@"; do
    n="$(basename "$f" .yaml)"
    printf '{"%s", R"PACK(' "$n"
    cat "$f"
    printf ')PACK"},\n'
  done
  echo '};'
  echo '}  // namespace'
  echo 'absl::Span<const BuiltinPack> BuiltinPacks() { return kPacks; }'
  echo '}  // namespace upgrade_core::compat::internal'
} >"$out"
