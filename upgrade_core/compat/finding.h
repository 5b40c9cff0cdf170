// File: finding.h
// -----------------------------------------------------------------------------
// Findings and reports: what every check returns. A Finding names the rule,
// its severity, the user-style path, a message, a fix hint and the source
// location; a Report renders them as text (humans), JSON (the diagnostics
// schema shared with the plan checks, upgrade_core/util/diagnostics.h and
// docs/compat-findings.md) or SARIF 2.1.0 (CI and code-scanning UIs).
#ifndef UPGRADE_CORE_COMPAT_FINDING_H_
#define UPGRADE_CORE_COMPAT_FINDING_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/document/document.h"

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
  document::Location location;
  std::string component;  // the plan component it is about; may be empty
};

// The general help text of a rule: what it checks and how to fix that in
// general (not one finding's hint). Known for the built-in rule ids: the plan
// checks (docs/plan-reference.md), chart/*, drift/* and the built-in packs'
// rules; "" for any other id.
std::string RuleHelp(absl::string_view rule);

// The help text of a rule-pack rule from its kind ("api-removed", see
// RuleKindName) and its hint as written in the pack: what the kind checks,
// then the hint as the fix when it has no per-finding placeholders ({...}).
std::string PackRuleHelp(absl::string_view kind, absl::string_view hint);

// A SARIF artifactLocation.uri for a finding's source: an absolute path
// becomes a file:/// URI, a relative path a relative URI reference; both
// percent-encoded (anything but letters, digits, "-._~" and "/").
//   "values 1.yaml" -> "values%201.yaml", "/tmp/a.yaml" -> "file:///tmp/a.yaml"
std::string SarifArtifactUri(absl::string_view path);

class Report {
 public:
  std::vector<Finding> findings;
  // General help per rule id, for SARIF `rules[].help`; set it for rules
  // RuleHelp() does not know (e.g. a user's rule pack, see PackRuleHelp).
  // Rules in neither get no help text.
  std::map<std::string, std::string> rule_help;

  // True when no finding is at or above `fail_on`.
  bool ok(Severity fail_on = Severity::kError) const;
  size_t Count(Severity at_least) const;

  // Orders findings by source, line, column, rule, path (deterministic
  // output whatever order checks ran in) and drops exact duplicates.
  void Normalize();

  // One line per finding plus a summary:
  //   values.yaml:12:3: error [rule] path: message. Hint: ....
  std::string ToText() const;
  // The diagnostics document (upgrade_core/util/diagnostics.h):
  // {"version":2,"ok":..,"summary":{..},"diagnostics":[{..}]}; a finding's
  // rule is its "code". `ok` is ok() at the default threshold.
  std::string ToJson() const;
  // SARIF 2.1.0 log with one run of tool "upgrade_core".
  std::string ToSarif() const;
};

}  // namespace upgrade_core::compat

#endif  // UPGRADE_CORE_COMPAT_FINDING_H_
