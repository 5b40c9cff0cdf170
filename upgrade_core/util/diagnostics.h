// File: diagnostics.h
// -----------------------------------------------------------------------------
// The one output shape of a diagnostic. upgrade_core has two diagnostic types
// (compat::Finding from the config checks, proto::Problem from the plan
// checks); both render through these functions, so `upgradectl validate`,
// `plan`, `check` and Python `to_json()` print the same JSON shape and the
// same sentences.
//
// JSON (docs/compat-findings.md), keys always present and in this order:
//
//   {"version":2,"ok":false,"summary":{"error":1,"warning":0,"info":0},
//    "diagnostics":[{"severity":"error","code":"exclusive.surge",
//      "message":"...","hint":"...","path":"components[1].strategy.maxSurge",
//      "component":"controller",
//      "location":{"file":"plan.yaml","line":10,"column":7}}]}
//
// Unknown parts are empty: "" for strings, 0 for line and column.
#ifndef UPGRADE_CORE_UTIL_DIAGNOSTICS_H_
#define UPGRADE_CORE_UTIL_DIAGNOSTICS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace upgrade_core {

// A diagnostic as the writers see it. Views: the caller keeps the strings.
struct DiagnosticView {
  absl::string_view severity;  // "error", "warning" or "info"
  absl::string_view code;      // stable id: "exclusive.surge", "chart/..."
  absl::string_view message;
  absl::string_view hint;       // how to fix it; may be empty
  absl::string_view path;       // user-style path into the input; may be empty
  absl::string_view component;  // plan component id; may be empty
  absl::string_view file;       // may be empty
  int line = 0;                 // 1-based; 0 when unknown
  int column = 0;               // 1-based; 0 when unknown
};

// Appends one diagnostic object.
void AppendDiagnosticJson(std::string* out, const DiagnosticView& d);

// Appends `"summary":{...},"diagnostics":[...]` (no surrounding braces), for
// documents that carry diagnostics next to other members (the execution
// plan).
void AppendDiagnosticsMembers(std::string* out,
                              absl::Span<const DiagnosticView> diagnostics);

// The whole document: {"version":..,"ok":..,"summary":..,"diagnostics":[..]}
// (no trailing newline).
std::string DiagnosticsJson(absl::Span<const DiagnosticView> diagnostics,
                            bool ok);

// A diagnostic's text as sentences: the message, ending with a full stop,
// then " Hint: " and the hint, also ending with a full stop. A message or hint
// that already ends with '.', '!' or '?' gets no second one.
//   MessageWithHint("x is ignored", "remove it") == "x is ignored. Hint: remove
//   it."
std::string MessageWithHint(absl::string_view message, absl::string_view hint);

}  // namespace upgrade_core

#endif  // UPGRADE_CORE_UTIL_DIAGNOSTICS_H_
