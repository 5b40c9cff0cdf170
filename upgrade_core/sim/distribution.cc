#include "upgrade_core/sim/distribution.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "upgrade_core/exec/orchestrator.h"

namespace upgrade_core::sim {

uint64_t Rng::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double Rng::NextUnit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

bool Rng::Chance(double p) {
  if (!(p > 0)) return false;
  if (p >= 1) return true;
  return NextUnit() < p;
}

absl::Status Duration::Validate() const {
  switch (kind) {
    case Kind::kFixed:
      if (a < 0)
        return absl::InvalidArgumentError(
            absl::StrCat("duration ", a, "ms is negative; expected >= 0"));
      break;
    case Kind::kUniform:
      if (a < 0 || b < a) {
        return absl::InvalidArgumentError(
            absl::StrCat("uniform duration [", a, "ms, ", b,
                         "ms]: expected 0 <= low <= high"));
      }
      break;
    case Kind::kLognormal:
      if (a < 0 || !std::isfinite(sigma) || sigma < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("lognormal duration (median ", a, "ms, sigma ", sigma,
                         "): expected median >= 0 and a finite sigma >= 0"));
      }
      break;
  }
  return absl::OkStatus();
}

int64_t Duration::Sample(Rng& rng) const {
  switch (kind) {
    case Kind::kFixed:
      return a;
    case Kind::kUniform: {
      // Inclusive range; modulo bias is < 2^-40 for any range a plan uses.
      const uint64_t span = static_cast<uint64_t>(b - a) + 1;
      return a + static_cast<int64_t>(rng.Next() % span);
    }
    case Kind::kLognormal: {
      // Box-Muller from two raw draws; u1 in (0, 1] so log() is finite.
      const double u1 = 1.0 - rng.NextUnit();
      const double u2 = rng.NextUnit();
      const double z =
          std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      const double v = static_cast<double>(a) * std::exp(sigma * z);
      // Capped at 1000x the median: a simulation horizon, not a hang.
      const double cap = static_cast<double>(a) * 1000.0;
      return static_cast<int64_t>(std::llround(v < cap ? v : cap));
    }
  }
  return a;
}

std::string Duration::ToString() const {
  switch (kind) {
    case Kind::kFixed:
      return exec::FormatDuration(a);
    case Kind::kUniform:
      return absl::StrCat("uniform(", exec::FormatDuration(a), "..",
                          exec::FormatDuration(b), ")");
    case Kind::kLognormal:
      return absl::StrCat("lognormal(median ", exec::FormatDuration(a),
                          ", sigma ", sigma, ")");
  }
  return "";
}

}  // namespace upgrade_core::sim
