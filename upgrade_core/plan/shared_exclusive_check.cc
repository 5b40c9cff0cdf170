// exclusive.shared: a resource (a host port, a lock...) that two components
// hold exclusively must not be upgraded by both in the same wave, where
// their old and new instances would run at once.
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/plan/checks.h"

namespace upgrade_core::plan::internal {

void CheckSharedExclusive(CheckContext& ctx) {
  if (!ctx.graph) return;
  const proto::UpgradePlan& plan = ctx.plan;
  // resource -> holders; std::map keeps the report order stable.
  std::map<std::string, std::vector<int>> holders;
  for (int i = 0; i < plan.components_size(); ++i) {
    for (const std::string& e : plan.components(i).exclusive()) {
      std::vector<int>& v = holders[e];
      if (v.empty() || v.back() != i) v.push_back(i);
    }
  }
  // Linear in the holders: each holder after the first of its wave is
  // reported against that first one.
  for (const auto& [resource, list] : holders) {
    absl::flat_hash_map<uint32_t, int> first_in_wave;
    for (int holder : list) {
      auto [it, inserted] = first_in_wave.emplace(ctx.wave_of[holder], holder);
      if (inserted) continue;
      const std::string& first = plan.components(it->second).id();
      const std::string& second = plan.components(holder).id();
      ctx.Add(diag::Severity::kError, "exclusive.shared", holder,
              absl::StrCat("components[", holder, "].exclusive"),
              absl::StrCat(
                  "\"", first, "\" and \"", second, "\" both hold ", resource,
                  " exclusively and would be upgraded in the same wave (",
                  ctx.wave_of[holder], ")"),
              absl::StrCat("order them: add \"", first,
                           "\" to the dependsOn of \"", second, "\""));
    }
  }
}

}  // namespace upgrade_core::plan::internal
