// File: definition.h
// -----------------------------------------------------------------------------
// StateMachineDefinition: the source form of a state machine (states, events,
// transitions with optional guards and actions, entry/exit actions), and
// StateMachineBuilder, a fluent way to write one in C++ that reads like a
// transition table:
//
//   absl::StatusOr<StateMachine> machine =
//       StateMachineBuilder("deploy")
//           .States({"pending", "running", "succeeded", "failed",
//                    "rolled_back"})
//           .Initial("pending")
//           .Terminal({"succeeded", "rolled_back"})
//           .On("pending", "start", "running")
//           .On("running", "succeed", "succeeded")
//           .On("running", "fail", "failed").If("retries_left").Do("log")
//           .On("failed", "rollback", "rolled_back")
//           .Build();
//
// A definition is plain data; StateMachine::Create() validates and compiles
// it. Guards and actions are *names* here: the caller binds them to code when
// it creates an instance (see instance.h). A guard is `name` or `!name` (the
// negation of the same bound guard), which is how a definition says that two
// transitions on the same (state, event) are mutually exclusive.
#ifndef UPGRADE_CORE_FSM_DEFINITION_H_
#define UPGRADE_CORE_FSM_DEFINITION_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace upgrade_core::fsm {

class StateMachine;

// One state. `on_entry` / `on_exit` name actions run when the state is entered
// or left by a transition ("" = none).
struct StateDef {
  std::string name;
  std::string on_entry;
  std::string on_exit;
  // Where the state was written, for error messages: "defs.yaml:3:5" for
  // YAML, "states[2]" for a Python dict, "" for C++ (the name is enough).
  std::string where;
};

// One row of the transition table: `from` + `event` [guard] / action -> `to`.
struct TransitionDef {
  std::string from;
  std::string event;
  std::string to;
  std::string guard;   // "" (always), "name" or "!name"
  std::string action;  // "" (none) or an action name
  std::string where;   // as StateDef::where
};

struct StateMachineDefinition {
  // Optional; names the machine in snapshots and diagrams.
  std::string name;
  // States in declaration order; the order fixes the dense StateIds.
  std::vector<StateDef> states;
  // Events in declaration order. When empty, events are declared implicitly
  // in order of first use by a transition; when given, every event a
  // transition uses must be listed (and a listed event no transition uses is
  // reported by StateMachine::Check()).
  std::vector<std::string> events;
  std::string initial;
  std::vector<std::string> terminal;
  // Where `initial` / `terminal` were written (for error messages).
  std::string initial_where;
  std::string terminal_where;
  // Rows in order. Rows with the same (from, event) are candidates tried in
  // this order; the first whose guard passes is taken.
  std::vector<TransitionDef> transitions;
};

// Builds a StateMachineDefinition one row at a time. Not thread-safe; cheap to
// copy. If()/Do() modify the transition added by the last On().
class StateMachineBuilder {
 public:
  explicit StateMachineBuilder(std::string name = "");

  StateMachineBuilder& State(std::string name);
  StateMachineBuilder& States(std::initializer_list<absl::string_view> names);
  // Declares events explicitly (optional, see StateMachineDefinition::events).
  StateMachineBuilder& Events(std::initializer_list<absl::string_view> names);
  StateMachineBuilder& Initial(std::string name);
  StateMachineBuilder& Terminal(std::initializer_list<absl::string_view> names);
  // Entry/exit actions of an already declared state.
  StateMachineBuilder& OnEntry(absl::string_view state, std::string action);
  StateMachineBuilder& OnExit(absl::string_view state, std::string action);

  // Adds the row `from` + `event` -> `to`.
  StateMachineBuilder& On(std::string from, std::string event, std::string to);
  // Guard of the last row: "name" or "!name".
  StateMachineBuilder& If(std::string guard);
  // Action of the last row.
  StateMachineBuilder& Do(std::string action);

  const StateMachineDefinition& definition() const { return definition_; }

  // Validates and compiles; see StateMachine::Create().
  absl::StatusOr<StateMachine> Build() const;

 private:
  StateMachineDefinition definition_;
  // Errors in the builder calls themselves (If() before any On(), OnEntry()
  // of an unknown state); reported by Build() with the others.
  std::vector<std::string> usage_errors_;
};

}  // namespace upgrade_core::fsm

#endif  // UPGRADE_CORE_FSM_DEFINITION_H_
