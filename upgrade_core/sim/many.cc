// SimulateMany and Compare: runs on a small pool of threads, results
// gathered by seed index so that the thread order never shows.
#include "upgrade_core/sim/many.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/util/json_string.h"

namespace upgrade_core::sim {
namespace {

using exec::FormatDuration;

Percentiles ComputePercentiles(std::vector<int64_t> values) {
  Percentiles p;
  if (values.empty()) return p;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  // Nearest rank: the ceil(p/100 * n)-th smallest value (1-based).
  auto rank = [&](int pct) {
    size_t r = (static_cast<size_t>(pct) * n + 99) / 100;
    if (r < 1) r = 1;
    return values[r - 1];
  };
  p.p50 = rank(50);
  p.p90 = rank(90);
  p.p99 = rank(99);
  p.max = values.back();
  return p;
}

std::string Fraction(int64_t part, int64_t whole) {
  if (whole == 0) return "0.0000";
  return absl::StrFormat(
      "%.4f", static_cast<double>(part) / static_cast<double>(whole));
}

std::string PercentilesJson(const Percentiles& p) {
  return absl::StrCat("{\"p50\":", p.p50, ",\"p90\":", p.p90,
                      ",\"p99\":", p.p99, ",\"max\":", p.max, "}");
}

std::string PercentilesText(const Percentiles& p) {
  return absl::StrCat("p50 ", FormatDuration(p.p50), ", p90 ",
                      FormatDuration(p.p90), ", p99 ", FormatDuration(p.p99),
                      ", max ", FormatDuration(p.max));
}

ManyResult Summarize(const std::string& plan_name,
                     const std::vector<uint64_t>& seeds,
                     std::vector<SimResult>& results) {
  ManyResult m;
  m.plan = plan_name;
  std::vector<int64_t> durations;
  std::map<std::string, std::vector<int64_t>> below;  // by service name
  std::map<std::string, bool> has_floor;
  for (size_t i = 0; i < results.size(); ++i) {
    const SimResult& r = results[i];
    RunSummary s;
    s.seed = seeds[i];
    s.outcome = r.outcome;
    s.stuck = r.stuck;
    s.healthy = r.Healthy();
    s.duration_ms = r.duration_ms;
    durations.push_back(r.duration_ms);
    if (!r.stuck && r.outcome == "succeeded") ++m.succeeded;
    if (r.stuck) ++m.stuck;
    if (r.outcome == "rolled_back") ++m.rolled_back;
    if (s.healthy) ++m.healthy;
    for (const ServiceResult& svc : r.services) {
      below[svc.name].push_back(svc.ms_below_floor);
      has_floor[svc.name] = has_floor[svc.name] || svc.floor.has_value();
    }
    m.runs.push_back(std::move(s));
  }
  m.duration_ms = ComputePercentiles(std::move(durations));
  for (auto& [name, values] : below) {
    ServiceSpread s;
    s.name = name;
    s.has_floor = has_floor[name];
    s.runs_below_floor = std::count_if(values.begin(), values.end(),
                                       [](int64_t v) { return v > 0; });
    s.ms_below_floor = ComputePercentiles(std::move(values));
    m.services.push_back(std::move(s));
  }
  return m;
}

}  // namespace

absl::StatusOr<ManyResult> SimulateSeeds(const plan::ExecutionPlan& plan,
                                         const Cluster& cluster,
                                         const SimOptions& options,
                                         const std::vector<uint64_t>& seeds,
                                         int workers) {
  if (seeds.empty()) {
    return absl::InvalidArgumentError(
        "SimulateSeeds: no seeds given (expected at least one)");
  }
  if (workers < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SimulateSeeds: workers must be 0 (one per core) or more, got ",
        workers));
  }
  if (workers == 0) {
    workers = std::max(1u, std::thread::hardware_concurrency());
  }
  const size_t n = seeds.size();
  workers = static_cast<int>(std::min<size_t>(workers, n));

  // Each slot is written by exactly one thread; the index is the only
  // shared mutable state.
  std::vector<std::optional<absl::StatusOr<SimResult>>> slots(n);
  std::atomic<size_t> next{0};
  auto work = [&] {
    SimOptions o = options;
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      o.seed = seeds[i];
      slots[i] = Simulate(plan, cluster, o);
    }
  };
  if (workers == 1) {
    work();
  } else {
    std::vector<std::thread> threads;
    threads.reserve(workers);
    for (int w = 0; w < workers; ++w) threads.emplace_back(work);
    for (std::thread& t : threads) t.join();
  }

  std::vector<SimResult> results;
  results.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    absl::StatusOr<SimResult>& r = *slots[i];
    if (!r.ok()) {
      return absl::Status(
          r.status().code(),
          absl::StrCat("seed ", seeds[i], ": ", r.status().message()));
    }
    results.push_back(*std::move(r));
  }
  return Summarize(results.front().plan, seeds, results);
}

absl::StatusOr<ManyResult> SimulateMany(const plan::ExecutionPlan& plan,
                                        const Cluster& cluster,
                                        const SimOptions& options,
                                        SeedRange seeds, int workers) {
  if (seeds.count <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SimulateMany: the seed count must be at least 1, got ", seeds.count));
  }
  std::vector<uint64_t> list;
  list.reserve(seeds.count);
  for (int64_t i = 0; i < seeds.count; ++i) {
    list.push_back(seeds.first + static_cast<uint64_t>(i));
  }
  return SimulateSeeds(plan, cluster, options, list, workers);
}

std::string ManyResult::ToText() const {
  const int64_t n = RunCount();
  std::string out =
      absl::StrCat(plan, ": ", n, n == 1 ? " run" : " runs", " (seeds ",
                   runs.empty() ? 0 : runs.front().seed, "..",
                   runs.empty() ? 0 : runs.back().seed, ")\n");
  absl::StrAppend(&out, "  healthy:     ", healthy, "/", n, " (",
                  Fraction(healthy, n), ")\n");
  absl::StrAppend(&out, "  succeeded:   ", succeeded, "/", n, " (",
                  Fraction(succeeded, n), ")\n");
  absl::StrAppend(&out, "  rolled back: ", rolled_back, "/", n, " (",
                  Fraction(rolled_back, n), ")\n");
  absl::StrAppend(&out, "  stuck:       ", stuck, "/", n, " (",
                  Fraction(stuck, n), ")\n");
  absl::StrAppend(&out, "  duration:    ", PercentilesText(duration_ms), "\n");
  for (const ServiceSpread& s : services) {
    if (!s.has_floor) continue;
    absl::StrAppend(&out, "  ", s.name, " below floor in ", s.runs_below_floor,
                    "/", n, " runs: ", PercentilesText(s.ms_below_floor), "\n");
  }
  return out;
}

std::string ManyResult::ToJson() const {
  const int64_t n = RunCount();
  std::string out = absl::StrCat(
      "{\"plan\":", JsonQuote(plan), ",\"runCount\":", n,
      ",\"healthy\":", healthy, ",\"succeeded\":", succeeded,
      ",\"rolledBack\":", rolled_back, ",\"stuck\":", stuck,
      ",\"fractionHealthy\":", Fraction(healthy, n),
      ",\"fractionSucceeded\":", Fraction(succeeded, n),
      ",\"fractionRolledBack\":", Fraction(rolled_back, n),
      ",\"fractionStuck\":", Fraction(stuck, n),
      ",\"durationMs\":", PercentilesJson(duration_ms), ",\"services\":[");
  for (size_t i = 0; i < services.size(); ++i) {
    const ServiceSpread& s = services[i];
    absl::StrAppend(&out, i ? "," : "", "{\"name\":", JsonQuote(s.name),
                    ",\"hasFloor\":", s.has_floor ? "true" : "false",
                    ",\"runsBelowFloor\":", s.runs_below_floor,
                    ",\"msBelowFloor\":", PercentilesJson(s.ms_below_floor),
                    "}");
  }
  absl::StrAppend(&out, "],\"runs\":[");
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunSummary& r = runs[i];
    absl::StrAppend(&out, i ? "," : "", "{\"seed\":", r.seed,
                    ",\"outcome\":", JsonQuote(r.outcome),
                    ",\"stuck\":", r.stuck ? "true" : "false",
                    ",\"healthy\":", r.healthy ? "true" : "false",
                    ",\"durationMs\":", r.duration_ms, "}");
  }
  absl::StrAppend(&out, "]}");
  return out;
}

absl::StatusOr<Comparison> Compare(const plan::ExecutionPlan& plan_a,
                                   const plan::ExecutionPlan& plan_b,
                                   const Cluster& cluster,
                                   const SimOptions& options, SeedRange seeds,
                                   int workers) {
  Comparison c;
  absl::StatusOr<ManyResult> a =
      SimulateMany(plan_a, cluster, options, seeds, workers);
  if (!a.ok()) {
    return absl::Status(a.status().code(),
                        absl::StrCat("first plan: ", a.status().message()));
  }
  absl::StatusOr<ManyResult> b =
      SimulateMany(plan_b, cluster, options, seeds, workers);
  if (!b.ok()) {
    return absl::Status(b.status().code(),
                        absl::StrCat("second plan: ", b.status().message()));
  }
  c.a = *std::move(a);
  c.b = *std::move(b);
  return c;
}

std::string Comparison::ToText() const {
  const int64_t n = a.RunCount();
  auto row = [](absl::string_view label, const std::string& x,
                const std::string& y) {
    return absl::StrFormat("  %-24s %-28s %s\n", label, x, y);
  };
  auto count = [n](int64_t v) {
    return absl::StrCat(v, "/", n, " (", Fraction(v, n), ")");
  };
  std::string out =
      absl::StrCat("comparison over ", n, n == 1 ? " run" : " runs",
                   " (same cluster, same seeds)\n");
  absl::StrAppend(&out, row("", a.plan, b.plan));
  absl::StrAppend(&out, row("healthy", count(a.healthy), count(b.healthy)));
  absl::StrAppend(&out,
                  row("succeeded", count(a.succeeded), count(b.succeeded)));
  absl::StrAppend(
      &out, row("rolled back", count(a.rolled_back), count(b.rolled_back)));
  absl::StrAppend(&out, row("stuck", count(a.stuck), count(b.stuck)));
  auto dur = [](const Percentiles& p, int which) {
    return FormatDuration(which == 50 ? p.p50 : which == 90 ? p.p90 : p.p99);
  };
  for (int q : {50, 90, 99}) {
    absl::StrAppend(&out, row(absl::StrCat("duration p", q),
                              dur(a.duration_ms, q), dur(b.duration_ms, q)));
  }
  // Services of either plan, by name.
  std::map<std::string, std::pair<const ServiceSpread*, const ServiceSpread*>>
      services;
  for (const ServiceSpread& s : a.services) services[s.name].first = &s;
  for (const ServiceSpread& s : b.services) services[s.name].second = &s;
  for (const auto& [name, pair] : services) {
    const bool floored = (pair.first != nullptr && pair.first->has_floor) ||
                         (pair.second != nullptr && pair.second->has_floor);
    if (!floored) continue;
    for (int q : {50, 99}) {
      auto cell = [&](const ServiceSpread* s) {
        return s == nullptr ? std::string("-") : dur(s->ms_below_floor, q);
      };
      absl::StrAppend(&out, row(absl::StrCat(name, " below floor p", q),
                                cell(pair.first), cell(pair.second)));
    }
  }
  return out;
}

std::string Comparison::ToJson() const {
  return absl::StrCat("{\"a\":", a.ToJson(), ",\"b\":", b.ToJson(), "}\n");
}

}  // namespace upgrade_core::sim
