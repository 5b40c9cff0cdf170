#include <cstdlib>
#include <filesystem>
#include <fstream>
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
        "5 errors, the plan is unsafe"},
       ""},
      {{"validate", kNaive, "--format=json"},
       kExitFindings,
       {"{\"version\":3,\"ok\":false,\"summary\":{\"error\":5,",
        "\"diagnostics\":[{\"severity\":\"error\"",
        "\"code\":\"exclusive.surge\""},
       ""},
      {{"validate", "/nonexistent.yaml"},
       kExitBadInput,
       {},
       "/nonexistent.yaml: cannot open"},
      {{"validate"}, kExitBadInput, {}, "upgradectl validate: no plan file"},
      // Issue 10: every command emits every diagnostics format; validate's
      // text names the codes as check's does.
      {{"validate", kNaive, "--format", "sarif"},
       kExitFindings,
       {"\"version\":\"2.1.0\"", "{\"id\":\"exclusive.surge\"",
        "\"ruleId\":\"exclusive.surge\"", "\"help\":{\"text\":"},
       ""},
      {{"validate", kNaive},
       kExitFindings,
       {"exclusively on each node", "[exclusive.surge]\n"},
       ""},
      {{"plan", kNaive, "--format", "sarif"},
       kExitFindings,
       {"\"ruleId\":\"exclusive.surge\"", "\"level\":\"error\""},
       ""},
      {{"plan", kFixed, "--format", "sarif"},
       kExitOk,
       {"\"version\":\"2.1.0\"", "\"level\":\"note\""},
       ""},
      {{"validate", kFixed, "--format", "xml"},
       kExitBadInput,
       {},
       "unknown --format xml"},
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
       {"{\"version\":3,\"ok\":true,\"name\":\"rke2-ingress-nginx\"",
        "\"diagnostics\":[{\"severity\":\"info\""},
       ""},
      {{"plan", kNaive, "--format", "json"},
       kExitFindings,
       {"{\"version\":3,\"ok\":false,", "\"code\":\"exclusive.surge\""},
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

// Issue 9: the JSON output used to be hand-written with an escaper that let
// a tab (or any control character) through raw: invalid JSON.
TEST(PlanCommandsTest, JsonEscapesControlCharactersInIds) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/tab.yaml";
  std::ofstream(path) << "apiVersion: upgrade-core/v1\nkind: UpgradePlan\n"
                         "components:\n"
                         "  - id: \"a\\tb\"\n"
                         "    kind: Deployment\n"
                         "    strategy: {type: OnDelete}\n"
                         "  - id: \"c\\u0001d\"\n"
                         "    dependsOn: [\"no\\tsuch\"]\n";
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::vector<std::string> out;
  };
  const Case kCases[] = {
      {{"validate", path, "--format", "json"},
       kExitFindings,
       {R"("component":"a\tb")", R"("component":"c\u0001d")",
        R"(\"no\tsuch\")"}},
      {{"plan", path, "--format", "json"},
       kExitFindings,
       {R"("component":"c\u0001d")"}},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.args[0]);
    std::ostringstream out, err;
    EXPECT_EQ(RunUpgradectl(c.args, out, err), c.exit_code) << err.str();
    for (const std::string& want : c.out) {
      EXPECT_THAT(out.str(), HasSubstr(want));
    }
    for (const char ch : out.str()) {
      EXPECT_FALSE(static_cast<unsigned char>(ch) < 0x20 && ch != '\n')
          << "raw control character " << static_cast<int>(ch) << " in "
          << out.str();
    }
  }
}

// The plan loader's hint for a config file outside the plan's directory
// names `upgradectl --allow-outside DIR`: the flag exists and works.
TEST(PlanCommandsTest, AllowOutsideReadsConfigFilesFromThatDirectory) {
  const std::string examples =
      std::filesystem::absolute("examples/rke2-ingress-nginx").string();
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = std::string(tmp ? tmp : "/tmp") + "/outside";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/plan.yaml";
  std::ofstream(path) << "apiVersion: upgrade-core/v1\nkind: UpgradePlan\n"
                         "components:\n  - id: ingress\n    config:\n"
                         "      oldDefaults: "
                      << examples << "/values-4.11.8.yaml\n"
                      << "      newDefaults: " << examples
                      << "/values-4.12.8.yaml\n";
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string out;
    std::string err;
  };
  const Case kCases[] = {
      {{"validate", path},
       kExitBadInput,
       "",
       "is an absolute path; config files are read only from the plan's"},
      {{"validate", path, "--allow-outside", examples},
       kExitOk,
       "plan.yaml: OK (1 components",
       ""},
      {{"plan", path, "--allow-outside=" + examples}, kExitOk, "Wave 0", ""},
      {{"validate", path, "--allow-outside"},
       kExitBadInput,
       "",
       "--allow-outside needs a value"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.args.back());
    std::ostringstream out, err;
    EXPECT_EQ(RunUpgradectl(c.args, out, err), c.exit_code)
        << out.str() << err.str();
    EXPECT_THAT(out.str(), HasSubstr(c.out));
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
