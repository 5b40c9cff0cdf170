// File: cluster_loader.h
// -----------------------------------------------------------------------------
// Cluster files: the cluster a plan is simulated against, and what goes
// wrong in it, as YAML (docs/simulate.md, "Cluster files").
//
//   apiVersion: upgrade-core/v1
//   kind: Cluster
//   nodes: {count: 3, labels: {role: worker}}
//   timing:
//     components:
//       ingress-controller: {readiness: 20s}
//   faults:
//     - {type: step-fails, step: ingress-controller/verify, attempts: 1}
//
// Loaded like plans: every problem is collected with its file:line:column,
// unknown fields get a did-you-mean, scalars are strict (a string is not a
// number) and numbers are bounded. Given the compiled plan, names in the
// file (fault steps and components, timing and duration ids) are checked
// against it at load, with their locations, instead of at Simulate().
#ifndef UPGRADE_CORE_SIM_CLUSTER_LOADER_H_
#define UPGRADE_CORE_SIM_CLUSTER_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/sim/simulator.h"

namespace upgrade_core::sim {

// What a cluster file gives: the nodes, and the options it sets (timing,
// durations, faults, webhook traffic, horizon). options.seed is left 0: the
// seed is the caller's.
struct ClusterSpec {
  Cluster cluster;
  SimOptions options;
};

// InvalidArgument listing every problem ("file:line:col: error: path:
// message [code]"), the structured list attached as plan's problem payload
// (plan::ProblemsFromStatus reads it). `plan` may be null (no name checks).
absl::StatusOr<ClusterSpec> ClusterFromYaml(
    absl::string_view text, absl::string_view source = "<input>",
    const plan::ExecutionPlan* plan = nullptr);
// Reads `path` through the bounded file reader ("-" is standard input).
absl::StatusOr<ClusterSpec> LoadCluster(
    const std::string& path, const plan::ExecutionPlan* plan = nullptr);

}  // namespace upgrade_core::sim

#endif  // UPGRADE_CORE_SIM_CLUSTER_LOADER_H_
