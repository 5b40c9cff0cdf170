// File: cyclic_components.cc
// -----------------------------------------------------------------------------
// Tarjan's strongly connected components (iterative) and the shortest cycle
// through each cyclic one; see cyclic_components.h. Kept apart from the
// builder because it is the one graph algorithm the builder, the validation
// and the diagrams all need, and the one that is easiest to get subtly wrong.
#include "upgrade_core/graph/cyclic_components.h"

#include <algorithm>
#include <utility>

namespace upgrade_core::graph::internal {

bool AllPlaced(absl::Span<const uint32_t> level) {
  for (uint32_t l : level) {
    if (l == kUnplaced) return false;
  }
  return true;
}

namespace {

// Tarjan's algorithm over the unplaced nodes; returns the components with
// more than one node, in no particular order.
std::vector<CyclicComponent> StronglyConnected(
    absl::Span<const uint32_t> off, absl::Span<const NodeId> adj,
    absl::Span<const uint32_t> level) {
  const size_t n = level.size();
  std::vector<uint32_t> index(n, kUnplaced), low(n, 0);
  std::vector<uint8_t> on_stack(n, 0);
  std::vector<NodeId> stack;
  struct Frame {
    NodeId v;
    uint32_t pos;  // next edge of v to follow
  };
  std::vector<Frame> frames;
  uint32_t counter = 0;
  std::vector<CyclicComponent> comps;
  for (NodeId root = 0; root < n; ++root) {
    if (level[root] != kUnplaced || index[root] != kUnplaced) continue;
    index[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = 1;
    frames.push_back({root, off[root]});
    while (!frames.empty()) {
      Frame& top = frames.back();
      const NodeId v = top.v;
      if (top.pos < off[v + 1]) {
        const NodeId w = adj[top.pos++];
        if (level[w] != kUnplaced) continue;  // placed: on no cycle
        if (index[w] == kUnplaced) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = 1;
          frames.push_back({w, off[w]});  // invalidates `top`
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      frames.pop_back();
      if (!frames.empty()) {
        const NodeId u = frames.back().v;
        low[u] = std::min(low[u], low[v]);
      }
      if (low[v] != index[v]) continue;
      CyclicComponent comp;
      NodeId w;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[w] = 0;
        comp.members.push_back(w);
      } while (w != v);
      // Without self edges a one-node component is acyclic: a node behind a
      // cycle.
      if (comp.members.size() > 1) comps.push_back(std::move(comp));
    }
  }
  return comps;
}

}  // namespace

CyclicComponents FindCyclicComponents(absl::Span<const uint32_t> off,
                                      absl::Span<const NodeId> adj,
                                      absl::Span<const uint32_t> level) {
  const size_t n = level.size();
  CyclicComponents result;
  std::vector<CyclicComponent>& comps = result.components;
  comps = StronglyConnected(off, adj, level);
  for (CyclicComponent& c : comps) {
    std::sort(c.members.begin(), c.members.end());
  }
  std::sort(comps.begin(), comps.end(),
            [](const CyclicComponent& a, const CyclicComponent& b) {
              return a.members[0] < b.members[0];
            });
  std::vector<uint32_t>& comp_of = result.component_of;
  comp_of.assign(n, kUnplaced);
  for (uint32_t c = 0; c < comps.size(); ++c) {
    for (NodeId v : comps[c].members) comp_of[v] = c;
  }
  // Shortest cycle through each component's first node: BFS inside the
  // component until an edge leads back to it. Total work is linear.
  std::vector<NodeId> parent(n, kUnplaced);
  std::vector<NodeId> queue;
  for (uint32_t c = 0; c < comps.size(); ++c) {
    const NodeId s = comps[c].members[0];
    queue.assign(1, s);
    parent[s] = s;
    NodeId closing = kUnplaced;  // last node of the cycle (its edge goes to s)
    for (size_t head = 0; head < queue.size() && closing == kUnplaced; ++head) {
      const NodeId v = queue[head];
      for (uint32_t i = off[v]; i < off[v + 1]; ++i) {
        const NodeId w = adj[i];
        if (comp_of[w] != c) continue;
        if (w == s) {
          closing = v;
          break;
        }
        if (parent[w] == kUnplaced) {
          parent[w] = v;
          queue.push_back(w);
        }
      }
    }
    // The BFS followed dependents (s <- ... <- closing <- s); read back, the
    // parent chain is the cycle in "depends on" order.
    std::vector<NodeId>& cycle = comps[c].cycle;
    cycle.push_back(s);
    for (NodeId v = closing; v != s; v = parent[v]) cycle.push_back(v);
    cycle.push_back(s);
    for (NodeId v : queue) parent[v] = kUnplaced;
  }
  return result;
}

}  // namespace upgrade_core::graph::internal
