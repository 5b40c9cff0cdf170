// StateMachineBuilder: accumulates a StateMachineDefinition.
#include "upgrade_core/fsm/definition.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/fsm/state_machine.h"

namespace upgrade_core::fsm {

StateMachineBuilder::StateMachineBuilder(std::string name) {
  definition_.name = std::move(name);
}

StateMachineBuilder& StateMachineBuilder::State(std::string name) {
  definition_.states.push_back(StateDef{std::move(name), "", "", ""});
  return *this;
}

StateMachineBuilder& StateMachineBuilder::States(
    std::initializer_list<absl::string_view> names) {
  for (absl::string_view name : names) State(std::string(name));
  return *this;
}

StateMachineBuilder& StateMachineBuilder::Events(
    std::initializer_list<absl::string_view> names) {
  for (absl::string_view name : names) {
    definition_.events.emplace_back(name);
  }
  return *this;
}

StateMachineBuilder& StateMachineBuilder::Initial(std::string name) {
  definition_.initial = std::move(name);
  return *this;
}

StateMachineBuilder& StateMachineBuilder::Terminal(
    std::initializer_list<absl::string_view> names) {
  for (absl::string_view name : names) {
    definition_.terminal.emplace_back(name);
  }
  return *this;
}

namespace {

StateDef* FindStateDef(StateMachineDefinition& definition,
                       absl::string_view name) {
  for (StateDef& state : definition.states) {
    if (state.name == name) return &state;
  }
  return nullptr;
}

}  // namespace

StateMachineBuilder& StateMachineBuilder::OnEntry(absl::string_view state,
                                                  std::string action) {
  if (StateDef* def = FindStateDef(definition_, state)) {
    def->on_entry = std::move(action);
  } else {
    usage_errors_.push_back(absl::StrCat("OnEntry: unknown state '", state,
                                         "' (declare it first)"));
  }
  return *this;
}

StateMachineBuilder& StateMachineBuilder::OnExit(absl::string_view state,
                                                 std::string action) {
  if (StateDef* def = FindStateDef(definition_, state)) {
    def->on_exit = std::move(action);
  } else {
    usage_errors_.push_back(
        absl::StrCat("OnExit: unknown state '", state, "' (declare it first)"));
  }
  return *this;
}

StateMachineBuilder& StateMachineBuilder::On(std::string from,
                                             std::string event,
                                             std::string to) {
  definition_.transitions.push_back(TransitionDef{
      std::move(from), std::move(event), std::move(to), "", "", ""});
  return *this;
}

StateMachineBuilder& StateMachineBuilder::If(std::string guard) {
  if (definition_.transitions.empty()) {
    usage_errors_.push_back(
        absl::StrCat("If(\"", guard, "\") before any On()"));
  } else {
    definition_.transitions.back().guard = std::move(guard);
  }
  return *this;
}

StateMachineBuilder& StateMachineBuilder::Do(std::string action) {
  if (definition_.transitions.empty()) {
    usage_errors_.push_back(
        absl::StrCat("Do(\"", action, "\") before any On()"));
  } else {
    definition_.transitions.back().action = std::move(action);
  }
  return *this;
}

absl::StatusOr<StateMachine> StateMachineBuilder::Build() const {
  absl::StatusOr<StateMachine> machine = StateMachine::Create(definition_);
  if (usage_errors_.empty()) return machine;
  std::string message = absl::StrJoin(usage_errors_, "\n");
  if (!machine.ok()) {
    absl::StrAppend(&message, "\n", machine.status().message());
  }
  return absl::InvalidArgumentError(message);
}

}  // namespace upgrade_core::fsm
