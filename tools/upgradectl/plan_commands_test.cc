#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/upgradectl/command.h"

namespace upgrade_core::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Case {
  std::vector<std::string> args;
  int exit_code;
  std::vector<std::string> out;
  const char* err;
};

constexpr char kNaive[] = "examples/rke2-ingress-nginx/plan-naive.yaml";
constexpr char kFixed[] = "examples/rke2-ingress-nginx/plan.yaml";

TEST(PlanCommandsTest, ValidateAndPlan) {
  const Case kCases[] = {
      {{"validate", kFixed},
       kExitOk,
       {"plan.yaml: OK (4 components, 1 note)"},
       ""},
      {{"validate", kNaive},
       kExitFindings,
       {"error: components[2].strategy.maxSurge: \"ingress-controller\" holds "
        "hostPort:80, "
        "hostPort:443 exclusively on each node",
        "webhook \"admission-webhook\" (failurePolicy: Fail) does not depend "
        "on its server",
        "my-values.naive.yaml:23:3: error: podSecurityPolicy.enabled",
        "6 errors, the plan is unsafe"},
       ""},
      {{"validate", kNaive, "--format=json"},
       kExitFindings,
       {"{\"ok\":false,\"problems\":[{\"severity\":\"error\"",
        "\"code\":\"exclusive.surge\""},
       ""},
      {{"validate", "/nonexistent.yaml"},
       kExitBadInput,
       {},
       "cannot read plan file"},
      {{"validate"}, kExitBadInput, {}, "usage: upgradectl validate PLAN.yaml"},
      {{"validate", kFixed, "--format", "sarif"},
       kExitBadInput,
       {},
       "unknown --format sarif"},
      {{"validate", kFixed, "--bogus"},
       kExitBadInput,
       {},
       "unknown flag --bogus"},
      {{"plan", kFixed},
       kExitOk,
       {"Execution plan \"rke2-ingress-nginx\": 4 components, 4 waves",
        "ingress-controller/terminate-old", "On failure (rollback-all)"},
       ""},
      {{"plan", kFixed, "--format", "json"},
       kExitOk,
       {"{\"name\":\"rke2-ingress-nginx\""},
       ""},
      {{"plan", kFixed, "--format=dot"},
       kExitOk,
       {"digraph \"rke2-ingress-nginx\""},
       ""},
      {{"plan", kFixed, "--format=mermaid"}, kExitOk, {"gantt\n"}, ""},
      {{"plan", kFixed, "--format=mermaid", "--mermaid=flowchart"},
       kExitOk,
       {"flowchart"},
       ""},
      {{"plan", kNaive}, kExitFindings, {}, "is unsafe"},
      {{"plan", kFixed, "--format"},
       kExitBadInput,
       {},
       "--format needs a value"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.args.size() > 2 ? c.args[0] + " " + c.args[2] : c.args[0]);
    std::ostringstream out, err;
    EXPECT_EQ(RunUpgradectl(c.args, out, err), c.exit_code)
        << out.str() << err.str();
    for (const std::string& o : c.out) EXPECT_THAT(out.str(), HasSubstr(o));
    EXPECT_THAT(err.str(), HasSubstr(c.err));
  }
}

TEST(PlanCommandsTest, BadYamlNamesTheLocation) {
  std::ostringstream out, err;
  EXPECT_EQ(RunUpgradectl(
                {"validate", "examples/rke2-ingress-nginx/values-4.11.8.yaml"},
                out, err),
            kExitBadInput);
  EXPECT_THAT(
      err.str(),
      HasSubstr("values-4.11.8.yaml:4:1: error: controller: unknown field"));
}

}  // namespace
}  // namespace upgrade_core::cli
