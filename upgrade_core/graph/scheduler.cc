// File: scheduler.cc
// -----------------------------------------------------------------------------
// Ready-set bookkeeping: a pending-dependency count per node, decremented by
// Done(); a node whose count reaches zero joins the ready list.
#include "upgrade_core/graph/scheduler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::graph {

absl::string_view NodeStateName(NodeState state) {
  switch (state) {
    case NodeState::kWaiting:
      return "waiting";
    case NodeState::kReady:
      return "ready";
    case NodeState::kRunning:
      return "running";
    case NodeState::kDone:
      return "done";
    case NodeState::kFailed:
      return "failed";
    case NodeState::kBlocked:
      return "blocked";
  }
  return "unknown";
}

Scheduler::Scheduler(const DependencyGraph& graph)
    : graph_(&graph),
      state_(graph.size(), NodeState::kWaiting),
      pending_(graph.size()) {
  for (NodeId v = 0; v < graph.size(); ++v) {
    for (NodeId w : graph.dependents(v)) ++pending_[w];
  }
  for (NodeId v = 0; v < graph.size(); ++v) {
    if (pending_[v] == 0) {
      state_[v] = NodeState::kReady;
      ready_.push_back(v);
    }
  }
  ready_count_ = ready_.size();
}

std::vector<NodeId> Scheduler::Ready() {
  std::vector<NodeId> out;
  out.swap(ready_);
  // Done() appends in completion order; hand out in declaration order.
  std::sort(out.begin(), out.end());
  for (NodeId v : out) state_[v] = NodeState::kRunning;
  running_count_ += out.size();
  ready_count_ = 0;
  return out;
}

absl::Status Scheduler::CheckRunning(NodeId node,
                                     absl::string_view verb) const {
  if (node >= graph_->size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot mark node ", node, " ", verb, ": the graph has ",
                     graph_->size(), " nodes"));
  }
  if (state_[node] != NodeState::kRunning) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot mark \"", graph_->id(node), "\" ", verb, ": it is ",
        NodeStateName(state_[node]),
        state_[node] == NodeState::kWaiting || state_[node] == NodeState::kReady
            ? " (only nodes handed out by ready() can finish)"
            : " (each node finishes once)"));
  }
  return absl::OkStatus();
}

absl::Status Scheduler::Done(NodeId node) {
  UC_RETURN_IF_ERROR(CheckRunning(node, "done"));
  state_[node] = NodeState::kDone;
  --running_count_;
  ++done_count_;
  for (NodeId w : graph_->dependents(node)) {
    if (--pending_[w] == 0 && state_[w] == NodeState::kWaiting) {
      state_[w] = NodeState::kReady;
      ready_.push_back(w);
      ++ready_count_;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<NodeId>> Scheduler::Failed(NodeId node) {
  UC_RETURN_IF_ERROR(CheckRunning(node, "failed"));
  state_[node] = NodeState::kFailed;
  --running_count_;
  ++failed_count_;
  // Every transitive dependent is still waiting (it needs `node` done) or
  // already blocked by an earlier failure; blocked ones were fully expanded
  // then, so the walk stops at them.
  std::vector<NodeId> blocked;
  std::vector<NodeId> stack(graph_->dependents(node).begin(),
                            graph_->dependents(node).end());
  while (!stack.empty()) {
    const NodeId v = stack.back();
    stack.pop_back();
    if (state_[v] != NodeState::kWaiting) continue;
    state_[v] = NodeState::kBlocked;
    blocked.push_back(v);
    for (NodeId w : graph_->dependents(v)) stack.push_back(w);
  }
  blocked_count_ += blocked.size();
  std::sort(blocked.begin(), blocked.end());
  return blocked;
}

}  // namespace upgrade_core::graph
