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
// The text goes through the shared document loader (compat/document.h): the
// same parser, limits and error format as plans and values files. Every error
// (YAML syntax, invalid UTF-8, a second document, duplicate keys, wrong
// types, unknown keys, unknown states, duplicate transitions...) is reported
// as `source:line:col: message`, all of them in one InvalidArgument status.
#ifndef UPGRADE_CORE_FSM_YAML_LOADER_H_
#define UPGRADE_CORE_FSM_YAML_LOADER_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/fsm/definition.h"
#include "upgrade_core/fsm/state_machine.h"

namespace upgrade_core::fsm {

// Parses the YAML form into a definition (structure only: names are resolved
// by StateMachine::Create()). `where` fields are "source:line:col".
absl::StatusOr<StateMachineDefinition> ParseStateMachineYaml(
    absl::string_view yaml, absl::string_view source = "<input>");

// How errors say where a problem was written.
enum class DefinitionLocations {
  kSource,  // "defs.yaml:4:5: unknown state 'z'"
  kPaths,   // "transitions[0]: unknown state 'z'" (data with no source lines)
};

// The same walk over an already-loaded document. The Python binding builds
// one from a dict (so `from_dict` and `from_yaml` can never disagree) and asks
// for paths, since the dict has no lines its author wrote.
absl::StatusOr<StateMachineDefinition> StateMachineDefinitionFromDocument(
    const document::Node& root,
    DefinitionLocations locations = DefinitionLocations::kSource);

// ParseStateMachineYaml() + StateMachine::Create().
absl::StatusOr<StateMachine> StateMachineFromYaml(
    absl::string_view yaml, absl::string_view source = "<input>");

// Reads `path` through the bounded reader (document/file_reader.h; "-" is
// standard input), then StateMachineFromYaml().
absl::StatusOr<StateMachine> StateMachineFromFile(absl::string_view path);

}  // namespace upgrade_core::fsm

#endif  // UPGRADE_CORE_FSM_YAML_LOADER_H_
