#include "upgrade_core/sim/many.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/sim/distribution.h"
#include "upgrade_core/sim/simulator.h"

namespace upgrade_core::sim {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<plan::ExecutionPlan> Compile(const std::string& name,
                                             const std::string& components,
                                             const std::string& policy) {
  const std::string yaml = absl::StrCat(
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: ", name,
      "}\npolicy: {", policy, "}\ncomponents:\n", components);
  absl::StatusOr<plan::Plan> loaded = plan::Plan::FromYaml(yaml, {});
  EXPECT_TRUE(loaded.ok()) << loaded.status() << "\n" << yaml;
  if (!loaded.ok()) return nullptr;
  plan::PlannerOptions options;
  options.check_config = false;
  options.compile_despite_errors = true;
  absl::StatusOr<plan::ExecutionPlan> e = plan::CompilePlan(*loaded, options);
  EXPECT_TRUE(e.ok()) << e.status() << "\n" << yaml;
  if (!e.ok()) return nullptr;
  return std::make_unique<plan::ExecutionPlan>(*std::move(e));
}

// Three replicas behind a floor of 2. "safe" replaces one at a time;
// "risky" takes two down at once (below the floor in every run).
constexpr char kWeb[] = R"(
  - id: web
    kind: Deployment
    replicas: 3
    version: {from: 1.0.0, to: 1.1.0}
    strategy: {type: RollingUpdate, maxSurge: 0, maxUnavailable: %d}
    provides: [http]
)";

std::unique_ptr<plan::ExecutionPlan> Web(const std::string& name,
                                         int max_unavailable) {
  std::string components = kWeb;
  components.replace(components.find("%d"), 2, absl::StrCat(max_unavailable));
  return Compile(name, components,
                 "availability: [{service: http, minAvailable: 2}]");
}

// Random pod timings and a verify step failing half the time: runs differ.
SimOptions Noisy() {
  SimOptions o;
  o.default_pod_timing.readiness = Duration::Lognormal(4000, 0.7);
  o.default_pod_timing.start = Duration::Uniform(0, 3000);
  o.faults.push_back(Fault::StepFails("web/verify", 1, 0.5));
  return o;
}

TEST(SimulateManyTest, SummarizesEveryRunInSeedOrder) {
  auto p = Web("safe", 1);
  ASSERT_NE(p, nullptr);
  absl::StatusOr<ManyResult> m = SimulateMany(*p, {}, Noisy(), {10, 20}, 3);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->RunCount(), 20);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(m->runs[i].seed, 10u + i);
  EXPECT_EQ(m->succeeded + m->rolled_back + m->stuck, 20) << m->ToText();
  EXPECT_LE(m->duration_ms.p50, m->duration_ms.p90);
  EXPECT_LE(m->duration_ms.p90, m->duration_ms.p99);
  EXPECT_LE(m->duration_ms.p99, m->duration_ms.max);
  ASSERT_EQ(m->services.size(), 1u);
  EXPECT_EQ(m->services[0].name, "http");
  EXPECT_TRUE(m->services[0].has_floor);
}

TEST(SimulateManyTest, EachRunIsTheSingleSimulationOfItsSeed) {
  auto p = Web("safe", 1);
  ASSERT_NE(p, nullptr);
  SimOptions o = Noisy();
  absl::StatusOr<ManyResult> m = SimulateMany(*p, {}, o, {5, 4}, 2);
  ASSERT_TRUE(m.ok()) << m.status();
  for (const RunSummary& run : m->runs) {
    o.seed = run.seed;
    absl::StatusOr<SimResult> one = Simulate(*p, {}, o);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(run.duration_ms, one->duration_ms) << run.seed;
    EXPECT_EQ(run.outcome, one->outcome) << run.seed;
    EXPECT_EQ(run.healthy, one->Healthy()) << run.seed;
  }
}

TEST(SimulateManyTest, SameBytesWhateverTheWorkerCount) {
  auto p = Web("safe", 1);
  ASSERT_NE(p, nullptr);
  std::string first;
  for (int workers : {1, 2, 4, 0}) {
    absl::StatusOr<ManyResult> m =
        SimulateMany(*p, {}, Noisy(), {0, 30}, workers);
    ASSERT_TRUE(m.ok()) << m.status();
    if (first.empty()) first = m->ToJson() + m->ToText();
    EXPECT_EQ(m->ToJson() + m->ToText(), first) << workers;
  }
}

TEST(SimulateManyTest, ExplicitSeedListKeepsItsOrder) {
  auto p = Web("safe", 1);
  ASSERT_NE(p, nullptr);
  absl::StatusOr<ManyResult> m = SimulateSeeds(*p, {}, Noisy(), {9, 2, 7}, 2);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->RunCount(), 3);
  EXPECT_EQ(m->runs[0].seed, 9u);
  EXPECT_EQ(m->runs[1].seed, 2u);
  EXPECT_EQ(m->runs[2].seed, 7u);
}

TEST(SimulateManyTest, PercentilesAreNearestRank) {
  // Fixed timings, no faults: every run is the same, every percentile too.
  auto p = Web("safe", 1);
  ASSERT_NE(p, nullptr);
  absl::StatusOr<ManyResult> m = SimulateMany(*p, {}, {}, {0, 7}, 2);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->duration_ms.p50, m->duration_ms.max);
  EXPECT_EQ(m->duration_ms.p99, m->runs[0].duration_ms);
  EXPECT_EQ(m->healthy, 7);
  EXPECT_TRUE(m->AllHealthy());
  EXPECT_THAT(m->ToJson(), HasSubstr("\"fractionHealthy\":1.0000"));
  EXPECT_THAT(m->ToText(), HasSubstr("healthy:     7/7 (1.0000)"));
}

TEST(SimulateManyTest, BelowFloorIsCountedPerRun) {
  auto p = Web("risky", 2);
  ASSERT_NE(p, nullptr);
  absl::StatusOr<ManyResult> m = SimulateMany(*p, {}, {}, {0, 4}, 2);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->services.size(), 1u);
  EXPECT_EQ(m->services[0].runs_below_floor, 4) << m->ToText();
  EXPECT_GT(m->services[0].ms_below_floor.p50, 0);
  EXPECT_FALSE(m->AllHealthy());
  EXPECT_EQ(m->healthy, 0);
}

TEST(SimulateManyTest, BadArgumentsAreRefused) {
  auto p = Web("safe", 1);
  ASSERT_NE(p, nullptr);
  struct Case {
    absl::StatusOr<ManyResult> result;
    std::string message;
  };
  SimOptions unknown_step;
  unknown_step.faults.push_back(Fault::StepFails("nope/verify"));
  std::vector<Case> cases;
  cases.push_back({SimulateMany(*p, {}, {}, SeedRange{0, 0}), "at least 1"});
  cases.push_back({SimulateMany(*p, {}, {}, SeedRange{0, -3}), "got -3"});
  cases.push_back({SimulateSeeds(*p, {}, {}, {}), "no seeds"});
  cases.push_back({SimulateMany(*p, {}, {}, {0, 2}, -1), "workers"});
  cases.push_back({SimulateMany(*p, {}, unknown_step, {3, 2}), "seed 3: "});
  for (const Case& c : cases) {
    EXPECT_FALSE(c.result.ok()) << c.message;
    EXPECT_THAT(std::string(c.result.status().message()), HasSubstr(c.message));
  }
}

TEST(CompareTest, SameSeedsSideBySide) {
  auto safe = Web("safe", 1);
  auto risky = Web("risky", 2);
  ASSERT_NE(safe, nullptr);
  ASSERT_NE(risky, nullptr);
  absl::StatusOr<Comparison> c = Compare(*safe, *risky, {}, {}, {0, 5}, 2);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->a.plan, "safe");
  EXPECT_EQ(c->b.plan, "risky");
  EXPECT_TRUE(c->a.AllHealthy());
  EXPECT_FALSE(c->b.AllHealthy());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c->a.runs[i].seed, c->b.runs[i].seed);
  const std::string text = c->ToText();
  EXPECT_THAT(text, HasSubstr("comparison over 5 runs"));
  EXPECT_THAT(text, HasSubstr("safe"));
  EXPECT_THAT(text, HasSubstr("http below floor p50"));
  EXPECT_THAT(c->ToJson(), HasSubstr("{\"a\":{\"plan\":\"safe\""));
  EXPECT_EQ(c->ToJson(), Compare(*safe, *risky, {}, {}, {0, 5}, 1)->ToJson());
}

}  // namespace
}  // namespace upgrade_core::sim
