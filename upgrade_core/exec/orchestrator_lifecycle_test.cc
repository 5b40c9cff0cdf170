// The property that ties the Planner, the step table and the component
// lifecycle together, checked by running plans through the Orchestrator
// (plan/lifecycle_consistency_test.cc fires the events by hand; it cannot
// use exec/, which sits above plan/): for every strategy the planner
// distinguishes, with and without a backup step, the orchestrator issues each
// component's steps in the order they were emitted, every success is a legal
// lifecycle transition that lands where plan::StepTransition says, every
// component ends succeeded; and when the last component fails, rollback-all
// takes every one of them to rolled_back through its rollback step.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/orchestrator_test_util.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/plan/step_lifecycle.h"

namespace upgrade_core::exec {
namespace {

const std::vector<std::string>& Strategies() {
  static const auto* const kCases = new std::vector<std::string>{
      "kind: Deployment, replicas: 3, strategy: {type: TerminateFirst}",
      "kind: Deployment, replicas: 3, strategy: {type: StartFirst}",
      "kind: Deployment, replicas: 4, strategy: {type: RollingUpdate, "
      "maxSurge: \"25%\", maxUnavailable: 0}",
      "kind: Deployment, replicas: 4, strategy: {type: RollingUpdate, "
      "maxSurge: 0, maxUnavailable: 1}",
      "kind: DaemonSet, nodes: 5, strategy: {type: RollingUpdate, "
      "maxSurge: 1, maxUnavailable: 0}",
      "kind: DaemonSet, nodes: 3, strategy: {type: OnDelete}",
      "kind: StatefulSet, replicas: 3, strategy: {type: OnDelete}",
      "kind: Job",
      "kind: Job, strategy: {type: StartFirst}",
      "kind: Webhook",
  };
  return *kCases;
}

std::string AllStrategiesPlan() {
  std::string yaml;
  int i = 0;
  for (bool backup : {false, true}) {
    for (const std::string& c : Strategies()) {
      absl::StrAppend(
          &yaml, "  - {id: c", i, ", ", c, backup ? ", backup: true" : "",
          i > 0 ? absl::StrCat(", dependsOn: [c", i - 1, "]") : "", "}\n");
      ++i;
    }
  }
  return yaml;
}

TEST(OrchestratorLifecycleTest, EveryStrategyRunsItsStepsToSucceeded) {
  auto plan = test_util::Compile(AllStrategiesPlan());
  ASSERT_TRUE(plan);
  const proto::ExecutionPlan& p = plan->proto();
  absl::StatusOr<std::unique_ptr<Orchestrator>> o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok()) << o.status();
  const fsm::StateMachine& lifecycle = fsm::ComponentLifecycle();
  std::map<int, std::vector<int32_t>> issued;  // component -> steps
  int64_t now = 0;
  while (!(*o)->done()) {
    absl::StatusOr<std::vector<Action>> actions = (*o)->NextActions(now);
    ASSERT_TRUE(actions.ok()) << actions.status();
    ASSERT_FALSE(actions->empty()) << (*o)->Status().ToText();
    for (const Action& a : *actions) {
      const proto::Step& step = p.steps(a.step);
      const plan::LifecycleTransition t = plan->StepTransition(step);
      SCOPED_TRACE(absl::StrCat(a.step_id, ": ", plan::FormatTransition(t)));
      const std::string& id = p.components(a.component);
      // The step runs in the state its transition starts from...
      for (const ComponentStatus& c : (*o)->Status().components) {
        if (c.id == id) {
          EXPECT_EQ(c.state, lifecycle.state_name(t.from));
        }
      }
      issued[a.component].push_back(a.step);
      ASSERT_TRUE((*o)->Report(a.id, Outcome::Succeeded(), ++now).ok());
      // ...and lands where it claims.
      for (const ComponentStatus& c : (*o)->Status().components) {
        if (c.id == id) {
          EXPECT_EQ(c.state, lifecycle.state_name(t.to));
        }
      }
    }
  }
  EXPECT_EQ((*o)->outcome(), PlanOutcome::kSucceeded);
  for (const ComponentStatus& c : (*o)->Status().components) {
    EXPECT_EQ(c.state, "succeeded") << c.id;
  }
  // Each component's steps in emitted order, each exactly once.
  ASSERT_EQ(issued.size(), size_t(p.components_size()));
  for (auto& [component, steps] : issued) {
    std::vector<int32_t> emitted;
    for (int32_t s = 0; s < p.steps_size(); ++s) {
      if (p.steps(s).component() == component) emitted.push_back(s);
    }
    EXPECT_EQ(steps, emitted) << p.components(component);
  }
}

TEST(OrchestratorLifecycleTest, RollbackAllTakesEveryComponentToRolledBack) {
  const std::string yaml = AllStrategiesPlan();
  auto plan = test_util::Compile(yaml, "onFailure: rollback-all");
  ASSERT_TRUE(plan);
  absl::StatusOr<std::unique_ptr<Orchestrator>> o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok()) << o.status();
  const int last = plan->proto().components_size() - 1;
  test_util::Driver d(o->get());
  d.failures[absl::StrCat("c", last, "/verify")] = -1;
  d.Run();
  EXPECT_EQ((*o)->outcome(), PlanOutcome::kRolledBack);
  for (const ComponentStatus& c : (*o)->Status().components) {
    EXPECT_EQ(c.state, "rolled_back") << c.id;
  }
  // Dependents first: the rollbacks run from the last component down.
  std::vector<std::string> rollbacks;
  for (const std::string& id : d.issued) {
    if (absl::EndsWith(id, "/rollback")) rollbacks.push_back(id);
  }
  ASSERT_EQ(rollbacks.size(), size_t(last + 1));
  for (int i = 0; i <= last; ++i) {
    EXPECT_EQ(rollbacks[i], absl::StrCat("c", last - i, "/rollback"));
  }
}

}  // namespace
}  // namespace upgrade_core::exec
