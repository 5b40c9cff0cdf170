// The Orchestrator's reports, failures and rollbacks (orchestrator_impl.h).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/orchestrator_impl.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::exec {

// ---------------------------------------------------------------------------
// Outcomes.

std::string Orchestrator::Impl::Staleness(const ActionRec& a,
                                          int64_t observed) const {
  if (a.rollback || observed == 0) return "";
  const proto::Step& step = p_.steps(a.step);
  if (step.kind() != proto::AWAIT_READY) return "";
  const Comp& k = comps_[step.component()];
  if (k.start_new_observed != 0) {
    if (observed >= k.start_new_observed) return "";
    return absl::StrCat("observed generation ", observed, " is older than ",
                        k.start_new_observed, ", the one start-new applied");
  }
  if (observed > k.start_new_issued) return "";
  return absl::StrCat("observed at ", observed,
                      ", not after start-new was issued at ",
                      k.start_new_issued);
}

absl::Status Orchestrator::Impl::Report(uint64_t id, const Outcome& outcome,
                                        int64_t now) {
  if (id == 0 || id > actions_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Report: action ", id, " was never issued (issued so far: ",
        actions_.empty() ? std::string("none")
                         : absl::StrCat("1..", actions_.size()),
        ")"));
  }
  const ActionRec& a = actions_[id - 1];
  if (a.finished) {
    static constexpr const char* kNames[] = {"?", "succeeded", "failed",
                                             "progress", "timed out"};
    return absl::FailedPreconditionError(absl::StrCat(
        "Report: ", ActionName(id), " already finished: ", kNames[a.result],
        " at ", TimeOfDay(a.finished_at), " (", a.finished_at,
        " ms); an action takes one final outcome"));
  }
  if (last_now_.has_value() && now < *last_now_) {  // the message only then
    return CheckTime(now, absl::StrCat("Report for ", ActionName(id)));
  }
  if (!replaying_) {
    last_now_ = now;
    UC_RETURN_IF_ERROR(ExpireDeadlines(now));
    PromoteRetries(now);
    if (a.finished) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Report: ", ActionName(id), " timed out at ", TimeOfDay(a.deadline),
          " (deadline ", a.deadline, " ms), before this report at ",
          TimeOfDay(now), " (", now, " ms): the outcome is ignored"));
    }
  }
  last_now_ = now;
  const int c =
      (a.rollback ? p_.rollback_steps(a.step) : p_.steps(a.step)).component();
  proto::JournalRecord record;
  proto::ActionOutcome* o = record.mutable_outcome();
  o->set_action_id(id);
  o->set_reason(outcome.reason);
  o->set_at_ms(now);
  o->set_observed(outcome.observed);
  switch (outcome.kind) {
    case OutcomeKind::kProgress:
      o->set_kind(proto::PROGRESS);
      UC_RETURN_IF_ERROR(Write(record));
      comps_[c].note = absl::StrCat(StepId(a.rollback, a.step), ": ",
                                    outcome.reason, " (", TimeOfDay(now), ")");
      return absl::OkStatus();
    case OutcomeKind::kSucceeded: {
      o->set_kind(proto::SUCCEEDED);
      const std::string stale = Staleness(a, outcome.observed);
      UC_RETURN_IF_ERROR(Write(record));
      if (!stale.empty()) {
        // Readiness seen before the change that should cause it says
        // nothing about the new version: the gate stays shut.
        comps_[c].note = absl::StrCat("stale readiness ignored (", stale, ")");
        Event(absl::StrCat(TimeOfDay(now), " ", StepId(a.rollback, a.step),
                           ": stale readiness ignored (", stale, ")"));
        return absl::OkStatus();
      }
      actions_[id - 1].result = proto::SUCCEEDED;
      return Complete(id, true, "", outcome.observed, now);
    }
    case OutcomeKind::kFailed:
      o->set_kind(proto::FAILED);
      UC_RETURN_IF_ERROR(Write(record));
      actions_[id - 1].result = proto::FAILED;
      return Complete(id, false,
                      outcome.reason.empty() ? "failed" : outcome.reason, 0,
                      now);
  }
  return absl::InvalidArgumentError("Report: unknown outcome kind");
}

absl::Status Orchestrator::Impl::Complete(uint64_t id, bool success,
                                          const std::string& reason,
                                          int64_t observed, int64_t now) {
  ActionRec& a = actions_[id - 1];
  a.finished = true;
  a.finished_at = now;
  --in_flight_;
  if (a.prev != 0) {
    actions_[a.prev - 1].next = a.next;
  } else {
    first_in_flight_ = a.next;
  }
  if (a.next != 0) {
    actions_[a.next - 1].prev = a.prev;
  } else {
    last_in_flight_ = a.prev;
  }
  const int c =
      (a.rollback ? p_.rollback_steps(a.step) : p_.steps(a.step)).component();
  comps_[c].in_flight = 0;
  UC_RETURN_IF_ERROR(success ? ApplySuccess(id, observed, now)
                             : ApplyFailure(id, reason, now));
  return AfterChange(now);
}

absl::Status Orchestrator::Impl::ApplySuccess(uint64_t id, int64_t observed,
                                              int64_t now) {
  const ActionRec& a = actions_[id - 1];
  if (a.rollback) {
    const int c = p_.rollback_steps(a.step).component();
    rs_[a.step] = RS::kDone;
    UC_RETURN_IF_ERROR(FireC(c, lc::kRollbackDone, now));
    comps_[c].note = "rolled back";
    comps_[c].attempt = 1;
    Release(c);
    Resolve(c);
    RbFinished(a.step);
    return absl::OkStatus();
  }
  const proto::Step& step = p_.steps(a.step);
  const int c = step.component();
  Comp& k = comps_[c];
  const plan::LifecycleTransition& t =
      transitions_[step.kind()][p_.start_first(c)][p_.backup(c)];
  if (CState(c) != t.from) {
    return absl::InternalError(
        absl::StrCat(plan_.StepId(step), " succeeded in lifecycle state ",
                     CStateName(c), ", expected ", plan::FormatTransition(t)));
  }
  UC_RETURN_IF_ERROR(FireC(c, t.event, now));
  ss_[a.step] = SS::kDone;
  k.attempt = 1;
  k.note.clear();
  k.cur = a.step + 1;
  if (step.kind() == proto::START_NEW) k.start_new_observed = observed;
  for (int32_t i = dep_off_[a.step]; i < dep_off_[a.step + 1]; ++i) {
    const int32_t d = deps_[i];
    if (--pending_[d] == 0 && ss_[d] == SS::kWaiting) {
      ss_[d] = SS::kReady;
      Push(ready_, ForwardKey(d));
    }
  }
  if (CState(c) == lc::kSucceeded) {
    Release(c);
    Resolve(c);
    if (k.irreversible) Commit(c);
  }
  if (k.rb_await) return ResolveAwait(c, now);
  return absl::OkStatus();
}

absl::Status Orchestrator::Impl::ApplyFailure(uint64_t id,
                                              const std::string& reason,
                                              int64_t now) {
  const ActionRec& a = actions_[id - 1];
  const uint64_t key = a.rollback ? RollbackKey(a.step) : ForwardKey(a.step);
  const proto::Step& step = StepOf(key);
  const int c = step.component();
  Comp& k = comps_[c];
  const std::string step_id = plan_.StepId(step);
  const int32_t attempts = std::max(1, Source(c).retry().attempts());
  // A forward step of a component being rolled back is not retried.
  const bool retry = a.attempt < attempts && (a.rollback || !k.rb_await);
  if (retry) {
    // No lifecycle event: the component stays in the step's state while the
    // step waits out its backoff and runs again with attempt + 1.
    const int64_t delay = Backoff(c, key, a.attempt);
    k.retry_at = SaturatingAdd(now, delay);
    k.attempt = a.attempt + 1;
    if (a.rollback) {
      rs_[a.step] = RS::kBackoff;
    } else {
      ss_[a.step] = SS::kBackoff;
    }
    Push(backoff_, k.retry_at, key);
    k.note = absl::StrCat(step_id, " attempt ", a.attempt, " of ", attempts,
                          " failed: ", reason);
    Event(absl::StrCat(TimeOfDay(now), " ", step_id, " attempt ", a.attempt,
                       "/", attempts, " failed (", reason, "); retry in ",
                       FormatDuration(delay), " at ", TimeOfDay(k.retry_at)));
    return absl::OkStatus();
  }
  k.attempt = 1;
  Event(absl::StrCat(TimeOfDay(now), " ", step_id, " failed: ", reason));
  if (a.rollback) {
    rs_[a.step] = RS::kFailed;
    rollback_failed_ = true;
    UC_RETURN_IF_ERROR(FireC(c, lc::kRollbackFailed, now));
    k.note = absl::StrCat("rollback failed: ", reason);
    Release(c);
    Resolve(c);
    return BlockRollbacks(a.step, now);
  }
  ss_[a.step] = SS::kFailed;
  UC_RETURN_IF_ERROR(FireC(c, *plan::StepFailedEvent(step.kind()), now));
  k.note = absl::StrCat("failed: ", step_id, ": ", reason);
  if (k.rb_await) return ResolveAwait(c, now);  // the plan is rolling back

  // An irreversible component is never rolled back: its failure halts it,
  // and under a policy that rolls back nobody will retry it.
  if (CState(c) == lc::kHalted && k.irreversible &&
      (policy_ == proto::ROLLBACK_ALL || policy_ == proto::ROLLBACK_FAILED)) {
    UC_RETURN_IF_ERROR(FireC(c, lc::kAbandon, now));
    k.note = absl::StrCat("failed: ", step_id, ": ", reason,
                          " (irreversible: not rolled back)");
  }
  switch (policy_) {
    case proto::PAUSE:
      halted_.push_back(c);
      if (PState() == pl::kRunning) UC_RETURN_IF_ERROR(FireP(pl::kPause));
      Event(absl::StrCat(TimeOfDay(now), " plan pausing: ", Name(c),
                         " halted (Resume retries it, Abort rolls back)"));
      return absl::OkStatus();
    case proto::CONTINUE:
      UC_RETURN_IF_ERROR(FireC(c, lc::kAbandon, now));
      break;
    case proto::ROLLBACK_FAILED: {
      if (CState(c) == lc::kRollingBack) {
        // The failed component and whatever depends on it that was touched.
        // (A walk over the touched dependents only: no per-plan scan.)
        std::vector<int> set = {c};
        absl::flat_hash_set<int> seen = {c};
        for (size_t i = 0; i < set.size(); ++i) {
          for (graph::NodeId d : plan_.graph().dependents(set[i])) {
            if (comps_[d].touched && seen.insert(int(d)).second) {
              set.push_back(d);
            }
          }
        }
        SkipDependents(c, now);
        return AddToRollback(set, now);
      }
      break;  // failed before touching anything: nothing to undo
    }
    case proto::ROLLBACK_ALL:
    default:
      if (PState() == pl::kRunning || PState() == pl::kPausing) {
        UC_RETURN_IF_ERROR(FireP(pl::kStepFailed));
      }
      if (CState(c) != lc::kRollingBack) {
        MarkRestSkipped(c);
        Release(c);
        Resolve(c);
      }
      return EnterRollbackPlan(now);
  }
  // Failed for good, nothing rolled back: dependents will never run.
  MarkRestSkipped(c);
  Release(c);
  Resolve(c);
  SkipDependents(c, now);
  return absl::OkStatus();
}

void Orchestrator::Impl::SkipDependents(int root, int64_t now) {
  std::vector<int> stack = {root};
  int skipped = 0;
  while (!stack.empty()) {
    const int x = stack.back();
    stack.pop_back();
    const Comp& kx = comps_[x];
    for (int32_t s = kx.first_step; s < kx.end_step; ++s) {
      for (int32_t i = dep_off_[s]; i < dep_off_[s + 1]; ++i) {
        const int e = p_.steps(deps_[i]).component();
        Comp& ke = comps_[e];
        if (e == x || ke.skipped || ke.resolved || CState(e) != lc::kPending ||
            ke.in_flight != 0) {
          continue;
        }
        const auto deps = plan_.graph().dependencies(e);
        const bool depends =
            std::find(deps.begin(), deps.end(), graph::NodeId(x)) != deps.end();
        const std::string relation =
            depends ? absl::StrCat("depends on ", Name(x))
                    : absl::StrCat("runs after ", Name(x),
                                   " (a shared exclusive resource or floor)");
        ke.note =
            x == root
                ? absl::StrCat("skipped: ", relation, ", which failed")
                : absl::StrCat("skipped: ", relation, ", which was skipped (",
                               Name(root), " failed)");
        ke.skipped = true;
        ke.since = now;
        MarkRestSkipped(e);
        Resolve(e);
        ++skipped;
        stack.push_back(e);
      }
    }
  }
  if (skipped > 0) {
    Event(absl::StrCat(
        TimeOfDay(now), " ", skipped, " component", skipped == 1 ? "" : "s",
        " skipped: ", skipped == 1 ? "it depends" : "they depend", " on ",
        Name(root), ", which failed"));
  }
}

// ---------------------------------------------------------------------------
// Rollback.

absl::Status Orchestrator::Impl::Cancel(int c, int64_t now) {
  Comp& k = comps_[c];
  if (k.resolved) {
    if (k.committed && CState(c) == lc::kSucceeded) {
      k.note = "committed: behind a point of no return, not rolled back";
    }
    return absl::OkStatus();
  }
  const fsm::StateId st = CState(c);
  if (st == lc::kPending) {
    k.note = "not started: the plan is rolling back";
  } else if (k.irreversible) {
    k.note = absl::StrCat("irreversible: not rolled back (left at ",
                          CStateName(c), ")");
  } else if (!k.touched) {
    k.note = absl::StrCat("stopped at ", CStateName(c),
                          ": nothing was touched, nothing to undo");
  }
  if (CState(c) == lc::kHalted) UC_RETURN_IF_ERROR(FireC(c, lc::kAbandon, now));
  k.cancelled = true;
  MarkRestSkipped(c);
  Release(c);
  Resolve(c);
  return absl::OkStatus();
}

absl::StatusOr<bool> Orchestrator::Impl::ToRollingBack(int c, int64_t now) {
  switch (CState(c)) {
    case lc::kRollingBack:
      return true;
    case lc::kTerminatingOld:
    case lc::kStartingNew:
    case lc::kAwaitingReady:
    case lc::kVerifying:
    case lc::kSucceeded:
    case lc::kHalted:
      UC_RETURN_IF_ERROR(FireC(c, lc::kRollback, now));
      return true;
    case lc::kPreflight:
    case lc::kBackingUp:
      // Touched by an earlier run (retried from halted), stopped before its
      // preflight finished again: the interrupted step counts as failed.
      UC_RETURN_IF_ERROR(FireC(c, lc::kStepFailed, now));
      return ToRollingBack(c, now);
    default:
      return false;
  }
}

absl::Status Orchestrator::Impl::EnterRollbackPlan(int64_t now) {
  forward_stopped_ = true;
  halted_.clear();
  std::vector<int> all(comps_.size());
  for (size_t c = 0; c < all.size(); ++c) all[c] = c;
  Event(absl::StrCat(TimeOfDay(now), " plan rolling back"));
  return AddToRollback(all, now);
}

absl::Status Orchestrator::Impl::AddToRollback(const std::vector<int>& comps,
                                               int64_t now) {
  std::vector<int32_t> added;
  for (int c : comps) {
    Comp& k = comps_[c];
    const int32_t r = k.rb_step;
    if (r < 0 || rs_[r] != RS::kNone) continue;  // already decided
    if (k.in_flight != 0) {
      // Decided once its action reports (it may still touch something).
      rs_[r] = RS::kWaiting;
      k.rb_await = true;
      added.push_back(r);
      continue;
    }
    if (Excluded(c)) {
      rs_[r] = RS::kNotNeeded;
      UC_RETURN_IF_ERROR(Cancel(c, now));
      continue;
    }
    UC_ASSIGN_OR_RETURN(const bool rolling, ToRollingBack(c, now));
    if (!rolling) {
      rs_[r] = RS::kNotNeeded;
      UC_RETURN_IF_ERROR(Cancel(c, now));
      continue;
    }
    MarkRestSkipped(c);
    k.attempt = 1;
    Unresolve(c);
    rs_[r] = RS::kWaiting;
    added.push_back(r);
  }
  if (added.empty()) return absl::OkStatus();
  // Counts over every active member, old and new: dependents first.
  absl::flat_hash_set<int32_t> is_new(added.begin(), added.end());
  for (int32_t r : added) {
    uint32_t n = comps_[p_.rollback_steps(r).component()].rb_await ? 1 : 0;
    for (int32_t d : p_.rollback_steps(r).depends_on()) n += RbActive(rs_[d]);
    rb_pending_[r] = n;
    for (int32_t i = rb_dep_off_[r]; i < rb_dep_off_[r + 1]; ++i) {
      const int32_t older = rb_deps_[i];
      if (is_new.count(older)) continue;
      if (rs_[older] == RS::kWaiting || rs_[older] == RS::kReady) {
        ++rb_pending_[older];
        rs_[older] = RS::kWaiting;
      }
    }
  }
  for (int32_t r : added) {
    if (rb_pending_[r] == 0 && rs_[r] == RS::kWaiting) {
      rs_[r] = RS::kReady;
      Push(ready_, RollbackKey(r));
    }
  }
  return absl::OkStatus();
}

void Orchestrator::Impl::RbFinished(int32_t r) {
  for (int32_t i = rb_dep_off_[r]; i < rb_dep_off_[r + 1]; ++i) {
    const int32_t d = rb_deps_[i];
    if (rs_[d] == RS::kWaiting && rb_pending_[d] > 0 && --rb_pending_[d] == 0) {
      rs_[d] = RS::kReady;
      Push(ready_, RollbackKey(d));
    }
  }
}

absl::Status Orchestrator::Impl::ResolveAwait(int c, int64_t now) {
  Comp& k = comps_[c];
  k.rb_await = false;
  const int32_t r = k.rb_step;
  if (rs_[r] == RS::kBlocked) {
    if (!k.resolved) {
      MarkRestSkipped(c);
      Release(c);
      Resolve(c);
    }
    return absl::OkStatus();
  }
  if (Excluded(c)) {
    rs_[r] = RS::kNotNeeded;
    UC_RETURN_IF_ERROR(Cancel(c, now));
    RbFinished(r);
    return absl::OkStatus();
  }
  UC_ASSIGN_OR_RETURN(const bool rolling, ToRollingBack(c, now));
  if (!rolling) {
    rs_[r] = RS::kNotNeeded;
    UC_RETURN_IF_ERROR(Cancel(c, now));
    RbFinished(r);
    return absl::OkStatus();
  }
  MarkRestSkipped(c);
  k.attempt = 1;
  Unresolve(c);
  if (--rb_pending_[r] == 0) {
    rs_[r] = RS::kReady;
    Push(ready_, RollbackKey(r));
  }
  return absl::OkStatus();
}

absl::Status Orchestrator::Impl::BlockRollbacks(int32_t failed, int64_t now) {
  // The rollbacks that were to run after this one (of its dependencies)
  // would pull a dependency back under a dependent still on the new
  // version: they do not run.
  std::vector<int32_t> stack = {failed};
  const std::string& who = Name(p_.rollback_steps(failed).component());
  while (!stack.empty()) {
    const int32_t r = stack.back();
    stack.pop_back();
    for (int32_t i = rb_dep_off_[r]; i < rb_dep_off_[r + 1]; ++i) {
      const int32_t d = rb_deps_[i];
      if (rs_[d] != RS::kWaiting && rs_[d] != RS::kReady) continue;
      rs_[d] = RS::kBlocked;
      const int c = p_.rollback_steps(d).component();
      Comp& k = comps_[c];
      k.note = absl::StrCat("not rolled back: it waits for ", who,
                            "'s rollback, which failed");
      if (k.in_flight == 0) {
        if (CState(c) == lc::kRollingBack) {
          UC_RETURN_IF_ERROR(FireC(c, lc::kRollbackFailed, now));
        }
        Release(c);
        Resolve(c);
      }
      stack.push_back(d);
    }
  }
  return absl::OkStatus();
}

void Orchestrator::Impl::Commit(int checkpoint) {
  // Everything succeeded by now is behind the point of no return.
  for (size_t c = 0; c < comps_.size(); ++c) {
    if (CState(c) == lc::kSucceeded && !comps_[c].irreversible) {
      comps_[c].committed = true;
    }
  }
  Event(absl::StrCat("point of no return: ", Name(checkpoint),
                     " succeeded; what succeeded before it is committed"));
}

absl::Status Orchestrator::Impl::AfterChange(int64_t now) {
  if (plan_lc_->is_terminal()) return absl::OkStatus();
  if (in_flight_ > 0) return absl::OkStatus();
  if (PState() == pl::kPausing) {
    UC_RETURN_IF_ERROR(FireP(pl::kStepsDrained));
    Event(absl::StrCat(TimeOfDay(now), " plan paused"));
    return absl::OkStatus();
  }
  if (open_ > 0) return absl::OkStatus();
  if (PState() == pl::kRollingBack) {
    UC_RETURN_IF_ERROR(
        FireP(rollback_failed_ ? pl::kRollbackFailed : pl::kRollbackDone));
  } else if (PState() == pl::kRunning) {
    // Once, at the end: did every component succeed?
    bool all_succeeded = true;
    for (size_t c = 0; c < comps_.size() && all_succeeded; ++c) {
      all_succeeded = CState(c) == lc::kSucceeded;
    }
    if (!all_succeeded) {
      UC_RETURN_IF_ERROR(FireP(pl::kStepFailed));
      if (PState() == pl::kRollingBack) {
        // Not expected (rollback-all enters rollback at the failure); keep
        // the lifecycle honest if it happens.
        UC_RETURN_IF_ERROR(FireP(pl::kRollbackDone));
      }
    } else {
      UC_RETURN_IF_ERROR(FireP(pl::kStepsCompleted));
      UC_RETURN_IF_ERROR(FireP(pl::kVerifyPassed));
    }
  }
  if (plan_lc_->is_terminal()) {
    Event(absl::StrCat(TimeOfDay(now), " plan ", plan_lc_->state_name()));
  }
  return absl::OkStatus();
}

}  // namespace upgrade_core::exec
