// File: step_lifecycle.h
// -----------------------------------------------------------------------------
// The one table from a step kind to the component lifecycle (see
// fsm/lifecycles.h): the state a step runs in, the event its success fires,
// and where that leads for a component's order (start-first or
// terminate-first) and backup. The planner, the orchestrator, the demo and
// the tests all read it from here; the targets come from
// fsm::ComponentLifecycle() itself, so the plan and the lifecycle cannot
// drift apart.
#ifndef UPGRADE_CORE_PLAN_STEP_LIFECYCLE_H_
#define UPGRADE_CORE_PLAN_STEP_LIFECYCLE_H_

#include <optional>
#include <string>

#include "upgrade_core/fsm/state_machine.h"
#include "upgrade_core/proto/plan.pb.h"

namespace upgrade_core::plan {

// One component lifecycle transition, as ids of fsm::ComponentLifecycle()
// (fsm::component_lifecycle::State / Event).
struct LifecycleTransition {
  fsm::StateId from = 0;
  fsm::EventId event = 0;
  fsm::StateId to = 0;

  friend bool operator==(const LifecycleTransition& a,
                         const LifecycleTransition& b) {
    return a.from == b.from && a.event == b.event && a.to == b.to;
  }
};

// The lifecycle state a step of `kind` runs in (preflight -> kPreflight, ...,
// rollback -> kRollingBack). nullopt for STEP_KIND_UNSPECIFIED or a value
// outside the enum.
std::optional<fsm::StateId> StepState(proto::StepKind kind);

// The event a successful step of `kind` fires: step_done, except that a
// passed preflight fires `backup` when the component has a backup step, and
// a finished rollback fires rollback_done. A failed step fires step_failed
// (rollback_failed for a rollback step): see StepFailedEvent().
std::optional<fsm::EventId> StepDoneEvent(proto::StepKind kind, bool backup);
std::optional<fsm::EventId> StepFailedEvent(proto::StepKind kind);

// {from, event, to} a successful step of `kind` drives for a component whose
// steps run start-first (`start_first`: the lifecycle's start_first guard)
// or terminate-first, with or without a backup step. The policy guard
// (rollback_on_failure) never decides where a success goes. nullopt for an
// unknown kind.
std::optional<LifecycleTransition> StepTransition(proto::StepKind kind,
                                                  bool start_first,
                                                  bool backup);

// "awaiting_ready -> verifying on step_done", names from
// fsm::ComponentLifecycle().
std::string FormatTransition(const LifecycleTransition& transition);

}  // namespace upgrade_core::plan

#endif  // UPGRADE_CORE_PLAN_STEP_LIFECYCLE_H_
