// `upgradectl simulate` end to end (in-process) on the example's plans: the
// fixed plan completes with every floor held; the naive one (a surging
// DaemonSet on host ports, checks failing) is simulated anyway and shows
// the clash, the timeout and the rollback.
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/upgradectl/command.h"

namespace upgrade_core::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kExample[] = "examples/rke2-ingress-nginx/";

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

Result RunCli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = RunUpgradectl(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(SimulateCommandTest, FixedPlanHoldsItsFloors) {
  const Result r = RunCli({"simulate", absl::StrCat(kExample, "plan.yaml")});
  EXPECT_EQ(r.exit_code, kExitOk) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("simulation of rke2-ingress-nginx (seed 0): "
                               "succeeded"));
  EXPECT_THAT(r.out, HasSubstr("ingress: min 2/3 ready, floor 2: held"));
  EXPECT_THAT(r.out, Not(HasSubstr("checks fail")));
}

TEST(SimulateCommandTest, NaivePlanShowsTheClashAndRollsBack) {
  const Result r =
      RunCli({"simulate", absl::StrCat(kExample, "plan-naive.yaml")});
  EXPECT_EQ(r.exit_code, kExitFindings) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("the plan's checks fail (simulated anyway"));
  EXPECT_THAT(r.out, HasSubstr("rolled_back"));
  EXPECT_THAT(r.out,
              HasSubstr("pod ingress-controller-new-node-1 on node-1 needs "
                        "hostPort:80, held by ingress-controller-old-node-1 "
                        "(never freed)"));
  EXPECT_THAT(r.out, HasSubstr("ingress-controller/await-ready timed out"));
}

TEST(SimulateCommandTest, JsonIsTheSameBytesForTheSameSeed) {
  const std::vector<std::string> args = {
      "simulate", absl::StrCat(kExample, "plan-naive.yaml"), "--seed", "3",
      "--format=json"};
  const Result a = RunCli(args);
  const Result b = RunCli(args);
  EXPECT_EQ(a.exit_code, kExitFindings);
  EXPECT_EQ(a.out, b.out);
  EXPECT_THAT(a.out, HasSubstr("\"seed\":3,\"outcome\":\"rolled_back\""));
}

TEST(SimulateCommandTest, BadInputExitsTwo) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"simulate"},
           {"simulate", "x.yaml", "--seed", "minus"},
           {"simulate", "x.yaml", "--format", "svg"},
           {"simulate", "x.yaml", "--frobnicate"},
           {"simulate", absl::StrCat(kExample, "no-such-plan.yaml")},
       }) {
    const Result r = RunCli(args);
    EXPECT_EQ(r.exit_code, kExitBadInput) << args.back() << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr("upgradectl simulate"));
  }
}

}  // namespace
}  // namespace upgrade_core::cli
