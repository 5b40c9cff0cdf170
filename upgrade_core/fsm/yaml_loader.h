// File: yaml_loader.h
// -----------------------------------------------------------------------------
// State machine definitions from YAML, so tools can define their own
// lifecycles:
//
//   name: deploy                         # optional
//   initial: pending
//   terminal: [succeeded, rolled_back]   # a name or a list
//   states:                              # names, or maps with entry/exit
//     - pending
//     - {name: running, on_entry: start_timer, on_exit: stop_timer}
//     - succeeded
//     - failed
//     - rolled_back
//   events: [start, succeed, fail, rollback]   # optional, see definition.h
//   transitions:
//     - {from: pending, event: start, to: running}
//     - {from: running, event: succeed, to: succeeded}
//     - {from: running, event: fail, to: failed, guard: retries_left,
//        action: notify}
//     - {from: failed, event: rollback, to: rolled_back}
//
// Every error (YAML syntax, wrong types, unknown keys, unknown states,
// duplicate transitions...) is reported with its 1-based line and column, all
// of them in one InvalidArgument status.
#ifndef UPGRADE_CORE_FSM_YAML_LOADER_H_
#define UPGRADE_CORE_FSM_YAML_LOADER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/fsm/definition.h"
#include "upgrade_core/fsm/state_machine.h"

namespace upgrade_core::fsm {

// Parses the YAML form into a definition (structure only: names are resolved
// by StateMachine::Create()). `where` fields are "line L, column C".
absl::StatusOr<StateMachineDefinition> ParseStateMachineYaml(
    absl::string_view yaml);

// ParseStateMachineYaml() + StateMachine::Create().
absl::StatusOr<StateMachine> StateMachineFromYaml(absl::string_view yaml);

}  // namespace upgrade_core::fsm

#endif  // UPGRADE_CORE_FSM_YAML_LOADER_H_
