// The Executor with a journal: a run interrupted with actions in flight
// resumes from its journal (OpenPlanRun, a resolver for in-doubt actions),
// and ResolveInDoubt with bad resolvers and stale readiness.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/executor.h"
#include "upgrade_core/exec/executor_test_util.h"
#include "upgrade_core/exec/journal.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/orchestrator_test_util.h"
#include "upgrade_core/exec/run_journal.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::exec {
namespace {

using test_util::Compile;
using test_util::kChain;
using test_util::kDiamond;
using test_util::Options;
using test_util::RecordingRunner;
using ::testing::HasSubstr;
using ::upgrade_core::testing::IsOkAndHolds;
using ::upgrade_core::testing::StatusIs;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

// A run interrupted with actions in flight (the process "died": the
// orchestrator is dropped without their outcomes) resumes from its journal:
// OpenPlanRun recovers, the resolver is asked about each in-doubt action,
// and the Executor finishes the plan. Without a resolver, in-doubt actions
// are refused.
TEST(ExecutorTest, JournalAndResume) {
  std::unique_ptr<plan::ExecutionPlan> plan = Compile(kDiamond);
  ASSERT_NE(plan, nullptr);
  const std::string path = TempPath("resume.journal");
  std::remove(path.c_str());
  std::remove((path + ".lock").c_str());
  FakeClock clock(5000);
  std::vector<Action> issued;
  {
    auto run = OpenPlanRun(path, *plan, clock.NowMs(), nullptr);
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_FALSE(run->resumed);
    EXPECT_EQ(run->journal->header().plan_hash(), PlanHash(*plan));
    EXPECT_EQ(run->journal->header().plan_name(), "t");
    // Run base to completion (its verify cancels the run), then issue left's
    // and right's preflights and "crash".
    Executor* self = nullptr;
    FunctionRunner runner([&](const Action& a, const CancellationToken&) {
      if (a.step_id == "base/verify") self->Cancel();
      return Outcome::Succeeded();
    });
    Executor executor(*run->orchestrator, runner, Options(&clock, 1));
    self = &executor;
    ASSERT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kRunning));
    clock.Advance(10);
    auto actions = run->orchestrator->NextActions(clock.NowMs());
    ASSERT_TRUE(actions.ok());
    issued = *actions;
    ASSERT_EQ(test_util::StepIds(issued),
              (std::vector<std::string>{"left/preflight", "right/preflight"}));
  }
  clock.Advance(10);
  EXPECT_THAT(OpenPlanRun(path, *plan, clock.NowMs(), nullptr).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("2 action(s) in doubt (the first: "
                                 "left/preflight attempt 1")));

  std::vector<std::string> asked;
  auto run = OpenPlanRun(path, *plan, clock.NowMs(), [&](const Action& a) {
    asked.push_back(a.step_id);
    return Outcome::Succeeded();
  });
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_TRUE(run->resumed);
  EXPECT_EQ(asked, test_util::StepIds(issued));
  EXPECT_EQ(run->resolved, issued);
  RecordingRunner runner(&clock);
  ExecutorOptions options = Options(&clock);
  options.journal = run->journal.get();
  Executor executor(*run->orchestrator, runner, options);
  ASSERT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kSucceeded));
  // The preflights the resolver vouched for are not run again.
  for (const std::string& id : runner.step_ids()) {
    EXPECT_NE(id, "left/preflight");
    EXPECT_NE(id, "right/preflight");
    EXPECT_EQ(id.rfind("base/", 0), std::string::npos) << id;
  }
  const std::string final_status = run->orchestrator->Status().ToText();
  run = absl::InternalError("closed");  // releases the journal's lock

  // The journal alone rebuilds the finished run.
  auto contents = ReadJournal(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  auto recovered = Orchestrator::Recover(*plan, contents->records);
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_TRUE(recovered->in_doubt.empty());
  EXPECT_EQ(recovered->orchestrator->outcome(), PlanOutcome::kSucceeded);
  EXPECT_EQ(recovered->orchestrator->Status().ToText(), final_status);
}

// A resolver that throws or answers "progress".
TEST(ExecutorTest, ResolveInDoubtBadResolvers) {
  std::unique_ptr<plan::ExecutionPlan> plan = Compile(kChain);
  ASSERT_NE(plan, nullptr);
  {
    auto o = Orchestrator::Create(*plan);
    ASSERT_TRUE(o.ok());
    auto actions = (*o)->NextActions(0);
    ASSERT_TRUE(actions.ok());
    EXPECT_THAT(ResolveInDoubt(
                    **o, *actions,
                    [](const Action&) { return Outcome::Progress("x"); }, 1),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("progress outcome for in-doubt action 1 "
                                   "(a/preflight)")));
  }
  {
    auto o = Orchestrator::Create(*plan);
    ASSERT_TRUE(o.ok());
    auto actions = (*o)->NextActions(0);
    ASSERT_TRUE(actions.ok());
    EXPECT_TRUE(ResolveInDoubt(
                    **o, *actions,
                    [](const Action&) -> Outcome {
                      throw std::runtime_error("no cluster");
                    },
                    1)
                    .ok());
    EXPECT_THAT((*o)->Status().ToText(),
                HasSubstr("resolver threw: no cluster"));
  }
}

// A resolver's stale await-ready success leaves no action in flight (it
// would, and Executor::Run would then refuse to start): the attempt failed.
TEST(ExecutorTest, ResolveInDoubtStaleReadinessFailsTheAttempt) {
  std::unique_ptr<plan::ExecutionPlan> plan =
      Compile("  - {id: a, retry: {attempts: 2, backoff: 1s}}\n");
  ASSERT_NE(plan, nullptr);
  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  int64_t now = 0;
  std::vector<Action> await;
  for (int i = 0; i < 10 && await.empty(); ++i) {
    auto actions = (*o)->NextActions(++now);
    ASSERT_TRUE(actions.ok());
    for (const Action& a : *actions) {
      if (a.kind == proto::AWAIT_READY) {
        await.push_back(a);
      } else {
        ASSERT_TRUE(
            (*o)->Report(a.id,
                         Outcome::Succeeded(a.kind == proto::START_NEW ? 5 : 0),
                         ++now)
                .ok());
      }
    }
  }
  ASSERT_EQ(await.size(), 1u);
  ASSERT_TRUE(ResolveInDoubt(
                  **o, await,
                  [](const Action&) { return Outcome::Succeeded(3); }, ++now)
                  .ok());
  EXPECT_TRUE((*o)->InFlight().empty());
  EXPECT_THAT((*o)->Status().ToText(),
              HasSubstr("a/await-ready attempt 1 of 2 failed: stale "
                        "readiness: observed 3"));
  // And the retry is issued after its backoff.
  auto retry = (*o)->NextActions(now + 1000);
  ASSERT_TRUE(retry.ok());
  ASSERT_EQ(retry->size(), 1u);
  EXPECT_EQ((*retry)[0].attempt, 2);
}

}  // namespace
}  // namespace upgrade_core::exec
