// File: diagnostic.h
// -----------------------------------------------------------------------------
// The one diagnostic type of upgrade_core. Every check reports these: the
// plan schema and safety checks, the chart values check, rule packs, the
// manifest and drift checks. Each names a stable code, a severity, the
// user-style path into the input, the component it is about, a message, a
// fix hint and the source location:
//
//   plan.yaml:12:7: error: components[1].strategy.maxSurge: "controller"
//   holds hostPort:80 exclusively ... Hint: use maxSurge: 0 ...
//   [exclusive.surge]
//
// Writers for a list of them (text, JSON, SARIF 2.1.0) are in report.h.
#ifndef UPGRADE_CORE_DIAG_DIAGNOSTIC_H_
#define UPGRADE_CORE_DIAG_DIAGNOSTIC_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::diag {

// Ordered: a threshold of kWarning includes kError.
enum class Severity : uint8_t {
  kInfo = 0,
  kWarning = 1,
  kError = 2,
};

// "info", "warning", "error".
absl::string_view SeverityName(Severity severity);
// Accepts "info", "warning", "error" (and "note", "warn"); InvalidArgument
// otherwise.
absl::StatusOr<Severity> ParseSeverity(absl::string_view text);

struct Diagnostic {
  // Stable id of the check: "exclusive.surge", "chart/removed-override",
  // "kubernetes-apis/extensions-v1beta1-ingress".
  std::string code;
  Severity severity = Severity::kError;
  std::string path;       // user-style path into the input; may be empty
  std::string component;  // the plan component it is about; may be empty
  std::string message;
  std::string hint;  // how to fix it; may be empty
  document::Location location;
};

// The message and hint as sentences: the message ending with a full stop,
// then " Hint: " and the hint, also ending with one. Text that already ends
// with '.', '!' or '?' gets no second one.
//   MessageWithHint("x is ignored", "remove it")
//       == "x is ignored. Hint: remove it."
std::string MessageWithHint(absl::string_view message, absl::string_view hint);

// One line, the way compilers and linters print (gcc, clang-tidy):
//   [file:line:col: ]severity: [path: ]message[. Hint: hint.] [code]
std::string FormatDiagnostic(const Diagnostic& d);

}  // namespace upgrade_core::diag

#endif  // UPGRADE_CORE_DIAG_DIAGNOSTIC_H_
