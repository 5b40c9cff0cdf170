// Version parsing, printing and SemVer precedence. A hand-written scanner:
// one pass, no regex, no allocation beyond the Version's own string.
#include "upgrade_core/version/version.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "upgrade_core/util/status_macros.h"
#include "upgrade_core/version/internal/scan.h"

namespace upgrade_core {

using version_internal::DescribeChar;
using version_internal::IsDigit;
using version_internal::IsIdentChar;
using version_internal::ParseU64;

// Friend of Version: fills its private fields.
class VersionParser {
 public:
  VersionParser(absl::string_view text, ParseMode mode)
      : text_(text), mode_(mode) {}

  absl::StatusOr<Version> Run() {
    if (text_.empty()) return Error(0, "empty version");
    size_t i = 0;
    if (text_[0] == 'v') {
      if (mode_ == ParseMode::kStrict) {
        return Error(0, "a leading 'v' is not SemVer (strict mode)");
      }
      i = 1;
    }
    uint64_t parts[3] = {0, 0, 0};
    int count = 0;
    while (true) {
      if (i >= text_.size() || !IsDigit(text_[i])) {
        return Unexpected(i, count == 0 ? "a digit" : "a digit after '.'");
      }
      const size_t begin = i;
      while (i < text_.size() && IsDigit(text_[i])) ++i;
      if (mode_ == ParseMode::kStrict && i - begin > 1 && text_[begin] == '0') {
        return Error(begin, "leading zero in a version number (strict mode)");
      }
      if (!ParseU64(text_.substr(begin, i - begin), &parts[count])) {
        return Error(begin, "version number does not fit in 64 bits");
      }
      ++count;
      if (i < text_.size() && text_[i] == '.') {
        if (count == 3) {
          return Error(i,
                       "unexpected '.' (a version has at most three "
                       "numbers: major.minor.patch)");
        }
        ++i;
        continue;
      }
      break;
    }
    if (mode_ == ParseMode::kStrict && count < 3) {
      return Unexpected(i, "'.' (strict SemVer needs major.minor.patch)");
    }
    Version v{Version::Uninitialized{}};
    v.major_ = parts[0];
    v.minor_ = parts[1];
    v.patch_ = parts[2];
    if (i < text_.size() && text_[i] == '-') {
      ++i;
      const size_t begin = i;
      UC_RETURN_IF_ERROR(ScanIdentifiers(i, /*prerelease=*/true));
      v.pre_begin_ = static_cast<uint32_t>(begin);
      v.pre_size_ = static_cast<uint32_t>(i - begin);
    }
    if (i < text_.size() && text_[i] == '+') {
      ++i;
      const size_t begin = i;
      UC_RETURN_IF_ERROR(ScanIdentifiers(i, /*prerelease=*/false));
      v.build_begin_ = static_cast<uint32_t>(begin);
      v.build_size_ = static_cast<uint32_t>(i - begin);
    }
    if (i < text_.size()) {
      return Unexpected(
          i, count < 3 ? "'.', '-', '+' or the end" : "'-', '+' or the end");
    }
    v.text_.assign(text_.data(), text_.size());
    return v;
  }

 private:
  // Dot-separated non-empty identifiers of [0-9A-Za-z-]; stops at the first
  // character that cannot continue them. Numeric prerelease identifiers must
  // not have a leading zero (SemVer 9; Masterminds validatePrerelease).
  absl::Status ScanIdentifiers(size_t& i, bool prerelease) {
    const char* what = prerelease ? "prerelease" : "build metadata";
    while (true) {
      const size_t begin = i;
      bool numeric = true;
      while (i < text_.size() && IsIdentChar(text_[i])) {
        numeric = numeric && IsDigit(text_[i]);
        ++i;
      }
      if (i == begin) {
        return Unexpected(
            i, absl::StrCat("a ", what, " identifier ([0-9A-Za-z-]+)"));
      }
      if (prerelease && numeric && i - begin > 1 && text_[begin] == '0') {
        return Error(begin, "leading zero in a numeric prerelease identifier");
      }
      if (i < text_.size() && text_[i] == '.') {
        ++i;
        continue;
      }
      return absl::OkStatus();
    }
  }

  absl::Status Error(size_t pos, absl::string_view why) const {
    return absl::InvalidArgumentError(
        absl::StrFormat("invalid version \"%s\": %s at position %d",
                        absl::CHexEscape(text_), why, pos));
  }
  absl::Status Unexpected(size_t pos, absl::string_view expected) const {
    if (pos >= text_.size()) {
      return Error(pos,
                   absl::StrCat("unexpected end (expected ", expected, ")"));
    }
    return Error(pos, absl::StrCat("unexpected ", DescribeChar(text_[pos]),
                                   " (expected ", expected, ")"));
  }

  absl::string_view text_;
  ParseMode mode_;
};

Version::Version(uint64_t major, uint64_t minor, uint64_t patch)
    : major_(major),
      minor_(minor),
      patch_(patch),
      text_(absl::StrCat(major, ".", minor, ".", patch)) {}

absl::StatusOr<Version> Version::Parse(absl::string_view text, ParseMode mode) {
  if (text.size() > version_internal::kMaxTextSize) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "invalid version \"%s...\": longer than %d characters",
        absl::CHexEscape(text.substr(0, 32)), version_internal::kMaxTextSize));
  }
  return VersionParser(text, mode).Run();
}

std::string Version::ToString() const {
  std::string out = absl::StrCat(major_, ".", minor_, ".", patch_);
  if (pre_size_ != 0) absl::StrAppend(&out, "-", prerelease());
  if (build_size_ != 0) absl::StrAppend(&out, "+", build());
  return out;
}

int Version::Compare(const Version& other) const {
  if (major_ != other.major_) return major_ < other.major_ ? -1 : 1;
  if (minor_ != other.minor_) return minor_ < other.minor_ ? -1 : 1;
  if (patch_ != other.patch_) return patch_ < other.patch_ ? -1 : 1;
  const bool a = pre_size_ != 0;
  const bool b = other.pre_size_ != 0;
  if (!a && !b) return 0;
  if (!a) return 1;  // a release is above its prereleases
  if (!b) return -1;
  return ComparePrerelease(prerelease(), other.prerelease());
}

namespace {

// Masterminds treats an identifier as numeric when it parses as a uint64;
// longer digit strings compare as text. Kept identical for compatibility.
bool NumericIdentifier(absl::string_view s, uint64_t* value) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return ParseU64(s, value);
}

int ComparePart(absl::string_view s, absl::string_view o) {
  if (s == o) return 0;
  if (s.empty()) return -1;
  if (o.empty()) return 1;
  uint64_t si = 0, oi = 0;
  const bool s_num = NumericIdentifier(s, &si);
  const bool o_num = NumericIdentifier(o, &oi);
  if (!s_num && !o_num) return s > o ? 1 : -1;
  if (!o_num) return -1;  // numeric identifiers sort below alphanumeric ones
  if (!s_num) return 1;
  return si > oi ? 1 : -1;
}

}  // namespace

int ComparePrerelease(absl::string_view a, absl::string_view b) {
  // Walk both dot-separated lists in step; a list that runs out supplies
  // empty identifiers, which sort lowest.
  size_t i = 0, j = 0;
  bool a_done = false, b_done = false;
  while (!a_done || !b_done) {
    absl::string_view pa, pb;
    if (!a_done) {
      size_t end = a.find('.', i);
      if (end == absl::string_view::npos) {
        pa = a.substr(i);
        a_done = true;
      } else {
        pa = a.substr(i, end - i);
        i = end + 1;
      }
    }
    if (!b_done) {
      size_t end = b.find('.', j);
      if (end == absl::string_view::npos) {
        pb = b.substr(j);
        b_done = true;
      } else {
        pb = b.substr(j, end - j);
        j = end + 1;
      }
    }
    if (int d = ComparePart(pa, pb); d != 0) return d;
  }
  return 0;
}

}  // namespace upgrade_core
