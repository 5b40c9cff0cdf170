// CheckPlan: every check, the values files through an injected reader, and
// the tests' own fixtures end to end (testdata/).
#include "upgrade_core/plan/planner.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/plan/planner_test_util.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::plan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::upgrade_core::plan::test_util::All;
using ::upgrade_core::plan::test_util::Codes;
using ::upgrade_core::plan::test_util::Load;
using ::upgrade_core::plan::test_util::StepIds;
using ::upgrade_core::plan::test_util::WaveComponents;
using ::upgrade_core::testing::StatusIs;

struct CheckCase {
  const char* name;
  const char* components;
  const char* extra;  // policy/context
  std::vector<std::string> codes;
  std::vector<std::string> messages;  // substrings of the joined problems
};

TEST(CheckPlanTest, ConfigFilesThatCannotBeRead) {
  const Plan plan = Load(
      "  - id: a\n    config: {oldDefaults: nonexistent/old.yaml, "
      "newDefaults: "
      "nonexistent/new.yaml}\n  - id: b\n    config: {oldDefaults: "
      "nonexistent/old.yaml}\n");
  const std::vector<diag::Diagnostic> problems = CheckPlan(plan);
  EXPECT_EQ(Codes(problems),
            (std::vector<std::string>{"config.unreadable", "config.unreadable",
                                      "config.incomplete"}));
  EXPECT_THAT(
      All(problems),
      HasSubstr("t.yaml:6:13: error: components[0].config.oldDefaults"));
}

// config: {oldChart, newChart}: the two charts (directories here) and their
// templates; the pairs are required together and exclude each other.
TEST(CheckPlanTest, ChartsInConfig) {
  const Plan plan = Load(
      "  - id: a\n    config: {oldChart: upgrade_core/chart/testdata/"
      "ingress-old, newChart: upgrade_core/chart/testdata/ingress-new}\n"
      "  - id: b\n    config: {oldChart: upgrade_core/chart/testdata/"
      "ingress-old}\n"
      "  - id: c\n    config: {oldChart: c1, newChart: c2, oldDefaults: "
      "a.yaml, "
      "newDefaults: b.yaml}\n"
      "  - id: d\n    config: {oldChart: nonexistent/old, newChart: "
      "upgrade_core/chart/testdata/ingress-new}\n");
  const std::vector<diag::Diagnostic> problems = CheckPlan(plan);
  const std::string all = All(problems);
  EXPECT_THAT(Codes(problems), ::testing::Contains("chart/default-changed"))
      << all;
  // The changed default is read by the new chart's params helper.
  EXPECT_THAT(all, HasSubstr("\"a\" values: the default of "
                             "controller.enableAnnotationValidations changed"));
  EXPECT_THAT(all, HasSubstr("ingress-new/templates/_helpers.tpl:12:5"));
  EXPECT_THAT(all, HasSubstr("components[1].config: a chart check needs both "
                             "oldChart and newChart"));
  EXPECT_THAT(all, HasSubstr("components[2].config: give either oldChart and "
                             "newChart or oldDefaults and newDefaults"));
  EXPECT_THAT(all, HasSubstr("components[3].config.oldChart: nonexistent/old: "
                             "no such chart"));
}

// The values files come through PlannerOptions::read_values: here a map of
// path -> YAML, so the config check runs without any file on disk (none of
// these paths exists).
TEST(CheckPlanTest, ValuesFromAnInjectedSource) {
  const std::map<std::string, std::string> files = {
      {"in-memory/old.yaml",
       "image: {registry: registry.k8s.io}\nlegacy: {enabled: false}\n"},
      {"in-memory/new.yaml", "image: {registry: registry.k8s.io}\n"},
      {"in-memory/mine.yaml", "legacy:\n  enabled: true\n"},
  };
  std::vector<std::string> reads;
  PlannerOptions options;
  options.read_values =
      [&](const std::string& path) -> absl::StatusOr<document::Document> {
    reads.push_back(path);
    auto it = files.find(path);
    if (it == files.end()) {
      return absl::NotFoundError(absl::StrCat(path, ": not in the map"));
    }
    return document::Document::FromYaml(it->second, path);
  };
  const Plan plan = Load(
      "  - id: a\n    config: {oldDefaults: in-memory/old.yaml, newDefaults: "
      "in-memory/new.yaml, overrides: in-memory/mine.yaml}\n"
      "  - id: b\n    config: {oldDefaults: in-memory/old.yaml, newDefaults: "
      "in-memory/gone.yaml}\n");
  const std::vector<diag::Diagnostic> problems = CheckPlan(plan, options);
  EXPECT_EQ(Codes(problems), (std::vector<std::string>{"chart/removed-override",
                                                       "config.unreadable"}))
      << All(problems);
  EXPECT_THAT(All(problems),
              HasSubstr("in-memory/mine.yaml:2:3: error: legacy.enabled: "
                        "\"a\" values:"));
  EXPECT_THAT(
      All(problems),
      HasSubstr("components[1].config.newDefaults: in-memory/gone.yaml: "
                "not in the map"));
  // Each file is read once per call, in plan order.
  EXPECT_THAT(reads, ElementsAre("in-memory/old.yaml", "in-memory/new.yaml",
                                 "in-memory/mine.yaml", "in-memory/old.yaml",
                                 "in-memory/gone.yaml"));
  reads.clear();
  EXPECT_THAT(CompilePlan(plan, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("legacy.enabled")));
  EXPECT_THAT(reads, SizeIs(5));
}

TEST(CheckPlanTest, EveryCheck) {
  const CheckCase kCases[] = {
      {"clean plan",
       "  - {id: a, kind: Deployment, replicas: 2}\n  - {id: b, dependsOn: "
       "[a]}\n",
       "",
       {},
       {}},
      {"unknown dependency with suggestion",
       "  - {id: backend}\n  - id: ctrl\n    dependsOn: [backnd]\n",
       "",
       {"graph.unknown-dependency"},
       {"t.yaml:7:17: error: components[1].dependsOn[0]:", "\"backnd\"",
        "did you mean \"backend\"?"}},
      {"self dependency",
       "  - id: a\n    dependsOn: [a]\n",
       "",
       {"graph.self-dependency"},
       {"t.yaml:6:17: error: components[0].dependsOn[0]"}},
      {"cycle with path",
       "  - {id: a, dependsOn: [c]}\n  - {id: b, dependsOn: [a]}\n  - {id: c, "
       "dependsOn: [b]}\n",
       "",
       {"graph.cycle"},
       {"a -> c -> b -> a"}},
      {"kubernetes rejects zero/zero on a Deployment",
       "  - id: a\n    kind: Deployment\n    strategy: {type: RollingUpdate, "
       "maxSurge: 0, "
       "maxUnavailable: 0}\n",
       "",
       {"strategy.invalid"},
       {"t.yaml:7:15: error: components[0].strategy: "
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not "
        "be 0 when "
        "`maxSurge` is 0"}},
      {"kubernetes rejects both set on a DaemonSet",
       "  - id: a\n    kind: DaemonSet\n    nodes: 4\n    strategy: {type: "
       "RollingUpdate, "
       "maxSurge: 1, maxUnavailable: 1}\n",
       "",
       {"strategy.invalid"},
       {"spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not "
        "be set when "
        "maxUnavailable is non-zero"}},
      {"bad percentage",
       "  - id: a\n    kind: Deployment\n    strategy: {type: RollingUpdate, "
       "maxSurge: 10pct}\n",
       "",
       {"strategy.invalid"},
       {"a valid percent string must be a numeric string followed by an ending "
        "'%'"}},
      {"rolling update on a Job",
       "  - id: a\n    kind: Job\n    strategy: {type: RollingUpdate}\n",
       "",
       {"strategy.unsupported"},
       {"a Job cannot use RollingUpdate"}},
      {"StatefulSet cannot surge",
       "  - id: a\n    kind: StatefulSet\n    replicas: 3\n    strategy: "
       "{type: RollingUpdate, "
       "maxSurge: 1}\n",
       "",
       {"strategy.invalid"},
       {"a StatefulSet cannot surge"}},
      {"surge with a per-node exclusive resource",
       "  - id: ctrl\n    kind: DaemonSet\n    nodes: 3\n    strategy: {type: "
       "RollingUpdate, "
       "maxSurge: 1, maxUnavailable: 0}\n    exclusive: [\"hostPort:80\"]\n",
       "",
       {"exclusive.surge"},
       {"t.yaml:8:15: error: components[0].strategy.maxSurge: \"ctrl\" holds "
        "hostPort:80 "
        "exclusively on each node, but its rolling update surges (maxSurge "
        "resolves to 1 of "
        "3 nodes)",
        "set maxSurge: 0"}},
      {"percentage surge on a DaemonSet rounds up to a clash",
       "  - id: ctrl\n    kind: DaemonSet\n    nodes: 3\n    strategy: {type: "
       "RollingUpdate, "
       "maxSurge: \"10%\", maxUnavailable: 0}\n    exclusive: "
       "[\"hostPort:443\"]\n",
       "",
       {"exclusive.surge"},
       {"maxSurge resolves to 1 of 3 nodes"}},
      {"Deployment default 25% surge with an exclusive lock",
       "  - id: op\n    kind: Deployment\n    replicas: 2\n    exclusive: "
       "[\"lock:leader\"]\n",
       "",
       {"exclusive.surge"},
       {"\"op\" holds lock:leader exclusively, but its rolling update surges "
        "(maxSurge "
        "resolves to 1 of 2 instances)"}},
      {"StartFirst with an exclusive resource",
       "  - id: a\n    strategy: {type: StartFirst}\n    exclusive: "
       "[\"hostPort:80\"]\n",
       "",
       {"exclusive.start-first"},
       {"StartFirst starts the new instance while the old one still holds it"}},
      {"TerminateFirst with an exclusive resource is fine",
       "  - id: a\n    strategy: {type: TerminateFirst}\n    exclusive: "
       "[\"hostPort:80\"]\n",
       "",
       {},
       {}},
      {"two holders of one resource in the same wave",
       "  - {id: a, exclusive: [\"lock:x\"]}\n  - {id: b, exclusive: "
       "[\"lock:x\"]}\n",
       "",
       {"exclusive.shared"},
       {"\"a\" and \"b\" both hold lock:x",
        "add \"a\" to the dependsOn of \"b\""}},
      {"two holders ordered by a dependency",
       "  - {id: a, exclusive: [\"lock:x\"]}\n  - {id: b, exclusive: "
       "[\"lock:x\"], dependsOn: "
       "[a]}\n",
       "",
       {},
       {}},
      {"floor the rolling update cannot honour",
       "  - id: ctrl\n    kind: DaemonSet\n    nodes: 3\n    strategy: {type: "
       "RollingUpdate, "
       "maxUnavailable: 2}\n    provides: [ingress]\n",
       "policy:\n  availability:\n    - {service: ingress, minAvailable: 2}\n",
       {"availability.floor"},
       {"t.yaml:6:7: error: policy.availability[0]: service \"ingress\" must "
        "keep 2 of 3 "
        "available, but while \"ctrl\" (RollingUpdate: maxUnavailable 2 of 3 "
        "nodes) upgrades "
        "only 1 remains",
        "use type: RollingUpdate with maxUnavailable: 1"}},
      {"percentage floor rounds up",
       "  - id: web\n    kind: Deployment\n    replicas: 4\n    strategy: "
       "{type: RollingUpdate, "
       "maxSurge: 0, maxUnavailable: \"50%\"}\n    provides: [web]\n",
       "policy:\n  availability:\n    - {service: web, minAvailable: "
       "\"66%\"}\n",
       {"availability.floor"},
       {"must keep 3 of 4 available", "only 2 remain"}},
      {"floor honoured",
       "  - id: web\n    kind: Deployment\n    replicas: 4\n    strategy: "
       "{type: RollingUpdate, "
       "maxSurge: 1, maxUnavailable: 1}\n    provides: [web]\n",
       "policy:\n  availability:\n    - {service: web, minAvailable: "
       "\"75%\"}\n",
       {},
       {}},
      {"TerminateFirst drops everything",
       "  - {id: db, replicas: 2, provides: [sql]}\n",
       "policy:\n  availability:\n    - {service: sql, minAvailable: 1}\n",
       {"availability.floor"},
       {"TerminateFirst: all 2 instances down",
        "use type: RollingUpdate with maxUnavailable: 1"}},
      {"two providers in one wave",
       "  - {id: a, kind: Deployment, replicas: 2, strategy: {type: "
       "RollingUpdate, maxSurge: 0, "
       "maxUnavailable: 1}, provides: [s]}\n"
       "  - {id: b, kind: Deployment, replicas: 2, strategy: {type: "
       "RollingUpdate, maxSurge: 0, "
       "maxUnavailable: 1}, provides: [s]}\n",
       "policy:\n  availability:\n    - {service: s, minAvailable: 3}\n",
       {"availability.floor"},
       {"while \"a\" (RollingUpdate: maxUnavailable 1 of 2 instances) and "
        "\"b\"",
        "order these providers with dependsOn"}},
      {"two providers in different waves",
       "  - {id: a, kind: Deployment, replicas: 2, strategy: {type: "
       "RollingUpdate, maxSurge: 0, "
       "maxUnavailable: 1}, provides: [s]}\n"
       "  - {id: b, kind: Deployment, replicas: 2, strategy: {type: "
       "RollingUpdate, maxSurge: 0, "
       "maxUnavailable: 1}, provides: [s], dependsOn: [a]}\n",
       "policy:\n  availability:\n    - {service: s, minAvailable: 3}\n",
       {},
       {}},
      {"floor above capacity",
       "  - {id: a, replicas: 2, provides: [s]}\n",
       "policy:\n  availability:\n    - {service: s, minAvailable: 5}\n",
       {"availability.unreachable"},
       {"needs 5 available but its providers only have 2"}},
      {"floor for an unknown service",
       "  - {id: a, provides: [ingress]}\n",
       "policy:\n  availability:\n    - {service: ingres, minAvailable: 1}\n",
       {"availability.unknown-service"},
       {"no component provides service \"ingres\"",
        "did you mean \"ingress\"?"}},
      {"webhook server fully down",
       "  - {id: ctrl, replicas: 2, strategy: {type: TerminateFirst}}\n"
       "  - {id: hook, kind: Webhook, dependsOn: [ctrl], webhook: "
       "{failurePolicy: Fail, "
       "servedBy: ctrl}}\n",
       "",
       {"webhook.server-unavailable"},
       {"webhook \"hook\" (failurePolicy: Fail) is served by \"ctrl\", which "
        "has no ready "
        "instance while it upgrades (TerminateFirst: all 2 instances down)",
        "set failurePolicy: Ignore"}},
      {"webhook default failurePolicy is Fail; single-node DaemonSet goes to "
       "zero",
       "  - {id: ctrl, kind: DaemonSet, nodes: 1}\n"
       "  - {id: hook, kind: Webhook, dependsOn: [ctrl], webhook: {servedBy: "
       "ctrl}}\n",
       "",
       {"webhook.server-unavailable"},
       {"RollingUpdate: maxUnavailable 1 of 1 node"}},
      {"webhook not ordered after its server",
       "  - {id: ctrl, kind: DaemonSet, nodes: 3}\n"
       "  - {id: hook, kind: Webhook, webhook: {failurePolicy: Fail, servedBy: "
       "ctrl}}\n",
       "",
       {"webhook.order"},
       {"does not depend on its server \"ctrl\"",
        "add \"ctrl\" to the dependsOn of \"hook\""}},
      {"webhook with Ignore is fine",
       "  - {id: ctrl, strategy: {type: TerminateFirst}}\n"
       "  - {id: hook, kind: Webhook, webhook: {failurePolicy: Ignore, "
       "servedBy: ctrl}}\n",
       "",
       {},
       {}},
      {"webhook served by an unknown component",
       "  - {id: ctrl}\n  - {id: hook, kind: Webhook, webhook: {servedBy: "
       "ctlr}}\n",
       "",
       {"webhook.unknown-server"},
       {"did you mean \"ctrl\"?"}},
      {"version constraint unsatisfied",
       "  - {id: a, version: {from: 1.0.0, to: 2.0.0}, requires: {kubernetes: "
       "\">= 1.32.0-0\"}}\n",
       "context:\n  kubernetes: {from: v1.31.4+rke2r1, to: v1.31.5+rke2r1}\n",
       {"version.unsatisfied"},
       {"\"a\" 2.0.0 requires kubernetes >= 1.32.0-0, but the upgrade targets "
        "kubernetes "
        "v1.31.5+rke2r1"}},
      {"version constraint satisfied after the platform upgrade only",
       "  - {id: a, requires: {kubernetes: \">= 1.31.5-0\"}}\n",
       "context:\n  kubernetes: {from: v1.31.4+rke2r1, to: v1.31.5+rke2r1}\n",
       {"version.before-platform"},
       {"upgrade kubernetes before this component"}},
      {"requires a platform the context lacks",
       "  - {id: a, requires: {kubernetes: \">= 1.28\"}}\n",
       "",
       {"version.unknown-platform"},
       {"the plan's context gives no kubernetes version"}},
      {"bad constraint",
       "  - {id: a, requires: {kubernetes: \">== 1\"}}\n",
       "context:\n  kubernetes: {from: 1.30.0, to: 1.31.0}\n",
       {"version.invalid-constraint"},
       {"components[0].requires.kubernetes"}},
      {"bad context version",
       "  - {id: a}\n",
       "context:\n  kubernetes: {from: 1.30.0, to: one.two}\n",
       {"version.invalid"},
       {"context.kubernetes.to"}},
      // Regressions (issue 9): skipped minors and downgrades.
      {"platform skips a Kubernetes minor",
       "  - {id: a}\n",
       "context:\n  kubernetes: {from: v1.29.8, to: v1.31.4}\n",
       {"version.skipped-minor"},
       {"error: context.kubernetes: kubernetes v1.29.8 -> v1.31.4 skips 1 "
        "minor version(s)",
        "upgrade one minor at a time: first to the newest 1.30.x"}},
      {"rke2 versions skip a minor too",
       "  - {id: a}\n",
       "context:\n  rke2: {from: v1.30.4+rke2r1, to: v1.32.1+rke2r1}\n",
       {"version.skipped-minor"},
       {"context.rke2"}},
      {"one minor at a time is fine",
       "  - {id: a}\n",
       "context:\n  kubernetes: {from: v1.30.9, to: v1.31.4}\n",
       {},
       {}},
      {"platform minor downgrade",
       "  - {id: a}\n",
       "context:\n  kubernetes: {from: v1.31.4, to: v1.30.9}\n",
       {"version.platform-downgrade"},
       {"error: context.kubernetes: kubernetes goes from v1.31.4 down to "
        "v1.30.9; Kubernetes does not support downgrading a minor version"}},
      {"component downgrade warns with a hint",
       "  - {id: ingress, version: {from: 1.11.3, to: 1.11.1}}\n",
       "",
       {"version.downgrade"},
       {"warning: components[0].version: \"ingress\" goes from 1.11.3 down "
        "to 1.11.1",
        "add allowDowngrade: true"}},
      {"intended component downgrade",
       "  - {id: ingress, version: {from: 1.11.3, to: 1.11.1, allowDowngrade: "
       "true}}\n",
       "",
       {},
       {}},
      {"OnDelete warns",
       "  - {id: a, kind: DaemonSet, nodes: 2, strategy: {type: OnDelete}}\n",
       "",
       {"strategy.on-delete"},
       {"warning: components[0].strategy: OnDelete"}},
      {"every problem at once, errors first",
       "  - {id: a, kind: DaemonSet, nodes: 2, strategy: {type: OnDelete}}\n"
       "  - {id: b, dependsOn: [zz], strategy: {type: StartFirst}, exclusive: "
       "[\"hostPort:1\"]}\n",
       "",
       {"graph.unknown-dependency", "exclusive.start-first",
        "strategy.on-delete"},
       {}},
  };
  for (const CheckCase& c : kCases) {
    SCOPED_TRACE(c.name);
    const Plan plan = Load(c.components, c.extra);
    PlannerOptions options;
    const std::vector<diag::Diagnostic> problems = CheckPlan(plan, options);
    EXPECT_EQ(Codes(problems), c.codes) << All(problems);
    for (const std::string& m : c.messages)
      EXPECT_THAT(All(problems), HasSubstr(m));
    absl::StatusOr<ExecutionPlan> compiled = CompilePlan(plan);
    EXPECT_EQ(compiled.ok(), !HasErrors(problems)) << compiled.status();
    if (!compiled.ok()) {
      EXPECT_THAT(compiled, StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("plan \"t\" is unsafe")));
      std::vector<diag::Diagnostic> errors;
      for (const diag::Diagnostic& p : problems) {
        if (p.severity == diag::Severity::kError) errors.push_back(p);
      }
      EXPECT_EQ(Codes(ProblemsFromStatus(compiled.status())), Codes(errors));
    }
  }
}

// The tests' own fixtures: an ingress-nginx-like upgrade, unsafe and fixed.
constexpr char kTestdata[] = "upgrade_core/plan/testdata/";

TEST(FixtureTest, NaivePlanIsRejectedWithTheReasons) {
  absl::StatusOr<Plan> plan =
      Plan::FromFile(absl::StrCat(kTestdata, "plan-naive.yaml"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::vector<diag::Diagnostic> problems = CheckPlan(*plan);
  const std::string all = All(problems);
  std::vector<std::string> codes = Codes(problems);
  EXPECT_THAT(codes, ::testing::Contains("exclusive.surge"));
  EXPECT_THAT(codes, ::testing::Contains("webhook.order"));
  // The chart values check (compat) on the unreviewed overrides.
  EXPECT_THAT(codes, ::testing::Contains("chart/renamed-override"));
  EXPECT_THAT(codes, ::testing::Contains("chart/removed-override"));
  EXPECT_THAT(
      all,
      HasSubstr("overrides-naive.yaml:12:3: error: podSecurityPolicy.enabled"));
  EXPECT_THAT(all,
              HasSubstr("it appears to have moved to global.image.registry"));
  EXPECT_THAT(all,
              HasSubstr("warning: controller.enableAnnotationValidations"));
  // Without the config check, only the plan's own problems remain.
  PlannerOptions no_config;
  no_config.check_config = false;
  EXPECT_THAT(Codes(CheckPlan(*plan, no_config)),
              ElementsAre("exclusive.surge", "webhook.order"));
  EXPECT_THAT(all, HasSubstr("plan-naive.yaml:"));
  EXPECT_THAT(CompilePlan(*plan), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("set maxSurge: 0")));
}

TEST(FixtureTest, FixedPlanCompiles) {
  absl::StatusOr<Plan> plan =
      Plan::FromFile(absl::StrCat(kTestdata, "plan.yaml"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  absl::StatusOr<ExecutionPlan> compiled = CompilePlan(*plan);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  const proto::ExecutionPlan& p = compiled->proto();
  ASSERT_THAT(p.waves(), SizeIs(4));
  EXPECT_THAT(WaveComponents(*compiled, 2), ElementsAre("controller"));
  EXPECT_THAT(StepIds(*compiled),
              ::testing::Contains("controller/terminate-old"));
  // A copy is an independent, equal value.
  const ExecutionPlan copy = *compiled;
  EXPECT_EQ(copy.ToJson(), compiled->ToJson());
  for (const diag::Diagnostic& w : compiled->warnings()) {
    EXPECT_EQ(w.severity, diag::Severity::kInfo)
        << diag::FormatDiagnostic(w);  // e.g. the new image tag
  }
}

}  // namespace
}  // namespace upgrade_core::plan
