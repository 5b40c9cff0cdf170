// The child process of //upgrade_core/exec:crash_test: runs a 20-component
// plan (several waves, retried failures, one component that fails for good
// under `onFailure: continue`) through the Executor with a journal, with a
// runner whose every action appends one effect line to DIR/effects (O_APPEND,
// fsync'd before the runner returns). Killed at any moment (SIGKILL) and
// started again, it resumes from DIR/journal: an in-doubt action whose effect
// line is in the file is reported with the outcome that line records; one
// whose effect is missing never ran its effect, so the resolver runs it now.
// Hence every effect happens exactly once:
//
//   * the effect is durable before the runner returns, and the outcome is
//     journalled only after the runner returns: so an action with a
//     journalled outcome has its effect in the file, and is never re-run
//     (Recover does not hand it out again);
//   * an action without a journalled outcome is in doubt: its effect is in
//     the file (it ran; report what it recorded) or not (it never ran: a
//     SIGKILL ends the process between system calls, so a line is written
//     whole or not at all; the resolver runs it, once, in a process that
//     holds the journal's lock, so no other process runs it concurrently);
//   * every action issued after the recovery is journalled as issued first,
//     and has a fresh id and (step, attempt): its effect line is new.
//
// When the plan is done it writes DIR/final ("<component> <state>" lines)
// and exits 0. Usage: crash_test_child DIR
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "upgrade_core/exec/executor.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/run_journal.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"

namespace {

using namespace upgrade_core::exec;  // NOLINT: a test program
namespace plan = upgrade_core::plan;

constexpr int kComponents = 20;

// c00..c19: c_i depends on c_{i-5} and c_{i-7} (4 waves); every component
// retries twice with a 1ms backoff.
std::string PlanYaml() {
  std::string yaml =
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\n"
      "metadata: {name: crash}\n"
      "policy: {maxParallel: 4, onFailure: continue, defaultTimeout: 10m}\n"
      "components:\n";
  for (int i = 0; i < kComponents; ++i) {
    absl::StrAppend(&yaml, "  - id: c", i / 10, i % 10,
                    "\n    retry: {attempts: 3, backoff: 1ms}\n");
    std::string deps;
    for (int back : {5, 7}) {
      if (i - back >= 0) {
        absl::StrAppend(&deps, deps.empty() ? "" : ", ", "c", (i - back) / 10,
                        (i - back) % 10);
      }
    }
    if (!deps.empty()) absl::StrAppend(&yaml, "    dependsOn: [", deps, "]\n");
  }
  return yaml;
}

// Deterministic per (step, attempt): the first attempt of every third
// component's start-new fails; every seventh component's verify fails twice;
// c12's start-new always fails (its dependents are skipped).
Outcome Decide(const Action& a, const std::string& component) {
  const int i = std::stoi(component.substr(1));
  if (a.kind == upgrade_core::proto::START_NEW) {
    if (i == 12) return Outcome::Failed("image pull backoff (always)");
    if (i % 3 == 0 && a.attempt == 1) return Outcome::Failed("flaky apply");
  }
  if (a.kind == upgrade_core::proto::VERIFY && i % 7 == 0 && a.attempt <= 2) {
    return Outcome::Failed("verify flaked");
  }
  return Outcome::Succeeded();
}

class EffectsFile {
 public:
  explicit EffectsFile(const std::string& path) : path_(path) {
    // What earlier processes did: action id -> its line.
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      const size_t at = line.find(" id=");
      if (at == std::string::npos) continue;
      uint64_t id = std::stoull(line.substr(at + 4));
      recorded_[id] = line;
    }
    fd_ = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      std::cerr << "crash_test_child: open " << path << ": "
                << std::strerror(errno) << "\n";
      std::exit(2);
    }
  }
  ~EffectsFile() { close(fd_); }

  // Performs `a` (the effect: one line, durable before returning).
  Outcome Perform(const Action& a, const std::string& component) {
    const Outcome outcome = Decide(a, component);
    const std::string line = absl::StrCat(
        a.rollback ? "rollback " : "", a.step_id, " attempt ", a.attempt, " ",
        outcome.kind == OutcomeKind::kSucceeded ? "ok" : "failed", " id=", a.id,
        "\n");
    // One write() per line: whole or not at all under SIGKILL.
    if (write(fd_, line.data(), line.size()) !=
            static_cast<ssize_t>(line.size()) ||
        fsync(fd_) != 0) {
      std::cerr << "crash_test_child: write " << path_ << ": "
                << std::strerror(errno) << "\n";
      std::exit(2);
    }
    return outcome;
  }

  // Whether an earlier process performed action `id`.
  bool Ran(uint64_t id) const { return recorded_.count(id) > 0; }

 private:
  const std::string path_;
  int fd_ = -1;
  std::map<uint64_t, std::string> recorded_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: crash_test_child DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  absl::StatusOr<plan::Plan> loaded = plan::Plan::FromYaml(PlanYaml(), {});
  if (!loaded.ok()) {
    std::cerr << loaded.status() << "\n";
    return 2;
  }
  plan::PlannerOptions planner;
  planner.check_config = false;
  absl::StatusOr<plan::ExecutionPlan> compiled =
      plan::CompilePlan(*loaded, planner);
  if (!compiled.ok()) {
    std::cerr << compiled.status() << "\n";
    return 2;
  }
  const plan::ExecutionPlan& p = *compiled;
  auto component = [&](const Action& a) {
    return p.proto().components(a.component);
  };

  EffectsFile effects(dir + "/effects");
  SystemClock clock;
  int found = 0;
  int performed = 0;
  // The resolver: report what an earlier process recorded, or perform the
  // action now (its effect never happened).
  auto resolve = [&](const Action& a) -> Outcome {
    if (effects.Ran(a.id)) {
      ++found;
      return Decide(a, component(a));  // what that run recorded
    }
    ++performed;
    return effects.Perform(a, component(a));
  };
  OrchestratorOptions options;
  options.seed = 7;
  absl::StatusOr<PlanRun> run =
      OpenPlanRun(dir + "/journal", p, clock.NowMs(), resolve, options);
  if (!run.ok()) {
    std::cerr << "crash_test_child: " << run.status() << "\n";
    return 2;
  }
  if (run->resumed) {
    std::ofstream log(dir + "/resumes", std::ios::app);
    log << "in_doubt " << run->resolved.size() << " found " << found
        << " performed " << performed << "\n";
  }
  FunctionRunner runner([&](const Action& a, const CancellationToken&) {
    return effects.Perform(a, component(a));
  });
  ExecutorOptions executor_options;
  executor_options.clock = &clock;
  executor_options.journal = run->journal.get();
  Executor executor(*run->orchestrator, runner, executor_options);
  absl::StatusOr<PlanOutcome> outcome = executor.Run();
  if (!outcome.ok()) {
    std::cerr << "crash_test_child: " << outcome.status() << "\n";
    return 2;
  }
  std::ostringstream final_states;
  final_states << "plan " << PlanOutcomeName(*outcome) << "\n";
  for (const ComponentStatus& c : run->orchestrator->Status().components) {
    final_states << c.id << " " << c.state << "\n";
  }
  const std::string tmp = dir + "/final.tmp";
  {
    std::ofstream out(tmp);
    out << final_states.str();
  }
  if (std::rename(tmp.c_str(), (dir + "/final").c_str()) != 0) return 2;
  return 0;
}
