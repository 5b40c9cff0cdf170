// File: json_string.h
// -----------------------------------------------------------------------------
// JSON string literals for the hand-written JSON emitters (findings, documents,
// execution plans, CLI output): one escaping routine shared by all of them.
// Escapes '"', '\\', control characters (\n, \r, \t by name, others as \u00XX)
// and the characters YAML-based readers refuse or change (YamlUnsafeChar);
// passes every other byte through, so UTF-8 input stays UTF-8.
#ifndef UPGRADE_CORE_UTIL_JSON_STRING_H_
#define UPGRADE_CORE_UTIL_JSON_STRING_H_

#include <string>

#include "absl/strings/string_view.h"

namespace upgrade_core {

// Appends `s` to `*out` as a quoted JSON string.
void AppendJsonString(std::string* out, absl::string_view s);

// Returns `s` as a quoted JSON string.
std::string JsonQuote(absl::string_view s);

// The code point of the UTF-8 sequence at s[i] when it is one that JSON
// allows raw in a string but YAML does not: DEL (U+007F), the C1 controls
// U+0080-U+009F (YAML 1.1 reads NEL, U+0085, as a line break), the line and
// paragraph separators U+2028 and U+2029 (line breaks to YAML 1.1 too, so a
// quoted scalar would fold them) and the noncharacters U+FFFE and U+FFFF; -1
// otherwise. Sets `*length` to the
// sequence's length in bytes when it returns a code point. Both the writer
// above and the JSON reader (document/) escape exactly these.
int YamlUnsafeChar(absl::string_view s, size_t i, size_t* length);

}  // namespace upgrade_core

#endif  // UPGRADE_CORE_UTIL_JSON_STRING_H_
