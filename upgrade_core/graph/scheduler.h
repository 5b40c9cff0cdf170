// File: scheduler.h
// -----------------------------------------------------------------------------
// Scheduler: an incremental ready-set over a DependencyGraph, for callers that
// schedule work themselves (like graphlib.TopologicalSorter's get_ready() /
// done(), or Ninja's FindWork() / EdgeFinished()).
//
//   Scheduler s(graph);
//   while (s.IsActive()) {
//     for (NodeId n : s.Ready()) Start(n);  // each id handed out once
//     auto [n, ok] = WaitForOne();
//     if (ok) {
//       UC_RETURN_IF_ERROR(s.Done(n));
//     } else {
//       UC_ASSIGN_OR_RETURN(std::vector<NodeId> blocked, s.Failed(n));
//       Report(n, blocked);  // dependents that will never run
//     }
//   }
//
// A node becomes ready once all its dependencies are done. Failed(n) blocks
// every transitive dependent of n that has not finished (they will never be
// ready) and returns them. IsActive() is true while some node is ready or
// running; when it turns false every node is done, failed or blocked.
//
// "graph" must outlive the Scheduler. Not thread-safe.
#ifndef UPGRADE_CORE_GRAPH_SCHEDULER_H_
#define UPGRADE_CORE_GRAPH_SCHEDULER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/graph/dependency_graph.h"

namespace upgrade_core::graph {

enum class NodeState : uint8_t {
  kWaiting,  // some dependency is not done yet
  kReady,    // all dependencies done; not yet handed out by Ready()
  kRunning,  // handed out by Ready(); awaiting Done() or Failed()
  kDone,     // reported done
  kFailed,   // reported failed
  kBlocked,  // a transitive dependency failed; will never run
};

// "waiting", "ready", "running", "done", "failed", "blocked".
absl::string_view NodeStateName(NodeState state);

class Scheduler {
 public:
  explicit Scheduler(const DependencyGraph& graph);

  // Nodes that became ready since the last call, in declaration order; each
  // node is returned once and becomes kRunning.
  std::vector<NodeId> Ready();

  // Marks a running node done, releasing its dependents.
  // kInvalidArgument for an unknown node; kFailedPrecondition if the node is
  // not running (never handed out by Ready(), or already reported), naming
  // the node and its state.
  absl::Status Done(NodeId node);

  // Marks a running node failed and blocks every transitive dependent not
  // already blocked; returns those newly blocked, in declaration order.
  // Errors as for Done().
  absl::StatusOr<std::vector<NodeId>> Failed(NodeId node);

  // True while some node is ready or running (more calls can make progress).
  bool IsActive() const { return ready_count_ + running_count_ > 0; }

  NodeState state(NodeId node) const { return state_[node]; }
  size_t num_done() const { return done_count_; }
  size_t num_failed() const { return failed_count_; }
  size_t num_blocked() const { return blocked_count_; }
  // True once every node is done (nothing failed or blocked).
  bool AllDone() const { return done_count_ == graph_->size(); }

 private:
  absl::Status CheckRunning(NodeId node, absl::string_view verb) const;

  const DependencyGraph* graph_;
  std::vector<NodeState> state_;
  std::vector<uint32_t> pending_;  // dependencies not yet done
  std::vector<NodeId> ready_;      // kReady nodes, not yet handed out
  size_t ready_count_ = 0;
  size_t running_count_ = 0;
  size_t done_count_ = 0;
  size_t failed_count_ = 0;
  size_t blocked_count_ = 0;
};

}  // namespace upgrade_core::graph

#endif  // UPGRADE_CORE_GRAPH_SCHEDULER_H_
