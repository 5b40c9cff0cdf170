// Same-run ratios: a subject timed against its reference in one benchmark,
// alternating which runs first, in thread CPU time (the machine may be shared,
// so wall time would count other processes' work).
//
//   void BM_FireVsSwitch(benchmark::State& state) {
//     bench::MeasureRatio(state, {1.2, 1.5},
//                         [&] { return RunSwitch(events); },   // reference
//                         [&] { return RunFire(events); });    // subject
//   }
//
// Each benchmark iteration runs both once. The counters are the medians over
// the iterations: `ref_ms`, `ours_ms` and `ratio` (median of the per-iteration
// ratios ours/ref), with the label saying whether the target and the bar
// (the acceptable limit) are met. Both callables return a value that
// is kept alive (benchmark::DoNotOptimize).
#ifndef BENCHMARKS_COMMON_RATIO_H_
#define BENCHMARKS_COMMON_RATIO_H_

#include <time.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"

namespace upgrade_core::bench {

inline double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

inline double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct RatioGoal {
  double target;  // the ratio aimed for (ours / reference)
  double bar;     // the highest acceptable ratio
};

template <typename Reference, typename Subject>
void MeasureRatio(benchmark::State& state, RatioGoal goal, Reference reference,
                  Subject subject) {
  std::vector<double> ref_s, ours_s, ratios;
  bool subject_first = false;
  for (auto _ : state) {
    double r = 0, o = 0;
    auto time_reference = [&] {
      const double t0 = ThreadCpuSeconds();
      auto v = reference();
      benchmark::DoNotOptimize(v);
      r = ThreadCpuSeconds() - t0;
    };
    auto time_subject = [&] {
      const double t0 = ThreadCpuSeconds();
      auto v = subject();
      benchmark::DoNotOptimize(v);
      o = ThreadCpuSeconds() - t0;
    };
    if (subject_first) {
      time_subject();
      time_reference();
    } else {
      time_reference();
      time_subject();
    }
    subject_first = !subject_first;
    ref_s.push_back(r);
    ours_s.push_back(o);
    ratios.push_back(r > 0 ? o / r : 0);
  }
  const double ratio = Median(ratios);
  state.counters["ref_ms"] = Median(ref_s) * 1e3;
  state.counters["ours_ms"] = Median(ours_s) * 1e3;
  state.counters["ratio"] = ratio;
  state.SetLabel(
      absl::StrFormat("ratio %.2fx (target %.2fx: %s; bar %.2fx: %s)", ratio,
                      goal.target, ratio <= goal.target ? "met" : "missed",
                      goal.bar, ratio <= goal.bar ? "met" : "missed"));
}

}  // namespace upgrade_core::bench

#endif  // BENCHMARKS_COMMON_RATIO_H_
