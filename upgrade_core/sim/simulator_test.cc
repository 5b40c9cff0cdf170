// Tests of simulated rollouts: strategies and their budgets, host-port
// conflicts, unsafe plans, stuck and horizon verdicts, admission webhooks.
#include "upgrade_core/sim/simulator.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/sim/distribution.h"
#include "upgrade_core/sim/simulator_test_util.h"

namespace upgrade_core::sim {
namespace {

using test_util::Compile;
using test_util::Lines;
using test_util::Sim;
using ::testing::HasSubstr;

TEST(SimulatorTest, TerminateFirstCompletesWithOneOfThreeDown) {
  auto p = Compile(R"(
  - id: web
    kind: Deployment
    replicas: 3
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: RollingUpdate, maxSurge: 0, maxUnavailable: 1}
    provides: [http]
)",
                   "availability: [{service: http, minAvailable: 2}]");
  ASSERT_NE(p, nullptr);
  SimResult r = Sim(*p);
  EXPECT_EQ(r.outcome, "succeeded") << r.ToText();
  EXPECT_FALSE(r.stuck);
  ASSERT_EQ(r.services.size(), 1u);
  EXPECT_EQ(r.services[0].min_ready, 2) << r.ToText();
  EXPECT_EQ(r.services[0].endpoints_total, 3);
  EXPECT_EQ(r.services[0].floor, 2);
  EXPECT_EQ(r.services[0].ms_below_floor, 0);
  EXPECT_TRUE(r.Healthy());
  EXPECT_TRUE(r.conflicts.empty()) << r.ToText();
}

// Rolling updates stay within the budgets the planner resolved with
// Kubernetes' arithmetic: a Deployment of 10 with the defaults (25%/25%:
// surge 3 rounded up, unavailable 2 rounded down) never has more than 13
// pods or fewer than 8 ready; a DaemonSet on 4 nodes with maxUnavailable
// 50% never has fewer than 2 ready and never surges.
TEST(SimulatorTest, RollingUpdatesStayWithinTheirBudgets) {
  auto p = Compile(R"(
  - id: web
    kind: Deployment
    replicas: 10
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: RollingUpdate}
  - id: agent
    kind: DaemonSet
    nodes: 4
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: RollingUpdate, maxUnavailable: 50%}
)");
  ASSERT_NE(p, nullptr);
  SimOptions o;
  o.default_pod_timing.readiness = Duration::Uniform(1000, 9000);
  for (uint64_t seed = 0; seed < 5; ++seed) {
    SCOPED_TRACE(seed);
    o.seed = seed;
    SimResult r = Sim(*p, o);
    EXPECT_EQ(r.outcome, "succeeded") << r.ToText();
    ASSERT_EQ(r.components.size(), 2u);
    EXPECT_EQ(r.components[0].id, "web");
    EXPECT_EQ(r.components[0].peak_pods, 13) << r.ToText();
    EXPECT_EQ(r.components[0].min_ready, 8) << r.ToText();
    EXPECT_EQ(r.components[1].id, "agent");
    EXPECT_EQ(r.components[1].peak_pods, 4) << r.ToText();
    EXPECT_EQ(r.components[1].min_ready, 2) << r.ToText();
  }
}

// The naive controller rollout: surge on a DaemonSet that binds a host port.
// The new pod can never start next to the old one, await-ready times out and
// the plan rolls back; the conflict names the pod, node, port and holder.
TEST(SimulatorTest, SurgeOnHostPortTimesOutAndRollsBack) {
  auto p = Compile(R"(
  - id: ingress
    kind: DaemonSet
    nodes: 3
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: RollingUpdate, maxSurge: 1, maxUnavailable: 0}
    exclusive: ["hostPort:80"]
    provides: [http]
    readiness: {timeout: 60s}
)",
                   "onFailure: rollback-all", /*unsafe=*/true);
  ASSERT_NE(p, nullptr);
  SimResult r = Sim(*p);
  EXPECT_EQ(r.outcome, "rolled_back") << r.ToText();
  EXPECT_FALSE(r.stuck);
  ASSERT_GE(r.conflicts.size(), 1u) << r.ToText();
  const Conflict& c = r.conflicts[0];
  EXPECT_EQ(c.pod, "ingress-new-node-1");
  EXPECT_EQ(c.node, "node-1");
  EXPECT_EQ(c.resource, "hostPort:80");
  EXPECT_EQ(c.holder, "ingress-old-node-1");
  EXPECT_FALSE(c.until_ms.has_value());
  EXPECT_THAT(absl::StrJoin(Lines(r, "ingress/await-ready"), "\n"),
              HasSubstr("ingress/await-ready timed out after 1m"));
  EXPECT_EQ(Lines(r, "ingress/rollback succeeded").size(), 1u) << r.ToText();
  // The old pods kept serving throughout.
  EXPECT_EQ(r.services[0].min_ready, 3);
  EXPECT_FALSE(r.Healthy());
}

// The same clash under the `pause` policy: the failure halts the plan, which
// then waits for an operator: stuck, saying so.
TEST(SimulatorTest, SurgeOnHostPortUnderPauseIsStuckWaitingForAnOperator) {
  auto p = Compile(R"(
  - id: ingress
    kind: DaemonSet
    nodes: 2
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: RollingUpdate, maxSurge: 1, maxUnavailable: 0}
    exclusive: ["hostPort:80"]
    readiness: {timeout: 30s}
)",
                   "onFailure: pause", /*unsafe=*/true);
  ASSERT_NE(p, nullptr);
  SimResult r = Sim(*p);
  EXPECT_TRUE(r.stuck) << r.ToText();
  EXPECT_EQ(r.outcome, "paused");
  EXPECT_THAT(r.stuck_reason, HasSubstr("waits for an operator")) << r.ToText();
  ASSERT_EQ(r.conflicts.size(), 1u);
  EXPECT_EQ(r.conflicts[0].holder, "ingress-old-node-1");
}

// simulate compiles an unsafe plan (compile_despite_errors): its errors are
// carried as such; dependency errors still block.
TEST(SimulatorTest, CompileDespiteErrorsKeepsTheErrorsAndNeedsAnOrder) {
  const std::string surge = R"(
  - id: ingress
    kind: DaemonSet
    nodes: 2
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: RollingUpdate, maxSurge: 1, maxUnavailable: 0}
    exclusive: ["hostPort:80"]
)";
  auto p = Compile(surge, "", /*unsafe=*/true);
  ASSERT_NE(p, nullptr);
  bool found = false;
  for (const diag::Diagnostic& d : p->warnings()) {
    found = found || (d.code == "exclusive.surge" &&
                      d.severity == diag::Severity::kError);
  }
  EXPECT_TRUE(found);
  absl::StatusOr<plan::Plan> cyclic = plan::Plan::FromYaml(
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: c}\n"
      "components:\n  - {id: a, dependsOn: [b]}\n  - {id: b, dependsOn: "
      "[a]}\n",
      {});
  ASSERT_TRUE(cyclic.ok()) << cyclic.status();
  plan::PlannerOptions options;
  options.check_config = false;
  options.compile_despite_errors = true;
  absl::StatusOr<plan::ExecutionPlan> e = plan::CompilePlan(*cyclic, options);
  ASSERT_FALSE(e.ok());
  EXPECT_THAT(e.status().message(), HasSubstr("graph."));
}

// OnDelete: nobody deletes the old pods in a simulation, and terminate-old
// has no deadline, so nothing can ever progress: a stuck verdict with the
// reason, not an endless run.
TEST(SimulatorTest, OnDeleteIsStuckWithAReason) {
  auto p = Compile(R"(
  - id: db
    kind: StatefulSet
    replicas: 2
    version: {from: 1.0.0, to: 2.0.0}
    strategy: {type: OnDelete}
)");
  ASSERT_NE(p, nullptr);
  SimResult r = Sim(*p);
  EXPECT_TRUE(r.stuck) << r.ToText();
  EXPECT_THAT(r.stuck_reason, HasSubstr("db/terminate-old has no deadline"));
  EXPECT_THAT(r.stuck_reason,
              HasSubstr("waits for a person to delete the old pods"));
  EXPECT_FALSE(r.Healthy());
}

// A surging Deployment bound to a host port on as many nodes as replicas,
// with no deadline on readiness: the horizon ends it, and the reason names
// the pending pod and its holder.
TEST(SimulatorTest, HorizonEndsARunThatCannotFinish) {
  auto p = Compile(R"(
  - id: proxy
    kind: DaemonSet
    nodes: 2
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: RollingUpdate, maxSurge: 1, maxUnavailable: 0}
    exclusive: ["hostPort:443"]
    retry: {attempts: 1000, backoff: 1s}
    readiness: {timeout: 10s}
)",
                   "", /*unsafe=*/true);
  ASSERT_NE(p, nullptr);
  SimOptions o;
  o.horizon_ms = 120000;
  SimResult r = Sim(*p, o);
  EXPECT_TRUE(r.stuck) << r.ToText();
  EXPECT_THAT(r.stuck_reason, HasSubstr("still running at the horizon (2m)"));
  EXPECT_EQ(r.duration_ms, 120000);
}

// A Fail webhook whose server goes fully down (TerminateFirst) rejects
// requests for as long as no endpoint is ready; Ignore lets them through
// unchecked.
TEST(SimulatorTest, WebhookRejectsWhileItsServerIsDown) {
  for (const std::string policy : {"Fail", "Ignore"}) {
    SCOPED_TRACE(policy);
    auto p = Compile(absl::StrCat(R"(
  - id: server
    kind: Deployment
    replicas: 1
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: TerminateFirst}
  - id: hook
    kind: Webhook
    version: {from: 1.0.0, to: 1.1.0}
    dependsOn: [server]
    webhook: {failurePolicy: )",
                                  policy, ", servedBy: server}\n"),
                     "", /*unsafe=*/true);
    ASSERT_NE(p, nullptr);
    SimOptions o;
    o.webhook_requests_per_second = 2;
    SimResult r = Sim(*p, o);
    EXPECT_EQ(r.outcome, "succeeded") << r.ToText();
    ASSERT_EQ(r.webhooks.size(), 1u);
    const WebhookResult& w = r.webhooks[0];
    // Old pod terminating at 2s (preflight 1s + terminate-old 1s), gone
    // after its 3s grace at 5s... no: endpoints leave when terminating.
    // Down from 2s (terminating) until the new pod is ready: start-new
    // issued at 5s, applied at 6s, ready 7s later (2s start + 5s
    // readiness) = 13s: 11s down.
    EXPECT_EQ(w.ms_without_server, 11000) << r.ToText();
    if (policy == "Fail") {
      EXPECT_EQ(w.rejected, 22);
      EXPECT_EQ(w.unchecked, 0);
    } else {
      EXPECT_EQ(w.rejected, 0);
      EXPECT_EQ(w.unchecked, 22);
    }
  }
}

// A Deployment surging on a host port with a free node: the scheduler puts
// the surge pod there. The next new pod is created as an old one starts
// terminating and waits for its port: a conflict that resolves.
TEST(SimulatorTest, DeploymentSurgeUsesAFreeNode) {
  auto p = Compile(R"(
  - id: lb
    kind: Deployment
    replicas: 2
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: RollingUpdate, maxSurge: 1, maxUnavailable: 0}
    exclusive: ["hostPort:8080"]
  - id: spread
    kind: DaemonSet
    nodes: 3
    version: {from: 1.0.0, to: 1.0.0}
)",
                   "", /*unsafe=*/true);
  ASSERT_NE(p, nullptr);
  SimResult r = Sim(*p);
  EXPECT_EQ(r.outcome, "succeeded") << r.ToText();
  EXPECT_EQ(Lines(r, "pod lb-new-1 scheduled on node-3").size(), 1u)
      << r.ToText();
  ASSERT_EQ(r.conflicts.size(), 1u) << r.ToText();
  EXPECT_EQ(r.conflicts[0].pod, "lb-new-2");
  EXPECT_EQ(r.conflicts[0].holder, "lb-old-1");
  // Held for the old pod's 3s grace period.
  ASSERT_TRUE(r.conflicts[0].until_ms.has_value());
  EXPECT_EQ(*r.conflicts[0].until_ms - r.conflicts[0].since_ms, 3000);
}

}  // namespace
}  // namespace upgrade_core::sim
