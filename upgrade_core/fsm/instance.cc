// InstanceCore: history, restore and the errors of Fire().
#include "upgrade_core/fsm/instance.h"

#include <algorithm>

namespace upgrade_core::fsm {

InstanceCore::InstanceCore(StateMachine machine, HistoryOptions history)
    : machine_(std::move(machine)),
      dispatch_(internal::Dispatch::Table(machine_)),
      num_events_(static_cast<uint32_t>(machine_.num_events())),
      shift_(static_cast<uint32_t>(internal::Dispatch::Shift(machine_))),
      row_(internal::Dispatch::Row(machine_, machine_.initial())),
      fast_limit_(history.mode == HistoryMode::kNone ? num_events_ : 0),
      state_(machine_.initial()),
      history_options_(history) {
  if (history.mode == HistoryMode::kBounded) {
    history_.reserve(history.capacity);
  }
}

void InstanceCore::RecordSlow(const Step& step, absl::Time at) {
  const HistoryEntry entry{step.from, step.event, step.to, at};
  if (history_options_.mode == HistoryMode::kFull ||
      history_.size() < history_options_.capacity) {
    history_.push_back(entry);  // kBounded: within the reserved capacity
    return;
  }
  history_[history_head_] = entry;
  history_head_ = (history_head_ + 1) % history_.size();
  ++history_dropped_;
}

std::vector<HistoryEntry> InstanceCore::History() const {
  std::vector<HistoryEntry> out;
  out.reserve(history_.size());
  out.insert(out.end(), history_.begin() + history_head_, history_.end());
  out.insert(out.end(), history_.begin(), history_.begin() + history_head_);
  return out;
}

absl::Status InstanceCore::Restore(StateId state,
                                   std::vector<HistoryEntry> history,
                                   uint64_t dropped) {
  if (in_transition_) {
    return absl::FailedPreconditionError(
        "Restore() called from a guard, exit or transition action");
  }
  if (state >= machine_.num_states()) {
    return absl::InvalidArgumentError(
        absl::StrCat("state id ", state, " out of range"));
  }
  for (size_t i = 0; i < history.size(); ++i) {
    const HistoryEntry& e = history[i];
    if (e.from >= machine_.num_states() || e.to >= machine_.num_states() ||
        e.event >= machine_.num_events()) {
      return absl::InvalidArgumentError(
          absl::StrCat("history entry ", i, ": id out of range"));
    }
    bool is_row = false;
    for (uint32_t r =
             internal::Dispatch::FirstCandidate(machine_, e.from, e.event);
         r != internal::kNoTransition; ++r) {
      if (internal::Dispatch::Rows(machine_)[r].to == e.to) {
        is_row = true;
        break;
      }
      if (internal::Dispatch::IsLastCandidate(machine_, r)) break;
    }
    if (!is_row) {
      return absl::InvalidArgumentError(absl::StrCat(
          "history entry ", i, ": '", machine_.state_name(e.from), "' --",
          machine_.event_name(e.event), "--> '", machine_.state_name(e.to),
          "' is not a transition of the machine"));
    }
    if (i > 0 && history[i - 1].to != e.from) {
      return absl::InvalidArgumentError(absl::StrCat(
          "history entry ", i, " starts in '", machine_.state_name(e.from),
          "' but the previous one ended in '",
          machine_.state_name(history[i - 1].to), "'"));
    }
  }
  if (!history.empty() && history.back().to != state) {
    return absl::InvalidArgumentError(absl::StrCat(
        "history ends in '", machine_.state_name(history.back().to),
        "' but the state is '", machine_.state_name(state), "'"));
  }
  switch (history_options_.mode) {
    case HistoryMode::kNone:
      dropped += history.size();
      history.clear();
      break;
    case HistoryMode::kBounded:
      if (history.size() > history_options_.capacity) {
        const size_t excess = history.size() - history_options_.capacity;
        dropped += excess;
        history.erase(history.begin(), history.begin() + excess);
      }
      history.reserve(history_options_.capacity);
      break;
    case HistoryMode::kFull:
      break;
  }
  SetState(state);
  history_ = std::move(history);
  history_head_ = 0;
  history_dropped_ = dropped;
  return absl::OkStatus();
}

absl::Status InstanceCore::IllegalEventError(EventId event) const {
  std::vector<std::string> allowed = machine_.AllowedEventNames(state_);
  return absl::FailedPreconditionError(absl::StrCat(
      "event '", machine_.event_name(event), "' is not allowed in state '",
      state_name(), "' (allowed: ",
      allowed.empty() ? "none" : absl::StrJoin(allowed, ", "), ")"));
}

absl::Status InstanceCore::GuardsRejectedError(EventId event) const {
  std::vector<std::string> guards;
  for (uint32_t r = internal::Dispatch::FirstCandidate(machine_, state_, event);
       ; ++r) {
    const internal::CompiledTransition& t =
        internal::Dispatch::Rows(machine_)[r];
    guards.push_back(absl::StrCat(t.negate_guard ? "!" : "",
                                  machine_.guard_names()[t.guard]));
    if (internal::Dispatch::IsLastCandidate(machine_, r)) break;
  }
  std::vector<std::string> allowed = machine_.AllowedEventNames(state_);
  return absl::FailedPreconditionError(absl::StrCat(
      "event '", machine_.event_name(event), "' is not allowed in state '",
      state_name(), "': no guard passed (", absl::StrJoin(guards, ", "),
      ") (allowed: ", absl::StrJoin(allowed, ", "), ")"));
}

absl::Status InstanceCore::ReentrantFireError(EventId event) const {
  return absl::FailedPreconditionError(absl::StrCat(
      "Fire('", machine_.event_name(event), "') called from a guard, exit or ",
      "transition action of a transition out of '", state_name(),
      "'; fire follow-up events from an entry action or after Fire() "
      "returns"));
}

absl::Status InstanceCore::UnknownEventError(absl::string_view event) const {
  std::vector<std::string> events;
  for (EventId e = 0; e < machine_.num_events(); ++e) {
    events.push_back(machine_.event_name(e));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown event '", event,
                   "' (events: ", absl::StrJoin(events, ", "), ")"));
}

}  // namespace upgrade_core::fsm
