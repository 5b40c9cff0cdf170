#include "upgrade_core/sim/simulator.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/sim/distribution.h"

namespace upgrade_core::sim {
namespace {

using ::testing::HasSubstr;

// A compiled plan named "t" from the YAML policy body and component list.
// `unsafe`: compiled despite failed checks (PlannerOptions
// compile_despite_errors), as `upgradectl simulate` does.
std::unique_ptr<plan::ExecutionPlan> Compile(const std::string& components,
                                             const std::string& policy = "",
                                             bool unsafe = false) {
  const std::string yaml = absl::StrCat(
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: t}\n",
      policy.empty() ? "" : absl::StrCat("policy: {", policy, "}\n"),
      "components:\n", components);
  absl::StatusOr<plan::Plan> loaded = plan::Plan::FromYaml(yaml, {});
  EXPECT_TRUE(loaded.ok()) << loaded.status() << "\n" << yaml;
  if (!loaded.ok()) return nullptr;
  plan::PlannerOptions options;
  options.check_config = false;
  options.compile_despite_errors = unsafe;
  absl::StatusOr<plan::ExecutionPlan> e = plan::CompilePlan(*loaded, options);
  EXPECT_TRUE(e.ok()) << e.status() << "\n" << yaml;
  if (!e.ok()) return nullptr;
  return std::make_unique<plan::ExecutionPlan>(*std::move(e));
}

SimResult Sim(const plan::ExecutionPlan& p, const SimOptions& o = {}) {
  absl::StatusOr<SimResult> r = Simulate(p, {}, o);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *std::move(r) : SimResult{};
}

// Timeline lines matching `needle`, in order.
std::vector<std::string> Lines(const SimResult& r, const std::string& needle) {
  std::vector<std::string> out;
  for (const TimelineEvent& e : r.timeline) {
    if (absl::StrContains(e.what, needle)) out.push_back(e.what);
  }
  return out;
}

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

// A step's own duration overrides its kind's.
TEST(SimulatorTest, StepDurationsByKindAndById) {
  auto p = Compile(R"(
  - id: a
    kind: Deployment
    version: {from: 1.0.0, to: 1.1.0}
  - id: b
    kind: Deployment
    version: {from: 1.0.0, to: 1.1.0}
    dependsOn: [a]
)");
  ASSERT_NE(p, nullptr);
  SimOptions o;
  o.step_durations[proto::VERIFY] = Duration::Fixed(60000);
  o.step_durations_by_id["b/verify"] = Duration::Fixed(1);
  SimResult r = Sim(*p, o);
  EXPECT_EQ(r.outcome, "succeeded") << r.ToText();
  int64_t a_issued = -1, a_done = -1, b_issued = -1, b_done = -1;
  for (const TimelineEvent& e : r.timeline) {
    if (e.what == "a/verify issued") a_issued = e.at_ms;
    if (e.what == "a/verify succeeded") a_done = e.at_ms;
    if (e.what == "b/verify issued") b_issued = e.at_ms;
    if (e.what == "b/verify succeeded") b_done = e.at_ms;
  }
  EXPECT_EQ(a_done - a_issued, 60000) << r.ToText();
  EXPECT_EQ(b_done - b_issued, 1) << r.ToText();
}

// Without a cluster, there are enough nodes for today's pods: one per pod
// holding a host port. A given cluster that cannot run them is refused.
TEST(SimulatorTest, ClusterFitsTheCurrentVersion) {
  auto p = Compile(R"(
  - id: lb
    kind: Deployment
    replicas: 3
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: TerminateFirst}
    exclusive: ["hostPort:80"]
  - id: agent
    kind: DaemonSet
    nodes: 2
    version: {from: 1.0.0, to: 1.1.0}
)");
  ASSERT_NE(p, nullptr);
  SimResult r = Sim(*p);
  EXPECT_EQ(r.outcome, "succeeded") << r.ToText();
  EXPECT_TRUE(r.conflicts.empty()) << r.ToText();
  EXPECT_EQ(Lines(r, "on node-3").size(), 1u) << r.ToText();  // lb-new-*
  Cluster small;
  small.nodes = {{"a", {}}, {"b", {}}};
  absl::StatusOr<SimResult> refused = Simulate(*p, small, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("the cluster cannot run the current version: pod "
                        "lb-old-3 needs hostPort:80"));
}

// Same seed, same bytes; random durations differ by seed.
TEST(SimulatorTest, DeterministicBySeed) {
  auto p = Compile(R"(
  - id: web
    kind: Deployment
    replicas: 4
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: RollingUpdate, maxSurge: 1, maxUnavailable: 1}
    provides: [http]
)",
                   "availability: [{service: http, minAvailable: 50%}]");
  ASSERT_NE(p, nullptr);
  SimOptions o;
  o.default_pod_timing.readiness = Duration::Lognormal(5000, 0.5);
  o.default_pod_timing.start = Duration::Uniform(500, 3000);
  o.seed = 7;
  const std::string a = Sim(*p, o).ToJson();
  const std::string b = Sim(*p, o).ToJson();
  EXPECT_EQ(a, b);
  o.seed = 8;
  EXPECT_NE(a, Sim(*p, o).ToJson());
  EXPECT_THAT(a, HasSubstr("\"seed\":7"));
}

TEST(SimulatorTest, BadOptionsAreRefused) {
  auto p = Compile(R"(
  - id: web
    kind: Deployment
    version: {from: 1.0.0, to: 1.1.0}
)");
  ASSERT_NE(p, nullptr);
  struct Case {
    Fault fault;
    std::string message;
  };
  std::vector<Case> cases = {
      {Fault::StepFails("web/nope"), "does not have"},
      {Fault::NeverReady("nope"), "component \"nope\""},
      {Fault::NodeLost("node-9", 0), "node \"node-9\""},
  };
  for (const Case& c : cases) {
    SimOptions o;
    o.faults.push_back(c.fault);
    absl::StatusOr<SimResult> r = Simulate(*p, {}, o);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(r.status().message(), HasSubstr(c.message));
  }
  SimOptions o;
  o.step_durations[proto::VERIFY] = Duration::Uniform(5, 1);
  EXPECT_THAT(Simulate(*p, {}, o).status().message(),
              HasSubstr("expected 0 <= low <= high"));
  SimOptions by_id;
  by_id.step_durations_by_id["web/nope"] = Duration::Fixed(1);
  EXPECT_THAT(Simulate(*p, {}, by_id).status().message(),
              HasSubstr("step \"web/nope\""));
  SimOptions timing;
  timing.pod_timing["nope"] = PodTiming{};
  EXPECT_THAT(Simulate(*p, {}, timing).status().message(),
              HasSubstr("component \"nope\""));
  SimOptions rate;
  rate.webhook_requests_per_second = -1;
  EXPECT_FALSE(Simulate(*p, {}, rate).ok());
  SimOptions horizon;
  horizon.horizon_ms = 0;
  EXPECT_FALSE(Simulate(*p, {}, horizon).ok());
  Cluster twins;
  twins.nodes = {{"a", {}}, {"a", {}}};
  EXPECT_THAT(Simulate(*p, twins, {}).status().message(),
              HasSubstr("\"a\" is empty or repeated"));
}

TEST(DistributionTest, TransformsAreFixedFunctionsOfTheStream) {
  Rng rng(42);
  Rng again(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.Next(), again.Next());
  Rng u(1);
  for (int i = 0; i < 1000; ++i) {
    const int64_t v = Duration::Uniform(10, 20).Sample(u);
    EXPECT_GE(v, 10);
    EXPECT_LE(v, 20);
  }
  Rng f(1);
  EXPECT_EQ(Duration::Fixed(5).Sample(f), 5);
  EXPECT_EQ(f.Next(), Rng(1).Next());  // a fixed duration takes no draw
  // The median of many lognormal draws is near the given median.
  Rng l(3);
  std::vector<int64_t> v;
  for (int i = 0; i < 2001; ++i) {
    v.push_back(Duration::Lognormal(1000, 0.5).Sample(l));
  }
  std::sort(v.begin(), v.end());
  EXPECT_NEAR(v[1000], 1000, 80);
  EXPECT_EQ(Duration::Lognormal(1000, 0.5).ToString(),
            "lognormal(median 1s, sigma 0.5)");
}

}  // namespace
}  // namespace upgrade_core::sim
