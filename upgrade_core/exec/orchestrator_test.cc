// The Orchestrator's gates, policies, commands, freshness, points of no
// return and bad input, each on a small plan written in YAML.
#include "upgrade_core/exec/orchestrator.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/orchestrator_test_util.h"
#include "upgrade_core/exec/sha256.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::exec {
namespace {

using test_util::Compile;
using test_util::Driver;
using test_util::MemorySink;
using test_util::StepIds;
using test_util::WithJournal;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

std::unique_ptr<Orchestrator> Make(const plan::ExecutionPlan& plan,
                                   OrchestratorOptions options = {}) {
  absl::StatusOr<std::unique_ptr<Orchestrator>> o =
      Orchestrator::Create(plan, options);
  EXPECT_TRUE(o.ok()) << o.status();
  return o.ok() ? *std::move(o) : nullptr;
}

std::string StateOf(const Orchestrator& o, absl::string_view id) {
  for (const ComponentStatus& c : o.Status().components) {
    if (c.id == id) return c.state;
  }
  return "?";
}

std::string NoteOf(const Orchestrator& o, absl::string_view id) {
  for (const ComponentStatus& c : o.Status().components) {
    if (c.id == id) return c.note;
  }
  return "?";
}

// Issues and succeeds actions until `step_id` is issued; returns it (not
// reported).
Action RunUntil(Orchestrator& o, int64_t& now, absl::string_view step_id) {
  for (int round = 0; round < 1000; ++round) {
    absl::StatusOr<std::vector<Action>> actions = o.NextActions(now);
    EXPECT_TRUE(actions.ok()) << actions.status();
    if (!actions.ok() || actions->empty()) break;
    std::optional<Action> found;
    for (const Action& a : *actions) {
      if (a.step_id == step_id) {
        found = a;
        continue;
      }
      ++now;
      EXPECT_THAT(o.Report(a.id, Outcome::Succeeded(), now), IsOk());
    }
    if (found) return *found;
  }
  ADD_FAILURE() << step_id << " was never issued\n" << o.Status().ToText();
  return {};
}

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000, 'a')),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

TEST(FormatDurationTest, Readable) {
  struct Case {
    int64_t ms;
    const char* text;
  };
  for (const Case& c :
       std::vector<Case>{{0, "0ms"},
                         {250, "250ms"},
                         {1500, "1.5s"},
                         {5000, "5s"},
                         {90000, "1m30s"},
                         {300000, "5m"},
                         {3600000 + 5 * 60000, "1h5m"},
                         {3600000 + 5000, "1h"},
                         {3 * 86400000LL + 4 * 3600000, "3d4h"}}) {
    EXPECT_EQ(FormatDuration(c.ms), c.text) << c.ms;
  }
}

TEST(PlanHashTest, StableAndSensitive) {
  auto a = Compile("  - {id: a}\n");
  auto a2 = Compile("  - {id: a}\n");
  auto b = Compile("  - {id: b}\n");
  ASSERT_TRUE(a && a2 && b);
  EXPECT_EQ(PlanHash(*a), PlanHash(*a2));
  EXPECT_NE(PlanHash(*a), PlanHash(*b));
  EXPECT_EQ(PlanHash(*a).size(), 64u);
  EXPECT_EQ(Make(*a)->PlanHash(), PlanHash(*a));
}

// ---------------------------------------------------------------------------
// Gates.

TEST(OrchestratorTest, DependencyGate) {
  auto plan = Compile(
      "  - {id: a}\n"
      "  - {id: b, dependsOn: [a]}\n");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  absl::StatusOr<std::vector<Action>> first = o->NextActions(1000);
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(StepIds(*first), ElementsAre("a/preflight"));
  EXPECT_EQ((*first)[0].id, 1u);
  EXPECT_EQ((*first)[0].attempt, 1);
  EXPECT_EQ((*first)[0].issued_at_ms, 1000);
  EXPECT_EQ((*first)[0].deadline_ms, 1000 + 10 * 60 * 1000);
  EXPECT_THAT(o->Status().blocked,
              ElementsAre("b/preflight waits for a: preflight since 00:00:01"));
  // Nothing more until a is verified.
  int64_t now = 1000;
  ASSERT_THAT(o->Report(1, Outcome::Succeeded(), ++now), IsOk());
  Action verify = RunUntil(*o, now, "a/verify");
  EXPECT_EQ(StateOf(*o, "b"), "pending");
  ASSERT_THAT(o->Report(verify.id, Outcome::Succeeded(), ++now), IsOk());
  absl::StatusOr<std::vector<Action>> next = o->NextActions(now);
  ASSERT_THAT(next, IsOk());
  EXPECT_THAT(StepIds(*next), ElementsAre("b/preflight"));
}

TEST(OrchestratorTest, RunsEveryStepInOrderAndSucceeds) {
  auto plan = Compile(
      "  - {id: a, backup: true}\n"
      "  - {id: b, dependsOn: [a], strategy: {type: StartFirst}}\n");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  Driver d(o.get());
  d.Run();
  EXPECT_THAT(
      d.issued,
      ElementsAre("a/preflight", "a/backup", "a/terminate-old", "a/start-new",
                  "a/await-ready", "a/verify", "b/preflight", "b/start-new",
                  "b/await-ready", "b/terminate-old", "b/verify"));
  EXPECT_TRUE(o->done());
  EXPECT_EQ(o->outcome(), PlanOutcome::kSucceeded);
  OrchestratorStatus st = o->Status();
  EXPECT_EQ(st.done, 11);
  EXPECT_EQ(st.pending + st.running + st.failed + st.skipped, 0);
  EXPECT_EQ(StateOf(*o, "a"), "succeeded");
  EXPECT_EQ(o->NextWakeup(), std::nullopt);
}

TEST(OrchestratorTest, MaxParallelCountsComponentsInFlight) {
  for (int max_parallel : {1, 2, 3, 0}) {
    SCOPED_TRACE(max_parallel);
    auto plan = Compile(
        "  - {id: a}\n  - {id: b}\n  - {id: c}\n  - {id: d}\n  - {id: e}\n",
        absl::StrCat("maxParallel: ", max_parallel));
    ASSERT_TRUE(plan);
    auto peek = Make(*plan);
    absl::StatusOr<std::vector<Action>> first = peek->NextActions(0);
    ASSERT_THAT(first, IsOk());
    EXPECT_EQ(first->size(), max_parallel == 0 ? 5u : size_t(max_parallel));
    if (max_parallel == 1) {
      EXPECT_THAT(peek->Status().blocked,
                  ::testing::Contains(
                      "b/preflight waits for a parallel slot (maxParallel 1: "
                      "a in flight)"));
    }
    auto o = Make(*plan);
    Driver d(o.get());
    d.Run();
    EXPECT_EQ(o->outcome(), PlanOutcome::kSucceeded);
    EXPECT_LE(d.max_active, max_parallel == 0 ? 5 : max_parallel);
  }
}

TEST(OrchestratorTest, ExclusiveHoldersNeverRunTogether) {
  // maxParallel 2 caps wave 0 at lx and la, so ly lands in wave 1 with a
  // barrier on lx's verify. Once la is done a slot is free, but ly still
  // waits for lx.
  auto plan = Compile(
      "  - {id: lx, exclusive: [\"lock:leader\"]}\n"
      "  - {id: la}\n"
      "  - {id: ly, exclusive: [\"lock:leader\"]}\n",
      "maxParallel: 2");
  ASSERT_TRUE(plan);
  // The compiled steps already keep them apart: ly's preflight waits for
  // lx's verify although ly does not depend on lx.
  const proto::ExecutionPlan& p = plan->proto();
  std::vector<std::string> ly_waits;
  for (const proto::Step& s : p.steps()) {
    if (plan->StepId(s) != "ly/preflight") continue;
    for (int32_t d : s.depends_on())
      ly_waits.push_back(plan->StepId(p.steps(d)));
  }
  EXPECT_THAT(ly_waits, ::testing::Contains("lx/verify"));
  auto o = Make(*plan);
  absl::StatusOr<std::vector<Action>> first = Make(*plan)->NextActions(0);
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT(StepIds(*first), ElementsAre("lx/preflight", "la/preflight"));
  Driver d(o.get());
  d.exclusive_groups = {{"lx", "ly"}};
  d.Run();
  EXPECT_EQ(o->outcome(), PlanOutcome::kSucceeded);
}

TEST(OrchestratorTest, ExclusiveEnforcedForRollbacksTheStepsDoNotOrder) {
  // lx and ly hold one lock; lz depends on both. The rollback steps order
  // lz before lx and ly but not lx against ly: the orchestrator keeps them
  // apart.
  auto plan = Compile(
      "  - {id: lx, exclusive: [\"lock:leader\"]}\n"
      "  - {id: la}\n"
      "  - {id: ly, exclusive: [\"lock:leader\"]}\n"
      "  - {id: lz, dependsOn: [lx, ly]}\n",
      "onFailure: rollback-all, maxParallel: 2");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  Driver d(o.get());
  d.failures["lz/start-new"] = -1;
  d.exclusive_groups = {{"lx", "ly"}};
  d.Run();
  EXPECT_EQ(o->outcome(), PlanOutcome::kRolledBack);
  const std::vector<std::string> tail(d.issued.end() - 4, d.issued.end());
  EXPECT_EQ(tail[0], "lz/rollback");
  EXPECT_THAT(o->Status().components,
              ::testing::Each(
                  ::testing::Field(&ComponentStatus::state, "rolled_back")));
}

TEST(OrchestratorTest, AvailabilityFloorProvidersRunOneAtATime) {
  auto plan = Compile(
      "  - {id: p1, replicas: 2, provides: [web], strategy: {type: "
      "RollingUpdate, maxSurge: 0, maxUnavailable: 1}}\n"
      "  - {id: p2, replicas: 2, provides: [web], strategy: {type: "
      "RollingUpdate, maxSurge: 0, maxUnavailable: 1}}\n",
      "availability: [{service: web, minAvailable: 2}]");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  Driver d(o.get());
  d.exclusive_groups = {{"p1", "p2"}};
  d.Run();
  EXPECT_EQ(o->outcome(), PlanOutcome::kSucceeded);
  EXPECT_EQ(d.max_active, 1);
}

// ---------------------------------------------------------------------------
// Deadlines and retries.

TEST(OrchestratorTest, DeadlineFailsTheActionAsTimedOut) {
  auto plan =
      Compile("  - {id: a, readiness: {timeout: 5m}}\n", "onFailure: continue");
  ASSERT_TRUE(plan);
  MemorySink sink;
  auto o = Make(*plan, WithJournal(&sink));
  int64_t now = 0;
  Action ready = RunUntil(*o, now, "a/await-ready");
  EXPECT_EQ(ready.deadline_ms, ready.issued_at_ms + 5 * 60 * 1000);
  EXPECT_EQ(o->NextWakeup(), ready.deadline_ms);
  // Just before: nothing happens.
  ASSERT_THAT(o->NextActions(ready.deadline_ms - 1), IsOk());
  EXPECT_EQ(StateOf(*o, "a"), "awaiting_ready");
  ASSERT_THAT(o->NextActions(ready.deadline_ms), IsOk());
  EXPECT_EQ(StateOf(*o, "a"), "failed");
  EXPECT_EQ(NoteOf(*o, "a"), "failed: a/await-ready: timed out after 5m");
  const proto::JournalRecord& last = sink.records.back();
  ASSERT_TRUE(last.has_outcome());
  EXPECT_EQ(last.outcome().kind(), proto::TIMED_OUT);
  EXPECT_EQ(last.outcome().reason(), "timed out after 5m");
  EXPECT_EQ(o->outcome(), PlanOutcome::kFailed);
  // Its late report is refused.
  EXPECT_THAT(o->Report(ready.id, Outcome::Succeeded(), ready.deadline_ms + 1),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("already finished: timed out")));
}

TEST(OrchestratorTest, LateReportTimesOutFirst) {
  auto plan =
      Compile("  - {id: a, readiness: {timeout: 1s}}\n", "onFailure: continue");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  int64_t now = 0;
  Action ready = RunUntil(*o, now, "a/await-ready");
  EXPECT_THAT(o->Report(ready.id, Outcome::Succeeded(), ready.deadline_ms + 5),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("timed out at 00:00:01")));
  EXPECT_EQ(StateOf(*o, "a"), "failed");
}

std::vector<int64_t> RetryDelays(uint64_t seed) {
  auto plan = Compile("  - {id: a, retry: {attempts: 4, backoff: 1s}}\n",
                      "onFailure: continue");
  if (!plan) return {};
  OrchestratorOptions options;
  options.seed = seed;
  auto o = Make(*plan, options);
  std::vector<int64_t> delays;
  int64_t now = 0;
  for (int attempt = 1; attempt <= 4; ++attempt) {
    absl::StatusOr<std::vector<Action>> actions = o->NextActions(now);
    EXPECT_THAT(actions, IsOk());
    if (!actions.ok() || actions->size() != 1) {
      ADD_FAILURE() << "attempt " << attempt << ": " << o->Status().ToText();
      return delays;
    }
    EXPECT_EQ((*actions)[0].attempt, attempt);
    EXPECT_EQ((*actions)[0].step_id, "a/preflight");
    EXPECT_THAT(o->Report((*actions)[0].id, Outcome::Failed("nope"), now),
                IsOk());
    if (attempt == 4) break;
    // No lifecycle event while retrying: still in preflight.
    EXPECT_EQ(StateOf(*o, "a"), "preflight");
    std::optional<int64_t> wake = o->NextWakeup();
    if (!wake) {
      ADD_FAILURE() << "no wake-up while backing off";
      return delays;
    }
    delays.push_back(*wake - now);
    // Not before the backoff ends.
    EXPECT_THAT(o->NextActions(*wake - 1), IsOk());
    EXPECT_EQ(o->InFlight().size(), 0u);
    now = *wake;
  }
  EXPECT_EQ(StateOf(*o, "a"), "failed");
  return delays;
}

TEST(OrchestratorTest, RetriesBackOffExponentiallyWithSeededJitter) {
  const std::vector<int64_t> delays = RetryDelays(7);
  ASSERT_EQ(delays.size(), 3u);
  // Equal jitter: within [base/2, base] for base = 1s, 2s, 4s.
  for (int i = 0; i < 3; ++i) {
    const int64_t base = 1000LL << i;
    EXPECT_GE(delays[i], base / 2) << i;
    EXPECT_LE(delays[i], base) << i;
  }
  // Deterministic by seed; the seed matters.
  EXPECT_EQ(RetryDelays(7), delays);
  bool differs = false;
  for (uint64_t seed = 0; seed < 8 && !differs; ++seed) {
    differs = RetryDelays(seed) != delays;
  }
  EXPECT_TRUE(differs);
}

TEST(OrchestratorTest, NextWakeupSkipsRetriesWhilePaused) {
  auto plan = Compile(
      "  - {id: a, retry: {attempts: 2, backoff: 10s}}\n"
      "  - {id: b}\n");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  absl::StatusOr<std::vector<Action>> first = o->NextActions(0);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(StepIds(*first), ElementsAre("a/preflight", "b/preflight"));
  ASSERT_THAT(o->Report(1, Outcome::Failed("flaky"), 0), IsOk());
  const std::optional<int64_t> retry = o->NextWakeup();
  ASSERT_TRUE(retry.has_value());
  EXPECT_GE(*retry, 5000);
  EXPECT_LE(*retry, 10000);
  EXPECT_THAT(o->Status().blocked,
              ElementsAre(absl::StrCat("a/preflight retry (attempt 2) at ",
                                       "00:00:0", *retry / 1000)));
  // Paused, the retry changes nothing: only b's deadline can.
  ASSERT_THAT(o->Pause(1), IsOk());
  EXPECT_EQ(o->NextWakeup(), (*first)[1].deadline_ms);
  ASSERT_THAT(o->Resume(2), IsOk());
  EXPECT_EQ(o->NextWakeup(), retry);
  absl::StatusOr<std::vector<Action>> again = o->NextActions(*retry);
  ASSERT_THAT(again, IsOk());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].step_id, "a/preflight");
  EXPECT_EQ((*again)[0].attempt, 2);
}

TEST(OrchestratorTest, ActionsCarryTheBatch) {
  auto plan = Compile(
      "  - {id: ds, kind: DaemonSet, nodes: 5, strategy: {type: "
      "RollingUpdate, maxSurge: 0, maxUnavailable: 2}}\n");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  int64_t now = 0;
  Action terminate = RunUntil(*o, now, "ds/terminate-old");
  EXPECT_EQ(terminate.batch, 2);
  EXPECT_EQ(terminate.kind, proto::TERMINATE_OLD);
  EXPECT_EQ(terminate.component, 0);
  EXPECT_FALSE(terminate.rollback);
}

// ---------------------------------------------------------------------------
// Failure policies: a, b depends on a, c independent; a step of b fails.

struct PolicyCase {
  std::string name;
  std::string policy;
  std::string failing;  // step id failing for good
  PlanOutcome outcome;
  std::vector<std::string> states;  // a, b, c
  std::vector<std::string> tail;    // the last issued steps
};

class FailurePolicyTest : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(FailurePolicyTest, Runs) {
  const PolicyCase& c = GetParam();
  auto plan = Compile(
      "  - {id: a}\n"
      "  - {id: b, dependsOn: [a]}\n"
      "  - {id: c}\n"
      "  - {id: d, dependsOn: [b]}\n",
      absl::StrCat("onFailure: ", c.policy));
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  Driver d(o.get());
  d.failures[c.failing] = -1;
  d.Run();
  EXPECT_EQ(o->outcome(), c.outcome) << o->Status().ToText();
  std::vector<std::string> states;
  for (const char* id : {"a", "b", "c", "d"}) states.push_back(StateOf(*o, id));
  EXPECT_EQ(states, c.states) << o->Status().ToText();
  ASSERT_GE(d.issued.size(), c.tail.size());
  EXPECT_EQ(
      std::vector<std::string>(d.issued.end() - c.tail.size(), d.issued.end()),
      c.tail)
      << absl::StrJoin(d.issued, " ");
}

INSTANTIATE_TEST_SUITE_P(
    Policies, FailurePolicyTest,
    ::testing::Values(
        // Every touched component rolls back, dependents first; d never
        // started and is left alone.
        PolicyCase{"rollback_all",
                   "rollback-all",
                   "b/start-new",
                   PlanOutcome::kRolledBack,
                   {"rolled_back", "rolled_back", "rolled_back", "pending"},
                   {"b/start-new", "c/rollback", "b/rollback", "a/rollback"}},
        // A failure before anything is touched: nothing of b to undo, the
        // rest still rolls back.
        PolicyCase{"rollback_all_preflight",
                   "rollback-all",
                   "b/preflight",
                   PlanOutcome::kRolledBack,
                   {"rolled_back", "failed", "rolled_back", "pending"},
                   {"b/preflight", "c/rollback", "a/rollback"}},
        // Only b rolls back; a and c stay upgraded; d (depends on b) is
        // skipped.
        PolicyCase{"rollback_failed",
                   "rollback-failed",
                   "b/start-new",
                   PlanOutcome::kFailed,
                   {"succeeded", "rolled_back", "succeeded", "pending"},
                   {"b/start-new", "b/rollback"}},
        // Carry on: b is abandoned (failed), d skipped, c finishes.
        PolicyCase{"continue",
                   "continue",
                   "b/verify",
                   PlanOutcome::kFailed,
                   {"succeeded", "failed", "succeeded", "pending"},
                   {"b/verify"}},
        // Wait for an operator: b halted, the plan paused.
        PolicyCase{"pause",
                   "pause",
                   "b/start-new",
                   PlanOutcome::kPaused,
                   {"succeeded", "halted", "succeeded", "pending"},
                   {"b/start-new"}}),
    [](const ::testing::TestParamInfo<PolicyCase>& info) {
      return info.param.name;
    });

TEST(OrchestratorTest, ContinueSaysWhySkipped) {
  auto plan = Compile(
      "  - {id: default-backend}\n"
      "  - {id: ingress-controller, dependsOn: [default-backend]}\n"
      "  - {id: webhook, dependsOn: [ingress-controller]}\n"
      "  - {id: other}\n",
      "onFailure: continue");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  Driver d(o.get());
  d.failures["default-backend/verify"] = -1;
  d.Run();
  EXPECT_EQ(NoteOf(*o, "ingress-controller"),
            "skipped: depends on default-backend, which failed");
  EXPECT_EQ(NoteOf(*o, "webhook"),
            "skipped: depends on ingress-controller, which was skipped "
            "(default-backend failed)");
  EXPECT_EQ(StateOf(*o, "other"), "succeeded");
  OrchestratorStatus st = o->Status();
  EXPECT_EQ(st.failed, 1);
  EXPECT_EQ(st.skipped, 10);
}

TEST(OrchestratorTest, PauseResumeRetriesTheHaltedComponent) {
  auto plan =
      Compile("  - {id: a}\n  - {id: b, dependsOn: [a]}\n", "onFailure: pause");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  Driver d(o.get());
  d.failures["a/await-ready"] = 1;
  d.Run();
  EXPECT_EQ(o->outcome(), PlanOutcome::kPaused);
  EXPECT_EQ(StateOf(*o, "a"), "halted");
  EXPECT_THAT(o->Status().blocked,
              ::testing::Contains(
                  HasSubstr("a/await-ready waits for an operator: halted")));
  ASSERT_THAT(o->Resume(d.now), IsOk());
  EXPECT_EQ(StateOf(*o, "a"), "preflight");  // halted -> retry -> preflight
  d.Run();
  EXPECT_EQ(o->outcome(), PlanOutcome::kSucceeded);
  const std::vector<std::string> expected = {
      "a/preflight",   "a/terminate-old", "a/start-new",
      "a/await-ready", "a/preflight",     "a/terminate-old",
      "a/start-new",   "a/await-ready",   "a/verify"};
  EXPECT_EQ(std::vector<std::string>(d.issued.begin(), d.issued.begin() + 9),
            expected);
}

// Under rollback-failed the plan keeps running while the failed component
// rolls back, so (unlike a plan-wide rollback) that rollback can be paused,
// and Abort widens it to every touched component.
TEST(OrchestratorTest, RollbackFailedRollbackCanBePausedOrAborted) {
  struct Case {
    std::string name;
    bool abort;
    PlanOutcome after_command;
    PlanOutcome after_rollback;
  };
  for (const Case& c : std::vector<Case>{
           {"pause", false, PlanOutcome::kPausing, PlanOutcome::kPaused},
           {"abort", true, PlanOutcome::kRollingBack, PlanOutcome::kRolledBack},
       }) {
    SCOPED_TRACE(c.name);
    auto plan = Compile("  - {id: a}\n", "onFailure: rollback-failed");
    ASSERT_TRUE(plan);
    auto o = Make(*plan);
    int64_t now = 0;
    const Action start = RunUntil(*o, now, "a/start-new");
    ASSERT_THAT(o->Report(start.id, Outcome::Failed("boom"), ++now), IsOk());
    absl::StatusOr<std::vector<Action>> next = o->NextActions(++now);
    ASSERT_THAT(next, IsOk());
    std::optional<Action> rollback;
    for (const Action& a : *next) {
      if (a.step_id == "a/rollback") rollback = a;
    }
    ASSERT_TRUE(rollback.has_value()) << o->Status().ToText();
    EXPECT_EQ(o->outcome(), PlanOutcome::kRunning);
    ASSERT_THAT(c.abort ? o->Abort(++now) : o->Pause(++now), IsOk());
    EXPECT_EQ(o->outcome(), c.after_command);
    ASSERT_THAT(o->Report(rollback->id, Outcome::Succeeded(), ++now), IsOk());
    EXPECT_EQ(StateOf(*o, "a"), "rolled_back");
    EXPECT_EQ(o->outcome(), c.after_rollback);
  }
}

TEST(OrchestratorTest, PauseAbortRollsBackTheHaltedComponent) {
  auto plan =
      Compile("  - {id: a}\n  - {id: b, dependsOn: [a]}\n", "onFailure: pause");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  Driver d(o.get());
  d.failures["b/verify"] = 1;
  d.Run();
  ASSERT_EQ(o->outcome(), PlanOutcome::kPaused);
  ASSERT_THAT(o->Abort(d.now), IsOk());
  EXPECT_EQ(o->outcome(), PlanOutcome::kRollingBack);
  d.Run();
  EXPECT_EQ(o->outcome(), PlanOutcome::kRolledBack);
  EXPECT_EQ(std::vector<std::string>(d.issued.end() - 2, d.issued.end()),
            (std::vector<std::string>{"b/rollback", "a/rollback"}));
}

TEST(OrchestratorTest, OperatorPauseDrainsThenResumes) {
  auto plan = Compile("  - {id: a}\n  - {id: b}\n");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  absl::StatusOr<std::vector<Action>> first = o->NextActions(0);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->size(), 2u);
  ASSERT_THAT(o->Pause(1), IsOk());
  EXPECT_EQ(o->outcome(), PlanOutcome::kPausing);
  ASSERT_THAT(o->Report((*first)[0].id, Outcome::Succeeded(), 2), IsOk());
  // In-flight actions finish; nothing new is issued.
  absl::StatusOr<std::vector<Action>> none = o->NextActions(3);
  ASSERT_THAT(none, IsOk());
  EXPECT_THAT(*none, IsEmpty());
  EXPECT_EQ(o->outcome(), PlanOutcome::kPausing);
  EXPECT_THAT(o->Status().blocked,
              ::testing::Contains(
                  "a/terminate-old waits for Resume: the plan is paused"));
  ASSERT_THAT(o->Report((*first)[1].id, Outcome::Succeeded(), 4), IsOk());
  EXPECT_EQ(o->outcome(), PlanOutcome::kPaused);
  EXPECT_THAT(o->Pause(5), StatusIs(absl::StatusCode::kFailedPrecondition,
                                    HasSubstr("the plan is paused")));
  ASSERT_THAT(o->Resume(6), IsOk());
  Driver d(o.get(), 7);
  d.Run();
  EXPECT_EQ(o->outcome(), PlanOutcome::kSucceeded);
  EXPECT_THAT(o->Resume(d.now), StatusIs(absl::StatusCode::kFailedPrecondition,
                                         HasSubstr("succeeded")));
  EXPECT_THAT(o->Abort(d.now), StatusIs(absl::StatusCode::kFailedPrecondition,
                                        HasSubstr("nothing left to abort")));
}

TEST(OrchestratorTest, AbortRollsBackOnlyWhatWasTouched) {
  auto plan = Compile(
      "  - {id: a}\n  - {id: b, dependsOn: [a]}\n  - {id: c, dependsOn: [b]}\n",
      "onFailure: continue");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  int64_t now = 0;
  Action b_start = RunUntil(*o, now, "b/start-new");  // b touched, in flight
  ASSERT_THAT(o->Abort(++now), IsOk());
  EXPECT_THAT(o->Abort(now), StatusIs(absl::StatusCode::kFailedPrecondition,
                                      HasSubstr("already rolling back")));
  // b's rollback waits for its in-flight action.
  absl::StatusOr<std::vector<Action>> none = o->NextActions(now);
  ASSERT_THAT(none, IsOk());
  EXPECT_THAT(*none, IsEmpty());
  ASSERT_THAT(o->Report(b_start.id, Outcome::Succeeded(), ++now), IsOk());
  Driver d(o.get(), now);
  d.Run();
  EXPECT_THAT(d.issued, ElementsAre("b/rollback", "a/rollback"));
  EXPECT_EQ(o->outcome(), PlanOutcome::kRolledBack);
  EXPECT_EQ(StateOf(*o, "c"), "pending");
  EXPECT_EQ(NoteOf(*o, "c"), "not started: the plan is rolling back");
  EXPECT_THAT(o->Pause(d.now),
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::_));
}

TEST(OrchestratorTest, FailedRollbackBlocksTheRollbacksAfterIt) {
  auto plan = Compile("  - {id: a}\n  - {id: b, dependsOn: [a]}\n",
                      "onFailure: rollback-all");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  Driver d(o.get());
  d.failures["b/verify"] = -1;
  d.failures["b/rollback"] = -1;
  d.Run();
  EXPECT_EQ(o->outcome(), PlanOutcome::kFailed);
  EXPECT_EQ(StateOf(*o, "b"), "failed");
  EXPECT_EQ(NoteOf(*o, "b"), "rollback failed: injected");
  EXPECT_EQ(StateOf(*o, "a"), "failed");
  EXPECT_EQ(NoteOf(*o, "a"),
            "not rolled back: it waits for b's rollback, which failed");
  EXPECT_EQ(d.issued.back(), "b/rollback");
}

// ---------------------------------------------------------------------------
// Readiness freshness.

TEST(OrchestratorTest, StaleReadinessIsIgnored) {
  auto plan = Compile("  - {id: a}\n");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  int64_t now = 100;
  Action start = RunUntil(*o, now, "a/start-new");
  ASSERT_THAT(o->Report(start.id, Outcome::Succeeded(), ++now), IsOk());
  Action ready = RunUntil(*o, now, "a/await-ready");
  // Observed before start-new was issued: says nothing about the new pods.
  ASSERT_THAT(
      o->Report(ready.id, Outcome::Succeeded(start.issued_at_ms - 1), ++now),
      IsOk());
  EXPECT_EQ(StateOf(*o, "a"), "awaiting_ready");
  EXPECT_THAT(NoteOf(*o, "a"), HasSubstr("stale readiness ignored"));
  ASSERT_EQ(o->InFlight().size(), 1u);
  EXPECT_EQ(o->InFlight()[0].id, ready.id);
  absl::StatusOr<std::vector<Action>> none = o->NextActions(now);
  ASSERT_THAT(none, IsOk());
  EXPECT_THAT(*none, IsEmpty());
  // Equal to the issue time is not newer either.
  ASSERT_THAT(
      o->Report(ready.id, Outcome::Succeeded(start.issued_at_ms), ++now),
      IsOk());
  EXPECT_EQ(StateOf(*o, "a"), "awaiting_ready");
  ASSERT_THAT(
      o->Report(ready.id, Outcome::Succeeded(start.issued_at_ms + 1), ++now),
      IsOk());
  EXPECT_EQ(StateOf(*o, "a"), "verifying");
}

TEST(OrchestratorTest, ReadinessByGeneration) {
  auto plan = Compile("  - {id: a}\n");
  ASSERT_TRUE(plan);
  struct Case {
    int64_t observed;
    bool counts;
  };
  for (const Case& c :
       std::vector<Case>{{6, false}, {7, true}, {9, true}, {0, true}}) {
    SCOPED_TRACE(c.observed);
    auto o = Make(*plan);
    int64_t now = 5000;
    Action start = RunUntil(*o, now, "a/start-new");
    // The apply produced generation 7.
    ASSERT_THAT(o->Report(start.id, Outcome::Succeeded(7), ++now), IsOk());
    Action ready = RunUntil(*o, now, "a/await-ready");
    ASSERT_THAT(o->Report(ready.id, Outcome::Succeeded(c.observed), ++now),
                IsOk());
    EXPECT_EQ(StateOf(*o, "a"), c.counts ? "verifying" : "awaiting_ready");
  }
}

TEST(OrchestratorTest, ProgressIsShownAndChangesNothing) {
  auto plan = Compile("  - {id: a}\n");
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  int64_t now = 0;
  Action ready = RunUntil(*o, now, "a/await-ready");
  ASSERT_THAT(o->Report(ready.id, Outcome::Progress("2/3 ready"), 3000),
              IsOk());
  EXPECT_EQ(StateOf(*o, "a"), "awaiting_ready");
  EXPECT_EQ(NoteOf(*o, "a"), "a/await-ready: 2/3 ready (00:00:03)");
  ASSERT_THAT(o->Report(ready.id, Outcome::Succeeded(), 3001), IsOk());
  EXPECT_EQ(StateOf(*o, "a"), "verifying");
}

// ---------------------------------------------------------------------------
// Points of no return.

void MarkIrreversible(proto::UpgradePlan& p, const std::string& id,
                      bool checkpoint) {
  for (proto::Component& c : *p.mutable_components()) {
    if (c.id() == id) {
      c.set_irreversible(true);
      c.set_checkpoint(checkpoint);
    }
  }
}

TEST(OrchestratorTest, RefusesARollbackPromiseAcrossAnIrreversibleComponent) {
  for (const char* policy : {"rollback-all", "rollback-failed"}) {
    SCOPED_TRACE(policy);
    auto plan = Compile(
        "  - {id: crds}\n  - {id: app, dependsOn: [crds]}\n",
        absl::StrCat("onFailure: ", policy),
        [](proto::UpgradePlan& p) { MarkIrreversible(p, "crds", false); });
    ASSERT_TRUE(plan);
    EXPECT_THAT(Orchestrator::Create(*plan),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         ::testing::AllOf(HasSubstr("'crds' is irreversible"),
                                          HasSubstr(policy),
                                          HasSubstr("checkpoint: true"))));
  }
  for (const char* policy : {"pause", "continue"}) {
    auto plan = Compile(
        "  - {id: crds}\n", absl::StrCat("onFailure: ", policy),
        [](proto::UpgradePlan& p) { MarkIrreversible(p, "crds", false); });
    ASSERT_TRUE(plan);
    EXPECT_THAT(Orchestrator::Create(*plan), IsOk()) << policy;
  }
}

TEST(OrchestratorTest, CheckpointRollsBackOnlyWhatCameAfter) {
  auto plan = Compile(
      "  - {id: base}\n"
      "  - {id: crds, dependsOn: [base]}\n"
      "  - {id: app, dependsOn: [crds]}\n",
      "onFailure: rollback-all",
      [](proto::UpgradePlan& p) { MarkIrreversible(p, "crds", true); });
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  RollbackCoverage before = o->Coverage();
  EXPECT_THAT(before.reversible, ElementsAre("base", "app"));
  EXPECT_THAT(before.irreversible, ElementsAre("crds"));
  EXPECT_THAT(before.committed, IsEmpty());
  Driver d(o.get());
  d.failures["app/verify"] = -1;
  d.Run();
  EXPECT_EQ(o->outcome(), PlanOutcome::kRolledBack);
  EXPECT_EQ(StateOf(*o, "app"), "rolled_back");
  EXPECT_EQ(StateOf(*o, "crds"), "succeeded");
  EXPECT_EQ(StateOf(*o, "base"), "succeeded");
  EXPECT_EQ(NoteOf(*o, "base"),
            "committed: behind a point of no return, not rolled back");
  EXPECT_THAT(o->Coverage().committed, ElementsAre("base"));
  EXPECT_EQ(d.issued.back(), "app/rollback");
}

TEST(OrchestratorTest, IrreversibleFailureIsNotRolledBack) {
  auto plan = Compile("  - {id: base}\n  - {id: crds, dependsOn: [base]}\n",
                      "onFailure: rollback-all", [](proto::UpgradePlan& p) {
                        MarkIrreversible(p, "crds", true);
                      });
  ASSERT_TRUE(plan);
  auto o = Make(*plan);
  Driver d(o.get());
  d.failures["crds/start-new"] = -1;
  d.Run();
  EXPECT_EQ(StateOf(*o, "crds"), "failed");
  EXPECT_THAT(NoteOf(*o, "crds"), HasSubstr("irreversible: not rolled back"));
  EXPECT_EQ(StateOf(*o, "base"), "rolled_back");
  EXPECT_EQ(d.issued.back(), "base/rollback");
}

// ---------------------------------------------------------------------------
// Bad input: clear errors, nothing changed.

TEST(OrchestratorTest, BadReportsChangeNothing) {
  auto plan = Compile("  - {id: a}\n");
  ASSERT_TRUE(plan);
  MemorySink sink;
  auto o = Make(*plan, WithJournal(&sink));
  absl::StatusOr<std::vector<Action>> first = o->NextActions(1000);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(o->Report(1, Outcome::Succeeded(), 1001), IsOk());
  absl::StatusOr<std::vector<Action>> second = o->NextActions(1002);
  ASSERT_THAT(second, IsOk());
  const std::string before = o->Status().ToText();
  const size_t records = sink.records.size();
  struct Case {
    uint64_t id;
    Outcome outcome;
    int64_t now;
    absl::StatusCode code;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {0, Outcome::Succeeded(), 1003, absl::StatusCode::kInvalidArgument,
            "action 0 was never issued (issued so far: 1..2)"},
           {9, Outcome::Succeeded(), 1003, absl::StatusCode::kInvalidArgument,
            "action 9 was never issued"},
           {1, Outcome::Succeeded(), 1003,
            absl::StatusCode::kFailedPrecondition,
            "action 1 (a/preflight, attempt 1) already finished: succeeded at "
            "00:00:01"},
           {1, Outcome::Failed("x"), 1003,
            absl::StatusCode::kFailedPrecondition, "already finished"},
           {2, Outcome::Succeeded(), 999, absl::StatusCode::kInvalidArgument,
            "Report for action 2 (a/terminate-old, attempt 1): time went "
            "backwards: now_ms 999 is before 1002"},
       }) {
    SCOPED_TRACE(c.message);
    EXPECT_THAT(o->Report(c.id, c.outcome, c.now),
                StatusIs(c.code, HasSubstr(c.message)));
    EXPECT_EQ(o->Status().ToText(), before);
    EXPECT_EQ(sink.records.size(), records);
  }
  EXPECT_THAT(o->NextActions(5), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("time went backwards")));
  EXPECT_THAT(o->Pause(5), StatusIs(absl::StatusCode::kInvalidArgument,
                                    HasSubstr("Pause: time went backwards")));
  EXPECT_EQ(o->Status().ToText(), before);
  EXPECT_EQ(sink.records.size(), records);
}

TEST(OrchestratorTest, JournalFailureActsOnNothing) {
  auto plan = Compile("  - {id: a}\n  - {id: b}\n");
  ASSERT_TRUE(plan);
  MemorySink sink;
  auto o = Make(*plan, WithJournal(&sink));
  sink.fail = true;
  EXPECT_THAT(o->NextActions(0),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  EXPECT_TRUE(o->InFlight().empty());
  sink.fail = false;
  absl::StatusOr<std::vector<Action>> actions = o->NextActions(1);
  ASSERT_THAT(actions, IsOk());
  EXPECT_THAT(StepIds(*actions), ElementsAre("a/preflight", "b/preflight"));
  EXPECT_EQ((*actions)[0].id, 1u);
  sink.fail = true;
  EXPECT_THAT(o->Report(1, Outcome::Succeeded(), 2),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  EXPECT_EQ(o->InFlight().size(), 2u);
  EXPECT_THAT(o->Pause(2),
              StatusIs(absl::StatusCode::kUnavailable, ::testing::_));
  EXPECT_EQ(o->outcome(), PlanOutcome::kRunning);
}

// Times are milliseconds since an origin at or before the run: a negative
// one is refused. (It was accepted, and an action issued at -timeout got
// deadline 0, "none": it could never time out.)
TEST(OrchestratorTest, NegativeTimeIsRefused) {
  auto plan = Compile("  - {id: a}\n");
  ASSERT_TRUE(plan);
  struct Case {
    std::string name;
    std::function<absl::Status(Orchestrator&)> call;
  };
  const int64_t kTimeout = 10 * 60 * 1000;  // the default step timeout
  const std::vector<Case> cases = {
      {"NextActions at -timeout",
       [&](Orchestrator& o) { return o.NextActions(-kTimeout).status(); }},
      {"NextActions at -1",
       [](Orchestrator& o) { return o.NextActions(-1).status(); }},
      {"Pause", [](Orchestrator& o) { return o.Pause(-1); }},
      {"Abort", [](Orchestrator& o) { return o.Abort(-1); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto o = Make(*plan);
    EXPECT_THAT(c.call(*o), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("is negative")));
    EXPECT_TRUE(o->InFlight().empty());
    EXPECT_EQ(o->outcome(), PlanOutcome::kRunning);
  }
  proto::JournalRecord issued;
  issued.mutable_issued()->set_action_id(1);
  issued.mutable_issued()->set_attempt(1);
  issued.mutable_issued()->set_issued_at_ms(-kTimeout);
  EXPECT_THAT(Orchestrator::Recover(*plan, {issued}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("journal record 0: issued: now_ms -600000 is "
                                 "negative")));
}

TEST(OrchestratorTest, RecoverRefusesRecordsThatDoNotFit) {
  auto plan = Compile("  - {id: a}\n  - {id: b, dependsOn: [a]}\n");
  ASSERT_TRUE(plan);
  auto issued = [](uint64_t id, int32_t step, int64_t at, int64_t deadline) {
    proto::JournalRecord r;
    r.mutable_issued()->set_action_id(id);
    r.mutable_issued()->set_step(step);
    r.mutable_issued()->set_attempt(1);
    r.mutable_issued()->set_issued_at_ms(at);
    r.mutable_issued()->set_deadline_ms(deadline);
    return r;
  };
  const int64_t kTimeout = 10 * 60 * 1000;
  // b's preflight (step 5) is not ready before a is verified.
  EXPECT_THAT(Orchestrator::Recover(*plan, {issued(1, 5, 0, kTimeout)}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("journal record 0: action 1 issues "
                                 "b/preflight, which could not run at "
                                 "00:00:00 (waits for a: pending)")));
  EXPECT_THAT(Orchestrator::Recover(*plan, {issued(2, 0, 0, kTimeout)}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("action 2 issued, expected 1")));
  EXPECT_THAT(Orchestrator::Recover(*plan, {issued(1, 0, 0, 5)}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("deadline 5; this plan gives attempt 1 and "
                                 "deadline 600000")));
  proto::JournalRecord outcome;
  outcome.mutable_outcome()->set_action_id(3);
  outcome.mutable_outcome()->set_kind(proto::SUCCEEDED);
  EXPECT_THAT(
      Orchestrator::Recover(*plan, {issued(1, 0, 10, 10 + kTimeout), outcome}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("journal record 1: Report: action 3 was never "
                         "issued")));
  proto::JournalRecord header;
  header.mutable_header()->set_plan_name("other");
  header.mutable_header()->set_plan_hash("abc");
  EXPECT_THAT(Orchestrator::Recover(*plan, {header}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("belongs to plan 'other' (hash abc)")));
  header.mutable_header()->set_plan_hash(PlanHash(*plan));
  EXPECT_THAT(Orchestrator::Recover(*plan, {header}), IsOk());
  EXPECT_THAT(Orchestrator::Recover(*plan, {proto::JournalRecord()}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("an empty record")));
  proto::JournalRecord early;
  early.mutable_outcome()->set_action_id(1);
  early.mutable_outcome()->set_kind(proto::TIMED_OUT);
  early.mutable_outcome()->set_at_ms(11);
  EXPECT_THAT(
      Orchestrator::Recover(*plan, {issued(1, 0, 10, 10 + kTimeout), early}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("journal record 1: action 1 (a/preflight, attempt 1) "
                         "timed out at 11 before its deadline 600010")));
  proto::JournalRecord no_kind;
  no_kind.mutable_outcome()->set_action_id(1);
  EXPECT_THAT(
      Orchestrator::Recover(*plan, {issued(1, 0, 10, 10 + kTimeout), no_kind}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has no kind")));
  proto::JournalRecord backwards;
  backwards.mutable_control()->set_kind(proto::ControlCommand::PAUSE);
  backwards.mutable_control()->set_at_ms(5);
  EXPECT_THAT(
      Orchestrator::Recover(*plan,
                            {issued(1, 0, 10, 10 + kTimeout), backwards}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("journal record 1: Pause: time went backwards")));
  proto::JournalRecord rollback = issued(1, 7, 0, kTimeout);
  rollback.mutable_issued()->set_rollback(true);
  EXPECT_THAT(Orchestrator::Recover(*plan, {rollback}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("action 1 names rollback step 7 of 2")));
  header.mutable_header()->set_plan_hash(PlanHash(*plan));
  EXPECT_THAT(Orchestrator::Recover(*plan, {issued(1, 0, 0, kTimeout), header}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("a header in the middle")));
}

// Records that are well-formed but do not fit the state they arrive in are
// InvalidArgument naming the record (the header's promise), whatever the
// public call they replay through would have said; an unknown control kind
// (a newer writer, a corrupt field) is refused, never used as an index.
TEST(OrchestratorTest, RecoverRefusesCommandsAndOutcomesThatDoNotFit) {
  auto plan = Compile("  - {id: a}\n");
  ASSERT_TRUE(plan);
  const int64_t kTimeout = 10 * 60 * 1000;
  proto::JournalRecord issued;
  issued.mutable_issued()->set_action_id(1);
  issued.mutable_issued()->set_attempt(1);
  issued.mutable_issued()->set_issued_at_ms(10);
  issued.mutable_issued()->set_deadline_ms(10 + kTimeout);
  auto control = [](int kind, int64_t at) {
    proto::JournalRecord r;
    r.mutable_control()->set_kind(proto::ControlCommand::Kind(kind));
    r.mutable_control()->set_at_ms(at);
    return r;
  };
  auto succeeded = [](int64_t at) {
    proto::JournalRecord r;
    r.mutable_outcome()->set_action_id(1);
    r.mutable_outcome()->set_kind(proto::SUCCEEDED);
    r.mutable_outcome()->set_at_ms(at);
    return r;
  };
  struct Case {
    std::string name;
    std::vector<proto::JournalRecord> records;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"control kind 0", {control(0, 5)}, "journal record 0: unknown control"},
      {"control kind 7", {control(7, 5)}, "journal record 0: unknown control"},
      {"control kind -1",
       {control(-1, 5)},
       "journal record 0: unknown control"},
      {"resume while running",
       {control(proto::ControlCommand::RESUME, 5)},
       "journal record 0: Resume: the plan is running"},
      {"pause twice",
       {control(proto::ControlCommand::PAUSE, 5),
        control(proto::ControlCommand::PAUSE, 6)},
       "journal record 1: Pause: the plan is paused"},
      {"outcome twice",
       {issued, succeeded(20), succeeded(30)},
       "journal record 2: Report: action 1 (a/preflight, attempt 1) already "
       "finished"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(
        Orchestrator::Recover(*plan, c.records),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)));
  }
}

TEST(OrchestratorTest, InDoubtActionsAreReportedNotReissued) {
  auto plan = Compile("  - {id: a}\n  - {id: b}\n");
  ASSERT_TRUE(plan);
  MemorySink sink;
  auto o = Make(*plan, WithJournal(&sink));
  absl::StatusOr<std::vector<Action>> first = o->NextActions(0);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(o->Report(1, Outcome::Succeeded(), 1), IsOk());
  absl::StatusOr<std::vector<Action>> second = o->NextActions(2);
  ASSERT_THAT(second, IsOk());
  // Crash: a/terminate-old (3) and b/preflight (2) have no outcome.
  MemorySink after;
  absl::StatusOr<Orchestrator::Recovered> r =
      Orchestrator::Recover(*plan, sink.records, WithJournal(&after));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(StepIds(r->in_doubt),
              ElementsAre("b/preflight", "a/terminate-old"));
  EXPECT_EQ(r->in_doubt, o->InFlight());
  Orchestrator& rec = *r->orchestrator;
  absl::StatusOr<std::vector<Action>> none = rec.NextActions(3);
  ASSERT_THAT(none, IsOk());
  EXPECT_THAT(*none, IsEmpty());
  EXPECT_TRUE(after.records.empty());
  // The caller checked: terminate-old did happen.
  ASSERT_THAT(rec.Report(r->in_doubt[1].id, Outcome::Succeeded(), 4), IsOk());
  absl::StatusOr<std::vector<Action>> next = rec.NextActions(5);
  ASSERT_THAT(next, IsOk());
  EXPECT_THAT(StepIds(*next), ElementsAre("a/start-new"));
  EXPECT_EQ((*next)[0].id, 4u);
  EXPECT_EQ(after.records.size(), 2u);
}

}  // namespace
}  // namespace upgrade_core::exec
