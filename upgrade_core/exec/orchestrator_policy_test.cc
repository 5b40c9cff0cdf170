// The Orchestrator's failure policies (rollback-all, rollback-failed,
// continue, pause), operator pause, resume and abort, failed rollbacks, and
// points of no return (irreversible components, checkpoints), each on a
// small plan written in YAML.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/orchestrator_test_util.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::exec {
namespace {

using test_util::Compile;
using test_util::Driver;
using test_util::Make;
using test_util::NoteOf;
using test_util::RunUntil;
using test_util::StateOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

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

}  // namespace
}  // namespace upgrade_core::exec
