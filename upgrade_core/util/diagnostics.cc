#include "upgrade_core/util/diagnostics.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/util/json_string.h"
#include "upgrade_core/version_info.h"

namespace upgrade_core {
namespace {

void AppendSentence(std::string* out, absl::string_view text) {
  text = absl::StripTrailingAsciiWhitespace(text);
  out->append(text.data(), text.size());
  if (text.empty()) return;
  const char last = text.back();
  if (last != '.' && last != '!' && last != '?') out->push_back('.');
}

}  // namespace

void AppendDiagnosticJson(std::string* out, const DiagnosticView& d) {
  *out += "{\"severity\":";
  AppendJsonString(out, d.severity);
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
  AppendJsonString(out, d.file);
  absl::StrAppend(out, ",\"line\":", d.line > 0 ? d.line : 0,
                  ",\"column\":", d.line > 0 && d.column > 0 ? d.column : 0,
                  "}}");
}

void AppendDiagnosticsMembers(std::string* out,
                              absl::Span<const DiagnosticView> diagnostics) {
  int errors = 0, warnings = 0, infos = 0;
  for (const DiagnosticView& d : diagnostics) {
    if (d.severity == "warning") {
      ++warnings;
    } else if (d.severity == "info") {
      ++infos;
    } else {
      ++errors;
    }
  }
  absl::StrAppend(out, "\"summary\":{\"error\":", errors,
                  ",\"warning\":", warnings, ",\"info\":", infos,
                  "},\"diagnostics\":[");
  for (size_t i = 0; i < diagnostics.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendDiagnosticJson(out, diagnostics[i]);
  }
  out->push_back(']');
}

std::string DiagnosticsJson(absl::Span<const DiagnosticView> diagnostics,
                            bool ok) {
  std::string out = absl::StrCat("{\"version\":", kJsonOutputVersion,
                                 ",\"ok\":", ok ? "true" : "false", ",");
  AppendDiagnosticsMembers(&out, diagnostics);
  out.push_back('}');
  return out;
}

std::string MessageWithHint(absl::string_view message, absl::string_view hint) {
  std::string out;
  AppendSentence(&out, message);
  hint = absl::StripAsciiWhitespace(hint);
  if (!hint.empty()) {
    if (!out.empty()) out += " ";
    out += "Hint: ";
    AppendSentence(&out, hint);
  }
  return out;
}

}  // namespace upgrade_core
