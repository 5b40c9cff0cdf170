#include "upgrade_core/exec/command_runner.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"

namespace upgrade_core::exec {
namespace {

using ::testing::HasSubstr;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool Exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

// Gone: no such process, or a zombie nobody reaped yet (it runs nothing).
bool ProcessGone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  const std::string stat = Read(absl::StrCat("/proc/", pid, "/stat"));
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         stat[paren + 2] == 'Z';
}

class CommandRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/command_runner_test.XXXXXX";
    const char* tmp = getenv("TEST_TMPDIR");
    std::string base = tmp != nullptr ? absl::StrCat(tmp, "/crt.XXXXXX") : tmpl;
    ASSERT_NE(::mkdtemp(base.data()), nullptr);
    dir_ = base;
  }

  // Compiles a one-component plan whose component section is `yaml`.
  void Load(const std::string& component_yaml) {
    const std::string yaml = absl::StrCat(
        "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: t}\n"
        "components:\n  - id: web\n    version: {from: 1.0.0, to: 2.0.0}\n",
        component_yaml);
    plan::LoadOptions load;
    load.base_dir = dir_;
    absl::StatusOr<plan::Plan> p = plan::Plan::FromYaml(yaml, load);
    ASSERT_TRUE(p.ok()) << p.status();
    absl::StatusOr<plan::ExecutionPlan> compiled = plan::CompilePlan(*p);
    ASSERT_TRUE(compiled.ok()) << compiled.status();
    plan_.emplace(*std::move(compiled));
  }

  CommandRunnerOptions Options() {
    CommandRunnerOptions o;
    o.log_dir = dir_ + "/logs";
    o.plan_path = "/plans/p.yaml";
    o.journal_path = "/plans/p.journal";
    o.poll_interval_ms = 20;
    o.retry_pause_ms = 10;
    o.kill_grace_ms = 300;
    return o;
  }

  Action Step(proto::StepKind kind, int64_t deadline_ms = 0) {
    Action a;
    a.id = 1;
    a.kind = kind;
    a.component = 0;
    a.attempt = 1;
    a.step_id = absl::StrCat("web/", plan::StepKindName(kind));
    a.rollback = kind == proto::ROLLBACK;
    a.deadline_ms = deadline_ms;
    return a;
  }

  std::string dir_;
  std::optional<plan::ExecutionPlan> plan_;
};

TEST_F(CommandRunnerTest, SucceedsAndPassesTheEnvironment) {
  Load(
      absl::StrCat("    commands:\n      apply:\n        run: env | grep -E "
                   "'^(UPGRADE_|MY_)' | sort > ",
                   dir_, "/env.txt; pwd > ", dir_,
                   "/pwd.txt; echo started\n        env: {MY_VAR: hello}\n"
                   "        workdir: logs\n"));
  CommandRunner runner(*plan_, Options());
  CancellationToken token;
  ASSERT_EQ(::mkdir((dir_ + "/logs").c_str(), 0755), 0);
  const Outcome out = runner.Run(Step(proto::START_NEW), token);
  EXPECT_EQ(out.kind, OutcomeKind::kSucceeded) << out.reason;
  const std::string env = Read(dir_ + "/env.txt");
  for (const char* line :
       {"MY_VAR=hello", "UPGRADE_ATTEMPT=1", "UPGRADE_COMPONENT=web",
        "UPGRADE_FROM_VERSION=1.0.0", "UPGRADE_JOURNAL=/plans/p.journal",
        "UPGRADE_PLAN=/plans/p.yaml", "UPGRADE_ROLLBACK=0",
        "UPGRADE_STEP=start-new", "UPGRADE_TO_VERSION=2.0.0"}) {
    EXPECT_THAT(env, HasSubstr(line));
  }
  EXPECT_EQ(absl::StripSuffix(Read(dir_ + "/pwd.txt"), "\n"), dir_ + "/logs");
  const std::string log = Read(dir_ + "/logs/web_start-new.attempt-1.log");
  EXPECT_THAT(log, HasSubstr("started\n"));
  EXPECT_THAT(log, HasSubstr("apply: succeeded"));
  EXPECT_EQ(runner.LogPath(Step(proto::START_NEW)),
            dir_ + "/logs/web_start-new.attempt-1.log");
}

TEST_F(CommandRunnerTest, AStepWithoutACommandSucceedsAtOnce) {
  Load("    commands:\n      apply: {run: 'true'}\n");
  CommandRunner runner(*plan_, Options());
  CancellationToken token;
  const Outcome out = runner.Run(Step(proto::PREFLIGHT), token);
  EXPECT_EQ(out.kind, OutcomeKind::kSucceeded);
  EXPECT_THAT(Read(dir_ + "/logs/web_preflight.attempt-1.log"),
              HasSubstr("no command for this step: nothing to do"));
}

TEST_F(CommandRunnerTest, FailureNamesTheExitCodeAndTheLastLines) {
  Load(
      "    commands:\n      apply: {run: 'echo one; echo two >&2; echo "
      "three; exit 3'}\n");
  CommandRunner runner(*plan_, Options());
  CancellationToken token;
  const Outcome out = runner.Run(Step(proto::START_NEW), token);
  ASSERT_EQ(out.kind, OutcomeKind::kFailed);
  EXPECT_THAT(out.reason, HasSubstr("apply command failed: exit code 3"));
  EXPECT_THAT(out.reason, HasSubstr("web_start-new.attempt-1.log"));
  EXPECT_THAT(out.reason, HasSubstr("one | two | three"));
}

TEST_F(CommandRunnerTest, RetriesReRunAFailedCommand) {
  Load(absl::StrCat("    commands:\n      apply: {retries: 2, run: 'echo x >> ",
                    dir_, "/count; test $(wc -l < ", dir_,
                    "/count) -ge 3'}\n"));
  CommandRunner runner(*plan_, Options());
  CancellationToken token;
  EXPECT_EQ(runner.Run(Step(proto::START_NEW), token).kind,
            OutcomeKind::kSucceeded);
  EXPECT_EQ(Read(dir_ + "/count"), "x\nx\nx\n");
}

TEST_F(CommandRunnerTest, AwaitIsPolledUntilItSucceeds) {
  Load(absl::StrCat("    commands:\n      await: {run: 'echo x >> ", dir_,
                    "/polls; test $(wc -l < ", dir_, "/polls) -ge 4'}\n"));
  CommandRunner runner(*plan_, Options());
  CancellationToken token;
  const int64_t now = absl::ToUnixMillis(absl::Now());
  EXPECT_EQ(runner.Run(Step(proto::AWAIT_READY, now + 10000), token).kind,
            OutcomeKind::kSucceeded);
  EXPECT_EQ(Read(dir_ + "/polls"), "x\nx\nx\nx\n");
}

TEST_F(CommandRunnerTest, AwaitGivesUpAtTheStepsDeadline) {
  Load("    commands:\n      await: {run: 'echo not yet; exit 1'}\n");
  CommandRunner runner(*plan_, Options());
  CancellationToken token;
  const int64_t now = absl::ToUnixMillis(absl::Now());
  // Polls every 20 ms (Options()) until the deadline; whether the last poll
  // ends by itself or is cut short by the deadline (a slow fork under a
  // sanitizer), the failure names the last answer.
  const Outcome out = runner.Run(Step(proto::AWAIT_READY, now + 1500), token);
  ASSERT_EQ(out.kind, OutcomeKind::kFailed);
  EXPECT_THAT(out.reason, HasSubstr("exit code 1"));
  EXPECT_THAT(out.reason, HasSubstr("not yet"));
  EXPECT_LT(absl::ToUnixMillis(absl::Now()) - now, 10000);
}

TEST_F(CommandRunnerTest, AwaitCutShortByTheDeadlineNamesTheLastAnswer) {
  // The first poll answers "not ready" at once; the second hangs until the
  // step's deadline stops it.
  Load(absl::StrCat("    commands:\n      await: {run: 'if [ -e ", dir_,
                    "/polled ]; then sleep 30; fi; touch ", dir_,
                    "/polled; echo not yet; exit 3'}\n"));
  CommandRunner runner(*plan_, Options());
  CancellationToken token;
  const int64_t now = absl::ToUnixMillis(absl::Now());
  const Outcome out = runner.Run(Step(proto::AWAIT_READY, now + 1500), token);
  ASSERT_EQ(out.kind, OutcomeKind::kFailed);
  EXPECT_THAT(out.reason, HasSubstr("(2 tries); the last: exit code 3; the "
                                    "try after it was stopped at the step's "
                                    "deadline (timed out after"));
  EXPECT_LT(absl::ToUnixMillis(absl::Now()) - now, 10000);
}

TEST_F(CommandRunnerTest, VerifyRunsEveryCheckInOrder) {
  Load(absl::StrCat("    verify:\n      - {name: a, run: 'echo a >> ", dir_,
                    "/checks'}\n      - {name: b}\n      - {name: c, run: "
                    "'echo c >> ",
                    dir_, "/checks; exit 4'}\n"));
  CommandRunner runner(*plan_, Options());
  CancellationToken token;
  const Outcome out = runner.Run(Step(proto::VERIFY), token);
  ASSERT_EQ(out.kind, OutcomeKind::kFailed);
  EXPECT_THAT(out.reason, HasSubstr("verify c command failed: exit code 4"));
  EXPECT_EQ(Read(dir_ + "/checks"), "a\nc\n");
}

// The timeout kills the whole process group: the shell and a child that
// ignores SIGTERM (SIGKILL after the grace period).
TEST_F(CommandRunnerTest, TimeoutKillsTheWholeGroup) {
  Load(absl::StrCat(
      "    commands:\n      apply:\n        timeout: 300ms\n        run: |\n"
      "          sh -c 'trap \"\" TERM; echo $$ > ",
      dir_,
      "/child.pid; while :; do sleep 0.05; done' &\n"
      "          sleep 30\n"));
  CommandRunner runner(*plan_, Options());
  CancellationToken token;
  const absl::Time start = absl::Now();
  const Outcome out = runner.Run(Step(proto::START_NEW), token);
  const absl::Duration took = absl::Now() - start;
  ASSERT_EQ(out.kind, OutcomeKind::kFailed);
  EXPECT_THAT(out.reason, HasSubstr("timed out after"));
  EXPECT_THAT(out.reason, HasSubstr("killed (SIGTERM, then SIGKILL)"));
  EXPECT_LT(took, absl::Seconds(3));
  int child = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      absl::StripSuffix(Read(dir_ + "/child.pid"), "\n"), &child));
  EXPECT_TRUE(ProcessGone(child)) << child;
}

TEST_F(CommandRunnerTest, TheStepsDeadlineBoundsTheCommand) {
  Load("    commands:\n      apply: {run: 'sleep 30'}\n");
  CommandRunner runner(*plan_, Options());
  CancellationToken token;
  const int64_t now = absl::ToUnixMillis(absl::Now());
  const Outcome out = runner.Run(Step(proto::START_NEW, now + 200), token);
  ASSERT_EQ(out.kind, OutcomeKind::kFailed);
  EXPECT_THAT(out.reason, HasSubstr("timed out"));
  EXPECT_THAT(out.reason, HasSubstr("terminated (SIGTERM)"));
  EXPECT_LT(absl::ToUnixMillis(absl::Now()) - now, 2000);
}

// At the step's deadline the orchestrator moves on (retry, rollback): the
// command, even one that ignores SIGTERM, is gone by then. It is stopped
// early by its kill grace, at most a quarter of the step's time.
TEST_F(CommandRunnerTest, ACommandIsGoneByTheStepsDeadline) {
  struct Case {
    const char* name;
    const char* kind_yaml;  // the command key
    proto::StepKind kind;
    const char* want;
  };
  const Case cases[] = {
      {"apply ignoring SIGTERM", "apply", proto::START_NEW,
       "killed (SIGTERM, then SIGKILL)"},
      {"await ignoring SIGTERM", "await", proto::AWAIT_READY,
       "not ready after"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Load(absl::StrCat("    commands:\n      ", c.kind_yaml,
                      ": {run: 'trap \"\" TERM; echo $$ > ", dir_,
                      "/pid; sleep 30'}\n"));
    CommandRunnerOptions options = Options();
    options.kill_grace_ms = 5000;
    CommandRunner runner(*plan_, options);
    CancellationToken token;
    const int64_t now = absl::ToUnixMillis(absl::Now());
    Action action = Step(c.kind, now + 1200);
    action.issued_at_ms = now;
    const Outcome out = runner.Run(action, token);
    const int64_t returned = absl::ToUnixMillis(absl::Now());
    ASSERT_EQ(out.kind, OutcomeKind::kFailed);
    EXPECT_THAT(out.reason, HasSubstr(c.want));
    // SIGKILL at the deadline at the latest; a little slack for reaping.
    EXPECT_LT(returned, now + 1200 + 400) << out.reason;
    EXPECT_GE(returned, now + 1200 - 300 - 50) << out.reason;
    int pid = 0;
    ASSERT_TRUE(
        absl::SimpleAtoi(absl::StripSuffix(Read(dir_ + "/pid"), "\n"), &pid));
    EXPECT_TRUE(ProcessGone(pid)) << pid;
  }
}

TEST_F(CommandRunnerTest, CancellationKillsTheCommand) {
  Load(absl::StrCat("    commands:\n      apply: {run: 'echo $$ > ", dir_,
                    "/sh.pid; sleep 30'}\n"));
  CommandRunner runner(*plan_, Options());
  CancellationToken token;
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(200));
    token.Cancel("cancelled");
  });
  const Outcome out = runner.Run(Step(proto::START_NEW), token);
  canceller.join();
  ASSERT_EQ(out.kind, OutcomeKind::kFailed);
  EXPECT_THAT(out.reason, HasSubstr("cancelled"));
  int sh = 0;
  ASSERT_TRUE(
      absl::SimpleAtoi(absl::StripSuffix(Read(dir_ + "/sh.pid"), "\n"), &sh));
  EXPECT_TRUE(ProcessGone(sh));
}

TEST_F(CommandRunnerTest, DrainLetsACancelledCommandFinishUntilKillAll) {
  Load(absl::StrCat("    commands:\n      apply: {run: 'sleep 0.3; touch ",
                    dir_, "/done'}\n      terminate: {run: 'sleep 30'}\n"));
  CommandRunnerOptions options = Options();
  options.drain_on_cancel = true;
  CommandRunner runner(*plan_, options);
  CancellationToken token;
  token.Cancel("cancelled");
  EXPECT_EQ(runner.Run(Step(proto::START_NEW), token).kind,
            OutcomeKind::kSucceeded);
  EXPECT_TRUE(Exists(dir_ + "/done"));

  std::thread killer([&] {
    absl::SleepFor(absl::Milliseconds(200));
    runner.KillAll();
  });
  const Outcome out = runner.Run(Step(proto::TERMINATE_OLD), token);
  killer.join();
  ASSERT_EQ(out.kind, OutcomeKind::kFailed);
  EXPECT_THAT(out.reason, HasSubstr("killed (the run was stopped)"));
}

TEST_F(CommandRunnerTest, ABadWorkdirFailsWithA127) {
  Load("    commands:\n      apply: {run: 'true', workdir: no/such/dir}\n");
  CommandRunner runner(*plan_, Options());
  CancellationToken token;
  const Outcome out = runner.Run(Step(proto::START_NEW), token);
  ASSERT_EQ(out.kind, OutcomeKind::kFailed);
  EXPECT_THAT(out.reason, HasSubstr("exit code 127"));
  EXPECT_THAT(out.reason, HasSubstr("cannot change to the working directory"));
}

}  // namespace
}  // namespace upgrade_core::exec
