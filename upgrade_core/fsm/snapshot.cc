// FsmSnapshot <-> instance state and history.
#include "upgrade_core/fsm/snapshot.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace upgrade_core::fsm {

proto::FsmSnapshot ToSnapshot(const InstanceCore& instance) {
  const StateMachine& m = instance.machine();
  proto::FsmSnapshot snapshot;
  snapshot.set_machine(m.name());
  snapshot.set_state(instance.state_name());
  snapshot.set_history_dropped(instance.history_dropped());
  for (const HistoryEntry& e : instance.History()) {
    proto::FsmTransitionRecord* r = snapshot.add_history();
    r->set_from_state(m.state_name(e.from));
    r->set_event(m.event_name(e.event));
    r->set_to_state(m.state_name(e.to));
    if (e.at != absl::InfinitePast()) {
      r->set_time_unix_nanos(absl::ToUnixNanos(e.at));
    }
  }
  return snapshot;
}

absl::Status RestoreSnapshot(const proto::FsmSnapshot& snapshot,
                             InstanceCore& instance) {
  const StateMachine& m = instance.machine();
  if (!snapshot.machine().empty() && !m.name().empty() &&
      snapshot.machine() != m.name()) {
    return absl::InvalidArgumentError(absl::StrCat("snapshot is of machine '",
                                                   snapshot.machine(),
                                                   "', not '", m.name(), "'"));
  }
  std::optional<StateId> state = m.FindState(snapshot.state());
  if (!state) {
    return absl::InvalidArgumentError(absl::StrCat(
        "snapshot state '", snapshot.state(), "' is not a state of ",
        m.name().empty() ? "the machine" : absl::StrCat("'", m.name(), "'")));
  }
  std::vector<HistoryEntry> history;
  history.reserve(snapshot.history_size());
  for (int i = 0; i < snapshot.history_size(); ++i) {
    const proto::FsmTransitionRecord& r = snapshot.history(i);
    std::optional<StateId> from = m.FindState(r.from_state());
    std::optional<StateId> to = m.FindState(r.to_state());
    std::optional<EventId> event = m.FindEvent(r.event());
    if (!from || !to || !event) {
      const std::string& bad = !from ? r.from_state()
                               : !to ? r.to_state()
                                     : r.event();
      return absl::InvalidArgumentError(absl::StrCat(
          "snapshot history entry ", i, ": unknown ",
          !event && from && to ? "event" : "state", " '", bad, "'"));
    }
    history.push_back(HistoryEntry{
        *from, *event, *to,
        r.has_time_unix_nanos() ? absl::FromUnixNanos(r.time_unix_nanos())
                                : absl::InfinitePast()});
  }
  absl::Status status =
      instance.Restore(*state, std::move(history), snapshot.history_dropped());
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("snapshot: ", status.message()));
  }
  return absl::OkStatus();
}

}  // namespace upgrade_core::fsm
