// File: cyclic_components.cc
// -----------------------------------------------------------------------------
// Tarjan's strongly connected components (iterative) and the shortest cycle
// through each cyclic one; see cyclic_components.h. Kept apart from the
// builder because it is the one graph algorithm the builder, the validation
// and the diagrams all need, and the one that is easiest to get subtly wrong.
#include "upgrade_core/graph/cyclic_components.h"

#include <algorithm>
#include <utility>

#include "absl/base/internal/prefetch.h"

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
//
// One array is touched per edge: `index` holds a node's DFS number while it
// is on the stack, kUnvisited before, and kDone once its component is
// finished (placed nodes start as kDone: they are on no cycle). A visited
// node that is not kDone is on the stack, so no separate on-stack flag is
// needed, and the low-link lives in the DFS frame, not in a per-node array.
// At a million nodes the walk is bound by cache misses; this keeps them to
// about one per edge.
std::vector<CyclicComponent> StronglyConnected(
    absl::Span<const uint32_t> off, absl::Span<const NodeId> adj,
    absl::Span<const uint32_t> level) {
  constexpr uint32_t kUnvisited = 0xffffffffu;
  constexpr uint32_t kDone = 0xfffffffeu;
  const size_t n = level.size();
  std::vector<uint32_t> index(n);
  for (size_t v = 0; v < n; ++v) {
    index[v] = level[v] == kUnplaced ? kUnvisited : kDone;
  }
  std::vector<NodeId> stack;
  struct Frame {
    NodeId v;
    uint32_t pos;  // next edge of v to follow
    uint32_t end;  // off[v + 1]
    uint32_t low;  // v's low-link
  };
  std::vector<Frame> frames;
  uint32_t counter = 0;
  std::vector<CyclicComponent> comps;
  for (NodeId root = 0; root < n; ++root) {
    if (index[root] != kUnvisited) continue;
    index[root] = counter;
    stack.push_back(root);
    frames.push_back({root, off[root], off[root + 1], counter});
    ++counter;
    while (!frames.empty()) {
      Frame& top = frames.back();
      if (top.pos < top.end) {
        const NodeId w = adj[top.pos++];
        const uint32_t iw = index[w];
        if (iw == kUnvisited) {
          index[w] = counter;
          stack.push_back(w);
          const uint32_t begin = off[w], end = off[w + 1];
          // The states of w's dependents, fetched together rather than one
          // miss per edge as the walk comes back to w.
          for (uint32_t i = begin; i < end; ++i) {
            absl::base_internal::PrefetchT0(&index[adj[i]]);
          }
          frames.push_back({w, begin, end, counter});  // invalidates `top`
          ++counter;
        } else if (iw != kDone) {  // on the stack
          top.low = std::min(top.low, iw);
        }
        continue;
      }
      const NodeId v = top.v;
      const uint32_t low = top.low;
      frames.pop_back();
      if (!frames.empty()) {
        frames.back().low = std::min(frames.back().low, low);
      }
      if (low != index[v]) continue;
      if (stack.back() == v) {
        // Without self edges a one-node component is acyclic: a node behind
        // a cycle.
        stack.pop_back();
        index[v] = kDone;
        continue;
      }
      CyclicComponent comp;
      NodeId w;
      do {
        w = stack.back();
        stack.pop_back();
        index[w] = kDone;
        comp.members.push_back(w);
      } while (w != v);
      comps.push_back(std::move(comp));
    }
  }
  return comps;
}

// The unplaced nodes that can still be on a cycle. Kahn's algorithm (the
// build) already peeled the sources: every unplaced node has an unplaced
// dependency. This peels the sinks the same way, backwards: an unplaced node
// none of whose dependents is unplaced (a node merely behind a cycle) cannot
// be on one, and neither can a node whose unplaced dependents were all
// peeled. Returns a level-like array: kUnplaced for the survivors, 0 for
// everything else. A graph with one back edge leaves most of its nodes
// behind the cycle; they are dropped here by a linear pass with prefetching,
// instead of being walked one dependent cache miss at a time by Tarjan's
// depth-first search.
struct Trimmed {
  // kUnplaced for the nodes that survived the peel, 0 for the others.
  std::vector<uint32_t> live;
  // The dependency arcs among the unplaced nodes (peeled ones included): the
  // dependencies of w are deps[dep_off[w], dep_off[w + 1]).
  std::vector<uint32_t> dep_off;
  std::vector<NodeId> deps;
};

Trimmed TrimSinks(absl::Span<const uint32_t> off, absl::Span<const NodeId> adj,
                  absl::Span<const uint32_t> level) {
  using absl::base_internal::PrefetchT0;
  constexpr size_t kAhead = 16;  // prefetch distance, in edges
  const size_t n = level.size();
  const size_t m = adj.size();
  // live[v]: v's unplaced dependents not yet peeled (0 for placed nodes).
  std::vector<uint32_t> live(n, 0);
  // The dependency arcs among unplaced nodes, as a CSR by dependent:
  // `dep_off[w]` is first w's arc count (kPlacedMark for a placed w, so one
  // random access per edge both tests and counts), then the end of w's list,
  // then its start. `kept` marks the edges counted, so the second pass needs
  // no test at all.
  constexpr uint32_t kPlacedMark = 0x80000000u;
  std::vector<uint32_t> dep_off(n + 1, 0);
  for (size_t v = 0; v < n; ++v) {
    if (level[v] != kUnplaced) dep_off[v] = kPlacedMark;
  }
  std::vector<uint64_t> kept((m + 63) / 64, 0);
  size_t arcs = 0;
  // Rows are visited in NodeId order, so edge indices only grow: prefetch
  // by edge index, across rows.
  for (NodeId v = 0; v < n; ++v) {
    if (level[v] != kUnplaced) continue;
    for (uint32_t i = off[v], e = off[v + 1]; i < e; ++i) {
      if (i + kAhead < m) PrefetchT0(&dep_off[adj[i + kAhead]]);
      uint32_t& count = dep_off[adj[i]];
      if (count & kPlacedMark) continue;
      ++count;
      ++live[v];
      ++arcs;
      kept[i / 64] |= uint64_t{1} << (i % 64);
    }
  }
  uint32_t sum = 0;
  for (size_t v = 0; v < n; ++v) {
    if (!(dep_off[v] & kPlacedMark)) sum += dep_off[v];
    dep_off[v] = sum;
  }
  dep_off[n] = sum;
  std::vector<NodeId> deps(arcs);
  for (NodeId v = 0; v < n; ++v) {
    if (level[v] != kUnplaced) continue;
    for (uint32_t i = off[v], e = off[v + 1]; i < e; ++i) {
      if (i + kAhead < m) PrefetchT0(&dep_off[adj[i + kAhead]]);
      if (kept[i / 64] >> (i % 64) & 1) deps[--dep_off[adj[i]]] = v;
    }
  }
  std::vector<uint64_t>().swap(kept);
  std::vector<NodeId> queue;
  for (NodeId v = 0; v < n; ++v) {
    if (level[v] == kUnplaced && live[v] == 0) queue.push_back(v);
  }
  for (size_t head = 0; head < queue.size(); ++head) {
    // As in Kahn's pass (DependencyGraph::ComputeLevels): the row bounds 8
    // nodes ahead, the row 4 ahead, the counts the row 2 ahead decrements.
    if (head + 8 < queue.size()) PrefetchT0(&dep_off[queue[head + 8]]);
    if (head + 4 < queue.size()) {
      PrefetchT0(deps.data() + dep_off[queue[head + 4]]);
    }
    if (head + 2 < queue.size()) {
      const NodeId u = queue[head + 2];
      for (uint32_t i = dep_off[u]; i < dep_off[u + 1]; ++i) {
        PrefetchT0(&live[deps[i]]);
      }
    }
    const NodeId w = queue[head];
    for (uint32_t i = dep_off[w]; i < dep_off[w + 1]; ++i) {
      if (--live[deps[i]] == 0) queue.push_back(deps[i]);
    }
  }
  for (uint32_t& l : live) l = l > 0 ? kUnplaced : 0;
  return {std::move(live), std::move(dep_off), std::move(deps)};
}

// Marks (sets `mark` on) every node reachable from `start` along the CSR
// `off`/`adj` whose state is `from`, and returns them. Breadth-first, so the
// cache misses of a whole frontier overlap (prefetched like Kahn's pass),
// unlike a depth-first walk's.
std::vector<NodeId> Reach(absl::Span<const uint32_t> off,
                          absl::Span<const NodeId> adj, NodeId start,
                          std::vector<uint8_t>& state, uint8_t from,
                          uint8_t mark) {
  using absl::base_internal::PrefetchT0;
  std::vector<NodeId> queue{start};
  state[start] = mark;
  for (size_t head = 0; head < queue.size(); ++head) {
    if (head + 8 < queue.size()) PrefetchT0(&off[queue[head + 8]]);
    if (head + 4 < queue.size()) PrefetchT0(adj.data() + off[queue[head + 4]]);
    if (head + 2 < queue.size()) {
      const NodeId u = queue[head + 2];
      for (uint32_t i = off[u]; i < off[u + 1]; ++i) {
        PrefetchT0(&state[adj[i]]);
      }
    }
    const NodeId v = queue[head];
    for (uint32_t i = off[v]; i < off[v + 1]; ++i) {
      const NodeId w = adj[i];
      if (state[w] == from) {
        state[w] = mark;
        queue.push_back(w);
      }
    }
  }
  return queue;
}

// The strongly connected components with more than one node among the
// unplaced nodes, in no particular order. After the peel, one component is
// often most of what is left (one back edge closes a cycle through a large
// part of the graph): the component of the first survivor is found first as
// the intersection of what it reaches and what reaches it (two breadth-first
// passes), and Tarjan's depth-first search runs on the rest only. Each node
// and edge is visited at most three times: linear.
std::vector<CyclicComponent> CyclicSccs(absl::Span<const uint32_t> off,
                                        absl::Span<const NodeId> adj,
                                        absl::Span<const uint32_t> level) {
  Trimmed t = TrimSinks(off, adj, level);
  const size_t n = level.size();
  NodeId pivot = 0;
  while (pivot < n && t.live[pivot] != kUnplaced) ++pivot;
  if (pivot == n) return {};
  // 0: not a candidate; 1: survivor; 2: reached from the pivot; 3: also
  // reaches it (the pivot's component).
  enum : uint8_t { kOut, kLive, kForward, kComponent };
  std::vector<uint8_t> state(n, kOut);
  for (size_t v = 0; v < n; ++v) {
    if (t.live[v] == kUnplaced) state[v] = kLive;
  }
  Reach(off, adj, pivot, state, kLive, kForward);
  // Backwards within the forward set: every node on a path from a forward
  // node to the pivot is itself forward.
  std::vector<NodeId> members =
      Reach(t.dep_off, t.deps, pivot, state, kForward, kComponent);
  std::vector<uint32_t>().swap(t.dep_off);
  std::vector<NodeId>().swap(t.deps);
  // Tarjan on the survivors outside the pivot's component (which is closed:
  // edges into it only lead to a finished component).
  for (size_t v = 0; v < n; ++v) {
    t.live[v] = state[v] == kLive || state[v] == kForward ? kUnplaced : 0;
  }
  std::vector<CyclicComponent> comps = StronglyConnected(off, adj, t.live);
  if (members.size() > 1) {
    comps.emplace_back().members = std::move(members);
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
  std::vector<CyclicComponent> found = CyclicSccs(off, adj, level);
  // Members in ascending NodeId order and components by their smallest
  // member, from one scan over the nodes instead of sorting: the first
  // member met of each component is its smallest, and gives its rank.
  std::vector<uint32_t>& comp_of = result.component_of;
  comp_of.assign(n, kUnplaced);
  for (uint32_t c = 0; c < found.size(); ++c) {
    for (NodeId v : found[c].members) comp_of[v] = c;
  }
  std::vector<uint32_t> rank(found.size(), kUnplaced);
  comps.reserve(found.size());
  for (NodeId v = 0; v < n; ++v) {
    const uint32_t c = comp_of[v];
    if (c == kUnplaced) continue;
    if (rank[c] == kUnplaced) {
      rank[c] = static_cast<uint32_t>(comps.size());
      comps.emplace_back().members.reserve(found[c].members.size());
      std::vector<NodeId>().swap(found[c].members);
    }
    comps[rank[c]].members.push_back(v);
    comp_of[v] = rank[c];
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
