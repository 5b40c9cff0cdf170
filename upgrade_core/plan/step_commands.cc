#include "upgrade_core/plan/step_commands.h"

namespace upgrade_core::plan {
namespace {

using C = proto::StepCommands;

constexpr StepCommandSlot kSlots[] = {
    {"preflight", proto::PREFLIGHT, &C::has_preflight, &C::preflight,
     &C::mutable_preflight},
    {"backup", proto::BACKUP, &C::has_backup, &C::backup, &C::mutable_backup},
    {"apply", proto::START_NEW, &C::has_apply, &C::apply, &C::mutable_apply},
    {"terminate", proto::TERMINATE_OLD, &C::has_terminate, &C::terminate,
     &C::mutable_terminate},
    {"await", proto::AWAIT_READY, &C::has_await_ready, &C::await_ready,
     &C::mutable_await_ready},
    {"rollback", proto::ROLLBACK, &C::has_rollback, &C::rollback,
     &C::mutable_rollback},
};

}  // namespace

absl::Span<const StepCommandSlot> StepCommandSlots() { return kSlots; }

const StepCommandSlot* StepCommandSlotFor(proto::StepKind kind) {
  for (const StepCommandSlot& slot : kSlots) {
    if (slot.step == kind) return &slot;
  }
  return nullptr;
}

}  // namespace upgrade_core::plan
