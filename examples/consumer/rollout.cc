// rollout: what a program that embeds upgrade_core looks like. It loads an
// UpgradePlan, compiles it (printing the waves and any warnings), and drives
// the sans-IO Orchestrator with a stand-in runner that reports every action
// a success one second after it starts. A real runner would call kubectl or
// an API where this one prints. Exit codes: 0 succeeded, 1 the plan failed
// or did not compile, 2 bad usage or unreadable plan.
#include <cstdint>
#include <iostream>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"

namespace uc = upgrade_core;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: rollout PLAN.yaml\n";
    return 2;
  }
  absl::StatusOr<uc::plan::Plan> plan = uc::plan::Plan::FromFile(argv[1]);
  if (!plan.ok()) {
    std::cerr << plan.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<uc::plan::ExecutionPlan> compiled =
      uc::plan::CompilePlan(*plan);
  if (!compiled.ok()) {
    std::cerr << compiled.status().message() << "\n";
    return 1;
  }
  for (const uc::diag::Diagnostic& w : compiled->warnings()) {
    std::cout << uc::diag::FormatDiagnostic(w) << "\n";
  }
  std::cout << compiled->ToText() << "\n";

  absl::StatusOr<std::unique_ptr<uc::exec::Orchestrator>> orchestrator =
      uc::exec::Orchestrator::Create(*compiled);
  if (!orchestrator.ok()) {
    std::cerr << orchestrator.status().message() << "\n";
    return 1;
  }
  uc::exec::Orchestrator& o = **orchestrator;
  int64_t now_ms = 0;  // this program's clock: one second per action
  while (!o.done()) {
    absl::StatusOr<std::vector<uc::exec::Action>> actions =
        o.NextActions(now_ms);
    if (!actions.ok()) {
      std::cerr << actions.status().message() << "\n";
      return 1;
    }
    if (actions->empty()) {  // nothing may run yet: wait for the next change
      now_ms = o.NextWakeup().value_or(now_ms + 1000);
      continue;
    }
    for (const uc::exec::Action& action : *actions) {
      std::cout << "run " << action.step_id << "\n";
      now_ms += 1000;
      absl::Status reported =
          o.Report(action.id, uc::exec::Outcome::Succeeded(), now_ms);
      if (!reported.ok()) {
        std::cerr << reported.message() << "\n";
        return 1;
      }
    }
  }
  std::cout << o.Status().ToText();
  return o.outcome() == uc::exec::PlanOutcome::kSucceeded ? 0 : 1;
}
