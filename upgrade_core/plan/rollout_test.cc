#include "upgrade_core/plan/rollout.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::plan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::upgrade_core::testing::StatusIs;

IntOrString I(int64_t v) { return IntOrString::Int(v); }
IntOrString S(const char* s) { return IntOrString::String(s); }
const IntOrString kUnset;

struct Case {
  RolloutKind kind;
  int64_t replicas;
  IntOrString surge;
  IntOrString unavailable;
  int64_t want_surge;
  int64_t want_unavailable;
};

std::string Describe(const Case& c) {
  return absl::StrCat(RolloutKindName(c.kind), " replicas=", c.replicas,
                      " surge=", c.surge.DebugString(),
                      " unavailable=", c.unavailable.DebugString());
}

constexpr RolloutKind kDep = RolloutKind::kDeployment;
constexpr RolloutKind kDs = RolloutKind::kDaemonSet;

TEST(ResolveRolloutBudgetTest, ValidValuesResolveLikeTheControllers) {
  const Case kCases[] = {
      // Deployment: integers pass through.
      {kDep, 3, I(1), I(0), 1, 0},
      {kDep, 3, I(0), I(1), 0, 1},
      {kDep, 3, I(5), I(7), 5, 7},
      // Deployment defaults 25%/25%: surge rounds up, unavailable down.
      {kDep, 10, kUnset, kUnset, 3, 2},
      {kDep, 4, kUnset, kUnset, 1, 1},
      {kDep, 1, kUnset, kUnset, 1, 0},
      {kDep, 3, S("25%"), S("25%"), 1, 0},
      {kDep, 10, S("33%"), S("33%"), 4, 3},
      {kDep, 10, S("100%"), S("100%"), 10, 10},
      {kDep, 7, S("50%"), S("50%"), 4, 3},
      // ResolveFenceposts' own examples.
      {kDep, 2, S("0%"), S("1%"), 0, 1},  // rounds to 0/0 -> unavailable 1
      {kDep, 1, S("0%"), S("1%"), 0, 1},
      {kDep, 2, S("1%"), S("25%"), 1, 0},
      {kDep, 1, S("1%"), S("25%"), 1, 0},
      {kDep, 2, S("1%"), S("0%"), 1, 0},
      {kDep, 1, S("1%"), S("0%"), 1, 0},
      // Zero replicas: percentages give 0/0 -> unavailable 1 (Deployment
      // applies the rule unconditionally).
      {kDep, 0, S("25%"), S("25%"), 0, 1},
      {kDep, 0, I(1), I(0), 1, 0},
      // Mixed int and percent.
      {kDep, 10, I(2), S("10%"), 2, 1},
      {kDep, 10, S("15%"), I(0), 2, 0},
      // DaemonSet: defaults maxSurge 0, maxUnavailable 1.
      {kDs, 3, kUnset, kUnset, 0, 1},
      {kDs, 3, I(0), I(1), 0, 1},
      {kDs, 3, I(1), I(0), 1, 0},
      // DaemonSet percentages round UP, both of them.
      {kDs, 10, I(0), S("25%"), 0, 3},
      {kDs, 10, S("25%"), I(0), 3, 0},
      {kDs, 3, I(0), S("1%"), 0, 1},
      {kDs, 3, S("1%"), I(0), 1, 0},
      {kDs, 3, I(0), S("34%"), 0, 2},
      {kDs, 3, I(0), S("100%"), 0, 3},
      {kDs, 7, I(0), S("30%"), 0, 3},
      // DaemonSet on zero nodes: nothing to update, zero/zero stays zero.
      {kDs, 0, I(0), S("30%"), 0, 0},
      {kDs, 0, S("10%"), I(0), 0, 0},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(Describe(c));
    absl::StatusOr<RolloutBudget> got = ResolveRolloutBudget(
        c.replicas, c.surge, c.unavailable, c.kind, /*validate=*/true);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->surge, c.want_surge);
    EXPECT_EQ(got->unavailable, c.want_unavailable);
  }
}

TEST(ResolveRolloutBudgetTest, WithoutValidationResolvesAsTheController) {
  const Case kCases[] = {
      // Both zero: the controllers' fallback to one unavailable.
      {kDep, 3, I(0), I(0), 0, 1},
      {kDep, 0, I(0), I(0), 0, 1},
      {kDep, 5, S("0%"), S("0%"), 0, 1},
      {kDs, 3, I(0), I(0), 0, 1},
      {kDs, 3, S("0%"), S("0%"), 0, 1},
      {kDs, 0, I(0), I(0), 0, 0},  // desiredNumberScheduled == 0
      // Over 100% and negatives pass through the arithmetic.
      {kDep, 4, I(0), S("150%"), 0, 6},
      {kDs, 4, S("150%"), I(0), 6, 0},
      {kDep, 4, I(-1), I(2), -1, 2},
      {kDep, 10, S("-15%"), I(1), -1, 1},  // ceil(-1.5) = -1
      {kDep, 10, I(1), S("-15%"), 1, -2},  // floor(-1.5) = -2
      // DaemonSet with both set (validation forbids it).
      {kDs, 10, I(1), S("20%"), 1, 2},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(Describe(c));
    absl::StatusOr<RolloutBudget> got = ResolveRolloutBudget(
        c.replicas, c.surge, c.unavailable, c.kind, /*validate=*/false);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->surge, c.want_surge);
    EXPECT_EQ(got->unavailable, c.want_unavailable);
  }
}

struct ErrorCase {
  RolloutKind kind;
  IntOrString surge;
  IntOrString unavailable;
  std::vector<std::string> messages;  // in Kubernetes' order
};

TEST(ValidateRollingUpdateTest, KubernetesWording) {
  const std::string kPct =
      "a valid percent string must be a numeric string followed by an ending "
      "'%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";
  const ErrorCase kCases[] = {
      {kDep,
       I(0),
       I(0),
       {"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may "
        "not be 0 when `maxSurge` is 0"}},
      {kDep,
       S("0%"),
       I(0),
       {"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may "
        "not be 0 when `maxSurge` is 0"}},
      {kDep,
       I(-1),
       I(1),
       {"spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be "
        "greater than or equal to 0"}},
      {kDep,
       I(1),
       I(-2),
       {"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: -2: must "
        "be greater than or equal to 0"}},
      {kDep,
       S("20Percent"),
       I(1),
       {"spec.strategy.rollingUpdate.maxSurge: Invalid value: \"20Percent\": " +
        kPct}},
      // "25" (a string without %) is not a percentage, but counts as 25 for
      // the zero check, as Kubernetes' getIntOrPercentValue does.
      {kDep,
       S("25"),
       I(0),
       {"spec.strategy.rollingUpdate.maxSurge: Invalid value: \"25\": " +
        kPct}},
      {kDep,
       I(1),
       S("110%"),
       {"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "
        "\"110%\": must not be greater than 100%"}},
      // A Deployment's maxSurge may exceed 100%.
      {kDep, S("200%"), I(0), {}},
      {kDep,
       S("abc"),
       S("x"),
       {"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"x\": " +
            kPct,
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"abc\": " + kPct,
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"x\": "
        "may not be 0 when `maxSurge` is 0"}},
      // DaemonSet.
      {kDs,
       I(0),
       I(0),
       {"spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: "
        "cannot be 0 when maxSurge is 0"}},
      {kDs,
       I(1),
       I(1),
       {"spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may "
        "not be set when maxUnavailable is non-zero"}},
      {kDs,
       S("10%"),
       kUnset,  // default maxUnavailable is 1
       {"spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "
        "\"10%\": may not be set when maxUnavailable is non-zero"}},
      {kDs,
       S("101%"),
       I(0),
       {"spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "
        "\"101%\": must not be greater than 100%"}},
      {kDs,
       I(0),
       S("120%"),
       {"spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "
        "\"120%\": must not be greater than 100%"}},
      {kDs,
       I(-1),
       I(0),
       {"spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: -1: must "
        "be greater than or equal to 0"}},
      {kDs,
       I(-1),
       I(2),
       {"spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: -1: must "
        "be greater than or equal to 0",
        "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: -1: may "
        "not be set when maxUnavailable is non-zero"}},
      {kDs, I(0), I(1), {}},
      {kDs, I(1), I(0), {}},
      {kDs, S("100%"), I(0), {}},
  };
  for (const ErrorCase& c : kCases) {
    SCOPED_TRACE(absl::StrCat(RolloutKindName(c.kind),
                              " surge=", c.surge.DebugString(),
                              " unavailable=", c.unavailable.DebugString()));
    EXPECT_EQ(ValidateRollingUpdate(c.kind, c.surge, c.unavailable),
              c.messages);
    absl::StatusOr<RolloutBudget> got =
        ResolveRolloutBudget(10, c.surge, c.unavailable, c.kind, true);
    if (c.messages.empty()) {
      EXPECT_TRUE(got.ok()) << got.status();
    } else if (c.messages.size() == 1) {
      EXPECT_THAT(got,
                  StatusIs(absl::StatusCode::kInvalidArgument, c.messages[0]));
    } else {
      EXPECT_THAT(got, StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr(absl::StrCat("[", c.messages[0], ", ",
                                                       c.messages[1]))));
    }
  }
}

TEST(ResolveRolloutBudgetTest, ControllerErrorsWithoutValidation) {
  EXPECT_THAT(ResolveRolloutBudget(3, S("25"), I(0), kDep, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("string is not a percentage")));
  EXPECT_THAT(ResolveRolloutBudget(3, I(0), S("x%"), kDs, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("strconv.Atoi: parsing \"x\"")));
  EXPECT_THAT(ResolveRolloutBudget(-1, I(0), I(1), kDep, false),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("must be greater than or equal to 0")));
}

TEST(RolloutKindTest, ParseAndDefaults) {
  EXPECT_EQ(*ParseRolloutKind("deployment"), kDep);
  EXPECT_EQ(*ParseRolloutKind("DaemonSet"), kDs);
  EXPECT_THAT(ParseRolloutKind("StatefulSet"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected Deployment or DaemonSet")));
  EXPECT_EQ(DefaultMaxSurge(kDep), S("25%"));
  EXPECT_EQ(DefaultMaxUnavailable(kDs), I(1));
  EXPECT_THAT(ValidateRollingUpdate(kDep, kUnset, kUnset), IsEmpty());
  EXPECT_THAT(ValidateRollingUpdate(kDs, kUnset, kUnset), IsEmpty());
  EXPECT_THAT(ValidateRollingUpdate(kDs, kUnset, I(0)),
              ElementsAre(HasSubstr("cannot be 0 when maxSurge is 0")));
}

}  // namespace
}  // namespace upgrade_core::plan
