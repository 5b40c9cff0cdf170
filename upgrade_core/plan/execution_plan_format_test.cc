// Renderings of a compiled plan (execution_plan_format.cc: text and the
// flowchart; execution_plan_json.cc: JSON), for what issue 9 fixed.
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
           R"({"version":3,"ok":true,"name":"t",)",
           R"(,"summary":{"error":0,"warning":1,"info":0},"diagnostics":[)",
           R"({"severity":"warning","code":"strategy.on-delete",)",
           R"(,"component":"db","location":{"file":"p.yaml","line":)",
       }) {
    SCOPED_TRACE(want);
    EXPECT_THAT(json, HasSubstr(want));
  }
  EXPECT_THAT(json, Not(HasSubstr("\"warnings\"")));
}

// The execution plan JSON carries, as data, everything a runner needs: each
// step's transition as names, its gate (the facts its words come from), and
// every component setting with defaults applied.
TEST(ExecutionPlanFormatTest, JsonCarriesTransitionsGatesAndComponents) {
  LoadOptions options;
  options.source_name = "p.yaml";
  absl::StatusOr<Plan> plan = Plan::FromYaml(
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\n"
      "metadata: {name: t, labels: {team: infra, app: web}}\n"
      "policy: {maxParallel: 3, onFailure: pause, defaultTimeout: 1m}\n"
      "components:\n"
      "  - id: crds\n    kind: CRD\n    irreversible: true\n"
      "    checkpoint: true\n    version: {from: \"1\", to: \"2\"}\n"
      "  - id: ds\n    kind: DaemonSet\n    nodes: 4\n    dependsOn: [crds]\n"
      "    strategy: {type: RollingUpdate, maxUnavailable: \"50%\"}\n"
      "    exclusive: [\"hostPort:80\"]\n    provides: [ingress]\n"
      "    readiness: {timeout: 90s, minReadySeconds: 5}\n"
      "    verify: [{name: a, run: \"curl x\", timeout: 20s}, {name: b}]\n"
      "    retry: {attempts: 3, backoff: 2s}\n    backup: true\n"
      "    commands:\n"
      "      rollback: {run: ./down.sh}\n"
      "      apply: {run: ./up.sh, env: {Z: \"1\", A: \"2\"}, workdir: s,"
      " timeout: 5s, retries: 2}\n"
      "  - id: hook\n    kind: Webhook\n    dependsOn: [ds]\n"
      "    webhook: {failurePolicy: Ignore, servedBy: ds}\n",
      options);
  ASSERT_THAT(plan.status(), IsOk());
  absl::StatusOr<ExecutionPlan> compiled = CompilePlan(*plan);
  ASSERT_THAT(compiled.status(), IsOk());
  const std::string json = compiled->ToJson();
  struct Case {
    const char* name;
    const char* want;
  };
  const Case kCases[] = {
      {"plan", R"("name":"t","maxParallel":3,"onFailure":"pause",)"
               R"("labels":{"app":"web","team":"infra"},"components":[)"},
      {"irreversible checkpoint component",
       R"({"id":"crds","kind":"CRD","order":"terminate-first","wave":0,)"
       R"("backup":false,"irreversible":true,"checkpoint":true,)"
       R"("version":{"from":"1","to":"2"},"replicas":1,)"
       R"("strategy":{"type":"TerminateFirst","maxSurge":null,)"
       R"("maxUnavailable":null},"exclusive":[],"dependsOn":[],)"
       R"("provides":[],"readiness":{"timeoutMs":60000,"minReadySeconds":0},)"
       R"("verify":[],"retry":{"attempts":1,"backoffMs":0},"webhook":null,)"
       R"("commands":{}})"},
      {"daemonset component",
       R"({"id":"ds","kind":"DaemonSet","order":"terminate-first","wave":1,)"
       R"("backup":true,"irreversible":false,"checkpoint":false,)"
       R"("version":{"from":"","to":""},"nodes":4,)"
       R"("strategy":{"type":"RollingUpdate","maxSurge":null,)"
       R"("maxUnavailable":"50%"},"exclusive":["hostPort:80"],)"
       R"("dependsOn":["crds"],"provides":["ingress"],)"
       R"("readiness":{"timeoutMs":90000,"minReadySeconds":5},)"
       R"("verify":[{"name":"a","run":"curl x","timeoutMs":20000},)"
       R"({"name":"b","run":"","timeoutMs":60000}],)"
       R"("retry":{"attempts":3,"backoffMs":2000},"webhook":null,)"
       // Commands in StepCommandSlots() order, env by name.
       R"("commands":{"apply":{"run":"./up.sh","env":{"A":"2","Z":"1"},)"
       R"("workdir":"s","timeoutMs":5000,"retries":2},)"
       R"("rollback":{"run":"./down.sh","env":{},"workdir":"",)"
       R"("timeoutMs":0,"retries":0}}})"},
      {"webhook component",
       R"("webhook":{"failurePolicy":"Ignore","servedBy":"ds"},)"
       R"("commands":{}})"},
      {"transition as names",
       R"("id":"ds/preflight","component":"ds","kind":"preflight",)"
       R"("dependsOn":["crds/verify"],"timeoutMs":60000,"wave":1,)"
       R"("transition":{"from":"preflight","event":"backup",)"
       R"("to":"backing_up"},"gate":{"after":["crds"],"barriers":[]},)"
       R"("waitsFor":"dependencies verified: crds"})"},
      {"backup gate", R"("gate":{},"waitsFor":"backup stored"})"},
      {"terminate-old gate",
       R"("batch":2,"transition":{"from":"terminating_old",)"
       R"("event":"step_done","to":"starting_new"},)"
       R"("gate":{"strategy":"RollingUpdate","instances":4,"perNode":true,)"
       R"("maxSurge":0,"maxUnavailable":2},)"
       R"("waitsFor":"old pods replaced, 2 at a time of 4 nodes"})"},
      {"start-new gate",
       R"("gate":{"strategy":"TerminateFirst","instances":1,)"
       R"("perNode":false,"maxSurge":0,"maxUnavailable":1,"version":"2"},)"
       R"("waitsFor":"version 2 applied"})"},
      {"await-ready gate",
       R"("gate":{"instances":4,"perNode":true,"ready":4,)"
       R"("readyForMs":5000},"waitsFor":"4/4 ready for 5s"})"},
      {"verify gate",
       R"("timeoutMs":80000,"wave":1,"transition":{"from":"verifying",)"
       R"("event":"step_done","to":"succeeded"},"gate":{"checks":["a","b"]},)"
       R"("waitsFor":"checks pass: a, b"})"},
      {"rollback gate",
       R"("id":"crds/rollback","component":"crds","kind":"rollback",)"
       R"("dependsOn":["ds/rollback"],"timeoutMs":60000,"wave":0,)"
       R"("transition":{"from":"rolling_back","event":"rollback_done",)"
       R"("to":"rolled_back"},"gate":{"after":["ds"],"version":"1"},)"
       R"("waitsFor":"restore 1 after its dependents"})"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(json, HasSubstr(c.want));
  }
  EXPECT_THAT(json, Not(HasSubstr("\"transition\":\"")));
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
