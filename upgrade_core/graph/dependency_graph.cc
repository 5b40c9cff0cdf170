// File: dependency_graph.cc
// -----------------------------------------------------------------------------
// Algorithms over the CSR arrays. Everything is linear except the stable
// topological order and capped waves, which need a priority queue.
#include "upgrade_core/graph/dependency_graph.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
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
      dep_off_(1, 0),
      rdep_off_(1, 0) {}
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

absl::Span<const NodeId> DependencyGraph::dependencies(NodeId node) const {
  return absl::MakeConstSpan(deps_.data() + dep_off_[node],
                             dep_off_[node + 1] - dep_off_[node]);
}

absl::Span<const NodeId> DependencyGraph::dependents(NodeId node) const {
  return absl::MakeConstSpan(rdeps_.data() + rdep_off_[node],
                             rdep_off_[node + 1] - rdep_off_[node]);
}

const NodeAttributes DependencyGraph::attributes(NodeId node) const {
  return NodeAttributes{duration(node), weight(node)};
}

size_t DependencyGraph::ComputeLevels() {
  const size_t n = dep_off_.size() - 1;  // size() is level_.size()
  level_.assign(n, kUnplaced);
  num_levels_ = 0;
  std::vector<uint32_t> pending(n);  // unplaced dependencies per node
  std::vector<NodeId> queue(n);
  size_t tail = 0;
  for (NodeId v = 0; v < n; ++v) {
    pending[v] = dep_off_[v + 1] - dep_off_[v];
    if (pending[v] == 0) queue[tail++] = v;
  }
  size_t head = 0;
  uint32_t level = 0;
  while (head < tail) {
    const size_t end = tail;
    for (; head < end; ++head) {
      const NodeId v = queue[head];
      level_[v] = level;
      for (uint32_t i = rdep_off_[v], e = rdep_off_[v + 1]; i < e; ++i) {
        const NodeId w = rdeps_[i];
        if (--pending[w] == 0) queue[tail++] = w;
      }
    }
    ++level;
  }
  num_levels_ = level;
  return tail;
}

std::vector<NodeId> DependencyGraph::TopologicalOrder() const {
  const size_t n = size();
  std::vector<uint32_t> pending(n);
  std::priority_queue<NodeId, std::vector<NodeId>, std::greater<NodeId>> ready;
  for (NodeId v = 0; v < n; ++v) {
    pending[v] = dep_off_[v + 1] - dep_off_[v];
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
  std::vector<uint32_t> pending(n);
  using Key = uint64_t;  // level << 32 | node
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> ready;
  auto key = [this](NodeId v) {
    return (static_cast<uint64_t>(level_[v]) << 32) | v;
  };
  for (NodeId v = 0; v < n; ++v) {
    pending[v] = dep_off_[v + 1] - dep_off_[v];
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
  return Reach(dep_off_, deps_, size(), nodes);
}

CriticalPath DependencyGraph::ComputeCriticalPath() const {
  const size_t n = size();
  CriticalPath cp;
  cp.earliest_start.assign(n, 0.0);
  cp.latest_start.assign(n, 0.0);
  if (n == 0) return cp;
  // Any topological order works; waves are the cheapest one to get.
  const Waves waves = ComputeWaves();
  for (NodeId v : waves.nodes) {
    double es = 0;
    for (NodeId d : dependencies(v)) {
      es = std::max(es, cp.earliest_start[d] + duration(d));
    }
    cp.earliest_start[v] = es;
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
  // Walk back from the last node through a dependency that finishes exactly
  // when it may start (the values are computed from the same sums, so the
  // comparison is exact); prefer the earliest declared.
  for (NodeId v = last;;) {
    cp.path.push_back(v);
    bool found = false;
    NodeId best = 0;
    for (NodeId d : dependencies(v)) {
      if (cp.earliest_start[d] + duration(d) == cp.earliest_start[v] &&
          (!found || d < best)) {
        best = d;
        found = true;
      }
    }
    if (!found) break;
    v = best;
  }
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
  std::vector<uint8_t> keep(n, 0);
  for (NodeId v : Reach(dep_off_, deps_, n, nodes)) keep[v] = 1;
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
  const size_t m = sub.names_->size();
  // A kept node keeps all its dependencies (they are kept by construction).
  sub.dep_off_.assign(m + 1, 0);
  sub.rdep_off_.assign(m + 1, 0);
  for (NodeId v = 0; v < n; ++v) {
    if (!keep[v]) continue;
    for (NodeId d : dependencies(v)) {
      sub.deps_.push_back(remap[d]);
      ++sub.rdep_off_[remap[d] + 1];
    }
    sub.dep_off_[remap[v] + 1] = static_cast<uint32_t>(sub.deps_.size());
  }
  for (size_t i = 0; i < m; ++i) sub.rdep_off_[i + 1] += sub.rdep_off_[i];
  sub.rdeps_.resize(sub.deps_.size());
  std::vector<uint32_t> next(sub.rdep_off_.begin(), sub.rdep_off_.end() - 1);
  for (NodeId v = 0; v < m; ++v) {
    for (uint32_t i = sub.dep_off_[v]; i < sub.dep_off_[v + 1]; ++i) {
      sub.rdeps_[next[sub.deps_[i]]++] = v;
    }
  }
  sub.ComputeLevels();
  return sub;
}

size_t DependencyGraph::MemoryUsage() const {
  auto bytes = [](const auto& v) {
    return v.capacity() *
           sizeof(typename std::decay_t<decltype(v)>::value_type);
  };
  return names_->MemoryUsage() + bytes(dep_off_) + bytes(deps_) +
         bytes(rdep_off_) + bytes(rdeps_) + bytes(level_) + bytes(duration_) +
         bytes(weight_);
}

}  // namespace upgrade_core::graph
