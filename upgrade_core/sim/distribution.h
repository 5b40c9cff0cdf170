// File: distribution.h
// -----------------------------------------------------------------------------
// Durations for the simulator: fixed, uniform or lognormal, drawn from a
// seeded 64-bit stream. The transforms are written here from the raw bits
// (not std::*_distribution, whose output is implementation-defined), so one
// seed gives the same durations on every machine and standard library.
#ifndef UPGRADE_CORE_SIM_DISTRIBUTION_H_
#define UPGRADE_CORE_SIM_DISTRIBUTION_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace upgrade_core::sim {

// SplitMix64: tiny, fast, and fully specified (the same sequence everywhere).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, 1) with 53 bits.
  double NextUnit();
  // True with probability p (p <= 0: never, p >= 1: always, and no draw is
  // taken then, so adding a certain fault does not shift other draws).
  bool Chance(double p);

 private:
  uint64_t state_;
};

// A duration in milliseconds, as a distribution.
struct Duration {
  enum class Kind { kFixed, kUniform, kLognormal };
  Kind kind = Kind::kFixed;
  // kFixed: a. kUniform: [a, b]. kLognormal: median a, with sigma = the
  // spread of the underlying normal (b is unused).
  int64_t a = 0;
  int64_t b = 0;
  double sigma = 0;

  static Duration Fixed(int64_t ms) { return {Kind::kFixed, ms, ms, 0}; }
  static Duration Uniform(int64_t lo, int64_t hi) {
    return {Kind::kUniform, lo, hi, 0};
  }
  static Duration Lognormal(int64_t median, double sigma) {
    return {Kind::kLognormal, median, 0, sigma};
  }

  // InvalidArgument for negative times, lo > hi, a negative or non-finite
  // sigma.
  absl::Status Validate() const;
  // One draw, in ms (>= 0). A fixed duration takes no draw from `rng`.
  int64_t Sample(Rng& rng) const;
  // "5s", "uniform(1s..3s)", "lognormal(median 2s, sigma 0.5)".
  std::string ToString() const;
};

}  // namespace upgrade_core::sim

#endif  // UPGRADE_CORE_SIM_DISTRIBUTION_H_
