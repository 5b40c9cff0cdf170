// Driving a 100k-step plan (16,667 components with a backup step, 6 steps
// each, ~2 dependencies per component over 50 layers, some exclusive
// resources and a floored service) through Orchestrator::NextActions/Report
// with an instant runner: every issued action succeeds at once. The figure
// that matters is items_per_second: actions issued and reported per second
// (journal off). Also: Create() alone, the same run with a journal sink that
// discards records (the cost of building them), and max parallel 64.
//   bazel run -c opt //benchmarks/exec:orchestrator_benchmark
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/record_sink.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"

namespace upgrade_core::exec {
namespace {

constexpr int kComponents = 16667;  // x 6 steps = 100,002 steps
constexpr int kLayers = 50;

plan::ExecutionPlan MakePlan(int max_parallel) {
  std::mt19937 rng(42);
  proto::UpgradePlan p;
  p.set_api_version("upgrade-core/v1");
  p.set_kind("UpgradePlan");
  p.mutable_metadata()->set_name("bench");
  p.mutable_policy()->set_max_parallel(max_parallel);
  const int per_layer = kComponents / kLayers;
  for (int i = 0; i < kComponents; ++i) {
    proto::Component* c = p.add_components();
    c->set_id(absl::StrCat("component-", i));
    c->set_backup(true);
    c->mutable_version()->set_from("1.0.0");
    c->mutable_version()->set_to("1.1.0");
    if (i % 3 == 0) {
      c->set_kind(proto::DEPLOYMENT);
      c->set_replicas(3);
      c->mutable_strategy()->set_type(proto::ROLLING_UPDATE);
      c->mutable_strategy()->mutable_max_surge()->set_int_value(1);
    }
    if (i % 10 == 1 && i % 3 != 0)
      c->add_exclusive(absl::StrCat("hostPort:", 30000 + i));
    if (i % 100 == 2) c->add_provides("api");
    const int layer = i / per_layer;
    if (layer == 0) continue;
    std::uniform_int_distribution<int> pick(0, layer * per_layer - 1);
    for (int d = 0; d < 2; ++d) {
      c->add_depends_on(absl::StrCat("component-", pick(rng)));
    }
  }
  proto::AvailabilityFloor* floor = p.mutable_policy()->add_availability();
  floor->set_service("api");
  floor->mutable_min_available()->set_str_value("50%");
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

const plan::ExecutionPlan& Plan(int max_parallel) {
  static auto* unlimited = new plan::ExecutionPlan(MakePlan(0));
  static auto* capped = new plan::ExecutionPlan(MakePlan(64));
  return max_parallel == 0 ? *unlimited : *capped;
}

class DiscardSink : public RecordSink {
 public:
  absl::Status Write(const proto::JournalRecord& record) override {
    bytes += record.ByteSizeLong();
    return absl::OkStatus();
  }
  size_t bytes = 0;
};

// Issues and reports every action of the plan; returns how many.
int64_t Drive(Orchestrator& o) {
  int64_t now = 0, actions = 0;
  while (!o.done()) {
    absl::StatusOr<std::vector<Action>> next = o.NextActions(now);
    if (!next.ok() || next->empty()) std::abort();
    for (const Action& a : *next) {
      if (!o.Report(a.id, Outcome::Succeeded(), now).ok()) std::abort();
      ++actions;
    }
    ++now;
  }
  return actions;
}

void BM_Create(benchmark::State& state) {
  const plan::ExecutionPlan& plan = Plan(0);
  for (auto _ : state) {
    auto o = Orchestrator::Create(plan);
    benchmark::DoNotOptimize(o);
  }
  state.counters["steps"] = plan.proto().steps_size();
}
BENCHMARK(BM_Create)->Unit(benchmark::kMillisecond);

void BM_DriveInstantRunner(benchmark::State& state) {
  const int max_parallel = state.range(0);
  const bool journal = state.range(1) != 0;
  const plan::ExecutionPlan& plan = Plan(max_parallel);
  int64_t actions = 0;
  DiscardSink sink;
  OrchestratorOptions options;
  if (journal) options.journal = &sink;
  for (auto _ : state) {
    state.PauseTiming();
    auto o = Orchestrator::Create(plan, options);
    if (!o.ok()) std::abort();
    state.ResumeTiming();
    actions += Drive(**o);
    state.PauseTiming();
    o->reset();  // freeing is not part of driving
    state.ResumeTiming();
  }
  state.SetItemsProcessed(actions);
  state.counters["steps"] = plan.proto().steps_size();
  state.counters["components"] = plan.proto().components_size();
}
BENCHMARK(BM_DriveInstantRunner)
    ->ArgNames({"max_parallel", "journal"})
    ->Args({0, 0})
    ->Args({64, 0})
    ->Args({0, 1})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace upgrade_core::exec

BENCHMARK_MAIN();
