// The step kind -> component lifecycle table (step_lifecycle.h).
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/plan/step_lifecycle.h"

namespace upgrade_core::plan {

namespace lc = fsm::component_lifecycle;

std::optional<fsm::StateId> StepState(proto::StepKind kind) {
  switch (kind) {
    case proto::PREFLIGHT:
      return lc::kPreflight;
    case proto::BACKUP:
      return lc::kBackingUp;
    case proto::TERMINATE_OLD:
      return lc::kTerminatingOld;
    case proto::START_NEW:
      return lc::kStartingNew;
    case proto::AWAIT_READY:
      return lc::kAwaitingReady;
    case proto::VERIFY:
      return lc::kVerifying;
    case proto::ROLLBACK:
      return lc::kRollingBack;
    default:
      return std::nullopt;
  }
}

std::optional<fsm::EventId> StepDoneEvent(proto::StepKind kind, bool backup) {
  if (!StepState(kind).has_value()) return std::nullopt;
  if (kind == proto::ROLLBACK) return lc::kRollbackDone;
  if (kind == proto::PREFLIGHT && backup) return lc::kBackup;
  return lc::kStepDone;
}

std::optional<fsm::EventId> StepFailedEvent(proto::StepKind kind) {
  if (!StepState(kind).has_value()) return std::nullopt;
  return kind == proto::ROLLBACK ? lc::kRollbackFailed : lc::kStepFailed;
}

std::optional<LifecycleTransition> StepTransition(proto::StepKind kind,
                                                  bool start_first,
                                                  bool backup) {
  std::optional<fsm::StateId> from = StepState(kind);
  if (!from.has_value()) return std::nullopt;
  const fsm::EventId event = *StepDoneEvent(kind, backup);
  const fsm::StateMachine& m = fsm::ComponentLifecycle();
  std::optional<fsm::StateId> to = m.Target(*from, event, [&](int32_t guard) {
    return m.guard_names()[guard] == fsm::kStartFirstGuard ? start_first : true;
  });
  if (!to.has_value()) return std::nullopt;  // not with the built-in rows
  return LifecycleTransition{*from, event, *to};
}

std::string FormatTransition(const LifecycleTransition& t) {
  const fsm::StateMachine& m = fsm::ComponentLifecycle();
  return absl::StrCat(m.state_name(t.from), " -> ", m.state_name(t.to), " on ",
                      m.event_name(t.event));
}

}  // namespace upgrade_core::plan
