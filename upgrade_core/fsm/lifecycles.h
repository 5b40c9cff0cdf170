// File: lifecycles.h
// -----------------------------------------------------------------------------
// The built-in lifecycles, as ordinary StateMachines:
//
// * ComponentLifecycle(): one component being upgraded. Its steps run in
//   one of two orders, picked by the `start_first` guard (bound per
//   component from the plan's strategy, see plan::StepTransition()):
//     terminate-first (!start_first): preflight -> [backing_up] ->
//       terminating_old -> starting_new -> awaiting_ready -> verifying
//     start-first (start_first; also surging rolling updates): preflight ->
//       [backing_up] -> starting_new -> awaiting_ready -> terminating_old ->
//       verifying
//   then succeeded. `step_done` / `step_failed` report the outcome of the
//   current step; a passed preflight fires `backup` instead of `step_done` when
//   the component has a backup step. A failure before anything is touched
//   (preflight, backing_up) ends in `failed` (nothing to undo) when the policy
//   rolls back (see below for the other policies); from the first touch on
//   (terminating_old or starting_new, whichever comes first, and every later
//   state) a failure goes to `rolling_back` when the `rollback_on_failure`
//   guard (the plan's policy) holds and to `halted` otherwise, and `rollback`
//   is accepted in every such state, including `succeeded` (a later component
//   failed and the plan rolls back). Under a policy that does not roll back
//   (pause, continue) a failed preflight or backup halts too. `halted` is not
//   terminal: the operator `retry`s (back to preflight), `rollback`s, or
//   `abandon`s (-> failed). A component can be paused only before its first
//   step (`pending`); pausing between the steps of a running plan is the plan
//   lifecycle's `pause`. Terminal: failed, rolled_back.
//
// * PlanLifecycle(): the plan as a whole. `pause` stops new steps
//   (`pausing`); once in-flight steps have drained (`steps_drained`) the plan
//   is `paused`, so a plan is only ever paused between steps. A failed step
//   or verification rolls back per the `rollback_on_failure` policy guard.
//   Terminal: succeeded, failed, rolled_back.
//
// The enums below are the StateIds/EventIds of the definitions (declaration
// order), so callers can dispatch without name lookups:
//
//   auto c = Instance<>::Create(
//       ComponentLifecycle(),
//       Callbacks<NoContext>()
//           .Guard(kRollbackOnFailureGuard, [](NoContext&) { return true; })
//           .Guard(kStartFirstGuard, [](NoContext&) { return false; }));
//   c->Fire(component_lifecycle::kStart);
#ifndef UPGRADE_CORE_FSM_LIFECYCLES_H_
#define UPGRADE_CORE_FSM_LIFECYCLES_H_

#include "upgrade_core/fsm/state_machine.h"

namespace upgrade_core::fsm {

// The policy guard both lifecycles use: true = roll back on failure.
inline constexpr char kRollbackOnFailureGuard[] = "rollback_on_failure";
// The component lifecycle's order guard: true = the new instance starts and
// is ready before the old one stops (StartFirst, surging RollingUpdate).
inline constexpr char kStartFirstGuard[] = "start_first";

namespace component_lifecycle {

enum State : StateId {
  kPending,         // not started; waiting for dependencies
  kPaused,          // held by the operator before its first step
  kPreflight,       // checks before anything is touched
  kBackingUp,       // backing up state/config of the old instance
  kTerminatingOld,  // stopping the old instance (first touch if !start_first)
  kStartingNew,     // starting the new instance (first touch if start_first)
  kAwaitingReady,   // waiting for the new instance to report ready
  kVerifying,       // post-upgrade verification
  kSucceeded,       // upgraded and verified (a plan rollback may undo it)
  kFailed,          // terminal: failed with nothing to undo, or no rollback
  kRollingBack,     // restoring the old instance
  kRolledBack,      // terminal: the old instance is back
  kHalted,          // failed, no rollback by policy: retry, rollback or abandon
  kNumStates
};

enum Event : EventId {
  kStart,           // pending -> preflight
  kPause,           // pending -> paused
  kResume,          // paused -> pending
  kStepDone,        // the current step succeeded: go to the next one
  kStepFailed,      // the current step failed
  kRollback,        // roll back (operator or plan), once the old was touched
  kRollbackDone,    // rolling_back -> rolled_back
  kRollbackFailed,  // rolling_back -> failed
  kBackup,          // preflight passed; back up next: preflight -> backing_up
  kRetry,           // halted -> preflight: run the component's steps again
  kAbandon,         // halted -> failed: give up on this component
  kNumEvents
};

}  // namespace component_lifecycle

namespace plan_lifecycle {

enum State : StateId {
  kPending,      // not started
  kPreflight,    // plan-wide checks (config compatibility, skew, capacity)
  kRunning,      // steps being issued
  kPausing,      // pause requested: no new steps, in-flight ones finishing
  kPaused,       // between steps, nothing in flight
  kVerifying,    // all steps done; plan-wide verification
  kSucceeded,    // terminal
  kFailed,       // terminal
  kRollingBack,  // undoing completed steps in reverse dependency order
  kRolledBack,   // terminal
  kNumStates
};

enum Event : EventId {
  kStart,            // pending -> preflight
  kPreflightPassed,  // preflight -> running
  kPreflightFailed,  // preflight -> failed (nothing touched)
  kPause,            // running -> pausing
  kStepsDrained,     // pausing -> paused
  kResume,           // pausing/paused -> running
  kStepsCompleted,   // running -> verifying
  kStepFailed,       // running/pausing -> rolling_back or failed (policy)
  kVerifyPassed,     // verifying -> succeeded
  kVerifyFailed,     // verifying -> rolling_back or failed (policy)
  kRollback,         // operator rollback from running/pausing/paused/verifying
  kRollbackDone,     // rolling_back -> rolled_back
  kRollbackFailed,   // rolling_back -> failed
  kNumEvents
};

}  // namespace plan_lifecycle

// Built once on first use; the returned references live forever.
const StateMachine& ComponentLifecycle();
const StateMachine& PlanLifecycle();

}  // namespace upgrade_core::fsm

#endif  // UPGRADE_CORE_FSM_LIFECYCLES_H_
