// availability.*: each floor in policy.availability (a service that must keep
// minAvailable instances) against the components providing it. Components of
// one wave upgrade at the same time, so their downtimes add up.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/plan/checks.h"
#include "upgrade_core/plan/rollout.h"

namespace upgrade_core::plan::internal {
namespace {

using diag::Severity;

// The hint for a floor that the providers in `group` break: `allowed`
// instances of the service may be down at once.
std::string FloorHint(const CheckContext& ctx, const std::vector<int>& group,
                      int64_t allowed) {
  if (group.size() > 1) {
    return "order these providers with dependsOn so they upgrade in "
           "different waves, or lower their maxUnavailable";
  }
  const proto::Component& c = ctx.plan.components(group[0]);
  if (allowed >= 1 && ctx.resolved[group[0]].strategy != proto::ON_DELETE) {
    return absl::StrCat(
        "use type: RollingUpdate with maxUnavailable: ", allowed,
        c.exclusive().empty() ? "" : " and maxSurge: 0");
  }
  if (c.exclusive().empty()) {
    return "no instance may go down: use StartFirst or maxSurge: 1 with "
           "maxUnavailable: 0 (needs spare capacity)";
  }
  return "its exclusive resources forbid surging and the floor forbids "
         "any downtime: add capacity or lower minAvailable";
}

}  // namespace

void CheckAvailability(CheckContext& ctx) {
  const proto::UpgradePlan& plan = ctx.plan;
  std::map<std::string, std::vector<int>> providers;
  for (int i = 0; i < plan.components_size(); ++i) {
    for (const std::string& s : plan.components(i).provides()) {
      std::vector<int>& v = providers[s];
      if (v.empty() || v.back() != i) v.push_back(i);
    }
  }
  std::optional<Suggester> service_suggester;
  for (int f = 0; f < plan.policy().availability_size(); ++f) {
    const proto::AvailabilityFloor& floor = plan.policy().availability(f);
    const std::string path = absl::StrCat("policy.availability[", f, "]");
    const proto::SourceLocation* loc =
        floor.location().line() > 0 ? &floor.location() : nullptr;
    auto it = providers.find(floor.service());
    if (it == providers.end()) {
      if (!service_suggester) {
        std::vector<absl::string_view> names;
        for (const auto& [name, unused] : providers) names.push_back(name);
        service_suggester.emplace(std::move(names));
      }
      const std::string guess = service_suggester->Suggest(floor.service());
      ctx.Add(Severity::kError, "availability.unknown-service", -1, path,
              absl::StrCat("no component provides service \"", floor.service(),
                           "\""),
              guess.empty() ? "add the service to a component's provides:"
                            : absl::StrCat("did you mean \"", guess, "\"?"),
              loc);
      continue;
    }
    int64_t total = 0;
    for (int i : it->second) total += ctx.resolved[i].count;
    const IntOrString min = IntOrString::FromProto(floor.min_available());
    int64_t need = 0;
    if (min.is_int()) {
      need = min.int_value();
    } else if (min.IsValidPercent()) {
      // A PodDisruptionBudget's minAvailable percentage rounds up.
      absl::StatusOr<RolloutBudget> b = ResolveRolloutBudget(
          total, min, IntOrString::Int(0), RolloutKind::kDaemonSet, false);
      need = b.ok() ? b->surge : 0;
    } else {
      ctx.Add(
          Severity::kError, "availability.invalid", -1, path,
          absl::StrCat("minAvailable ", min.DebugString(),
                       " is neither a count nor a percentage such as \"50%\""),
          "", loc);
      continue;
    }
    if (need < 0) {
      ctx.Add(Severity::kError, "availability.invalid", -1, path,
              "minAvailable must be greater than or equal to 0", "", loc);
      continue;
    }
    if (need > total) {
      ctx.Add(Severity::kError, "availability.unreachable", -1, path,
              absl::StrCat("service \"", floor.service(), "\" needs ", need,
                           " available but its providers only have ", total,
                           " in total, even before the upgrade"),
              "lower minAvailable or add capacity", loc);
      continue;
    }
    // Components of one wave upgrade at the same time; waves run one
    // after another. Without waves (broken graph), judge each alone.
    std::map<uint32_t, std::vector<int>> by_wave;
    for (int i : it->second) {
      by_wave[ctx.graph ? ctx.wave_of[i] : static_cast<uint32_t>(i)].push_back(
          i);
    }
    for (const auto& [wave, group] : by_wave) {
      int64_t down = 0;
      for (int i : group) {
        down += ctx.resolved[i].count - ctx.resolved[i].min_available;
      }
      const int64_t remaining = total - down;
      if (remaining >= need) continue;
      std::vector<std::string> who;
      for (int i : group) {
        who.push_back(absl::StrCat("\"", plan.components(i).id(), "\" (",
                                   ctx.Describe(i), ")"));
      }
      const int64_t allowed = total - need;  // instances that may be down
      ctx.Add(Severity::kError, "availability.floor", group[0], path,
              absl::StrCat("service \"", floor.service(), "\" must keep ", need,
                           " of ", total, " available, but while ",
                           absl::StrJoin(who, " and "), " upgrade",
                           group.size() > 1 ? "" : "s", " only ", remaining,
                           " remain", remaining == 1 ? "s" : ""),
              FloorHint(ctx, group, allowed), loc);
    }
  }
}

}  // namespace upgrade_core::plan::internal
