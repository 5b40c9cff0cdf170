#include "upgrade_core/exec/run_journal.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "upgrade_core/exec/executor.h"
#include "upgrade_core/util/status_macros.h"
#include "upgrade_core/version_info.h"

namespace upgrade_core::exec {

proto::JournalHeader PlanJournalHeader(const plan::ExecutionPlan& plan,
                                       int64_t now_ms) {
  proto::JournalHeader header;
  header.set_format_version(kJournalFormatVersion);
  header.set_plan_name(plan.proto().name());
  header.set_plan_hash(PlanHash(plan));
  header.set_created_at_ms(now_ms);
  header.set_library_version(std::string(kVersion));
  return header;
}

absl::Status ResolveInDoubt(Orchestrator& orchestrator,
                            absl::Span<const Action> in_doubt,
                            const InDoubtResolver& resolver, int64_t now_ms) {
  if (!in_doubt.empty() && !resolver) {
    return absl::FailedPreconditionError(absl::StrCat(
        in_doubt.size(), " action(s) in doubt (the first: ",
        in_doubt[0].step_id, " attempt ", in_doubt[0].attempt, ", action ",
        in_doubt[0].id, ") and no resolver to say what became of them"));
  }
  for (const Action& action : in_doubt) {
    Outcome outcome;
    try {
      outcome = resolver(action);
    } catch (const std::exception& e) {
      outcome = Outcome::Failed(absl::StrCat("resolver threw: ", e.what()));
    }
    if (outcome.kind == OutcomeKind::kProgress) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the resolver returned a progress outcome for in-doubt action ",
          action.id, " (", action.step_id,
          "); it must return succeeded or failed"));
    }
    absl::Status reported =
        ReportReturned(orchestrator, action, outcome, now_ms);
    if (!reported.ok()) {
      return absl::Status(
          reported.code(),
          absl::StrCat("reporting in-doubt action ", action.id, " (",
                       action.step_id, "): ", reported.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PlanRun> OpenPlanRun(const std::string& path,
                                    const plan::ExecutionPlan& plan,
                                    int64_t now_ms,
                                    const InDoubtResolver& resolver,
                                    OrchestratorOptions options,
                                    const JournalOptions& journal_options) {
  PlanRun run;
  UC_ASSIGN_OR_RETURN(
      run.journal,
      Journal::Open(path, PlanJournalHeader(plan, now_ms), journal_options));
  options.journal = run.journal.get();
  if (run.journal->recovered().empty()) {
    UC_ASSIGN_OR_RETURN(run.orchestrator, Orchestrator::Create(plan, options));
    return run;
  }
  run.resumed = true;
  UC_ASSIGN_OR_RETURN(
      Orchestrator::Recovered recovered,
      Orchestrator::Recover(plan, run.journal->recovered(), options));
  run.orchestrator = std::move(recovered.orchestrator);
  UC_RETURN_IF_ERROR(
      ResolveInDoubt(*run.orchestrator, recovered.in_doubt, resolver, now_ms));
  run.resolved = std::move(recovered.in_doubt);
  return run;
}

}  // namespace upgrade_core::exec
