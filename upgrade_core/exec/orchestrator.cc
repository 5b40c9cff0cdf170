// The Orchestrator's state and its transitions.
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
#include "upgrade_core/exec/orchestrator.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "upgrade_core/exec/sha256.h"
#include "upgrade_core/fsm/instance.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/step_lifecycle.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::exec {

namespace lc = fsm::component_lifecycle;
namespace pl = fsm::plan_lifecycle;

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

namespace {

// HH:MM:SS of the caller's millisecond clock, modulo a day.
std::string Clock(int64_t ms) {
  if (ms < 0) return absl::StrCat("-", Clock(-ms));
  const int64_t s = ms / 1000;
  return absl::StrFormat("%02d:%02d:%02d", (s / 3600) % 24, (s / 60) % 60,
                         s % 60);
}

// SplitMix64: a fast, well-mixed, seedable hash for the jitter.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr int64_t kMaxBackoffMs = 24LL * 3600 * 1000;
constexpr size_t kMaxEvents = 100;
constexpr uint64_t kForwardBit = uint64_t{1} << 32;

int64_t SaturatingAdd(int64_t a, int64_t b) {
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

bool RbActive(RS s) {
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

}  // namespace

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

// ---------------------------------------------------------------------------
// Setup.

absl::Status Orchestrator::Impl::Init() {
  hash_ = exec::PlanHash(plan_);
  const int n = p_.components_size();
  if (p_.start_first_size() != n || p_.backup_size() != n ||
      p_.source().components_size() != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "execution plan '", p_.name(), "' is inconsistent: ", n,
        " components but ", p_.start_first_size(), " start_first, ",
        p_.backup_size(), " backup and ", p_.source().components_size(),
        " source components (compile it with plan::CompilePlan)"));
  }
  policy_ = p_.on_failure() == proto::FAILURE_POLICY_UNSPECIFIED
                ? proto::ROLLBACK_ALL
                : p_.on_failure();
  max_parallel_ = std::max(0, p_.max_parallel());
  const bool policy_rolls_back =
      policy_ == proto::ROLLBACK_ALL || policy_ == proto::ROLLBACK_FAILED;

  // Point of no return: a promise to roll back must not cross an
  // irreversible component unless the plan accepts it as a checkpoint.
  std::vector<std::string> refused;
  for (int c = 0; c < n; ++c) {
    const proto::Component& src = Source(c);
    if (src.irreversible() && !src.checkpoint() && policy_rolls_back) {
      refused.push_back(absl::StrCat("'", src.id(), "'"));
    }
  }
  if (!refused.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "plan '", p_.name(), "': onFailure ",
        policy_ == proto::ROLLBACK_ALL ? "rollback-all" : "rollback-failed",
        " promises a rollback, but component", refused.size() > 1 ? "s " : " ",
        absl::StrJoin(refused, ", "), refused.size() > 1 ? " are" : " is",
        " irreversible and cannot be rolled back; mark ",
        refused.size() > 1 ? "them" : "it",
        " checkpoint: true (a point of no return: a failure after it rolls "
        "back only what came after it) or use onFailure pause or continue"));
  }

  // Components and their contiguous steps.
  comps_.resize(n);
  std::vector<bool> seen(n, false);
  int32_t prev = -1;
  for (int32_t s = 0; s < p_.steps_size(); ++s) {
    const proto::Step& step = p_.steps(s);
    const int c = step.component();
    if (c < 0 || c >= n) {
      return absl::InvalidArgumentError(
          absl::StrCat("step ", s, " names component ", c, " of ", n));
    }
    if (!plan::StepState(step.kind()).has_value() ||
        step.kind() == proto::ROLLBACK) {
      return absl::InvalidArgumentError(
          absl::StrCat("step ", s, " (", Name(c), ") has kind ", step.kind(),
                       ", not a forward step kind"));
    }
    if (c != prev) {
      if (seen[c]) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the steps of component '", Name(c),
            "' are not contiguous (compile the plan with plan::CompilePlan)"));
      }
      seen[c] = true;
      comps_[c].first_step = s;
      comps_[c].cur = s;
      if (step.kind() != proto::PREFLIGHT) {
        return absl::InvalidArgumentError(
            absl::StrCat("component '", Name(c), "' starts with ",
                         plan_.StepId(step), ", not its preflight"));
      }
      prev = c;
    }
    comps_[c].end_step = s + 1;
    for (int32_t d : step.depends_on()) {
      if (d < 0 || d >= p_.steps_size() || d == s) {
        return absl::InvalidArgumentError(
            absl::StrCat("step ", plan_.StepId(step), " depends on step ", d,
                         " of ", p_.steps_size()));
      }
    }
  }
  for (int c = 0; c < n; ++c) {
    if (!seen[c]) {
      return absl::InvalidArgumentError(
          absl::StrCat("component '", Name(c), "' has no steps"));
    }
  }

  for (int kind = 0; kind < proto::StepKind_ARRAYSIZE; ++kind) {
    for (int sf = 0; sf < 2; ++sf) {
      for (int b = 0; b < 2; ++b) {
        transitions_[kind][sf][b] =
            plan::StepTransition(proto::StepKind(kind), sf, b)
                .value_or(plan::LifecycleTransition{});
      }
    }
  }

  // Forward dependents (CSR) and unfinished-dependency counts.
  const int32_t ns = p_.steps_size();
  ss_.assign(ns, SS::kWaiting);
  pending_.assign(ns, 0);
  dep_off_.assign(ns + 1, 0);
  for (int32_t s = 0; s < ns; ++s) {
    for (int32_t d : p_.steps(s).depends_on()) ++dep_off_[d + 1];
    pending_[s] = p_.steps(s).depends_on_size();
  }
  for (int32_t s = 0; s < ns; ++s) dep_off_[s + 1] += dep_off_[s];
  deps_.resize(dep_off_[ns]);
  {
    std::vector<int32_t> fill(dep_off_.begin(), dep_off_.end() - 1);
    for (int32_t s = 0; s < ns; ++s) {
      for (int32_t d : p_.steps(s).depends_on()) deps_[fill[d]++] = s;
    }
  }

  // Rollback steps: one per component.
  const int32_t nr = p_.rollback_steps_size();
  rs_.assign(nr, RS::kNone);
  rb_pending_.assign(nr, 0);
  rb_dep_off_.assign(nr + 1, 0);
  for (int32_t r = 0; r < nr; ++r) {
    const proto::Step& step = p_.rollback_steps(r);
    if (step.component() < 0 || step.component() >= n ||
        step.kind() != proto::ROLLBACK) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rollback step ", r, " is not a rollback of a component"));
    }
    comps_[step.component()].rb_step = r;
    for (int32_t d : step.depends_on()) {
      if (d < 0 || d >= nr) {
        return absl::InvalidArgumentError(
            absl::StrCat("rollback step ", r, " depends on ", d, " of ", nr));
      }
      ++rb_dep_off_[d + 1];
    }
  }
  for (int32_t r = 0; r < nr; ++r) rb_dep_off_[r + 1] += rb_dep_off_[r];
  rb_deps_.resize(rb_dep_off_[nr]);
  {
    std::vector<int32_t> fill(rb_dep_off_.begin(), rb_dep_off_.end() - 1);
    for (int32_t r = 0; r < nr; ++r) {
      for (int32_t d : p_.rollback_steps(r).depends_on()) {
        rb_deps_[fill[d]++] = r;
      }
    }
  }

  // Mutual exclusion groups: each exclusive entry, and each service behind
  // an availability floor (the same groups the planner's wave barriers use).
  std::set<std::string> floors;
  for (const proto::AvailabilityFloor& f :
       p_.source().policy().availability()) {
    floors.insert(f.service());
  }
  std::map<std::string, int32_t> res_ids;
  for (int c = 0; c < n; ++c) {
    Comp& k = comps_[c];
    k.irreversible = Source(c).irreversible();
    k.res_begin = comp_res_.size();
    auto add = [&](std::string name) {
      auto [it, inserted] = res_ids.emplace(name, res_names_.size());
      if (inserted) res_names_.push_back(std::move(name));
      if (std::find(comp_res_.begin() + k.res_begin, comp_res_.end(),
                    it->second) == comp_res_.end()) {
        comp_res_.push_back(it->second);
      }
    };
    for (const std::string& e : Source(c).exclusive()) add(e);
    for (const std::string& s : Source(c).provides()) {
      if (floors.count(s)) add(absl::StrCat("service ", s, " (floor)"));
    }
    k.res_end = comp_res_.size();
  }
  res_holder_.assign(res_names_.size(), -1);
  res_waiters_.resize(res_names_.size());

  // Lifecycles: one prototype instance, copied (binding the guards once).
  fsm::Callbacks<Guards> callbacks;
  callbacks
      .Guard(fsm::kRollbackOnFailureGuard,
             [](Guards& g) { return g.rollback_on_failure; })
      .Guard(fsm::kStartFirstGuard, [](Guards& g) { return g.start_first; });
  UC_ASSIGN_OR_RETURN(Lifecycle proto_lc,
                      Lifecycle::Create(fsm::ComponentLifecycle(), callbacks));
  lifecycles_.reserve(n);
  guards_.resize(n);
  for (int c = 0; c < n; ++c) {
    lifecycles_.push_back(proto_lc);
    guards_[c].start_first = plan_.StartFirst(c);
    // An irreversible component is never rolled back: a failure halts it.
    guards_[c].rollback_on_failure =
        policy_rolls_back && !comps_[c].irreversible;
  }
  fsm::Callbacks<Guards> plan_callbacks;
  plan_callbacks.Guard(fsm::kRollbackOnFailureGuard,
                       [](Guards& g) { return g.rollback_on_failure; });
  UC_ASSIGN_OR_RETURN(Lifecycle plan_lc,
                      Lifecycle::Create(fsm::PlanLifecycle(), plan_callbacks));
  plan_lc_.emplace(std::move(plan_lc));
  plan_guards_.rollback_on_failure = policy_ == proto::ROLLBACK_ALL;
  // The plan-wide preflight is the components' own preflight steps.
  UC_RETURN_IF_ERROR(FireP(pl::kStart));
  UC_RETURN_IF_ERROR(FireP(pl::kPreflightPassed));

  open_ = n;
  for (int32_t s = 0; s < ns; ++s) {
    if (pending_[s] == 0) {
      ss_[s] = SS::kReady;
      Push(ready_, ForwardKey(s));
    }
  }
  return AfterChange(0);
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
    Event(
        absl::StrCat(Clock(now), " ", StepId(a.rollback, a.step), " ", reason));
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
        " at ", Clock(a.finished_at), " (", a.finished_at,
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
          "Report: ", ActionName(id), " timed out at ", Clock(a.deadline),
          " (deadline ", a.deadline, " ms), before this report at ", Clock(now),
          " (", now, " ms): the outcome is ignored"));
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
                                    outcome.reason, " (", Clock(now), ")");
      return absl::OkStatus();
    case OutcomeKind::kSucceeded: {
      o->set_kind(proto::SUCCEEDED);
      const std::string stale = Staleness(a, outcome.observed);
      UC_RETURN_IF_ERROR(Write(record));
      if (!stale.empty()) {
        // Readiness seen before the change that should cause it says
        // nothing about the new version: the gate stays shut.
        comps_[c].note = absl::StrCat("stale readiness ignored (", stale, ")");
        Event(absl::StrCat(Clock(now), " ", StepId(a.rollback, a.step),
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
    Event(absl::StrCat(Clock(now), " ", step_id, " attempt ", a.attempt, "/",
                       attempts, " failed (", reason, "); retry in ",
                       FormatDuration(delay), " at ", Clock(k.retry_at)));
    return absl::OkStatus();
  }
  k.attempt = 1;
  Event(absl::StrCat(Clock(now), " ", step_id, " failed: ", reason));
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
      Event(absl::StrCat(Clock(now), " plan pausing: ", Name(c),
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
        Clock(now), " ", skipped, " component", skipped == 1 ? "" : "s",
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
  Event(absl::StrCat(Clock(now), " plan rolling back"));
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
    Event(absl::StrCat(Clock(now), " plan paused"));
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
    Event(absl::StrCat(Clock(now), " plan ", plan_lc_->state_name()));
  }
  return absl::OkStatus();
}

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
      Event(absl::StrCat(Clock(now), " pause requested"));
      break;
    case proto::ControlCommand::RESUME: {
      UC_RETURN_IF_ERROR(FireP(pl::kResume));
      Event(absl::StrCat(Clock(now), " resumed"));
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
      Event(absl::StrCat(Clock(now), " abort requested"));
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
                                ", which could not run at ", Clock(t), " (",
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
        Event(absl::StrCat(Clock(o.at_ms()), " ", StepId(a.rollback, a.step),
                           " ", o.reason()));
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
    return absl::StrCat("running since ", Clock(a.issued));
  }
  const int32_t r = k.rb_step;
  if (r >= 0 && RbActive(rs_[r])) {
    if (rs_[r] == RS::kBackoff) {
      return absl::StrCat("retry (attempt ", k.attempt, ") at ",
                          Clock(k.retry_at));
    }
    for (int32_t d : p_.rollback_steps(r).depends_on()) {
      if (RbActive(rs_[d])) {
        const int e = p_.rollback_steps(d).component();
        return absl::StrCat(
            "waits for ", Name(e), "'s rollback: ", CStateName(e),
            comps_[e].since ? absl::StrCat(" since ", Clock(*comps_[e].since))
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
                          Clock(k.retry_at));
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
            comps_[e].since ? absl::StrCat(" since ", Clock(*comps_[e].since))
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
        c.since_ms ? absl::StrCat(" since ", Clock(*c.since_ms)) : "",
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
