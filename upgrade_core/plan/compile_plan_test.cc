// CompilePlan: steps in each strategy's order, dependency gates and waves,
// deterministic output, and wave barriers an executor following depends_on
// alone cannot overlap.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/graph/graph_builder.h"
#include "upgrade_core/graph/scheduler.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/planner_test_util.h"

namespace upgrade_core::plan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::upgrade_core::plan::test_util::DependsOn;
using ::upgrade_core::plan::test_util::FindStep;
using ::upgrade_core::plan::test_util::Load;
using ::upgrade_core::plan::test_util::StepIds;
using ::upgrade_core::plan::test_util::WaveComponents;

TEST(CompilePlanTest, StepsFollowTheStrategy) {
  const Plan plan = Load(
      "  - {id: tf, strategy: {type: TerminateFirst}, backup: true}\n"
      "  - {id: sf, strategy: {type: StartFirst}}\n"
      "  - {id: ru, kind: Deployment, replicas: 4, strategy: {type: "
      "RollingUpdate, maxSurge: 1, "
      "maxUnavailable: 0}}\n"
      "  - {id: ds, kind: DaemonSet, nodes: 5, strategy: {type: RollingUpdate, "
      "maxUnavailable: "
      "\"40%\"}}\n");
  absl::StatusOr<ExecutionPlan> compiled = CompilePlan(plan);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  const proto::ExecutionPlan& p = compiled->proto();
  EXPECT_THAT(StepIds(*compiled),
              ElementsAre("tf/preflight", "tf/backup", "tf/terminate-old",
                          "tf/start-new", "tf/await-ready", "tf/verify",
                          "sf/preflight", "sf/start-new", "sf/await-ready",
                          "sf/terminate-old", "sf/verify", "ru/preflight",
                          "ru/start-new", "ru/await-ready", "ru/terminate-old",
                          "ru/verify", "ds/preflight", "ds/terminate-old",
                          "ds/start-new", "ds/await-ready", "ds/verify"));
  // 40% of 5 nodes rounds up to 2 per batch.
  EXPECT_EQ(p.steps(17).batch(), 2);
  // The gate is data; the words are rendered from it.
  const proto::Gate& ds_start = p.steps(18).gate();
  EXPECT_EQ(ds_start.strategy(), proto::ROLLING_UPDATE);
  EXPECT_EQ(ds_start.instances(), 5);
  EXPECT_TRUE(ds_start.per_node());
  EXPECT_EQ(ds_start.max_surge(), 0);
  EXPECT_EQ(ds_start.max_unavailable(), 2);
  EXPECT_EQ(compiled->WaitsFor(p.steps(18)),
            "version (new) applied (RollingUpdate: maxSurge 0, "
            "maxUnavailable 2 of 5 nodes)");
  EXPECT_EQ(compiled->WaitsFor(p.steps(17)),
            "old pods replaced, 2 at a time of 5 nodes");
  EXPECT_EQ(p.steps(12).batch(), 1);
  EXPECT_THAT(DependsOn(*compiled, p.steps(1)), ElementsAre("tf/preflight"));
  // Each step names the lifecycle transition it drives, on its component's
  // path: ru surges, so it runs start-first like sf; ds does not.
  EXPECT_THAT(p.start_first(), ElementsAre(false, true, true, false));
  EXPECT_THAT(p.backup(), ElementsAre(true, false, false, false));
  std::vector<std::string> transitions;
  for (const proto::Step& s : p.steps()) {
    transitions.push_back(FormatTransition(compiled->StepTransition(s)));
  }
  EXPECT_THAT(transitions,
              ElementsAre("preflight -> backing_up on backup",
                          "backing_up -> terminating_old on step_done",
                          "terminating_old -> starting_new on step_done",
                          "starting_new -> awaiting_ready on step_done",
                          "awaiting_ready -> verifying on step_done",
                          "verifying -> succeeded on step_done",
                          // sf
                          "preflight -> starting_new on step_done",
                          "starting_new -> awaiting_ready on step_done",
                          "awaiting_ready -> terminating_old on step_done",
                          "terminating_old -> verifying on step_done",
                          "verifying -> succeeded on step_done",
                          // ru
                          "preflight -> starting_new on step_done",
                          "starting_new -> awaiting_ready on step_done",
                          "awaiting_ready -> terminating_old on step_done",
                          "terminating_old -> verifying on step_done",
                          "verifying -> succeeded on step_done",
                          // ds
                          "preflight -> terminating_old on step_done",
                          "terminating_old -> starting_new on step_done",
                          "starting_new -> awaiting_ready on step_done",
                          "awaiting_ready -> verifying on step_done",
                          "verifying -> succeeded on step_done"));
  EXPECT_EQ(FormatTransition(*StepTransition(proto::BACKUP, true, true)),
            "backing_up -> starting_new on step_done");
  EXPECT_EQ(StepTransition(proto::STEP_KIND_UNSPECIFIED, false, false),
            std::nullopt);
  EXPECT_THAT(p.rollback_steps(), SizeIs(4));
  EXPECT_EQ(FormatTransition(compiled->StepTransition(p.rollback_steps(0))),
            "rolling_back -> rolled_back on rollback_done");
  const std::string json = compiled->ToJson();
  EXPECT_THAT(json,
              HasSubstr("{\"id\":\"tf\",\"kind\":\"Generic\",\"order\":"
                        "\"terminate-first\",\"wave\":0,\"backup\":true,"));
  EXPECT_THAT(json, HasSubstr("{\"id\":\"sf\",\"kind\":\"Generic\",\"order\":"
                              "\"start-first\",\"wave\":0,\"backup\":false,"));
}

TEST(CompilePlanTest, DependenciesGateAndWavesRespectMaxParallel) {
  const Plan plan = Load(
      "  - {id: a}\n  - {id: b}\n  - {id: c}\n  - {id: d, dependsOn: [a, b], "
      "readiness: {timeout: 90s, minReadySeconds: 5}, verify: [{name: x, "
      "timeout: 20s}, {name: "
      "\"y\"}]}\n",  // quoted: a plain y is a YAML 1.1 boolean
      "policy: {maxParallel: 2, defaultTimeout: 1m}\n");
  absl::StatusOr<ExecutionPlan> compiled = CompilePlan(plan);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  const proto::ExecutionPlan& p = compiled->proto();
  ASSERT_THAT(p.waves(), SizeIs(2));
  EXPECT_THAT(WaveComponents(*compiled, 0), ElementsAre("a", "b"));
  EXPECT_THAT(WaveComponents(*compiled, 1), ElementsAre("c", "d"));
  const proto::Step* preflight = FindStep(*compiled, "d/preflight");
  const proto::Step* ready = FindStep(*compiled, "d/await-ready");
  const proto::Step* verify = FindStep(*compiled, "d/verify");
  ASSERT_NE(preflight, nullptr);
  EXPECT_THAT(DependsOn(*compiled, *preflight),
              ElementsAre("a/verify", "b/verify"));
  EXPECT_THAT(preflight->gate().after_components(), ElementsAre(0, 1));
  EXPECT_EQ(compiled->WaitsFor(*preflight), "dependencies verified: a, b");
  EXPECT_EQ(preflight->timeout_ms(), 60000);
  EXPECT_EQ(ready->timeout_ms(), 90000);
  EXPECT_EQ(ready->gate().ready(), 1);
  EXPECT_EQ(ready->gate().instances(), 1);
  EXPECT_EQ(ready->gate().ready_for_ms(), 5000);
  EXPECT_EQ(compiled->WaitsFor(*ready), "1/1 ready for 5s");
  EXPECT_THAT(verify->gate().verify_checks(), ElementsAre("x", "y"));
  EXPECT_THAT(verify->gate().verify_timeouts_ms(), ElementsAre(20000, 60000));
  EXPECT_EQ(compiled->WaitsFor(*verify), "checks pass: x, y");
  EXPECT_EQ(verify->timeout_ms(), 80000);  // 20s + the 1m default
  // Rollback: dependents first.
  EXPECT_EQ(compiled->StepId(p.rollback_steps(0)), "d/rollback");
  for (const proto::Step& s : p.rollback_steps()) {
    const std::string id = compiled->StepId(s);
    if (id == "a/rollback" || id == "b/rollback") {
      EXPECT_THAT(DependsOn(*compiled, s, /*rollback=*/true),
                  ElementsAre("d/rollback"));
    }
  }
}

TEST(CompilePlanTest, OutputsAreDeterministic) {
  const char* kComponents =
      "  - {id: a, kind: Deployment, replicas: 3}\n  - {id: \"b\\\"q\", "
      "dependsOn: [a]}\n"
      "  - {id: c, kind: DaemonSet, nodes: 2, dependsOn: [a], strategy: {type: "
      "OnDelete}}\n";
  absl::StatusOr<ExecutionPlan> first = CompilePlan(Load(kComponents));
  absl::StatusOr<ExecutionPlan> second = CompilePlan(Load(kComponents));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->ToText(), second->ToText());
  EXPECT_EQ(first->ToJson(), second->ToJson());
  EXPECT_EQ(first->ToDot(), second->ToDot());
  EXPECT_EQ(first->ToMermaidGantt(), second->ToMermaidGantt());
  EXPECT_EQ(first->ToMermaidFlowchart(), second->ToMermaidFlowchart());
  EXPECT_EQ(first->proto().SerializeAsString(),
            second->proto().SerializeAsString());
  EXPECT_THAT(first->ToJson(), HasSubstr("\"id\":\"b\\\"q/preflight\""));
  EXPECT_THAT(first->ToJson(), HasSubstr("\"code\":\"strategy.on-delete\""));
  EXPECT_THAT(first->ToText(), HasSubstr("Wave 1: b\"q, c"));
  EXPECT_THAT(first->ToText(), HasSubstr("Notes:"));
  EXPECT_THAT(first->ToDot(), HasSubstr("subgraph cluster_wave0"));
  EXPECT_THAT(first->ToMermaidGantt(), HasSubstr("section wave 1"));
  EXPECT_THAT(first->ToMermaidFlowchart(), HasSubstr("flowchart"));
}

// Regression (issue 9): components that share an exclusive resource, or a
// service behind an availability floor, were kept apart only by the wave
// numbers, which the steps' depends_on did not encode. Driving
// graph::Scheduler over the steps alone (everything ready runs at once, one
// round per step) must never overlap two such components.
TEST(CompilePlanTest, WaveBarriersKeepSharedResourcesApartUnderAScheduler) {
  // a (backup: 6 steps) and b (after c) both hold hostPort:80; without a
  // barrier b would start while a still verifies. p1 and p2 provide "web"
  // behind a floor and are likewise in different waves.
  const Plan plan = Load(
      "  - {id: a, kind: DaemonSet, nodes: 3, backup: true, strategy: {type: "
      "TerminateFirst}, exclusive: [\"hostPort:80\"]}\n"
      "  - {id: c}\n"
      "  - {id: b, kind: DaemonSet, nodes: 3, dependsOn: [c], strategy: "
      "{type: TerminateFirst}, exclusive: [\"hostPort:80\"]}\n"
      "  - {id: p1, kind: Deployment, replicas: 2, backup: true, provides: "
      "[web]}\n"
      "  - {id: p2, kind: Deployment, replicas: 2, dependsOn: [c], provides: "
      "[web]}\n",
      "policy: {availability: [{service: web, minAvailable: 2}]}\n");
  absl::StatusOr<ExecutionPlan> compiled = CompilePlan(plan);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  const proto::ExecutionPlan& e = compiled->proto();

  graph::GraphBuilder builder;
  for (const proto::Step& s : e.steps()) builder.AddNode(compiled->StepId(s));
  for (const proto::Step& s : e.steps()) {
    for (int32_t d : s.depends_on()) {
      builder.AddDependency(compiled->StepId(s), compiled->StepId(e.steps(d)));
    }
  }
  absl::StatusOr<graph::DependencyGraph> g = builder.Build();
  ASSERT_TRUE(g.ok()) << g.status();
  graph::Scheduler scheduler(*g);
  // component -> [first round running, last round running]
  std::vector<std::pair<int, int>> active(e.components_size(), {-1, -1});
  for (int round = 0; scheduler.IsActive(); ++round) {
    const std::vector<graph::NodeId> ready = scheduler.Ready();
    for (graph::NodeId n : ready) {
      auto& span = active[e.steps(n).component()];
      if (span.first < 0) span.first = round;
      span.second = round;
    }
    for (graph::NodeId n : ready) ASSERT_TRUE(scheduler.Done(n).ok());
  }
  ASSERT_TRUE(scheduler.AllDone());
  auto index = [&](absl::string_view id) {
    for (int i = 0; i < e.components_size(); ++i) {
      if (e.components(i) == id) return i;
    }
    return -1;
  };
  for (const auto& [x, y] :
       {std::make_pair("a", "b"), std::make_pair("p1", "p2")}) {
    SCOPED_TRACE(absl::StrCat(x, " and ", y));
    const auto& first = active[index(x)];
    const auto& second = active[index(y)];
    EXPECT_TRUE(first.second < second.first || second.second < first.first)
        << x << " runs in rounds " << first.first << ".." << first.second
        << ", " << y << " in " << second.first << ".." << second.second;
  }
  const proto::Step* b_preflight = FindStep(*compiled, "b/preflight");
  ASSERT_NE(b_preflight, nullptr);
  ASSERT_THAT(b_preflight->gate().barriers(), SizeIs(1));
  const proto::GateBarrier& barrier = b_preflight->gate().barriers(0);
  EXPECT_EQ(barrier.reason(), proto::GateBarrier::EXCLUSIVE_RESOURCE);
  EXPECT_EQ(barrier.name(), "hostPort:80");
  EXPECT_THAT(barrier.after_components(), ElementsAre(0));  // a
  EXPECT_EQ(compiled->WaitsFor(*b_preflight),
            "dependencies verified: c; then after a (holds hostPort:80)");
  const proto::Step* p2_preflight = FindStep(*compiled, "p2/preflight");
  ASSERT_NE(p2_preflight, nullptr);
  EXPECT_EQ(compiled->WaitsFor(*p2_preflight),
            "dependencies verified: c; then after p1 (provides web)");
  EXPECT_THAT(DependsOn(*compiled, *b_preflight),
              ElementsAre("c/verify", "a/verify"));
}

}  // namespace
}  // namespace upgrade_core::plan
