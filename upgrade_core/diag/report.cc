// Report rendering: text, JSON and SARIF 2.1.0.
#include "upgrade_core/diag/report.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "upgrade_core/util/json_string.h"
#include "upgrade_core/version_info.h"

namespace upgrade_core::diag {

bool Report::ok(Severity fail_on) const { return Count(fail_on) == 0; }

size_t Report::Count(Severity at_least) const {
  size_t n = 0;
  for (const Diagnostic& f : findings) {
    if (f.severity >= at_least) ++n;
  }
  return n;
}

void Report::Normalize() {
  auto key = [](const Diagnostic& f) {
    return std::tie(f.location.source, f.location.line, f.location.column,
                    f.code, f.path, f.message);
  };
  std::stable_sort(findings.begin(), findings.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) {
                     return key(a) < key(b);
                   });
  findings.erase(std::unique(findings.begin(), findings.end(),
                             [&](const Diagnostic& a, const Diagnostic& b) {
                               return key(a) == key(b) &&
                                      a.severity == b.severity;
                             }),
                 findings.end());
}

std::string Report::ToText() const {
  std::string out;
  for (const Diagnostic& f : findings) {
    absl::StrAppend(&out, FormatDiagnostic(f), "\n");
  }
  absl::StrAppend(
      &out, Count(Severity::kError), " error(s), ",
      Count(Severity::kWarning) - Count(Severity::kError), " warning(s), ",
      Count(Severity::kInfo) - Count(Severity::kWarning), " info\n");
  return out;
}

std::string Report::ToJson() const { return DiagnosticsJson(findings, ok()); }

void AppendDiagnosticJson(std::string* out, const Diagnostic& d) {
  *out += "{\"severity\":";
  AppendJsonString(out, SeverityName(d.severity));
  *out += ",\"code\":";
  AppendJsonString(out, d.code);
  *out += ",\"message\":";
  AppendJsonString(out, d.message);
  *out += ",\"hint\":";
  AppendJsonString(out, d.hint);
  *out += ",\"path\":";
  AppendJsonString(out, d.path);
  *out += ",\"component\":";
  AppendJsonString(out, d.component);
  *out += ",\"location\":{\"file\":";
  AppendJsonString(out, d.location.source);
  const bool known = d.location.line > 0;
  absl::StrAppend(out, ",\"line\":", known ? d.location.line : 0,
                  ",\"column\":",
                  known && d.location.column > 0 ? d.location.column : 0, "}}");
}

void AppendDiagnosticsMembers(std::string* out,
                              absl::Span<const Diagnostic> diagnostics) {
  int counts[3] = {0, 0, 0};  // by Severity
  for (const Diagnostic& d : diagnostics)
    ++counts[static_cast<int>(d.severity)];
  absl::StrAppend(out, "\"summary\":{\"error\":", counts[2],
                  ",\"warning\":", counts[1], ",\"info\":", counts[0],
                  "},\"diagnostics\":[");
  for (size_t i = 0; i < diagnostics.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendDiagnosticJson(out, diagnostics[i]);
  }
  out->push_back(']');
}

std::string DiagnosticsJson(absl::Span<const Diagnostic> diagnostics, bool ok) {
  std::string out = absl::StrCat("{\"version\":", kJsonOutputVersion,
                                 ",\"ok\":", ok ? "true" : "false", ",");
  AppendDiagnosticsMembers(&out, diagnostics);
  out.push_back('}');
  return out;
}

std::string SarifArtifactUri(absl::string_view path) {
  std::string out = absl::StartsWith(path, "/") ? "file://" : "";
  for (const char ch : path) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~' || c == '/') {
      out.push_back(ch);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

namespace {
absl::string_view SarifLevel(Severity s) {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "note";
  }
  return "error";
}
}  // namespace

std::string Report::ToSarif(const RuleHelpFn& help_fn) const {
  // Rules are listed once each, sorted by id; the level is the first
  // finding's, the help text the rule's own (rule_help, else help_fn).
  std::map<std::string, const Diagnostic*> rules;
  for (const Diagnostic& f : findings) rules.emplace(f.code, &f);
  std::map<std::string, size_t> rule_index;
  std::string out = absl::StrCat(
      "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
      "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
      "\"name\":\"upgrade_core\",\"informationUri\":"
      "\"https://github.com/upgrade-core/upgrade_core\",\"version\":",
      JsonQuote(kVersion), ",\"rules\":[");
  size_t i = 0;
  for (const auto& [id, f] : rules) {
    if (i) out += ",";
    rule_index[id] = i++;
    absl::StrAppend(&out, "{\"id\":", JsonQuote(id),
                    ",\"defaultConfiguration\":{\"level\":",
                    JsonQuote(SarifLevel(f->severity)), "}");
    auto given = rule_help.find(id);
    const std::string help = given != rule_help.end() ? given->second
                             : help_fn                ? help_fn(id)
                                                      : std::string();
    if (!help.empty()) {
      absl::StrAppend(&out, ",\"help\":{\"text\":", JsonQuote(help), "}");
    }
    out += "}";
  }
  out += "]}},\"results\":[";
  for (size_t k = 0; k < findings.size(); ++k) {
    const Diagnostic& f = findings[k];
    if (k) out += ",";
    absl::StrAppend(&out, "{\"ruleId\":", JsonQuote(f.code),
                    ",\"ruleIndex\":", rule_index[f.code],
                    ",\"level\":", JsonQuote(SarifLevel(f.severity)),
                    ",\"message\":{\"text\":",
                    JsonQuote(MessageWithHint(f.message, f.hint)), "}");
    if (!f.location.source.empty()) {
      absl::StrAppend(&out,
                      ",\"locations\":[{\"physicalLocation\":{"
                      "\"artifactLocation\":{\"uri\":",
                      JsonQuote(SarifArtifactUri(f.location.source)), "}");
      if (f.location.known()) {
        absl::StrAppend(&out, ",\"region\":{\"startLine\":", f.location.line,
                        ",\"startColumn\":", std::max(1, f.location.column),
                        "}");
      }
      out += "}";
      if (!f.path.empty()) {
        absl::StrAppend(&out, ",\"logicalLocations\":[{\"fullyQualifiedName\":",
                        JsonQuote(f.path), "}]");
      }
      out += "}]";
    }
    if (!f.path.empty()) {
      absl::StrAppend(&out, ",\"properties\":{\"path\":", JsonQuote(f.path),
                      "}");
    }
    out += "}";
  }
  out += "]}]}";
  return out;
}

}  // namespace upgrade_core::diag
