// File: merge.h
// -----------------------------------------------------------------------------
// Helm's value merging: the effective values a chart renders with are its
// default values coalesced with the user's overrides:
//   * maps are merged key by key, recursively;
//   * anything else (scalars, lists) in the overrides replaces the default
//     wholesale (lists are never merged element by element);
//   * an override of `null` deletes the key;
//   * an override that is not a map where the default is a map wins (Helm
//     warns "cannot overwrite table with non table" and keeps the user's).
// Keys keep the defaults' order, then override-only keys in their order. Every
// node keeps the source and location it came from.
#ifndef UPGRADE_CORE_COMPAT_MERGE_H_
#define UPGRADE_CORE_COMPAT_MERGE_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::compat {

// Coalesces `overrides` over `defaults`. An invalid or null `overrides`
// yields a copy of `defaults`.
document::Document MergeValues(const document::Node& defaults,
                               const document::Node& overrides,
                               absl::string_view source = "<effective values>");

// Several override files (`helm -f a.yaml -f b.yaml`): later files win, then
// the result is coalesced over the defaults.
document::Document MergeValues(const document::Node& defaults,
                               absl::Span<const document::Node> overrides,
                               absl::string_view source = "<effective values>");

}  // namespace upgrade_core::compat

#endif  // UPGRADE_CORE_COMPAT_MERGE_H_
