// File: command_runner.h
// -----------------------------------------------------------------------------
// CommandRunner: an ActionRunner that performs each step by running the shell
// command the plan attaches to it (`commands:` and `verify[].run`,
// docs/run.md). Each command runs as `/bin/sh -c RUN` in a session (and so a
// process group) of its own, with stdout and stderr appended to the step's
// log file; its exit status decides the outcome. A timeout, the step's
// deadline or a cancellation kills the whole group: SIGTERM, then SIGKILL
// after a grace period.
//
//   CommandRunnerOptions options;
//   options.log_dir = "logs";
//   CommandRunner runner(plan, options);
//   Executor executor(orchestrator, runner);
//
// Which command a step runs: preflight -> commands.preflight, backup ->
// commands.backup, start-new -> commands.apply, terminate-old ->
// commands.terminate, await-ready -> commands.await (re-run every
// poll_interval until it succeeds or the step's deadline passes), verify ->
// every verify check's `run` in order, rollback -> commands.rollback. A step
// without a command succeeds at once (its log says so).
//
// Thread-safe: the Executor calls Run() from several workers at once.
#ifndef UPGRADE_CORE_EXEC_COMMAND_RUNNER_H_
#define UPGRADE_CORE_EXEC_COMMAND_RUNNER_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"
#include "upgrade_core/exec/executor.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/plan/planner.h"

namespace upgrade_core::exec {

struct CommandRunnerOptions {
  // Where the per-step logs go (created if missing):
  // <log_dir>/<step id, '/' -> '_'>.attempt-<N>.log. Empty: the current
  // directory.
  std::string log_dir;
  // Passed to every command as UPGRADE_PLAN and UPGRADE_JOURNAL.
  std::string plan_path;
  std::string journal_path;
  // How often an await command is re-run until it succeeds.
  int64_t poll_interval_ms = 2000;
  // Pause between a failed run and its re-run (a command's `retries`).
  int64_t retry_pause_ms = 1000;
  // After SIGTERM, how long the process group gets before SIGKILL.
  int64_t kill_grace_ms = 5000;
  // True: a cancelled run (Executor::Cancel, not a deadline) lets running
  // commands finish (their own timeout and the step's deadline still apply)
  // instead of killing them; KillAll() stops them. upgradectl run's first
  // SIGINT drains like this.
  bool drain_on_cancel = false;
  // Unix epoch milliseconds (the clock an Action's deadline_ms is in:
  // SystemClock). Tests may replace it.
  std::function<int64_t()> now_ms;
};

class CommandRunner final : public ActionRunner {
 public:
  // `plan` must outlive the runner.
  CommandRunner(const plan::ExecutionPlan& plan, CommandRunnerOptions options);

  Outcome Run(const Action& action, const CancellationToken& cancel) override;

  // The log file of `action` (whether or not it exists yet).
  std::string LogPath(const Action& action) const;

  // Kills (SIGKILL) the process group of every command running now, and of
  // any started later (until Rearm()). Thread-safe and quick; for a hard
  // stop.
  void KillAll();
  // After KillAll(), once no command runs: new commands run again (upgradectl
  // run's abort kills the running steps, then runs the rollback commands).
  void Rearm();

 private:
  struct RunResult;
  // Runs `run` once until `deadline_ms` (then SIGTERM, and SIGKILL after the
  // kill grace but no later than `gone_by_ms`); appends its output to
  // `log_fd`.
  RunResult RunOnce(const Action& action, const std::string& what,
                    const std::string& run,
                    const google::protobuf::Map<std::string, std::string>& env,
                    const std::string& workdir, int64_t deadline_ms,
                    int64_t gone_by_ms, const CancellationToken& cancel,
                    int log_fd);
  int64_t Now() const;

  const plan::ExecutionPlan& plan_;
  CommandRunnerOptions options_;
  std::atomic<bool> killed_{false};
  absl::Mutex mu_;
  std::set<pid_t> groups_ ABSL_GUARDED_BY(mu_);
};

}  // namespace upgrade_core::exec

#endif  // UPGRADE_CORE_EXEC_COMMAND_RUNNER_H_
