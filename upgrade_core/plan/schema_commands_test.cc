// The `commands:` section of a component (docs/run.md): what loads, and every
// way it is refused, each with its file:line:column.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::plan {
namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::StatusIs;

std::string Header(absl::string_view components) {
  return absl::StrCat("apiVersion: upgrade-core/v1\nkind: UpgradePlan\n",
                      "metadata: {name: t}\ncomponents:\n", components);
}

TEST(SchemaCommandsTest, LoadsEveryField) {
  LoadOptions options;
  options.source_name = "p.yaml";
  options.base_dir = "/plans";
  absl::StatusOr<Plan> plan = Plan::FromYaml(
      Header("  - id: web\n"
             "    backup: true\n"
             "    commands:\n"
             "      preflight: {run: ./check.sh}\n"
             "      backup: {run: ./backup.sh, workdir: state, timeout: 2m}\n"
             "      apply:\n"
             "        run: ./start.sh\n"
             "        env: {PORT: \"8080\", MODE: blue}\n"
             "        timeout: 30s\n"
             "        retries: 2\n"
             "      terminate: {run: ./stop.sh, workdir: /srv}\n"
             "      await: {run: curl -fsS localhost:8080, timeout: 5s}\n"
             "      rollback: {run: ./rollback.sh}\n"),
      options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const proto::StepCommands& c = plan->proto().components(0).commands();
  EXPECT_EQ(c.preflight().run(), "./check.sh");
  EXPECT_EQ(c.backup().workdir(), "/plans/state");
  EXPECT_EQ(c.backup().timeout_ms(), 120000);
  EXPECT_EQ(c.apply().run(), "./start.sh");
  EXPECT_EQ(c.apply().env().at("PORT"), "8080");
  EXPECT_EQ(c.apply().env().at("MODE"), "blue");
  EXPECT_EQ(c.apply().timeout_ms(), 30000);
  EXPECT_EQ(c.apply().retries(), 2);
  EXPECT_EQ(c.terminate().workdir(), "/srv");
  EXPECT_EQ(c.await_ready().timeout_ms(), 5000);
  EXPECT_EQ(c.rollback().run(), "./rollback.sh");
  EXPECT_EQ(c.apply().location().line(), 11);
}

TEST(SchemaCommandsTest, NoCommandsLeavesTheFieldUnset) {
  absl::StatusOr<Plan> plan = Plan::FromYaml(Header("  - id: web\n"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->proto().components(0).has_commands());
}

// A command's timeout (times its runs) widens its step's deadline; it never
// narrows one, and await and verify keep theirs.
TEST(SchemaCommandsTest, CommandTimeoutsWidenTheirStepsDeadline) {
  absl::StatusOr<Plan> plan = Plan::FromYaml(
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: t}\n"
      "policy: {defaultTimeout: 1m}\ncomponents:\n  - id: web\n"
      "    commands:\n"
      "      preflight: {run: x, timeout: 10s}\n"
      "      apply: {run: x, timeout: 5m, retries: 2}\n"
      "      await: {run: x, timeout: 30m}\n"
      "      rollback: {run: x, timeout: 2m}\n");
  ASSERT_TRUE(plan.ok()) << plan.status();
  absl::StatusOr<ExecutionPlan> compiled = CompilePlan(*plan);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  std::map<std::string, int64_t> timeouts;
  for (const proto::Step& s : compiled->proto().steps()) {
    timeouts[compiled->StepId(s)] = s.timeout_ms();
  }
  EXPECT_EQ(timeouts["web/preflight"], 60000);      // 10s < 1m: kept
  EXPECT_EQ(timeouts["web/start-new"], 902000);     // 3 x 5m + 2 x 1s
  EXPECT_EQ(timeouts["web/await-ready"], 60000);    // readiness decides
  EXPECT_EQ(timeouts["web/terminate-old"], 60000);  // no command
  ASSERT_EQ(compiled->proto().rollback_steps_size(), 1);
  EXPECT_EQ(compiled->proto().rollback_steps(0).timeout_ms(), 120000);
}

struct BadCase {
  const char* name;
  std::string yaml;
  std::vector<std::string> problems;  // substrings, one per expected problem
};

TEST(SchemaCommandsTest, RejectsBadInputWithLocations) {
  const BadCase kCases[] = {
      {"unknown step with suggestion",
       Header("  - id: a\n    commands:\n      aply: {run: x}\n"),
       {"p.yaml:7:7: error: components[0].commands.aply: unknown field "
        "\"aply\" (did you mean \"apply\"?). Hint: known fields here: "
        "preflight, backup, apply, terminate, await, rollback"}},
      {"the step kind's name is not the command's",
       Header("  - id: a\n    commands:\n      await-ready: {run: x}\n"),
       {"p.yaml:7:7: error: components[0].commands.await-ready: unknown "
        "field \"await-ready\". Hint: known fields here: preflight, backup, "
        "apply, terminate, await, rollback"}},
      {"unknown command field with suggestion",
       Header("  - id: a\n    commands:\n      apply: {run: x, timout: 5s}\n"),
       {"p.yaml:7:23: error: components[0].commands.apply.timout: unknown "
        "field \"timout\" (did you mean \"timeout\"?)"}},
      {"commands is a mapping",
       Header("  - id: a\n    commands: [apply]\n"),
       {"p.yaml:6:15: error: components[0].commands: expected a mapping, got "
        "a list"}},
      {"a command is a mapping, not a string",
       Header("  - id: a\n    commands:\n      apply: ./start.sh\n"),
       {"p.yaml:7:14: error: components[0].commands.apply: expected a "
        "mapping {run, env, workdir, timeout, retries}, got a scalar"}},
      {"run is required",
       Header("  - id: a\n    commands:\n      apply: {timeout: 5s}\n"),
       {"p.yaml:7:14: error: components[0].commands.apply: missing required "
        "field \"run\""}},
      {"run is not empty",
       Header("  - id: a\n    commands:\n      apply: {run: \"  \"}\n"),
       {"p.yaml:7:20: error: components[0].commands.apply.run: \"run\" is "
        "empty"}},
      {"run is a string",
       Header("  - id: a\n    commands:\n      apply: {run: 42}\n"),
       {"p.yaml:7:20: error: components[0].commands.apply.run: expected a "
        "string, got int 42"}},
      {"timeout zero",
       Header("  - id: a\n    commands:\n      apply: {run: x, timeout: 0}\n"),
       {"p.yaml:7:32: error: components[0].commands.apply.timeout:"}},
      {"timeout beyond a year",
       Header("  - id: a\n    commands:\n      await: {run: x, timeout: "
              "9000h}\n"),
       {"p.yaml:7:32: error: components[0].commands.await.timeout:"}},
      {"timeout not a duration",
       Header("  - id: a\n    commands:\n      apply: {run: x, timeout: "
              "soon}\n"),
       {"components[0].commands.apply.timeout:"}},
      {"negative retries",
       Header("  - id: a\n    commands:\n      apply: {run: x, retries: "
              "-1}\n"),
       {"p.yaml:7:32: error: components[0].commands.apply.retries: must be "
        "between 0"}},
      {"too many retries",
       Header("  - id: a\n    commands:\n      apply: {run: x, retries: "
              "1001}\n"),
       {"components[0].commands.apply.retries: must be between 0 and 1000"}},
      {"env values are strings",
       Header("  - id: a\n    commands:\n      apply: {run: x, env: {PORT: "
              "[1]}}\n"),
       {"components[0].commands.apply.env.PORT:"}},
      {"workdir is a string",
       Header("  - id: a\n    commands:\n      apply: {run: x, workdir: "
              "true}\n"),
       {"components[0].commands.apply.workdir: expected a string"}},
      {"a backup command needs a backup step",
       Header("  - id: a\n    commands:\n      backup: {run: x}\n"),
       {"p.yaml:7:15: error: components[0].commands.backup: a backup "
        "command is given but the component has no backup step. Hint: add "
        "\"backup: true\""}},
      {"duplicate command",
       Header("  - id: a\n    commands:\n      apply: {run: x}\n"
              "      apply: {run: y}\n"),
       {"p.yaml:8:7: error: components[0].commands.apply: field \"apply\" is "
        "given twice"}},
      {"every problem is reported, not the first",
       Header("  - id: a\n    commands:\n      preflight: {}\n"
              "      rollback: {run: x, retries: many}\n"),
       {"components[0].commands.preflight: missing required field \"run\"",
        "components[0].commands.rollback.retries: expected a decimal "
        "integer"}},
  };
  LoadOptions options;
  options.source_name = "p.yaml";
  for (const BadCase& c : kCases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Plan> plan = Plan::FromYaml(c.yaml, options);
    ASSERT_THAT(plan, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("invalid plan p.yaml")));
    const std::vector<diag::Diagnostic> problems =
        ProblemsFromStatus(plan.status());
    ASSERT_EQ(problems.size(), c.problems.size()) << plan.status();
    for (size_t i = 0; i < problems.size(); ++i) {
      EXPECT_THAT(diag::FormatDiagnostic(problems[i]),
                  HasSubstr(c.problems[i]));
    }
  }
}

}  // namespace
}  // namespace upgrade_core::plan
