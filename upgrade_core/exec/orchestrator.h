// File: orchestrator.h
// -----------------------------------------------------------------------------
// Orchestrator: the sans-IO decision core that runs a compiled plan
// (plan::ExecutionPlan). It decides, step by step, what may run now; it never
// sleeps, spawns, reads a clock or touches a file. The caller asks
// NextActions(now), performs the actions however it likes (kubectl, an API, a
// simulator), and reports each outcome back with Report(id, outcome, now).
// Time always comes from the caller (int64 milliseconds, never negative and
// never decreasing from one call to the next); decisions go to an optional
// RecordSink (the journal) before they take effect, so Recover() rebuilds
// exactly the state the caller saw. docs/exec.md describes the model in full.
//
//   UC_ASSIGN_OR_RETURN(std::unique_ptr<Orchestrator> o,
//                       Orchestrator::Create(plan));
//   while (!o->done()) {
//     UC_ASSIGN_OR_RETURN(std::vector<Action> actions, o->NextActions(now));
//     for (const Action& a : actions) Start(a);
//     auto [id, outcome] = WaitForOne(o->NextWakeup());  // the caller's I/O
//     UC_RETURN_IF_ERROR(o->Report(id, outcome, now));
//   }
//
// What it enforces: each step's depends_on (dependencies verified first, and
// the wave barriers that keep holders of one exclusive resource or providers
// of one floored service apart), and independently of depends_on: at most
// policy.maxParallel components in flight, one holder per exclusive resource
// and floored service at a time; step deadlines; retries with exponential
// backoff and seeded jitter; the plan's failure policy (rollback-all,
// rollback-failed, pause, continue); operator Pause/Resume/Abort; readiness
// freshness; and points of no return (irreversible components). Every state
// change of a component is a legal transition of fsm::ComponentLifecycle(),
// taken through plan/step_lifecycle.h; the plan as a whole follows
// fsm::PlanLifecycle().
//
// Cost: NextActions() and Report() do work proportional to what changed
// (the actions issued, the steps released), not to the plan's size. Status()
// walks every component (a view for people, not for the hot loop).
//
// Not thread-safe: one thread of control drives an Orchestrator. Deterministic:
// the same plan, options and calls give the same actions, ids and order.
#ifndef UPGRADE_CORE_EXEC_ORCHESTRATOR_H_
#define UPGRADE_CORE_EXEC_ORCHESTRATOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "upgrade_core/exec/record_sink.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/proto/journal.pb.h"
#include "upgrade_core/proto/plan.pb.h"

namespace upgrade_core::exec {

struct OrchestratorOptions {
  // Where decisions and observations are recorded (not owned; must outlive
  // the Orchestrator). nullptr: nothing is recorded (and nothing can be
  // recovered).
  RecordSink* journal = nullptr;
  // Seeds the retry backoff jitter: the same seed gives the same delays, so a
  // run is reproducible (and a recovered one continues identically).
  uint64_t seed = 0;
};

// One thing for the caller to do: run `step` (of the plan's steps, or of its
// rollback_steps when `rollback`) for `component`.
struct Action {
  uint64_t id = 0;        // unique within the run, 1, 2, 3... in issue order
  bool rollback = false;  // step indexes ExecutionPlan.rollback_steps
  int32_t step = 0;       // index into steps (or rollback_steps)
  int32_t component = 0;  // index into ExecutionPlan.components
  proto::StepKind kind = proto::STEP_KIND_UNSPECIFIED;
  int32_t attempt = 1;       // 1-based; > 1 for a retry
  int64_t issued_at_ms = 0;  // the caller's clock
  int64_t deadline_ms = 0;   // 0: none (e.g. OnDelete waits for a person)
  int32_t batch = 0;         // instances at a time (terminate-old/start-new)
  std::string step_id;       // "<component>/<kind>", e.g. "web/start-new"

  friend bool operator==(const Action& a, const Action& b);
};

enum class OutcomeKind {
  kSucceeded,  // the step did what it should
  kFailed,     // it did not (retried per the component's retry policy)
  kProgress,   // a heartbeat ("2/3 ready"); the action goes on
};

struct Outcome {
  OutcomeKind kind = OutcomeKind::kSucceeded;
  // Failure reason or progress text, shown by Status().
  std::string reason;
  // Freshness token for await-ready successes: a generation or a timestamp
  // the caller observed readiness at; 0 = the caller does not track it
  // (accepted). The rule (docs/exec.md#readiness-freshness): when the
  // component's start-new success carried observed = G (the generation the
  // apply produced), a readiness success counts when observed >= G;
  // otherwise when observed > the start-new action's issued_at_ms. A stale
  // success is ignored: the action stays in flight and no gate opens.
  int64_t observed = 0;

  static Outcome Succeeded(int64_t observed = 0) {
    return {OutcomeKind::kSucceeded, "", observed};
  }
  static Outcome Failed(std::string reason) {
    return {OutcomeKind::kFailed, std::move(reason), 0};
  }
  static Outcome Progress(std::string text) {
    return {OutcomeKind::kProgress, std::move(text), 0};
  }
};

// Where the plan as a whole is (from fsm::PlanLifecycle()).
enum class PlanOutcome {
  kRunning,      // steps being issued
  kPausing,      // pause requested (or a step failed under `pause`): in-flight
                 // actions finishing, nothing new issued
  kPaused,       // nothing in flight; waiting for Resume() or Abort()
  kRollingBack,  // undoing touched components, dependents first
  kSucceeded,    // terminal: every component upgraded and verified
  kFailed,       // terminal: something failed and was not (fully) rolled
                 // back (continue, rollback-failed, a failed rollback)
  kRolledBack,   // terminal: every touched component rolled back
};
// "running", "pausing", ... (the plan lifecycle's state names).
const char* PlanOutcomeName(PlanOutcome outcome);

// What a rollback could undo, computed from the plan before anything runs
// and updated as points of no return are passed.
struct RollbackCoverage {
  // Components a rollback can restore (ids, plan order).
  std::vector<std::string> reversible;
  // Irreversible components (Component.irreversible): never rolled back.
  std::vector<std::string> irreversible;
  // Reversible components behind a passed point of no return: they had
  // succeeded when an irreversible component succeeded, so no rollback
  // touches them any more.
  std::vector<std::string> committed;
};

struct ComponentStatus {
  std::string id;
  // The component lifecycle state name ("pending", "verifying", ...).
  std::string state;
  // Caller time of the last lifecycle change; nullopt before any.
  std::optional<int64_t> since_ms;
  // True when nothing more will happen to it in this run (succeeded and not
  // to be rolled back, failed, rolled back, skipped, or stopped because the
  // plan rolled back), whatever its lifecycle state says.
  bool finished = false;
  // Why it is where it is, when the state alone does not say: "skipped:
  // depends on ingress-controller, which failed", "not started: the plan is
  // rolling back", "stale readiness ignored (...)", the last failure reason
  // or progress text. Empty otherwise.
  std::string note;
};

struct OrchestratorStatus {
  PlanOutcome outcome = PlanOutcome::kRunning;
  std::vector<ComponentStatus> components;  // plan order
  // Step counts (forward steps; a rollback step counts once it runs).
  int64_t done = 0;     // succeeded
  int64_t running = 0;  // actions in flight
  int64_t pending = 0;  // not started, may still run
  int64_t failed = 0;   // failed for good (retries exhausted)
  int64_t skipped = 0;  // will never run (a dependency failed, plan ended)
  // Rollback steps of components being (or that were) rolled back.
  int64_t rollback_done = 0;
  int64_t rollback_running = 0;
  int64_t rollback_pending = 0;
  int64_t rollback_failed = 0;
  // For every component that is neither finished nor running: its next step
  // and what it waits for, e.g. "ingress-controller/preflight waits for
  // default-backend: verifying since 12:03:05". Times render as HH:MM:SS of
  // the caller's millisecond clock modulo one day (UTC when the clock is Unix
  // epoch milliseconds).
  std::vector<std::string> blocked;
  // Where an event left a mark worth reading: retries scheduled, timeouts,
  // stale readiness ignored; the latest last, at most 100.
  std::vector<std::string> events;

  // Everything above as readable lines.
  std::string ToText() const;
};

class Orchestrator {
 public:
  // Builds an orchestrator for `plan` (copied: the caller's plan may go away).
  // InvalidArgument when the plan's policy promises a rollback
  // (rollback-all, rollback-failed) across an irreversible component that is
  // not a checkpoint, naming it.
  static absl::StatusOr<std::unique_ptr<Orchestrator>> Create(
      const plan::ExecutionPlan& plan, const OrchestratorOptions& options = {});

  struct Recovered {
    std::unique_ptr<Orchestrator> orchestrator;
    // Actions issued with no final outcome in the records: the caller checks
    // what became of each and reports it (Report) before calling
    // NextActions again. They are never re-issued silently; their deadlines
    // still apply.
    std::vector<Action> in_doubt;
  };
  // Rebuilds the state an orchestrator had after writing `records` (a
  // journal's records after its header, in order). Records written by this
  // orchestrator for this plan replay exactly; anything else (a step that was
  // not ready, an unknown action, time going backwards) is InvalidArgument
  // naming the record's index. `options.journal` receives only what happens
  // after recovery.
  static absl::StatusOr<Recovered> Recover(
      const plan::ExecutionPlan& plan,
      absl::Span<const proto::JournalRecord> records,
      const OrchestratorOptions& options = {});

  ~Orchestrator();
  Orchestrator(const Orchestrator&) = delete;
  Orchestrator& operator=(const Orchestrator&) = delete;

  // Fails actions whose deadline has passed (recorded as TIMED_OUT, then
  // retried or failed per policy), then issues every action that may run
  // now, in plan order. Empty when nothing may (waiting for reports, paused,
  // backing off, done). InvalidArgument when now_ms < the previous call's
  // time; a journal write error is returned as is (state unchanged for the
  // action not recorded; actions recorded before it are returned).
  absl::StatusOr<std::vector<Action>> NextActions(int64_t now_ms);

  // Applies one outcome of an issued, unfinished action (every report,
  // progress and stale readiness included, is recorded). Deadlines passed at
  // now_ms are applied first, so a report after its action's deadline finds
  // it timed out (FailedPrecondition saying when). InvalidArgument for an id
  // never issued or time going backwards; FailedPrecondition for an action
  // already finished. Otherwise errors change nothing.
  absl::Status Report(uint64_t action_id, const Outcome& outcome,
                      int64_t now_ms);

  // Operator commands (recorded). Pause: no new actions; in-flight ones
  // finish; paused once none is left. Resume: carry on; a component halted
  // by a failure under the `pause` policy starts again from its preflight
  // (the lifecycle's halted -> retry). Abort: roll back every touched,
  // reversible component (rollback-all semantics, whatever the policy).
  // FailedPrecondition when the plan's state does not allow the command.
  absl::Status Pause(int64_t now_ms);
  absl::Status Resume(int64_t now_ms);
  absl::Status Abort(int64_t now_ms);

  OrchestratorStatus Status() const;
  RollbackCoverage Coverage() const;

  // True once the plan reached a terminal state (succeeded, failed, rolled
  // back). A paused plan is not done: it waits for an operator.
  bool done() const;
  PlanOutcome outcome() const;

  // The earliest caller time at which something changes without a report (a
  // deadline passes, a retry backoff ends); nullopt when only a report or a
  // command can change anything.
  std::optional<int64_t> NextWakeup() const;

  // The actions issued and not yet finished, by id (work proportional to
  // their number).
  std::vector<Action> InFlight() const;

  // exec::PlanHash(plan) of the plan this orchestrator runs.
  const std::string& PlanHash() const;

  const plan::ExecutionPlan& plan() const;

 private:
  class Impl;
  explicit Orchestrator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Lower-case hex SHA-256 of the compiled plan's deterministic serialization
// (the same plan gives the same hash in every process and version of this
// library that keeps the proto schema). The journal header stores it.
std::string PlanHash(const plan::ExecutionPlan& plan);

// "250ms", "5s", "1m30s", "5m", "2h5m", "3d4h": readable durations for
// messages ("timed out after 5m").
std::string FormatDuration(int64_t ms);

}  // namespace upgrade_core::exec

#endif  // UPGRADE_CORE_EXEC_ORCHESTRATOR_H_
