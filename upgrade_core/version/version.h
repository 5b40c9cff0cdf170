// File: version.h
// -----------------------------------------------------------------------------
// Version: a Semantic Versioning 2.0.0 version (https://semver.org), parsed
// from the spellings real upgrade tooling meets.
//
//   absl::StatusOr<Version> v = Version::Parse("v1.31.5+rke2r1");
//   v->major() == 1; v->minor() == 31; v->patch() == 5; v->build() == "rke2r1"
//   v->ToString() == "1.31.5+rke2r1";  v->original() == "v1.31.5+rke2r1"
//
// Two grammars (docs/versions.md has the full table):
//
//   kLoose (default) accepts exactly what Helm accepts (Masterminds semver
//   v3.4.0 `NewVersion`, which Helm uses for chart versions and kubeVersion):
//     ["v"] N ["." N ["." N]] ["-" prerelease] ["+" build]
//   N is one or more ASCII digits (leading zeros allowed: "01.2" is 1.2.0);
//   missing minor/patch are 0 ("v1.2" is 1.2.0). Only a lowercase "v".
//
//   kStrict accepts SemVer 2.0.0 exactly: N.N.N, no "v", no leading zeros.
//
// In both, prerelease and build are dot-separated non-empty identifiers of
// [0-9A-Za-z-]; a numeric prerelease identifier has no leading zero. Every
// number must fit in 64 bits. No surrounding whitespace is accepted.
//
// Precedence follows SemVer 2.0.0 section 11: major, minor, patch numerically,
// then a version with a prerelease is lower than the same version without one,
// prerelease identifiers compared left to right (numeric ones numerically and
// below alphanumeric ones, alphanumeric ones in ASCII order, a shorter list
// lower when all shared identifiers are equal). Build metadata is kept (it is
// printed and returned by build()) but ignored by precedence, by ==, and by
// the hash: 1.0.0+a == 1.0.0+b, as SemVer and Masterminds' Equal say. Use
// ToString() to compare spellings including build metadata.
//
// Version is a small value type (one std::string plus offsets); it is
// immutable once built, so concurrent reads from many threads are safe.
#ifndef UPGRADE_CORE_VERSION_VERSION_H_
#define UPGRADE_CORE_VERSION_VERSION_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace upgrade_core {

enum class ParseMode {
  kLoose,   // What Helm / Masterminds semver v3.4.0 NewVersion accepts.
  kStrict,  // SemVer 2.0.0 only.
};

class Version {
 public:
  // 0.0.0.
  Version() : Version(0, 0, 0) {}
  // major.minor.patch with no prerelease or build.
  Version(uint64_t major, uint64_t minor, uint64_t patch);

  // Parses `text`. Errors are InvalidArgument naming the input and the
  // 0-based character position where parsing failed, e.g.
  // clang-format off
  //   invalid version "1.2.x": unexpected 'x' (expected a digit after '.') at position 4
  // clang-format on
  static absl::StatusOr<Version> Parse(absl::string_view text,
                                       ParseMode mode = ParseMode::kLoose);

  uint64_t major() const { return major_; }
  uint64_t minor() const { return minor_; }
  uint64_t patch() const { return patch_; }
  // Without the leading '-' / '+'; empty when absent. Views into this object.
  absl::string_view prerelease() const {
    return absl::string_view(text_).substr(pre_begin_, pre_size_);
  }
  absl::string_view build() const {
    return absl::string_view(text_).substr(build_begin_, build_size_);
  }
  // The text as given to Parse (for constructed versions: ToString()).
  const std::string& original() const { return text_; }
  bool is_prerelease() const { return pre_size_ != 0; }

  // Normalized form: "M.m.p[-prerelease][+build]", no "v", no leading zeros.
  std::string ToString() const;

  // SemVer precedence: <0, 0 or >0. Build metadata is ignored.
  int Compare(const Version& other) const;

  friend bool operator==(const Version& a, const Version& b) {
    return a.Compare(b) == 0;
  }
  friend bool operator!=(const Version& a, const Version& b) {
    return a.Compare(b) != 0;
  }
  friend bool operator<(const Version& a, const Version& b) {
    return a.Compare(b) < 0;
  }
  friend bool operator<=(const Version& a, const Version& b) {
    return a.Compare(b) <= 0;
  }
  friend bool operator>(const Version& a, const Version& b) {
    return a.Compare(b) > 0;
  }
  friend bool operator>=(const Version& a, const Version& b) {
    return a.Compare(b) >= 0;
  }

  // Consistent with ==: build metadata does not take part. (Equal
  // prereleases are equal strings: numeric identifiers have no leading zeros.)
  template <typename H>
  friend H AbslHashValue(H h, const Version& v) {
    return H::combine(std::move(h), v.major_, v.minor_, v.patch_,
                      v.prerelease());
  }

  friend std::ostream& operator<<(std::ostream& os, const Version& v) {
    return os << v.ToString();
  }

 private:
  friend class VersionParser;
  struct Uninitialized {};
  // For the parser: fields are filled in afterwards (skips building "0.0.0").
  explicit Version(Uninitialized) {}

  uint64_t major_ = 0;
  uint64_t minor_ = 0;
  uint64_t patch_ = 0;
  std::string text_;  // original spelling; prerelease/build point into it
  uint32_t pre_begin_ = 0;
  uint32_t pre_size_ = 0;
  uint32_t build_begin_ = 0;
  uint32_t build_size_ = 0;
};

// SemVer precedence of two prerelease strings (without the '-'), as
// Masterminds' comparePrerelease: an empty string counts as one empty
// identifier, which sorts below any other. <0, 0 or >0.
int ComparePrerelease(absl::string_view a, absl::string_view b);

}  // namespace upgrade_core

#endif  // UPGRADE_CORE_VERSION_VERSION_H_
