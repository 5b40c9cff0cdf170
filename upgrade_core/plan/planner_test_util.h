// File: planner_test_util.h
// -----------------------------------------------------------------------------
// Helpers shared by the Planner's tests (testonly): a plan from a few lines
// of YAML, and compact views of diagnostics and compiled steps to compare.
#ifndef UPGRADE_CORE_PLAN_PLANNER_TEST_UTIL_H_
#define UPGRADE_CORE_PLAN_PLANNER_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"

namespace upgrade_core::plan::test_util {

// A plan named "t" read from "t.yaml": `extra` (policy, context) before
// `components` (the YAML list entries). A test failure when it does not load.
inline Plan Load(absl::string_view components, absl::string_view extra = "") {
  const std::string yaml =
      absl::StrCat("apiVersion: upgrade-core/v1\nkind: UpgradePlan\n",
                   "metadata: {name: t}\n", extra, "components:\n", components);
  LoadOptions options;
  options.source_name = "t.yaml";
  absl::StatusOr<Plan> plan = Plan::FromYaml(yaml, options);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

// Each diagnostic's code, in order.
inline std::vector<std::string> Codes(
    const std::vector<diag::Diagnostic>& problems) {
  std::vector<std::string> codes;
  for (const diag::Diagnostic& p : problems) codes.push_back(p.code);
  return codes;
}

// Every diagnostic as text, one per line.
inline std::string All(const std::vector<diag::Diagnostic>& problems) {
  std::vector<std::string> lines;
  for (const diag::Diagnostic& p : problems)
    lines.push_back(diag::FormatDiagnostic(p));
  return absl::StrJoin(lines, "\n");
}

// "<component>/<kind>" of every step, in order.
inline std::vector<std::string> StepIds(const ExecutionPlan& e) {
  std::vector<std::string> ids;
  for (const proto::Step& s : e.proto().steps()) ids.push_back(e.StepId(s));
  return ids;
}

// The ids of the steps `s` depends on (rollback steps when `rollback`).
inline std::vector<std::string> DependsOn(const ExecutionPlan& e,
                                          const proto::Step& s,
                                          bool rollback = false) {
  std::vector<std::string> ids;
  for (int32_t d : s.depends_on()) {
    ids.push_back(
        e.StepId(rollback ? e.proto().rollback_steps(d) : e.proto().steps(d)));
  }
  return ids;
}

// The component ids of wave `w`.
inline std::vector<std::string> WaveComponents(const ExecutionPlan& e, int w) {
  std::vector<std::string> ids;
  for (int32_t c : e.proto().waves(w).components())
    ids.push_back(e.proto().components(c));
  return ids;
}

// The step with this id, or nullptr.
inline const proto::Step* FindStep(const ExecutionPlan& e,
                                   absl::string_view id) {
  for (const proto::Step& s : e.proto().steps()) {
    if (e.StepId(s) == id) return &s;
  }
  return nullptr;
}

}  // namespace upgrade_core::plan::test_util

#endif  // UPGRADE_CORE_PLAN_PLANNER_TEST_UTIL_H_
