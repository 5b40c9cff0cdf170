#include "upgrade_core/util/json_string.h"

#include <string>

#include "absl/strings/str_format.h"

namespace upgrade_core {

void AppendJsonString(std::string* out, absl::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    const unsigned char c = static_cast<unsigned char>(ch);
    size_t length = 0;
    if (const int cp = YamlUnsafeChar(s, i, &length); cp >= 0) {
      absl::StrAppendFormat(out, "\\u%04x", cp);
      i += length - 1;
      continue;
    }
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

int YamlUnsafeChar(absl::string_view s, size_t i, size_t* length) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == 0x7F) return *length = 1, 0x7F;
  if (c == 0xC2 && i + 1 < s.size()) {
    const unsigned char d = static_cast<unsigned char>(s[i + 1]);
    if (d >= 0x80 && d <= 0x9F) return *length = 2, d;
  }
  if (c == 0xEF && i + 2 < s.size() &&
      static_cast<unsigned char>(s[i + 1]) == 0xBF) {
    const unsigned char e = static_cast<unsigned char>(s[i + 2]);
    if (e == 0xBE || e == 0xBF) return *length = 3, 0xFFC0 | (e & 0x3F);
  }
  if (c == 0xE2 && i + 2 < s.size() &&
      static_cast<unsigned char>(s[i + 1]) == 0x80) {
    const unsigned char e = static_cast<unsigned char>(s[i + 2]);
    if (e == 0xA8 || e == 0xA9) return *length = 3, 0x2000 | (e & 0x3F);
  }
  return -1;
}

std::string JsonQuote(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendJsonString(&out, s);
  return out;
}

}  // namespace upgrade_core
