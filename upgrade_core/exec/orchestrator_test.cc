// The Orchestrator's gates, deadlines and retries, and readiness freshness,
// each on a small plan written in YAML; and its small helpers (SHA-256, plan
// hash, durations). Failure policies and points of no return are in
// orchestrator_policy_test.cc, bad input in orchestrator_bad_input_test.cc.
#include "upgrade_core/exec/orchestrator.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/orchestrator_test_util.h"
#include "upgrade_core/exec/sha256.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::exec {
namespace {

using test_util::Compile;
using test_util::Driver;
using test_util::Make;
using test_util::MemorySink;
using test_util::NoteOf;
using test_util::RunUntil;
using test_util::StateOf;
using test_util::StepIds;
using test_util::WithJournal;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

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

}  // namespace
}  // namespace upgrade_core::exec
