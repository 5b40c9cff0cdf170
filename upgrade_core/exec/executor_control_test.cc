// The Executor under control and misuse: Cancel() before and during a run,
// runners that throw or misbehave, progress callbacks (that may cancel or
// throw), journal write failures, pause policies, refusing to start with
// actions in flight, and a nested Run().
#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/executor.h"
#include "upgrade_core/exec/executor_test_util.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/orchestrator_test_util.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::exec {
namespace {

using test_util::Compile;
using test_util::kChain;
using test_util::kWide;
using test_util::Options;
using test_util::RecordingRunner;
using ::testing::HasSubstr;
using ::upgrade_core::testing::IsOkAndHolds;
using ::upgrade_core::testing::StatusIs;

// Cancel(): nothing new is issued, runners in flight see the token, Run()
// returns once they have; a later Run() carries on.
TEST(ExecutorTest, CancelStopsIssuingAndCancelsRunners) {
  std::unique_ptr<plan::ExecutionPlan> plan =
      Compile(absl::StrCat(R"(  - {id: a, retry: {attempts: 2}}
  - {id: b, retry: {attempts: 2}}
  - {id: c, dependsOn: [a, b]}
)"));
  ASSERT_NE(plan, nullptr);
  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  SystemClock clock;
  Executor* executor_ptr = nullptr;
  std::atomic<int> saw_cancel{0};
  std::atomic<int> started{0};
  FunctionRunner runner([&](const Action& a, const CancellationToken& cancel) {
    if (a.step_id == "a/start-new") {
      executor_ptr->Cancel();
      if (!cancel.WaitForCancellation(absl::Seconds(10))) {
        return Outcome::Failed("never cancelled");
      }
      ++saw_cancel;
      return Outcome::Failed(cancel.reason());
    }
    ++started;
    return Outcome::Succeeded();
  });
  Executor executor(**o, runner, Options(&clock, 1));
  executor_ptr = &executor;
  const absl::Time start = absl::Now();
  absl::StatusOr<PlanOutcome> outcome = executor.Run();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_THAT(outcome, IsOkAndHolds(PlanOutcome::kRunning));
  EXPECT_TRUE(executor.cancelled());
  EXPECT_EQ(saw_cancel.load(), 1);
  EXPECT_TRUE((*o)->InFlight().empty());
  const int before = started.load();
  EXPECT_LT(before, plan->proto().steps_size() - 1);

  // A new executor on the same orchestrator finishes the plan (a's
  // cancelled start-new is retried).
  FunctionRunner plain([](const Action&, const CancellationToken&) {
    return Outcome::Succeeded();
  });
  Executor again(**o, plain, Options(&clock, 2));
  EXPECT_THAT(again.Run(), IsOkAndHolds(PlanOutcome::kSucceeded));
}

// A runner that throws fails its action with the exception's message; a
// progress outcome from a runner is a failure too.
TEST(ExecutorTest, ThrowingOrMisbehavingRunnerFailsTheAction) {
  struct Case {
    const char* name;
    std::function<Outcome(const Action&)> verify;
    const char* note;
  };
  const Case cases[] = {
      {"std exception",
       [](const Action&) -> Outcome { throw std::runtime_error("boom"); },
       "runner threw: boom"},
      {"other exception", [](const Action&) -> Outcome { throw 42; },
       "runner threw a non-std::exception"},
      {"progress", [](const Action&) { return Outcome::Progress("1/3"); },
       "the runner returned a progress outcome"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::unique_ptr<plan::ExecutionPlan> plan = Compile(
        "  - {id: a}\n  - {id: b, dependsOn: [a]}\n", "onFailure: continue");
    ASSERT_NE(plan, nullptr);
    auto o = Orchestrator::Create(*plan);
    ASSERT_TRUE(o.ok());
    FakeClock clock;
    FunctionRunner runner([&](const Action& a, const CancellationToken&) {
      if (a.step_id == "a/verify") return c.verify(a);
      return Outcome::Succeeded();
    });
    Executor executor(**o, runner, Options(&clock));
    EXPECT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kFailed));
    const std::string text = (*o)->Status().ToText();
    EXPECT_THAT(text, HasSubstr(c.note));
    EXPECT_THAT(text, HasSubstr("skipped: depends on a"));
  }
}

// Progress after every change: totals fixed, done never decreasing, the
// running steps and the wave, an ETA from the step timeouts and then from
// observed durations.
TEST(ExecutorTest, ProgressCallbacks) {
  std::unique_ptr<plan::ExecutionPlan> plan =
      Compile(kChain, "defaultTimeout: 1m");
  ASSERT_NE(plan, nullptr);
  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  FakeClock clock;
  RecordingRunner runner(&clock);
  runner.advance_ms_ = 1000;
  std::vector<Progress> seen;
  ExecutorOptions options = Options(&clock, 1);
  options.on_progress = [&](const Progress& p) { seen.push_back(p); };
  Executor executor(**o, runner, options);
  ASSERT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kSucceeded));
  ASSERT_FALSE(seen.empty());
  const int64_t total = plan->proto().steps_size();
  int64_t done = 0;
  std::set<int32_t> waves;
  for (const Progress& p : seen) {
    EXPECT_EQ(p.steps_total, total);
    EXPECT_GE(p.steps_done, done);
    done = p.steps_done;
    EXPECT_LE(p.running.size(), 1u);
    if (!p.running.empty()) waves.insert(p.wave);
    if (p.outcome == PlanOutcome::kRunning) {
      EXPECT_TRUE(p.eta_ms.has_value());
    }
  }
  EXPECT_EQ(seen.front().running, std::vector<std::string>{"a/preflight"});
  // The first estimate comes from the 1m timeouts, later ones from the 1s
  // actions.
  ASSERT_TRUE(seen.front().eta_ms.has_value());
  EXPECT_GE(*seen.front().eta_ms, 60000);
  ASSERT_GE(seen.size(), 3u);
  ASSERT_TRUE(seen[seen.size() - 2].eta_ms.has_value());
  EXPECT_LE(*seen[seen.size() - 2].eta_ms, 2000);
  EXPECT_EQ(seen.back().steps_done, total);
  EXPECT_EQ(seen.back().outcome, PlanOutcome::kSucceeded);
  EXPECT_FALSE(seen.back().eta_ms.has_value());
  EXPECT_EQ(waves, (std::set<int32_t>{0, 1, 2}));
}

// The progress callback may cancel the run.
TEST(ExecutorTest, ProgressCallbackMayCancel) {
  std::unique_ptr<plan::ExecutionPlan> plan = Compile(kChain);
  ASSERT_NE(plan, nullptr);
  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  FakeClock clock;
  RecordingRunner runner(&clock);
  Executor* self = nullptr;
  ExecutorOptions options = Options(&clock, 1);
  options.on_progress = [&](const Progress& p) {
    if (p.steps_done >= 3) self->Cancel();
  };
  Executor executor(**o, runner, options);
  self = &executor;
  // The action issued just before the cancel either ran or failed with
  // "not started: cancelled" (then rollback-all starts, and stops too).
  EXPECT_THAT(executor.Run(),
              IsOkAndHolds(::testing::AnyOf(PlanOutcome::kRunning,
                                            PlanOutcome::kRollingBack)));
  EXPECT_LT(runner.ran().size(), 6u);
  EXPECT_TRUE((*o)->InFlight().empty());
}

// A progress callback that throws cancels the run (instead of unwinding
// through Run() past joinable worker threads: std::terminate); Run() returns
// Internal naming the exception once the runners in flight have returned and
// their outcomes are reported. The callback is not called again.
TEST(ExecutorTest, ProgressCallbackThatThrowsCancelsTheRun) {
  struct Case {
    std::string name;
    std::function<void()> raise;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"std::exception", [] { throw std::runtime_error("boom"); },
       "on_progress threw: boom"},
      {"anything else", [] { throw 42; },
       "on_progress threw a non-std::exception"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::unique_ptr<plan::ExecutionPlan> plan = Compile(kWide);
    ASSERT_NE(plan, nullptr);
    auto o = Orchestrator::Create(*plan);
    ASSERT_TRUE(o.ok());
    FakeClock clock;
    RecordingRunner runner(&clock);
    int calls = 0;
    ExecutorOptions options = Options(&clock, 2);
    options.on_progress = [&](const Progress&) {
      ++calls;
      c.raise();
    };
    Executor executor(**o, runner, options);
    EXPECT_THAT(executor.Run(),
                StatusIs(absl::StatusCode::kInternal, HasSubstr(c.message)));
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(executor.cancelled());
    // Their outcomes were reported (a queued action fails "not started").
    EXPECT_TRUE((*o)->InFlight().empty());
  }
}

// A journal write failure stops the run with that error; in-flight actions
// are awaited.
TEST(ExecutorTest, JournalWriteFailureStopsTheRun) {
  std::unique_ptr<plan::ExecutionPlan> plan = Compile(kWide);
  ASSERT_NE(plan, nullptr);
  test_util::MemorySink sink;
  auto o = Orchestrator::Create(*plan, test_util::WithJournal(&sink));
  ASSERT_TRUE(o.ok());
  FakeClock clock;
  RecordingRunner runner(&clock);
  ExecutorOptions options = Options(&clock, 2);
  options.on_progress = [&](const Progress& p) {
    if (p.steps_done >= 4) sink.fail = true;
  };
  Executor executor(**o, runner, options);
  EXPECT_THAT(executor.Run(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk full")));
  EXPECT_FALSE((*o)->done());
}

TEST(ExecutorTest, RefusesToStartWithActionsInFlight) {
  std::unique_ptr<plan::ExecutionPlan> plan = Compile(kChain);
  ASSERT_NE(plan, nullptr);
  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  ASSERT_TRUE((*o)->NextActions(0).ok());
  FakeClock clock;
  RecordingRunner runner(&clock);
  Executor executor(**o, runner, Options(&clock));
  EXPECT_THAT(executor.Run(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("1 action(s) already in flight (the first: "
                                 "a/preflight")));
  EXPECT_TRUE(runner.ran().empty());
}

// A pause policy: Run() returns paused with nothing in flight; Resume() and
// a second Run() finish.
TEST(ExecutorTest, PausedPlanReturnsAndResumes) {
  std::unique_ptr<plan::ExecutionPlan> plan =
      Compile("  - {id: a}\n  - {id: b, dependsOn: [a]}\n", "onFailure: pause");
  ASSERT_NE(plan, nullptr);
  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  FakeClock clock;
  RecordingRunner runner(&clock);
  runner.Fail("b/verify", 1);
  Executor executor(**o, runner, Options(&clock));
  ASSERT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kPaused));
  ASSERT_TRUE((*o)->Resume(clock.NowMs()).ok());
  EXPECT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kSucceeded));
}

// Cancel() before Run(): Run() issues nothing and returns at once; a new
// Executor on the orchestrator runs the plan.
TEST(ExecutorTest, CancelBeforeRun) {
  std::unique_ptr<plan::ExecutionPlan> plan = Compile(kChain);
  ASSERT_NE(plan, nullptr);
  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  FakeClock clock;
  RecordingRunner runner(&clock);
  Executor executor(**o, runner, Options(&clock));
  executor.Cancel();
  EXPECT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kRunning));
  EXPECT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kRunning));
  EXPECT_TRUE(runner.ran().empty());
  Executor again(**o, runner, Options(&clock));
  EXPECT_THAT(again.Run(), IsOkAndHolds(PlanOutcome::kSucceeded));
}

// One Run() at a time: a runner that calls Run() on its own executor gets
// FailedPrecondition (and fails its action with that message).
TEST(ExecutorTest, NestedRunIsRefused) {
  std::unique_ptr<plan::ExecutionPlan> plan =
      Compile("  - {id: a}\n", "onFailure: continue");
  ASSERT_NE(plan, nullptr);
  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  FakeClock clock;
  Executor* self = nullptr;
  FunctionRunner runner([&](const Action& a, const CancellationToken&) {
    if (a.step_id != "a/verify") return Outcome::Succeeded();
    absl::StatusOr<PlanOutcome> nested = self->Run();
    return Outcome::Failed(nested.status().ToString());
  });
  Executor executor(**o, runner, Options(&clock));
  self = &executor;
  EXPECT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kFailed));
  EXPECT_THAT((*o)->Status().ToText(),
              HasSubstr("already running (one Run() at a time)"));
}

}  // namespace
}  // namespace upgrade_core::exec
