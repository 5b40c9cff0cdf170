// Properties over many small random plans, seeds and faults: the simulator
// never fails or hangs on a plan the planner compiles, every run ends
// (terminal outcome, paused, or stuck with a reason), the measures stay
// within their bounds, and the same input gives the same bytes.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/sim/distribution.h"
#include "upgrade_core/sim/simulator.h"

namespace upgrade_core::sim {
namespace {

// A random plan of 1-5 components (dependencies only on earlier ones, so it
// has an order), as YAML.
std::string RandomPlan(Rng& rng) {
  const char* kinds[] = {"Deployment", "DaemonSet", "Job", "StatefulSet",
                         "Webhook"};
  const char* strategies[] = {
      "{type: TerminateFirst}", "{type: StartFirst}",
      "{type: RollingUpdate, maxSurge: 1, maxUnavailable: 0}",
      "{type: RollingUpdate, maxSurge: 0, maxUnavailable: 1}",
      "{type: RollingUpdate, maxSurge: 25%, maxUnavailable: 25%}"};
  const char* policies[] = {"rollback-all", "rollback-failed", "pause",
                            "continue"};
  const int n = 1 + static_cast<int>(rng.Next() % 5);
  std::string yaml = absl::StrCat(
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: r}\n"
      "policy: {onFailure: ",
      policies[rng.Next() % 4], ", maxParallel: ", rng.Next() % 3,
      ", availability: [{service: s, minAvailable: 50%}]}\ncomponents:\n");
  for (int i = 0; i < n; ++i) {
    const std::string kind = kinds[rng.Next() % 5];
    absl::StrAppend(&yaml, "  - id: c", i, "\n    kind: ", kind,
                    "\n    version: {from: 1.0.0, to: 1.1.0}\n");
    if (kind == "Webhook") {
      if (i > 0) {
        absl::StrAppend(&yaml, "    webhook: {failurePolicy: ",
                        rng.Next() % 2 ? "Fail" : "Ignore", ", servedBy: c",
                        rng.Next() % i, "}\n");
      }
      continue;
    }
    if (kind == "DaemonSet") {
      absl::StrAppend(&yaml, "    nodes: ", 1 + rng.Next() % 4, "\n");
    } else if (kind != "Job") {
      absl::StrAppend(&yaml, "    replicas: ", 1 + rng.Next() % 4, "\n");
    }
    if (kind != "Job" && kind != "StatefulSet") {
      absl::StrAppend(&yaml, "    strategy: ", strategies[rng.Next() % 5],
                      "\n");
    }
    if (kind != "Job" && rng.Next() % 3 == 0) {
      absl::StrAppend(&yaml, "    exclusive: [\"hostPort:80\"]\n");
    }
    if (kind != "Job" && rng.Next() % 2 == 0) {
      absl::StrAppend(&yaml, "    provides: [s]\n");
    }
    absl::StrAppend(&yaml, "    readiness: {timeout: ", 10 + rng.Next() % 50,
                    "s, minReadySeconds: ", rng.Next() % 3, "}\n");
    absl::StrAppend(&yaml, "    retry: {attempts: ", 1 + rng.Next() % 3,
                    ", backoff: 2s}\n");
    if (i > 0 && rng.Next() % 2 == 0) {
      absl::StrAppend(&yaml, "    dependsOn: [c", rng.Next() % i, "]\n");
    }
  }
  return yaml;
}

TEST(SimulatorPropertyTest, RandomPlansEndWithinBoundsDeterministically) {
  Rng rng(20261202);
  int simulated = 0;
  std::map<std::string, int> seen;  // outcome (or "stuck") -> runs
  for (int round = 0; round < 300; ++round) {
    const std::string yaml = RandomPlan(rng);
    SCOPED_TRACE(yaml);
    absl::StatusOr<plan::Plan> loaded = plan::Plan::FromYaml(yaml, {});
    if (!loaded.ok()) continue;  // e.g. a strategy a kind cannot use
    plan::PlannerOptions options;
    options.check_config = false;
    options.compile_despite_errors = true;
    absl::StatusOr<plan::ExecutionPlan> compiled =
        plan::CompilePlan(*loaded, options);
    if (!compiled.ok()) continue;
    SimOptions o;
    o.seed = rng.Next();
    o.horizon_ms = 6 * 3600 * 1000;
    o.default_pod_timing.readiness = Duration::Lognormal(4000, 0.7);
    o.default_pod_timing.start = Duration::Uniform(0, 3000);
    const int comp =
        static_cast<int>(rng.Next() % compiled->proto().components_size());
    const std::string id = compiled->proto().components(comp);
    switch (rng.Next() % 5) {
      case 0:
        o.faults.push_back(
            Fault::StepFails(absl::StrCat(id, "/await-ready"), -1, 0.5));
        break;
      case 1:
        o.faults.push_back(Fault::NeverReady(id));
        break;
      case 2:
        o.faults.push_back(Fault::LateConfig(id, 5000));
        break;
      case 3:
        o.faults.push_back(Fault::NodeLost("node-1", rng.Next() % 60000));
        break;
      default:
        break;
    }
    absl::StatusOr<SimResult> r = Simulate(*compiled, {}, o);
    ASSERT_TRUE(r.ok()) << r.status();
    ++simulated;
    ++seen[r->stuck ? "stuck" : r->outcome];
    const bool terminal = r->outcome == "succeeded" || r->outcome == "failed" ||
                          r->outcome == "rolled_back";
    EXPECT_TRUE(terminal || r->stuck) << r->ToText();
    if (r->stuck) {
      // These plans have deadlines everywhere: only a plan paused by a
      // failure (waiting for an operator) can get stuck.
      EXPECT_EQ(r->outcome, "paused") << r->stuck_reason << "\n" << r->ToText();
      EXPECT_FALSE(r->stuck_reason.empty());
    }
    EXPECT_LE(r->duration_ms, o.horizon_ms);
    for (const ServiceResult& s : r->services) {
      EXPECT_GE(s.min_ready, 0);
      EXPECT_LE(s.min_ready, s.endpoints_total);
      EXPECT_LE(s.ms_below_floor, r->duration_ms);
    }
    for (const ComponentResult& c : r->components) {
      EXPECT_LE(c.min_ready, c.instances) << c.id;
    }
    absl::StatusOr<SimResult> again = Simulate(*compiled, {}, o);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(r->ToJson(), again->ToJson());
    if (HasFailure()) return;
  }
  EXPECT_GT(simulated, 150);
  // The random plans reach every kind of ending.
  for (const char* ending : {"succeeded", "rolled_back", "failed", "stuck"}) {
    EXPECT_GT(seen[ending], 0) << ending;
  }
  std::string counts;
  for (const auto& [k, v] : seen) absl::StrAppend(&counts, k, "=", v, " ");
  RecordProperty("endings", counts);
}

}  // namespace
}  // namespace upgrade_core::sim
