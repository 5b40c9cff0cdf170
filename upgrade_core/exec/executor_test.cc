// The Executor runs an Orchestrator's actions on a worker pool: order and
// parallelism, retries and backoff on its clock, deadlines and stale
// readiness; and its clocks and cancellation token. Cancellation, progress,
// misbehaving runners and refusals are in executor_control_test.cc; journals
// and resuming in executor_resume_test.cc.
#include "upgrade_core/exec/executor.h"

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/executor_test_util.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/orchestrator_test_util.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::exec {
namespace {

using test_util::Compile;
using test_util::kChain;
using test_util::kDiamond;
using test_util::kWide;
using test_util::Options;
using test_util::RecordingRunner;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::upgrade_core::testing::IsOkAndHolds;

// Every step runs once, after the steps it depends on, and the plan
// succeeds, whatever the worker count.
TEST(ExecutorTest, RunsEveryStepAfterItsDependencies) {
  struct Case {
    const char* name;
    const char* components;
    int workers;
  };
  const Case cases[] = {
      {"chain, 1 worker", kChain, 1},     {"chain, 4 workers", kChain, 4},
      {"diamond, 1 worker", kDiamond, 1}, {"diamond, 3 workers", kDiamond, 3},
      {"wide, 2 workers", kWide, 2},      {"wide, 8 workers", kWide, 8},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::unique_ptr<plan::ExecutionPlan> plan = Compile(c.components);
    ASSERT_NE(plan, nullptr);
    auto o = Orchestrator::Create(*plan);
    ASSERT_TRUE(o.ok()) << o.status();
    FakeClock clock;
    RecordingRunner runner(&clock);
    Executor executor(**o, runner, Options(&clock, c.workers));
    EXPECT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kSucceeded));

    const std::vector<std::string> ran = runner.step_ids();
    ASSERT_EQ(ran.size(), plan->proto().steps_size());
    std::map<std::string, size_t> position;
    for (size_t i = 0; i < ran.size(); ++i) position[ran[i]] = i;
    for (const proto::Step& step : plan->proto().steps()) {
      const std::string id = plan->StepId(step);
      ASSERT_EQ(position.count(id), 1u) << id;
      for (int d : step.depends_on()) {
        EXPECT_LT(position[plan->StepId(plan->proto().steps(d))], position[id])
            << id << " ran before its dependency";
      }
    }
    EXPECT_LE(runner.max_running_.load(), c.workers);
  }
}

// One worker and instant actions: the order is the orchestrator's own.
TEST(ExecutorTest, OneWorkerRunsInTheOrchestratorsOrder) {
  std::unique_ptr<plan::ExecutionPlan> plan = Compile(kChain);
  ASSERT_NE(plan, nullptr);
  auto reference = Orchestrator::Create(*plan);
  ASSERT_TRUE(reference.ok());
  test_util::Driver driver(reference->get());
  driver.Run();

  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  FakeClock clock;
  RecordingRunner runner(&clock);
  Executor executor(**o, runner, Options(&clock, 1));
  ASSERT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kSucceeded));
  EXPECT_EQ(runner.step_ids(), driver.issued);
}

// Never more runners at once than workers, and the pool is used in full.
TEST(ExecutorTest, ParallelismIsBoundedByWorkers) {
  for (int workers : {1, 2, 3, 5}) {
    SCOPED_TRACE(absl::StrCat(workers, " workers"));
    std::unique_ptr<plan::ExecutionPlan> plan = Compile(kWide);
    ASSERT_NE(plan, nullptr);
    auto o = Orchestrator::Create(*plan);
    ASSERT_TRUE(o.ok());
    SystemClock clock;
    RecordingRunner runner(&clock);
    runner.hold_ = absl::Milliseconds(2);
    Executor executor(**o, runner, Options(&clock, workers));
    ASSERT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kSucceeded));
    EXPECT_LE(runner.max_running_.load(), workers);
    EXPECT_EQ(runner.max_running_.load(), workers);
  }
}

// The plan's maxParallel bounds components in flight below the pool size.
TEST(ExecutorTest, MaxParallelBelowWorkers) {
  std::unique_ptr<plan::ExecutionPlan> plan = Compile(kWide, "maxParallel: 2");
  ASSERT_NE(plan, nullptr);
  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  SystemClock clock;
  RecordingRunner runner(&clock);
  runner.hold_ = absl::Milliseconds(2);
  Executor executor(**o, runner, Options(&clock, 8));
  ASSERT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kSucceeded));
  EXPECT_EQ(runner.max_running_.load(), 2);
}

// A retry runs after its backoff (1s, then 2s, with equal jitter: half of
// it fixed) on the executor's clock; a fake clock jumps there at once.
TEST(ExecutorTest, RetriesWaitForTheirBackoff) {
  std::unique_ptr<plan::ExecutionPlan> plan =
      Compile("  - {id: a, retry: {attempts: 3, backoff: 1s}}\n");
  ASSERT_NE(plan, nullptr);
  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  FakeClock clock(1000);
  RecordingRunner runner(&clock);
  runner.Fail("a/start-new", 2);
  Executor executor(**o, runner, Options(&clock));
  ASSERT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kSucceeded));
  std::vector<int64_t> start_new;
  for (const auto& r : runner.ran()) {
    if (r.step_id == "a/start-new") start_new.push_back(r.at_ms);
  }
  ASSERT_EQ(start_new.size(), 3u);
  EXPECT_GE(start_new[1] - start_new[0], 500);
  EXPECT_LE(start_new[1] - start_new[0], 1000);
  EXPECT_GE(start_new[2] - start_new[1], 1000);
  EXPECT_LE(start_new[2] - start_new[1], 2000);
  EXPECT_THAT(runner.step_ids(),
              ElementsAre("a/preflight", "a/terminate-old", "a/start-new",
                          "a/start-new#2", "a/start-new#3", "a/await-ready",
                          "a/verify"));
}

// With the system clock, the executor really sleeps through the backoff.
TEST(ExecutorTest, SystemClockSleepsThroughTheBackoff) {
  std::unique_ptr<plan::ExecutionPlan> plan =
      Compile("  - {id: a, retry: {attempts: 2, backoff: 40ms}}\n");
  ASSERT_NE(plan, nullptr);
  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  SystemClock clock;
  RecordingRunner runner(&clock);
  runner.Fail("a/verify", 1);
  Executor executor(**o, runner, Options(&clock));
  ASSERT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kSucceeded));
  std::vector<int64_t> verify;
  for (const auto& r : runner.ran()) {
    if (r.step_id == "a/verify") verify.push_back(r.at_ms);
  }
  ASSERT_EQ(verify.size(), 2u);
  EXPECT_GE(verify[1] - verify[0], 20);
}

// An action that outlives its deadline is timed out by the orchestrator and
// retried; its late outcome is not an error of the run.
TEST(ExecutorTest, LateOutcomeFindsTheActionTimedOut) {
  std::unique_ptr<plan::ExecutionPlan> plan = Compile(
      "  - {id: a, retry: {attempts: 2, backoff: 1s}, readiness: {timeout: "
      "10s}}\n");
  ASSERT_NE(plan, nullptr);
  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  FakeClock clock;
  struct SlowOnce : ActionRunner {
    FakeClock* clock;
    std::atomic<int> awaits{0};
    Outcome Run(const Action& a, const CancellationToken&) override {
      if (a.step_id == "a/await-ready" && awaits++ == 0) {
        clock->Advance(11000);  // past its 10s deadline
      }
      return Outcome::Succeeded();
    }
  } runner;
  runner.clock = &clock;
  Executor executor(**o, runner, Options(&clock));
  ASSERT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kSucceeded));
  EXPECT_EQ(runner.awaits.load(), 2);
  EXPECT_THAT((*o)->Status().ToText(), HasSubstr("timed out after 10s"));
}

// A runner that outlives its action's deadline (stopping a command takes
// its kill grace) still holds the component: the orchestrator's retry of it
// waits until that runner has returned, so two commands of one component
// never run at once (examples/local-ports found a rollback starting while
// the timed-out command was still being killed).
TEST(ExecutorTest, ComponentsNextActionWaitsForItsTimedOutRunner) {
  std::unique_ptr<plan::ExecutionPlan> plan = Compile(
      "  - {id: a, retry: {attempts: 2, backoff: 1ms}, readiness: {timeout: "
      "1s}}\n");
  ASSERT_NE(plan, nullptr);
  auto o = Orchestrator::Create(*plan);
  ASSERT_TRUE(o.ok());
  SystemClock clock;
  struct Runner : ActionRunner {
    absl::Mutex mu;
    std::vector<std::pair<std::string, int64_t>> log;  // "start|end <step>"
    std::atomic<int> awaits{0};
    SystemClock* clock;
    void Note(std::string what) {
      absl::MutexLock lock(&mu);
      log.emplace_back(std::move(what), clock->NowMs());
    }
    Outcome Run(const Action& a, const CancellationToken&) override {
      Note(absl::StrCat("start ", a.step_id));
      if (a.step_id == "a/await-ready" && awaits++ == 0) {
        // Ignores its deadline (and the cancellation) for 200ms more. The
        // retry, held until it returns, still has 800ms of its 1s.
        absl::SleepFor(absl::Milliseconds(1200));
      }
      Note(absl::StrCat("end ", a.step_id));
      return Outcome::Succeeded();
    }
  } runner;
  runner.clock = &clock;
  Executor executor(**o, runner, Options(&clock, 4));
  ASSERT_THAT(executor.Run(), IsOkAndHolds(PlanOutcome::kSucceeded));
  ASSERT_EQ(runner.awaits.load(), 2);
  // The second await-ready started after the first one ended.
  std::vector<std::string> a_events;
  for (const auto& [what, at] : runner.log) a_events.push_back(what);
  const std::vector<std::string> want = {
      "start a/preflight",   "end a/preflight",   "start a/terminate-old",
      "end a/terminate-old", "start a/start-new", "end a/start-new",
      "start a/await-ready", "end a/await-ready", "start a/await-ready",
      "end a/await-ready",   "start a/verify",    "end a/verify"};
  EXPECT_EQ(a_events, want);
  EXPECT_THAT((*o)->Status().ToText(), HasSubstr("timed out after 1s"));
}

// A runner's await-ready success with a stale freshness token (older than
// the generation start-new applied) is ignored by the orchestrator, which
// keeps the action in flight; but the runner has returned and nothing runs
// it any more. The Executor reports that attempt failed (retried per the
// policy) instead of leaving a ghost action to wait out its deadline (or, with
// no deadline, to stall the run).
TEST(ExecutorTest,
     StaleReadinessFailsTheAttemptInsteadOfWaitingOutItsDeadline) {
  struct Case {
    std::string name;
    std::vector<int64_t> readiness;  // observed, per await-ready attempt
    PlanOutcome outcome;
    int awaits;
  };
  const std::vector<Case> cases = {
      {"stale then fresh", {3, 5}, PlanOutcome::kSucceeded, 2},
      {"always stale", {3, 4}, PlanOutcome::kRolledBack, 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::unique_ptr<plan::ExecutionPlan> plan = Compile(
        "  - {id: a, retry: {attempts: 2, backoff: 1s}, readiness: {timeout: "
        "10m}}\n");
    ASSERT_NE(plan, nullptr);
    auto o = Orchestrator::Create(*plan);
    ASSERT_TRUE(o.ok());
    FakeClock clock;
    struct Runner : ActionRunner {
      FakeClock* clock;
      std::vector<int64_t> readiness;
      std::atomic<int> awaits{0};
      std::atomic<int64_t> last_await_at{0};
      Outcome Run(const Action& a, const CancellationToken&) override {
        if (a.step_id == "a/start-new") return Outcome::Succeeded(5);
        if (a.step_id == "a/await-ready") {
          last_await_at = clock->NowMs();
          return Outcome::Succeeded(readiness[awaits++]);
        }
        return Outcome::Succeeded();
      }
    } runner;
    runner.clock = &clock;
    runner.readiness = c.readiness;
    Executor executor(**o, runner, Options(&clock, 1));
    EXPECT_THAT(executor.Run(), IsOkAndHolds(c.outcome));
    EXPECT_EQ(runner.awaits.load(), c.awaits);
    // The retry came after its backoff (at most 1s), not after the 10m
    // deadline.
    EXPECT_LT(runner.last_await_at.load(), 60 * 1000);
    const std::string status = (*o)->Status().ToText();
    EXPECT_THAT(status, HasSubstr("stale readiness"));
    EXPECT_THAT(status, ::testing::Not(HasSubstr("timed out")));
  }
}

// The clocks' waits: a fake clock jumps to the wakeup when no runner is at
// work, and otherwise waits for the condition; the system clock waits for
// the time (or the condition, whichever comes first).
TEST(ClockTest, WaitUntil) {
  absl::Mutex mu;
  bool woken = false;
  const absl::Condition wake(&woken);
  {
    FakeClock clock(100);
    absl::MutexLock lock(&mu);
    clock.WaitUntil(mu, wake, 5000, /*actions_running=*/false);
    EXPECT_EQ(clock.NowMs(), 5000);
    clock.WaitUntil(mu, wake, 10, /*actions_running=*/false);  // the past
    EXPECT_EQ(clock.NowMs(), 5000);
  }
  {
    FakeClock clock(0);
    std::thread waker([&] {
      absl::SleepFor(absl::Milliseconds(5));
      absl::MutexLock lock(&mu);
      woken = true;
    });
    {
      absl::MutexLock lock(&mu);
      clock.WaitUntil(mu, wake, 5000, /*actions_running=*/true);
      EXPECT_TRUE(woken);
      EXPECT_EQ(clock.NowMs(), 0);  // a runner was at work: no jump
    }
    waker.join();
  }
  {
    SystemClock clock;
    absl::MutexLock lock(&mu);
    woken = false;
    const int64_t start = clock.NowMs();
    clock.WaitUntil(mu, wake, start + 20, /*actions_running=*/false);
    EXPECT_GE(clock.NowMs(), start + 20);
    woken = true;
    const int64_t again = clock.NowMs();
    clock.WaitUntil(mu, wake, again + 10000, /*actions_running=*/true);
    EXPECT_LT(clock.NowMs(), again + 10000);
  }
}

TEST(CancellationTokenTest, CancelOnceWithReason) {
  CancellationToken token;
  EXPECT_FALSE(token.cancelled());
  EXPECT_EQ(token.reason(), "");
  EXPECT_FALSE(token.WaitForCancellation(absl::Milliseconds(1)));
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(5));
    token.Cancel("timed out after 5m");
  });
  EXPECT_TRUE(token.WaitForCancellation(absl::Seconds(10)));
  canceller.join();
  token.Cancel("cancelled");  // the first reason stays
  EXPECT_TRUE(token.cancelled());
  EXPECT_EQ(token.reason(), "timed out after 5m");
}

}  // namespace
}  // namespace upgrade_core::exec
