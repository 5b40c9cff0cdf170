// File: check_context.h
// -----------------------------------------------------------------------------
// INTERNAL to upgrade_core/plan: not part of the public API. The header is in
// the `planner` target's srcs, so nothing outside that target can include it;
// callers use CheckPlan/CompilePlan (planner.h).
//
// CheckContext: what the plan checks (checks.h) share while they run over one
// plan, and what CompilePlan reads afterwards: the plan and the options, the
// diagnostics being collected (Add), the dependency graph and its waves, each
// component's resolved strategy, and the lookups several checks need
// (component by id, did-you-mean over ids, a dependsOn entry's index).
//
// The checks fill the shared results in the order RunChecks (planner.cc)
// calls them: BuildGraph sets `graph`, ResolveStrategies sets `resolved`,
// ComputeWaves sets `waves` and `wave_of`. Not thread-safe; one context per
// CheckPlan/CompilePlan call. The plan and the options must outlive it.
#ifndef UPGRADE_CORE_PLAN_CHECK_CONTEXT_H_
#define UPGRADE_CORE_PLAN_CHECK_CONTEXT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/graph/dependency_graph.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/proto/plan.pb.h"

namespace upgrade_core::plan::internal {

// How one component will be replaced, resolved from its kind and strategy.
struct Resolved {
  proto::StrategyType strategy = proto::TERMINATE_FIRST;
  int64_t count = 1;        // replicas, or nodes for a DaemonSet
  int64_t surge = 0;        // instances above `count` during the rollout
  int64_t unavailable = 0;  // instances below `count` during the rollout
  int64_t min_available = 0;
  int64_t batch = 1;  // instances replaced at a time
};

// "1 node" / "3 nodes" for a DaemonSet, "1 instance" / "3 instances" else.
std::string CountNoun(const proto::Component& c, int64_t n);

class CheckContext {
 public:
  CheckContext(const proto::UpgradePlan& plan, const PlannerOptions& options);
  CheckContext(const CheckContext&) = delete;
  CheckContext& operator=(const CheckContext&) = delete;

  const proto::UpgradePlan& plan;
  const PlannerOptions& options;

  // Every problem found so far, in the order found (RunChecks puts errors
  // first at the end).
  std::vector<diag::Diagnostic> diagnostics;
  // The component dependency graph; nullopt when it has problems (unknown
  // ends, self-dependencies, cycles), which BuildGraph reported.
  std::optional<graph::DependencyGraph> graph;
  // Waves of at most policy.maxParallel components, and each component's
  // wave. Empty without a graph.
  graph::Waves waves;
  std::vector<uint32_t> wave_of;
  // One per component, in plan order (ResolveStrategies).
  std::vector<Resolved> resolved;

  // Records a problem about component `component` (-1: about the plan) at
  // `path`. `location` defaults to the component's own location.
  diag::Diagnostic& Add(diag::Severity severity, absl::string_view code,
                        int component, std::string path, std::string message,
                        std::string hint,
                        const proto::SourceLocation* location = nullptr);

  // The index of the component with this id.
  std::optional<int> Find(absl::string_view id) const;
  // "did you mean" over every component id ("" when nothing is close), built
  // on first use and shared by every lookup (so 100k unknown names stay
  // linear, see Suggester).
  std::string SuggestId(absl::string_view word);
  // Index of `target` in component i's dependsOn (its first occurrence), or
  // its dependsOn size when absent.
  int DependsOnIndex(int i, absl::string_view target);
  // Where component i's strategy is written, or nullptr (then Add uses the
  // component's location).
  const proto::SourceLocation* StrategyLocation(int i) const;
  // Component i's rollout in words, e.g. "RollingUpdate: maxUnavailable 1 of
  // 3 nodes". REQUIRES: `resolved` is filled.
  std::string Describe(int i) const;

 private:
  absl::flat_hash_map<absl::string_view, int> index_;  // lookup only
  std::optional<Suggester> id_suggester_;
  // DependsOnIndex's index of one long dependsOn list (the last component
  // asked about; -1: none yet).
  int depends_on_index_component_ = -1;
  absl::flat_hash_map<absl::string_view, int> depends_on_index_;
};

}  // namespace upgrade_core::plan::internal

#endif  // UPGRADE_CORE_PLAN_CHECK_CONTEXT_H_
