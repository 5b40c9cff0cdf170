// `upgradectl simulate` end to end (in-process) on the example's plans: the
// fixed plan completes with every floor held; the naive one (a surging
// DaemonSet on host ports, checks failing) is simulated anyway and shows
// the clash, the timeout and the rollback. Many seeds, a comparison, the
// gantt and the SVG.
#include <fstream>
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

// --cluster: the example's cluster file (a verify that fails once, a node
// lost at 2m, random step durations) changes what happens, and seeds now
// differ from one another.
TEST(SimulateCommandTest, ClusterFileDrivesTheRun) {
  const std::string plan = absl::StrCat(kExample, "plan.yaml");
  const std::string cluster = absl::StrCat(kExample, "cluster.yaml");
  const Result plain = RunCli({"simulate", plan});
  const Result with = RunCli({"simulate", plan, "--cluster", cluster});
  EXPECT_EQ(with.exit_code, kExitFindings) << with.out << with.err;
  EXPECT_NE(with.out, plain.out);
  const Result seed1 =
      RunCli({"simulate", plan, "--cluster", cluster, "--seed", "1"});
  EXPECT_NE(seed1.out, with.out);
}

TEST(SimulateCommandTest, BadClusterFileIsBadInput) {
  const Result missing =
      RunCli({"simulate", absl::StrCat(kExample, "plan.yaml"), "--cluster",
              "no-such-cluster.yaml"});
  EXPECT_EQ(missing.exit_code, kExitBadInput);
  EXPECT_THAT(missing.err, HasSubstr("no-such-cluster.yaml"));
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

TEST(SimulateCommandTest, RunsSummarizesEverySeed) {
  const Result r =
      RunCli({"simulate", absl::StrCat(kExample, "plan.yaml"), "--runs", "20"});
  EXPECT_EQ(r.exit_code, kExitOk) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("rke2-ingress-nginx: 20 runs (seeds 0..19)"));
  EXPECT_THAT(r.out, HasSubstr("healthy:     20/20 (1.0000)"));
  EXPECT_THAT(r.out, HasSubstr("duration:    p50 "));
}

TEST(SimulateCommandTest, RunsOfTheNaivePlanExitOne) {
  const Result r =
      RunCli({"simulate", absl::StrCat(kExample, "plan-naive.yaml"), "--runs=5",
              "--seed=100", "--format=json"});
  EXPECT_EQ(r.exit_code, kExitFindings) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("\"runCount\":5,\"healthy\":0"));
  EXPECT_THAT(r.out, HasSubstr("{\"seed\":104,"));
  EXPECT_EQ(r.out,
            RunCli({"simulate", absl::StrCat(kExample, "plan-naive.yaml"),
                    "--runs", "5", "--seed", "100", "--format", "json"})
                .out);
}

TEST(SimulateCommandTest, CompareExitsOnTheFirstPlan) {
  const std::string fixed = absl::StrCat(kExample, "plan.yaml");
  const std::string naive = absl::StrCat(kExample, "plan-naive.yaml");
  const Result good =
      RunCli({"simulate", fixed, "--compare", naive, "--runs", "3"});
  EXPECT_EQ(good.exit_code, kExitOk) << good.out << good.err;
  EXPECT_THAT(good.out, HasSubstr("comparison over 3 runs (same cluster, "
                                  "same seeds)"));
  EXPECT_THAT(good.out, HasSubstr("rke2-ingress-nginx-naive"));
  EXPECT_THAT(good.out, HasSubstr("plan-naive.yaml: the plan's checks fail"));
  const Result bad =
      RunCli({"simulate", naive, "--compare", fixed, "--format", "json"});
  EXPECT_EQ(bad.exit_code, kExitFindings) << bad.out << bad.err;
  EXPECT_THAT(bad.out,
              HasSubstr("{\"a\":{\"plan\":\"rke2-ingress-nginx-naive\""));
}

TEST(SimulateCommandTest, MermaidGantt) {
  const Result r = RunCli(
      {"simulate", absl::StrCat(kExample, "plan.yaml"), "--format", "mermaid"});
  EXPECT_EQ(r.exit_code, kExitOk) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("gantt\n  title rke2-ingress-nginx (seed 0) "
                               "succeeded after "));
  EXPECT_THAT(r.out, HasSubstr("  section ingress-controller\n"));
  EXPECT_THAT(r.out, HasSubstr("  await-ready :done, "));
}

TEST(SimulateCommandTest, SvgIsWrittenToTheFile) {
  const std::string file =
      absl::StrCat(testing::TempDir(), "/simulate_command_test.svg");
  const Result r = RunCli(
      {"simulate", absl::StrCat(kExample, "plan-naive.yaml"), "--svg", file});
  EXPECT_EQ(r.exit_code, kExitFindings) << r.out << r.err;
  std::ifstream in(file);
  std::stringstream svg;
  svg << in.rdbuf();
  EXPECT_THAT(svg.str(),
              HasSubstr("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg.str(), HasSubstr("ingress: ready endpoints"));
  EXPECT_THAT(r.out, HasSubstr("rolled_back"));  // the text still printed
}

TEST(SimulateCommandTest, BadInputExitsTwo) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"simulate"},
           {"simulate", "x.yaml", "--seed", "minus"},
           {"simulate", "x.yaml", "--format", "svg"},
           {"simulate", "x.yaml", "--frobnicate"},
           {"simulate", absl::StrCat(kExample, "no-such-plan.yaml")},
           {"simulate", "x.yaml", "--runs", "0"},
           {"simulate", "x.yaml", "--runs", "many"},
           {"simulate", "x.yaml", "--runs", "3", "--format", "mermaid"},
           {"simulate", "x.yaml", "--compare", "y.yaml", "--svg", "z.svg"},
           {"simulate", "-", "--compare", "-"},
           {"simulate", "x.yaml", "--compare"},
           {"simulate", absl::StrCat(kExample, "plan.yaml"), "--compare",
            absl::StrCat(kExample, "no-such-plan.yaml")},
           {"simulate", absl::StrCat(kExample, "plan.yaml"), "--svg",
            "/no/such/dir/out.svg"},
       }) {
    const Result r = RunCli(args);
    EXPECT_EQ(r.exit_code, kExitBadInput) << args.back() << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr("upgradectl simulate"));
  }
}

}  // namespace
}  // namespace upgrade_core::cli
