// Benchmarks of upgrade_core/version: parsing versions and constraints and
// matching them, against hand-written references in the same binary (the
// floor: parsing only "M.m.p" digits, comparing two number triples).
//
// Data: 4096 seeded Helm-style (constraint, version) pairs with the mix of
// /work/shared/bench/gen/gen_semver.py (kubeVersion ">= 1.x.0-0" idioms,
// ranges, ^ ~ x-ranges, ||, exact, hyphen ranges, optional "v"; versions
// with -gke.N / -eks-... / -rc.N prereleases and +build metadata).
//
// Peer comparison: with UC_SEMVER_PAIRS=<path to semver_pairs_100k.tsv>
// (make data in /work/shared/bench), the BM_Peer* benchmarks replay exactly
// the pairs RESULTS.md measured Masterminds and node-semver on; one
// iteration is one pass over all 100k pairs (items/s = matches/s).
//
//   bazel run -c opt //benchmarks/version:version_benchmark
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "upgrade_core/version/constraint.h"
#include "upgrade_core/version/version.h"

namespace upgrade_core {
namespace {

struct Pairs {
  std::vector<std::string> constraints;
  std::vector<std::string> versions;
};

// Same kinds and weights as gen_semver.py (not the same random stream).
Pairs Generate(size_t n) {
  std::mt19937_64 rng(20240603);
  auto rnd = [&](int lo, int hi) {  // [lo, hi)
    return static_cast<int>(lo + rng() % static_cast<uint64_t>(hi - lo));
  };
  auto uni = [&] { return static_cast<double>(rng() % 1000000) / 1e6; };
  auto major = [&] {
    static const int kMajors[] = {0, 1, 1, 1, 2, 2, 3};
    return kMajors[rnd(0, 7)];
  };
  auto pre = [&]() -> std::string {
    switch (rnd(0, 8)) {
      case 0:
        return "rc.1";
      case 1:
        return "rc.2";
      case 2:
        return "beta.3";
      case 3:
        return "alpha";
      case 4:
        return "0";
      case 5:
        return "alpha.1";
      case 6:
        return absl::StrFormat("eks-%07x", rnd(0, 1 << 28));
      default:
        return absl::StrCat("gke.", rnd(100, 2000));
    }
  };
  Pairs p;
  for (size_t i = 0; i < n; ++i) {
    int a = major(), b = rnd(0, 31), c = rnd(0, 21);
    std::string con;
    const int kind = rnd(0, 100);
    if (kind < 15) {
      con = absl::StrCat(">= 1.", rnd(18, 31), ".0-0");
    } else if (kind < 23) {
      const int lo = rnd(18, 30);
      con = absl::StrCat(">= 1.", lo, ".0-0 < 1.", lo + rnd(1, 5), ".0-0");
    } else if (kind < 43) {
      con = absl::StrCat("^", uni() < 0.1 ? "v" : "", a, ".", b, ".", c);
    } else if (kind < 55) {
      con = absl::StrCat("~", a, ".", b, ".", c);
    } else if (kind < 65) {
      const int k = rnd(0, 4);
      con = k == 0   ? absl::StrCat(a, ".", b, ".x")
            : k == 1 ? absl::StrCat(a, ".x")
            : k == 2 ? absl::StrCat(a, ".", b, ".X")
                     : absl::StrCat(a, ".", b, ".*");
    } else if (kind < 75) {
      con =
          absl::StrCat(">=", a, ".", b, " <", a + 1, ".0 || ", rnd(0, 5), ".x");
    } else if (kind < 85) {
      con = absl::StrCat(">=", a, ".", b, ".", c, " <", a + rnd(0, 2), ".",
                         rnd(0, 31), ".", rnd(0, 21));
    } else if (kind < 92) {
      con = absl::StrCat(uni() < 0.5 ? "" : "=", a, ".", b, ".", c);
    } else if (kind < 97) {
      con = absl::StrCat(a, ".", b, ".", c, " - ", a + rnd(0, 2), ".",
                         rnd(0, 31), ".", rnd(0, 21));
    } else {
      con = absl::StrCat(a, ".*");
    }
    a = major(), b = rnd(0, 31), c = rnd(0, 21);
    if (uni() < 0.25) a = 1, b = rnd(18, 33);
    std::string v = absl::StrCat(a, ".", b, ".", c);
    const double k2 = uni();
    if (k2 < 0.15) {
      absl::StrAppend(&v, "-", pre());
    } else if (k2 < 0.20) {
      absl::StrAppend(&v, "+build.", rnd(0, 1000));
    }
    if (uni() < 0.15) v = "v" + v;
    p.constraints.push_back(std::move(con));
    p.versions.push_back(std::move(v));
  }
  return p;
}

const Pairs& Data() {
  static const Pairs* p = new Pairs(Generate(4096));
  return *p;
}

// --- hand-written references (the floor) ------------------------------------

struct Triple {
  uint64_t a = 0, b = 0, c = 0;
};

// Parses only leading "v"? digits "." digits "." digits; no validation of the
// rest. The least any version parser has to do.
inline Triple RefParseTriple(const std::string& s) {
  Triple t;
  size_t i = (!s.empty() && s[0] == 'v') ? 1 : 0;
  uint64_t* parts[3] = {&t.a, &t.b, &t.c};
  for (int k = 0; k < 3 && i < s.size(); ++k) {
    uint64_t v = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9')
      v = v * 10 + (s[i++] - '0');
    *parts[k] = v;
    if (i < s.size() && s[i] == '.') ++i;
  }
  return t;
}

inline bool RefGreaterEqual(const Triple& v, const Triple& bound) {
  if (v.a != bound.a) return v.a > bound.a;
  if (v.b != bound.b) return v.b > bound.b;
  return v.c >= bound.c;
}

// --- benchmarks on generated data -------------------------------------------

void BM_VersionParse(benchmark::State& state) {
  const Pairs& d = Data();
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<Version> v = Version::Parse(d.versions[i]);
    benchmark::DoNotOptimize(v);
    if (++i == d.versions.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VersionParse);

void BM_VersionParse_Reference(benchmark::State& state) {
  const Pairs& d = Data();
  size_t i = 0;
  for (auto _ : state) {
    Triple t = RefParseTriple(d.versions[i]);
    benchmark::DoNotOptimize(t);
    if (++i == d.versions.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VersionParse_Reference);

void BM_ConstraintParse(benchmark::State& state) {
  const Pairs& d = Data();
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<Constraint> c = Constraint::Parse(d.constraints[i]);
    benchmark::DoNotOptimize(c);
    if (++i == d.constraints.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConstraintParse);

// The headline: pre-parsed constraint against pre-parsed version.
void BM_AllowsPreParsed(benchmark::State& state) {
  const Pairs& d = Data();
  std::vector<Constraint> cs;
  std::vector<Version> vs;
  for (size_t k = 0; k < d.constraints.size(); ++k) {
    cs.push_back(*Constraint::Parse(d.constraints[k]));
    vs.push_back(*Version::Parse(d.versions[k]));
  }
  size_t i = 0;
  int64_t matches = 0;
  for (auto _ : state) {
    matches += cs[i].Allows(vs[i]);
    if (++i == cs.size()) i = 0;
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AllowsPreParsed);

// Floor for the above: one ">=" on pre-parsed number triples.
void BM_AllowsPreParsed_Reference(benchmark::State& state) {
  const Pairs& d = Data();
  std::vector<std::pair<Triple, Triple>> pairs;
  for (size_t k = 0; k < d.constraints.size(); ++k) {
    const std::string& c = d.constraints[k];
    size_t digit = c.find_first_of("0123456789");
    pairs.push_back(
        {RefParseTriple(c.substr(digit)), RefParseTriple(d.versions[k])});
  }
  size_t i = 0;
  int64_t matches = 0;
  for (auto _ : state) {
    matches += RefGreaterEqual(pairs[i].second, pairs[i].first);
    if (++i == pairs.size()) i = 0;
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AllowsPreParsed_Reference);

// Helm's common case: constraint parsed once, version strings arrive.
void BM_AllowsVersionString(benchmark::State& state) {
  const Pairs& d = Data();
  std::vector<Constraint> cs;
  for (const std::string& c : d.constraints)
    cs.push_back(*Constraint::Parse(c));
  size_t i = 0;
  int64_t matches = 0;
  for (auto _ : state) {
    absl::StatusOr<Version> v = Version::Parse(d.versions[i]);
    matches += v.ok() && cs[i].Allows(*v);
    if (++i == cs.size()) i = 0;
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AllowsVersionString);

// Parse both and match: the from-strings path.
void BM_CheckFromStrings(benchmark::State& state) {
  const Pairs& d = Data();
  size_t i = 0;
  int64_t matches = 0;
  for (auto _ : state) {
    absl::StatusOr<bool> ok =
        Constraint::Check(d.constraints[i], d.versions[i]);
    matches += ok.ok() && *ok;
    if (++i == d.constraints.size()) i = 0;
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckFromStrings);

// --- the peers' 100k pairs (UC_SEMVER_PAIRS) ---------------------------------

Pairs LoadPairs(const char* path) {
  Pairs p;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    p.constraints.push_back(line.substr(0, tab));
    p.versions.push_back(line.substr(tab + 1));
  }
  return p;
}

void RegisterPeerBenchmarks(const char* path) {
  static const Pairs* pairs = new Pairs(LoadPairs(path));
  const Pairs& d = *pairs;
  const double n = static_cast<double>(d.constraints.size());
  benchmark::RegisterBenchmark(
      "BM_Peer100k_ParseBothEveryPair",
      [&d, n](benchmark::State& state) {
        int64_t matches = 0;
        for (auto _ : state) {
          matches = 0;
          for (size_t i = 0; i < d.constraints.size(); ++i) {
            absl::StatusOr<bool> ok =
                Constraint::Check(d.constraints[i], d.versions[i]);
            matches += ok.ok() && *ok;
          }
        }
        state.counters["matches"] = static_cast<double>(matches);
        state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
      })
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(
      "BM_Peer100k_ConstraintsPreParsed",
      [&d, n](benchmark::State& state) {
        std::vector<Constraint> cs;
        for (const std::string& c : d.constraints) {
          cs.push_back(*Constraint::Parse(c));
        }
        int64_t matches = 0;
        for (auto _ : state) {
          matches = 0;
          for (size_t i = 0; i < cs.size(); ++i) {
            absl::StatusOr<Version> v = Version::Parse(d.versions[i]);
            matches += v.ok() && cs[i].Allows(*v);
          }
        }
        state.counters["matches"] = static_cast<double>(matches);
        state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
      })
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(
      "BM_Peer100k_BothPreParsed",
      [&d, n](benchmark::State& state) {
        std::vector<Constraint> cs;
        std::vector<Version> vs;
        for (size_t i = 0; i < d.constraints.size(); ++i) {
          cs.push_back(*Constraint::Parse(d.constraints[i]));
          vs.push_back(*Version::Parse(d.versions[i]));
        }
        int64_t matches = 0;
        for (auto _ : state) {
          matches = 0;
          for (size_t i = 0; i < cs.size(); ++i) matches += cs[i].Allows(vs[i]);
        }
        state.counters["matches"] = static_cast<double>(matches);
        state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
      })
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark(
      "BM_Peer100k_ConstraintParseOnly",
      [&d, n](benchmark::State& state) {
        for (auto _ : state) {
          for (const std::string& c : d.constraints) {
            absl::StatusOr<Constraint> con = Constraint::Parse(c);
            benchmark::DoNotOptimize(con);
          }
        }
        state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
      })
      ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace upgrade_core

int main(int argc, char** argv) {
  if (const char* path = std::getenv("UC_SEMVER_PAIRS")) {
    upgrade_core::RegisterPeerBenchmarks(path);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
