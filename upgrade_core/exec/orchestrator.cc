// The Orchestrator: time, issuing, and the public class. Its state and the
// layout of it are in orchestrator_impl.h; its setup (Init) is in
// orchestrator_setup.cc.
#include "upgrade_core/exec/orchestrator.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "upgrade_core/exec/orchestrator_impl.h"
#include "upgrade_core/exec/sha256.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::exec {

bool operator==(const Action& a, const Action& b) {
  return a.id == b.id && a.rollback == b.rollback && a.step == b.step &&
         a.component == b.component && a.kind == b.kind &&
         a.attempt == b.attempt && a.issued_at_ms == b.issued_at_ms &&
         a.deadline_ms == b.deadline_ms && a.batch == b.batch &&
         a.step_id == b.step_id;
}

const char* PlanOutcomeName(PlanOutcome outcome) {
  switch (outcome) {
    case PlanOutcome::kRunning:
      return "running";
    case PlanOutcome::kPausing:
      return "pausing";
    case PlanOutcome::kPaused:
      return "paused";
    case PlanOutcome::kRollingBack:
      return "rolling_back";
    case PlanOutcome::kSucceeded:
      return "succeeded";
    case PlanOutcome::kFailed:
      return "failed";
    case PlanOutcome::kRolledBack:
      return "rolled_back";
  }
  return "?";
}

std::string FormatDuration(int64_t ms) {
  if (ms < 0) return absl::StrCat("-", FormatDuration(-ms));
  if (ms < 1000) return absl::StrCat(ms, "ms");
  if (ms < 60 * 1000 && ms % 1000 != 0) {
    std::string s = absl::StrFormat("%.3f", ms / 1000.0);
    while (s.back() == '0') s.pop_back();
    return absl::StrCat(s, "s");
  }
  struct Unit {
    int64_t ms;
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
  // The two largest non-zero units: "1m30s", "2h5m", "3d4h".
  std::string out;
  int shown = 0;
  int64_t rest = ms;
  for (const Unit& u : kUnits) {
    const int64_t n = rest / u.ms;
    rest %= u.ms;
    if (n > 0) {
      absl::StrAppend(&out, n, u.name);
      ++shown;
    } else if (shown > 0) {
      break;  // "1h0m5s" reads worse than "1h"
    }
    if (shown == 2) break;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Small helpers.

absl::Status Orchestrator::Impl::CheckTime(int64_t now,
                                           absl::string_view what) const {
  // A negative time would also make a deadline (issue + timeout) 0, which
  // means "none": such an action could never time out.
  if (now < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": now_ms ", now,
        " is negative; pass milliseconds since an origin at or before the "
        "run's start (Unix epoch milliseconds, or 0 at the start)"));
  }
  if (last_now_.has_value() && now < *last_now_) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": time went backwards: now_ms ", now, " is before ", *last_now_,
        " (the previous call); pass a clock that never decreases"));
  }
  return absl::OkStatus();
}

absl::Status Orchestrator::Impl::Write(const proto::JournalRecord& record) {
  if (replaying_ || options_.journal == nullptr) return absl::OkStatus();
  return options_.journal->Write(record);
}

absl::Status Orchestrator::Impl::FireC(int c, fsm::EventId event, int64_t now) {
  absl::Status s = lifecycles_[c].Fire(event, guards_[c]);
  if (!s.ok()) {
    // Every event fired here is chosen from the step table and the state;
    // a refusal is a bug, reported rather than hidden.
    return absl::InternalError(
        absl::StrCat("component '", Name(c), "': ", s.message()));
  }
  comps_[c].since = now;
  return absl::OkStatus();
}

absl::Status Orchestrator::Impl::FireP(fsm::EventId event) {
  absl::Status s = plan_lc_->Fire(event, plan_guards_);
  if (!s.ok()) {
    return absl::InternalError(absl::StrCat("plan: ", s.message()));
  }
  return absl::OkStatus();
}

void Orchestrator::Impl::Event(std::string text) {
  if (events_.size() == kMaxEvents) events_.pop_front();
  events_.push_back(std::move(text));
}

void Orchestrator::Impl::Acquire(int c) {
  Comp& k = comps_[c];
  if (k.holding) return;
  k.holding = true;
  ++holders_;
  for (int32_t i = k.res_begin; i < k.res_end; ++i) {
    res_holder_[comp_res_[i]] = c;
  }
}

void Orchestrator::Impl::Release(int c) {
  Comp& k = comps_[c];
  if (!k.holding) return;
  k.holding = false;
  --holders_;
  for (int32_t i = k.res_begin; i < k.res_end; ++i) {
    const int32_t r = comp_res_[i];
    res_holder_[r] = -1;
    // Waiters re-enter the ready heap and check their gates again.
    for (uint64_t key : res_waiters_[r]) Push(ready_, key);
    res_waiters_[r].clear();
  }
}

int Orchestrator::Impl::BusyResource(int c) const {
  const Comp& k = comps_[c];
  for (int32_t i = k.res_begin; i < k.res_end; ++i) {
    const int32_t holder = res_holder_[comp_res_[i]];
    if (holder >= 0 && holder != c) return comp_res_[i];
  }
  return -1;
}

void Orchestrator::Impl::MarkRestSkipped(int c) {
  Comp& k = comps_[c];
  for (int32_t s = k.cur; s < k.end_step; ++s) {
    if (ss_[s] == SS::kWaiting || ss_[s] == SS::kReady ||
        ss_[s] == SS::kBackoff) {
      ss_[s] = SS::kSkipped;
    }
  }
}

int64_t Orchestrator::Impl::Backoff(int c, uint64_t key,
                                    int32_t attempt) const {
  const int64_t base = Source(c).retry().backoff_ms();
  if (base <= 0) return 0;
  // Exponential: base * 2^(attempt-1), at most a day.
  int64_t delay = base;
  for (int32_t i = 1; i < attempt && delay < kMaxBackoffMs; ++i) delay *= 2;
  delay = std::min(delay, kMaxBackoffMs);
  // "Equal jitter": half fixed, half drawn from the seed and what is being
  // retried (not from a running generator), so a replay draws the same.
  const uint64_t r = Mix(options_.seed ^ Mix(key ^ (uint64_t(attempt) << 40)));
  const int64_t half = delay / 2;
  return half + int64_t(r % uint64_t(delay - half + 1));
}

// ---------------------------------------------------------------------------
// Time.

absl::Status Orchestrator::Impl::ExpireDeadlines(int64_t now) {
  while (!deadlines_.empty() && deadlines_.front().first <= now) {
    const auto [deadline, id] = deadlines_.front();
    Pop(deadlines_);
    ActionRec& a = actions_[id - 1];
    if (a.finished) continue;
    const std::string reason =
        absl::StrCat("timed out after ", FormatDuration(deadline - a.issued));
    proto::JournalRecord record;
    proto::ActionOutcome* o = record.mutable_outcome();
    o->set_action_id(id);
    o->set_kind(proto::TIMED_OUT);
    o->set_reason(reason);
    o->set_at_ms(now);
    absl::Status written = Write(record);
    if (!written.ok()) {
      Push(deadlines_, deadline, id);  // not recorded: not applied
      return written;
    }
    a.result = proto::TIMED_OUT;
    Event(absl::StrCat(TimeOfDay(now), " ", StepId(a.rollback, a.step), " ",
                       reason));
    UC_RETURN_IF_ERROR(Complete(id, false, reason, 0, now));
  }
  return absl::OkStatus();
}

void Orchestrator::Impl::PromoteRetries(int64_t now) {
  while (!backoff_.empty() && backoff_.front().first <= now) {
    const auto [at, key] = backoff_.front();
    Pop(backoff_);
    if (BackingOff(at, key)) Push(ready_, key);
  }
}

void Orchestrator::Impl::CleanTops() {
  while (!deadlines_.empty() &&
         actions_[deadlines_.front().second - 1].finished) {
    Pop(deadlines_);
  }
  while (!backoff_.empty() &&
         !BackingOff(backoff_.front().first, backoff_.front().second)) {
    Pop(backoff_);
  }
}

// ---------------------------------------------------------------------------
// Issuing.

bool Orchestrator::Impl::Issuable(uint64_t key, int64_t now) const {
  const int c = StepOf(key).component();
  if (key & kForwardBit) {
    if (forward_stopped_ || PState() != pl::kRunning) return false;
    const SS s = ss_[key & 0xffffffffu];
    return s == SS::kReady || (s == SS::kBackoff && comps_[c].retry_at <= now);
  }
  if (PState() != pl::kRunning && PState() != pl::kRollingBack) return false;
  const RS s = rs_[key];
  return s == RS::kReady || (s == RS::kBackoff && comps_[c].retry_at <= now);
}

Action Orchestrator::Impl::MakeAction(uint64_t id) const {
  const ActionRec& a = actions_[id - 1];
  const proto::Step& step =
      a.rollback ? p_.rollback_steps(a.step) : p_.steps(a.step);
  Action action;
  action.id = id;
  action.rollback = a.rollback;
  action.step = a.step;
  action.component = step.component();
  action.kind = step.kind();
  action.attempt = a.attempt;
  action.issued_at_ms = a.issued;
  action.deadline_ms = a.deadline;
  action.batch = step.batch();
  action.step_id = plan_.StepId(step);
  return action;
}

absl::Status Orchestrator::Impl::Issue(uint64_t key, int64_t now,
                                       std::vector<Action>* out) {
  const bool rollback = !(key & kForwardBit);
  const int32_t index = int32_t(key & 0xffffffffu);
  const proto::Step& step = StepOf(key);
  const int c = step.component();
  Comp& k = comps_[c];
  const bool starts = !rollback && CState(c) == lc::kPending;
  if (!starts && CState(c) != *plan::StepState(step.kind())) {
    return absl::InternalError(absl::StrCat(
        plan_.StepId(step), " would run in lifecycle state ", CStateName(c),
        ", not ",
        fsm::ComponentLifecycle().state_name(*plan::StepState(step.kind()))));
  }
  const uint64_t id = actions_.size() + 1;
  const int64_t deadline = DeadlineFor(step, now);
  proto::JournalRecord record;
  proto::ActionIssued* issued = record.mutable_issued();
  issued->set_action_id(id);
  issued->set_rollback(rollback);
  issued->set_step(index);
  issued->set_attempt(k.attempt);
  issued->set_issued_at_ms(now);
  issued->set_deadline_ms(deadline);
  UC_RETURN_IF_ERROR(Write(record));

  Acquire(c);
  if (starts) UC_RETURN_IF_ERROR(FireC(c, lc::kStart, now));
  actions_.push_back(ActionRec{index, k.attempt, now, deadline, rollback});
  if (rollback) {
    rs_[index] = RS::kRunning;
  } else {
    ss_[index] = SS::kRunning;
    k.cur = index;
    if (step.kind() == proto::TERMINATE_OLD ||
        step.kind() == proto::START_NEW) {
      k.touched = true;
    }
    if (step.kind() == proto::START_NEW) {
      k.start_new_issued = now;
      k.start_new_observed = 0;
    }
  }
  k.in_flight = id;
  ++in_flight_;
  // Ids grow: a new action goes at the end of the in-flight list.
  actions_[id - 1].prev = last_in_flight_;
  if (last_in_flight_ != 0) {
    actions_[last_in_flight_ - 1].next = id;
  } else {
    first_in_flight_ = id;
  }
  last_in_flight_ = id;
  if (deadline > 0) Push(deadlines_, deadline, id);
  if (out != nullptr) out->push_back(MakeAction(id));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Action>> Orchestrator::Impl::NextActions(
    int64_t now) {
  UC_RETURN_IF_ERROR(CheckTime(now, "NextActions"));
  last_now_ = now;
  UC_RETURN_IF_ERROR(ExpireDeadlines(now));
  PromoteRetries(now);
  std::vector<Action> out;
  if (PState() != pl::kRunning && PState() != pl::kRollingBack) return out;
  // Keys in one order (rollback steps first, then plan order) whichever heap
  // holds them: ready_ (not yet looked at) or slot_wait_ (ready, waiting for
  // a parallel slot). A component that already holds its slot never waits.
  while (true) {
    const bool have_ready = !ready_.empty();
    const bool can_pull = !slot_wait_.empty() && FreeSlots() > 0;
    if (!have_ready && !can_pull) break;
    uint64_t key;
    if (have_ready && (!can_pull || ready_.front() <= slot_wait_.front())) {
      key = Pop(ready_);
    } else {
      key = Pop(slot_wait_);
    }
    if (!Issuable(key, now)) continue;  // stale, or its retry is not due
    const int c = StepOf(key).component();
    if (!comps_[c].holding) {
      if (FreeSlots() <= 0) {
        Push(slot_wait_, key);
        continue;
      }
      if (const int busy = BusyResource(c); busy >= 0) {
        res_waiters_[busy].push_back(key);
        continue;
      }
    }
    absl::Status issued = Issue(key, now, &out);
    if (!issued.ok()) {
      Push(ready_, key);  // not recorded: still ready
      if (out.empty()) return issued;
      break;  // hand out what was recorded; the next call reports the error
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// The public class.

Orchestrator::Orchestrator(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
Orchestrator::~Orchestrator() = default;

absl::StatusOr<std::unique_ptr<Orchestrator>> Orchestrator::Create(
    const plan::ExecutionPlan& plan, const OrchestratorOptions& options) {
  auto impl = std::make_unique<Impl>(plan, options);
  UC_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<Orchestrator>(new Orchestrator(std::move(impl)));
}

absl::StatusOr<Orchestrator::Recovered> Orchestrator::Recover(
    const plan::ExecutionPlan& plan,
    absl::Span<const proto::JournalRecord> records,
    const OrchestratorOptions& options) {
  auto impl = std::make_unique<Impl>(plan, options);
  UC_RETURN_IF_ERROR(impl->Init());
  impl->set_replaying(true);
  for (size_t i = 0; i < records.size(); ++i) {
    UC_RETURN_IF_ERROR(impl->Replay(i, records[i]));
  }
  impl->set_replaying(false);
  impl->CleanTops();
  Recovered out;
  out.in_doubt = impl->InFlight();
  out.orchestrator.reset(new Orchestrator(std::move(impl)));
  return out;
}

absl::StatusOr<std::vector<Action>> Orchestrator::NextActions(int64_t now_ms) {
  absl::StatusOr<std::vector<Action>> out = impl_->NextActions(now_ms);
  impl_->CleanTops();
  return out;
}
absl::Status Orchestrator::Report(uint64_t action_id, const Outcome& outcome,
                                  int64_t now_ms) {
  absl::Status s = impl_->Report(action_id, outcome, now_ms);
  impl_->CleanTops();
  return s;
}
absl::Status Orchestrator::Pause(int64_t now_ms) {
  absl::Status s = impl_->Control(proto::ControlCommand::PAUSE, now_ms);
  impl_->CleanTops();
  return s;
}
absl::Status Orchestrator::Resume(int64_t now_ms) {
  absl::Status s = impl_->Control(proto::ControlCommand::RESUME, now_ms);
  impl_->CleanTops();
  return s;
}
absl::Status Orchestrator::Abort(int64_t now_ms) {
  absl::Status s = impl_->Control(proto::ControlCommand::ABORT, now_ms);
  impl_->CleanTops();
  return s;
}
OrchestratorStatus Orchestrator::Status() const { return impl_->Status(); }
RollbackCoverage Orchestrator::Coverage() const { return impl_->Coverage(); }
bool Orchestrator::done() const { return impl_->done(); }
PlanOutcome Orchestrator::outcome() const { return impl_->outcome(); }
std::optional<int64_t> Orchestrator::NextWakeup() const {
  return impl_->NextWakeup();
}
std::vector<Action> Orchestrator::InFlight() const { return impl_->InFlight(); }
const std::string& Orchestrator::PlanHash() const { return impl_->hash(); }
const plan::ExecutionPlan& Orchestrator::plan() const { return impl_->plan(); }

std::string PlanHash(const plan::ExecutionPlan& plan) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    plan.proto().SerializeToCodedStream(&coded);
  }
  return Sha256Hex(bytes);
}

}  // namespace upgrade_core::exec
