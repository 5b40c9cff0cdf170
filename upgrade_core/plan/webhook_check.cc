// webhook.*: an admission webhook with failurePolicy: Fail (Kubernetes'
// default) rejects every request it intercepts while its server is down, and
// must not be registered for the new version before its server serves it.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/plan/checks.h"

namespace upgrade_core::plan::internal {

void CheckWebhooks(CheckContext& ctx) {
  using diag::Severity;
  const proto::UpgradePlan& plan = ctx.plan;
  for (int w = 0; w < plan.components_size(); ++w) {
    const proto::Component& hook = plan.components(w);
    if (hook.kind() != proto::WEBHOOK || !hook.has_webhook()) continue;
    const proto::WebhookSpec& spec = hook.webhook();
    const std::string path = absl::StrCat("components[", w, "].webhook");
    const proto::SourceLocation* loc =
        spec.location().line() > 0 ? &spec.location() : nullptr;
    if (spec.served_by().empty()) continue;
    std::optional<int> server = ctx.Find(spec.served_by());
    if (!server) {
      const std::string guess = ctx.SuggestId(spec.served_by());
      ctx.Add(
          Severity::kError, "webhook.unknown-server", w,
          absl::StrCat(path, ".servedBy"),
          absl::StrCat("webhook \"", hook.id(), "\" is served by \"",
                       spec.served_by(),
                       "\", which is not a component of this plan"),
          guess.empty() ? "" : absl::StrCat("did you mean \"", guess, "\"?"),
          loc);
      continue;
    }
    // Kubernetes' default failurePolicy (admissionregistration/v1) is Fail.
    if (spec.failure_policy() == proto::IGNORE) continue;
    const Resolved& r = ctx.resolved[*server];
    const std::string& server_id = plan.components(*server).id();
    if (r.min_available <= 0) {
      ctx.Add(Severity::kError, "webhook.server-unavailable", w, path,
              absl::StrCat(
                  "webhook \"", hook.id(),
                  "\" (failurePolicy: Fail) is served by \"", server_id,
                  "\", which has no ready instance while it upgrades (",
                  ctx.Describe(*server),
                  "): every API request the webhook intercepts is rejected "
                  "until it is back"),
              absl::StrCat(
                  "set failurePolicy: Ignore for the duration of the upgrade, "
                  "or give \"",
                  server_id, "\" a strategy that keeps an instance serving"),
              loc);
    }
    if (!ctx.graph) continue;
    // A node can only depend on nodes of lower generations: skip the O(N)
    // search when the generations already rule it out.
    bool ordered = false;
    if (ctx.graph->wave_of(w) > ctx.graph->wave_of(*server)) {
      absl::StatusOr<std::vector<graph::NodeId>> deps =
          ctx.graph->TransitiveDependencies({static_cast<graph::NodeId>(w)});
      ordered =
          deps.ok() && std::binary_search(deps->begin(), deps->end(),
                                          static_cast<graph::NodeId>(*server));
    }
    if (!ordered) {
      ctx.Add(Severity::kError, "webhook.order", w,
              absl::StrCat("components[", w, "].dependsOn"),
              absl::StrCat(
                  "webhook \"", hook.id(),
                  "\" (failurePolicy: Fail) does not depend on its server \"",
                  server_id,
                  "\": it may be registered for the new version before \"",
                  server_id, "\" serves it"),
              absl::StrCat(
                  "add \"", server_id, "\" to the dependsOn of \"", hook.id(),
                  "\", or set failurePolicy: Ignore during the upgrade"));
    }
  }
}

}  // namespace upgrade_core::plan::internal
