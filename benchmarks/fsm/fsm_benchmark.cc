// Dispatch cost of upgrade_core::fsm against hand-written references in the
// same binary:
//
// * the 6-state / 9-event upgrade machine of /work/shared/bench (fsm suite):
//   nested `switch`, flat next[state][event] table, Instance<>::Fire() by id,
//   Fire() with an entry action on `idle` (how the references count entries),
//   and Fire() by event name;
// * a 10-state / 4-event machine without guards (the target: within
//   2x of a hand-written switch);
// * BM_Fire6VsSwitch and BM_Fire10VsSwitch: the same loops as one same-run
//   ratio each (benchmarks/common/ratio.h), the figures issue 14 asks for.
//
// Inputs are seeded random walks (every event valid), 10M events each. Set
// UC_FSM_EVENTS=/work/shared/bench/data/fsm_events_10m.bin to replay the
// shared harness's exact stream instead (then the final state and the idle
// entry count are checked against its fsm.meta.json: planning, 3018051).
//
//   bazel run -c opt //benchmarks/fsm:fsm_benchmark
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/common/ratio.h"
#include "upgrade_core/fsm/definition.h"
#include "upgrade_core/fsm/instance.h"
#include "upgrade_core/fsm/state_machine.h"

namespace upgrade_core::fsm {
namespace {

constexpr size_t kEvents = 10'000'000;

// ---- the 6-state upgrade machine (same as bench/gen/gen_fsm.py) -------------

enum S6 : uint8_t {
  Idle,
  Planning,
  Draining,
  Upgrading,
  Verifying,
  RollingBack
};
enum E6 : uint8_t {
  Plan,
  Approve,
  Reject,
  Drained,
  Upgraded,
  Fail,
  Verified,
  RolledBack,
  Abort
};
struct Row {
  uint8_t event, from, to;
};
constexpr Row kRows6[] = {
    {Plan, Idle, Planning},         {Approve, Planning, Draining},
    {Reject, Planning, Idle},       {Drained, Draining, Upgrading},
    {Abort, Draining, RollingBack}, {Upgraded, Upgrading, Verifying},
    {Fail, Upgrading, RollingBack}, {Verified, Verifying, Idle},
    {Fail, Verifying, RollingBack}, {RolledBack, RollingBack, Idle},
};
const char* const kStates6[] = {"idle",      "planning",  "draining",
                                "upgrading", "verifying", "rolling_back"};
const char* const kEvents6[] = {"plan",     "approve",     "reject",
                                "drained",  "upgraded",    "fail",
                                "verified", "rolled_back", "abort"};

// A seeded random walk: every event is valid in the state it arrives in.
template <size_t N>
std::vector<uint8_t> RandomWalk(const Row (&rows)[N], int num_states,
                                uint64_t seed) {
  std::vector<std::vector<const Row*>> out(num_states);
  for (const Row& r : rows) out[r.from].push_back(&r);
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> events(kEvents);
  uint8_t s = 0;
  for (uint8_t& e : events) {
    const auto& choices = out[s];
    const Row* r = choices[rng() % choices.size()];
    e = r->event;
    s = r->to;
  }
  return events;
}

const std::vector<uint8_t>& Events6() {
  static const std::vector<uint8_t>* const events = [] {
    if (const char* path = std::getenv("UC_FSM_EVENTS")) {
      std::ifstream in(path, std::ios::binary);
      auto* v = new std::vector<uint8_t>(std::istreambuf_iterator<char>(in),
                                         std::istreambuf_iterator<char>());
      if (v->empty()) {
        std::fprintf(stderr, "cannot read %s\n", path);
        std::exit(2);
      }
      return v;
    }
    return new std::vector<uint8_t>(RandomWalk(kRows6, 6, 20240602));
  }();
  return *events;
}

StateMachine Machine6(bool count_idle_on_entry) {
  StateMachineBuilder b("bench6");
  for (const char* s : kStates6) b.State(s);
  b.Initial("idle").Terminal({});
  StateMachineDefinition def = b.definition();
  for (const char* e : kEvents6) def.events.push_back(e);
  if (count_idle_on_entry) def.states[Idle].on_entry = "count_idle";
  for (const Row& r : kRows6) {
    def.transitions.push_back(
        {kStates6[r.from], kEvents6[r.event], kStates6[r.to], "", "", ""});
  }
  absl::StatusOr<StateMachine> m = StateMachine::Create(def);
  if (!m.ok()) {
    std::fprintf(stderr, "%s\n", std::string(m.status().message()).c_str());
    std::exit(1);
  }
  return *m;
}

void Report(benchmark::State& state, int final_state, long idle, long invalid) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          Events6().size());
  state.counters["ns/event"] =
      benchmark::Counter(static_cast<double>(Events6().size()),
                         benchmark::Counter::kIsIterationInvariantRate |
                             benchmark::Counter::kInvert);
  state.SetLabel(absl::StrCat("final=", kStates6[final_state],
                              " idle_entries=", idle, " invalid=", invalid));
  if (invalid != 0) state.SkipWithError("invalid events in a valid walk");
}

__attribute__((noinline)) int RunSwitch(const std::vector<uint8_t>& ev,
                                        long& idle, long& invalid) {
  S6 s = Idle;
  long id = 0, inv = 0;
  for (uint8_t e : ev) {
    switch (s) {
      case Idle:
        if (e == Plan)
          s = Planning;
        else
          ++inv;
        break;
      case Planning:
        if (e == Approve)
          s = Draining;
        else if (e == Reject) {
          s = Idle;
          ++id;
        } else
          ++inv;
        break;
      case Draining:
        if (e == Drained)
          s = Upgrading;
        else if (e == Abort)
          s = RollingBack;
        else
          ++inv;
        break;
      case Upgrading:
        if (e == Upgraded)
          s = Verifying;
        else if (e == Fail)
          s = RollingBack;
        else
          ++inv;
        break;
      case Verifying:
        if (e == Verified) {
          s = Idle;
          ++id;
        } else if (e == Fail)
          s = RollingBack;
        else
          ++inv;
        break;
      case RollingBack:
        if (e == RolledBack) {
          s = Idle;
          ++id;
        } else
          ++inv;
        break;
    }
  }
  idle = id;
  invalid = inv;
  return s;
}

__attribute__((noinline)) int RunFlatTable(const std::vector<uint8_t>& ev,
                                           long& idle, long& invalid) {
  static uint8_t next[6][9];
  for (auto& row : next) {
    for (auto& c : row) c = 0xFF;
  }
  for (const Row& r : kRows6) next[r.from][r.event] = r.to;
  uint8_t s = Idle;
  long id = 0, inv = 0;
  for (uint8_t e : ev) {
    uint8_t n = next[s][e];
    if (n == 0xFF) {
      ++inv;
      continue;
    }
    id += (n == Idle);
    s = n;
  }
  idle = id;
  invalid = inv;
  return s;
}

void BM_Switch6(benchmark::State& state) {
  long idle = 0, invalid = 0;
  int final_state = 0;
  for (auto _ : state) {
    final_state = RunSwitch(Events6(), idle, invalid);
    benchmark::DoNotOptimize(final_state);
  }
  Report(state, final_state, idle, invalid);
}
BENCHMARK(BM_Switch6)->Unit(benchmark::kMillisecond);

void BM_FlatTable6(benchmark::State& state) {
  long idle = 0, invalid = 0;
  int final_state = 0;
  for (auto _ : state) {
    final_state = RunFlatTable(Events6(), idle, invalid);
    benchmark::DoNotOptimize(final_state);
  }
  Report(state, final_state, idle, invalid);
}
BENCHMARK(BM_FlatTable6)->Unit(benchmark::kMillisecond);

// Instance<>::Fire() by id; idle entries counted by the caller, as the
// references do.
__attribute__((noinline)) int RunFire6(const StateMachine& m,
                                       const std::vector<uint8_t>& ev,
                                       long& idle, long& invalid) {
  absl::StatusOr<Instance<>> run = Instance<>::Create(m);
  long id = 0, inv = 0;
  for (uint8_t e : ev) {
    if (!run->Fire(EventId{e}).ok()) ++inv;
    id += run->state() == Idle;
  }
  idle = id;
  invalid = inv;
  return run->state();
}

void BM_Fire6(benchmark::State& state) {
  const StateMachine m = Machine6(false);
  long idle = 0, invalid = 0;
  int final_state = 0;
  for (auto _ : state) {
    final_state = RunFire6(m, Events6(), idle, invalid);
    benchmark::DoNotOptimize(final_state);
  }
  Report(state, final_state, idle, invalid);
}
BENCHMARK(BM_Fire6)->Unit(benchmark::kMillisecond);

// The target as one same-run ratio: Fire(EventId) against the
// hand-written switch, alternating (target 1.2x, bar 1.5x).
void BM_Fire6VsSwitch(benchmark::State& state) {
  const StateMachine m = Machine6(false);
  long idle = 0, invalid = 0, ref_idle = 0, ref_invalid = 0;
  bench::MeasureRatio(
      state, {1.2, 1.5},
      [&] { return RunSwitch(Events6(), ref_idle, ref_invalid); },
      [&] { return RunFire6(m, Events6(), idle, invalid); });
  if (idle != ref_idle || invalid != 0 || ref_invalid != 0) {
    state.SkipWithError("Fire() and the switch disagree");
  }
}
BENCHMARK(BM_Fire6VsSwitch)->Unit(benchmark::kMillisecond);

// Fire() with the entry action `count_idle` bound (one std::function call per
// idle entry) and a bounded history ring of 64.
void BM_Fire6EntryActionAndHistory(benchmark::State& state) {
  const StateMachine m = Machine6(true);
  long idle = 0, invalid = 0;
  int final_state = 0;
  for (auto _ : state) {
    long id = 0, inv = 0;
    absl::StatusOr<Instance<long>> run = Instance<long>::Create(
        m,
        Callbacks<long>().Action("count_idle",
                                 [](long& n, const Step&) { ++n; }),
        {HistoryMode::kBounded, 64});
    for (uint8_t e : Events6()) {
      if (!run->Fire(EventId{e}, id).ok()) ++inv;
    }
    idle = id;
    invalid = inv;
    final_state = run->state();
    benchmark::DoNotOptimize(final_state);
  }
  Report(state, final_state, idle, invalid);
}
BENCHMARK(BM_Fire6EntryActionAndHistory)->Unit(benchmark::kMillisecond);

// Fire() by event name (hash lookup per event), as bindings do.
void BM_Fire6ByName(benchmark::State& state) {
  const StateMachine m = Machine6(false);
  std::vector<std::string> names(kEvents6, kEvents6 + 9);
  long idle = 0, invalid = 0;
  int final_state = 0;
  for (auto _ : state) {
    absl::StatusOr<Instance<>> run = Instance<>::Create(m);
    long id = 0, inv = 0;
    for (uint8_t e : Events6()) {
      if (!run->Fire(absl::string_view(names[e])).ok()) ++inv;
      id += run->state() == Idle;
    }
    idle = id;
    invalid = inv;
    final_state = run->state();
    benchmark::DoNotOptimize(final_state);
  }
  Report(state, final_state, idle, invalid);
}
BENCHMARK(BM_Fire6ByName)->Unit(benchmark::kMillisecond);

// ---- 10 states, 4 events, no guards -----------------------------------------

enum E10 : uint8_t { Advance, Retreat, Reset, Skip };
// advance: i -> i+1 (mod 10); retreat: i -> i-1 (i >= 1); reset: i -> 0
// (i >= 5); skip: i -> i+2 (i < 8).
std::vector<Row> Rows10() {
  std::vector<Row> rows;
  for (uint8_t i = 0; i < 10; ++i) {
    rows.push_back({Advance, i, static_cast<uint8_t>((i + 1) % 10)});
    if (i >= 1) rows.push_back({Retreat, i, static_cast<uint8_t>(i - 1)});
    if (i >= 5) rows.push_back({Reset, i, 0});
    if (i < 8) rows.push_back({Skip, i, static_cast<uint8_t>(i + 2)});
  }
  return rows;
}

const std::vector<uint8_t>& Events10() {
  static const std::vector<uint8_t>* const events = [] {
    std::vector<Row> rows = Rows10();
    std::vector<std::vector<Row>> out(10);
    for (const Row& r : rows) out[r.from].push_back(r);
    std::mt19937_64 rng(10);
    auto* v = new std::vector<uint8_t>(kEvents);
    uint8_t s = 0;
    for (uint8_t& e : *v) {
      const Row& r = out[s][rng() % out[s].size()];
      e = r.event;
      s = r.to;
    }
    return v;
  }();
  return *events;
}

__attribute__((noinline)) int RunSwitch10(const std::vector<uint8_t>& ev,
                                          long& invalid) {
  int s = 0;
  long inv = 0;
  for (uint8_t e : ev) {
    switch (e) {
      case Advance:
        s = s == 9 ? 0 : s + 1;
        break;
      case Retreat:
        if (s >= 1)
          --s;
        else
          ++inv;
        break;
      case Reset:
        if (s >= 5)
          s = 0;
        else
          ++inv;
        break;
      case Skip:
        if (s < 8)
          s += 2;
        else
          ++inv;
        break;
      default:
        ++inv;
    }
  }
  invalid = inv;
  return s;
}

void Report10(benchmark::State& state, int final_state, long invalid) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          Events10().size());
  state.counters["ns/event"] =
      benchmark::Counter(static_cast<double>(Events10().size()),
                         benchmark::Counter::kIsIterationInvariantRate |
                             benchmark::Counter::kInvert);
  state.SetLabel(absl::StrCat("final=s", final_state, " invalid=", invalid));
  if (invalid != 0) state.SkipWithError("invalid events in a valid walk");
}

void BM_Switch10(benchmark::State& state) {
  long invalid = 0;
  int final_state = 0;
  for (auto _ : state) {
    final_state = RunSwitch10(Events10(), invalid);
    benchmark::DoNotOptimize(final_state);
  }
  Report10(state, final_state, invalid);
}
BENCHMARK(BM_Switch10)->Unit(benchmark::kMillisecond);

StateMachine Machine10() {
  StateMachineDefinition def;
  for (int i = 0; i < 10; ++i)
    def.states.push_back({absl::StrCat("s", i), "", "", ""});
  def.initial = "s0";
  def.events = {"advance", "retreat", "reset", "skip"};
  for (const Row& r : Rows10()) {
    def.transitions.push_back({absl::StrCat("s", r.from), def.events[r.event],
                               absl::StrCat("s", r.to), "", "", ""});
  }
  absl::StatusOr<StateMachine> m = StateMachine::Create(def);
  if (!m.ok()) {
    std::fprintf(stderr, "%s\n", std::string(m.status().message()).c_str());
    std::exit(1);
  }
  return *m;
}

__attribute__((noinline)) int RunFire10(const StateMachine& m,
                                        const std::vector<uint8_t>& ev,
                                        long& invalid) {
  absl::StatusOr<Instance<>> run = Instance<>::Create(m);
  long inv = 0;
  for (uint8_t e : ev) {
    if (!run->Fire(EventId{e}).ok()) ++inv;
  }
  invalid = inv;
  return run->state();
}

void BM_Fire10(benchmark::State& state) {
  const StateMachine m = Machine10();
  long invalid = 0;
  int final_state = 0;
  for (auto _ : state) {
    final_state = RunFire10(m, Events10(), invalid);
    benchmark::DoNotOptimize(final_state);
  }
  Report10(state, final_state, invalid);
}
BENCHMARK(BM_Fire10)->Unit(benchmark::kMillisecond);

// Same-run ratio against the 10-state switch (target and bar: 1.0x).
void BM_Fire10VsSwitch(benchmark::State& state) {
  const StateMachine m = Machine10();
  long invalid = 0, ref_invalid = 0;
  int ours = 0, ref = 0;
  bench::MeasureRatio(
      state, {1.0, 1.0},
      [&] { return ref = RunSwitch10(Events10(), ref_invalid); },
      [&] { return ours = RunFire10(m, Events10(), invalid); });
  if (ours != ref || invalid != 0 || ref_invalid != 0) {
    state.SkipWithError("Fire() and the switch disagree");
  }
}
BENCHMARK(BM_Fire10VsSwitch)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace upgrade_core::fsm

BENCHMARK_MAIN();
