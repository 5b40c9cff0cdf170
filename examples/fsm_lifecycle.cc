// Drives one component through the built-in component lifecycle, the way an
// orchestrator does: fire the outcome of each step, let the policy guard
// decide what a failure means, keep a history with caller-supplied times,
// and snapshot the instance for a journal. Also shows an illegal event being
// refused. Used by docs/fsm.md.
//
//   bazel run //examples:fsm_lifecycle
#include <iostream>
#include <string>

#include "absl/time/time.h"
#include "upgrade_core/fsm/instance.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/fsm/snapshot.h"

namespace fsm = upgrade_core::fsm;

struct Policy {
  bool rollback_on_failure = true;  // the plan's onFailure policy
  bool start_first = false;         // the component's strategy order
};

int main() {
  absl::StatusOr<fsm::Instance<Policy>> component =
      fsm::Instance<Policy>::Create(
          fsm::ComponentLifecycle(),
          fsm::Callbacks<Policy>()
              .Guard(fsm::kRollbackOnFailureGuard,
                     [](Policy& p) { return p.rollback_on_failure; })
              .Guard(fsm::kStartFirstGuard,
                     [](Policy& p) { return p.start_first; }),
          {fsm::HistoryMode::kBounded, 16});
  if (!component.ok()) {
    std::cerr << component.status() << "\n";
    return 1;
  }
  Policy policy;
  absl::Time now = absl::FromUnixSeconds(1767225600);
  // preflight, backup and terminate-old succeed; start-new fails.
  for (fsm::EventId event :
       {fsm::component_lifecycle::kStart, fsm::component_lifecycle::kBackup,
        fsm::component_lifecycle::kStepDone,
        fsm::component_lifecycle::kStepDone,
        fsm::component_lifecycle::kStepFailed}) {
    now += absl::Seconds(5);
    if (absl::Status s = component->Fire(event, policy, now); !s.ok()) {
      std::cerr << s << "\n";
      return 1;
    }
  }
  std::cout << "state: " << component->state_name() << "\n";  // rolling_back

  // A stray event is refused with the state, the event and what is allowed.
  absl::Status refused =
      component->Fire(fsm::component_lifecycle::kStepDone, policy);
  std::cout << refused.message() << "\n";

  const fsm::StateMachine& m = component->machine();
  for (const fsm::HistoryEntry& e : component->History()) {
    std::cout << absl::FormatTime("%H:%M:%S", e.at, absl::UTCTimeZone()) << " "
              << m.state_name(e.from) << " --" << m.event_name(e.event)
              << "--> " << m.state_name(e.to) << "\n";
  }
  upgrade_core::proto::FsmSnapshot snapshot = fsm::ToSnapshot(*component);
  std::cout << "snapshot: " << snapshot.ByteSizeLong() << " bytes, state "
            << snapshot.state() << "\n";
  return 0;
}
