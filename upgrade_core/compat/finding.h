// File: finding.h
// -----------------------------------------------------------------------------
// Findings and reports: what every check returns. A Finding names the rule,
// its severity, the user-style path, a message, a fix hint and the source
// location; a Report renders them as text (humans), JSON (a stable schema,
// docs/compat-findings.md) or SARIF 2.1.0 (CI and code-scanning UIs).
#ifndef UPGRADE_CORE_COMPAT_FINDING_H_
#define UPGRADE_CORE_COMPAT_FINDING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/compat/document.h"

namespace upgrade_core::compat {

// Ordered: a threshold `kWarning` includes kError.
enum class Severity {
  kInfo = 0,
  kWarning = 1,
  kError = 2,
};

// "info", "warning", "error".
absl::string_view SeverityName(Severity severity);
// Accepts "info", "warning", "error" (and "note"/"warn"); InvalidArgument
// otherwise.
absl::StatusOr<Severity> ParseSeverity(absl::string_view text);

struct Finding {
  std::string rule;  // e.g. "kubernetes-apis/extensions-v1beta1-ingress"
  Severity severity = Severity::kError;
  std::string path;  // user-style path, "" for a whole document
  std::string message;
  std::string hint;  // how to fix it; may be empty
  Location location;
};

class Report {
 public:
  std::vector<Finding> findings;

  // True when no finding is at or above `fail_on`.
  bool ok(Severity fail_on = Severity::kError) const;
  size_t Count(Severity at_least) const;

  // Orders findings by source, line, column, rule, path (deterministic
  // output whatever order checks ran in) and drops exact duplicates.
  void Normalize();

  // One line per finding plus a summary:
  //   values.yaml:12:3: error [rule] path: message (hint: ...)
  std::string ToText() const;
  // {"version":1,"ok":..,"summary":{..},"findings":[{..}]}
  std::string ToJson() const;
  // SARIF 2.1.0 log with one run of tool "upgrade_core".
  std::string ToSarif() const;
};

}  // namespace upgrade_core::compat

#endif  // UPGRADE_CORE_COMPAT_FINDING_H_
