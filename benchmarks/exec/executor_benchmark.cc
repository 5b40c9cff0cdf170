// The Executor's own cost: a 6,000-step plan (1,000 components in 10 layers,
// ~2 dependencies each, maxParallel 0) run with an instant runner (every
// action succeeds at once), journal off, on 1, 2 and 4 worker threads. What
// this measures is the shell around the orchestrator: handing actions to
// workers, the completion queue, the wakeups. items_per_second: actions run
// and reported per second (wall time: the work is spread over threads).
//   bazel run -c opt //benchmarks/exec:executor_benchmark
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "upgrade_core/exec/executor.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"

namespace upgrade_core::exec {
namespace {

constexpr int kComponents = 1000;
constexpr int kLayers = 10;

plan::ExecutionPlan MakePlan() {
  std::mt19937 rng(42);
  proto::UpgradePlan p;
  p.set_api_version("upgrade-core/v1");
  p.set_kind("UpgradePlan");
  p.mutable_metadata()->set_name("bench");
  const int per_layer = kComponents / kLayers;
  for (int i = 0; i < kComponents; ++i) {
    proto::Component* c = p.add_components();
    c->set_id(absl::StrCat("component-", i));
    c->set_backup(true);
    const int layer = i / per_layer;
    if (layer == 0) continue;
    std::uniform_int_distribution<int> pick(0, layer * per_layer - 1);
    for (int d = 0; d < 2; ++d) {
      c->add_depends_on(absl::StrCat("component-", pick(rng)));
    }
  }
  absl::StatusOr<plan::Plan> loaded = plan::Plan::FromProto(std::move(p));
  if (!loaded.ok()) std::abort();
  plan::PlannerOptions options;
  options.check_config = false;
  absl::StatusOr<plan::ExecutionPlan> e = plan::CompilePlan(*loaded, options);
  if (!e.ok()) {
    fprintf(stderr, "%s\n", std::string(e.status().message()).c_str());
    std::abort();
  }
  return *std::move(e);
}

const plan::ExecutionPlan& Plan() {
  static auto* plan = new plan::ExecutionPlan(MakePlan());
  return *plan;
}

// Arg 0: workers; arg 1: 0 = FakeClock, 1 = SystemClock.
void BM_ExecutorInstantRunner(benchmark::State& state) {
  const plan::ExecutionPlan& plan = Plan();
  FunctionRunner runner([](const Action&, const CancellationToken&) {
    return Outcome::Succeeded();
  });
  int64_t actions = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto o = Orchestrator::Create(plan);
    if (!o.ok()) std::abort();
    FakeClock fake;
    SystemClock system;
    ExecutorOptions options;
    options.workers = static_cast<int>(state.range(0));
    options.clock = state.range(1) == 0 ? static_cast<Clock*>(&fake) : &system;
    Executor executor(**o, runner, options);
    state.ResumeTiming();
    absl::StatusOr<PlanOutcome> outcome = executor.Run();
    if (!outcome.ok() || *outcome != PlanOutcome::kSucceeded) std::abort();
    actions += plan.proto().steps_size();
  }
  state.SetItemsProcessed(actions);
}
BENCHMARK(BM_ExecutorInstantRunner)
    ->ArgNames({"workers", "system_clock"})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({4, 0})
    ->Args({4, 1})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace upgrade_core::exec

BENCHMARK_MAIN();
