// The README's main job: RKE2's bundled ingress-nginx upgrade, end to end.
//
//   1. The upgrade as first attempted (plan-naive.yaml) is checked and
//      rejected: host-port surge, webhook order, unchecked chart values.
//   2. The fixed plan (plan.yaml) is checked and compiled into waves of steps.
//   3. A dry run drives every component's lifecycle state machine through its
//      steps in plan order, gated by the dependency graph's ready-set, then
//      injects a verify failure on the controller to show the rollback
//      the plan's failure policy triggers (dependents before dependencies).
//
// Nothing touches a cluster. Run: bazel run //examples:demo
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "upgrade_core/fsm/instance.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"

namespace {

namespace fsm = upgrade_core::fsm;
namespace plan = upgrade_core::plan;
namespace proto = upgrade_core::proto;

constexpr char kDir[] = "examples/rke2-ingress-nginx/";

struct Policy {
  bool rollback_on_failure = true;
};
using Lifecycle = fsm::Instance<Policy>;

// The lifecycle state in which a step of `kind` runs.
fsm::StateId StateFor(proto::StepKind kind) {
  switch (kind) {
    case proto::PREFLIGHT:
      return fsm::component::kPreflight;
    case proto::BACKUP:
      return fsm::component::kBackingUp;
    case proto::TERMINATE_OLD:
      return fsm::component::kTerminatingOld;
    case proto::START_NEW:
      return fsm::component::kStartingNew;
    case proto::AWAIT_READY:
      return fsm::component::kAwaitingReady;
    case proto::VERIFY:
      return fsm::component::kVerifying;
    default:
      return fsm::component::kRollingBack;
  }
}

int Fail(const absl::Status& status) {
  std::cerr << "demo: " << status << "\n";
  return 2;
}

void Section(absl::string_view title) {
  std::cout << "\n== " << title << " ==\n";
}

// Fires `event`, or reports why the lifecycle refused it.
bool Fire(Lifecycle& lifecycle, fsm::EventId event, Policy& policy) {
  absl::Status status = lifecycle.Fire(event, policy);
  if (!status.ok()) std::cerr << "demo: " << status << "\n";
  return status.ok();
}

// Advances `lifecycle` to the state where a step of `kind` runs (skipping
// states the plan has no step for, e.g. backing_up without a backup step).
bool AdvanceTo(Lifecycle& lifecycle, proto::StepKind kind, Policy& policy) {
  if (lifecycle.state() == fsm::component::kPending &&
      !Fire(lifecycle, fsm::component::kStart, policy)) {
    return false;
  }
  while (lifecycle.state() < StateFor(kind)) {
    if (!Fire(lifecycle, fsm::component::kStepDone, policy)) return false;
  }
  return lifecycle.state() == StateFor(kind);
}

}  // namespace

int main() {
  Section("1. The upgrade as first attempted: plan-naive.yaml");
  absl::StatusOr<plan::Plan> naive =
      plan::Plan::FromFile(absl::StrCat(kDir, "plan-naive.yaml"));
  if (!naive.ok()) return Fail(naive.status());
  const std::vector<proto::Problem> naive_problems = plan::CheckPlan(*naive);
  for (const proto::Problem& p : naive_problems) {
    std::cout << plan::FormatProblem(p) << "\n";
  }
  std::cout << (plan::HasErrors(naive_problems)
                    ? "=> rejected before anything was touched\n"
                    : "=> unexpectedly accepted\n");

  Section("2. The fixed plan: plan.yaml");
  absl::StatusOr<plan::Plan> fixed =
      plan::Plan::FromFile(absl::StrCat(kDir, "plan.yaml"));
  if (!fixed.ok()) return Fail(fixed.status());
  absl::StatusOr<plan::ExecutionPlan> execution = plan::CompilePlan(*fixed);
  if (!execution.ok()) return Fail(execution.status());
  for (const proto::Problem& p : execution->warnings()) {
    std::cout << plan::FormatProblem(p) << "\n";
  }
  std::cout << execution->ToText();

  Section("3. Dry run: lifecycles driven step by step");
  const proto::ExecutionPlan& steps = execution->proto();
  Policy policy;
  std::vector<Lifecycle> lifecycles;
  for (int i = 0; i < steps.components_size(); ++i) {
    absl::StatusOr<Lifecycle> lifecycle =
        Lifecycle::Create(fsm::ComponentLifecycle(),
                          fsm::Callbacks<Policy>().Guard(
                              fsm::kRollbackOnFailureGuard,
                              [](Policy& p) { return p.rollback_on_failure; }));
    if (!lifecycle.ok()) return Fail(lifecycle.status());
    lifecycles.push_back(*std::move(lifecycle));
  }
  const fsm::StateMachine& machine = fsm::ComponentLifecycle();
  const std::string failing = "ingress-controller";
  int failed_component = -1;
  for (const proto::Step& step : steps.steps()) {
    Lifecycle& lifecycle = lifecycles[step.component()];
    if (!AdvanceTo(lifecycle, step.kind(), policy)) return 1;
    const bool inject_failure =
        step.kind() == proto::VERIFY && execution->ComponentId(step) == failing;
    std::cout << absl::StrFormat("  wave %d  %-36s %-16s %s\n", step.wave(),
                                 execution->StepId(step),
                                 machine.state_name(lifecycle.state()),
                                 inject_failure ? "FAILED (injected)" : "ok");
    if (inject_failure) {
      if (!Fire(lifecycle, fsm::component::kStepFailed, policy)) return 1;
      failed_component = step.component();
      break;
    }
  }
  for (Lifecycle& lifecycle : lifecycles) {
    if (lifecycle.state() == fsm::component::kVerifying &&
        !Fire(lifecycle, fsm::component::kStepDone, policy)) {
      return 1;
    }
  }

  Section("4. Rollback (policy onFailure: rollback-all)");
  if (failed_component < 0) {
    std::cout << "  nothing failed\n";
    return 0;
  }
  for (const proto::Step& step : steps.rollback_steps()) {
    Lifecycle& lifecycle = lifecycles[step.component()];
    const fsm::StateId state = lifecycle.state();
    if (state != fsm::component::kSucceeded &&
        state != fsm::component::kRollingBack) {
      continue;  // never touched: nothing to undo
    }
    if (state == fsm::component::kSucceeded &&
        !Fire(lifecycle, fsm::component::kRollback, policy)) {
      return 1;
    }
    if (!Fire(lifecycle, fsm::component::kRollbackDone, policy)) return 1;
    std::cout << absl::StrFormat("  %-36s -> %s\n", execution->StepId(step),
                                 machine.state_name(lifecycle.state()));
  }
  std::cout << "\nFinal component states:\n";
  for (int i = 0; i < steps.components_size(); ++i) {
    std::cout << absl::StrFormat("  %-20s %s\n", steps.components(i),
                                 machine.state_name(lifecycles[i].state()));
  }
  return 0;
}
