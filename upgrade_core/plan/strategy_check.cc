// Strategies: how each component will be replaced (resolved from its kind
// and strategy with Kubernetes' rollout arithmetic, rollout.h), what
// Kubernetes would reject, and strategies that let old and new instances
// coexist on an exclusive resource.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/plan/checks.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/rollout.h"

namespace upgrade_core::plan::internal {
namespace {

using diag::Severity;

bool IsPerNode(absl::string_view resource) {
  return absl::StartsWith(resource, "hostPort:") ||
         absl::StartsWith(resource, "hostPath:") ||
         absl::StartsWith(resource, "device:") ||
         absl::StartsWith(resource, "node:");
}

proto::StrategyType DefaultStrategy(proto::ComponentKind kind) {
  switch (kind) {
    case proto::DEPLOYMENT:
    case proto::DAEMON_SET:
    case proto::STATEFUL_SET:
      return proto::ROLLING_UPDATE;  // the Kubernetes default
    default:
      return proto::TERMINATE_FIRST;
  }
}

void ResolveRolling(CheckContext& ctx, int i, const std::string& path) {
  const proto::Component& c = ctx.plan.components(i);
  Resolved& r = ctx.resolved[i];
  IntOrString surge = IntOrString::FromProto(c.strategy().max_surge());
  IntOrString unavailable =
      IntOrString::FromProto(c.strategy().max_unavailable());
  RolloutKind kind = RolloutKind::kDeployment;
  if (c.kind() == proto::DAEMON_SET) kind = RolloutKind::kDaemonSet;
  if (c.kind() == proto::STATEFUL_SET) {
    // StatefulSets replace pods in place (no surge); maxUnavailable
    // (default 1) rounds up like a DaemonSet's.
    if (surge.is_set() && !(surge.is_int() && surge.int_value() == 0) &&
        surge.str_value() != "0%") {
      ctx.Add(Severity::kError, "strategy.invalid", i,
              absl::StrCat(path, ".maxSurge"),
              "a StatefulSet cannot surge: its pods keep their identity and "
              "volumes, so a new pod starts only after the old one is gone",
              "remove maxSurge", ctx.StrategyLocation(i));
    }
    surge = IntOrString::Int(0);
    kind = RolloutKind::kDaemonSet;
  }
  const std::vector<std::string> rejected =
      ValidateRollingUpdate(kind, surge, unavailable);
  for (const std::string& message : rejected) {
    ctx.Add(Severity::kError, "strategy.invalid", i, path, message,
            absl::StrCat("Kubernetes rejects this ",
                         ComponentKindName(c.kind()), " rolling update"),
            ctx.StrategyLocation(i));
  }
  absl::StatusOr<RolloutBudget> budget = ResolveRolloutBudget(
      r.count, surge, unavailable, kind, /*validate=*/false);
  if (!budget.ok()) {
    if (rejected.empty()) {  // else already reported in Kubernetes' words
      ctx.Add(Severity::kError, "strategy.invalid", i, path,
              std::string(budget.status().message()), "",
              ctx.StrategyLocation(i));
    }
    r.unavailable = std::min<int64_t>(1, r.count);
    r.batch = 1;
    return;
  }
  r.surge = std::max<int64_t>(0, budget->surge);
  r.unavailable = std::clamp<int64_t>(budget->unavailable, 0, r.count);
  if (kind == RolloutKind::kDaemonSet) {
    // A DaemonSet replaces node by node: with surge, `surge` nodes at a
    // time; otherwise `unavailable` nodes at a time.
    r.batch = std::max<int64_t>(1, r.surge > 0 ? r.surge : r.unavailable);
  } else {
    r.batch = std::max<int64_t>(1, r.surge + r.unavailable);
  }
}

void ResolveOne(CheckContext& ctx, int i) {
  const proto::Component& c = ctx.plan.components(i);
  Resolved& r = ctx.resolved[i];
  if (c.kind() == proto::DAEMON_SET) {
    r.count = c.has_nodes() ? c.nodes() : 1;
  } else {
    r.count = c.has_replicas() ? c.replicas() : 1;
  }
  r.strategy = c.strategy().type() == proto::STRATEGY_TYPE_UNSPECIFIED
                   ? DefaultStrategy(c.kind())
                   : c.strategy().type();
  const std::string path = absl::StrCat("components[", i, "].strategy");
  if (r.strategy == proto::ROLLING_UPDATE || r.strategy == proto::ON_DELETE) {
    if (c.kind() == proto::JOB || c.kind() == proto::CRD ||
        c.kind() == proto::WEBHOOK) {
      ctx.Add(Severity::kError, "strategy.unsupported", i, path,
              absl::StrCat("a ", ComponentKindName(c.kind()), " cannot use ",
                           StrategyTypeName(r.strategy),
                           ": it has no pods to replace one by one"),
              "use type: TerminateFirst (or StartFirst)",
              ctx.StrategyLocation(i));
      r.strategy = proto::TERMINATE_FIRST;
    }
  }
  switch (r.strategy) {
    case proto::TERMINATE_FIRST:
      r.unavailable = r.count;
      r.batch = std::max<int64_t>(r.count, 1);
      break;
    case proto::START_FIRST:
      r.surge = r.count;
      r.batch = std::max<int64_t>(r.count, 1);
      break;
    case proto::ON_DELETE:
      r.unavailable = std::min<int64_t>(1, r.count);
      r.batch = 1;
      break;
    default:
      ResolveRolling(ctx, i, path);
      break;
  }
  r.min_available = std::max<int64_t>(0, r.count - r.unavailable);
}

}  // namespace

void ResolveStrategies(CheckContext& ctx) {
  ctx.resolved.resize(ctx.plan.components_size());
  for (int i = 0; i < ctx.plan.components_size(); ++i) ResolveOne(ctx, i);
}

void CheckExclusiveStrategies(CheckContext& ctx) {
  for (int i = 0; i < ctx.plan.components_size(); ++i) {
    const proto::Component& c = ctx.plan.components(i);
    if (c.exclusive().empty()) continue;
    const Resolved& r = ctx.resolved[i];
    const std::string resources = absl::StrJoin(c.exclusive(), ", ");
    bool per_node = false;
    for (const std::string& e : c.exclusive()) per_node |= IsPerNode(e);
    const std::string scope = per_node ? " on each node" : "";
    const std::string path = absl::StrCat("components[", i, "].strategy");
    if (r.strategy == proto::START_FIRST) {
      ctx.Add(Severity::kError, "exclusive.start-first", i, path,
              absl::StrCat(
                  "\"", c.id(), "\" holds ", resources, " exclusively", scope,
                  ", but StartFirst starts the new instance while the old one "
                  "still holds it: the new instance can never become ready "
                  "and the upgrade hangs"),
              "use type: TerminateFirst (old stopped and gone before the new "
              "starts)",
              ctx.StrategyLocation(i));
    } else if (r.strategy == proto::ROLLING_UPDATE && r.surge > 0) {
      ctx.Add(
          Severity::kError, "exclusive.surge", i,
          absl::StrCat(path, ".maxSurge"),
          absl::StrCat(
              "\"", c.id(), "\" holds ", resources, " exclusively", scope,
              ", but its rolling update surges (maxSurge resolves to ", r.surge,
              " of ", CountNoun(c, r.count), "): a surge pod needs ",
              per_node
                  ? "the port/resource on a node whose old pod still holds it"
                  : "the resource the old pod still holds",
              ", so it can never start and the rollout hangs"),
          "set maxSurge: 0 with maxUnavailable: 1 so each old pod is "
          "terminated "
          "before its replacement starts (or use type: TerminateFirst)",
          ctx.StrategyLocation(i));
    }
  }
}

void WarnOnDelete(CheckContext& ctx) {
  for (int i = 0; i < ctx.plan.components_size(); ++i) {
    if (ctx.resolved[i].strategy == proto::ON_DELETE) {
      ctx.Add(Severity::kWarning, "strategy.on-delete", i,
              absl::StrCat("components[", i, "].strategy"),
              "OnDelete: new pods start only when someone deletes the old "
              "ones; the "
              "plan waits for the operator",
              "", ctx.StrategyLocation(i));
    }
  }
}

}  // namespace upgrade_core::plan::internal
