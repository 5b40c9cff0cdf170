// Renderings of a compiled plan (execution_plan_format.cc): text, JSON and
// the flowchart, for what issue 9 fixed.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::plan {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::upgrade_core::testing::IsOk;

// "api" depends on "db"; "db" is OnDelete (a warning); `policy` is the
// onFailure line, or "" for the default.
ExecutionPlan Compile(absl::string_view policy) {
  const std::string yaml = absl::StrCat(
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: t}\n",
      policy.empty() ? "" : absl::StrCat("policy: {onFailure: ", policy, "}\n"),
      "components:\n"
      "  - id: db\n    kind: Deployment\n    strategy: {type: OnDelete}\n"
      "  - id: api\n    dependsOn: [db]\n");
  LoadOptions options;
  options.source_name = "p.yaml";
  absl::StatusOr<Plan> plan = Plan::FromYaml(yaml, options);
  EXPECT_THAT(plan.status(), IsOk());
  absl::StatusOr<ExecutionPlan> compiled = CompilePlan(*plan);
  EXPECT_THAT(compiled.status(), IsOk());
  return *std::move(compiled);
}

// Issue 9: the text output describes the plan's real failure policy (it used
// to say "roll back in reverse dependency order" for every policy).
TEST(ExecutionPlanFormatTest, TextNamesTheRealFailurePolicy) {
  struct Case {
    const char* policy;
    const char* want;
  };
  const Case kCases[] = {
      {"",
       "On failure (rollback-all): roll back every component upgraded so "
       "far, dependents first (reverse dependency order):\n"},
      {"rollback-all",
       "On failure (rollback-all): roll back every component upgraded so far, "
       "dependents first (reverse dependency order):\n"},
      {"rollback-failed",
       "On failure (rollback-failed): roll back only the component whose step "
       "failed (its rollback step below); the components already upgraded "
       "keep the new version:\n"},
      {"pause",
       "On failure (pause): stop and wait for an operator; nothing is rolled "
       "back automatically. The steps an operator can run to roll back:\n"},
      {"continue",
       "On failure (continue): skip the failed component's dependents and "
       "carry on with every other component; nothing is rolled back "
       "automatically. The steps an operator can run to roll back:\n"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.policy);
    const std::string text = Compile(c.policy).ToText();
    EXPECT_THAT(text, HasSubstr(c.want));
    EXPECT_THAT(text, HasSubstr("api/rollback"));
    if (absl::string_view(c.policy) != "rollback-all" && *c.policy != '\0') {
      EXPECT_THAT(text, Not(HasSubstr("dependents first")));
    }
  }
}

// Issue 9: the execution plan JSON carries the same envelope and diagnostic
// shape as every other JSON output (util/diagnostics.h).
TEST(ExecutionPlanFormatTest, JsonHasVersionOkAndDiagnostics) {
  const std::string json = Compile("").ToJson();
  for (const char* want : {
           R"({"version":2,"ok":true,"name":"t",)",
           R"(,"summary":{"error":0,"warning":1,"info":0},"diagnostics":[)",
           R"({"severity":"warning","code":"strategy.on-delete",)",
           R"(,"component":"db","location":{"file":"p.yaml","line":)",
       }) {
    SCOPED_TRACE(want);
    EXPECT_THAT(json, HasSubstr(want));
  }
  EXPECT_THAT(json, Not(HasSubstr("\"warnings\"")));
}

// Issue 9: the Mermaid flowchart draws execution order (db -> api), the
// direction of the DOT output.
TEST(ExecutionPlanFormatTest, DiagramsDrawExecutionOrder) {
  const ExecutionPlan plan = Compile("");
  struct Case {
    const char* name;
    std::string diagram;
    const char* arrow;
  };
  const Case kCases[] = {
      // Steps: db/verify (s4) -> api/preflight (s5).
      {"dot", plan.ToDot(), "s4 -> s5;"},
      // A label's two lines are split by DOT's "\n", not a literal "\\n".
      {"dot label", plan.ToDot(), "s5 [label=\"api/preflight\\n10m\"];"},
      // Components: n0 is db, n1 is api.
      {"mermaid flowchart", plan.ToMermaidFlowchart(), "n0 --> n1"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(c.diagram, HasSubstr(c.arrow));
  }
}

}  // namespace
}  // namespace upgrade_core::plan
