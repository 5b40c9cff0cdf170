// File: scalar_resolution.h (internal to //upgrade_core/document)
// -----------------------------------------------------------------------------
// How a plain scalar's text becomes a typed value: YAML 1.1 as go-yaml v2
// (and so Helm) resolves it for YAML documents, strict JSON scalars for JSON.
// Kept apart from the event loader so the rules can be read (and changed) in
// one place; docs/limits.md and docs/plan-reference.md describe them.
#ifndef UPGRADE_CORE_DOCUMENT_SCALAR_RESOLUTION_H_
#define UPGRADE_CORE_DOCUMENT_SCALAR_RESOLUTION_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::document::internal {

// YAML 1.1 plain-scalar resolution: `~`/`null`/empty are null; y/yes/on/true
// (any of their spellings) and their negations are booleans; 0x1F, 0o17,
// 0b11, 0755 (octal) and 1_000 are integers; .inf/.nan and decimal forms with
// a dot or exponent are floats; anything else is a string.
NodeKind ResolvePlain(absl::string_view s);

// JSON scalars: null, true, false, numbers (InvalidArgument for anything
// else unquoted).
absl::StatusOr<NodeKind> ResolveJson(absl::string_view s);

}  // namespace upgrade_core::document::internal

#endif  // UPGRADE_CORE_DOCUMENT_SCALAR_RESOLUTION_H_
