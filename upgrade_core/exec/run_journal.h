// File: run_journal.h
// -----------------------------------------------------------------------------
// Glue between a plan, its journal and an Orchestrator: open (or create) the
// journal of a plan, and resume a run from it. A resumed orchestrator's
// in-doubt actions (issued, no outcome recorded: the process died while they
// ran) are handed to a caller-supplied resolver, which finds out what became
// of each (did the apply happen? is the effect there?) and returns the
// outcome to report; then an Executor (or any driver) carries on.
//
//   UC_ASSIGN_OR_RETURN(PlanRun run,
//                       OpenPlanRun("upgrade.journal", plan, clock.NowMs(),
//                                   CheckEffects));
//   ExecutorOptions options;
//   options.journal = run.journal.get();
//   Executor executor(*run.orchestrator, runner, options);
//   UC_ASSIGN_OR_RETURN(PlanOutcome outcome, executor.Run());
#ifndef UPGRADE_CORE_EXEC_RUN_JOURNAL_H_
#define UPGRADE_CORE_EXEC_RUN_JOURNAL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "upgrade_core/exec/journal.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/proto/journal.pb.h"

namespace upgrade_core::exec {

// The journal header for `plan`: its name, exec::PlanHash, this library's
// version and format, created at `now_ms`.
proto::JournalHeader PlanJournalHeader(const plan::ExecutionPlan& plan,
                                       int64_t now_ms);

// Says what became of an in-doubt action: Succeeded or Failed (Failed is
// retried per the component's retry policy like any failure). It may perform
// the action itself when it finds it never happened (then it returns that
// run's outcome), which keeps every effect exactly once when effects are
// recorded durably before the runner returns (docs/exec.md#executor).
using InDoubtResolver = std::function<Outcome(const Action&)>;

// Reports `resolver`'s outcome for each of `in_doubt` (in id order) at
// `now_ms` (through ReportReturned, executor.h). An outcome for an action
// whose deadline passed finds it timed out (not an error); a stale
// await-ready success fails that attempt. InvalidArgument when the resolver
// returns a progress outcome; a resolver that throws gives a failure with its
// message; other Report errors are returned (naming the action).
absl::Status ResolveInDoubt(Orchestrator& orchestrator,
                            absl::Span<const Action> in_doubt,
                            const InDoubtResolver& resolver, int64_t now_ms);

// A plan's orchestrator writing to the plan's journal.
struct PlanRun {
  std::unique_ptr<Journal> journal;
  // Writes to *journal (declared after it: destroyed first).
  std::unique_ptr<Orchestrator> orchestrator;
  // The recovered run's in-doubt actions, already resolved and reported.
  std::vector<Action> resolved;
  // Whether the journal held records (a run was resumed).
  bool resumed = false;
};

// Opens the journal at `path` for `plan` (creating it with
// PlanJournalHeader(plan, now_ms) when missing or empty) and builds the
// orchestrator: fresh when the journal holds no records, otherwise recovered
// from them, its in-doubt actions passed through ResolveInDoubt (`resolver`
// may be empty only when there are none: FailedPrecondition otherwise, naming
// them). `options.journal` is set to the journal. Errors of Journal::Open,
// Orchestrator::Create/Recover and ResolveInDoubt are returned as they are.
absl::StatusOr<PlanRun> OpenPlanRun(const std::string& path,
                                    const plan::ExecutionPlan& plan,
                                    int64_t now_ms,
                                    const InDoubtResolver& resolver,
                                    OrchestratorOptions options = {},
                                    const JournalOptions& journal_options = {});

}  // namespace upgrade_core::exec

#endif  // UPGRADE_CORE_EXEC_RUN_JOURNAL_H_
