#include "upgrade_core/exec/executor.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/journal.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/orchestrator_test_util.h"
#include "upgrade_core/exec/run_journal.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::exec {
namespace {

using test_util::Compile;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::upgrade_core::testing::IsOkAndHolds;
using ::upgrade_core::testing::StatusIs;

// A thread-safe fake runner: records what ran (step id, attempt, clock time
// at start), fails per `failures` (step id -> failures before success; -1:
// always), tracks how many run at once.
class RecordingRunner : public ActionRunner {
 public:
  explicit RecordingRunner(Clock* clock) : clock_(clock) {}

  Outcome Run(const Action& action, const CancellationToken& cancel) override {
    const int now_running = ++running_;
    int seen = max_running_.load();
    while (now_running > seen &&
           !max_running_.compare_exchange_weak(seen, now_running)) {
    }
    int fail = 0;
    {
      absl::MutexLock lock(&mu_);
      ran_.push_back(
          {action.step_id, action.attempt, clock_->NowMs(), action.rollback});
      auto it = failures_.find(action.step_id);
      if (it != failures_.end() && it->second != 0) {
        fail = 1;
        if (it->second > 0) --it->second;
      }
    }
    if (hold_ > absl::ZeroDuration()) absl::SleepFor(hold_);
    if (advance_ms_ > 0) static_cast<FakeClock*>(clock_)->Advance(advance_ms_);
    --running_;
    if (fail) return Outcome::Failed("injected");
    return Outcome::Succeeded();
  }

  struct Ran {
    std::string step_id;
    int attempt;
    int64_t at_ms;
    bool rollback;
  };
  std::vector<Ran> ran() {
    absl::MutexLock lock(&mu_);
    return ran_;
  }
  std::vector<std::string> step_ids() {
    std::vector<std::string> ids;
    for (const Ran& r : ran()) {
      ids.push_back(r.attempt == 1 ? r.step_id
                                   : absl::StrCat(r.step_id, "#", r.attempt));
    }
    return ids;
  }

  void Fail(const std::string& step_id, int times) {
    absl::MutexLock lock(&mu_);
    failures_[step_id] = times;
  }
  absl::Duration hold_ = absl::ZeroDuration();  // real time per action
  int64_t advance_ms_ = 0;                      // fake time per action
  std::atomic<int> max_running_{0};

 private:
  Clock* clock_;
  std::atomic<int> running_{0};
  absl::Mutex mu_;
  std::vector<Ran> ran_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> failures_ ABSL_GUARDED_BY(mu_);
};

ExecutorOptions Options(Clock* clock, int workers = 4) {
  ExecutorOptions options;
  options.clock = clock;
  options.workers = workers;
  return options;
}

constexpr char kChain[] = R"(  - {id: a}
  - {id: b, dependsOn: [a]}
  - {id: c, dependsOn: [b]}
)";
constexpr char kDiamond[] = R"(  - {id: base}
  - {id: left, dependsOn: [base]}
  - {id: right, dependsOn: [base]}
  - {id: top, dependsOn: [left, right]}
)";
constexpr char kWide[] = R"(  - {id: w1}
  - {id: w2}
  - {id: w3}
  - {id: w4}
  - {id: w5}
  - {id: w6}
  - {id: w7}
  - {id: w8}
)";

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
