// File: instance.h
// -----------------------------------------------------------------------------
// A running instance of a StateMachine: the current state, optional history,
// and the guard/action callables bound to the machine's names.
//
//   Callbacks<Job> callbacks;
//   callbacks.Guard("retries_left", [](Job& job) { return job.retries > 0; })
//       .Action("log", [](Job& job, const Step& step) { ... });
//   absl::StatusOr<Instance<Job>> run =
//       Instance<Job>::Create(machine, std::move(callbacks),
//                             {HistoryMode::kBounded, 64});
//   absl::Status s = run->Fire("start", job, absl::Now());
//
// Fire() runs, in order: the guards of the candidate rows (first passing row
// wins), the exit action of the current state, the row's action, then sets
// the state (and records history), then the entry action of the new state.
// A self transition exits and re-enters its state. When no row exists, or no
// guard passes, Fire() returns FailedPrecondition naming the state, the event
// and the events allowed in that state, and the state is unchanged.
//
// Callables may throw (the Python binding's do); the state is assigned only
// after the row's action returns, so an exception from a guard, the exit
// action or the row's action leaves the state unchanged, and one from the
// entry action leaves the new state.
//
// Re-entrancy: an entry action may Fire() the next event on the same instance
// (the state is already assigned). A guard, exit action or row action must
// not: such a nested Fire() returns FailedPrecondition and changes nothing,
// because the outer transition would overwrite its result.
//
// Dispatch by EventId is O(1) and allocation-free (history in kBounded mode
// writes into a preallocated ring; kFull appends). Not thread-safe: one
// instance per thread of control.
#ifndef UPGRADE_CORE_FSM_INSTANCE_H_
#define UPGRADE_CORE_FSM_INSTANCE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "upgrade_core/fsm/internal/dispatch.h"
#include "upgrade_core/fsm/state_machine.h"

namespace upgrade_core::fsm {

// The transition being taken, as passed to actions.
struct Step {
  StateId from;
  EventId event;
  StateId to;
};

// One recorded transition. `at` is the caller-supplied time of the Fire()
// call, absl::InfinitePast() when none was given.
struct HistoryEntry {
  StateId from;
  EventId event;
  StateId to;
  absl::Time at;

  bool operator==(const HistoryEntry& o) const {
    return from == o.from && event == o.event && to == o.to && at == o.at;
  }
};

enum class HistoryMode {
  kNone,     // no history (default): Fire() records nothing
  kBounded,  // the last `capacity` transitions, in a preallocated ring
  kFull,     // every transition
};

struct HistoryOptions {
  HistoryMode mode = HistoryMode::kNone;
  // Ring size for kBounded (must be > 0); ignored otherwise.
  size_t capacity = 0;
};

// The non-template part of an instance: state, history, errors.
class InstanceCore {
 public:
  const StateMachine& machine() const { return machine_; }
  StateId state() const { return state_; }
  const std::string& state_name() const { return machine_.state_name(state_); }
  bool is_terminal() const { return machine_.is_terminal(state_); }

  // True if some row leaves the current state on `event` (guards are not
  // evaluated: they may depend on a context).
  bool CanFire(EventId event) const {
    return event < machine_.num_events() &&
           internal::Dispatch::FirstCandidate(machine_, state_, event) !=
               internal::kNoTransition;
  }
  std::vector<EventId> AllowedEvents() const {
    return machine_.AllowedEvents(state_);
  }

  const HistoryOptions& history_options() const { return history_options_; }
  // Recorded transitions, oldest first.
  std::vector<HistoryEntry> History() const;
  // Transitions recorded but since evicted from the bounded ring.
  uint64_t history_dropped() const { return history_dropped_; }

  // Replaces state and history without running any action: recovery from a
  // snapshot (snapshot.h), and tests that start in a given state. `history`
  // (oldest first) must chain (each entry starts where the previous ended),
  // use rows of the machine, and end in `state`. If it is longer than a
  // bounded ring, the oldest entries are dropped and counted. On error
  // nothing changes.
  absl::Status Restore(StateId state, std::vector<HistoryEntry> history,
                       uint64_t dropped = 0);

  // True while guards, the exit action or the row's action of a Fire() run.
  bool in_transition() const { return in_transition_; }

  // The errors Fire() returns.
  absl::Status IllegalEventError(EventId event) const;
  absl::Status GuardsRejectedError(EventId event) const;
  absl::Status UnknownEventError(absl::string_view event) const;
  absl::Status ReentrantFireError(EventId event) const;

 protected:
  InstanceCore(StateMachine machine, HistoryOptions history);

  void Record(const Step& step, absl::Time at) {
    if (history_options_.mode == HistoryMode::kNone) return;
    RecordSlow(step, at);
  }

  // Marks a transition in progress (see in_transition()); also closes
  // Fire()'s fast path for its duration.
  void BeginTransition() {
    in_transition_ = true;
    fast_limit_ = 0;
  }
  void EndTransition() {
    in_transition_ = false;
    fast_limit_ = history_options_.mode == HistoryMode::kNone ? num_events_ : 0;
  }

  void SetState(StateId state) {
    state_ = state;
    row_ = static_cast<uint32_t>(state) << shift_;
  }

  StateMachine machine_;
  // Cached from machine_ (whose shared data outlives this instance) so the
  // hot path of Fire() is one load from the dispatch table.
  const uint32_t* dispatch_;
  uint32_t num_events_;
  uint32_t shift_;  // internal::Dispatch::Shift()
  uint32_t row_;    // state_ << shift_: the current row of dispatch_
  // Fire()'s fast path is taken for `event < fast_limit_`: num_events_ while
  // no history is recorded and no transition runs, 0 otherwise, so that one
  // comparison rules out every case the slow path handles (an id out of
  // range, a re-entrant call, history to record).
  uint32_t fast_limit_;
  StateId state_;
  bool in_transition_ = false;

 private:
  void RecordSlow(const Step& step, absl::Time at);

  HistoryOptions history_options_;
  std::vector<HistoryEntry> history_;  // ring when kBounded
  size_t history_head_ = 0;            // next slot to write when kBounded
  uint64_t history_dropped_ = 0;
};

// Used as the Context of machines whose callbacks need none.
struct NoContext {};

// Named guard and action callables for Instance<Context>::Create().
template <typename Context>
class Callbacks {
 public:
  using GuardFn = std::function<bool(Context&)>;
  using ActionFn = std::function<void(Context&, const Step&)>;

  Callbacks& Guard(std::string name, GuardFn fn) {
    guards_.emplace_back(std::move(name), std::move(fn));
    return *this;
  }
  Callbacks& Action(std::string name, ActionFn fn) {
    actions_.emplace_back(std::move(name), std::move(fn));
    return *this;
  }

 private:
  template <typename C>
  friend class Instance;
  std::vector<std::pair<std::string, GuardFn>> guards_;
  std::vector<std::pair<std::string, ActionFn>> actions_;
};

template <typename Context = NoContext>
class Instance : public InstanceCore {
 public:
  // Starts in the machine's initial state (no entry action runs). Every guard
  // the machine names must be bound; actions may be left unbound (no-ops).
  // Binding a name the machine does not use is an error (likely a typo).
  static absl::StatusOr<Instance> Create(StateMachine machine,
                                         Callbacks<Context> callbacks = {},
                                         HistoryOptions history = {});

  // Performs the transition for `event` or returns FailedPrecondition (state
  // unchanged); see the file comment. `at` is recorded in the history.
  absl::Status Fire(EventId event, Context& context,
                    absl::Time at = absl::InfinitePast());
  // By name: InvalidArgument for a name the machine does not know.
  absl::Status Fire(absl::string_view event, Context& context,
                    absl::Time at = absl::InfinitePast()) {
    std::optional<EventId> id = machine_.FindEvent(event);
    if (!id) return UnknownEventError(event);
    return Fire(*id, context, at);
  }
  // For Instance<NoContext>.
  absl::Status Fire(EventId event, absl::Time at = absl::InfinitePast()) {
    static_assert(std::is_same_v<Context, NoContext>,
                  "pass a context to Fire()");
    NoContext none;
    return Fire(event, none, at);
  }
  absl::Status Fire(absl::string_view event,
                    absl::Time at = absl::InfinitePast()) {
    static_assert(std::is_same_v<Context, NoContext>,
                  "pass a context to Fire()");
    NoContext none;
    return Fire(event, none, at);
  }

 private:
  using GuardFn = typename Callbacks<Context>::GuardFn;
  using ActionFn = typename Callbacks<Context>::ActionFn;

  // Everything but a plain row fired without history: errors, guards,
  // actions, history. Out of line so that the fast path inlines small.
  ABSL_ATTRIBUTE_NOINLINE absl::Status FireSlow(EventId event, Context& context,
                                                absl::Time at);

  Instance(StateMachine machine, HistoryOptions history)
      : InstanceCore(std::move(machine), history) {}

  std::vector<GuardFn> guards_;    // by StateMachine::guard_names() index
  std::vector<ActionFn> actions_;  // by action_names() index; empty = no-op
};

// Implementation details below.

template <typename Context>
absl::StatusOr<Instance<Context>> Instance<Context>::Create(
    StateMachine machine, Callbacks<Context> callbacks,
    HistoryOptions history) {
  if (history.mode == HistoryMode::kBounded && history.capacity == 0) {
    return absl::InvalidArgumentError("bounded history needs a capacity > 0");
  }
  std::vector<std::string> errors;
  Instance instance(std::move(machine), history);
  const StateMachine& m = instance.machine_;
  instance.guards_.resize(m.guard_names().size());
  instance.actions_.resize(m.action_names().size());
  auto index_of = [](const std::vector<std::string>& names,
                     const std::string& name) -> int {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return static_cast<int>(i);
    }
    return -1;
  };
  for (auto& [name, fn] : callbacks.guards_) {
    int i = index_of(m.guard_names(), name);
    if (i < 0) {
      errors.push_back(absl::StrCat("the machine has no guard '", name, "'"));
    } else if (!fn) {
      errors.push_back(absl::StrCat("guard '", name, "' is empty"));
    } else {
      instance.guards_[i] = std::move(fn);
    }
  }
  for (auto& [name, fn] : callbacks.actions_) {
    int i = index_of(m.action_names(), name);
    if (i < 0) {
      errors.push_back(absl::StrCat("the machine has no action '", name, "'"));
    } else {
      instance.actions_[i] = std::move(fn);
    }
  }
  for (size_t i = 0; i < instance.guards_.size(); ++i) {
    if (!instance.guards_[i]) {
      errors.push_back(
          absl::StrCat("guard '", m.guard_names()[i], "' is not bound"));
    }
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  }
  return instance;
}

template <typename Context>
inline absl::Status Instance<Context>::Fire(EventId event, Context& context,
                                            absl::Time at) {
  if (ABSL_PREDICT_TRUE(event < fast_limit_)) {
    const uint32_t cell = dispatch_[row_ + event];
    // A plain row: kPlainBit | the target's row (kNoTransition, all ones,
    // excluded). The next look-up depends on one subtraction only.
    if (ABSL_PREDICT_TRUE(cell - internal::kPlainBit <
                          internal::kNoTransition - internal::kPlainBit)) {
      row_ = cell - internal::kPlainBit;
      state_ = static_cast<StateId>(row_ >> shift_);
      return absl::OkStatus();
    }
  }
  return FireSlow(event, context, at);
}

template <typename Context>
absl::Status Instance<Context>::FireSlow(EventId event, Context& context,
                                         absl::Time at) {
  if (ABSL_PREDICT_FALSE(event >= num_events_ || in_transition_)) {
    if (in_transition_) return ReentrantFireError(event);
    return absl::InvalidArgumentError(
        absl::StrCat("event id ", event, " out of range"));
  }
  const uint32_t cell = dispatch_[row_ + event];
  if (ABSL_PREDICT_TRUE(cell >= internal::kPlainBit)) {
    if (ABSL_PREDICT_FALSE(cell == internal::kNoTransition)) {
      return IllegalEventError(event);
    }
    const StateId to =
        static_cast<StateId>((cell - internal::kPlainBit) >> shift_);
    const StateId from = state_;
    SetState(to);
    Record(Step{from, event, to}, at);
    return absl::OkStatus();
  }
  // Cleared on every exit, including exceptions thrown by callables.
  struct TransitionScope {
    Instance& instance;
    explicit TransitionScope(Instance& i) : instance(i) {
      instance.BeginTransition();
    }
    ~TransitionScope() { instance.EndTransition(); }
  };
  const std::vector<internal::CompiledTransition>& rows =
      internal::Dispatch::Rows(machine_);
  for (uint32_t i = cell;; ++i) {
    const internal::CompiledTransition& t = rows[i];
    bool take;
    {
      TransitionScope scope(*this);
      take = t.guard < 0 || guards_[t.guard](context) != t.negate_guard;
      if (take) {
        const Step step{t.from, t.event, t.to};
        if (int32_t exit = machine_.exit_action(t.from);
            exit >= 0 && actions_[exit]) {
          actions_[exit](context, step);
        }
        if (t.action >= 0 && actions_[t.action]) {
          actions_[t.action](context, step);
        }
      }
    }
    if (take) {
      const Step step{t.from, t.event, t.to};
      SetState(t.to);
      Record(step, at);
      if (int32_t entry = machine_.entry_action(t.to);
          entry >= 0 && actions_[entry]) {
        actions_[entry](context, step);
      }
      return absl::OkStatus();
    }
    if (internal::Dispatch::IsLastCandidate(machine_, i))
      return GuardsRejectedError(event);
  }
}

}  // namespace upgrade_core::fsm

#endif  // UPGRADE_CORE_FSM_INSTANCE_H_
