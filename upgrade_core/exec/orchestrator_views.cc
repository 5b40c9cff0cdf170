// What the Orchestrator tells about a run: status, explanations, coverage
// (orchestrator_impl.h).
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/orchestrator_impl.h"

namespace upgrade_core::exec {

// ---------------------------------------------------------------------------
// Views.

PlanOutcome Orchestrator::Impl::outcome() const {
  switch (PState()) {
    case pl::kPausing:
      return PlanOutcome::kPausing;
    case pl::kPaused:
      return PlanOutcome::kPaused;
    case pl::kRollingBack:
      return PlanOutcome::kRollingBack;
    case pl::kSucceeded:
      return PlanOutcome::kSucceeded;
    case pl::kFailed:
      return PlanOutcome::kFailed;
    case pl::kRolledBack:
      return PlanOutcome::kRolledBack;
    default:
      return PlanOutcome::kRunning;
  }
}

std::optional<int64_t> Orchestrator::Impl::NextWakeup() const {
  // CleanTops() ran after every change: the fronts are live entries.
  std::optional<int64_t> best;
  if (!deadlines_.empty()) best = deadlines_.front().first;
  if (!backoff_.empty() &&
      (PState() == pl::kRunning || PState() == pl::kRollingBack) &&
      (!best || backoff_.front().first < *best)) {
    best = backoff_.front().first;
  }
  return best;
}

std::vector<Action> Orchestrator::Impl::InFlight() const {
  std::vector<Action> out;
  out.reserve(in_flight_);
  for (uint64_t id = first_in_flight_; id != 0; id = actions_[id - 1].next) {
    out.push_back(MakeAction(id));
  }
  return out;
}

std::string Orchestrator::Impl::Explain(int c) const {
  const Comp& k = comps_[c];
  if (k.in_flight != 0) {
    const ActionRec& a = actions_[k.in_flight - 1];
    return absl::StrCat("running since ", TimeOfDay(a.issued));
  }
  const int32_t r = k.rb_step;
  if (r >= 0 && RbActive(rs_[r])) {
    if (rs_[r] == RS::kBackoff) {
      return absl::StrCat("retry (attempt ", k.attempt, ") at ",
                          TimeOfDay(k.retry_at));
    }
    for (int32_t d : p_.rollback_steps(r).depends_on()) {
      if (RbActive(rs_[d])) {
        const int e = p_.rollback_steps(d).component();
        return absl::StrCat(
            "waits for ", Name(e), "'s rollback: ", CStateName(e),
            comps_[e].since
                ? absl::StrCat(" since ", TimeOfDay(*comps_[e].since))
                : "");
      }
    }
  } else {
    if (CState(c) == lc::kHalted) {
      return "waits for an operator: halted (Resume retries it from "
             "preflight, Abort rolls back)";
    }
    const int32_t s = k.cur;
    if (s >= k.end_step) return "";
    if (ss_[s] == SS::kBackoff) {
      return absl::StrCat("retry (attempt ", k.attempt, ") at ",
                          TimeOfDay(k.retry_at));
    }
    if (ss_[s] == SS::kWaiting) {
      for (int32_t d : p_.steps(s).depends_on()) {
        if (ss_[d] == SS::kDone) continue;
        const int e = p_.steps(d).component();
        if (e == c) {
          return absl::StrCat("waits for ", plan_.StepId(p_.steps(d)));
        }
        return absl::StrCat(
            "waits for ", Name(e), ": ", CStateName(e),
            comps_[e].since
                ? absl::StrCat(" since ", TimeOfDay(*comps_[e].since))
                : "");
      }
    }
    if (ss_[s] != SS::kReady) return "";
  }
  // Ready: which gate holds it.
  switch (PState()) {
    case pl::kPausing:
    case pl::kPaused:
      return "waits for Resume: the plan is paused";
    case pl::kRunning:
    case pl::kRollingBack:
      break;
    default:
      return absl::StrCat("not started: the plan is ", plan_lc_->state_name());
  }
  if (forward_stopped_ && !(r >= 0 && RbActive(rs_[r]))) {
    return "not started: the plan is rolling back";
  }
  if (!k.holding) {
    if (FreeSlots() <= 0) {
      std::vector<std::string> holders;
      for (size_t e = 0; e < comps_.size() && holders.size() < 5; ++e) {
        if (comps_[e].holding) holders.push_back(Name(e));
      }
      return absl::StrCat("waits for a parallel slot (maxParallel ",
                          max_parallel_, ": ", absl::StrJoin(holders, ", "),
                          holders_ > 5 ? ", ..." : "", " in flight)");
    }
    if (const int busy = BusyResource(c); busy >= 0) {
      return absl::StrCat("waits for ", res_names_[busy], ", held by ",
                          Name(res_holder_[busy]));
    }
  }
  return "ready";
}

OrchestratorStatus Orchestrator::Impl::Status() const {
  OrchestratorStatus st;
  st.outcome = outcome();
  for (SS s : ss_) {
    switch (s) {
      case SS::kDone:
        ++st.done;
        break;
      case SS::kRunning:
        ++st.running;
        break;
      case SS::kWaiting:
      case SS::kReady:
      case SS::kBackoff:
        ++st.pending;
        break;
      case SS::kFailed:
        ++st.failed;
        break;
      case SS::kSkipped:
        ++st.skipped;
        break;
    }
  }
  for (RS s : rs_) {
    switch (s) {
      case RS::kDone:
        ++st.rollback_done;
        break;
      case RS::kRunning:
        ++st.rollback_running;
        break;
      case RS::kWaiting:
      case RS::kReady:
      case RS::kBackoff:
        ++st.rollback_pending;
        break;
      case RS::kFailed:
        ++st.rollback_failed;
        break;
      default:
        break;
    }
  }
  st.components.reserve(comps_.size());
  for (size_t c = 0; c < comps_.size(); ++c) {
    const Comp& k = comps_[c];
    ComponentStatus cs;
    cs.id = Name(c);
    cs.state = CStateName(c);
    cs.since_ms = k.since;
    cs.finished = k.resolved;
    cs.note = k.note;
    st.components.push_back(std::move(cs));
    if (k.resolved || k.in_flight != 0) continue;
    const int32_t r = k.rb_step;
    const bool rolling = r >= 0 && RbActive(rs_[r]);
    const std::string why = Explain(c);
    if (why.empty()) continue;
    const std::string step =
        rolling ? plan_.StepId(p_.rollback_steps(r))
                : (k.cur < k.end_step ? plan_.StepId(p_.steps(k.cur))
                                      : std::string(Name(c)));
    st.blocked.push_back(absl::StrCat(step, " ", why));
  }
  st.events.assign(events_.begin(), events_.end());
  return st;
}

RollbackCoverage Orchestrator::Impl::Coverage() const {
  RollbackCoverage cov;
  for (size_t c = 0; c < comps_.size(); ++c) {
    if (comps_[c].irreversible) {
      cov.irreversible.push_back(Name(c));
    } else if (comps_[c].committed) {
      cov.committed.push_back(Name(c));
    } else {
      cov.reversible.push_back(Name(c));
    }
  }
  return cov;
}

std::string OrchestratorStatus::ToText() const {
  std::string out =
      absl::StrCat("plan: ", PlanOutcomeName(outcome), "\nsteps: ", done,
                   " done, ", running, " running, ", pending, " pending, ",
                   failed, " failed, ", skipped, " skipped\n");
  if (rollback_done + rollback_running + rollback_pending + rollback_failed >
      0) {
    absl::StrAppend(&out, "rollback: ", rollback_done, " done, ",
                    rollback_running, " running, ", rollback_pending,
                    " pending, ", rollback_failed, " failed\n");
  }
  for (const ComponentStatus& c : components) {
    absl::StrAppend(
        &out, "  ", c.id, ": ", c.state,
        c.since_ms ? absl::StrCat(" since ", TimeOfDay(*c.since_ms)) : "",
        c.note.empty() ? "" : absl::StrCat(" (", c.note, ")"), "\n");
  }
  if (!blocked.empty()) {
    absl::StrAppend(&out, "blocked:\n");
    for (const std::string& b : blocked) absl::StrAppend(&out, "  ", b, "\n");
  }
  if (!events.empty()) {
    absl::StrAppend(&out, "events:\n");
    for (const std::string& e : events) absl::StrAppend(&out, "  ", e, "\n");
  }
  return out;
}

}  // namespace upgrade_core::exec
