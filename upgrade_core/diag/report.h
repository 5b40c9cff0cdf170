// File: report.h
// -----------------------------------------------------------------------------
// A list of diagnostics (diagnostic.h) and the one set of writers every
// command and binding uses: text (humans), JSON (scripts; the shape below)
// and SARIF 2.1.0 (CI and code-scanning UIs).
//
// JSON (docs/compat-findings.md), keys always present and in this order:
//
//   {"version":3,"ok":false,"summary":{"error":1,"warning":0,"info":0},
//    "diagnostics":[{"severity":"error","code":"exclusive.surge",
//      "message":"...","hint":"...","path":"components[1].strategy.maxSurge",
//      "component":"controller",
//      "location":{"file":"plan.yaml","line":10,"column":7}}]}
//
// Unknown parts are empty: "" for strings, 0 for line and column.
#ifndef UPGRADE_CORE_DIAG_REPORT_H_
#define UPGRADE_CORE_DIAG_REPORT_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "upgrade_core/diag/diagnostic.h"

namespace upgrade_core::diag {

// A rule's general help for SARIF `rules[].help` ("" when unknown), e.g.
// compat::RuleHelp.
using RuleHelpFn = std::function<std::string(absl::string_view code)>;

class Report {
 public:
  std::vector<Diagnostic> findings;
  // General help per code, for SARIF; consulted before the RuleHelpFn.
  std::map<std::string, std::string> rule_help;

  // True when no finding is at or above `fail_on`.
  bool ok(Severity fail_on = Severity::kError) const;
  size_t Count(Severity at_least) const;

  // Orders findings by source, line, column, code, path (deterministic
  // output whatever order checks ran in) and drops exact duplicates.
  void Normalize();

  // One FormatDiagnostic() line per finding plus a summary line.
  std::string ToText() const;
  // The JSON document above; `ok` is ok() at the default threshold.
  std::string ToJson() const;
  // SARIF 2.1.0 log with one run of tool "upgrade_core"; each rule's help is
  // rule_help's, else `help(code)`.
  std::string ToSarif(const RuleHelpFn& help = nullptr) const;
};

// Pieces of the JSON document, for documents that carry diagnostics next to
// other members (the execution plan's JSON).
void AppendDiagnosticJson(std::string* out, const Diagnostic& d);
// `"summary":{...},"diagnostics":[...]` (no surrounding braces).
void AppendDiagnosticsMembers(std::string* out,
                              absl::Span<const Diagnostic> diagnostics);
// The whole document (no trailing newline).
std::string DiagnosticsJson(absl::Span<const Diagnostic> diagnostics, bool ok);

// A SARIF artifactLocation.uri for a source: an absolute path becomes a
// file:/// URI, a relative path a relative URI reference; both
// percent-encoded (anything but letters, digits, "-._~" and "/").
//   "values 1.yaml" -> "values%201.yaml", "/tmp/a.yaml" -> "file:///tmp/a.yaml"
std::string SarifArtifactUri(absl::string_view path);

}  // namespace upgrade_core::diag

#endif  // UPGRADE_CORE_DIAG_REPORT_H_
