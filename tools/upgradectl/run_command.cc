// `upgradectl run PLAN --journal FILE`: runs a plan's commands (docs/run.md)
// through the Executor with exec::CommandRunner and the plan's journal
// (exec::OpenPlanRun), printing one line (or one JSON event) per step.
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/upgradectl/command.h"
#include "tools/upgradectl/live_status.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/exec/command_runner.h"
#include "upgrade_core/exec/executor.h"
#include "upgrade_core/exec/journal.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/run_journal.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/sim/cluster_loader.h"
#include "upgrade_core/sim/simulator.h"
#include "upgrade_core/util/json_string.h"

namespace upgrade_core::cli {

// docs/run.md#exit-codes
inline constexpr int kExitRunFailed = 1;
inline constexpr int kExitInterrupted = 3;

extern const char kRunUsage[] =
    "usage: upgradectl run PLAN.yaml --journal FILE [--log-dir DIR] "
    "[--resume]\n"
    "                      [--assume succeeded|failed|rerun] [--force "
    "CODE]...\n"
    "                      [--format text|json] [--workers N] "
    "[--no-progress]\n"
    "                      [--no-config-check] [--allow-outside DIR]...\n"
    "       upgradectl run PLAN.yaml --dry-run [--cluster FILE] [--seed N]\n"
    "                      [--force CODE]... [--format text|json]\n"
    "\n"
    "Runs an UpgradePlan: the shell commands its components attach to their\n"
    "steps (commands:, verify[].run), in the compiled order, with retries,\n"
    "deadlines and rollback, recording every decision in a journal\n"
    "(docs/run.md). A plan whose checks report errors is refused.\n"
    "\n"
    "  PLAN.yaml            the plan (a file: commands see it as "
    "UPGRADE_PLAN)\n"
    "  --journal FILE       the run's journal (created when missing); a\n"
    "                       journal of another plan is refused\n"
    "  --log-dir DIR        per-step logs (default FILE.logs next to the\n"
    "                       journal): <step>.attempt-N.log\n"
    "  --resume             continue the run recorded in the journal (without\n"
    "                       it, a journal that holds a run is refused)\n"
    "  --assume succeeded|failed|rerun\n"
    "                       with --resume: what became of the steps that\n"
    "                       were running when the last run died (in doubt);\n"
    "                       rerun runs their command again. Required when\n"
    "                       there are such steps and stdin is not a terminal\n"
    "                       (on a terminal, each is asked)\n"
    "  --force CODE         run despite the check errors with this code\n"
    "                       (repeatable; every error's code must be named)\n"
    "  --format text|json   progress output (default text): one line per\n"
    "                       step, or one JSON event per line\n"
    "  --no-progress        no live status line (it is shown when the output\n"
    "                       is a terminal and the format is text)\n"
    "  --workers N          commands at once at most (default 4)\n"
    "  --dry-run            run nothing: simulate the plan (upgradectl\n"
    "                       simulate) and print its verdict; no journal\n"
    "  --cluster FILE       with --dry-run: the cluster to simulate on\n"
    "  --seed N             with --dry-run: the simulation's seed\n"
    "  --no-config-check    skip the chart values checks\n"
    "  --allow-outside DIR  config files may also be read from DIR\n"
    "  -h, --help           show this help\n"
    "\n"
    "SIGINT or SIGTERM once: no new steps, running ones finish, the journal\n"
    "stays consistent (resume with --resume); twice: the running commands\n"
    "are killed and the run is aborted: every component it touched is rolled\n"
    "back (its rollback commands run); a third time: exit at once (the\n"
    "running steps are left in doubt for --resume).\n"
    "\n"
    "exit codes: 0 succeeded, 1 failed or rolled back (or paused),\n"
    "            2 bad input (nothing run), 3 interrupted\n";

namespace {

struct RunArgs {
  std::string plan_path;
  std::string journal;
  std::string log_dir;
  bool resume = false;
  std::string assume;
  std::set<std::string> force;
  std::string format = "text";
  int workers = 4;
  bool no_config = false;
  bool no_progress = false;
  std::vector<std::string> allow_outside;
  bool dry_run = false;
  std::string cluster;  // --dry-run only
  std::string seed;     // --dry-run only
};

bool ParseRunArgs(const std::vector<std::string>& args, RunArgs& out,
                  std::ostream& err) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string v;
    // --flag VALUE or --flag=VALUE.
    auto value = [&](absl::string_view flag) -> int {
      if (a == flag) {
        if (i + 1 >= args.size()) {
          UsageError("run", absl::StrCat(flag, " needs a value"), err);
          return -1;
        }
        v = args[++i];
        return 1;
      }
      if (absl::StartsWith(a, absl::StrCat(flag, "="))) {
        v = a.substr(flag.size() + 1);
        return 1;
      }
      return 0;
    };
    int r = 0;
    if ((r = value("--journal")) != 0) {
      if (r < 0) return false;
      out.journal = v;
    } else if ((r = value("--log-dir")) != 0) {
      if (r < 0) return false;
      out.log_dir = v;
    } else if ((r = value("--assume")) != 0) {
      if (r < 0) return false;
      out.assume = v;
    } else if ((r = value("--force")) != 0) {
      if (r < 0) return false;
      out.force.insert(v);
    } else if ((r = value("--format")) != 0) {
      if (r < 0) return false;
      out.format = v;
    } else if ((r = value("--workers")) != 0) {
      if (r < 0) return false;
      if (!absl::SimpleAtoi(v, &out.workers) || out.workers < 1 ||
          out.workers > 256) {
        UsageError("run", "--workers must be an integer 1..256", err);
        return false;
      }
    } else if ((r = value("--allow-outside")) != 0) {
      if (r < 0) return false;
      out.allow_outside.push_back(v);
    } else if ((r = value("--cluster")) != 0) {
      if (r < 0) return false;
      out.cluster = v;
    } else if ((r = value("--seed")) != 0) {
      if (r < 0) return false;
      out.seed = v;
    } else if (a == "--dry-run") {
      out.dry_run = true;
    } else if (a == "--no-progress") {
      out.no_progress = true;
    } else if (a == "--resume") {
      out.resume = true;
    } else if (a == "--no-config-check") {
      out.no_config = true;
    } else if (absl::StartsWith(a, "-")) {
      UsageError("run", absl::StrCat("unknown flag ", a), err);
      return false;
    } else if (out.plan_path.empty()) {
      out.plan_path = a;
    } else {
      UsageError("run",
                 absl::StrCat("one plan file only (got ", out.plan_path,
                              " and ", a, ")"),
                 err);
      return false;
    }
  }
  if (out.plan_path.empty()) {
    UsageError("run", "no plan file given", err);
    return false;
  }
  if (out.dry_run) {
    if (out.resume || !out.journal.empty()) {
      UsageError("run",
                 "--dry-run runs nothing and writes no journal: it does not "
                 "go with --journal or --resume",
                 err);
      return false;
    }
  } else if (!out.cluster.empty() || !out.seed.empty()) {
    UsageError("run", "--cluster and --seed apply to --dry-run only", err);
    return false;
  } else if (out.journal.empty()) {
    UsageError("run", "--journal FILE is required (where the run is recorded)",
               err);
    return false;
  }
  if (out.format != "text" && out.format != "json") {
    UsageError("run", "--format must be text or json", err);
    return false;
  }
  if (!out.assume.empty() && out.assume != "succeeded" &&
      out.assume != "failed" && out.assume != "rerun") {
    UsageError("run", "--assume must be succeeded, failed or rerun", err);
    return false;
  }
  if (!out.assume.empty() && !out.resume) {
    UsageError("run", "--assume applies to --resume only", err);
    return false;
  }
  if (out.log_dir.empty()) out.log_dir = out.journal + ".logs";
  return true;
}

std::string Clock() {
  return absl::FormatTime("%H:%M:%S", absl::Now(), absl::UTCTimeZone());
}

// Prints the run's events, from worker threads and the main thread.
class Events {
 public:
  // `live`: the terminal's status line (not owned; nullptr: lines only).
  Events(bool json, std::ostream& out, LiveStatus* live)
      : json_(json), live_(live), out_(out) {}

  void StepStarted(const exec::Action& a, const std::string& component,
                   const std::string& log) {
    if (live_ != nullptr) live_->StepStarted(a.step_id);
    if (json_) {
      Emit(absl::StrCat("{\"version\":1,\"event\":\"step-started\",",
                        Common(a, component), ",\"log\":", JsonQuote(log),
                        "}"));
    } else {
      Emit(absl::StrCat(Clock(), " start  ", Name(a), " (attempt ", a.attempt,
                        ")"));
    }
  }

  void StepFinished(const exec::Action& a, const std::string& component,
                    const std::string& log, const exec::Outcome& o,
                    int64_t ms) {
    if (live_ != nullptr) live_->StepFinished(a.step_id);
    const bool ok = o.kind == exec::OutcomeKind::kSucceeded;
    if (json_) {
      Emit(absl::StrCat("{\"version\":1,\"event\":\"step-finished\",",
                        Common(a, component), ",\"log\":", JsonQuote(log),
                        ",\"outcome\":\"", ok ? "succeeded" : "failed",
                        "\",\"reason\":", JsonQuote(o.reason),
                        ",\"durationMs\":", ms, "}"));
    } else {
      Emit(absl::StrCat(Clock(), ok ? " ok     " : " FAILED ", Name(a), " (",
                        exec::FormatDuration(ms), ")",
                        ok ? "" : absl::StrCat(": ", o.reason)));
    }
  }

  void Note(const std::string& text) {
    if (json_) {
      Emit(absl::StrCat(
          "{\"version\":1,\"event\":\"note\",\"text\":", JsonQuote(text), "}"));
    } else {
      Emit(absl::StrCat(Clock(), " ", text));
    }
  }

  void PlanFinished(const std::string& outcome, bool interrupted, int exit_code,
                    const exec::OrchestratorStatus& status,
                    const std::string& journal) {
    if (json_) {
      Emit(absl::StrCat(
          "{\"version\":1,\"event\":\"plan-finished\",\"outcome\":\"", outcome,
          "\",\"interrupted\":", interrupted ? "true" : "false",
          ",\"exitCode\":", exit_code, ",\"stepsDone\":", status.done,
          ",\"stepsFailed\":", status.failed, ",\"rollbackDone\":",
          status.rollback_done, ",\"journal\":", JsonQuote(journal), "}"));
    } else {
      Emit(absl::StrCat(
          Clock(), " plan ", outcome,
          interrupted ? " (interrupted: resume with --resume)" : "", ": ",
          status.done, " steps done, ", status.failed, " failed, ",
          status.rollback_done, " rollback steps done (journal ", journal,
          ")"));
    }
  }

 private:
  static std::string Name(const exec::Action& a) {
    return absl::StrCat(a.step_id, a.rollback && a.kind != proto::ROLLBACK
                                       ? " (rollback)"
                                       : "");
  }
  static std::string Common(const exec::Action& a,
                            const std::string& component) {
    return absl::StrCat(
        "\"time\":",
        JsonQuote(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                   absl::UTCTimeZone())),
        ",\"action\":", a.id, ",\"step\":", JsonQuote(a.step_id),
        ",\"component\":", JsonQuote(component), ",\"kind\":\"",
        plan::StepKindName(a.kind),
        "\",\"rollback\":", a.rollback ? "true" : "false",
        ",\"attempt\":", a.attempt);
  }
  void Emit(const std::string& line) {
    if (live_ != nullptr) return live_->PrintLine(line);
    absl::MutexLock lock(&mu_);
    out_ << line << "\n" << std::flush;
  }

  bool json_;
  LiveStatus* live_;
  absl::Mutex mu_;
  std::ostream& out_ ABSL_GUARDED_BY(mu_);
};

// The CommandRunner with an event before and after each step.
class ReportingRunner final : public exec::ActionRunner {
 public:
  ReportingRunner(const plan::ExecutionPlan& plan, exec::CommandRunner& inner,
                  Events& events)
      : plan_(plan), inner_(inner), events_(events) {}

  exec::Outcome Run(const exec::Action& action,
                    const exec::CancellationToken& cancel) override {
    const std::string& component = plan_.proto().components(action.component);
    const std::string log = inner_.LogPath(action);
    events_.StepStarted(action, component, log);
    const absl::Time start = absl::Now();
    exec::Outcome outcome = inner_.Run(action, cancel);
    events_.StepFinished(action, component, log, outcome,
                         absl::ToInt64Milliseconds(absl::Now() - start));
    return outcome;
  }

 private:
  const plan::ExecutionPlan& plan_;
  exec::CommandRunner& inner_;
  Events& events_;
};

// SIGINT/SIGTERM while the plan runs: blocked in every thread (so the
// commands' children get the default disposition back: CommandRunner resets
// the mask) and taken by one thread with sigtimedwait, which calls
// `on_signal` with how many have come so far (1, 2, ...).
class SignalWatcher {
 public:
  explicit SignalWatcher(std::function<void(int)> on_signal)
      : on_signal_(std::move(on_signal)) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this] { Watch(); });
  }
  ~SignalWatcher() {
    done_.store(true);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  void Watch() {
    const struct timespec tick = {0, 100 * 1000 * 1000};
    while (!done_.load()) {
      const int sig = sigtimedwait(&set_, nullptr, &tick);
      if (sig != SIGINT && sig != SIGTERM) continue;
      on_signal_(count_.fetch_add(1) + 1);
    }
  }

  std::function<void(int)> on_signal_;
  sigset_t set_;
  sigset_t old_;
  std::atomic<bool> done_{false};
  std::atomic<int> count_{0};
  std::thread thread_;
};

// Asks on the terminal what became of an in-doubt step.
exec::Outcome AskInDoubt(const exec::Action& a, exec::CommandRunner& runner,
                         std::ostream& err) {
  while (true) {
    err << a.step_id << " (attempt " << a.attempt
        << ") was running when the last run stopped.\n"
        << "  did it [s]ucceed, [f]ail, or should it be [r]erun? "
        << std::flush;
    std::string line;
    if (!std::getline(std::cin, line)) {
      return exec::Outcome::Failed("in doubt: no answer on the terminal");
    }
    line = std::string(absl::StripAsciiWhitespace(line));
    if (line == "s") return exec::Outcome::Succeeded();
    if (line == "f") {
      return exec::Outcome::Failed("in doubt: the operator said it failed");
    }
    if (line == "r") {
      exec::CancellationToken token;
      return runner.Run(a, token);
    }
  }
}

std::string Absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (::getcwd(cwd, sizeof(cwd)) == nullptr) return path;
  return absl::StrCat(cwd, "/", path);
}

bool FileNonEmpty(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
}

// --dry-run: the plan the run would execute, through the simulator
// (docs/simulate.md) instead of its commands.
int RunDryRun(const RunArgs& args, const plan::ExecutionPlan& compiled,
              std::ostream& out, std::ostream& err) {
  sim::Cluster cluster;
  sim::SimOptions options;
  if (!args.cluster.empty()) {
    absl::StatusOr<sim::ClusterSpec> spec =
        sim::LoadCluster(args.cluster, &compiled);
    if (!spec.ok()) {
      err << "upgradectl run: " << spec.status().message() << "\n";
      return kExitBadInput;
    }
    cluster = std::move(spec->cluster);
    options = std::move(spec->options);
  }
  if (!args.seed.empty() && !absl::SimpleAtoi(args.seed, &options.seed)) {
    return UsageError(
        "run",
        absl::StrCat("--seed must be a non-negative integer, got \"", args.seed,
                     "\""),
        err);
  }
  absl::StatusOr<sim::SimResult> result =
      sim::Simulate(compiled, cluster, options);
  if (!result.ok()) {
    err << "upgradectl run: " << result.status().message() << "\n";
    return kExitBadInput;
  }
  if (args.format == "json") {
    out << result->ToJson();
  } else {
    out << "dry run: no command runs and no journal is written; the "
           "simulator's prediction (upgradectl simulate):\n"
        << result->ToText();
  }
  return result->Healthy() ? kExitOk : kExitRunFailed;
}

}  // namespace

int RunRunCommand(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err) {
  RunArgs parsed;
  if (!ParseRunArgs(args, parsed, err)) return kExitBadInput;
  if (parsed.plan_path == "-") {
    return UsageError("run", "the plan must be a file (not \"-\")", err);
  }
  const bool json = parsed.format == "json";

  // The plan, its checks, and the errors the operator accepted.
  plan::LoadOptions load;
  load.allowed_dirs = parsed.allow_outside;
  absl::StatusOr<plan::Plan> plan =
      plan::Plan::FromFile(parsed.plan_path, load);
  if (!plan.ok()) {
    err << "upgradectl run: " << plan.status().message() << "\n";
    return kExitBadInput;
  }
  plan::PlannerOptions options;
  options.check_config = !parsed.no_config;
  const std::vector<diag::Diagnostic> problems =
      plan::CheckPlan(*plan, options);
  std::vector<const diag::Diagnostic*> refused;
  std::set<std::string> used_force;
  for (const diag::Diagnostic& p : problems) {
    if (p.severity != diag::Severity::kError) continue;
    if (parsed.force.count(p.code) != 0) {
      used_force.insert(p.code);
    } else {
      refused.push_back(&p);
    }
  }
  if (!refused.empty()) {
    for (const diag::Diagnostic& p : problems)
      err << diag::FormatDiagnostic(p) << "\n";
    std::set<std::string> codes;
    for (const diag::Diagnostic* p : refused) codes.insert(p->code);
    err << "upgradectl run: refusing to run " << parsed.plan_path << ": "
        << refused.size() << " error(s) from the plan's checks (accept them "
        << "with "
        << absl::StrJoin(codes, " ",
                         [](std::string* o, auto& c) {
                           absl::StrAppend(o, "--force ", c);
                         })
        << " only if you know why they do not apply)\n";
    return kExitBadInput;
  }
  if (!json) {  // warnings and notes, as validate prints them
    for (const diag::Diagnostic& p : problems) {
      if (p.severity != diag::Severity::kError) {
        err << diag::FormatDiagnostic(p) << "\n";
      }
    }
  }
  for (const std::string& code : parsed.force) {
    if (used_force.count(code) == 0) {
      err << "upgradectl run: --force " << code
          << ": no error with this code (ignored)\n";
    }
  }
  // Forced errors: compile as the checks allow (graph errors still block).
  options.compile_despite_errors = !used_force.empty();
  absl::StatusOr<plan::ExecutionPlan> compiled =
      plan::CompilePlan(*plan, options);
  if (!compiled.ok()) {
    err << "upgradectl run: " << compiled.status().message() << "\n";
    return kExitBadInput;
  }
  if (parsed.dry_run) return RunDryRun(parsed, *compiled, out, err);

  // The journal: a run in it is continued only when asked.
  if (FileNonEmpty(parsed.journal) && !parsed.resume) {
    absl::StatusOr<exec::JournalContents> contents =
        exec::ReadJournal(parsed.journal);
    if (!contents.ok()) {
      err << "upgradectl run: " << contents.status().message() << "\n";
      return kExitBadInput;
    }
    if (!contents->records.empty()) {
      err << "upgradectl run: " << parsed.journal << " already holds a run"
          << (contents->header.has_value()
                  ? absl::StrCat(" of plan '", contents->header->plan_name(),
                                 "'")
                  : "")
          << " (" << contents->records.size()
          << " records): continue it with --resume, or give another "
             "--journal\n";
      return kExitBadInput;
    }
  }

  exec::CommandRunnerOptions runner_options;
  runner_options.log_dir = parsed.log_dir;
  // Absolute: a command with a workdir of its own still finds them.
  runner_options.plan_path = Absolute(parsed.plan_path);
  runner_options.journal_path = Absolute(parsed.journal);
  runner_options.drain_on_cancel = true;
  exec::CommandRunner commands(*compiled, runner_options);
  std::optional<LiveStatus> live;
  if (!json && !parsed.no_progress && &out == &std::cout &&
      ::isatty(STDOUT_FILENO)) {
    live.emplace(out, TerminalWidth(STDOUT_FILENO));
  }
  Events events(json, out, live ? &*live : nullptr);
  ReportingRunner runner(*compiled, commands, events);

  exec::InDoubtResolver resolver;
  if (parsed.assume == "succeeded") {
    resolver = [&](const exec::Action& a) {
      events.Note(absl::StrCat(a.step_id, " was in doubt: assumed succeeded"));
      return exec::Outcome::Succeeded();
    };
  } else if (parsed.assume == "failed") {
    resolver = [&](const exec::Action& a) {
      events.Note(absl::StrCat(a.step_id, " was in doubt: assumed failed"));
      return exec::Outcome::Failed("in doubt: assumed failed (--assume)");
    };
  } else if (parsed.assume == "rerun") {
    resolver = [&](const exec::Action& a) {
      events.Note(absl::StrCat(a.step_id, " was in doubt: running it again"));
      exec::CancellationToken token;
      return runner.Run(a, token);
    };
  } else if (parsed.resume && ::isatty(0)) {
    resolver = [&](const exec::Action& a) {
      return AskInDoubt(a, commands, err);
    };
  }

  std::unique_ptr<exec::Executor> executor;
  absl::Mutex executor_mu;
  bool stop_requested = false;
  std::atomic<bool> abort_requested{false};
  SignalWatcher signals([&](int count) {
    if (count >= 3) {
      commands.KillAll();
      events.Note("interrupted a third time: exiting now");
      out << std::flush;
      std::_Exit(kExitInterrupted);
    }
    if (count == 2) {
      if (abort_requested.exchange(true)) return;
      events.Note(
          "interrupted twice: killing the running commands, then rolling "
          "back (a third time exits at once)");
      commands.KillAll();
    } else {
      events.Note(
          "interrupted: no new steps; waiting for the running ones (again "
          "to abort and roll back)");
    }
    absl::MutexLock lock(&executor_mu);
    stop_requested = true;
    if (executor) executor->Cancel();
  });

  exec::SystemClock clock;
  // Said before the in-doubt steps are resolved (their notes come next).
  if (parsed.resume && FileNonEmpty(parsed.journal)) {
    events.Note(absl::StrCat("resuming the run in ", parsed.journal));
  }
  absl::StatusOr<exec::PlanRun> run =
      exec::OpenPlanRun(parsed.journal, *compiled, clock.NowMs(), resolver);
  if (!run.ok()) {
    err << "upgradectl run: " << run.status().message() << "\n";
    if (absl::StrContains(run.status().message(), "in doubt") &&
        parsed.assume.empty()) {
      err << "upgradectl run: say what became of them with --assume "
             "succeeded|failed|rerun (rerun runs their command again)\n";
    }
    return kExitBadInput;
  }
  if (!run->resolved.empty()) {
    events.Note(absl::StrCat(run->resolved.size(),
                             " in-doubt step(s) resolved; carrying on"));
  }
  if (run->orchestrator->outcome() == exec::PlanOutcome::kPaused) {
    absl::Status resumed = run->orchestrator->Resume(clock.NowMs());
    if (!resumed.ok()) {
      err << "upgradectl run: " << resumed.message() << "\n";
      return kExitBadInput;
    }
    events.Note("the plan was paused: resumed");
  }

  exec::ExecutorOptions exec_options;
  exec_options.workers = parsed.workers;
  exec_options.clock = &clock;
  exec_options.journal = run->journal.get();
  if (live) {
    exec_options.on_progress = [&](const exec::Progress& p) {
      live->Update(p);
    };
  }
  {
    absl::MutexLock lock(&executor_mu);
    executor = std::make_unique<exec::Executor>(*run->orchestrator, runner,
                                                exec_options);
    if (stop_requested) executor->Cancel();
  }
  absl::StatusOr<exec::PlanOutcome> outcome = executor->Run();
  bool aborted = false;
  if (outcome.ok() && abort_requested.load() && !run->orchestrator->done()) {
    // Ctrl-C twice: the operator gave up on this run. The killed steps'
    // failures may have started a rollback already (the plan's policy);
    // otherwise Abort (recorded in the journal) rolls back what the run
    // touched. A fresh executor runs the rollback.
    absl::Status abort = *outcome == exec::PlanOutcome::kRollingBack
                             ? absl::OkStatus()
                             : run->orchestrator->Abort(clock.NowMs());
    if (!abort.ok()) {
      err << "upgradectl run: " << abort.message() << "\n";
    } else {
      aborted = true;
      events.Note("aborted: rolling back");
      commands.Rearm();
      absl::MutexLock lock(&executor_mu);
      executor = std::make_unique<exec::Executor>(*run->orchestrator, runner,
                                                  exec_options);
    }
    if (aborted) outcome = executor->Run();
  }
  const exec::OrchestratorStatus status = run->orchestrator->Status();
  if (!outcome.ok()) {
    err << "upgradectl run: " << outcome.status().message() << "\n";
    events.PlanFinished("error", false, kExitRunFailed, status, parsed.journal);
    return kExitRunFailed;
  }
  int code = kExitRunFailed;
  bool interrupted = false;
  switch (*outcome) {
    case exec::PlanOutcome::kSucceeded:
      code = kExitOk;
      break;
    case exec::PlanOutcome::kFailed:
    case exec::PlanOutcome::kRolledBack:
    case exec::PlanOutcome::kPaused:
      code = kExitRunFailed;
      break;
    default:  // not done: cancelled
      code = kExitInterrupted;
      interrupted = true;
      break;
  }
  if (aborted) code = kExitInterrupted;
  if (!json && code != kExitOk) {
    for (const exec::ComponentStatus& c : status.components) {
      if (!c.note.empty()) err << "  " << c.id << ": " << c.note << "\n";
    }
  }
  events.PlanFinished(exec::PlanOutcomeName(*outcome), interrupted, code,
                      status, parsed.journal);
  return code;
}

}  // namespace upgrade_core::cli
