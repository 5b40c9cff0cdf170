// File: builtin_packs.h
// -----------------------------------------------------------------------------
// The YAML text of the built-in rule packs (packs/*.yaml, embedded at build
// time by the `builtin_packs_cc` genrule).
#ifndef UPGRADE_CORE_COMPAT_BUILTIN_PACKS_H_
#define UPGRADE_CORE_COMPAT_BUILTIN_PACKS_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace upgrade_core::compat::internal {

struct BuiltinPack {
  absl::string_view name;
  absl::string_view text;
};

absl::Span<const BuiltinPack> BuiltinPacks();

}  // namespace upgrade_core::compat::internal

#endif  // UPGRADE_CORE_COMPAT_BUILTIN_PACKS_H_
