// File: step_commands.h
// -----------------------------------------------------------------------------
// The one table from a plan's `commands:` keys to the step kinds they run in
// (docs/run.md): `apply` runs in start-new, `await` in await-ready, and so
// on. The schema reader, the command runner, the JSON writer and the Python
// binding all read it from here, so a new command key is added once.
#ifndef UPGRADE_CORE_PLAN_STEP_COMMANDS_H_
#define UPGRADE_CORE_PLAN_STEP_COMMANDS_H_

#include "absl/types/span.h"
#include "upgrade_core/proto/plan.pb.h"

namespace upgrade_core::plan {

struct StepCommandSlot {
  const char* key;       // as written in a plan: "apply"
  proto::StepKind step;  // the step it runs in: START_NEW
  bool (proto::StepCommands::*has)() const;
  const proto::StepCommand& (proto::StepCommands::*get)() const;
  proto::StepCommand* (proto::StepCommands::*mutable_command)();
};

// Every command key, in the order of proto::StepCommands' fields:
// preflight, backup, apply, terminate, await, rollback. `verify` is not
// here: its commands are the checks' `run` fields.
absl::Span<const StepCommandSlot> StepCommandSlots();

// The slot whose command runs in steps of `kind`; nullptr when no command
// key maps to it (verify, unknown kinds).
const StepCommandSlot* StepCommandSlotFor(proto::StepKind kind);

}  // namespace upgrade_core::plan

#endif  // UPGRADE_CORE_PLAN_STEP_COMMANDS_H_
