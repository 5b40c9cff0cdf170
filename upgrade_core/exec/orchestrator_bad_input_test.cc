// The Orchestrator on bad input: bad reports, journal write failures,
// negative times, and journals Recover() refuses; and in-doubt actions after
// a crash, reported rather than reissued.
#include <functional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/orchestrator_test_util.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::exec {
namespace {

using test_util::Compile;
using test_util::Make;
using test_util::MemorySink;
using test_util::StepIds;
using test_util::WithJournal;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

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
