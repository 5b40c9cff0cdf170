// StepTransition: the component lifecycle transition each kind of step
// drives, read from fsm::ComponentLifecycle() itself so the plan and the
// state machine cannot drift apart.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/plan/planner.h"

namespace upgrade_core::plan {
namespace {

// "state -> next on event" for every (kind, start_first, backup).
constexpr int kNumKinds = proto::ROLLBACK + 1;

int TransitionSlot(proto::StepKind kind, bool start_first, bool backup) {
  return kind * 4 + (start_first ? 2 : 0) + (backup ? 1 : 0);
}

const std::string* TransitionNames() {
  static const std::string* names = [] {
    auto* n = new std::string[kNumKinds * 4];
    const fsm::StateMachine& m = fsm::ComponentLifecycle();
    for (int path = 0; path < 4; ++path) {
      const bool start_first = (path & 2) != 0;
      const bool backup = (path & 1) != 0;
      // The row the lifecycle takes with these guard values (the rollback
      // policy never decides where a successful step goes).
      auto describe = [&](fsm::StateId state, fsm::EventId event) {
        for (uint32_t t = m.FirstCandidate(state, event);
             t != fsm::StateMachine::kNoTransition; ++t) {
          const fsm::CompiledTransition& row = m.transitions()[t];
          bool pass = true;
          if (row.guard >= 0) {
            const bool value =
                m.guard_names()[row.guard] == fsm::kStartFirstGuard
                    ? start_first
                    : true;
            pass = value != row.negate_guard;
          }
          if (pass) {
            return absl::StrCat(m.state_name(state), " -> ",
                                m.state_name(row.to), " on ",
                                m.event_name(event));
          }
          if (m.IsLastCandidate(t)) break;
        }
        return m.state_name(state);  // unreachable with the built-in rows
      };
      using namespace fsm::component_lifecycle;  // NOLINT: the lifecycle's enum
                                                 // names
      auto set = [&](proto::StepKind kind, std::string text) {
        n[TransitionSlot(kind, start_first, backup)] = std::move(text);
      };
      set(proto::PREFLIGHT,
          describe(kPreflight,
                   backup ? fsm::EventId{kBackup} : fsm::EventId{kStepDone}));
      set(proto::BACKUP, describe(kBackingUp, kStepDone));
      set(proto::TERMINATE_OLD, describe(kTerminatingOld, kStepDone));
      set(proto::START_NEW, describe(kStartingNew, kStepDone));
      set(proto::AWAIT_READY, describe(kAwaitingReady, kStepDone));
      set(proto::VERIFY, describe(kVerifying, kStepDone));
      set(proto::ROLLBACK, describe(kRollingBack, kRollbackDone));
    }
    return n;
  }();
  return names;
}

}  // namespace

absl::string_view StepTransition(proto::StepKind kind, bool start_first,
                                 bool backup) {
  if (kind < proto::PREFLIGHT || kind > proto::ROLLBACK) return "";
  return TransitionNames()[TransitionSlot(kind, start_first, backup)];
}

}  // namespace upgrade_core::plan
