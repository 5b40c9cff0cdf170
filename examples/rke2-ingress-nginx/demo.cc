// The README's main job: RKE2's bundled ingress-nginx upgrade, end to end.
//
//   1. The upgrade as first attempted (plan-naive.yaml) is checked and
//      rejected: host-port surge, webhook order, unchecked chart values.
//   2. The fixed plan (plan.yaml) is checked and compiled into waves of steps.
//   3. A dry run drives every component's lifecycle state machine through its
//      steps in plan order, each on its strategy's path (start-first for the
//      surging default backend, terminate-first for the host-port-bound
//      controller: the lifecycle's start_first guard), then
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

namespace diag = upgrade_core::diag;
namespace fsm = upgrade_core::fsm;
namespace plan = upgrade_core::plan;
namespace proto = upgrade_core::proto;

constexpr char kDir[] = "examples/rke2-ingress-nginx/";

// What a component's lifecycle guards read: the plan's failure policy and the
// order its strategy runs the steps in.
struct Policy {
  bool rollback_on_failure = true;
  bool start_first = false;
};
using Lifecycle = fsm::Instance<Policy>;

// The lifecycle state in which a step of `kind` runs.
fsm::StateId StateFor(proto::StepKind kind) {
  switch (kind) {
    case proto::PREFLIGHT:
      return fsm::component_lifecycle::kPreflight;
    case proto::BACKUP:
      return fsm::component_lifecycle::kBackingUp;
    case proto::TERMINATE_OLD:
      return fsm::component_lifecycle::kTerminatingOld;
    case proto::START_NEW:
      return fsm::component_lifecycle::kStartingNew;
    case proto::AWAIT_READY:
      return fsm::component_lifecycle::kAwaitingReady;
    case proto::VERIFY:
      return fsm::component_lifecycle::kVerifying;
    default:
      return fsm::component_lifecycle::kRollingBack;
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

}  // namespace

int main() {
  Section("1. The upgrade as first attempted: plan-naive.yaml");
  absl::StatusOr<plan::Plan> naive =
      plan::Plan::FromFile(absl::StrCat(kDir, "plan-naive.yaml"));
  if (!naive.ok()) return Fail(naive.status());
  const std::vector<diag::Diagnostic> naive_problems = plan::CheckPlan(*naive);
  for (const diag::Diagnostic& p : naive_problems) {
    std::cout << diag::FormatDiagnostic(p) << "\n";
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
  for (const diag::Diagnostic& p : execution->warnings()) {
    std::cout << diag::FormatDiagnostic(p) << "\n";
  }
  std::cout << execution->ToText();

  Section("3. Dry run: lifecycles driven step by step");
  const proto::ExecutionPlan& steps = execution->proto();
  const bool rollback_on_failure = steps.on_failure() == proto::ROLLBACK_ALL ||
                                   steps.on_failure() == proto::ROLLBACK_FAILED;
  std::vector<Policy> policies;
  std::vector<Lifecycle> lifecycles;
  for (int i = 0; i < steps.components_size(); ++i) {
    // Each component follows its strategy's path through the lifecycle.
    policies.push_back({rollback_on_failure, execution->StartFirst(i)});
    absl::StatusOr<Lifecycle> lifecycle = Lifecycle::Create(
        fsm::ComponentLifecycle(),
        fsm::Callbacks<Policy>()
            .Guard(fsm::kRollbackOnFailureGuard,
                   [](Policy& p) { return p.rollback_on_failure; })
            .Guard(fsm::kStartFirstGuard,
                   [](Policy& p) { return p.start_first; }));
    if (!lifecycle.ok()) return Fail(lifecycle.status());
    lifecycles.push_back(*std::move(lifecycle));
    std::cout << absl::StrFormat(
        "  %-20s %s%s\n", steps.components(i),
        execution->StartFirst(i)
            ? "start-first (new ready before old stops)"
            : "terminate-first (old gone before new starts)",
        execution->HasBackup(i) ? ", with backup" : "");
  }
  const fsm::StateMachine& machine = fsm::ComponentLifecycle();
  const std::string failing = "ingress-controller";
  int failed_component = -1;
  std::cout << absl::StrFormat("\n  %-4s  %-36s %-16s %s\n", "WAVE", "STEP",
                               "STATE", "OUTCOME");
  for (const proto::Step& step : steps.steps()) {
    const int c = step.component();
    Lifecycle& lifecycle = lifecycles[c];
    Policy& policy = policies[c];
    if (lifecycle.state() == fsm::component_lifecycle::kPending &&
        !Fire(lifecycle, fsm::component_lifecycle::kStart, policy)) {
      return 1;
    }
    if (lifecycle.state() != StateFor(step.kind())) {
      std::cerr << "demo: " << execution->StepId(step) << " expects state "
                << machine.state_name(StateFor(step.kind()))
                << " but the lifecycle is in " << lifecycle.state_name()
                << "\n";
      return 1;
    }
    const bool inject_failure =
        step.kind() == proto::VERIFY && execution->ComponentId(step) == failing;
    const std::string state = lifecycle.state_name();
    // A passed preflight goes on to the backup when there is one.
    const fsm::EventId event =
        inject_failure ? fsm::component_lifecycle::kStepFailed
        : step.kind() == proto::PREFLIGHT && execution->HasBackup(c)
            ? fsm::component_lifecycle::kBackup
            : fsm::component_lifecycle::kStepDone;
    if (!Fire(lifecycle, event, policy)) return 1;
    std::cout << absl::StrFormat(
        "  %-4d  %-36s %-16s %s\n", step.wave(), execution->StepId(step), state,
        inject_failure
            ? absl::StrCat("FAILED (injected) -> ", lifecycle.state_name())
            : absl::StrCat("ok -> ", lifecycle.state_name()));
    if (inject_failure) {
      failed_component = c;
      break;
    }
  }

  Section(absl::StrCat("4. Rollback (policy onFailure: ",
                       plan::FailurePolicyName(steps.on_failure()), ")"));
  if (failed_component < 0) {
    std::cout << "  nothing failed\n";
    return 0;
  }
  for (const proto::Step& step : steps.rollback_steps()) {
    Lifecycle& lifecycle = lifecycles[step.component()];
    Policy& policy = policies[step.component()];
    const std::string before = lifecycle.state_name();
    // Anything touched (succeeded, or stopped mid-way) accepts `rollback`.
    if (lifecycle.CanFire(fsm::component_lifecycle::kRollback) &&
        !Fire(lifecycle, fsm::component_lifecycle::kRollback, policy)) {
      return 1;
    }
    if (lifecycle.state() != fsm::component_lifecycle::kRollingBack) {
      std::cout << absl::StrFormat("  %-36s skipped: %s, nothing touched\n",
                                   execution->StepId(step), before);
      continue;
    }
    if (!Fire(lifecycle, fsm::component_lifecycle::kRollbackDone, policy))
      return 1;
    std::cout << absl::StrFormat(
        "  %-36s %s -> %s\n", execution->StepId(step),
        before == "rolling_back" ? before : before + " -> rolling_back",
        lifecycle.state_name());
  }
  std::cout << "\nFinal component states:\n";
  for (int i = 0; i < steps.components_size(); ++i) {
    std::cout << absl::StrFormat("  %-20s %s\n", steps.components(i),
                                 machine.state_name(lifecycles[i].state()));
  }
  return 0;
}
