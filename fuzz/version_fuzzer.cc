// Fuzz target: versions and Helm constraints (upgrade_core/version/).
//
// Input: lines. Every line is parsed as a version (loose and strict); the
// first line is also parsed as a constraint (with and without
// include_prerelease).
//
// Properties:
//   * a strictly parsed version parses loosely too, to the same version;
//   * Parse(v.ToString()) succeeds in strict mode, == v, and prints the same
//     text (build metadata included);
//   * Compare is reflexive and antisymmetric, == agrees with the hash;
//   * a constraint's ToString() parses again, means the same on every probe
//     version (the input's own lines and a fixed set), and prints the same;
//   * Constraint::Check(text, version) == Parse(text)->Allows(version).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "upgrade_core/version/constraint.h"
#include "upgrade_core/version/version.h"

namespace {

using upgrade_core::Constraint;
using upgrade_core::ConstraintOptions;
using upgrade_core::ParseMode;
using upgrade_core::Version;

constexpr const char* kProbes[] = {
    "0.0.0",       "0.0.1",      "0.1.0",          "1.0.0-0",
    "1.0.0-alpha", "1.0.0",      "1.2.3",          "1.2.3-beta.1",
    "1.2.4",       "1.3.0",      "1.28.3-gke.100", "1.31.5+rke2r1",
    "2.0.0",       "2.0.0-rc.1", "10.20.30",       "18446744073709551615.0.0",
};

int Sign(int x) { return (x > 0) - (x < 0); }

void CheckVersion(absl::string_view text) {
  absl::StatusOr<Version> loose = Version::Parse(text, ParseMode::kLoose);
  absl::StatusOr<Version> strict = Version::Parse(text, ParseMode::kStrict);
  if (strict.ok()) {
    FUZZ_CHECK(loose.ok(), absl::StrCat("strict ok, loose failed: ",
                                        loose.status().ToString()));
    FUZZ_CHECK(*loose == *strict && loose->ToString() == strict->ToString(),
               absl::StrCat(loose->ToString(), " vs ", strict->ToString()));
  }
  if (!loose.ok()) return;
  const Version& v = *loose;
  std::string printed = v.ToString();
  absl::StatusOr<Version> again = Version::Parse(printed, ParseMode::kStrict);
  FUZZ_CHECK(again.ok(), absl::StrCat("ToString() \"", printed,
                                      "\" does not parse strictly: ",
                                      again.status().ToString()));
  FUZZ_CHECK(*again == v,
             absl::StrCat("reparsed ", again->ToString(), " != ", printed));
  FUZZ_CHECK(again->ToString() == printed,
             absl::StrCat("\"", again->ToString(), "\" != \"", printed, "\""));
  FUZZ_CHECK(
      again->build() == v.build() && again->prerelease() == v.prerelease(),
      absl::StrCat("prerelease/build changed: ", printed));
  FUZZ_CHECK(v.Compare(v) == 0, printed);
  FUZZ_CHECK(absl::Hash<Version>()(v) == absl::Hash<Version>()(*again),
             absl::StrCat("hash differs for equal versions ", printed));
}

void CheckPair(const Version& a, const Version& b) {
  FUZZ_CHECK(Sign(a.Compare(b)) == -Sign(b.Compare(a)),
             absl::StrCat("Compare not antisymmetric: ", a.ToString(), " ",
                          b.ToString()));
  if (a == b) {
    FUZZ_CHECK(absl::Hash<Version>()(a) == absl::Hash<Version>()(b),
               absl::StrCat("== but hashes differ: ", a.ToString(), " ",
                            b.ToString()));
  }
}

void CheckConstraint(absl::string_view text, const std::vector<Version>& probes,
                     ConstraintOptions options) {
  absl::StatusOr<Constraint> c = Constraint::Parse(text, options);
  if (!c.ok()) return;
  std::string printed = c->ToString();
  absl::StatusOr<Constraint> again = Constraint::Parse(printed, options);
  FUZZ_CHECK(again.ok(),
             absl::StrCat("ToString() \"", printed,
                          "\" does not parse: ", again.status().ToString()));
  FUZZ_CHECK(again->ToString() == printed,
             absl::StrCat("\"", again->ToString(), "\" != \"", printed, "\""));
  for (const Version& v : probes) {
    bool allows = c->Allows(v);
    FUZZ_CHECK(again->Allows(v) == allows,
               absl::StrCat("\"", printed, "\" and its source disagree on ",
                            v.ToString()));
    absl::StatusOr<bool> checked =
        Constraint::Check(text, v.original(), options);
    FUZZ_CHECK(
        checked.ok() && *checked == allows,
        absl::StrCat("Check() disagrees with Allows() on ", v.original()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  upgrade_core::fuzz::CurrentInput() = input;
  std::vector<absl::string_view> lines = absl::StrSplit(input, '\n');
  std::vector<Version> versions;
  for (const char* p : kProbes) versions.push_back(*Version::Parse(p));
  for (absl::string_view line : lines) {
    CheckVersion(line);
    absl::StatusOr<Version> v = Version::Parse(line);
    if (v.ok() && versions.size() < 64) versions.push_back(*std::move(v));
  }
  for (size_t i = 0; i < versions.size(); ++i) {
    for (size_t j = i; j < versions.size(); ++j) {
      CheckPair(versions[i], versions[j]);
    }
  }
  CheckConstraint(lines[0], versions, ConstraintOptions{});
  CheckConstraint(lines[0], versions,
                  ConstraintOptions{/*include_prerelease=*/true});
  return 0;
}
