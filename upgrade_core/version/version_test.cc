#include "upgrade_core/version/version.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core {
namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::StatusIs;

struct ValidCase {
  const char* text;
  ParseMode mode;
  uint64_t major, minor, patch;
  const char* prerelease;
  const char* build;
  const char* normalized;
};

constexpr ParseMode kLoose = ParseMode::kLoose;
constexpr ParseMode kStrict = ParseMode::kStrict;

const ValidCase kValid[] = {
    {"1.2.3", kLoose, 1, 2, 3, "", "", "1.2.3"},
    {"1.2.3", kStrict, 1, 2, 3, "", "", "1.2.3"},
    {"0.0.0", kStrict, 0, 0, 0, "", "", "0.0.0"},
    {"v1.2.3", kLoose, 1, 2, 3, "", "", "1.2.3"},
    {"v1.2", kLoose, 1, 2, 0, "", "", "1.2.0"},
    {"1.2", kLoose, 1, 2, 0, "", "", "1.2.0"},
    {"1", kLoose, 1, 0, 0, "", "", "1.0.0"},
    {"v1", kLoose, 1, 0, 0, "", "", "1.0.0"},
    {"01.02.03", kLoose, 1, 2, 3, "", "", "1.2.3"},  // Masterminds coerces
    {"1.02", kLoose, 1, 2, 0, "", "", "1.2.0"},
    {"v1.31.5+rke2r1", kLoose, 1, 31, 5, "", "rke2r1", "1.31.5+rke2r1"},
    {"v1.32.2-rc1+rke2r1", kLoose, 1, 32, 2, "rc1", "rke2r1",
     "1.32.2-rc1+rke2r1"},
    {"v1.28.3-gke.100", kLoose, 1, 28, 3, "gke.100", "", "1.28.3-gke.100"},
    {"v1.29.1-eks-a1b2c3d", kLoose, 1, 29, 1, "eks-a1b2c3d", "",
     "1.29.1-eks-a1b2c3d"},
    {"1.30.0+k3s1", kLoose, 1, 30, 0, "", "k3s1", "1.30.0+k3s1"},
    {"1.2.3-alpha.1", kStrict, 1, 2, 3, "alpha.1", "", "1.2.3-alpha.1"},
    {"1.2.3-0", kStrict, 1, 2, 3, "0", "", "1.2.3-0"},
    {"1.2.3-0a", kStrict, 1, 2, 3, "0a", "", "1.2.3-0a"},  // alphanumeric
    {"1.2.3-x-y-z.--", kStrict, 1, 2, 3, "x-y-z.--", "", "1.2.3-x-y-z.--"},
    {"1.2.3+001", kStrict, 1, 2, 3, "", "001", "1.2.3+001"},  // build: ok
    {"1.0.0-alpha+001", kStrict, 1, 0, 0, "alpha", "001", "1.0.0-alpha+001"},
    {"1.0.0+20130313144700", kStrict, 1, 0, 0, "", "20130313144700",
     "1.0.0+20130313144700"},
    {"1.0.0-beta+exp.sha.5114f85", kStrict, 1, 0, 0, "beta", "exp.sha.5114f85",
     "1.0.0-beta+exp.sha.5114f85"},
    {"1.2-beta", kLoose, 1, 2, 0, "beta", "", "1.2.0-beta"},
    {"1.2-1.4.5", kLoose, 1, 2, 0, "1.4.5", "", "1.2.0-1.4.5"},
    {"1+build", kLoose, 1, 0, 0, "", "build", "1.0.0+build"},
    {"18446744073709551615.0.0", kStrict, 18446744073709551615ull, 0, 0, "", "",
     "18446744073709551615.0.0"},
    {"v2.3.5-20161202202307-sha.e8fc5e5", kLoose, 2, 3, 5,
     "20161202202307-sha.e8fc5e5", "", "2.3.5-20161202202307-sha.e8fc5e5"},
};

TEST(VersionTest, ParsesValidText) {
  for (const ValidCase& c : kValid) {
    SCOPED_TRACE(absl::StrCat(c.text, c.mode == kStrict ? " strict" : ""));
    absl::StatusOr<Version> v = Version::Parse(c.text, c.mode);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->major(), c.major);
    EXPECT_EQ(v->minor(), c.minor);
    EXPECT_EQ(v->patch(), c.patch);
    EXPECT_EQ(v->prerelease(), c.prerelease);
    EXPECT_EQ(v->build(), c.build);
    EXPECT_EQ(v->ToString(), c.normalized);
    EXPECT_EQ(v->original(), c.text);
    EXPECT_EQ(v->is_prerelease(), std::string(c.prerelease) != "");
  }
}

struct InvalidCase {
  const char* text;
  ParseMode mode;
  const char* message;  // substring, including the position
};

const InvalidCase kInvalid[] = {
    {"", kLoose, "empty version at position 0"},
    {"v", kLoose, "unexpected end (expected a digit) at position 1"},
    {"V1.2.3", kLoose, "unexpected 'V' (expected a digit) at position 0"},
    {" 1.2.3", kLoose, "unexpected ' ' (expected a digit) at position 0"},
    {"1.2.3 ", kLoose,
     "unexpected ' ' (expected '-', '+' or the end) at "
     "position 5"},
    {"1.2.x", kLoose,
     "unexpected 'x' (expected a digit after '.') at "
     "position 4"},
    {"1.2.", kLoose,
     "unexpected end (expected a digit after '.') at "
     "position 4"},
    {"1..2", kLoose, "at position 2"},
    {"1.2.3.4", kLoose,
     "unexpected '.' (a version has at most three numbers: "
     "major.minor.patch) at position 5"},
    {"1.2.3-", kLoose,
     "unexpected end (expected a prerelease identifier "
     "([0-9A-Za-z-]+)) at position 6"},
    {"1.2.3-a..b", kLoose,
     "expected a prerelease identifier ([0-9A-Za-z-]+)) "
     "at position 8"},
    {"1.2.3-01", kLoose,
     "leading zero in a numeric prerelease identifier at "
     "position 6"},
    {"1.2.3-rc.01", kStrict,
     "leading zero in a numeric prerelease identifier "
     "at position 9"},
    {"1.2.3+", kLoose, "expected a build metadata identifier"},
    {"1.2.3+a_b", kLoose,
     "unexpected '_' (expected '-', '+' or the end) at "
     "position 7"},
    {"1.2.3-a+b+c", kLoose,
     "unexpected '+' (expected '-', '+' or the end) at "
     "position 9"},
    {"1.2.3-é", kLoose, "unexpected byte 0xc3"},
    {"18446744073709551616.0.0", kLoose,
     "version number does not fit in 64 bits at position 0"},
    {"1.99999999999999999999", kLoose, "does not fit in 64 bits at position 2"},
    {"v1.2.3", kStrict,
     "a leading 'v' is not SemVer (strict mode) at "
     "position 0"},
    {"1.2", kStrict,
     "unexpected end (expected '.' (strict SemVer needs "
     "major.minor.patch)) at position 3"},
    {"1", kStrict, "strict SemVer needs major.minor.patch"},
    {"01.2.3", kStrict,
     "leading zero in a version number (strict mode) at "
     "position 0"},
    {"1.02.3", kStrict,
     "leading zero in a version number (strict mode) at "
     "position 2"},
    {"1.2.03", kStrict, "at position 4"},
    {"latest", kLoose, "unexpected 'l' (expected a digit) at position 0"},
    {"1.2.3-beta\n", kLoose, "unexpected byte 0x0a"},
};

TEST(VersionTest, RejectsInvalidTextNamingInputAndPosition) {
  for (const InvalidCase& c : kInvalid) {
    SCOPED_TRACE(
        absl::StrCat("\"", c.text, "\"", c.mode == kStrict ? " strict" : ""));
    absl::StatusOr<Version> v = Version::Parse(c.text, c.mode);
    EXPECT_THAT(
        v, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)));
    if (!v.ok()) {
      EXPECT_THAT(std::string(v.status().message()),
                  HasSubstr("invalid version \""));
    }
  }
}

TEST(VersionTest, ErrorQuotesTheInputEscaped) {
  EXPECT_THAT(Version::Parse("1.\"2"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid version \"1.\\\"2\"")));
}

TEST(VersionTest, RejectsOverlongText) {
  EXPECT_THAT(Version::Parse(std::string(5000, '1')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("longer than 4096 characters")));
}

// SemVer 2.0.0 section 11, in ascending order, plus numeric edge cases.
TEST(VersionTest, PrecedenceFollowsSemVer) {
  const std::vector<std::string> ascending = {
      "0.0.0",       "0.0.1",         "0.1.0",
      "0.9.9",       "1.0.0-0",       "1.0.0-1",
      "1.0.0-2",
      "1.0.0-10",  // numeric, not textual
      "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
      "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
      "1.0.0-rc.1",  "1.0.0",         "1.0.1",
      "1.2.0",       "1.10.0",        "2.0.0",
      "10.0.0",
  };
  for (size_t i = 0; i < ascending.size(); ++i) {
    for (size_t j = 0; j < ascending.size(); ++j) {
      SCOPED_TRACE(absl::StrCat(ascending[i], " vs ", ascending[j]));
      const Version a = *Version::Parse(ascending[i], kStrict);
      const Version b = *Version::Parse(ascending[j], kStrict);
      const int want = i < j ? -1 : (i > j ? 1 : 0);
      const int got = a.Compare(b);
      EXPECT_EQ((got > 0) - (got < 0), want);
      EXPECT_EQ(a < b, i < j);
      EXPECT_EQ(a == b, i == j);
      EXPECT_EQ(a >= b, i >= j);
    }
  }
}

TEST(VersionTest, SortsKubernetesDistributionVersions) {
  std::vector<Version> vs;
  for (const char* t : {"v1.31.5+rke2r1", "v1.32.2-rc1+rke2r1",
                        "v1.31.4+rke2r1", "v1.32.2+rke2r1", "v1.30.9"}) {
    vs.push_back(*Version::Parse(t));
  }
  std::sort(vs.begin(), vs.end());
  std::vector<std::string> got;
  for (const Version& v : vs) got.push_back(v.original());
  EXPECT_THAT(
      got, ::testing::ElementsAre("v1.30.9", "v1.31.4+rke2r1", "v1.31.5+rke2r1",
                                  "v1.32.2-rc1+rke2r1", "v1.32.2+rke2r1"));
}

TEST(VersionTest, BuildMetadataIgnoredByEqualityAndHash) {
  const Version a = *Version::Parse("1.2.3+build.1");
  const Version b = *Version::Parse("v1.2.3+build.2");
  const Version c = *Version::Parse("1.2.3");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  EXPECT_EQ(absl::HashOf(a), absl::HashOf(b));
  EXPECT_EQ(absl::HashOf(a), absl::HashOf(c));
  EXPECT_NE(a.ToString(), b.ToString());  // spelling keeps the build
  EXPECT_NE(*Version::Parse("1.2.3-rc.1"), c);
  EXPECT_NE(absl::HashOf(*Version::Parse("1.2.3-rc.1")), absl::HashOf(c));
}

TEST(VersionTest, ConstructedVersion) {
  const Version v(1, 28, 0);
  EXPECT_EQ(v.ToString(), "1.28.0");
  EXPECT_EQ(v.original(), "1.28.0");
  EXPECT_FALSE(v.is_prerelease());
  EXPECT_EQ(Version(), Version(0, 0, 0));
}

TEST(VersionTest, ComparePrereleaseHandlesEmptyAndHugeIdentifiers) {
  EXPECT_LT(ComparePrerelease("", "beta"), 0);
  EXPECT_GT(ComparePrerelease("beta", ""), 0);
  EXPECT_EQ(ComparePrerelease("", ""), 0);
  EXPECT_LT(ComparePrerelease("alpha", "alpha.1"), 0);
  EXPECT_LT(ComparePrerelease("2", "10"), 0);
  EXPECT_LT(ComparePrerelease("999", "a"), 0);
  // Beyond 64 bits Masterminds compares as text.
  EXPECT_GT(ComparePrerelease("99999999999999999999", "100000000000000000000"),
            0);
}

}  // namespace
}  // namespace upgrade_core
