// The simulator's cost.
//
// BM_RollingUpgrade1000Nodes: one simulation of a full rolling upgrade on a
// 1,000-node cluster: a DaemonSet on every node (maxUnavailable 10%, and
// 1 in the _OneAtATime variant), three Deployments of 50 replicas behind
// floored services, and a webhook served by one of them. Target: under
// 20 ms per simulation.
//
// BM_IngressMonteCarlo1000: 1,000 seeds of the ingress example
// (examples/rke2-ingress-nginx/plan.yaml) with random pod timings, through
// SimulateMany on 2 workers. Target: under 2 s.
//
//   bazel run -c opt //benchmarks/sim:sim_benchmark
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/sim/distribution.h"
#include "upgrade_core/sim/many.h"
#include "upgrade_core/sim/simulator.h"

namespace upgrade_core::sim {
namespace {

plan::ExecutionPlan CompileOrDie(const absl::StatusOr<plan::Plan>& loaded) {
  if (!loaded.ok()) {
    fprintf(stderr, "bad benchmark plan: %s\n",
            std::string(loaded.status().message()).c_str());
    abort();
  }
  plan::PlannerOptions options;
  options.check_config = false;
  absl::StatusOr<plan::ExecutionPlan> e = plan::CompilePlan(*loaded, options);
  if (!e.ok()) {
    fprintf(stderr, "benchmark plan does not compile: %s\n",
            std::string(e.status().message()).c_str());
    abort();
  }
  return *std::move(e);
}

plan::ExecutionPlan BigPlan(const std::string& ds_max_unavailable) {
  std::string yaml =
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\n"
      "metadata: {name: big}\n"
      "policy:\n  maxParallel: 4\n  onFailure: rollback-all\n"
      "  availability:\n"
      "    - {service: agent, minAvailable: 80%}\n"
      "    - {service: api, minAvailable: 40}\n"
      "    - {service: web, minAvailable: 40}\n"
      "    - {service: worker, minAvailable: 40}\n"
      "components:\n";
  absl::StrAppend(&yaml,
                  "  - id: node-agent\n    kind: DaemonSet\n    nodes: 1000\n"
                  "    version: {from: 1.0.0, to: 1.1.0}\n"
                  "    strategy: {type: RollingUpdate, maxSurge: 0, "
                  "maxUnavailable: ",
                  ds_max_unavailable,
                  "}\n"
                  "    exclusive: [\"hostPort:9100\"]\n"
                  "    provides: [agent]\n"
                  "    readiness: {timeout: 24h}\n");
  for (const char* name : {"api", "web", "worker"}) {
    absl::StrAppend(&yaml, "  - id: ", name,
                    "\n    kind: Deployment\n    replicas: 50\n"
                    "    version: {from: 2.0.0, to: 2.1.0}\n"
                    "    strategy: {type: RollingUpdate, maxSurge: 25%, "
                    "maxUnavailable: 0}\n"
                    "    dependsOn: [node-agent]\n"
                    "    provides: [",
                    name, "]\n    readiness: {timeout: 1h}\n");
  }
  absl::StrAppend(&yaml,
                  "  - id: admission\n    kind: Webhook\n"
                  "    version: {from: 2.0.0, to: 2.1.0}\n"
                  "    dependsOn: [api]\n"
                  "    webhook: {failurePolicy: Fail, servedBy: api}\n");
  return CompileOrDie(plan::Plan::FromYaml(yaml, {}));
}

void RunBig(benchmark::State& state, const std::string& max_unavailable) {
  const plan::ExecutionPlan plan = BigPlan(max_unavailable);
  SimOptions options;
  int64_t events = 0;
  for (auto _ : state) {
    absl::StatusOr<SimResult> r = Simulate(plan, {}, options);
    if (!r.ok() || r->outcome != "succeeded") {
      state.SkipWithError(r.ok() ? r->outcome.c_str()
                                 : std::string(r.status().message()).c_str());
      break;
    }
    events = static_cast<int64_t>(r->timeline.size());
    benchmark::DoNotOptimize(r->duration_ms);
  }
  state.counters["timeline_events"] = static_cast<double>(events);
}

void BM_RollingUpgrade1000Nodes(benchmark::State& state) {
  RunBig(state, "10%");
}
BENCHMARK(BM_RollingUpgrade1000Nodes)->Unit(benchmark::kMillisecond);

void BM_RollingUpgrade1000Nodes_OneAtATime(benchmark::State& state) {
  RunBig(state, "1");
}
BENCHMARK(BM_RollingUpgrade1000Nodes_OneAtATime)->Unit(benchmark::kMillisecond);

void BM_IngressMonteCarlo1000(benchmark::State& state) {
  const plan::ExecutionPlan plan = CompileOrDie(
      plan::Plan::FromFile("examples/rke2-ingress-nginx/plan.yaml"));
  SimOptions options;
  options.default_pod_timing.start = Duration::Uniform(500, 4000);
  options.default_pod_timing.readiness = Duration::Lognormal(5000, 0.5);
  int64_t healthy = 0;
  for (auto _ : state) {
    absl::StatusOr<ManyResult> m =
        SimulateMany(plan, {}, options, SeedRange{0, 1000}, 2);
    if (!m.ok()) {
      state.SkipWithError(std::string(m.status().message()).c_str());
      break;
    }
    healthy = m->healthy;
  }
  state.counters["healthy_runs"] = static_cast<double>(healthy);
}
BENCHMARK(BM_IngressMonteCarlo1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace upgrade_core::sim

BENCHMARK_MAIN();
