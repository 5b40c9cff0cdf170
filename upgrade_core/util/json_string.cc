#include "upgrade_core/util/json_string.h"

#include <string>

#include "absl/strings/str_format.h"

namespace upgrade_core {

void AppendJsonString(std::string* out, absl::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    const unsigned char c = static_cast<unsigned char>(ch);
    // Escaped although JSON allows them raw: DEL, the C1 controls (U+0085 is
    // a line break to YAML 1.1 readers) and the noncharacters U+FFFE/U+FFFF,
    // which YAML-based JSON readers (libyaml, PyYAML) refuse or change.
    if (c == 0x7F) {
      *out += "\\u007f";
      continue;
    }
    if (c == 0xC2 && i + 1 < s.size() &&
        static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      absl::StrAppendFormat(out, "\\u%04x",
                            static_cast<unsigned char>(s[i + 1]));
      ++i;
      continue;
    }
    if (c == 0xEF && i + 2 < s.size() &&
        static_cast<unsigned char>(s[i + 1]) == 0xBF &&
        (static_cast<unsigned char>(s[i + 2]) == 0xBE ||
         static_cast<unsigned char>(s[i + 2]) == 0xBF)) {
      absl::StrAppendFormat(
          out, "\\u%04x",
          0xFFC0 | (static_cast<unsigned char>(s[i + 2]) & 0x3F));
      i += 2;
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

std::string JsonQuote(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendJsonString(&out, s);
  return out;
}

}  // namespace upgrade_core
