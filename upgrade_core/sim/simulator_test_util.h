// File: simulator_test_util.h
// -----------------------------------------------------------------------------
// Helpers shared by the simulator's tests (testonly): a compiled plan from a
// few lines of YAML, a run, and the timeline lines that mention something.
#ifndef UPGRADE_CORE_SIM_SIMULATOR_TEST_UTIL_H_
#define UPGRADE_CORE_SIM_SIMULATOR_TEST_UTIL_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/sim/simulator.h"

namespace upgrade_core::sim::test_util {

// A compiled plan named "t" from the YAML policy body and component list.
// `unsafe`: compiled despite failed checks (PlannerOptions
// compile_despite_errors), as `upgradectl simulate` does.
inline std::unique_ptr<plan::ExecutionPlan> Compile(
    const std::string& components, const std::string& policy = "",
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

// Simulate(p, {}, o); a test failure (and an empty result) when it fails.
inline SimResult Sim(const plan::ExecutionPlan& p, const SimOptions& o = {}) {
  absl::StatusOr<SimResult> r = Simulate(p, {}, o);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *std::move(r) : SimResult{};
}

// Timeline lines matching `needle`, in order.
inline std::vector<std::string> Lines(const SimResult& r,
                                      const std::string& needle) {
  std::vector<std::string> out;
  for (const TimelineEvent& e : r.timeline) {
    if (absl::StrContains(e.what, needle)) out.push_back(e.what);
  }
  return out;
}

}  // namespace upgrade_core::sim::test_util

#endif  // UPGRADE_CORE_SIM_SIMULATOR_TEST_UTIL_H_
