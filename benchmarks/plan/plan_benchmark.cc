// Planning N components with ~4 dependencies each (seeded random layered
// DAG), checks included: Plan::FromProto + CompilePlan, against a
// hand-written reference that does the minimum (CSR, Kahn waves, six steps
// per component with string ids and dependency lists) in the same binary.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "benchmark/benchmark.h"
#include "benchmarks/common/ratio.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/proto/plan.pb.h"

namespace upgrade_core::plan {
namespace {

constexpr int kDepsPerNode = 4;
constexpr int kLayers = 50;

// Layered DAG: component i in layer L depends on up to 4 components of
// earlier layers. Mixed kinds and strategies so every check has work to do.
proto::UpgradePlan MakePlan(int n, uint32_t seed = 42) {
  std::mt19937 rng(seed);
  proto::UpgradePlan p;
  p.set_api_version("upgrade-core/v1");
  p.set_kind("UpgradePlan");
  p.mutable_metadata()->set_name("bench");
  p.mutable_policy()->set_max_parallel(64);
  (*p.mutable_context()->mutable_platforms())["kubernetes"].set_from("1.30.4");
  (*p.mutable_context()->mutable_platforms())["kubernetes"].set_to("1.31.5");
  const int per_layer = std::max(1, n / kLayers);
  p.mutable_components()->Reserve(n);
  for (int i = 0; i < n; ++i) {
    proto::Component* c = p.add_components();
    c->set_id(absl::StrCat("component-", i));
    c->mutable_version()->set_from("1.0.0");
    c->mutable_version()->set_to("1.1.0");
    switch (i % 4) {
      case 0:
        c->set_kind(proto::DEPLOYMENT);
        c->set_replicas(3);
        c->mutable_strategy()->set_type(proto::ROLLING_UPDATE);
        c->mutable_strategy()->mutable_max_surge()->set_str_value("25%");
        c->mutable_strategy()->mutable_max_unavailable()->set_int_value(0);
        break;
      case 1:
        c->set_kind(proto::DAEMON_SET);
        c->set_nodes(5);
        c->mutable_strategy()->set_type(proto::ROLLING_UPDATE);
        c->mutable_strategy()->mutable_max_unavailable()->set_int_value(1);
        c->add_exclusive(absl::StrCat("hostPort:", 30000 + i));
        break;
      case 2:
        c->set_kind(proto::STATEFUL_SET);
        c->set_replicas(3);
        break;
      default:
        c->set_kind(proto::GENERIC);
        c->mutable_strategy()->set_type(proto::TERMINATE_FIRST);
        (*c->mutable_requires())["kubernetes"] = ">= 1.28.0-0";
        break;
    }
    c->add_provides(absl::StrCat("svc-", i % 1000));
    const int layer = i / per_layer;
    if (layer == 0) continue;
    std::uniform_int_distribution<int> pick(0, layer * per_layer - 1);
    for (int d = 0; d < kDepsPerNode; ++d)
      c->add_depends_on(absl::StrCat("component-", pick(rng)));
  }
  proto::AvailabilityFloor* floor = p.mutable_policy()->add_availability();
  floor->set_service("svc-7");
  floor->mutable_min_available()->set_str_value("50%");
  return p;
}

// Planning proper: every check, then waves and steps.
void BM_CompilePlan(benchmark::State& state) {
  const Plan plan = *Plan::FromProto(MakePlan(state.range(0)));
  size_t steps = 0;
  for (auto _ : state) {
    absl::StatusOr<ExecutionPlan> compiled = CompilePlan(plan);
    if (!compiled.ok()) {
      state.SkipWithError(
          std::string(compiled.status().message().substr(0, 200)).c_str());
      return;
    }
    steps = compiled->proto().steps_size();
    benchmark::DoNotOptimize(compiled->proto().steps_size());
  }
  state.counters["steps"] = steps;
  state.counters["components/s"] = benchmark::Counter(
      state.range(0), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CompilePlan)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kMillisecond);

void BM_CheckPlanOnly(benchmark::State& state) {
  const proto::UpgradePlan p = MakePlan(state.range(0));
  const Plan plan = *Plan::FromProto(p);
  for (auto _ : state) benchmark::DoNotOptimize(CheckPlan(plan).size());
}
// Wrapping an in-memory model (copy + id checks), as C++ callers do.
void BM_FromProto(benchmark::State& state) {
  const proto::UpgradePlan p = MakePlan(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(Plan::FromProto(p).ok());
}
BENCHMARK(BM_FromProto)->Arg(100000)->Unit(benchmark::kMillisecond);

BENCHMARK(BM_CheckPlanOnly)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_CompileToJson(benchmark::State& state) {
  const Plan plan = *Plan::FromProto(MakePlan(state.range(0)));
  const ExecutionPlan compiled = *CompilePlan(plan);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string json = compiled.ToJson();
    bytes = json.size();
    benchmark::DoNotOptimize(json.data());
  }
  state.counters["json_MB"] = bytes / 1e6;
}
BENCHMARK(BM_CompileToJson)->Arg(100000)->Unit(benchmark::kMillisecond);

// Memory: bytes of the compiled plan per component (linear in the plan).
void BM_PlanMemory(benchmark::State& state) {
  const proto::UpgradePlan p = MakePlan(state.range(0));
  const ExecutionPlan compiled = *CompilePlan(*Plan::FromProto(p));
  for (auto _ : state)
    benchmark::DoNotOptimize(compiled.proto().ByteSizeLong());
  state.counters["input_B/component"] =
      p.SpaceUsedLong() / static_cast<double>(state.range(0));
  state.counters["output_B/component"] =
      compiled.proto().SpaceUsedLong() / static_cast<double>(state.range(0));
}
BENCHMARK(BM_PlanMemory)->Arg(10000)->Arg(100000)->Iterations(1);

// Loading the same plan from YAML text (yaml-cpp node tree + schema walk
// with locations): what `upgradectl validate` pays before planning.
std::string ToYaml(const proto::UpgradePlan& p) {
  std::string out =
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: "
      "bench}\ncontext:\n  kubernetes: {from: 1.30.4, to: 1.31.5}\npolicy: "
      "{maxParallel: 64}\ncomponents:\n";
  for (const proto::Component& c : p.components()) {
    absl::StrAppend(&out, "  - id: ", c.id(),
                    "\n    kind: ", ComponentKindName(c.kind()), "\n");
    if (c.has_replicas())
      absl::StrAppend(&out, "    replicas: ", c.replicas(), "\n");
    if (c.has_nodes()) absl::StrAppend(&out, "    nodes: ", c.nodes(), "\n");
    absl::StrAppend(&out, "    version: {from: 1.0.0, to: 1.1.0}\n");
    if (!c.depends_on().empty()) {
      absl::StrAppend(&out, "    dependsOn: [",
                      absl::StrJoin(c.depends_on(), ", "), "]\n");
    }
    for (const std::string& e : c.exclusive()) {
      absl::StrAppend(&out, "    exclusive: [\"", e, "\"]\n");
    }
  }
  return out;
}

void BM_LoadYaml(benchmark::State& state) {
  const std::string yaml = ToYaml(MakePlan(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(Plan::FromYaml(yaml).ok());
  state.SetBytesProcessed(state.iterations() * yaml.size());
}
BENCHMARK(BM_LoadYaml)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

// --- the hand-written reference -------------------------------------------

struct RefStep {
  std::string id;
  std::vector<std::string> depends_on;
  int64_t timeout_ms;
};

// Interns ids, builds CSR, Kahn waves, then six steps per component whose
// first step depends on the dependencies' last steps. No checks, no
// validation beyond "every id exists".
size_t ReferencePlan(const proto::UpgradePlan& p, std::vector<RefStep>& steps) {
  const int n = p.components_size();
  std::unordered_map<std::string_view, int> index;
  index.reserve(n);
  for (int i = 0; i < n; ++i) index.emplace(p.components(i).id(), i);
  std::vector<uint32_t> offsets(n + 1, 0), deps;
  for (int i = 0; i < n; ++i)
    offsets[i + 1] = offsets[i] + p.components(i).depends_on_size();
  deps.resize(offsets[n]);
  std::vector<int> indegree(n, 0);
  std::vector<uint32_t> rev_offsets(n + 1, 0), rev;
  for (int i = 0; i < n; ++i) {
    uint32_t k = offsets[i];
    for (const std::string& d : p.components(i).depends_on()) {
      const int j = index.at(d);
      deps[k++] = j;
      ++rev_offsets[j + 1];
    }
    indegree[i] = p.components(i).depends_on_size();
  }
  for (int i = 0; i < n; ++i) rev_offsets[i + 1] += rev_offsets[i];
  rev.resize(rev_offsets[n]);
  std::vector<uint32_t> fill(rev_offsets.begin(), rev_offsets.end() - 1);
  for (int i = 0; i < n; ++i) {
    for (uint32_t k = offsets[i]; k < offsets[i + 1]; ++k)
      rev[fill[deps[k]]++] = i;
  }
  std::vector<int> order, next;
  for (int i = 0; i < n; ++i) {
    if (indegree[i] == 0) order.push_back(i);
  }
  size_t head = 0;
  while (head < order.size()) {
    const int i = order[head++];
    for (uint32_t k = rev_offsets[i]; k < rev_offsets[i + 1]; ++k) {
      if (--indegree[rev[k]] == 0) order.push_back(rev[k]);
    }
  }
  static const char* kKinds[] = {"preflight", "terminate-old", "start-new",
                                 "await-ready", "verify"};
  steps.clear();
  steps.reserve(order.size() * 6);
  for (int i : order) {
    const std::string& id = p.components(i).id();
    for (int s = 0; s < 5; ++s) {
      RefStep& step = steps.emplace_back();
      step.id = absl::StrCat(id, "/", kKinds[s]);
      step.timeout_ms = 600000;
      if (s == 0) {
        for (uint32_t k = offsets[i]; k < offsets[i + 1]; ++k) {
          step.depends_on.push_back(
              absl::StrCat(p.components(deps[k]).id(), "/verify"));
        }
      } else {
        step.depends_on.push_back(steps[steps.size() - 2].id);
      }
    }
    RefStep& rollback = steps.emplace_back();
    rollback.id = absl::StrCat(id, "/rollback");
  }
  return steps.size();
}

void BM_Reference(benchmark::State& state) {
  const proto::UpgradePlan p = MakePlan(state.range(0));
  std::vector<RefStep> steps;
  for (auto _ : state) benchmark::DoNotOptimize(ReferencePlan(p, steps));
  state.counters["steps"] = steps.size();
}
BENCHMARK(BM_Reference)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

// Issue 14's plan target: CompilePlan for 100k components (every check on)
// under 0.3 s CPU (bar 0.5 s), measured alternating with the hand-written
// reference: ours_ms is the figure the target is about, ratio the same-run
// comparison.
void BM_CompilePlanVsReference(benchmark::State& state) {
  const proto::UpgradePlan p = MakePlan(state.range(0));
  const Plan plan = *Plan::FromProto(p);
  std::vector<RefStep> steps;
  bench::MeasureRatio(
      state, {1.0, 1.0}, [&] { return ReferencePlan(p, steps); },
      [&] {
        absl::StatusOr<ExecutionPlan> compiled = CompilePlan(plan);
        return compiled.ok() ? compiled->proto().steps_size() : -1;
      });
  const double ms = state.counters["ours_ms"];
  state.SetLabel(absl::StrFormat(
      "CompilePlan %.0f ms CPU (target 300 ms: %s; bar 500 ms: %s), %.2fx "
      "the reference",
      ms, ms <= 300 ? "met" : "missed", ms <= 500 ? "met" : "missed",
      static_cast<double>(state.counters["ratio"])));
}
BENCHMARK(BM_CompilePlanVsReference)
    ->Arg(100000)
    ->Iterations(6)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace upgrade_core::plan
