// Scalar resolution rules (see scalar_resolution.h).
#include "upgrade_core/document/scalar_resolution.h"

#include "absl/strings/str_cat.h"

namespace upgrade_core::document::internal {
namespace {

bool IsDigits(absl::string_view s, bool allow_underscore, bool (*ok)(char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(ok(c) || (allow_underscore && c == '_'))) return false;
  }
  return true;
}

bool Dec(char c) { return c >= '0' && c <= '9'; }
bool Oct(char c) { return c >= '0' && c <= '7'; }
bool Bin(char c) { return c == '0' || c == '1'; }
bool Hex(char c) {
  return Dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ (go-yaml's float).
bool IsYamlFloat(absl::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t digits = 0;
  while (i < s.size() && (Dec(s[i]) || s[i] == '_')) ++i, ++digits;
  bool dot = false;
  if (i < s.size() && s[i] == '.') {
    dot = true;
    ++i;
    size_t frac = 0;
    while (i < s.size() && (Dec(s[i]) || s[i] == '_')) ++i, ++frac;
    if (digits == 0 && frac == 0) return false;
  } else if (digits == 0) {
    return false;
  }
  bool exp = false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    exp = true;
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t ed = 0;
    while (i < s.size() && Dec(s[i])) ++i, ++ed;
    if (ed == 0) return false;
  }
  return i == s.size() && (dot || exp);
}

}  // namespace

// YAML 1.1 plain-scalar resolution as go-yaml v2 does it.
NodeKind ResolvePlain(absl::string_view s) {
  if (s.empty()) return NodeKind::kNull;
  char c = s[0];
  // Fast exit for the common case: ordinary words.
  if (!(Dec(c) || c == '-' || c == '+' || c == '.' || c == '~' || c == 'n' ||
        c == 'N' || c == 't' || c == 'T' || c == 'f' || c == 'F' || c == 'y' ||
        c == 'Y' || c == 'o' || c == 'O')) {
    return NodeKind::kString;
  }
  if (s.size() <= 5) {
    static constexpr absl::string_view kNull[] = {"~", "null", "Null", "NULL"};
    for (absl::string_view n : kNull) {
      if (s == n) return NodeKind::kNull;
    }
    static constexpr absl::string_view kBool[] = {
        "y",     "Y",     "yes",   "Yes",  "YES",  "n",  "N",  "no",
        "No",    "NO",    "true",  "True", "TRUE", "on", "On", "ON",
        "false", "False", "FALSE", "off",  "Off",  "OFF"};
    for (absl::string_view b : kBool) {
      if (s == b) return NodeKind::kBool;
    }
  }
  absl::string_view body = s;
  if (body[0] == '-' || body[0] == '+') body.remove_prefix(1);
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return NodeKind::kFloat;
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return NodeKind::kFloat;
  if (body.empty()) return NodeKind::kString;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    return IsDigits(body.substr(2), true, Hex) ? NodeKind::kInt
                                               : NodeKind::kString;
  }
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) {
    return IsDigits(body.substr(2), true, Bin) ? NodeKind::kInt
                                               : NodeKind::kString;
  }
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'o' || body[1] == 'O')) {
    return IsDigits(body.substr(2), true, Oct) ? NodeKind::kInt
                                               : NodeKind::kString;
  }
  if (body.size() > 1 && body[0] == '0' && IsDigits(body, true, Oct)) {
    return NodeKind::kInt;
  }
  if (Dec(body[0]) && IsDigits(body, true, Dec)) {
    return NodeKind::kInt;
  }
  if (IsYamlFloat(s)) return NodeKind::kFloat;
  return NodeKind::kString;
}

// JSON scalars: null, true, false, numbers.
absl::StatusOr<NodeKind> ResolveJson(absl::string_view s) {
  if (s == "null") return NodeKind::kNull;
  if (s == "true" || s == "false") return NodeKind::kBool;
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  size_t start = i;
  while (i < s.size() && Dec(s[i])) ++i;
  if (i == start || (s[start] == '0' && i - start > 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", s, "' is not a JSON value"));
  }
  bool is_float = false;
  if (i < s.size() && s[i] == '.') {
    is_float = true;
    ++i;
    size_t f = i;
    while (i < s.size() && Dec(s[i])) ++i;
    if (i == f) return absl::InvalidArgumentError("bad JSON number");
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    is_float = true;
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t e = i;
    while (i < s.size() && Dec(s[i])) ++i;
    if (i == e) return absl::InvalidArgumentError("bad JSON number");
  }
  if (i != s.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", s, "' is not a JSON value"));
  }
  return is_float ? NodeKind::kFloat : NodeKind::kInt;
}

}  // namespace upgrade_core::document::internal
