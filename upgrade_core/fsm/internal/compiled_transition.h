// File: internal/compiled_transition.h
// -----------------------------------------------------------------------------
// Not API: the compiled row of a StateMachine, shared by state_machine.cc and
// Instance's dispatch (internal/dispatch.h). Callers outside fsm/ ask
// StateMachine::Target() instead.
#ifndef UPGRADE_CORE_FSM_INTERNAL_COMPILED_TRANSITION_H_
#define UPGRADE_CORE_FSM_INTERNAL_COMPILED_TRANSITION_H_

#include <cstdint>

namespace upgrade_core::fsm {

// Dense ids in declaration order.
using StateId = uint16_t;
using EventId = uint16_t;

namespace internal {

// One compiled row. Rows with the same (from, event) are contiguous.
struct CompiledTransition {
  StateId from;
  EventId event;
  StateId to;
  bool negate_guard;  // guard is "!name"
  int32_t guard;      // index into guard_names(), -1 = unguarded
  int32_t action;     // index into action_names(), -1 = none
  int32_t row;        // index into definition().transitions
};

}  // namespace internal
}  // namespace upgrade_core::fsm

#endif  // UPGRADE_CORE_FSM_INTERNAL_COMPILED_TRANSITION_H_
