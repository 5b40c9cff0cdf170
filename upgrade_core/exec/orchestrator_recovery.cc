// The Orchestrator's operator commands and journal replay
// (orchestrator_impl.h).
#include <string>

#include "absl/strings/str_cat.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/orchestrator_impl.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::exec {

// ---------------------------------------------------------------------------
// Operator commands.

absl::Status Orchestrator::Impl::Control(proto::ControlCommand::Kind kind,
                                         int64_t now) {
  static constexpr const char* kVerbs[] = {"?", "Pause", "Resume", "Abort"};
  // `kind` may come from a journal record (an open proto enum: any int32),
  // so it is checked before it indexes anything.
  if (kind < proto::ControlCommand::PAUSE ||
      kind > proto::ControlCommand::ABORT) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown control command kind ", int(kind),
                     " (expected pause, resume or abort)"));
  }
  const char* verb = kVerbs[kind];
  UC_RETURN_IF_ERROR(CheckTime(now, verb));
  const fsm::StateId st = PState();
  const std::string state_name = plan_lc_->state_name();
  switch (kind) {
    case proto::ControlCommand::PAUSE:
      if (st != pl::kRunning) {
        return absl::FailedPreconditionError(
            absl::StrCat("Pause: the plan is ", state_name,
                         "; only a running plan can be paused"));
      }
      break;
    case proto::ControlCommand::RESUME:
      if (st != pl::kPausing && st != pl::kPaused) {
        return absl::FailedPreconditionError(
            absl::StrCat("Resume: the plan is ", state_name,
                         "; only a pausing or paused plan can be resumed"));
      }
      break;
    case proto::ControlCommand::ABORT:
      if (st != pl::kRunning && st != pl::kPausing && st != pl::kPaused) {
        return absl::FailedPreconditionError(absl::StrCat(
            "Abort: the plan is ", state_name,
            st == pl::kRollingBack ? "; it is already rolling back"
                                   : "; there is nothing left to abort"));
      }
      break;
    default:  // unreachable: checked above
      return absl::InvalidArgumentError("unknown control command");
  }
  if (!replaying_) {
    last_now_ = now;
    UC_RETURN_IF_ERROR(ExpireDeadlines(now));
    PromoteRetries(now);
    // A deadline may have moved the plan (a failure under rollback-all).
    if (PState() != st) return Control(kind, now);
  }
  last_now_ = now;
  proto::JournalRecord record;
  record.mutable_control()->set_kind(kind);
  record.mutable_control()->set_at_ms(now);
  UC_RETURN_IF_ERROR(Write(record));
  switch (kind) {
    case proto::ControlCommand::PAUSE:
      UC_RETURN_IF_ERROR(FireP(pl::kPause));
      Event(absl::StrCat(TimeOfDay(now), " pause requested"));
      break;
    case proto::ControlCommand::RESUME: {
      UC_RETURN_IF_ERROR(FireP(pl::kResume));
      Event(absl::StrCat(TimeOfDay(now), " resumed"));
      for (int c : halted_) {
        if (CState(c) != lc::kHalted) continue;
        // halted -> retry -> preflight: the component's steps run again.
        UC_RETURN_IF_ERROR(FireC(c, lc::kRetry, now));
        Comp& k = comps_[c];
        for (int32_t s = k.first_step; s < k.end_step; ++s) {
          ss_[s] = SS::kWaiting;
          pending_[s] = s == k.first_step ? 0 : 1;
        }
        ss_[k.first_step] = SS::kReady;
        Push(ready_, ForwardKey(k.first_step));
        k.cur = k.first_step;
        k.attempt = 1;
        k.note = "retrying from preflight (resumed)";
      }
      halted_.clear();
      break;
    }
    case proto::ControlCommand::ABORT:
      UC_RETURN_IF_ERROR(FireP(pl::kRollback));
      Event(absl::StrCat(TimeOfDay(now), " abort requested"));
      UC_RETURN_IF_ERROR(EnterRollbackPlan(now));
      break;
    default:
      break;
  }
  return AfterChange(now);
}

// ---------------------------------------------------------------------------
// Recovery.

absl::Status Orchestrator::Impl::Replay(size_t index,
                                        const proto::JournalRecord& record) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("journal record ", index, ": ", why));
  };
  // A record the public call refuses (FailedPrecondition: an outcome for a
  // finished action, a command the plan's state does not allow) does not fit
  // the history before it: InvalidArgument, as Recover promises. Internal
  // (a bug) stays Internal.
  auto wrap = [&](const absl::Status& s) {
    return absl::Status(
        s.code() == absl::StatusCode::kInternal
            ? absl::StatusCode::kInternal
            : absl::StatusCode::kInvalidArgument,
        absl::StrCat("journal record ", index, ": ", s.message()));
  };
  switch (record.record_case()) {
    case proto::JournalRecord::kHeader:
      if (index != 0) return bad("a header in the middle of the records");
      if (record.header().plan_hash() != hash_) {
        return bad(absl::StrCat(
            "the journal belongs to plan '", record.header().plan_name(),
            "' (hash ", record.header().plan_hash(), "), not to this plan '",
            p_.name(), "' (hash ", hash_, ")"));
      }
      return absl::OkStatus();
    case proto::JournalRecord::kIssued: {
      const proto::ActionIssued& x = record.issued();
      const int64_t t = x.issued_at_ms();
      if (absl::Status s = CheckTime(t, "issued"); !s.ok()) return wrap(s);
      if (x.action_id() != actions_.size() + 1) {
        return bad(absl::StrCat("action ", x.action_id(), " issued, expected ",
                                actions_.size() + 1, " (ids are consecutive)"));
      }
      const int size =
          x.rollback() ? p_.rollback_steps_size() : p_.steps_size();
      if (x.step() < 0 || x.step() >= size) {
        return bad(absl::StrCat("action ", x.action_id(), " names ",
                                x.rollback() ? "rollback step " : "step ",
                                x.step(), " of ", size));
      }
      last_now_ = t;
      PromoteRetries(t);
      const uint64_t key =
          x.rollback() ? RollbackKey(x.step()) : ForwardKey(x.step());
      const int c = StepOf(key).component();
      const std::string id = StepId(x.rollback(), x.step());
      bool gates =
          comps_[c].holding || (FreeSlots() > 0 && BusyResource(c) < 0);
      if (!Issuable(key, t) || !gates) {
        return bad(absl::StrCat("action ", x.action_id(), " issues ", id,
                                ", which could not run at ", TimeOfDay(t), " (",
                                Explain(c), ")"));
      }
      if (x.attempt() != comps_[c].attempt ||
          x.deadline_ms() != DeadlineFor(StepOf(key), t)) {
        return bad(absl::StrCat(
            "action ", x.action_id(), " (", id, ") has attempt ", x.attempt(),
            " and deadline ", x.deadline_ms(), "; this plan gives attempt ",
            comps_[c].attempt, " and deadline ", DeadlineFor(StepOf(key), t)));
      }
      if (absl::Status s = Issue(key, t, nullptr); !s.ok()) return wrap(s);
      return absl::OkStatus();
    }
    case proto::JournalRecord::kOutcome: {
      const proto::ActionOutcome& o = record.outcome();
      if (o.kind() == proto::TIMED_OUT) {
        if (o.action_id() == 0 || o.action_id() > actions_.size() ||
            actions_[o.action_id() - 1].finished) {
          return bad(absl::StrCat("action ", o.action_id(),
                                  " timed out, but it is not in flight"));
        }
        const ActionRec& a = actions_[o.action_id() - 1];
        if (a.deadline == 0 || o.at_ms() < a.deadline) {
          return bad(absl::StrCat(ActionName(o.action_id()), " timed out at ",
                                  o.at_ms(), " before its deadline ",
                                  a.deadline));
        }
        if (absl::Status s = CheckTime(o.at_ms(), "timed out"); !s.ok()) {
          return wrap(s);
        }
        last_now_ = o.at_ms();
        PromoteRetries(o.at_ms());
        actions_[o.action_id() - 1].result = proto::TIMED_OUT;
        Event(absl::StrCat(TimeOfDay(o.at_ms()), " ",
                           StepId(a.rollback, a.step), " ", o.reason()));
        if (absl::Status s =
                Complete(o.action_id(), false, o.reason(), 0, o.at_ms());
            !s.ok()) {
          return wrap(s);
        }
        return absl::OkStatus();
      }
      Outcome outcome;
      switch (o.kind()) {
        case proto::SUCCEEDED:
          outcome.kind = OutcomeKind::kSucceeded;
          break;
        case proto::FAILED:
          outcome.kind = OutcomeKind::kFailed;
          break;
        case proto::PROGRESS:
          outcome.kind = OutcomeKind::kProgress;
          break;
        default:
          return bad(absl::StrCat("outcome of action ", o.action_id(),
                                  " has no kind"));
      }
      outcome.reason = o.reason();
      outcome.observed = o.observed();
      if (last_now_.has_value() && o.at_ms() >= *last_now_) {
        PromoteRetries(o.at_ms());
      }
      if (absl::Status s = Report(o.action_id(), outcome, o.at_ms()); !s.ok()) {
        return wrap(s);
      }
      return absl::OkStatus();
    }
    case proto::JournalRecord::kControl: {
      const int64_t t = record.control().at_ms();
      if (last_now_.has_value() && t >= *last_now_) PromoteRetries(t);
      if (absl::Status s = Control(record.control().kind(), t); !s.ok()) {
        return wrap(s);
      }
      return absl::OkStatus();
    }
    default:
      return bad("an empty record");
  }
}

}  // namespace upgrade_core::exec
