// File: json_string.h
// -----------------------------------------------------------------------------
// JSON string literals for the hand-written JSON emitters (findings, documents,
// execution plans, CLI output): one escaping routine shared by all of them.
// Escapes '"', '\\', control characters (\n, \r, \t by name, others as \u00XX);
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

}  // namespace upgrade_core

#endif  // UPGRADE_CORE_UTIL_JSON_STRING_H_
