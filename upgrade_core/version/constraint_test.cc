#include "upgrade_core/version/constraint.h"

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/util/status_matchers.h"
#include "upgrade_core/version/version.h"

namespace upgrade_core {
namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::StatusIs;

struct MatchCase {
  const char* constraint;
  const char* version;
  bool allowed;
};

// Every verdict here was checked against Masterminds semver v3.4.0 semantics
// (see testdata/README.md for how).
const MatchCase kMatch[] = {
    // Exact and "=".
    {"=2.0.0", "1.2.3", false},
    {"=2.0.0", "2.0.0", true},
    {"2.0.0", "2.0.0+build", true},
    {"=2.0.0+a", "2.0.0+b", true},
    {"1.2.3", "1.2.4", false},
    {"v1.2.3", "1.2.3", true},
    {"=2.0", "1.2.3", false},
    {"=2.0", "2.0.0", true},
    {"=2.0", "2.0.1", true},  // "2.0" is 2.0.x
    {"4.1", "4.1.0", true},
    {"= 2.0", "2.0.0", true},
    {"=0", "1.0.0", false},
    // "!="
    {"!=4.1.0", "4.1.0", false},
    {"!=4.1.0", "4.1.1", true},
    {"!=4.1", "4.1.0", false},
    {"!=4.1", "4.1.1", false},
    {"!=4.1", "5.1.0-alpha.1", false},
    {"!=4.1-alpha", "4.1.0", true},
    {"!=4.1-alpha", "4.1.0-alpha", false},
    {"!=4.1-alpha", "4.1.1-alpha", false},
    {"!=4.1", "5.1.0", true},
    {"!=4.x", "5.1.0", true},
    {"!=4.x", "4.1.0", false},
    {"!=4.1.x", "4.2.0", true},
    {"!=4.2.x", "4.2.3", false},
    {"!=*", "1.2.3", true},
    {"!=*", "0.0.0", false},
    {"!=1.2.3", "1.2.3-beta", false},  // prerelease gate
    // "<"
    {"<11", "0.1.0", true},
    {"<11", "11.1.0", false},
    {"<1.1", "0.1.0", true},
    {"<1.1", "1.1.0", false},
    {"<1.1", "1.1.1", false},
    {"<1.x", "1.1.1", false},
    {"<1.x", "0.1.1", true},
    {"<1.x", "2.0.0", false},
    {"<1.1.x", "1.2.1", false},
    {"<1.1.x", "1.1.500", false},
    {"<1.1.x", "1.0.500", true},
    {"<1.2.x", "1.1.1", true},
    {"<0", "0.0.0-alpha", false},
    {"<0-z", "0.0.0-alpha", true},
    {"<*", "0.0.0", false},
    // "<=" and "=<"
    {"<=11", "1.2.3", true},
    {"<=11", "12.2.3", false},
    {"<=11", "11.2.3", true},
    {"<=1.1", "1.2.3", false},
    {"<=1.1", "0.1.0", true},
    {"<=1.1", "1.1.0", true},
    {"<=1.1", "1.1.1", true},  // "1.1" is 1.1.x
    {"<=1.1", "0.1.0-alpha", false},
    {"<=1.1-a", "0.1.0-alpha", true},
    {"<=1.x", "1.1.0", true},
    {"<=2.x", "3.0.0", false},
    {"<=1.1.x", "1.2.500", false},
    {"<=4.5", "3.7.0", true},
    {"<=4.5", "4.6.3", false},
    {"=<1.2.3", "1.2.3", true},
    {"<=1.2.3", "1.2.4", false},
    {"<=*", "0.0.5", true},   // surprise: "<=*" only admits 0.0.z
    {"<=*", "0.1.0", false},  // surprise
    {"<=*", "1.0.0", false},  // surprise
    // ">"
    {">1.1", "4.1.0", true},
    {">1.1", "1.1.0", false},
    {">0", "0.0.0", false},
    {">0", "1.0.0", true},
    {">0", "0.0.1-alpha", false},
    {">0.0", "0.0.1-alpha", false},
    {">0-0", "0.0.1-alpha", false},
    {">0.0-0", "0.0.1-alpha", false},
    {">0", "0.0.0-alpha", false},
    {">0-0", "0.0.0-alpha", false},
    {">0.0.0-0", "0.0.0-alpha", true},
    {">1.2.3-alpha.1", "1.2.3-alpha.2", true},
    {">1.2.3-alpha.1", "1.3.3-alpha.2", true},
    {">11", "11.1.0", false},
    {">11.1", "11.1.0", false},
    {">11.1", "11.1.1", false},
    {">11.1", "11.2.1", true},
    {">1.2.3", "1.2.4", true},
    {">1.2.3", "1.2.3", false},
    {">*", "0.0.0", false},
    {">*", "0.0.1", true},
    // ">=" and "=>"
    {">=11", "11.1.2", true},
    {">=11.1", "11.1.2", true},
    {">=11.1", "11.0.2", false},
    {">=1.1", "4.1.0", true},
    {">=1.1", "4.1.0-beta", false},
    {">=1.1", "1.1.0", true},
    {">=1.1", "0.0.9", false},
    {">=0", "0.0.1-alpha", false},
    {">=0.0", "0.0.1-alpha", false},
    {">=0-0", "0.0.1-alpha", true},
    {">=0.0-0", "0.0.1-alpha", true},
    {">=0", "0.0.0-alpha", false},
    {">=0-0", "0.0.0-alpha", true},
    {">=0.0.0-0", "0.0.0-alpha", true},
    {">=0.0.0-0", "1.2.3", true},
    {">=0.0.0-0", "3.4.5-beta.1", true},
    {">=0", "0.0.0", true},
    {"=>1.2", "1.2.0", true},
    {"=> 1.2", "1.1.9", false},
    // Kubernetes kubeVersion idioms.
    {">= 1.28.0-0", "v1.28.3-gke.100", true},
    {">= 1.28.0-0", "1.29.1-eks-a1b2c3d", true},  // beyond 1.28.0: v3 rule
    {">= 1.28.0-0", "1.27.9-gke.1", false},
    {">= 1.28.0", "v1.28.3-gke.100", false},
    {">= 1.28.0", "v1.31.5+rke2r1", true},
    {">=1.28", "v1.32.2-rc1+rke2r1", false},
    {">=1.28-0", "v1.32.2-rc1+rke2r1", true},
    {">= 1.25.0-0 < 1.29.0-0", "1.28.9", true},
    {">= 1.25.0-0 < 1.29.0-0", "1.29.0-rc.1", false},
    {">= 1.25.0-0 < 1.29.0-0", "1.28.9-eks-1", true},
    // From Helm's chartutil compatible_test and helm/helm#9371.
    {">=1.20.0-0", "v1.27.1-3136+af29f64acbf9e6-dirty", true},
    {">= v1.16.0,< v1.21", "v1.20.2-34+350770ed07a558", false},
    {">= v1.16.0-0,< v1.21.0-0", "v1.20.2-34+350770ed07a558", true},
    // v3.4.0: one prerelease comparator admits prereleases for its group.
    {">=1.1-0 <2", "1.5.0-beta", true},
    {">=1.1-0, <2", "1.5.0-beta", true},
    {">=1.1 <2.0.0-0", "1.5.0-beta", true},
    {">=1.1 <2 || >=3.0.0-0", "1.5.0-beta", false},
    {">=1.1-0 <2 || >=3", "3.1.0-beta", false},
    {">=1.1-0 <2 || >=3-0", "3.1.0-beta", true},
    // Wildcards.
    {"*", "1.0.0", true},
    {"*", "4.5.6", true},
    {"*", "1.2.3-alpha.1", false},
    {"*-0", "1.2.3-alpha.1", true},
    {"x", "1.2.3", true},
    {"X", "0.0.0", true},
    {"2.*", "1.0.0", false},
    {"2.*", "3.4.5", false},
    {"2.*", "2.1.1", true},
    {"2.1.*", "2.1.1", true},
    {"2.1.*", "2.2.1", false},
    {"2", "1.0.0", false},
    {"2", "3.4.5", false},
    {"2", "2.1.1", true},
    {"2.1", "2.1.1", true},
    {"2.1", "2.2.1", false},
    {"1.x", "1.4.0", true},
    {"1.X", "1.4.0", true},
    {"4.1.x", "4.1.3", true},
    {"0.x.x", "1.2.3", false},
    {"0.0.x", "1.2.3", false},
    {"0.0.0", "1.2.3", false},
    {"1.x.3", "1.9.0", true},  // patch after a minor wildcard is ignored
    {"*.2.3", "9.9.9", true},  // minor/patch after "*" are ignored
    {"1.2.x-beta", "1.2.5-rc", true},
    {"1.2.x-beta", "1.2.0-alpha", false},
    // Tilde.
    {"~1.2.3", "1.2.4", true},
    {"~1.2.3", "1.3.4", false},
    {"~1.2", "1.2.4", true},
    {"~1.2", "1.3.4", false},
    {"~1", "1.2.4", true},
    {"~1", "2.3.4", false},
    {"~0.2.3", "0.2.5", true},
    {"~0.2.3", "0.3.5", false},
    {"~1.2.3-beta.2", "1.2.3-beta.4", true},
    {"~1.2.3-beta.2", "1.2.4-beta.2", true},  // not npm's rule
    {"~1.2.3-beta.2", "1.3.4-beta.2", false},
    {"~*", "2.1.1", true},
    {"~0.0.0", "1.2.3", true},  // special case: any version
    {"~0", "1.0.0", false},
    {"~0.0", "0.0.9", true},
    {"~0.0", "0.1.0", false},
    {"~1.x", "2.1.1", false},
    {"~1.x", "1.3.5", true},
    {"~1.x", "1.3.5-beta", false},
    {"~1.1", "1.1.1-alpha", false},
    {"~1.1-alpha", "1.1.1-beta", true},
    {"~1.1.1-beta", "1.1.1-alpha", false},
    {"~1.1.1-beta", "1.1.1", true},
    {"~1.3.6-alpha", "1.3.5-beta", false},
    {"~> 1.2.3", "1.2.9", true},
    {"~>1.2.3", "1.3.0", false},
    // Caret.
    {"^1.2.3", "1.8.9", true},
    {"^1.2.3", "2.8.9", false},
    {"^1.2.3", "1.2.1", false},
    {"^1.1.0", "2.1.0", false},
    {"^1.2.0", "2.2.1", false},
    {"^1.2.0", "1.2.1-alpha.1", false},
    {"^1.2.0-alpha.0", "1.2.1-alpha.1", true},
    {"^1.2.0-alpha.0", "1.2.1-alpha.0", true},
    {"^1.2.0-alpha.2", "1.2.0-alpha.1", false},
    {"^1.2", "1.8.9", true},
    {"^1.2", "2.8.9", false},
    {"^1", "1.8.9", true},
    {"^1", "2.8.9", false},
    {"^0.2.3", "0.2.5", true},
    {"^0.2.3", "0.5.6", false},
    {"^0.2", "0.2.5", true},
    {"^0.2", "0.5.6", false},
    {"^0.0.3", "0.0.3", true},
    {"^0.0.3", "0.0.4", false},
    {"^0.0", "0.0.3", true},
    {"^0.0", "0.1.4", false},
    {"^0.0", "1.0.4", false},
    {"^0", "0.2.3", true},
    {"^0", "1.1.4", false},
    {"^0.2.3-beta.2", "0.2.3-beta.4", true},
    {"^0.2.3-beta.2", "0.2.4-beta.2", true},
    {"^0.2.3-beta.2", "0.3.4-beta.2", false},
    {"^0.2.3-beta.2", "0.2.3-beta.2", true},
    {"^1.x", "1.1.1", true},
    {"^2.x", "1.1.1", false},
    {"^1.x", "2.1.1", false},
    {"^1.x", "1.1.1-beta1", false},
    {"^1.1.2-alpha", "1.2.1-beta1", true},
    {"^1.2.x-alpha", "1.1.1-beta1", false},
    {"^0.0.1", "0.0.1", true},
    {"^0.0.1", "0.3.1", false},
    {"^0.0.0", "1.2.3", false},
    {"^0.0.0", "0.0.0", true},
    {"^*", "1.2.3", false},  // surprise: "^*" only admits 0.0.0
    {"^*", "0.2.0", false},
    {"^*", "0.0.0", true},
    {"^v1.2.3", "1.5.0", true},
    // AND lists: commas and whitespace.
    {">1.1, <2", "1.1.1", false},
    {">1.1, <2", "1.2.1", true},
    {">1.1, <3", "4.3.2", false},
    {">=1.1, <2, !=1.2.3", "1.2.3", false},
    {">1.1 <2", "1.1.1", false},
    {">1.1 <2", "1.2.1", true},
    {">1.1    <3", "4.3.2", false},
    {">=1.1    <2    !=1.2.3", "1.2.3", false},
    {"> 1.1, <     2", "1.1.1", false},
    {">   1.1, <2", "1.2.1", true},
    {">= 1.1, <     2, !=1.2.3", "1.2.3", false},
    {">1.1 < 2", "1.2.1", true},
    {">=1.1 ,<2", "1.5.0", true},
    {"\t>=1.1\n<2 ", "1.5.0", true},
    {"1 2", "1.0.0", false},  // 1.x AND 2.x
    // OR.
    {">=1.1, <2, !=1.2.3 || > 3", "4.1.2", true},
    {">=1.1, <2, !=1.2.3 || > 3", "3.1.2", false},
    {">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", true},
    {">=1.1, <2, !=1.2.3 || > 3", "3.0.0", false},
    {">=1.1, <2, !=1.2.3 || > 3", "1.2.3", false},
    {">=1.1 <2 !=1.2.3 || > 3", "4.1.2", true},
    {">=1.2 <2.0 || 3.x", "3.9.0", true},
    {">=1.2 <2.0 || 3.x", "2.5.0", false},
    {"1.2.3||1.2.5", "1.2.5", true},
    // Hyphen ranges.
    {"1.1 - 2", "1.1.1", true},
    {"1.1 - 2", "2.9.9", true},  // upper "2" is 2.x (inclusive wildcard)
    {"1.1 - 2", "3.0.0", false},
    {"1.5.0 - 4.5", "3.7.0", true},
    {"1.5.0 - 4.5", "4.5.9", true},
    {"1.5.0 - 4.5", "4.6.0", false},
    {"1.2 - 1.4.5", "1.4.5", true},
    {"1.2 - 1.4.5", "1.4.6", false},
    {"1.2 - 1.4.5", "1.1.9", false},
    {"1.0.0 - 2.0.0 <=2.0.0", "1.5.0", true},
    {"1.0.0 - 2.0.0, <=2.0.0", "1.5.0", true},
    {"2 - 3 4.0.0 - 5.1", "3.0.0", false},
    {"1.0.0 - 2.0.0 || 3 - 4", "3.5.0", true},
    {"1||2 - 3", "1.5.0", true},  // surprise: ">= 1||2, <= 3" then split
    {"1||2 - 3", "2.5.0", true},
    {"1.2 - 1.4.5 || 1.6", "1.6.3", true},
    {"1.0.0-0 - 2", "1.5.0-rc.1", true},
    // Surprises: no spaces around '-' makes a prerelease version.
    {"1.2-1.4.5", "1.2.7", true},  // "=1.2.0-1.4.5" with a 1.2.x wildcard
    {"1.2-1.4.5", "1.3.0", false},
    {"1.2-1.4.5", "1.2.0-2", true},
    {"1.1-3", "4.3.2", false},
    {"1.2.3-1.4.5", "1.4.0", false},  // exact prerelease 1.2.3-1.4.5
    {"1.2.3-1.4.5", "1.2.3-1.4.5", true},
    // Leading zeros are coerced in constraints too.
    {">=01.02", "1.2.0", true},
    {"v2.3.5-20161202202307-sha.e8fc5e5", "2.3.5-20161202202307-sha.e8fc5e5",
     true},
};

TEST(ConstraintTest, MatchesMasterminds) {
  for (const MatchCase& c : kMatch) {
    SCOPED_TRACE(absl::StrCat("\"", c.constraint, "\" vs ", c.version));
    absl::StatusOr<Constraint> con = Constraint::Parse(c.constraint);
    ASSERT_TRUE(con.ok()) << con.status();
    absl::StatusOr<Version> v = Version::Parse(c.version);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(con->Allows(*v), c.allowed);
    EXPECT_EQ(*Constraint::Check(c.constraint, c.version), c.allowed);
    // The canonical form means the same thing and is a fixed point.
    absl::StatusOr<Constraint> again = Constraint::Parse(con->ToString());
    ASSERT_TRUE(again.ok()) << con->ToString() << ": " << again.status();
    EXPECT_EQ(again->Allows(*v), c.allowed) << con->ToString();
    EXPECT_EQ(again->ToString(), con->ToString());
  }
}

struct InvalidCase {
  const char* constraint;
  const char* message;
};

const InvalidCase kInvalid[] = {
    {"", "empty constraint at position 0"},
    {"   ", "empty constraint at position 0"},
    {"foo", "unexpected 'f' (expected an operator or a version) at position 0"},
    {">= bar", "unexpected 'b' (expected a version) at position 3"},
    {"BAR >= 1.2.3", "unexpected 'B'"},
    {">=", "expected a version at position 2"},
    {">= 1.2 <", "expected a version at position 8"},
    {">=1.2<2",
     "unexpected '<' (expected whitespace, ',', \"||\" or the end "
     "after a version) at position 5"},
    {"12.3.4.1234", "unexpected '.' (expected whitespace"},
    {"12.3.34~ 1.2.3", "unexpected '~' (expected whitespace"},
    {"1.2,", "expected a version at position 4"},
    {",1.2", "unexpected ','"},
    {"1.2,,1.3",
     "unexpected ',' (expected an operator or a version) at "
     "position 4"},
    {"1.2 ||", "expected a version (empty \"||\" alternative) at position 6"},
    {"|| 1.2", "empty \"||\" alternative) at position 0"},
    {"1.2 || || 1.3", "empty \"||\" alternative)"},
    {"1.2 - ",
     "unexpected '-' (expected an operator or a version) at "
     "position 4"},
    {"1.2 -1.3", "unexpected '-'"},
    {"1.0 2 - 3",
     "unexpected '>' (expected whitespace, ',', \"||\" or the end "
     "after a version) at position 3"},  // Masterminds quirk
    {"==1.2", "unexpected '=' (expected a version) at position 1"},
    {"!1.2", "unexpected '!'"},
    {"> = 1.2", "unexpected '='"},
    {"1x",
     "unexpected 'x' in a version number (expected digits or a lone x, "
     "X or *) at position 1"},
    {"xx", "unexpected 'x' in a version number"},
    {"1.2|3", "unexpected '|' in a version number"},
    {"1.2.3-01",
     "leading zero in a numeric prerelease identifier at "
     "position 6"},
    {"*-01", "leading zero in a numeric prerelease identifier at position 2"},
    {">=99999999999999999999", "does not fit in 64 bits at position 2"},
    {"1.2.3-", "unexpected '-'"},
    {"1.2.3+", "unexpected '+'"},
    {"latest", "unexpected 'l'"},
    {"V1.2", "unexpected 'V'"},
    {">= 1.2.3 ; < 2", "unexpected ';'"},
    {">= 1.2.3 && < 2", "unexpected '&'"},
    {"1.2.3 - 4.5.6 - 7", "at position 14"},
};

TEST(ConstraintTest, RejectsInvalidNamingInputAndPosition) {
  for (const InvalidCase& c : kInvalid) {
    SCOPED_TRACE(absl::StrCat("\"", c.constraint, "\""));
    absl::StatusOr<Constraint> con = Constraint::Parse(c.constraint);
    EXPECT_THAT(con, StatusIs(absl::StatusCode::kInvalidArgument,
                              HasSubstr(c.message)));
    if (!con.ok()) {
      EXPECT_THAT(std::string(con.status().message()),
                  HasSubstr(absl::StrCat("invalid constraint \"")));
    }
  }
}

TEST(ConstraintTest, RejectsOverlongText) {
  std::string text = ">=1.0.0";
  while (text.size() < 5000) text += " >=1.0.0";
  EXPECT_THAT(Constraint::Parse(text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("longer than 4096 characters")));
}

TEST(ConstraintTest, CheckReportsVersionErrors) {
  EXPECT_THAT(Constraint::Check(">=1.0", "1.x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid version \"1.x\"")));
  EXPECT_THAT(Constraint::Check(">=", "1.0.0"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid constraint \">=\"")));
}

struct CanonicalCase {
  const char* constraint;
  const char* canonical;
};

const CanonicalCase kCanonical[] = {
    {">= 1.2", ">=1.2.0"},
    {"=> v1.2.3", ">=1.2.3"},
    {"=<1.2", "<=1.2.x"},
    {"< 1.31", "<1.31.0"},
    {"> 1.2", ">1.2.x"},
    {"=1.2.3", "1.2.3"},
    {"1.2.3+build.5", "1.2.3"},
    {"1.2", "1.2.x"},
    {"1.2.X", "1.2.x"},
    {"v1", "1.x"},
    {"1.*.*", "1.x"},
    {"*", "*"},
    {"x.2.3", "*"},
    {"~> 1.2", "~1.2.x"},
    {"~1.2.3", "~1.2.3"},
    {"^01.2", "^1.2.x"},
    {"!= 4.x", "!=4.x"},
    {">= 1.28.0-0 < 1.31", ">=1.28.0-0 <1.31.0"},
    {"1.2 - 1.4.5", ">=1.2.0 <=1.4.5"},
    {">=1.1, <2, !=1.2.3 || > 3", ">=1.1.0 <2.0.0 !=1.2.3 || >3.x"},
    {"1.2-1.4.5", "1.2.x-1.4.5"},
    {"*-0", "*-0"},
    {"  ^1.x-rc.1  ", "^1.x-rc.1"},
};

TEST(ConstraintTest, CanonicalForm) {
  for (const CanonicalCase& c : kCanonical) {
    SCOPED_TRACE(c.constraint);
    absl::StatusOr<Constraint> con = Constraint::Parse(c.constraint);
    ASSERT_TRUE(con.ok()) << con.status();
    EXPECT_EQ(con->ToString(), c.canonical);
    EXPECT_EQ(con->original(), c.constraint);
  }
}

TEST(ConstraintTest, IncludePrereleaseOption) {
  ConstraintOptions all;
  all.include_prerelease = true;
  const Version rc = *Version::Parse("1.5.0-rc.1");
  EXPECT_FALSE(Constraint::Parse(">=1.0 <2")->Allows(rc));
  EXPECT_TRUE(Constraint::Parse(">=1.0 <2", all)->Allows(rc));
  // With prereleases included, plain precedence applies: 1.5.0-rc.1 < 1.5.0.
  EXPECT_TRUE(Constraint::Parse(">=1.0 <1.5", all)->Allows(rc));
  EXPECT_TRUE(*Constraint::Check("*", "2.0.0-beta", all));
  EXPECT_FALSE(*Constraint::Check("*", "2.0.0-beta"));
}

TEST(ConstraintTest, ExposesStructure) {
  const Constraint c = *Constraint::Parse(">=1.2.3-0, <2 || ~3.1");
  ASSERT_EQ(c.groups().size(), 2u);
  EXPECT_TRUE(c.groups()[0].has_prerelease);
  EXPECT_FALSE(c.groups()[1].has_prerelease);
  ASSERT_EQ(c.comparators().size(), 3u);
  EXPECT_EQ(c.comparators()[0].op, Constraint::Op::kGreaterEqual);
  EXPECT_EQ(c.comparators()[0].prerelease, "0");
  EXPECT_EQ(c.comparators()[1].wildcard, Constraint::Wildcard::kMinor);
  EXPECT_EQ(c.comparators()[2].op, Constraint::Op::kTilde);
  EXPECT_EQ(c.comparators()[2].wildcard, Constraint::Wildcard::kPatch);
}

// Random strings over the grammar's characters: parsing never crashes, and
// whatever parses has a canonical form that parses to the same canonical form
// and gives the same verdicts.
TEST(ConstraintTest, RandomInputIsSafeAndCanonicalFormIsStable) {
  const std::string alphabet = "0123456789.xX*|-+ ,<>=!~^vab\t";
  std::mt19937 rng(12345);
  const Version probes[] = {*Version::Parse("0.0.0"), *Version::Parse("1.2.3"),
                            *Version::Parse("1.2.3-rc.1"),
                            *Version::Parse("2.0.0"),
                            *Version::Parse("10.1.0")};
  int valid = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string text;
    const int len = 1 + static_cast<int>(rng() % 16);
    for (int k = 0; k < len; ++k) text += alphabet[rng() % alphabet.size()];
    absl::StatusOr<Constraint> c = Constraint::Parse(text);
    absl::StatusOr<Version> v = Version::Parse(text);  // must not crash either
    if (!c.ok()) {
      EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
      continue;
    }
    ++valid;
    SCOPED_TRACE(text);
    absl::StatusOr<Constraint> again = Constraint::Parse(c->ToString());
    ASSERT_TRUE(again.ok()) << c->ToString() << ": " << again.status();
    EXPECT_EQ(again->ToString(), c->ToString());
    for (const Version& p : probes) EXPECT_EQ(again->Allows(p), c->Allows(p));
  }
  EXPECT_GT(valid, 500);
}

// Golden verdicts from Masterminds semver (see testdata/README.md): one line
// per case, "constraint<TAB>version<TAB>true|false|cerr|verr".
TEST(ConstraintTest, GoldenFileFromMasterminds) {
  const char* path =
      "upgrade_core/version/testdata/masterminds_v3.4.0_golden.tsv";
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << path;
  std::string line;
  int cases = 0, mismatches = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    ASSERT_EQ(f.size(), 3u) << line;
    ++cases;
    std::string got;
    absl::StatusOr<Constraint> c = Constraint::Parse(f[0]);
    if (!c.ok()) {
      got = "cerr";
    } else if (absl::StatusOr<Version> v = Version::Parse(f[1]); !v.ok()) {
      got = "verr";
    } else {
      got = c->Allows(*v) ? "true" : "false";
    }
    if (got != f[2] && ++mismatches <= 20) {
      ADD_FAILURE() << "\"" << f[0] << "\" vs \"" << f[1] << "\": got " << got
                    << ", Masterminds says " << f[2];
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(cases, 1000);
}

}  // namespace
}  // namespace upgrade_core
