// File: executor.h
// -----------------------------------------------------------------------------
// Executor: the optional imperative shell around the sans-IO Orchestrator. It
// runs the actions the orchestrator issues with a caller-supplied
// ActionRunner on a bounded pool of worker threads, reports their outcomes
// back, sleeps until the orchestrator's next wakeup (a retry's backoff, a
// deadline) unless an action finishes first, and calls a progress callback.
//
//   UC_ASSIGN_OR_RETURN(std::unique_ptr<Orchestrator> o,
//                       Orchestrator::Create(plan));
//   MyRunner runner;  // Outcome Run(const Action&, const CancellationToken&)
//   ExecutorOptions options;
//   options.workers = 4;
//   Executor executor(*o, runner, options);
//   UC_ASSIGN_OR_RETURN(PlanOutcome outcome, executor.Run());
//
// Threads: Run() is the one thread that calls into the Orchestrator (which is
// not thread-safe). Workers only call the runner and put its outcome on a
// completion queue that Run() drains. Cancel() may be called from any thread
// (a signal handler's thread, the progress callback, a runner).
//
// Time comes from a Clock (a monotonic clock by default; FakeClock for tests
// and dry runs, where time jumps to the next wakeup instead of sleeping).
//
// docs/exec.md#executor describes the behaviour in full.
#ifndef UPGRADE_CORE_EXEC_EXECUTOR_H_
#define UPGRADE_CORE_EXEC_EXECUTOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "upgrade_core/exec/orchestrator.h"

namespace upgrade_core::exec {

class Journal;

// The Executor's source of time, in milliseconds that never go backwards.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() = 0;
  // Called with `mu` held (and returns with it held): waits until `wake`
  // holds (evaluated under `mu`) or the clock reaches `wake_at_ms` (never,
  // when nullopt). `actions_running`: whether runners are at work, i.e.
  // whether anything but the passage of time can still happen.
  virtual void WaitUntil(absl::Mutex& mu, const absl::Condition& wake,
                         std::optional<int64_t> wake_at_ms,
                         bool actions_running) = 0;
};

// Unix epoch milliseconds that never go backwards within this process (a
// wall-clock step back holds the clock still); waits really wait. Wall time,
// not a monotonic clock: a journal written before a reboot resumes with later
// times (a monotonic clock restarts at boot, and the orchestrator refuses
// time going backwards), and Status() renders it as UTC time of day.
class SystemClock final : public Clock {
 public:
  int64_t NowMs() override;
  void WaitUntil(absl::Mutex& mu, const absl::Condition& wake,
                 std::optional<int64_t> wake_at_ms,
                 bool actions_running) override;

 private:
  std::atomic<int64_t> last_ms_{0};
};

// A clock that moves only when told to (Advance, thread-safe) or when the
// Executor would wait for a time while no runner is at work: then it jumps
// to that time at once. Runs are instant and deterministic; a runner may
// Advance() it to model how long an action takes.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 0) : now_ms_(start_ms) {}
  int64_t NowMs() override { return now_ms_.load(); }
  void Advance(int64_t ms) { now_ms_.fetch_add(ms); }
  void WaitUntil(absl::Mutex& mu, const absl::Condition& wake,
                 std::optional<int64_t> wake_at_ms,
                 bool actions_running) override;

 private:
  std::atomic<int64_t> now_ms_;
};

// Set when the run is cancelled (Executor::Cancel) or the action's deadline
// passed: a runner that takes long checks it (or waits on it) and gives up.
class CancellationToken {
 public:
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  // Waits up to `timeout` (real time) for cancellation; true when cancelled.
  bool WaitForCancellation(absl::Duration timeout) const;
  // Why ("cancelled", "timed out after 5m"); empty until cancelled.
  std::string reason() const;

  void Cancel(std::string reason);

 private:
  std::atomic<bool> cancelled_{false};
  mutable absl::Mutex mu_;
  std::string reason_ ABSL_GUARDED_BY(mu_);
};

// Performs actions. Called on worker threads, several at once (up to
// ExecutorOptions::workers), so an implementation must be thread-safe.
class ActionRunner {
 public:
  virtual ~ActionRunner() = default;
  // Performs `action` and blocks until it is done. Returns Succeeded or
  // Failed (a Progress outcome is a misuse and counts as a failure). A C++
  // exception counts as Failed with its what(). `cancel` is set when the run
  // is cancelled or the action's deadline passed.
  virtual Outcome Run(const Action& action,
                      const CancellationToken& cancel) = 0;
};

// An ActionRunner from a function (a lambda, a binding's callable).
class FunctionRunner final : public ActionRunner {
 public:
  using Function =
      std::function<Outcome(const Action&, const CancellationToken&)>;
  explicit FunctionRunner(Function function) : function_(std::move(function)) {}
  Outcome Run(const Action& action, const CancellationToken& cancel) override {
    return function_(action, cancel);
  }

 private:
  Function function_;
};

// What the progress callback sees, after every change (an action issued or
// finished), from Run()'s thread.
struct Progress {
  PlanOutcome outcome = PlanOutcome::kRunning;
  int64_t now_ms = 0;
  // Forward steps: succeeded / in the plan.
  int64_t steps_done = 0;
  int64_t steps_total = 0;
  // Rollback steps done and still to run (0 unless rolling back).
  int64_t rollback_done = 0;
  int64_t rollback_remaining = 0;
  // Lowest wave with a forward step in flight (-1: none in flight).
  int32_t wave = -1;
  // Step ids of the actions in flight, in issue order.
  std::vector<std::string> running;
  // Estimated time to finish the remaining steps: (steps pending or running)
  // x (the mean duration of the actions finished so far, or the mean step
  // timeout before any finished) / the parallelism (workers, capped by the
  // plan's maxParallel). nullopt when the plan is done or nothing is known.
  std::optional<int64_t> eta_ms;
};
using ProgressCallback = std::function<void(const Progress&)>;

struct ExecutorOptions {
  // Worker threads: at most this many runners at work at once. Actions
  // issued while every worker is busy wait in a FIFO queue (their deadline
  // runs from issue: keep the plan's maxParallel <= workers).
  int workers = 4;
  // Not owned; nullptr: a SystemClock.
  Clock* clock = nullptr;
  // Called on Run()'s thread; may call Cancel(). An exception from it
  // cancels the run (it is not called again) and Run() returns Internal
  // naming it, once the runners in flight have returned.
  ProgressCallback on_progress;
  // When set (the orchestrator's journal, not owned): synced before Run()
  // returns, so a group-commit journal is durable at the end.
  Journal* journal = nullptr;
};

// Reports `outcome`, which a runner (or an in-doubt resolver) returned for
// `action` and which is final (REQUIRES: not a progress outcome), at
// `now_ms`. Two cases that are not errors of the run: an outcome after the
// action's deadline finds it timed out (OK: the timeout was recorded and
// handled); an await-ready success the orchestrator ignores as stale (it
// would keep the action in flight with nobody checking again) is reported
// as a failed attempt, retried per the policy. Other Report errors are
// returned.
absl::Status ReportReturned(Orchestrator& orchestrator, const Action& action,
                            const Outcome& outcome, int64_t now_ms);

class Executor {
 public:
  // Neither the orchestrator nor the runner is owned; both must outlive the
  // Executor. The orchestrator must have no action in flight when Run()
  // starts (resolve a recovered orchestrator's in-doubt actions first:
  // run_journal.h).
  Executor(Orchestrator& orchestrator, ActionRunner& runner,
           ExecutorOptions options = {});
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs until the plan is done (succeeded, failed, rolled back), paused
  // (under the pause policy, nothing in flight: Resume() and Run() again), or
  // cancelled (nothing in flight any more). Returns the orchestrator's
  // outcome then; a non-terminal one after Cancel() or a pause. Errors: a
  // journal write that failed (the run stops: nothing more is issued, the
  // actions in flight are cancelled and awaited, their outcomes are not
  // reported), FailedPrecondition when actions were in flight at the start
  // or Run() is called twice at once, Internal when the orchestrator stalls
  // (nothing in flight, nothing scheduled, not done).
  absl::StatusOr<PlanOutcome> Run();

  // Stops issuing actions and cancels the tokens of those in flight; Run()
  // reports their outcomes as runners return them, then returns. Thread-safe;
  // before Run(), Run() then returns at once. Final: this Executor's Run()
  // issues nothing more. The orchestrator is left as it is (no command
  // recorded): a new Executor on it, or a recovery from the journal, carries
  // on.
  void Cancel();
  bool cancelled() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace upgrade_core::exec

#endif  // UPGRADE_CORE_EXEC_EXECUTOR_H_
