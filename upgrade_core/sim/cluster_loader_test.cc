#include "upgrade_core/sim/cluster_loader.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"

namespace upgrade_core::sim {
namespace {

using ::testing::HasSubstr;

constexpr char kHead[] = "apiVersion: upgrade-core/v1\nkind: Cluster\n";

std::unique_ptr<plan::ExecutionPlan> Compile() {
  absl::StatusOr<plan::Plan> loaded = plan::Plan::FromYaml(
      R"(apiVersion: upgrade-core/v1
kind: UpgradePlan
metadata: {name: t}
components:
  - id: web
    kind: Deployment
    replicas: 2
    version: {from: 1.0.0, to: 1.1.0}
)",
      {});
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  if (!loaded.ok()) return nullptr;
  plan::PlannerOptions options;
  options.check_config = false;
  absl::StatusOr<plan::ExecutionPlan> e = plan::CompilePlan(*loaded, options);
  EXPECT_TRUE(e.ok()) << e.status();
  if (!e.ok()) return nullptr;
  return std::make_unique<plan::ExecutionPlan>(*std::move(e));
}

struct BadCase {
  const char* name;
  std::string body;  // after kHead, unless `whole`
  std::string want;  // a substring of the formatted error
  bool whole = false;
};

class ClusterLoaderBadTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ClusterLoaderBadTest, LocatedError) {
  const BadCase& c = GetParam();
  auto plan = Compile();
  ASSERT_NE(plan, nullptr);
  const std::string text = c.whole ? c.body : absl::StrCat(kHead, c.body);
  absl::StatusOr<ClusterSpec> spec =
      ClusterFromYaml(text, "cluster.yaml", plan.get());
  ASSERT_FALSE(spec.ok()) << text;
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(spec.status().message()), HasSubstr(c.want));
  EXPECT_FALSE(plan::ProblemsFromStatus(spec.status()).empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ClusterLoaderBadTest,
    ::testing::Values(
        BadCase{"UnknownTopField", "node: {count: 2}\n",
                "cluster.yaml:3:1: error: node: unknown field \"node\" (did "
                "you mean \"nodes\"?)"},
        BadCase{"WrongKind", "apiVersion: upgrade-core/v1\nkind: Plan\n",
                "cluster.yaml:2:7: error: kind: expected kind \"Cluster\", got "
                "\"Plan\"",
                true},
        BadCase{"Empty", "", "expected a mapping, got null", true},
        BadCase{"CountNotInt", "nodes: {count: \"3\"}\n",
                "cluster.yaml:3:16: error: nodes.count: expected an integer, "
                "got a string"},
        BadCase{"CountZero", "nodes: {count: 0}\n",
                "nodes.count: 0 is out of range: must be between 1 and 10000"},
        BadCase{"CountMissing", "nodes: {labels: {a: b}}\n",
                "nodes needs a count"},
        BadCase{"DuplicateNode", "nodes: [{name: a}, {name: a}]\n",
                "nodes[1].name: node \"a\" is listed twice"},
        BadCase{"LabelNotString", "nodes: [{name: a, labels: {x: 1}}]\n",
                "nodes[0].labels.x: expected a string, got an integer"},
        BadCase{"BadDuration", "timing: {default: {readiness: 5 seconds}}\n",
                "timing.default.readiness"},
        BadCase{"UnknownTimingField", "timing: {default: {readyness: 5s}}\n",
                "unknown field \"readyness\" (did you mean \"readiness\"?)"},
        BadCase{"UniformInverted",
                "timing: {default: {start: {uniform: {min: 5s, max: 1s}}}}\n",
                "min 5s is above max 1s"},
        BadCase{"LognormalMissingSigma",
                "durations: {kinds: {verify: {lognormal: {median: 3s}}}}\n",
                "lognormal needs both median and sigma"},
        BadCase{"SigmaOutOfRange",
                "durations: {kinds: {verify: {lognormal: {median: 3s, sigma: "
                "11}}}}\n",
                "sigma: 11 is out of range"},
        BadCase{"UnknownStepKind", "durations: {kinds: {verfy: 3s}}\n",
                "unknown field \"verfy\" (did you mean \"verify\"?)"},
        BadCase{"UnknownStepId", "durations: {steps: {web/verfy: 3s}}\n",
                "the plan has no step \"web/verfy\" (did you mean "
                "\"web/verify\"?)"},
        BadCase{"UnknownTimingComponent",
                "timing: {components: {wbe: {grace: 1s}}}\n",
                "the plan has no component \"wbe\" (did you mean \"web\"?)"},
        BadCase{"FaultUnknownType", "faults: [{type: step-fail, step: x}]\n",
                "unknown fault type \"step-fail\" (did you mean "
                "\"step-fails\"?)"},
        BadCase{"FaultUnknownStep",
                "faults:\n  - {type: step-fails, step: web/verfy}\n",
                "cluster.yaml:4:30: error: faults[0].step: the plan has no "
                "step \"web/verfy\""},
        BadCase{"FaultUnknownComponent",
                "faults: [{type: never-ready, component: db}]\n",
                "the plan has no component \"db\""},
        BadCase{"FaultProbability",
                "faults: [{type: step-fails, step: web/verify, probability: "
                "1.5}]\n",
                "faults[0].probability: 1.5 is out of range"},
        BadCase{"FaultAttemptsZero",
                "faults: [{type: step-fails, step: web/verify, attempts: 0}]\n",
                "faults[0].attempts: 0 is out of range"},
        BadCase{"FaultAtAndAttempts",
                "faults: [{type: step-fails, step: web/verify, attempts: 1, "
                "at: 30s}]\n",
                "either at, or attempts/probability"},
        BadCase{"FaultFieldOfOtherType",
                "faults: [{type: never-ready, component: web, at: 3s}]\n",
                "faults[0].at: unknown field \"at\""},
        BadCase{"FaultMissingField", "faults: [{type: node-lost, node: a}]\n",
                "a node-lost fault needs at"},
        BadCase{"NodeLostUnknownNode",
                "nodes: {count: 2}\nfaults: [{type: node-lost, node: node-3, "
                "at: 1m}]\n",
                "the cluster has no node \"node-3\" (did you mean "
                "\"node-1\"?)"},
        BadCase{"FaultsNotList", "faults: {type: node-lost}\n",
                "faults: expected a list, got a mapping"},
        BadCase{"NotAMapping", "- a\n", "expected a mapping, got a list",
                true}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      return std::string(info.param.name);
    });

TEST(ClusterLoaderTest, EveryProblemIsReported) {
  absl::StatusOr<ClusterSpec> spec = ClusterFromYaml(
      absl::StrCat(kHead, "nodes: {count: 0}\nhorizn: 1h\n"), "c.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(plan::ProblemsFromStatus(spec.status()).size(), 2u)
      << spec.status();
}

TEST(ClusterLoaderTest, ReadsEverything) {
  auto plan = Compile();
  ASSERT_NE(plan, nullptr);
  absl::StatusOr<ClusterSpec> spec =
      ClusterFromYaml(absl::StrCat(kHead, R"(nodes:
  - {name: a, labels: {zone: z1}}
  - {name: b}
timing:
  default: {start: 1s}
  components:
    web: {readiness: {uniform: {min: 1s, max: 3s}}}
durations:
  kinds: {verify: {lognormal: {median: 2s, sigma: 0.5}}}
  steps: {web/await-ready: 500ms}
faults:
  - {type: step-fails, step: web/verify, attempts: 1, probability: 0.5}
  - {type: step-fails, step: web/verify, at: 30s}
  - {type: never-ready, component: web}
  - {type: node-lost, node: b, at: 2m}
  - {type: late-config, component: web, delay: 10s}
webhookRequestsPerSecond: 2.5
horizon: 1h
)"),
                      "c.yaml", plan.get());
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->cluster.nodes.size(), 2u);
  EXPECT_EQ(spec->cluster.nodes[0].labels.at("zone"), "z1");
  const SimOptions& o = spec->options;
  EXPECT_EQ(o.default_pod_timing.start.ToString(), "1s");
  // A component's timing starts from the default.
  EXPECT_EQ(o.pod_timing.at("web").start.ToString(), "1s");
  EXPECT_EQ(o.pod_timing.at("web").readiness.ToString(), "uniform(1s..3s)");
  EXPECT_EQ(o.step_durations.at(proto::VERIFY).kind,
            Duration::Kind::kLognormal);
  EXPECT_EQ(o.step_durations_by_id.at("web/await-ready").a, 500);
  ASSERT_EQ(o.faults.size(), 5u);
  EXPECT_EQ(o.faults[0].attempts, 1);
  EXPECT_EQ(o.faults[0].probability, 0.5);
  EXPECT_EQ(o.faults[1].at_ms, 30000);
  EXPECT_EQ(o.faults[1].attempts, -1);
  EXPECT_EQ(o.faults[2].kind, Fault::Kind::kNeverReady);
  EXPECT_EQ(o.faults[3].node, "b");
  EXPECT_EQ(o.faults[3].at_ms, 120000);
  EXPECT_EQ(o.faults[4].delay_ms, 10000);
  EXPECT_EQ(o.webhook_requests_per_second, 2.5);
  EXPECT_EQ(o.horizon_ms, 3600000);
  // And it runs.
  absl::StatusOr<SimResult> r = Simulate(*plan, spec->cluster, o);
  ASSERT_TRUE(r.ok()) << r.status();
}

TEST(ClusterLoaderTest, CountGivesNamedNodes) {
  absl::StatusOr<ClusterSpec> spec = ClusterFromYaml(
      absl::StrCat(kHead, "nodes: {count: 3, labels: {a: b}}\n"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->cluster.nodes.size(), 3u);
  EXPECT_EQ(spec->cluster.nodes[2].name, "node-3");
  EXPECT_EQ(spec->cluster.nodes[2].labels.at("a"), "b");
}

TEST(ClusterLoaderTest, ExampleFileSimulates) {
  absl::StatusOr<plan::Plan> p =
      plan::Plan::FromFile("examples/rke2-ingress-nginx/plan.yaml");
  ASSERT_TRUE(p.ok()) << p.status();
  absl::StatusOr<plan::ExecutionPlan> e = plan::CompilePlan(*p, {});
  ASSERT_TRUE(e.ok()) << e.status();
  absl::StatusOr<ClusterSpec> spec =
      LoadCluster("examples/rke2-ingress-nginx/cluster.yaml", &*e);
  ASSERT_TRUE(spec.ok()) << spec.status();
  absl::StatusOr<SimResult> r = Simulate(*e, spec->cluster, spec->options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->timeline.empty());
}

TEST(ClusterLoaderTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadCluster("no/such/cluster.yaml").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace upgrade_core::sim
