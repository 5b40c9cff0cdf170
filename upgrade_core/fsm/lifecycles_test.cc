// Exhaustive tests of the built-in lifecycles: every (state, event) pair, with
// the rollback policy on and off, against a table written out by hand.
#include "upgrade_core/fsm/lifecycles.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/fsm/instance.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::fsm {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

struct Policy {
  bool rollback_on_failure;
};

// (state, event) -> {target with rollback policy, target without}.
using Outcomes = std::map<std::pair<std::string, std::string>,
                          std::pair<std::string, std::string>>;

const Outcomes& ComponentOutcomes() {
  static const Outcomes* const outcomes = new Outcomes{
      {{"pending", "start"}, {"preflight", "preflight"}},
      {{"pending", "pause"}, {"paused", "paused"}},
      {{"paused", "resume"}, {"pending", "pending"}},
      {{"preflight", "step_done"}, {"backing_up", "backing_up"}},
      {{"preflight", "step_failed"}, {"failed", "failed"}},
      {{"backing_up", "step_done"}, {"terminating_old", "terminating_old"}},
      {{"backing_up", "step_failed"}, {"failed", "failed"}},
      {{"terminating_old", "step_done"}, {"starting_new", "starting_new"}},
      {{"terminating_old", "step_failed"}, {"rolling_back", "failed"}},
      {{"terminating_old", "rollback"}, {"rolling_back", "rolling_back"}},
      {{"starting_new", "step_done"}, {"awaiting_ready", "awaiting_ready"}},
      {{"starting_new", "step_failed"}, {"rolling_back", "failed"}},
      {{"starting_new", "rollback"}, {"rolling_back", "rolling_back"}},
      {{"awaiting_ready", "step_done"}, {"verifying", "verifying"}},
      {{"awaiting_ready", "step_failed"}, {"rolling_back", "failed"}},
      {{"awaiting_ready", "rollback"}, {"rolling_back", "rolling_back"}},
      {{"verifying", "step_done"}, {"succeeded", "succeeded"}},
      {{"verifying", "step_failed"}, {"rolling_back", "failed"}},
      {{"verifying", "rollback"}, {"rolling_back", "rolling_back"}},
      {{"succeeded", "rollback"}, {"rolling_back", "rolling_back"}},
      {{"rolling_back", "rollback_done"}, {"rolled_back", "rolled_back"}},
      {{"rolling_back", "rollback_failed"}, {"failed", "failed"}},
  };
  return *outcomes;
}

const Outcomes& PlanOutcomes() {
  static const Outcomes* const outcomes = new Outcomes{
      {{"pending", "start"}, {"preflight", "preflight"}},
      {{"preflight", "preflight_passed"}, {"running", "running"}},
      {{"preflight", "preflight_failed"}, {"failed", "failed"}},
      {{"running", "pause"}, {"pausing", "pausing"}},
      {{"running", "steps_completed"}, {"verifying", "verifying"}},
      {{"running", "step_failed"}, {"rolling_back", "failed"}},
      {{"running", "rollback"}, {"rolling_back", "rolling_back"}},
      {{"pausing", "steps_drained"}, {"paused", "paused"}},
      {{"pausing", "resume"}, {"running", "running"}},
      {{"pausing", "step_failed"}, {"rolling_back", "failed"}},
      {{"pausing", "rollback"}, {"rolling_back", "rolling_back"}},
      {{"paused", "resume"}, {"running", "running"}},
      {{"paused", "rollback"}, {"rolling_back", "rolling_back"}},
      {{"verifying", "verify_passed"}, {"succeeded", "succeeded"}},
      {{"verifying", "verify_failed"}, {"rolling_back", "failed"}},
      {{"verifying", "rollback"}, {"rolling_back", "rolling_back"}},
      {{"rolling_back", "rollback_done"}, {"rolled_back", "rolled_back"}},
      {{"rolling_back", "rollback_failed"}, {"failed", "failed"}},
  };
  return *outcomes;
}

absl::StatusOr<Instance<Policy>> NewInstance(const StateMachine& machine) {
  return Instance<Policy>::Create(
      machine,
      Callbacks<Policy>().Guard(kRollbackOnFailureGuard, [](Policy& p) {
        return p.rollback_on_failure;
      }));
}

void ExpectExhaustive(const StateMachine& m, const Outcomes& outcomes) {
  int transitions = 0;
  for (bool rollback : {true, false}) {
    for (StateId s = 0; s < m.num_states(); ++s) {
      for (EventId e = 0; e < m.num_events(); ++e) {
        const std::string& state = m.state_name(s);
        const std::string& event = m.event_name(e);
        SCOPED_TRACE(absl::StrCat(state, " + ", event,
                                  rollback ? " (rollback)" : " (no rollback)"));
        absl::StatusOr<Instance<Policy>> run = NewInstance(m);
        ASSERT_THAT(run, IsOk());
        ASSERT_THAT(run->Restore(s, {}), IsOk());
        Policy policy{rollback};
        absl::Status status = run->Fire(e, policy);
        auto it = outcomes.find({state, event});
        if (it == outcomes.end()) {
          EXPECT_THAT(
              status,
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat("event '", event,
                                              "' is not allowed in state '",
                                              state, "'"))));
          EXPECT_EQ(run->state_name(), state);
          EXPECT_FALSE(run->CanFire(e));
        } else {
          ++transitions;
          EXPECT_THAT(status, IsOk());
          EXPECT_EQ(run->state_name(),
                    rollback ? it->second.first : it->second.second);
          EXPECT_TRUE(m.state_name(s) == state);  // the instance, not the
                                                  // machine, changed
        }
      }
    }
  }
  EXPECT_EQ(transitions, 2 * static_cast<int>(outcomes.size()));
}

TEST(LifecyclesTest, ComponentEveryStateEventPair) {
  ExpectExhaustive(ComponentLifecycle(), ComponentOutcomes());
}

TEST(LifecyclesTest, PlanEveryStateEventPair) {
  ExpectExhaustive(PlanLifecycle(), PlanOutcomes());
}

TEST(LifecyclesTest, DefinitionsAreSound) {
  for (const StateMachine* m : {&ComponentLifecycle(), &PlanLifecycle()}) {
    SCOPED_TRACE(m->name());
    std::vector<std::string> messages;
    for (const Problem& p : m->Check()) messages.push_back(p.message);
    EXPECT_THAT(messages, IsEmpty());
  }
}

TEST(LifecyclesTest, EnumsMatchDefinitions) {
  const StateMachine& c = ComponentLifecycle();
  ASSERT_EQ(c.num_states(), component::kNumStates);
  ASSERT_EQ(c.num_events(), component::kNumEvents);
  EXPECT_EQ(c.name(), "component_lifecycle");
  const std::vector<std::pair<StateId, const char*>> cstates = {
      {component::kPending, "pending"},
      {component::kPaused, "paused"},
      {component::kPreflight, "preflight"},
      {component::kBackingUp, "backing_up"},
      {component::kTerminatingOld, "terminating_old"},
      {component::kStartingNew, "starting_new"},
      {component::kAwaitingReady, "awaiting_ready"},
      {component::kVerifying, "verifying"},
      {component::kSucceeded, "succeeded"},
      {component::kFailed, "failed"},
      {component::kRollingBack, "rolling_back"},
      {component::kRolledBack, "rolled_back"}};
  for (const auto& [id, name] : cstates) EXPECT_EQ(c.state_name(id), name);
  const std::vector<std::pair<EventId, const char*>> cevents = {
      {component::kStart, "start"},
      {component::kPause, "pause"},
      {component::kResume, "resume"},
      {component::kStepDone, "step_done"},
      {component::kStepFailed, "step_failed"},
      {component::kRollback, "rollback"},
      {component::kRollbackDone, "rollback_done"},
      {component::kRollbackFailed, "rollback_failed"}};
  for (const auto& [id, name] : cevents) EXPECT_EQ(c.event_name(id), name);
  EXPECT_EQ(c.initial(), component::kPending);

  const StateMachine& p = PlanLifecycle();
  ASSERT_EQ(p.num_states(), plan::kNumStates);
  ASSERT_EQ(p.num_events(), plan::kNumEvents);
  EXPECT_EQ(p.name(), "plan_lifecycle");
  const std::vector<std::pair<StateId, const char*>> pstates = {
      {plan::kPending, "pending"},
      {plan::kPreflight, "preflight"},
      {plan::kRunning, "running"},
      {plan::kPausing, "pausing"},
      {plan::kPaused, "paused"},
      {plan::kVerifying, "verifying"},
      {plan::kSucceeded, "succeeded"},
      {plan::kFailed, "failed"},
      {plan::kRollingBack, "rolling_back"},
      {plan::kRolledBack, "rolled_back"}};
  for (const auto& [id, name] : pstates) EXPECT_EQ(p.state_name(id), name);
  const std::vector<std::pair<EventId, const char*>> pevents = {
      {plan::kStart, "start"},
      {plan::kPreflightPassed, "preflight_passed"},
      {plan::kPreflightFailed, "preflight_failed"},
      {plan::kPause, "pause"},
      {plan::kStepsDrained, "steps_drained"},
      {plan::kResume, "resume"},
      {plan::kStepsCompleted, "steps_completed"},
      {plan::kStepFailed, "step_failed"},
      {plan::kVerifyPassed, "verify_passed"},
      {plan::kVerifyFailed, "verify_failed"},
      {plan::kRollback, "rollback"},
      {plan::kRollbackDone, "rollback_done"},
      {plan::kRollbackFailed, "rollback_failed"}};
  for (const auto& [id, name] : pevents) EXPECT_EQ(p.event_name(id), name);
}

// Graph properties the issue states, checked on the definitions themselves.
TEST(LifecyclesTest, RollbackReachableOnceOldWasTouched) {
  const StateMachine& c = ComponentLifecycle();
  for (StateId s : {component::kTerminatingOld, component::kStartingNew,
                    component::kAwaitingReady, component::kVerifying,
                    component::kSucceeded}) {
    SCOPED_TRACE(c.state_name(s));
    uint32_t i = c.FirstCandidate(s, component::kRollback);
    ASSERT_NE(i, StateMachine::kNoTransition);
    EXPECT_EQ(c.transitions()[i].to, component::kRollingBack);
  }
  // Before the first touch there is nothing to roll back.
  for (StateId s : {component::kPending, component::kPaused,
                    component::kPreflight, component::kBackingUp}) {
    EXPECT_EQ(c.FirstCandidate(s, component::kRollback),
              StateMachine::kNoTransition);
  }
  const StateMachine& p = PlanLifecycle();
  for (StateId s :
       {plan::kRunning, plan::kPausing, plan::kPaused, plan::kVerifying}) {
    SCOPED_TRACE(p.state_name(s));
    EXPECT_NE(p.FirstCandidate(s, plan::kRollback),
              StateMachine::kNoTransition);
  }
}

TEST(LifecyclesTest, PausedOnlyBetweenSteps) {
  // The only ways into a paused state: the plan after in-flight steps
  // drained, the component before its first step.
  for (const auto& [m, paused, from] :
       {std::make_tuple(&PlanLifecycle(), StateId{plan::kPaused},
                        StateId{plan::kPausing}),
        std::make_tuple(&ComponentLifecycle(), StateId{component::kPaused},
                        StateId{component::kPending})}) {
    SCOPED_TRACE(m->name());
    for (const CompiledTransition& t : m->transitions()) {
      if (t.to == paused) {
        EXPECT_EQ(t.from, from);
      }
    }
  }
  // Nothing is in flight while paused: no step outcome is accepted.
  EXPECT_EQ(PlanLifecycle().FirstCandidate(plan::kPaused, plan::kStepFailed),
            StateMachine::kNoTransition);
}

TEST(LifecyclesTest, Diagrams) {
  std::string mermaid = ComponentLifecycle().ToMermaid();
  EXPECT_THAT(mermaid, HasSubstr("stateDiagram-v2\n    [*] --> pending\n"));
  EXPECT_THAT(mermaid, HasSubstr("    verifying --> rolling_back : step_failed "
                                 "[rollback_on_failure]\n"));
  EXPECT_THAT(mermaid, HasSubstr("    rolled_back --> [*]\n"));
  EXPECT_THAT(PlanLifecycle().ToDot(),
              HasSubstr("\"pausing\" -> \"paused\" [label=\"steps_drained\"]"));
}

TEST(LifecyclesTest, ByIdDispatchAndFastPath) {
  absl::StatusOr<Instance<Policy>> run = NewInstance(ComponentLifecycle());
  ASSERT_THAT(run, IsOk());
  Policy policy{true};
  for (EventId e : {component::kStart, component::kStepDone,
                    component::kStepDone, component::kStepDone,
                    component::kStepFailed, component::kRollbackDone}) {
    ASSERT_THAT(run->Fire(e, policy), IsOk());
  }
  EXPECT_EQ(run->state(), component::kRolledBack);
  EXPECT_TRUE(run->is_terminal());
}

}  // namespace
}  // namespace upgrade_core::fsm
