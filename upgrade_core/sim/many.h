// File: many.h
// -----------------------------------------------------------------------------
// Many simulations of one plan (Monte Carlo over seeds) and the side-by-side
// comparison of two plans on the same cluster and the same seeds.
//
// One run says what happens for one draw of the random durations and
// faults; a plan whose floors hold at seed 0 may still dip below them at
// seed 17. SimulateMany runs a range of seeds (on several threads: runs are
// independent and each is deterministic) and summarizes the spread:
// percentiles of the duration and of each service's time below its floor,
// and how many runs succeeded, got stuck or rolled back.
//
//   UC_ASSIGN_OR_RETURN(sim::ManyResult m,
//                       sim::SimulateMany(plan, {}, options, {0, 1000}));
//   std::cout << m.ToText();
//
// The result depends only on the inputs, never on the number of workers or
// the order threads finish in: ToJson() gives the same bytes.
#ifndef UPGRADE_CORE_SIM_MANY_H_
#define UPGRADE_CORE_SIM_MANY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/sim/simulator.h"

namespace upgrade_core::sim {

// The seeds first, first + 1, ..., first + count - 1.
struct SeedRange {
  uint64_t first = 0;
  int64_t count = 1;
};

// Nearest-rank percentiles (the smallest value with at least p% of the
// values at or below it): values that really occurred, no interpolation.
struct Percentiles {
  int64_t p50 = 0;
  int64_t p90 = 0;
  int64_t p99 = 0;
  int64_t max = 0;
};

// What one run came to (the full SimResult is not kept: a thousand
// timelines are of no use in a summary; rerun the seed to see one).
struct RunSummary {
  uint64_t seed = 0;
  std::string outcome;  // "succeeded", "rolled_back", ...
  bool stuck = false;
  bool healthy = false;
  int64_t duration_ms = 0;
};

struct ServiceSpread {
  std::string name;
  bool has_floor = false;
  Percentiles ms_below_floor;
  int64_t runs_below_floor = 0;  // runs where it dipped below at all
};

struct ManyResult {
  std::string plan;
  std::vector<RunSummary> runs;  // by seed, in the order given
  Percentiles duration_ms;
  std::vector<ServiceSpread> services;  // by name
  int64_t succeeded = 0;                // outcome "succeeded" and not stuck
  int64_t stuck = 0;
  int64_t rolled_back = 0;
  int64_t healthy = 0;  // SimResult::Healthy()

  // Every run healthy (and at least one run).
  bool AllHealthy() const { return !runs.empty() && healthy == RunCount(); }
  int64_t RunCount() const { return static_cast<int64_t>(runs.size()); }
  std::string ToText() const;
  // Stable JSON: fixed key order; fractions with 4 decimals; byte-identical
  // for equal results.
  std::string ToJson() const;
};

// 0: std::thread::hardware_concurrency() (at least 1).
constexpr int kDefaultWorkers = 0;

// Runs `plan` once per seed in `seeds` (options.seed is ignored) on up to
// `workers` threads. InvalidArgument for no seeds, a negative count or worker
// count, or any run the simulator refuses (the error of the lowest such seed,
// so the same inputs give the same error).
absl::StatusOr<ManyResult> SimulateSeeds(const plan::ExecutionPlan& plan,
                                         const Cluster& cluster,
                                         const SimOptions& options,
                                         const std::vector<uint64_t>& seeds,
                                         int workers = kDefaultWorkers);
// SimulateSeeds over seeds.first, ..., seeds.first + seeds.count - 1.
absl::StatusOr<ManyResult> SimulateMany(const plan::ExecutionPlan& plan,
                                        const Cluster& cluster,
                                        const SimOptions& options,
                                        SeedRange seeds,
                                        int workers = kDefaultWorkers);

// Two plans, the same cluster, options and seeds.
struct Comparison {
  ManyResult a;
  ManyResult b;

  std::string ToText() const;
  std::string ToJson() const;  // {"a":{...},"b":{...}}
};

absl::StatusOr<Comparison> Compare(const plan::ExecutionPlan& plan_a,
                                   const plan::ExecutionPlan& plan_b,
                                   const Cluster& cluster,
                                   const SimOptions& options, SeedRange seeds,
                                   int workers = kDefaultWorkers);

}  // namespace upgrade_core::sim

#endif  // UPGRADE_CORE_SIM_MANY_H_
