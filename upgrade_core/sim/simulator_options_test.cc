// Tests of the simulator's options and inputs: step durations, the cluster,
// seeds, refused options, and the seeded duration distributions.
#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/sim/distribution.h"
#include "upgrade_core/sim/simulator.h"
#include "upgrade_core/sim/simulator_test_util.h"

namespace upgrade_core::sim {
namespace {

using test_util::Compile;
using test_util::Lines;
using test_util::Sim;
using ::testing::HasSubstr;

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
