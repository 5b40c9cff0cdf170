// File: constraint.h
// -----------------------------------------------------------------------------
// Constraint: a version range with Helm's semantics. Helm checks chart
// `kubeVersion` and dependency `version` fields with Masterminds semver v3;
// this class matches Masterminds semver v3.4.0 (what current Helm ships) case
// by case, including its surprises. docs/versions.md has the grammar, the
// meaning of every operator and the list of surprises; in short:
//
//   operators    = != > < >= <= => =< ~ ~> ^   (no operator means =)
//   wildcards    1.2.x  1.x  *  (x, X and * are the same; "1.2" means 1.2.x)
//   hyphen range "1.2 - 1.4.5" means ">= 1.2, <= 1.4.5" (spaces required:
//                "1.2-1.4.5" is the prerelease version 1.2.0-1.4.5)
//   AND          comma or whitespace between comparators
//   OR           "||" between AND groups
//   prereleases  a prerelease version (1.28.3-gke.100) only satisfies an AND
//                group in which some comparator names a prerelease
//                (">= 1.28.0-0"), unless ConstraintOptions::include_prerelease
//
//   absl::StatusOr<Constraint> c = Constraint::Parse(">= 1.28.0-0 < 1.31");
//   c->Allows(*Version::Parse("v1.28.3-gke.100"))  // true
//   c->ToString()                                   // ">=1.28.0-0 <1.31.0"
//
// Errors are InvalidArgument naming the input and the 0-based position, e.g.
//   invalid constraint ">= 1.2 <": expected a version at position 8
//
// Constraint is an immutable value; concurrent Allows() calls are safe. A
// default-constructed Constraint has no groups and allows nothing (it exists
// so that Constraint can be a member of other value types).
#ifndef UPGRADE_CORE_VERSION_CONSTRAINT_H_
#define UPGRADE_CORE_VERSION_CONSTRAINT_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "upgrade_core/version/version.h"

namespace upgrade_core {

struct ConstraintOptions {
  // Masterminds' Constraints.IncludePrerelease. false (Helm's behaviour): a
  // prerelease version only satisfies AND groups that mention a prerelease.
  // true: prerelease versions are compared like any other.
  bool include_prerelease = false;
};

class Constraint {
 public:
  enum class Op : uint8_t {
    kEqual,         // "", "="      (with a wildcard: same as ~)
    kNotEqual,      // "!="
    kGreater,       // ">"
    kLess,          // "<"
    kGreaterEqual,  // ">=", "=>"
    kLessEqual,     // "<=", "=<"
    kTilde,         // "~", "~>"
    kCaret,         // "^"
  };

  // Which parts of the version were left open ("x", "X", "*" or omitted).
  enum class Wildcard : uint8_t {
    kNone,   // 1.2.3
    kPatch,  // 1.2, 1.2.x
    kMinor,  // 1, 1.x, 1.x.x
    kAny,    // *, x (minor and patch are then ignored: "*.2.3" is "*")
  };

  // One operator applied to one (possibly partial) version.
  struct Comparator {
    Op op = Op::kEqual;
    Wildcard wildcard = Wildcard::kNone;
    uint64_t major = 0;  // 0 where the wildcard opens it
    uint64_t minor = 0;
    uint64_t patch = 0;
    std::string prerelease;  // without '-'; build metadata is dropped

    // Masterminds' per-operator check. `v` must have passed the prerelease
    // gate (see Constraint::Allows).
    bool Matches(const Version& v) const;
    // Canonical spelling, e.g. ">=1.2.0", "~1.2.x", "^1.x-0", "!=*".
    std::string ToString() const;
  };

  // A non-empty AND group: comparators()[begin, end).
  struct Group {
    uint32_t begin = 0;
    uint32_t end = 0;
    bool has_prerelease = false;  // some comparator names a prerelease
  };

  static absl::StatusOr<Constraint> Parse(absl::string_view text,
                                          ConstraintOptions options = {});

  // Parses both and checks: the parse+match-from-strings path.
  static absl::StatusOr<bool> Check(absl::string_view constraint,
                                    absl::string_view version,
                                    ConstraintOptions options = {});

  // Whether `v` satisfies the constraint (some OR group whose comparators
  // all match; prerelease rule per group).
  bool Allows(const Version& v) const;

  // Canonical form: comparators joined by " ", groups by " || "; operators
  // spelled = (omitted), !=, >, <, >=, <=, ~, ^; no "v", no leading zeros, no
  // build metadata; wildcards as ".x" / "*"; >= and < (which ignore
  // wildcards) print the full bound. Parse(ToString()) has the same meaning,
  // and ToString() of that is the same string. Hyphen ranges print as the
  // two comparators they mean.
  std::string ToString() const;

  const std::string& original() const { return original_; }
  const ConstraintOptions& options() const { return options_; }
  absl::Span<const Group> groups() const { return groups_; }
  absl::Span<const Comparator> comparators() const { return comparators_; }

  friend std::ostream& operator<<(std::ostream& os, const Constraint& c) {
    return os << c.ToString();
  }

 private:
  friend class ConstraintParser;

  std::string original_;
  ConstraintOptions options_;
  absl::InlinedVector<Group, 1> groups_;
  absl::InlinedVector<Comparator, 2> comparators_;
};

absl::string_view OpName(Constraint::Op op);

}  // namespace upgrade_core

#endif  // UPGRADE_CORE_VERSION_CONSTRAINT_H_
