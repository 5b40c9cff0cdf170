// The README's main job: RKE2's bundled ingress-nginx upgrade, end to end.
//
//   1. The upgrade as first attempted (plan-naive.yaml) is checked and
//      rejected: host-port surge, webhook order, unchecked chart values.
//   2. The fixed plan (plan.yaml) is checked and compiled into waves of steps.
//   3. A dry run: the Executor runs the plan's Orchestrator with a runner that
//      prints what it would do for each step (helm, kubectl, the verify
//      checks) and fails the controller's verify check on purpose.
//   4. The rollback that failure triggers, in the order the Orchestrator
//      gives (the plan's failure policy: dependents before dependencies).
//   5. The Orchestrator's status and rollback coverage at the end.
//   6. Both plans simulated (upgrade_core/sim, through the same Orchestrator)
//      on the cluster they describe: the naive plan's surge pod waits for a
//      host port its old pod holds, times out and rolls back; the fixed plan
//      finishes with the ingress floor held.
//
// The clock is a FakeClock that each action advances by a nominal second:
// the run is instant and prints the same every time. Nothing touches a
// cluster. Run: bazel run //examples:demo
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "upgrade_core/exec/executor.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/sim/simulator.h"

namespace {

namespace diag = upgrade_core::diag;
namespace exec = upgrade_core::exec;
namespace plan = upgrade_core::plan;
namespace proto = upgrade_core::proto;
namespace sim = upgrade_core::sim;

constexpr char kDir[] = "examples/rke2-ingress-nginx/";
constexpr char kRelease[] = "helm -n kube-system";
// The verify check that fails on purpose.
constexpr char kFailingComponent[] = "ingress-controller";

int Fail(const absl::Status& status) {
  std::cerr << "demo: " << status << "\n";
  return 2;
}

void Section(absl::string_view title) {
  std::cout << "\n== " << title << " ==\n";
}

// "DAEMON_SET" -> "daemonset" (kubectl's resource name).
std::string Resource(proto::ComponentKind kind) {
  std::string out;
  for (char c : proto::ComponentKind_Name(kind)) {
    if (c != '_') out += absl::ascii_tolower(c);
  }
  return out;
}

// Prints what each action would do and "does" it in a nominal second. Runs
// on the Executor's one worker; the plan's steps here never overlap, so the
// output is in issue order.
class PrintingRunner : public exec::ActionRunner {
 public:
  PrintingRunner(const plan::ExecutionPlan& plan, exec::FakeClock& clock)
      : plan_(plan), clock_(clock) {}

  exec::Outcome Run(const exec::Action& a,
                    const exec::CancellationToken& cancel) override {
    absl::MutexLock lock(&mu_);
    const proto::Component& c = plan_.proto().source().components(a.component);
    if (a.rollback && !rolling_back_) {
      rolling_back_ = true;
      Section(absl::StrCat("4. Rollback (policy onFailure: ",
                           plan::FailurePolicyName(plan_.proto().on_failure()),
                           "), ordered by the orchestrator"));
    }
    const std::string wave =
        a.rollback ? "-" : absl::StrCat(plan_.proto().steps(a.step).wave());
    std::cout << absl::StrFormat("  %2d  %-4s %-36s", ++count_, wave,
                                 a.step_id);
    std::vector<std::string> lines;
    exec::Outcome outcome = exec::Outcome::Succeeded();
    const std::string workload = absl::StrCat(Resource(c.kind()), "/", c.id());
    switch (a.kind) {
      case proto::PREFLIGHT:
        lines.push_back(absl::StrCat("check ", c.id(), " ", c.version().from(),
                                     " -> ", c.version().to(), " can start"));
        break;
      case proto::BACKUP:
        lines.push_back(absl::StrCat(kRelease,
                                     " get values rke2-ingress-nginx > ",
                                     c.id(), ".backup.yaml"));
        break;
      case proto::TERMINATE_OLD:
        lines.push_back(
            absl::StrCat("kubectl -n kube-system delete pods -l app=", c.id(),
                         " (", a.batch, " at a time)"));
        break;
      case proto::START_NEW:
        lines.push_back(absl::StrCat(
            kRelease,
            " upgrade rke2-ingress-nginx --version 4.12.8 "
            "-f my-values.yaml (",
            c.id(), " ", c.version().to(), ", ", a.batch, " at a time)"));
        break;
      case proto::AWAIT_READY:
        lines.push_back(absl::StrCat(
            "kubectl -n kube-system rollout status ", workload, " --timeout=",
            exec::FormatDuration(a.deadline_ms - a.issued_at_ms)));
        break;
      case proto::VERIFY:
        if (c.verify().empty()) lines.push_back("no verification checks");
        for (const proto::VerifyCheck& check : c.verify()) {
          if (c.id() == kFailingComponent) {
            lines.push_back(absl::StrCat(check.name(), ": ", check.run(),
                                         "  -> HTTP 503 (injected)"));
            outcome = exec::Outcome::Failed(
                absl::StrCat(check.name(), ": HTTP 503 (injected)"));
          } else {
            lines.push_back(absl::StrCat(check.name(), ": ", check.run()));
          }
        }
        break;
      case proto::ROLLBACK:
        lines.push_back(absl::StrCat(kRelease, " rollback rke2-ingress-nginx (",
                                     c.id(), " back to ", c.version().from(),
                                     ")"));
        break;
      default:
        lines.push_back("(nothing to do)");
    }
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) std::cout << absl::StrFormat("  %2s  %-4s %-36s", "", "", "");
      std::cout << " " << lines[i] << "\n";
    }
    if (outcome.kind == exec::OutcomeKind::kFailed) {
      std::cout << absl::StrFormat("  %2s  %-4s %-36s => FAILED: %s\n", "", "",
                                   "", outcome.reason);
    }
    clock_.Advance(1000);
    return outcome;
  }

 private:
  const plan::ExecutionPlan& plan_;
  exec::FakeClock& clock_;
  absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
  bool rolling_back_ ABSL_GUARDED_BY(mu_) = false;
};

// One plan simulated on the cluster its own fields describe (nodes,
// replicas), seed 0: the naive one is compiled despite its errors, since
// predicting what they do is the point.
int Simulate(absl::string_view file, const plan::Plan& p) {
  plan::PlannerOptions options;
  options.compile_despite_errors = true;
  absl::StatusOr<plan::ExecutionPlan> compiled = plan::CompilePlan(p, options);
  if (!compiled.ok()) return Fail(compiled.status());
  absl::StatusOr<sim::SimResult> r = sim::Simulate(*compiled, {}, {});
  if (!r.ok()) return Fail(r.status());
  std::cout << absl::StrFormat(
      "  %s: %s after %s%s\n", file, r->outcome,
      exec::FormatDuration(r->duration_ms),
      r->stuck ? " (stuck: " + r->stuck_reason + ")" : "");
  for (const sim::ServiceResult& s : r->services) {
    std::cout << absl::StrFormat("    service %s: at least %d/%d ready", s.name,
                                 s.min_ready, s.endpoints_total);
    if (s.floor.has_value()) {
      std::cout << absl::StrFormat(
          ", floor %d %s", *s.floor,
          s.ms_below_floor == 0
              ? std::string("held")
              : "broken for " + exec::FormatDuration(s.ms_below_floor));
    }
    std::cout << "\n";
  }
  for (const sim::Conflict& c : r->conflicts) {
    std::cout << absl::StrFormat(
        "    conflict at %s: %s on %s needs %s, held by %s (%s)\n",
        exec::FormatDuration(c.since_ms), c.pod, c.node, c.resource, c.holder,
        c.until_ms.has_value() ? "freed at " + exec::FormatDuration(*c.until_ms)
                               : std::string("never freed"));
  }
  for (const sim::WebhookResult& w : r->webhooks) {
    std::cout << absl::StrFormat(
        "    webhook %s (failurePolicy %s): %d requests rejected\n", w.id,
        w.failure_policy, w.rejected);
  }
  return 0;
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

  Section("3. Dry run: the Executor runs the plan");
  absl::StatusOr<std::unique_ptr<exec::Orchestrator>> orchestrator =
      exec::Orchestrator::Create(*execution);
  if (!orchestrator.ok()) return Fail(orchestrator.status());
  std::cout << "  A runner that prints what it would do; " << kFailingComponent
            << "'s verify check fails on purpose.\n\n";
  std::cout << absl::StrFormat("  %2s  %-4s %-36s %s\n", "#", "WAVE", "STEP",
                               "WOULD RUN");
  exec::FakeClock clock;
  PrintingRunner runner(*execution, clock);
  exec::ExecutorOptions options;
  options.clock = &clock;
  options.workers = 1;
  exec::Executor executor(**orchestrator, runner, options);
  absl::StatusOr<exec::PlanOutcome> outcome = executor.Run();
  if (!outcome.ok()) return Fail(outcome.status());

  const exec::OrchestratorStatus status = (*orchestrator)->Status();
  std::cout << "\nFinal component states:\n";
  for (const exec::ComponentStatus& c : status.components) {
    std::cout << absl::StrFormat("  %-20s %s\n", c.id, c.state);
  }

  Section("5. The orchestrator's status");
  std::cout << status.ToText();
  const exec::RollbackCoverage coverage = (*orchestrator)->Coverage();
  auto names = [](const std::vector<std::string>& ids) {
    return ids.empty() ? std::string("none") : absl::StrJoin(ids, ", ");
  };
  std::cout << "rollback coverage:\n"
            << "  reversible: " << names(coverage.reversible) << "\n"
            << "  irreversible: " << names(coverage.irreversible) << "\n"
            << "  committed: " << names(coverage.committed) << "\n";

  Section(
      "6. Simulated before anything runs: both plans, same cluster, seed 0");
  std::cout << "  (upgradectl simulate PLAN prints the whole timeline)\n";
  if (int rc = Simulate("plan-naive.yaml", *naive); rc != 0) return rc;
  if (int rc = Simulate("plan.yaml", *fixed); rc != 0) return rc;
  return 0;
}
