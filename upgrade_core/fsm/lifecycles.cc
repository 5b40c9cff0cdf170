// The component and plan lifecycle definitions.
#include "upgrade_core/fsm/lifecycles.h"

#include <cstdlib>
#include <iostream>

#include "upgrade_core/fsm/definition.h"

namespace upgrade_core::fsm {
namespace {

StateMachine BuildOrDie(const StateMachineBuilder& builder) {
  absl::StatusOr<StateMachine> machine = builder.Build();
  if (!machine.ok()) {
    // A built-in definition is constant: failing here is a programming error
    // caught by lifecycles_test on every build.
    std::cerr << "upgrade_core: built-in lifecycle is invalid: "
              << machine.status() << "\n";
    std::abort();
  }
  return *std::move(machine);
}

StateMachine MakeComponentLifecycle() {
  StateMachineBuilder b("component_lifecycle");
  // Declaration order == component::State / component::Event.
  b.States({"pending", "paused", "preflight", "backing_up", "terminating_old",
            "starting_new", "awaiting_ready", "verifying", "succeeded",
            "failed", "rolling_back", "rolled_back", "halted"})
      .Events({"start", "pause", "resume", "step_done", "step_failed",
               "rollback", "rollback_done", "rollback_failed", "backup",
               "retry", "abandon"})
      .Initial("pending")
      .Terminal({"failed", "rolled_back"});
  const char* kPolicy = kRollbackOnFailureGuard;
  const std::string kNoPolicy = std::string("!") + kPolicy;
  const char* kStart = kStartFirstGuard;
  const std::string kTerminate = std::string("!") + kStart;
  b.On("pending", "start", "preflight")
      .On("pending", "pause", "paused")
      .On("paused", "resume", "pending");
  // Before anything is touched a failure leaves nothing to undo. The optional
  // backup is entered by its own event: a guard is one name or its negation,
  // so a (state, event) splits only two ways, and preflight already splits
  // on the strategy.
  b.On("preflight", "backup", "backing_up")
      .On("preflight", "step_done", "starting_new")
      .If(kStart)
      .On("preflight", "step_done", "terminating_old")
      .If(kTerminate)
      .On("preflight", "step_failed", "failed")
      .If(kPolicy)
      .On("preflight", "step_failed", "halted")
      .If(kNoPolicy)
      .On("backing_up", "step_done", "starting_new")
      .If(kStart)
      .On("backing_up", "step_done", "terminating_old")
      .If(kTerminate)
      .On("backing_up", "step_failed", "failed")
      .If(kPolicy)
      .On("backing_up", "step_failed", "halted")
      .If(kNoPolicy);
  // The touching steps, in each order:
  //   terminate-first: terminating_old -> starting_new -> awaiting_ready
  //                    -> verifying
  //   start-first:     starting_new -> awaiting_ready -> terminating_old
  //                    -> verifying
  b.On("terminating_old", "step_done", "verifying")
      .If(kStart)
      .On("terminating_old", "step_done", "starting_new")
      .If(kTerminate)
      .On("starting_new", "step_done", "awaiting_ready")
      .On("awaiting_ready", "step_done", "terminating_old")
      .If(kStart)
      .On("awaiting_ready", "step_done", "verifying")
      .If(kTerminate)
      .On("verifying", "step_done", "succeeded");
  // From the first touch on (terminating_old in one order, starting_new in
  // the other; either way every later state): failure -> rollback per
  // policy; rollback on request.
  for (const char* touched :
       {"terminating_old", "starting_new", "awaiting_ready", "verifying"}) {
    b.On(touched, "step_failed", "rolling_back")
        .If(kPolicy)
        .On(touched, "step_failed", "halted")
        .If(kNoPolicy)
        .On(touched, "rollback", "rolling_back");
  }
  b.On("succeeded", "rollback", "rolling_back")
      .On("rolling_back", "rollback_done", "rolled_back")
      .On("rolling_back", "rollback_failed", "failed");
  // Held after a failure the policy does not roll back (pause, continue):
  // resumable, not terminal.
  b.On("halted", "retry", "preflight")
      .On("halted", "rollback", "rolling_back")
      .On("halted", "abandon", "failed");
  return BuildOrDie(b);
}

StateMachine MakePlanLifecycle() {
  StateMachineBuilder b("plan_lifecycle");
  // Declaration order == plan::State / plan::Event.
  b.States({"pending", "preflight", "running", "pausing", "paused", "verifying",
            "succeeded", "failed", "rolling_back", "rolled_back"})
      .Events({"start", "preflight_passed", "preflight_failed", "pause",
               "steps_drained", "resume", "steps_completed", "step_failed",
               "verify_passed", "verify_failed", "rollback", "rollback_done",
               "rollback_failed"})
      .Initial("pending")
      .Terminal({"succeeded", "failed", "rolled_back"});
  const char* kPolicy = kRollbackOnFailureGuard;
  const std::string kNoPolicy = std::string("!") + kPolicy;
  b.On("pending", "start", "preflight")
      .On("preflight", "preflight_passed", "running")
      .On("preflight", "preflight_failed", "failed")
      .On("running", "pause", "pausing")
      .On("pausing", "steps_drained", "paused")
      .On("pausing", "resume", "running")
      .On("paused", "resume", "running")
      .On("running", "steps_completed", "verifying")
      .On("running", "step_failed", "rolling_back")
      .If(kPolicy)
      .On("running", "step_failed", "failed")
      .If(kNoPolicy)
      // A step still in flight when the pause was requested may fail.
      .On("pausing", "step_failed", "rolling_back")
      .If(kPolicy)
      .On("pausing", "step_failed", "failed")
      .If(kNoPolicy)
      .On("verifying", "verify_passed", "succeeded")
      .On("verifying", "verify_failed", "rolling_back")
      .If(kPolicy)
      .On("verifying", "verify_failed", "failed")
      .If(kNoPolicy);
  for (const char* from : {"running", "pausing", "paused", "verifying"}) {
    b.On(from, "rollback", "rolling_back");
  }
  b.On("rolling_back", "rollback_done", "rolled_back")
      .On("rolling_back", "rollback_failed", "failed");
  return BuildOrDie(b);
}

}  // namespace

const StateMachine& ComponentLifecycle() {
  static const StateMachine* const machine =
      new StateMachine(MakeComponentLifecycle());
  return *machine;
}

const StateMachine& PlanLifecycle() {
  static const StateMachine* const machine =
      new StateMachine(MakePlanLifecycle());
  return *machine;
}

}  // namespace upgrade_core::fsm
