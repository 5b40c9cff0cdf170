// File: dependency_graph.cc
// -----------------------------------------------------------------------------
// Algorithms over the CSR arrays. Everything is linear except the stable
// topological order and capped waves, which need a priority queue.
#include "upgrade_core/graph/dependency_graph.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <utility>

#include "absl/base/internal/prefetch.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/graph/forward_index.h"
#include "upgrade_core/graph/name_table.h"

namespace upgrade_core::graph {
namespace {

constexpr uint32_t kUnplaced = 0xffffffffu;

// Marks every node reachable from `seeds` along `off`/`adj` (excluding the
// seeds unless reached again) and returns them in NodeId order.
std::vector<NodeId> Reach(const std::vector<uint32_t>& off,
                          const std::vector<NodeId>& adj, size_t n,
                          absl::Span<const NodeId> seeds) {
  std::vector<uint8_t> seen(n, 0);
  std::vector<NodeId> stack;
  for (NodeId s : seeds) {
    for (uint32_t i = off[s]; i < off[s + 1]; ++i) {
      if (!seen[adj[i]]) {
        seen[adj[i]] = 1;
        stack.push_back(adj[i]);
      }
    }
  }
  size_t count = stack.size();
  while (!stack.empty()) {
    const NodeId v = stack.back();
    stack.pop_back();
    for (uint32_t i = off[v]; i < off[v + 1]; ++i) {
      const NodeId w = adj[i];
      if (!seen[w]) {
        seen[w] = 1;
        ++count;
        stack.push_back(w);
      }
    }
  }
  std::vector<NodeId> out;
  out.reserve(count);
  for (NodeId v = 0; v < n; ++v) {
    if (seen[v]) out.push_back(v);
  }
  return out;
}

}  // namespace

DependencyGraph::DependencyGraph()
    : names_(std::make_shared<internal::NameTable>()),
      rdep_off_(1, 0),
      forward_(std::make_shared<internal::ForwardIndex>()) {}
DependencyGraph::DependencyGraph(const DependencyGraph&) = default;
DependencyGraph& DependencyGraph::operator=(const DependencyGraph&) = default;
DependencyGraph::DependencyGraph(DependencyGraph&&) noexcept = default;
DependencyGraph& DependencyGraph::operator=(DependencyGraph&&) noexcept =
    default;
DependencyGraph::~DependencyGraph() = default;

absl::string_view DependencyGraph::id(NodeId node) const {
  return names_->name(node);
}

std::optional<NodeId> DependencyGraph::Find(absl::string_view id) const {
  return names_->Find(id);
}

absl::StatusOr<NodeId> DependencyGraph::Lookup(absl::string_view id) const {
  if (std::optional<NodeId> node = names_->Find(id)) return *node;
  return absl::NotFoundError(
      absl::StrCat("unknown node \"", id, "\": not in the graph"));
}

const internal::ForwardIndex& DependencyGraph::Forward() const {
  internal::ForwardIndex& f = *forward_;
  absl::call_once(f.once, [this, &f] {
    // Transpose the dependents CSR; visiting v in ascending order leaves each
    // dependency list ascending too.
    const size_t n = size();
    f.off.assign(n + 1, 0);
    for (NodeId w : rdeps_) ++f.off[w + 1];
    for (size_t v = 0; v < n; ++v) f.off[v + 1] += f.off[v];
    f.adj.resize(rdeps_.size());
    std::vector<uint32_t> next(f.off.begin(), f.off.end() - 1);
    for (NodeId v = 0; v < n; ++v) {
      for (NodeId w : dependents(v)) f.adj[next[w]++] = v;
    }
  });
  return f;
}

absl::Span<const NodeId> DependencyGraph::dependencies(NodeId node) const {
  const internal::ForwardIndex& f = Forward();
  return absl::MakeConstSpan(f.adj.data() + f.off[node],
                             f.off[node + 1] - f.off[node]);
}

std::vector<uint32_t> DependencyGraph::DependencyCounts() const {
  std::vector<uint32_t> count(rdep_off_.size() - 1, 0);
  for (NodeId w : rdeps_) ++count[w];
  return count;
}

const NodeAttributes DependencyGraph::attributes(NodeId node) const {
  return NodeAttributes{duration(node), weight(node)};
}

size_t DependencyGraph::ComputeLevels(std::vector<uint32_t> pending,
                                      std::vector<NodeId> scratch) {
  const size_t n = rdep_off_.size() - 1;  // size() is level_.size()
  // Below 2^31 nodes, a placed node's level goes into its own (now zero)
  // pending count with the top bit set, where the count just reached zero
  // (likely still cached), and the array becomes level_: no separate
  // random write per node, no extra array.
  constexpr uint32_t kPlaced = 0x80000000u;
  const bool in_place = n < kPlaced;
  // Below ~64k nodes the arrays stay in cache and prefetching only costs.
  const bool prefetch = n >= (1u << 16);
  if (!in_place) level_.assign(n, kUnplaced);
  num_levels_ = 0;
  std::vector<NodeId> queue = std::move(scratch);  // reuse its pages
  queue.resize(n);
  size_t tail = 0;
  for (NodeId v = 0; v < n; ++v) {
    if (pending[v] == 0) queue[tail++] = v;
  }
  size_t head = 0;
  uint32_t level = 0;
  while (head < tail) {
    const size_t end = tail;
    for (; head < end; ++head) {
      // Software pipelining over the queue (which already holds the next
      // level too): the row bounds of the node 8 ahead, the row of the one
      // 4 ahead, and the counts that the row 2 ahead will decrement, so the
      // cache misses of several nodes overlap instead of queueing up.
      if (prefetch && head + 8 < tail) {
        absl::base_internal::PrefetchT0(&rdep_off_[queue[head + 8]]);
      }
      if (prefetch && head + 4 < tail) {
        absl::base_internal::PrefetchT0(rdeps_.data() +
                                        rdep_off_[queue[head + 4]]);
      }
      if (prefetch && head + 2 < tail) {
        const NodeId u = queue[head + 2];
        for (uint32_t i = rdep_off_[u], e = rdep_off_[u + 1]; i < e; ++i) {
          absl::base_internal::PrefetchT0(&pending[rdeps_[i]]);
        }
      }
      const NodeId v = queue[head];
      if (in_place) {
        pending[v] = kPlaced | level;
      } else {
        level_[v] = level;
      }
      for (uint32_t i = rdep_off_[v], e = rdep_off_[v + 1]; i < e; ++i) {
        const NodeId w = rdeps_[i];
        if (--pending[w] == 0) queue[tail++] = w;
      }
    }
    ++level;
  }
  num_levels_ = level;
  if (in_place) {
    for (uint32_t& p : pending) p = (p & kPlaced) ? p & ~kPlaced : kUnplaced;
    level_ = std::move(pending);
  }
  return tail;
}

std::vector<NodeId> DependencyGraph::TopologicalOrder() const {
  const size_t n = size();
  std::vector<uint32_t> pending = DependencyCounts();
  std::priority_queue<NodeId, std::vector<NodeId>, std::greater<NodeId>> ready;
  for (NodeId v = 0; v < n; ++v) {
    if (pending[v] == 0) ready.push(v);
  }
  std::vector<NodeId> order;
  order.reserve(n);
  while (!ready.empty()) {
    const NodeId v = ready.top();
    ready.pop();
    order.push_back(v);
    for (NodeId w : dependents(v)) {
      if (--pending[w] == 0) ready.push(w);
    }
  }
  return order;
}

std::vector<NodeId> DependencyGraph::ReverseTopologicalOrder() const {
  std::vector<NodeId> order = TopologicalOrder();
  std::reverse(order.begin(), order.end());
  return order;
}

Waves DependencyGraph::ComputeWaves(const WaveOptions& options) const {
  const size_t n = size();
  Waves waves;
  if (options.max_parallel == 0 || options.max_parallel >= n) {
    // Counting sort of the precomputed levels: stable, so each wave is in
    // declaration order.
    waves.offsets.assign(num_levels_ + 1, 0);
    for (NodeId v = 0; v < n; ++v) ++waves.offsets[level_[v] + 1];
    for (size_t l = 0; l < num_levels_; ++l) {
      waves.offsets[l + 1] += waves.offsets[l];
    }
    std::vector<uint32_t> next(waves.offsets.begin(), waves.offsets.end() - 1);
    waves.nodes.resize(n);
    for (NodeId v = 0; v < n; ++v) waves.nodes[next[level_[v]]++] = v;
    return waves;
  }
  // Capped: list scheduling. The ready set is ordered by (uncapped level,
  // declaration order) so capped waves follow the uncapped plan's shape.
  const size_t cap = options.max_parallel;
  std::vector<uint32_t> pending = DependencyCounts();
  using Key = uint64_t;  // level << 32 | node
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> ready;
  auto key = [this](NodeId v) {
    return (static_cast<uint64_t>(level_[v]) << 32) | v;
  };
  for (NodeId v = 0; v < n; ++v) {
    if (pending[v] == 0) ready.push(key(v));
  }
  waves.nodes.reserve(n);
  waves.offsets.push_back(0);
  std::vector<NodeId> wave;
  while (!ready.empty()) {
    wave.clear();
    while (!ready.empty() && wave.size() < cap) {
      wave.push_back(static_cast<NodeId>(ready.top() & 0xffffffffu));
      ready.pop();
    }
    // Dependents released by this wave may only run in a later one.
    std::sort(wave.begin(), wave.end());
    for (NodeId v : wave) {
      waves.nodes.push_back(v);
      for (NodeId w : dependents(v)) {
        if (--pending[w] == 0) ready.push(key(w));
      }
    }
    waves.offsets.push_back(static_cast<uint32_t>(waves.nodes.size()));
  }
  return waves;
}

absl::StatusOr<std::vector<NodeId>> DependencyGraph::TransitiveDependents(
    absl::Span<const NodeId> nodes) const {
  for (NodeId v : nodes) {
    if (v >= size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "node ", v, " out of range (graph has ", size(), " nodes)"));
    }
  }
  return Reach(rdep_off_, rdeps_, size(), nodes);
}

absl::StatusOr<std::vector<NodeId>> DependencyGraph::TransitiveDependencies(
    absl::Span<const NodeId> nodes) const {
  for (NodeId v : nodes) {
    if (v >= size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "node ", v, " out of range (graph has ", size(), " nodes)"));
    }
  }
  const internal::ForwardIndex& f = Forward();
  return Reach(f.off, f.adj, size(), nodes);
}

CriticalPath DependencyGraph::ComputeCriticalPath() const {
  const size_t n = size();
  CriticalPath cp;
  cp.earliest_start.assign(n, 0.0);
  cp.latest_start.assign(n, 0.0);
  if (n == 0) return cp;
  // Any topological order works; waves are the cheapest one to get. Push
  // finish times forward along dependents, remembering for each node the
  // dependency that bounds its start (ties -> earliest declared).
  const Waves waves = ComputeWaves();
  std::vector<NodeId> bound_by(n, kUnplaced);
  for (NodeId v : waves.nodes) {
    const double finish = cp.earliest_start[v] + duration(v);
    for (NodeId w : dependents(v)) {
      double& es = cp.earliest_start[w];
      if (bound_by[w] == kUnplaced || finish > es ||
          (finish == es && v < bound_by[w])) {
        es = std::max(es, finish);
        bound_by[w] = v;
      }
    }
  }
  NodeId last = 0;
  double length = -1;
  for (NodeId v = 0; v < n; ++v) {  // ties -> earliest declared
    const double finish = cp.earliest_start[v] + duration(v);
    if (finish > length) {
      length = finish;
      last = v;
    }
  }
  cp.length = length;
  for (auto it = waves.nodes.rbegin(); it != waves.nodes.rend(); ++it) {
    const NodeId v = *it;
    double lf = length;  // latest finish
    for (NodeId w : dependents(v)) lf = std::min(lf, cp.latest_start[w]);
    cp.latest_start[v] = lf - duration(v);
  }
  for (NodeId v = last; v != kUnplaced; v = bound_by[v]) cp.path.push_back(v);
  std::reverse(cp.path.begin(), cp.path.end());
  return cp;
}

absl::StatusOr<DependencyGraph> DependencyGraph::Subgraph(
    absl::Span<const NodeId> nodes) const {
  for (NodeId v : nodes) {
    if (v >= size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "node ", v, " out of range (graph has ", size(), " nodes)"));
    }
  }
  const size_t n = size();
  const internal::ForwardIndex& f = Forward();
  std::vector<uint8_t> keep(n, 0);
  for (NodeId v : Reach(f.off, f.adj, n, nodes)) keep[v] = 1;
  for (NodeId v : nodes) keep[v] = 1;
  std::vector<NodeId> remap(n, kUnplaced);
  auto table = std::make_shared<internal::NameTable>();
  DependencyGraph sub;
  for (NodeId v = 0; v < n; ++v) {
    if (!keep[v]) continue;
    remap[v] = table->size();
    table->Intern(id(v));
    if (!duration_.empty()) sub.duration_.push_back(duration_[v]);
    if (!weight_.empty()) sub.weight_.push_back(weight_[v]);
  }
  sub.names_ = std::move(table);
  // Every dependency of a kept node is kept, so an edge survives iff its
  // dependent is kept; lists keep their order.
  sub.rdep_off_.clear();
  sub.rdep_off_.push_back(0);
  for (NodeId v = 0; v < n; ++v) {
    if (!keep[v]) continue;
    for (NodeId w : dependents(v)) {
      if (keep[w]) sub.rdeps_.push_back(remap[w]);
    }
    sub.rdep_off_.push_back(static_cast<uint32_t>(sub.rdeps_.size()));
  }
  sub.ComputeLevels(sub.DependencyCounts());
  return sub;
}

size_t DependencyGraph::MemoryUsage() const {
  auto bytes = [](const auto& v) {
    return v.capacity() *
           sizeof(typename std::decay_t<decltype(v)>::value_type);
  };
  return names_->MemoryUsage() + bytes(rdep_off_) + bytes(rdeps_) +
         bytes(level_) + bytes(duration_) + bytes(weight_);
}

}  // namespace upgrade_core::graph
