#include "upgrade_core/diag/diagnostic.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace upgrade_core::diag {
namespace {

void AppendSentence(std::string* out, absl::string_view text) {
  text = absl::StripTrailingAsciiWhitespace(text);
  out->append(text.data(), text.size());
  if (text.empty()) return;
  const char last = text.back();
  if (last != '.' && last != '!' && last != '?') out->push_back('.');
}

}  // namespace

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
  const std::string t = absl::AsciiStrToLower(text);
  if (t == "info" || t == "note") return Severity::kInfo;
  if (t == "warning" || t == "warn") return Severity::kWarning;
  if (t == "error") return Severity::kError;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown severity '", text, "' (expected error, warning or info)"));
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

std::string FormatDiagnostic(const Diagnostic& d) {
  std::string out = d.location.ToString();
  if (!out.empty()) out += ": ";
  absl::StrAppend(&out, SeverityName(d.severity), ": ");
  if (!d.path.empty()) absl::StrAppend(&out, d.path, ": ");
  absl::StrAppend(&out, MessageWithHint(d.message, d.hint));
  if (!d.code.empty()) absl::StrAppend(&out, " [", d.code, "]");
  return out;
}

}  // namespace upgrade_core::diag
