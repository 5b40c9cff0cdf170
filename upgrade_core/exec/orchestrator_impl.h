// File: orchestrator_impl.h (internal to //upgrade_core/exec:orchestrator)
// -----------------------------------------------------------------------------
// The Orchestrator's state and its transitions, shared by its source files:
// orchestrator.cc (time, issuing, the public class),
// orchestrator_setup.cc (checking the plan, building the step tables),
// orchestrator_outcomes.cc (reports, failures, rollback),
// orchestrator_recovery.cc (operator commands, journal replay) and
// orchestrator_views.cc (status, explanations, coverage).
//
// Layout: per forward step its state, the count of unfinished dependencies
// and (CSR) its dependents; per rollback step the same over rollback_steps;
// per component the lifecycle instance and a little bookkeeping (current
// step, attempt, in-flight action, whether it was touched, whether it holds
// its slot and resources). Ready work sits in min-heaps keyed by
// (rollback first, then plan order); entries are validated when popped, so
// a step that stopped being ready (cancelled, issued by a replay) leaves a
// stale entry that is skipped instead of searched for.
//
// Why not graph::Scheduler: it schedules the nodes of a DependencyGraph,
// which interns a string id per node (100k step names to build and validate
// per plan) and whose Failed() blocks dependents for good, while a step here
// can fail and be retried, a halted component runs its steps again, and the
// rollback steps form a second graph over the same components. The
// ready-set logic is the same (a counter of unfinished dependencies per
// step, released by Done); it lives here over the steps' own depends_on.
#ifndef UPGRADE_CORE_EXEC_ORCHESTRATOR_IMPL_H_
#define UPGRADE_CORE_EXEC_ORCHESTRATOR_IMPL_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/fsm/instance.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/step_lifecycle.h"

namespace upgrade_core::exec {

namespace lc = fsm::component_lifecycle;
namespace pl = fsm::plan_lifecycle;

// HH:MM:SS of the caller's millisecond clock, modulo a day.
inline std::string TimeOfDay(int64_t ms) {
  if (ms < 0) return absl::StrCat("-", TimeOfDay(-ms));
  const int64_t s = ms / 1000;
  return absl::StrFormat("%02d:%02d:%02d", (s / 3600) % 24, (s / 60) % 60,
                         s % 60);
}

// SplitMix64: a fast, well-mixed, seedable hash for the jitter.
inline uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr int64_t kMaxBackoffMs = 24LL * 3600 * 1000;
constexpr size_t kMaxEvents = 100;
constexpr uint64_t kForwardBit = uint64_t{1} << 32;

inline int64_t SaturatingAdd(int64_t a, int64_t b) {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b) {
    return std::numeric_limits<int64_t>::max();
  }
  return a + b;
}

struct Guards {
  bool start_first = false;
  bool rollback_on_failure = false;
};
using Lifecycle = fsm::Instance<Guards>;

// A forward step's state.
enum class SS : uint8_t {
  kWaiting,  // some dependency not done
  kReady,    // may run once its gates open; not issued
  kRunning,  // an action is in flight
  kBackoff,  // failed, retried at the component's retry_at
  kDone,
  kFailed,   // failed for good (or halted)
  kSkipped,  // will never run
};

// A rollback step's state.
enum class RS : uint8_t {
  kNone,  // its component is not being rolled back
  kWaiting,
  kReady,
  kRunning,
  kBackoff,
  kDone,
  kFailed,
  kNotNeeded,  // nothing to undo (untouched), or must not be (irreversible,
               // committed)
  kBlocked,    // a dependent's rollback failed: undoing it would break it
};

inline bool RbActive(RS s) {
  return s == RS::kWaiting || s == RS::kReady || s == RS::kRunning ||
         s == RS::kBackoff;
}

struct ActionRec {
  int32_t step;
  int32_t attempt;
  int64_t issued;
  int64_t deadline;
  bool rollback;
  bool finished = false;
  proto::ActionOutcomeKind result = proto::ACTION_OUTCOME_KIND_UNSPECIFIED;
  int64_t finished_at = 0;
  // The list of unfinished actions, in id order (0 = none): InFlight() walks
  // only what is in flight.
  uint64_t prev = 0, next = 0;
};

struct Comp {
  int32_t first_step = 0;  // forward steps [first_step, end_step)
  int32_t end_step = 0;
  int32_t cur = 0;       // forward step running or next
  int32_t rb_step = -1;  // its rollback step
  int32_t attempt = 1;
  int64_t retry_at = 0;
  uint64_t in_flight = 0;              // action id, 0 = none
  int32_t res_begin = 0, res_end = 0;  // into Impl::comp_res_
  bool touched = false;   // a terminate-old or start-new was issued
  bool holding = false;   // holds a parallel slot and its resources
  bool resolved = false;  // at rest for the plan's completion
  bool skipped = false;
  bool cancelled = false;
  bool committed = false;  // behind a passed point of no return
  bool irreversible = false;
  bool rb_await = false;  // joins a rollback once its in-flight action ends
  int64_t start_new_issued = 0;
  int64_t start_new_observed = 0;
  std::optional<int64_t> since;
  std::string note;
};

class Orchestrator::Impl {
 public:
  Impl(const plan::ExecutionPlan& plan, const OrchestratorOptions& options)
      : plan_(plan), p_(plan_.proto()), options_(options) {}

  absl::Status Init();

  // The public calls (replaying_ suppresses the journal and deadline expiry).
  absl::StatusOr<std::vector<Action>> NextActions(int64_t now);
  absl::Status Report(uint64_t id, const Outcome& outcome, int64_t now);
  absl::Status Control(proto::ControlCommand::Kind kind, int64_t now);
  absl::Status Replay(size_t index, const proto::JournalRecord& record);

  OrchestratorStatus Status() const;
  RollbackCoverage Coverage() const;
  PlanOutcome outcome() const;
  bool done() const { return plan_lc_->is_terminal(); }
  std::optional<int64_t> NextWakeup() const;
  std::vector<Action> InFlight() const;

  const plan::ExecutionPlan& plan() const { return plan_; }
  const std::string& hash() const { return hash_; }
  void set_replaying(bool r) { replaying_ = r; }
  // Pops stale entries off the tops of the timed heaps, so NextWakeup() can
  // read the fronts.
  void CleanTops();

 private:
  using Heap = std::vector<uint64_t>;  // min-heap of keys
  using TimedHeap = std::vector<std::pair<int64_t, uint64_t>>;

  static void Push(Heap& h, uint64_t key) {
    h.push_back(key);
    std::push_heap(h.begin(), h.end(), std::greater<uint64_t>());
  }
  static uint64_t Pop(Heap& h) {
    std::pop_heap(h.begin(), h.end(), std::greater<uint64_t>());
    const uint64_t key = h.back();
    h.pop_back();
    return key;
  }
  static void Push(TimedHeap& h, int64_t t, uint64_t v) {
    h.emplace_back(t, v);
    std::push_heap(h.begin(), h.end(), std::greater<>());
  }
  static void Pop(TimedHeap& h) {
    std::pop_heap(h.begin(), h.end(), std::greater<>());
    h.pop_back();
  }
  static uint64_t ForwardKey(int32_t s) { return kForwardBit | uint32_t(s); }
  static uint64_t RollbackKey(int32_t r) { return uint32_t(r); }

  const proto::Step& StepOf(uint64_t key) const {
    return key & kForwardBit ? p_.steps(int32_t(key & 0xffffffffu))
                             : p_.rollback_steps(int32_t(key));
  }
  std::string StepId(bool rollback, int32_t step) const {
    return plan_.StepId(rollback ? p_.rollback_steps(step) : p_.steps(step));
  }
  std::string ActionName(uint64_t id) const {
    const ActionRec& a = actions_[id - 1];
    return absl::StrCat("action ", id, " (", StepId(a.rollback, a.step),
                        ", attempt ", a.attempt, ")");
  }
  const std::string& Name(int c) const { return p_.components(c); }
  const proto::Component& Source(int c) const {
    return p_.source().components(c);
  }
  fsm::StateId CState(int c) const { return lifecycles_[c].state(); }
  const std::string& CStateName(int c) const {
    return lifecycles_[c].state_name();
  }
  fsm::StateId PState() const { return plan_lc_->state(); }

  absl::Status CheckTime(int64_t now, absl::string_view what) const;
  absl::Status Write(const proto::JournalRecord& record);
  absl::Status FireC(int c, fsm::EventId event, int64_t now);
  absl::Status FireP(fsm::EventId event);
  void Event(std::string text);

  // Time-driven changes: deadlines (recorded) and retries whose backoff
  // ended (moved to the ready heap; no state change).
  absl::Status ExpireDeadlines(int64_t now);
  void PromoteRetries(int64_t now);
  bool BackingOff(int64_t at, uint64_t key) const {
    const bool backing_off = key & kForwardBit
                                 ? ss_[key & 0xffffffffu] == SS::kBackoff
                                 : rs_[key] == RS::kBackoff;
    return backing_off && comps_[StepOf(key).component()].retry_at == at;
  }

  bool Issuable(uint64_t key, int64_t now) const;
  int BusyResource(int c) const;
  int64_t FreeSlots() const {
    return max_parallel_ == 0 ? std::numeric_limits<int64_t>::max()
                              : max_parallel_ - holders_;
  }
  int64_t DeadlineFor(const proto::Step& step, int64_t now) const {
    return step.timeout_ms() > 0 ? SaturatingAdd(now, step.timeout_ms()) : 0;
  }
  absl::Status Issue(uint64_t key, int64_t now, std::vector<Action>* out);
  Action MakeAction(uint64_t id) const;

  absl::Status Complete(uint64_t id, bool success, const std::string& reason,
                        int64_t observed, int64_t now);
  absl::Status ApplySuccess(uint64_t id, int64_t observed, int64_t now);
  absl::Status ApplyFailure(uint64_t id, const std::string& reason,
                            int64_t now);
  absl::Status AfterChange(int64_t now);
  // Empty when a readiness success is fresh; otherwise why it is stale.
  std::string Staleness(const ActionRec& a, int64_t observed) const;

  void Acquire(int c);
  void Release(int c);
  void Resolve(int c) {
    if (!comps_[c].resolved) {
      comps_[c].resolved = true;
      --open_;
    }
  }
  void Unresolve(int c) {
    if (comps_[c].resolved) {
      comps_[c].resolved = false;
      ++open_;
    }
  }
  void MarkRestSkipped(int c);
  int64_t Backoff(int c, uint64_t key, int32_t attempt) const;
  void SkipDependents(int root, int64_t now);
  absl::Status Cancel(int c, int64_t now);
  absl::Status EnterRollbackPlan(int64_t now);
  absl::Status AddToRollback(const std::vector<int>& comps, int64_t now);
  // Brings a touched component's lifecycle to rolling_back; false when its
  // lifecycle cannot roll back any more (terminal).
  absl::StatusOr<bool> ToRollingBack(int c, int64_t now);
  bool Excluded(int c) const {
    const Comp& k = comps_[c];
    return k.irreversible || k.committed || !k.touched ||
           lifecycles_[c].is_terminal();
  }
  absl::Status ResolveAwait(int c, int64_t now);
  void RbFinished(int32_t r);  // a rollback step stopped counting as active
  absl::Status BlockRollbacks(int32_t failed, int64_t now);
  void Commit(int checkpoint);
  std::string Explain(int c) const;

  const plan::ExecutionPlan plan_;
  const proto::ExecutionPlan& p_;
  OrchestratorOptions options_;
  std::string hash_;
  bool replaying_ = false;

  proto::FailurePolicy policy_ = proto::ROLLBACK_ALL;
  int64_t max_parallel_ = 0;

  std::vector<Comp> comps_;
  std::vector<Lifecycle> lifecycles_;
  std::vector<Guards> guards_;
  std::optional<Lifecycle> plan_lc_;
  Guards plan_guards_;

  // plan::StepTransition() by [kind][start_first][backup], looked up once.
  plan::LifecycleTransition transitions_[proto::StepKind_ARRAYSIZE][2][2];

  std::vector<SS> ss_;
  std::vector<uint32_t> pending_;
  std::vector<int32_t> dep_off_, deps_;  // dependents of forward steps

  std::vector<RS> rs_;
  std::vector<uint32_t> rb_pending_;
  std::vector<int32_t> rb_dep_off_, rb_deps_;  // dependents of rollback steps
  std::vector<int32_t> rb_of_comp_;

  std::vector<std::string> res_names_;
  std::vector<int32_t> res_holder_;
  std::vector<std::vector<uint64_t>> res_waiters_;
  std::vector<int32_t> comp_res_;

  Heap ready_, slot_wait_;
  TimedHeap deadlines_;  // (deadline, action id), stale when finished
  TimedHeap backoff_;    // (retry_at, key), stale when no longer backing off

  std::vector<ActionRec> actions_;
  std::optional<int64_t> last_now_;
  int64_t in_flight_ = 0;
  uint64_t first_in_flight_ = 0, last_in_flight_ = 0;  // action ids, 0 = none
  int64_t holders_ = 0;
  int64_t open_ = 0;
  bool forward_stopped_ = false;
  bool rollback_failed_ = false;
  std::vector<int> halted_;
  std::deque<std::string> events_;
};

}  // namespace upgrade_core::exec

#endif  // UPGRADE_CORE_EXEC_ORCHESTRATOR_IMPL_H_
