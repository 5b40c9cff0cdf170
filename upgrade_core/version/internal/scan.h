// File: internal/scan.h
// -----------------------------------------------------------------------------
// Character classes and number scanning shared by the version and constraint
// parsers. Internal to upgrade_core/version; not a public API.
#ifndef UPGRADE_CORE_VERSION_INTERNAL_SCAN_H_
#define UPGRADE_CORE_VERSION_INTERNAL_SCAN_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace upgrade_core::version_internal {

// Longest version or constraint text accepted. Real ones are under 200
// characters; the bound keeps every scan cheap on hostile input.
inline constexpr size_t kMaxTextSize = 4096;

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

inline bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// SemVer identifier characters: [0-9A-Za-z-].
inline bool IsIdentChar(char c) { return IsDigit(c) || IsAlpha(c) || c == '-'; }

// Go regexp's \s: [\t\n\f\r ].
inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

// Decimal digits only (caller checked); false on overflow of 64 bits.
inline bool ParseU64(absl::string_view digits, uint64_t* out) {
  uint64_t v = 0;
  for (char c : digits) {
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

// "'x'" for printable characters, "byte 0x07" otherwise.
inline std::string DescribeChar(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return absl::StrFormat("'%c'", c);
  return absl::StrFormat("byte 0x%02x", u);
}

}  // namespace upgrade_core::version_internal

#endif  // UPGRADE_CORE_VERSION_INTERNAL_SCAN_H_
