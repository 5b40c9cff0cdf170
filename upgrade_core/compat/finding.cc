// Report rendering: text, JSON and SARIF 2.1.0.
#include "upgrade_core/compat/finding.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "upgrade_core/util/json_string.h"

namespace upgrade_core::compat {

absl::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "error";
}

absl::StatusOr<Severity> ParseSeverity(absl::string_view text) {
  std::string t = absl::AsciiStrToLower(text);
  if (t == "info" || t == "note") return Severity::kInfo;
  if (t == "warning" || t == "warn") return Severity::kWarning;
  if (t == "error") return Severity::kError;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown severity '", text, "' (expected error, warning or info)"));
}

bool Report::ok(Severity fail_on) const { return Count(fail_on) == 0; }

size_t Report::Count(Severity at_least) const {
  size_t n = 0;
  for (const Finding& f : findings) {
    if (f.severity >= at_least) ++n;
  }
  return n;
}

void Report::Normalize() {
  auto key = [](const Finding& f) {
    return std::tie(f.location.source, f.location.line, f.location.column,
                    f.rule, f.path, f.message);
  };
  std::stable_sort(
      findings.begin(), findings.end(),
      [&](const Finding& a, const Finding& b) { return key(a) < key(b); });
  findings.erase(std::unique(findings.begin(), findings.end(),
                             [&](const Finding& a, const Finding& b) {
                               return key(a) == key(b) &&
                                      a.severity == b.severity;
                             }),
                 findings.end());
}

std::string Report::ToText() const {
  std::string out;
  for (const Finding& f : findings) {
    std::string where = f.location.ToString();
    if (!where.empty()) absl::StrAppend(&out, where, ": ");
    absl::StrAppend(&out, SeverityName(f.severity), " [", f.rule, "]");
    if (!f.path.empty()) absl::StrAppend(&out, " ", f.path);
    absl::StrAppend(&out, ": ", f.message, "\n");
    if (!f.hint.empty()) absl::StrAppend(&out, "    hint: ", f.hint, "\n");
  }
  absl::StrAppend(
      &out, Count(Severity::kError), " error(s), ",
      Count(Severity::kWarning) - Count(Severity::kError), " warning(s), ",
      Count(Severity::kInfo) - Count(Severity::kWarning), " info\n");
  return out;
}

std::string Report::ToJson() const {
  std::string out = "{\"version\":1,\"ok\":";
  out += ok() ? "true" : "false";
  absl::StrAppend(
      &out, ",\"summary\":{\"error\":", Count(Severity::kError),
      ",\"warning\":", Count(Severity::kWarning) - Count(Severity::kError),
      ",\"info\":", Count(Severity::kInfo) - Count(Severity::kWarning),
      "},\"findings\":[");
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    if (i) out += ",";
    absl::StrAppend(&out, "{\"rule\":", JsonQuote(f.rule),
                    ",\"severity\":", JsonQuote(SeverityName(f.severity)),
                    ",\"path\":", JsonQuote(f.path),
                    ",\"message\":", JsonQuote(f.message),
                    ",\"hint\":", JsonQuote(f.hint), ",\"location\":");
    if (f.location.source.empty() && !f.location.known()) {
      out += "null";
    } else {
      absl::StrAppend(&out, "{\"source\":", JsonQuote(f.location.source),
                      ",\"line\":", f.location.line,
                      ",\"column\":", f.location.column, "}");
    }
    out += "}";
  }
  out += "]}";
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

std::string Report::ToSarif() const {
  // Rules are listed once each, in first-seen order sorted by id.
  std::map<std::string, const Finding*> rules;
  for (const Finding& f : findings) rules.emplace(f.rule, &f);
  std::map<std::string, size_t> rule_index;
  std::string out =
      "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\","
      "\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
      "\"name\":\"upgrade_core\",\"informationUri\":"
      "\"https://github.com/upgrade-core/upgrade_core\",\"version\":"
      "\"0.1.0\",\"rules\":[";
  size_t i = 0;
  for (const auto& [id, f] : rules) {
    if (i) out += ",";
    rule_index[id] = i++;
    absl::StrAppend(&out, "{\"id\":", JsonQuote(id),
                    ",\"defaultConfiguration\":{\"level\":",
                    JsonQuote(SarifLevel(f->severity)), "}");
    if (!f->hint.empty()) {
      absl::StrAppend(&out, ",\"help\":{\"text\":", JsonQuote(f->hint), "}");
    }
    out += "}";
  }
  out += "]}},\"results\":[";
  for (size_t k = 0; k < findings.size(); ++k) {
    const Finding& f = findings[k];
    if (k) out += ",";
    std::string text = f.message;
    if (!f.hint.empty()) absl::StrAppend(&text, " Hint: ", f.hint);
    absl::StrAppend(&out, "{\"ruleId\":", JsonQuote(f.rule),
                    ",\"ruleIndex\":", rule_index[f.rule],
                    ",\"level\":", JsonQuote(SarifLevel(f.severity)),
                    ",\"message\":{\"text\":", JsonQuote(text), "}");
    if (!f.location.source.empty()) {
      absl::StrAppend(&out,
                      ",\"locations\":[{\"physicalLocation\":{"
                      "\"artifactLocation\":{\"uri\":",
                      JsonQuote(f.location.source), "}");
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

}  // namespace upgrade_core::compat
