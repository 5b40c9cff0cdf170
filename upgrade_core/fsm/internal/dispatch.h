// File: internal/dispatch.h
// -----------------------------------------------------------------------------
// Not API: read access to a StateMachine's compiled tables, for fsm's own
// Instance (its inline Fire() fast path), its tests and its fuzzer. Callers
// outside fsm/ ask StateMachine::Target() ("where does this event lead from
// this state under these guard values") and AllowedEvents() instead; these
// tables may change shape in any release.
#ifndef UPGRADE_CORE_FSM_INTERNAL_DISPATCH_H_
#define UPGRADE_CORE_FSM_INTERNAL_DISPATCH_H_

#include <cstdint>
#include <vector>

#include "upgrade_core/fsm/internal/compiled_transition.h"
#include "upgrade_core/fsm/state_machine.h"

namespace upgrade_core::fsm::internal {

// Marks "no row" in both tables.
inline constexpr uint32_t kNoTransition = 0xFFFFFFFFu;
// In Dispatch::Cell(): set when the cell is a "plain" row (the only
// candidate, no guard, no action, no exit action on the source, no entry
// action on the target); the low 16 bits are then the target StateId.
// Otherwise the cell is FirstCandidate() or kNoTransition.
//
// In the raw table (Table()), a plain cell holds instead kPlainBit | the
// target's row, `target << Shift()`: Fire() goes from cell to next row with
// one subtraction, no multiplication.
inline constexpr uint32_t kPlainBit = 0x80000000u;

class Dispatch {
 public:
  // All compiled rows, grouped by (from, event) in table order.
  static const std::vector<CompiledTransition>& Rows(const StateMachine& m) {
    return m.impl_->compiled;
  }
  // Index into Rows() of the first candidate row for (state, event), or
  // kNoTransition. O(1). REQUIRES: ids in range.
  static uint32_t FirstCandidate(const StateMachine& m, StateId state,
                                 EventId event) {
    return m.impl_
        ->table[static_cast<uint32_t>(state) * m.impl_->num_events + event];
  }
  // The dispatch table behind Instance::Fire(), decoded: plain rows need no
  // look-up beyond this one load. See kPlainBit. O(1). REQUIRES: ids in
  // range.
  static uint32_t Cell(const StateMachine& m, StateId state, EventId event) {
    const uint32_t cell = m.impl_->dispatch[Row(m, state) + event];
    if (cell == kNoTransition || cell < kPlainBit) return cell;
    return kPlainBit | ((cell - kPlainBit) >> m.impl_->event_shift);
  }
  // The raw table: cell (state, event) at Row(state) + event.
  static const uint32_t* Table(const StateMachine& m) {
    return m.impl_->dispatch.data();
  }
  // Rows of Table() are 1 << Shift() cells apart.
  static int Shift(const StateMachine& m) { return m.impl_->event_shift; }
  static uint32_t Row(const StateMachine& m, StateId state) {
    return static_cast<uint32_t>(state) << m.impl_->event_shift;
  }
  // True if Rows()[index] is the last candidate of its (state, event).
  static bool IsLastCandidate(const StateMachine& m, uint32_t index) {
    const std::vector<CompiledTransition>& rows = m.impl_->compiled;
    return index + 1 == rows.size() ||
           rows[index + 1].from != rows[index].from ||
           rows[index + 1].event != rows[index].event;
  }
};

}  // namespace upgrade_core::fsm::internal

#endif  // UPGRADE_CORE_FSM_INTERNAL_DISPATCH_H_
