// File: state_machine.h
// -----------------------------------------------------------------------------
// StateMachine: a validated, compiled state machine definition.
//
// Create() rejects definitions that cannot run (undefined names, duplicate
// rows, a missing initial state...) with one InvalidArgument error listing
// every such problem. Check() then reports the design problems a machine can
// run with but probably should not have (unreachable states, dead ends,
// terminal states with exits, ambiguous rows, unused events).
//
// The compiled form is a dense (state, event) table: dispatch is one indexed
// load plus, for guarded rows, one call per candidate; no allocation.
//
// A StateMachine is immutable and cheap to copy (it shares its compiled data);
// it is safe to use from any number of threads. Instances (instance.h) keep a
// copy, so the machine outlives them automatically.
#ifndef UPGRADE_CORE_FSM_STATE_MACHINE_H_
#define UPGRADE_CORE_FSM_STATE_MACHINE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/fsm/definition.h"
#include "upgrade_core/fsm/internal/compiled_transition.h"

namespace upgrade_core::fsm {

// Dense ids in declaration order (also declared, identically, beside the
// compiled row in internal/compiled_transition.h).
using StateId = uint16_t;
using EventId = uint16_t;

// What a definition check found. Every problem names the states and events
// involved, in definition order.
enum class DefinitionProblemKind {
  kUnreachableState,        // no path from the initial state
  kDeadEnd,                 // non-terminal state without outgoing rows
  kTerminalHasTransitions,  // terminal state with outgoing rows
  kAmbiguousTransition,     // rows on one (state, event) not exclusive
  kUnusedEvent,             // declared event no row uses
};

// "unreachable_state", "dead_end", "terminal_has_transitions",
// "ambiguous_transition", "unused_event".
absl::string_view DefinitionProblemKindName(DefinitionProblemKind kind);

struct DefinitionProblem {
  DefinitionProblemKind kind;
  std::vector<std::string> states;
  std::vector<std::string> events;
  std::string message;  // one line, names everything involved
};

namespace internal {
class Dispatch;
}  // namespace internal

class StateMachine {
 public:
  // At most this many states and events (ids are 16 bit).
  static constexpr int kMaxNames = 0xFFFF;
  // At most this many states x events cells, e.g. 2048 states x 2048 events.
  // Two dense tables hold 4 bytes per cell each; the one Fire() reads pads
  // each state's row to a power of two, so together they take at most 48 MiB.
  static constexpr uint64_t kMaxTableCells = uint64_t{1} << 22;

  // Validates and compiles `definition`. InvalidArgument names every problem,
  // one per line, each prefixed with where it was written when known.
  static absl::StatusOr<StateMachine> Create(StateMachineDefinition definition);

  const std::string& name() const { return impl_->definition.name; }
  const StateMachineDefinition& definition() const { return impl_->definition; }

  int num_states() const { return impl_->num_states; }
  int num_events() const { return impl_->num_events; }
  // REQUIRES: id < num_states() / num_events().
  const std::string& state_name(StateId id) const {
    return impl_->definition.states[id].name;
  }
  const std::string& event_name(EventId id) const {
    return impl_->event_names[id];
  }
  std::optional<StateId> FindState(absl::string_view name) const;
  std::optional<EventId> FindEvent(absl::string_view name) const;

  StateId initial() const { return impl_->initial; }
  bool is_terminal(StateId state) const { return impl_->terminal[state]; }

  // Guard and action names (base names, without "!"), in order of first use;
  // instances bind callables to these indices.
  const std::vector<std::string>& guard_names() const {
    return impl_->guard_names;
  }
  const std::vector<std::string>& action_names() const {
    return impl_->action_names;
  }
  // Entry/exit action index of a state, -1 = none.
  int32_t entry_action(StateId state) const { return impl_->entry[state]; }
  int32_t exit_action(StateId state) const { return impl_->exit[state]; }

  // Where `event` leads from `state` when guard i (an index into
  // guard_names()) has the value guard_value(i): the target of the first
  // candidate row whose guard passes, or nullopt when no row applies (an
  // illegal event). The question Instance::Fire() answers, asked without an
  // instance and without running anything. REQUIRES: ids in range.
  std::optional<StateId> Target(
      StateId state, EventId event,
      absl::FunctionRef<bool(int32_t guard)> guard_value) const;

  // Events with at least one row out of `state` (guards not evaluated), in
  // event declaration order.
  std::vector<EventId> AllowedEvents(StateId state) const;
  std::vector<std::string> AllowedEventNames(StateId state) const;

  // Definition checks; empty when the design is sound. Deterministic order:
  // by kind, then by declaration order.
  std::vector<DefinitionProblem> Check() const;

  // Mermaid `stateDiagram-v2` and Graphviz DOT, emitted from the definition.
  // Labels are "event [guard] / action".
  std::string ToMermaid() const;
  std::string ToDot() const;

 private:
  // fsm's own Instance reads the compiled tables through it (internal/).
  friend class internal::Dispatch;

  struct Impl {
    StateMachineDefinition definition;
    int num_states = 0;
    int num_events = 0;
    std::vector<std::string> event_names;
    absl::flat_hash_map<std::string, StateId> state_index;
    absl::flat_hash_map<std::string, EventId> event_index;
    StateId initial = 0;
    std::vector<bool> terminal;
    std::vector<std::string> guard_names;
    std::vector<std::string> action_names;
    std::vector<int32_t> entry;
    std::vector<int32_t> exit;
    std::vector<internal::CompiledTransition> compiled;
    std::vector<uint32_t> table;  // num_states * num_events
    // num_states << event_shift cells (rows padded to a power of two, so
    // that the row of a state is `state << event_shift`); see kPlainBit.
    std::vector<uint32_t> dispatch;
    int event_shift = 0;
  };

  explicit StateMachine(std::shared_ptr<const Impl> impl)
      : impl_(std::move(impl)) {}

  std::shared_ptr<const Impl> impl_;
};

}  // namespace upgrade_core::fsm

#endif  // UPGRADE_CORE_FSM_STATE_MACHINE_H_
