// The property that ties the Planner to the component lifecycle: for plans
// covering every strategy (TerminateFirst, StartFirst, RollingUpdate with and
// without surge, OnDelete; Deployments, DaemonSets and pod-less kinds; with
// and without a backup step), a ComponentLifecycle instance per component,
// bound to the plan's start_first value, can be driven through that
// component's emitted steps in order: each step runs in exactly the state its
// transition claims, the claimed event is accepted and lands where claimed,
// and every component ends in `succeeded`; its rollback step then takes it
// from rolling_back to rolled_back. The events are fired by hand here (plan/
// cannot use exec/); //upgrade_core/exec:orchestrator_lifecycle_test checks
// the same property through the Orchestrator, which issues the steps.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/fsm/instance.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::plan {
namespace {

using ::upgrade_core::testing::IsOk;

struct Policy {
  bool rollback_on_failure = true;
  bool start_first = false;
};
using Lifecycle = fsm::Instance<Policy>;

// The lifecycle state a step of `kind` must run in, whatever the order.
const char* StateOf(proto::StepKind kind) {
  switch (kind) {
    case proto::PREFLIGHT:
      return "preflight";
    case proto::BACKUP:
      return "backing_up";
    case proto::TERMINATE_OLD:
      return "terminating_old";
    case proto::START_NEW:
      return "starting_new";
    case proto::AWAIT_READY:
      return "awaiting_ready";
    case proto::VERIFY:
      return "verifying";
    case proto::ROLLBACK:
      return "rolling_back";
    default:
      return "?";
  }
}

// One component per (kind, strategy) the planner distinguishes, each with
// and without a backup step, and whether its steps must run start-first.
struct ComponentCase {
  std::string yaml;  // the component's fields after `id`
  bool start_first;
};

std::vector<ComponentCase> ComponentCases() {
  const std::vector<ComponentCase> base = {
      {"kind: Deployment, replicas: 3, strategy: {type: TerminateFirst}",
       false},
      {"kind: Deployment, replicas: 3, strategy: {type: StartFirst}", true},
      {"kind: Deployment, replicas: 4, strategy: {type: RollingUpdate, "
       "maxSurge: \"25%\", maxUnavailable: 0}",
       true},
      {"kind: Deployment, replicas: 4, strategy: {type: RollingUpdate, "
       "maxSurge: 0, maxUnavailable: 1}",
       false},
      {"kind: Deployment, replicas: 4, strategy: {type: RollingUpdate}", true},
      {"kind: DaemonSet, nodes: 5, strategy: {type: RollingUpdate, "
       "maxSurge: 0, maxUnavailable: \"40%\"}",
       false},
      {"kind: DaemonSet, nodes: 5, strategy: {type: RollingUpdate, "
       "maxSurge: 1, maxUnavailable: 0}",
       true},
      {"kind: DaemonSet, nodes: 3, strategy: {type: OnDelete}", false},
      {"kind: DaemonSet, nodes: 3, strategy: {type: TerminateFirst}", false},
      {"kind: DaemonSet, nodes: 3, strategy: {type: StartFirst}", true},
      {"kind: StatefulSet, replicas: 3, strategy: {type: OnDelete}", false},
      {"kind: Job", false},
      {"kind: Job, strategy: {type: StartFirst}", true},
      {"kind: Webhook", false},
  };
  std::vector<ComponentCase> cases;
  for (bool backup : {false, true}) {
    for (const ComponentCase& c : base) {
      cases.push_back({absl::StrCat(c.yaml, backup ? ", backup: true" : ""),
                       c.start_first});
    }
  }
  return cases;
}

// Drives every component of `e` through its steps; returns the number of
// steps driven.
int DriveAllSteps(const ExecutionPlan& e) {
  const proto::ExecutionPlan& p = e.proto();
  const fsm::StateMachine& machine = fsm::ComponentLifecycle();
  std::vector<Lifecycle> lifecycles;
  std::vector<Policy> policies;
  for (int i = 0; i < p.components_size(); ++i) {
    absl::StatusOr<Lifecycle> lifecycle = Lifecycle::Create(
        machine, fsm::Callbacks<Policy>()
                     .Guard(fsm::kRollbackOnFailureGuard,
                            [](Policy& p) { return p.rollback_on_failure; })
                     .Guard(fsm::kStartFirstGuard,
                            [](Policy& p) { return p.start_first; }));
    EXPECT_THAT(lifecycle, IsOk());
    if (!lifecycle.ok()) return 0;
    lifecycles.push_back(*std::move(lifecycle));
    policies.push_back({true, e.StartFirst(i)});
  }
  int driven = 0;
  auto drive = [&](const proto::Step& step) {
    const int c = step.component();
    Lifecycle& lifecycle = lifecycles[c];
    const LifecycleTransition claim = e.StepTransition(step);
    SCOPED_TRACE(absl::StrCat(e.StepId(step), ": ", FormatTransition(claim)));
    EXPECT_EQ(machine.state_name(claim.from), StateOf(step.kind()));
    ASSERT_EQ(lifecycle.state(), claim.from)
        << "the step runs in a different state than it claims";
    ASSERT_THAT(lifecycle.Fire(claim.event, policies[c]), IsOk());
    EXPECT_EQ(lifecycle.state(), claim.to);
    ++driven;
  };
  for (const proto::Step& step : p.steps()) {
    Lifecycle& lifecycle = lifecycles[step.component()];
    if (lifecycle.state() == fsm::component_lifecycle::kPending) {
      EXPECT_EQ(step.kind(), proto::PREFLIGHT);
      EXPECT_THAT(lifecycle.Fire(fsm::component_lifecycle::kStart,
                                 policies[step.component()]),
                  IsOk());
    }
    drive(step);
    if (::testing::Test::HasFatalFailure()) return driven;
  }
  for (int i = 0; i < p.components_size(); ++i) {
    SCOPED_TRACE(p.components(i));
    EXPECT_EQ(lifecycles[i].state(), fsm::component_lifecycle::kSucceeded);
  }
  // The plan rolls back: each succeeded component accepts `rollback`, then
  // its rollback step finishes it.
  for (const proto::Step& step : p.rollback_steps()) {
    Lifecycle& lifecycle = lifecycles[step.component()];
    EXPECT_THAT(lifecycle.Fire(fsm::component_lifecycle::kRollback,
                               policies[step.component()]),
                IsOk());
    drive(step);
    if (::testing::Test::HasFatalFailure()) return driven;
    EXPECT_EQ(lifecycle.state(), fsm::component_lifecycle::kRolledBack);
  }
  return driven;
}

TEST(LifecycleConsistencyTest, EveryStrategyDrivesTheLifecycleToSucceeded) {
  const std::vector<ComponentCase> cases = ComponentCases();
  std::string yaml =
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: "
      "all-strategies}\ncomponents:\n";
  for (size_t i = 0; i < cases.size(); ++i) {
    absl::StrAppend(&yaml, "  - {id: c", i, ", ", cases[i].yaml,
                    i > 0 ? absl::StrCat(", dependsOn: [c", i - 1, "]") : "",
                    "}\n");
  }
  absl::StatusOr<Plan> plan = Plan::FromYaml(yaml, {});
  ASSERT_THAT(plan, IsOk());
  absl::StatusOr<ExecutionPlan> e = CompilePlan(*plan);
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->proto().components_size(), static_cast<int>(cases.size()));
  int backups = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].yaml);
    EXPECT_EQ(e->StartFirst(i), cases[i].start_first);
    backups += e->HasBackup(i);
  }
  EXPECT_EQ(backups, static_cast<int>(cases.size() / 2));
  const int driven = DriveAllSteps(*e);
  EXPECT_EQ(driven, e->proto().steps_size() + e->proto().rollback_steps_size());
}

TEST(LifecycleConsistencyTest, AnIngressNginxLikePlan) {
  absl::StatusOr<Plan> plan =
      Plan::FromFile("upgrade_core/plan/testdata/plan.yaml");
  ASSERT_THAT(plan, IsOk());
  absl::StatusOr<ExecutionPlan> e = CompilePlan(*plan);
  ASSERT_TRUE(e.ok()) << e.status();
  // The backend surges (maxSurge: 1): start-first; the controller binds
  // host ports (maxSurge: 0): terminate-first.
  EXPECT_THAT(e->proto().start_first(),
              ::testing::ElementsAre(false, true, false, false));
  EXPECT_EQ(DriveAllSteps(*e),
            e->proto().steps_size() + e->proto().rollback_steps_size());
}

// The property can fail: binding the wrong order stops at the first step
// whose state differs from its claim.
TEST(LifecycleConsistencyTest, WrongOrderIsCaught) {
  absl::StatusOr<Plan> plan = Plan::FromYaml(
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: t}\n"
      "components:\n  - {id: sf, strategy: {type: StartFirst}}\n",
      {});
  ASSERT_THAT(plan, IsOk());
  absl::StatusOr<ExecutionPlan> e = CompilePlan(*plan);
  ASSERT_TRUE(e.ok()) << e.status();
  absl::StatusOr<Lifecycle> lifecycle = Lifecycle::Create(
      fsm::ComponentLifecycle(),
      fsm::Callbacks<Policy>()
          .Guard(fsm::kRollbackOnFailureGuard, [](Policy&) { return true; })
          .Guard(fsm::kStartFirstGuard,
                 [](Policy& p) { return p.start_first; }));
  ASSERT_THAT(lifecycle, IsOk());
  Policy wrong{true, !e->StartFirst(0)};
  ASSERT_THAT(lifecycle->Fire(fsm::component_lifecycle::kStart, wrong), IsOk());
  ASSERT_THAT(lifecycle->Fire(fsm::component_lifecycle::kStepDone, wrong),
              IsOk());
  const LifecycleTransition claim = e->StepTransition(e->proto().steps(1));
  EXPECT_EQ(claim.from, fsm::component_lifecycle::kStartingNew);
  EXPECT_NE(lifecycle->state(), claim.from);
}

}  // namespace
}  // namespace upgrade_core::plan
