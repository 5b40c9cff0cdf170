// Tests of injected faults in simulated rollouts: a dependency never ready,
// failing steps, late config, lost nodes.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "upgrade_core/sim/simulator.h"
#include "upgrade_core/sim/simulator_test_util.h"

namespace upgrade_core::sim {
namespace {

using test_util::Compile;
using test_util::Lines;
using test_util::Sim;

// A dependency that never becomes ready gates its dependents: they never
// start, and the plan rolls back what it touched.
TEST(SimulatorTest, DependencyNotReadyGatesDependents) {
  auto p = Compile(R"(
  - id: backend
    kind: Deployment
    replicas: 2
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: TerminateFirst}
    readiness: {timeout: 30s}
  - id: frontend
    kind: Deployment
    replicas: 2
    version: {from: 1.0.0, to: 1.1.0}
    dependsOn: [backend]
)");
  ASSERT_NE(p, nullptr);
  SimOptions o;
  o.faults.push_back(Fault::NeverReady("backend"));
  SimResult r = Sim(*p, o);
  EXPECT_EQ(r.outcome, "rolled_back") << r.ToText();
  EXPECT_TRUE(Lines(r, "frontend/").empty()) << r.ToText();
  EXPECT_EQ(Lines(r, "backend/await-ready timed out").size(), 1u);
}

// An injected verify failure of the last component rolls everything back,
// dependents before their dependencies.
TEST(SimulatorTest, InjectedFailureRollsBackInReverseDependencyOrder) {
  auto p = Compile(R"(
  - id: a
    kind: Deployment
    version: {from: 1.0.0, to: 1.1.0}
  - id: b
    kind: Deployment
    version: {from: 1.0.0, to: 1.1.0}
    dependsOn: [a]
  - id: c
    kind: Deployment
    version: {from: 1.0.0, to: 1.1.0}
    dependsOn: [b]
)",
                   "onFailure: rollback-all");
  ASSERT_NE(p, nullptr);
  SimOptions o;
  Fault f;
  f.kind = Fault::Kind::kStepFails;
  f.step = "c/verify";
  o.faults.push_back(f);
  SimResult r = Sim(*p, o);
  EXPECT_EQ(r.outcome, "rolled_back") << r.ToText();
  EXPECT_EQ(
      Lines(r, "/rollback succeeded"),
      (std::vector<std::string>{"c/rollback succeeded", "b/rollback succeeded",
                                "a/rollback succeeded"}))
      << r.ToText();
  EXPECT_EQ(Lines(r, "c/verify failed (injected fault)").size(), 1u);
}

// A step failing at a given time: the await-ready in flight at 10s fails
// then; the retry succeeds.
TEST(SimulatorTest, StepFailsAtAGivenTime) {
  auto p = Compile(R"(
  - id: web
    kind: Deployment
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: TerminateFirst}
    readiness: {minReadySeconds: 30}
    retry: {attempts: 2, backoff: 1s}
)");
  ASSERT_NE(p, nullptr);
  SimOptions o;
  o.faults.push_back(Fault::StepFailsAt("web/await-ready", 10000));
  SimResult r = Sim(*p, o);
  EXPECT_EQ(r.outcome, "succeeded") << r.ToText();
  int64_t failed_at = -1;
  for (const TimelineEvent& e : r.timeline) {
    if (absl::StartsWith(e.what, "web/await-ready failed")) failed_at = e.at_ms;
  }
  EXPECT_EQ(failed_at, 10000) << r.ToText();
  EXPECT_EQ(Lines(r, "web/await-ready issued (attempt 2)").size(), 1u);
}

// The new config reaches the pods 20s after they start: the readiness seen
// before is stale, the orchestrator ignores it, and the step succeeds only
// once the config has arrived.
TEST(SimulatorTest, LateConfigMakesEarlyReadinessStale) {
  auto p = Compile(R"(
  - id: web
    kind: Deployment
    replicas: 1
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: TerminateFirst}
)");
  ASSERT_NE(p, nullptr);
  SimOptions o;
  Fault f;
  f.kind = Fault::Kind::kLateConfig;
  f.component = "web";
  f.delay_ms = 20000;
  o.faults.push_back(f);
  SimResult r = Sim(*p, o);
  EXPECT_EQ(r.outcome, "succeeded") << r.ToText();
  EXPECT_EQ(Lines(r, "readiness reported before the new config").size(), 1u)
      << r.ToText();
  int64_t config_at = -1, ready_at = -1;
  for (const TimelineEvent& e : r.timeline) {
    if (e.what == "pod web-new-1 got the new config") config_at = e.at_ms;
    if (e.what == "web/await-ready succeeded") ready_at = e.at_ms;
  }
  ASSERT_GE(config_at, 0) << r.ToText();
  EXPECT_EQ(ready_at, config_at);
}

// A node disappears mid-run: its pods are gone; the DaemonSet runs on the
// nodes left and the plan still completes.
TEST(SimulatorTest, NodeLossShrinksTheDaemonSet) {
  auto p = Compile(R"(
  - id: agent
    kind: DaemonSet
    nodes: 3
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: RollingUpdate, maxSurge: 0, maxUnavailable: 1}
    provides: [metrics]
)");
  ASSERT_NE(p, nullptr);
  SimOptions o;
  Fault f;
  f.kind = Fault::Kind::kNodeLost;
  f.node = "node-3";
  f.at_ms = 1500;
  o.faults.push_back(f);
  SimResult r = Sim(*p, o);
  EXPECT_EQ(r.outcome, "succeeded") << r.ToText();
  EXPECT_EQ(Lines(r, "node node-3 lost").size(), 1u);
  EXPECT_EQ(r.services[0].ready_over_time.back().second, 2) << r.ToText();
}

// A node lost after a Deployment was recreated: its replacement runs the
// new version, not the old one.
TEST(SimulatorTest, NodeLossAfterTheUpgradeReplacesWithTheNewVersion) {
  auto p = Compile(R"(
  - id: web
    kind: Deployment
    replicas: 2
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: TerminateFirst}
  - id: agent
    kind: DaemonSet
    nodes: 2
    version: {from: 1.0.0, to: 1.0.0}
    dependsOn: [web]
)");
  ASSERT_NE(p, nullptr);
  SimOptions o;
  o.faults.push_back(Fault::NodeLost("node-2", 20000));
  SimResult r = Sim(*p, o);
  EXPECT_EQ(r.outcome, "succeeded") << r.ToText();
  EXPECT_EQ(Lines(r, "pod web-new-3 scheduled on node-1").size(), 1u)
      << r.ToText();
  EXPECT_TRUE(Lines(r, "pod web-old-3").empty()) << r.ToText();
}

}  // namespace
}  // namespace upgrade_core::sim
