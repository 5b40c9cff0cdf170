// Exhaustive tests of the built-in lifecycles: every (state, event) pair, with
// the rollback policy on and off, against a table written out by hand.
#include "upgrade_core/fsm/lifecycles.h"

#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/fsm/instance.h"
#include "upgrade_core/fsm/internal/dispatch.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::fsm {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

struct Policy {
  bool rollback_on_failure = true;
  bool start_first = false;
};

// (state, event) -> target state for each guard combination, indexed by
// Combo(): [rollback, terminate-first], [no rollback, terminate-first],
// [rollback, start-first], [no rollback, start-first]. The plan lifecycle has
// no start_first guard: its rows repeat the first two targets.
using Targets = std::array<std::string, 4>;
using Outcomes = std::map<std::pair<std::string, std::string>, Targets>;

int Combo(const Policy& p) {
  return (p.rollback_on_failure ? 0 : 1) + (p.start_first ? 2 : 0);
}

// All four targets the same.
Targets Same(const std::string& to) { return {to, to, to, to}; }
// Depends on the rollback policy only.
Targets ByPolicy(const std::string& rollback, const std::string& no_rollback) {
  return {rollback, no_rollback, rollback, no_rollback};
}
// Depends on the order only.
Targets ByOrder(const std::string& terminate_first,
                const std::string& start_first) {
  return {terminate_first, terminate_first, start_first, start_first};
}

const Outcomes& ComponentOutcomes() {
  static const Outcomes* const outcomes = new Outcomes{
      {{"pending", "start"}, Same("preflight")},
      {{"pending", "pause"}, Same("paused")},
      {{"paused", "resume"}, Same("pending")},
      {{"preflight", "backup"}, Same("backing_up")},
      {{"preflight", "step_done"}, ByOrder("terminating_old", "starting_new")},
      {{"preflight", "step_failed"}, ByPolicy("failed", "halted")},
      {{"backing_up", "step_done"}, ByOrder("terminating_old", "starting_new")},
      {{"backing_up", "step_failed"}, ByPolicy("failed", "halted")},
      {{"terminating_old", "step_done"}, ByOrder("starting_new", "verifying")},
      {{"terminating_old", "step_failed"}, ByPolicy("rolling_back", "halted")},
      {{"terminating_old", "rollback"}, Same("rolling_back")},
      {{"starting_new", "step_done"}, Same("awaiting_ready")},
      {{"starting_new", "step_failed"}, ByPolicy("rolling_back", "halted")},
      {{"starting_new", "rollback"}, Same("rolling_back")},
      {{"awaiting_ready", "step_done"},
       ByOrder("verifying", "terminating_old")},
      {{"awaiting_ready", "step_failed"}, ByPolicy("rolling_back", "halted")},
      {{"awaiting_ready", "rollback"}, Same("rolling_back")},
      {{"verifying", "step_done"}, Same("succeeded")},
      {{"verifying", "step_failed"}, ByPolicy("rolling_back", "halted")},
      {{"verifying", "rollback"}, Same("rolling_back")},
      {{"succeeded", "rollback"}, Same("rolling_back")},
      {{"rolling_back", "rollback_done"}, Same("rolled_back")},
      {{"rolling_back", "rollback_failed"}, Same("failed")},
      // Issue 9: under pause/continue a failure is resumable, not terminal.
      {{"halted", "retry"}, Same("preflight")},
      {{"halted", "rollback"}, Same("rolling_back")},
      {{"halted", "abandon"}, Same("failed")},
  };
  return *outcomes;
}

const Outcomes& PlanOutcomes() {
  static const Outcomes* const outcomes = new Outcomes{
      {{"pending", "start"}, ByPolicy("preflight", "preflight")},
      {{"preflight", "preflight_passed"}, ByPolicy("running", "running")},
      {{"preflight", "preflight_failed"}, ByPolicy("failed", "failed")},
      {{"running", "pause"}, ByPolicy("pausing", "pausing")},
      {{"running", "steps_completed"}, ByPolicy("verifying", "verifying")},
      {{"running", "step_failed"}, ByPolicy("rolling_back", "failed")},
      {{"running", "rollback"}, ByPolicy("rolling_back", "rolling_back")},
      {{"pausing", "steps_drained"}, ByPolicy("paused", "paused")},
      {{"pausing", "resume"}, ByPolicy("running", "running")},
      {{"pausing", "step_failed"}, ByPolicy("rolling_back", "failed")},
      {{"pausing", "rollback"}, ByPolicy("rolling_back", "rolling_back")},
      {{"paused", "resume"}, ByPolicy("running", "running")},
      {{"paused", "rollback"}, ByPolicy("rolling_back", "rolling_back")},
      {{"verifying", "verify_passed"}, ByPolicy("succeeded", "succeeded")},
      {{"verifying", "verify_failed"}, ByPolicy("rolling_back", "failed")},
      {{"verifying", "rollback"}, ByPolicy("rolling_back", "rolling_back")},
      {{"rolling_back", "rollback_done"},
       ByPolicy("rolled_back", "rolled_back")},
      {{"rolling_back", "rollback_failed"}, ByPolicy("failed", "failed")},
  };
  return *outcomes;
}

absl::StatusOr<Instance<Policy>> NewInstance(const StateMachine& machine) {
  Callbacks<Policy> callbacks;
  callbacks.Guard(kRollbackOnFailureGuard,
                  [](Policy& p) { return p.rollback_on_failure; });
  if (machine.name() == "component_lifecycle") {
    callbacks.Guard(kStartFirstGuard, [](Policy& p) { return p.start_first; });
  }
  return Instance<Policy>::Create(machine, std::move(callbacks));
}

void ExpectExhaustive(const StateMachine& m, const Outcomes& outcomes) {
  int transitions = 0;
  for (bool start_first : {false, true}) {
    for (bool rollback : {true, false}) {
      const Policy combo{rollback, start_first};
      for (StateId s = 0; s < m.num_states(); ++s) {
        for (EventId e = 0; e < m.num_events(); ++e) {
          const std::string& state = m.state_name(s);
          const std::string& event = m.event_name(e);
          SCOPED_TRACE(absl::StrCat(
              state, " + ", event, rollback ? " (rollback" : " (no rollback",
              start_first ? ", start-first)" : ", terminate-first)"));
          absl::StatusOr<Instance<Policy>> run = NewInstance(m);
          ASSERT_THAT(run, IsOk());
          ASSERT_THAT(run->Restore(s, {}), IsOk());
          Policy policy = combo;
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
            EXPECT_EQ(run->state_name(), it->second[Combo(combo)]);
          }
        }
      }
    }
  }
  EXPECT_EQ(transitions, 4 * static_cast<int>(outcomes.size()));
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
    for (const DefinitionProblem& p : m->Check()) messages.push_back(p.message);
    EXPECT_THAT(messages, IsEmpty());
  }
}

TEST(LifecyclesTest, EnumsMatchDefinitions) {
  const StateMachine& c = ComponentLifecycle();
  ASSERT_EQ(c.num_states(), component_lifecycle::kNumStates);
  ASSERT_EQ(c.num_events(), component_lifecycle::kNumEvents);
  EXPECT_EQ(c.name(), "component_lifecycle");
  const std::vector<std::pair<StateId, const char*>> cstates = {
      {component_lifecycle::kPending, "pending"},
      {component_lifecycle::kPaused, "paused"},
      {component_lifecycle::kPreflight, "preflight"},
      {component_lifecycle::kBackingUp, "backing_up"},
      {component_lifecycle::kTerminatingOld, "terminating_old"},
      {component_lifecycle::kStartingNew, "starting_new"},
      {component_lifecycle::kAwaitingReady, "awaiting_ready"},
      {component_lifecycle::kVerifying, "verifying"},
      {component_lifecycle::kSucceeded, "succeeded"},
      {component_lifecycle::kFailed, "failed"},
      {component_lifecycle::kRollingBack, "rolling_back"},
      {component_lifecycle::kRolledBack, "rolled_back"},
      {component_lifecycle::kHalted, "halted"}};
  for (const auto& [id, name] : cstates) EXPECT_EQ(c.state_name(id), name);
  const std::vector<std::pair<EventId, const char*>> cevents = {
      {component_lifecycle::kStart, "start"},
      {component_lifecycle::kPause, "pause"},
      {component_lifecycle::kResume, "resume"},
      {component_lifecycle::kStepDone, "step_done"},
      {component_lifecycle::kStepFailed, "step_failed"},
      {component_lifecycle::kRollback, "rollback"},
      {component_lifecycle::kRetry, "retry"},
      {component_lifecycle::kAbandon, "abandon"},
      {component_lifecycle::kRollbackDone, "rollback_done"},
      {component_lifecycle::kRollbackFailed, "rollback_failed"},
      {component_lifecycle::kBackup, "backup"}};
  for (const auto& [id, name] : cevents) EXPECT_EQ(c.event_name(id), name);
  EXPECT_EQ(c.initial(), component_lifecycle::kPending);

  const StateMachine& p = PlanLifecycle();
  ASSERT_EQ(p.num_states(), plan_lifecycle::kNumStates);
  ASSERT_EQ(p.num_events(), plan_lifecycle::kNumEvents);
  EXPECT_EQ(p.name(), "plan_lifecycle");
  const std::vector<std::pair<StateId, const char*>> pstates = {
      {plan_lifecycle::kPending, "pending"},
      {plan_lifecycle::kPreflight, "preflight"},
      {plan_lifecycle::kRunning, "running"},
      {plan_lifecycle::kPausing, "pausing"},
      {plan_lifecycle::kPaused, "paused"},
      {plan_lifecycle::kVerifying, "verifying"},
      {plan_lifecycle::kSucceeded, "succeeded"},
      {plan_lifecycle::kFailed, "failed"},
      {plan_lifecycle::kRollingBack, "rolling_back"},
      {plan_lifecycle::kRolledBack, "rolled_back"}};
  for (const auto& [id, name] : pstates) EXPECT_EQ(p.state_name(id), name);
  const std::vector<std::pair<EventId, const char*>> pevents = {
      {plan_lifecycle::kStart, "start"},
      {plan_lifecycle::kPreflightPassed, "preflight_passed"},
      {plan_lifecycle::kPreflightFailed, "preflight_failed"},
      {plan_lifecycle::kPause, "pause"},
      {plan_lifecycle::kStepsDrained, "steps_drained"},
      {plan_lifecycle::kResume, "resume"},
      {plan_lifecycle::kStepsCompleted, "steps_completed"},
      {plan_lifecycle::kStepFailed, "step_failed"},
      {plan_lifecycle::kVerifyPassed, "verify_passed"},
      {plan_lifecycle::kVerifyFailed, "verify_failed"},
      {plan_lifecycle::kRollback, "rollback"},
      {plan_lifecycle::kRollbackDone, "rollback_done"},
      {plan_lifecycle::kRollbackFailed, "rollback_failed"}};
  for (const auto& [id, name] : pevents) EXPECT_EQ(p.event_name(id), name);
}

// Graph properties the issue states, checked on the definitions themselves.
// In either order, every state from the first touch on (terminating_old or
// starting_new) accepts rollback.
TEST(LifecyclesTest, RollbackReachableOnceAnythingWasTouched) {
  const StateMachine& c = ComponentLifecycle();
  for (StateId s :
       {component_lifecycle::kTerminatingOld, component_lifecycle::kStartingNew,
        component_lifecycle::kAwaitingReady, component_lifecycle::kVerifying,
        component_lifecycle::kSucceeded}) {
    SCOPED_TRACE(c.state_name(s));
    uint32_t i = internal::Dispatch::FirstCandidate(
        c, s, component_lifecycle::kRollback);
    ASSERT_NE(i, internal::kNoTransition);
    EXPECT_EQ(internal::Dispatch::Rows(c)[i].to,
              component_lifecycle::kRollingBack);
  }
  // Before the first touch there is nothing to roll back.
  for (StateId s :
       {component_lifecycle::kPending, component_lifecycle::kPaused,
        component_lifecycle::kPreflight, component_lifecycle::kBackingUp}) {
    EXPECT_EQ(internal::Dispatch::FirstCandidate(
                  c, s, component_lifecycle::kRollback),
              internal::kNoTransition);
  }
  const StateMachine& p = PlanLifecycle();
  for (StateId s : {plan_lifecycle::kRunning, plan_lifecycle::kPausing,
                    plan_lifecycle::kPaused, plan_lifecycle::kVerifying}) {
    SCOPED_TRACE(p.state_name(s));
    EXPECT_NE(
        internal::Dispatch::FirstCandidate(p, s, plan_lifecycle::kRollback),
        internal::kNoTransition);
  }
}

TEST(LifecyclesTest, PausedOnlyBetweenSteps) {
  // The only ways into a paused state: the plan after in-flight steps
  // drained, the component before its first step.
  for (const auto& [m, paused, from] :
       {std::make_tuple(&PlanLifecycle(), StateId{plan_lifecycle::kPaused},
                        StateId{plan_lifecycle::kPausing}),
        std::make_tuple(&ComponentLifecycle(),
                        StateId{component_lifecycle::kPaused},
                        StateId{component_lifecycle::kPending})}) {
    SCOPED_TRACE(m->name());
    for (const internal::CompiledTransition& t : internal::Dispatch::Rows(*m)) {
      if (t.to == paused) {
        EXPECT_EQ(t.from, from);
      }
    }
  }
  // Nothing is in flight while paused: no step outcome is accepted.
  EXPECT_EQ(internal::Dispatch::FirstCandidate(PlanLifecycle(),
                                               plan_lifecycle::kPaused,
                                               plan_lifecycle::kStepFailed),
            internal::kNoTransition);
}

// The two orders the planner emits, walked with step_done (and backup).
TEST(LifecyclesTest, BothStepOrdersWithAndWithoutBackup) {
  struct Case {
    bool start_first;
    bool backup;
    std::vector<std::string> states;  // after start, one per step
  };
  const std::vector<Case> cases = {
      {false,
       false,
       {"preflight", "terminating_old", "starting_new", "awaiting_ready",
        "verifying", "succeeded"}},
      {false,
       true,
       {"preflight", "backing_up", "terminating_old", "starting_new",
        "awaiting_ready", "verifying", "succeeded"}},
      {true,
       false,
       {"preflight", "starting_new", "awaiting_ready", "terminating_old",
        "verifying", "succeeded"}},
      {true,
       true,
       {"preflight", "backing_up", "starting_new", "awaiting_ready",
        "terminating_old", "verifying", "succeeded"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.start_first ? "start-first" : "terminate-first",
                              c.backup ? " with backup" : ""));
    absl::StatusOr<Instance<Policy>> run = NewInstance(ComponentLifecycle());
    ASSERT_THAT(run, IsOk());
    Policy policy{true, c.start_first};
    ASSERT_THAT(run->Fire(component_lifecycle::kStart, policy), IsOk());
    std::vector<std::string> seen = {run->state_name()};
    while (!run->is_terminal() &&
           run->state() != component_lifecycle::kSucceeded) {
      const EventId event =
          run->state() == component_lifecycle::kPreflight && c.backup
              ? EventId{component_lifecycle::kBackup}
              : EventId{component_lifecycle::kStepDone};
      ASSERT_THAT(run->Fire(event, policy), IsOk());
      seen.push_back(run->state_name());
    }
    EXPECT_EQ(seen, c.states);
  }
}

// Start-first touches the cluster first by starting the new instance: a
// failure there (or while waiting for it) must undo it per policy.
TEST(LifecyclesTest, StartFirstFailureOnFirstTouchRollsBack) {
  for (bool rollback : {true, false}) {
    for (EventId failing_step_events : {1, 2}) {
      SCOPED_TRACE(absl::StrCat(rollback ? "rollback" : "no rollback",
                                ", failure after ", failing_step_events,
                                " step(s)"));
      absl::StatusOr<Instance<Policy>> run = NewInstance(ComponentLifecycle());
      ASSERT_THAT(run, IsOk());
      Policy policy{rollback, true};
      ASSERT_THAT(run->Fire(component_lifecycle::kStart, policy), IsOk());
      for (int i = 0; i < failing_step_events; ++i) {
        ASSERT_THAT(run->Fire(component_lifecycle::kStepDone, policy), IsOk());
      }
      ASSERT_TRUE(run->state() == component_lifecycle::kStartingNew ||
                  run->state() == component_lifecycle::kAwaitingReady);
      EXPECT_TRUE(run->CanFire(component_lifecycle::kRollback));
      ASSERT_THAT(run->Fire(component_lifecycle::kStepFailed, policy), IsOk());
      EXPECT_EQ(run->state(), rollback ? component_lifecycle::kRollingBack
                                       : component_lifecycle::kHalted);
    }
  }
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
  for (EventId e :
       {component_lifecycle::kStart, component_lifecycle::kStepDone,
        component_lifecycle::kStepDone, component_lifecycle::kStepDone,
        component_lifecycle::kStepFailed, component_lifecycle::kRollbackDone}) {
    ASSERT_THAT(run->Fire(e, policy), IsOk());
  }
  EXPECT_EQ(run->state(), component_lifecycle::kRolledBack);
  EXPECT_TRUE(run->is_terminal());
}

}  // namespace
}  // namespace upgrade_core::fsm
