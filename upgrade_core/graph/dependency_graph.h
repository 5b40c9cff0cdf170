// File: dependency_graph.h
// -----------------------------------------------------------------------------
// DependencyGraph: an immutable, validated, acyclic dependency graph in
// compressed sparse row (CSR) form, built by GraphBuilder (graph_builder.h).
//
// Nodes are dense NodeIds 0..size()-1 in declaration order (the order they
// were added to the builder); every order this class returns breaks ties by
// that declaration order, so the same input always yields the same plan.
// Edges read "dependent depends on dependency": a dependency must be done
// before its dependents start.
//
// Memory: one interned copy of each id, two CSR adjacency arrays (dependencies
// and dependents, 4 bytes per edge each), a generation per node, and the
// durations/weights only when some node set them.
//
// Thread-safety: immutable after construction; all const methods may be
// called concurrently. Copies are independent values (the id table is shared
// read-only).
#ifndef UPGRADE_CORE_GRAPH_DEPENDENCY_GRAPH_H_
#define UPGRADE_CORE_GRAPH_DEPENDENCY_GRAPH_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace upgrade_core::graph {

namespace internal {
class NameTable;
struct ForwardIndex;
}  // namespace internal

using NodeId = uint32_t;

// Optional per-node attributes.
struct NodeAttributes {
  // Estimated duration (any unit, typically seconds) used by CriticalPath();
  // finite and >= 0. The default of 1 makes the critical path the longest
  // chain of nodes.
  double duration = 1.0;
  // Free weight carried for callers (cost, priority, replica count...).
  double weight = 1.0;
};

struct WaveOptions {
  // Maximum number of nodes per wave (max parallel). 0 = unlimited. With a
  // cap, nodes are taken from the ready set by (uncapped wave, declaration
  // order), so a capped plan stays as close as possible to the uncapped one.
  size_t max_parallel = 0;
};

// Waves (generations) in a compact form: wave w is
// nodes[offsets[w], offsets[w+1]). Every node's dependencies lie in earlier
// waves; nodes in a wave are in declaration order.
struct Waves {
  std::vector<NodeId> nodes;
  std::vector<uint32_t> offsets;  // size() + 1 entries

  size_t size() const { return offsets.empty() ? 0 : offsets.size() - 1; }
  absl::Span<const NodeId> wave(size_t w) const {
    return absl::MakeConstSpan(nodes).subspan(offsets[w],
                                              offsets[w + 1] - offsets[w]);
  }
};

// What bounds the total time of a plan when every node may start as soon as
// its dependencies are done (unlimited parallelism), from NodeAttributes
// durations.
struct CriticalPath {
  // Total duration: the latest finish time of any node.
  double length = 0;
  // One longest chain, first to start first (each depends on the previous).
  // Ties are broken by declaration order.
  std::vector<NodeId> path;
  // Per node (indexed by NodeId): earliest and latest start times that keep
  // `length`; slack = latest - earliest, zero on every critical node.
  std::vector<double> earliest_start;
  std::vector<double> latest_start;
};

class DependencyGraph {
 public:
  // An empty graph. Use GraphBuilder to make others.
  DependencyGraph();
  DependencyGraph(const DependencyGraph&);
  DependencyGraph& operator=(const DependencyGraph&);
  DependencyGraph(DependencyGraph&&) noexcept;
  DependencyGraph& operator=(DependencyGraph&&) noexcept;
  ~DependencyGraph();

  size_t size() const { return level_.size(); }
  size_t num_edges() const { return rdeps_.size(); }

  // The node's string id. REQUIRES: node < size().
  absl::string_view id(NodeId node) const;
  // The NodeId of `id`, or nullopt if no such node. On a graph from
  // GraphBuilder::Build() && (or BuildWithProblems() &&), the first lookup
  // by id builds the id index (O(N), ≈14 ms at 1M nodes; thread-safe,
  // concurrent first lookups wait for one rebuild), so callers that only use
  // NodeIds never pay for it.
  std::optional<NodeId> Find(absl::string_view id) const;
  // Like Find(), but kNotFound naming the id.
  absl::StatusOr<NodeId> Lookup(absl::string_view id) const;

  // Direct dependencies (in declaration order) and direct dependents (in the
  // order the edges were added; a duplicate edge counts once).
  // REQUIRES: node < size(). dependencies() builds the forward index on its
  // first use (O(N + E), thread-safe); dependents() is always ready.
  absl::Span<const NodeId> dependencies(NodeId node) const;
  absl::Span<const NodeId> dependents(NodeId node) const {
    return absl::MakeConstSpan(rdeps_.data() + rdep_off_[node],
                               rdep_off_[node + 1] - rdep_off_[node]);
  }

  const NodeAttributes attributes(NodeId node) const;
  double duration(NodeId node) const {
    return duration_.empty() ? NodeAttributes().duration : duration_[node];
  }
  double weight(NodeId node) const {
    return weight_.empty() ? NodeAttributes().weight : weight_[node];
  }

  // The wave (generation) of a node when waves are uncapped: 0 for nodes
  // without dependencies, else 1 + the largest wave of its dependencies.
  uint32_t wave_of(NodeId node) const { return level_[node]; }
  size_t num_waves() const { return num_levels_; }

  // A topological order (dependencies first). Stable: among the nodes whose
  // dependencies are all placed, the earliest declared comes next, so an
  // input that is already in a valid order comes back unchanged. O(N log N).
  std::vector<NodeId> TopologicalOrder() const;
  // TopologicalOrder() reversed: dependents first (rollback order).
  std::vector<NodeId> ReverseTopologicalOrder() const;

  // Generations, optionally capped (see WaveOptions). Uncapped: O(N).
  // Capped: O(N log N + E).
  Waves ComputeWaves(const WaveOptions& options = {}) const;

  // Every node that transitively depends on any of `nodes` (what must be
  // re-verified if they change), in declaration order. A node of `nodes` is
  // included only if it depends on another one of `nodes`.
  // kInvalidArgument on an out-of-range NodeId.
  absl::StatusOr<std::vector<NodeId>> TransitiveDependents(
      absl::Span<const NodeId> nodes) const;
  // Every node that any of `nodes` transitively depends on, in declaration
  // order (same convention).
  absl::StatusOr<std::vector<NodeId>> TransitiveDependencies(
      absl::Span<const NodeId> nodes) const;

  // Earliest/latest start per node and one critical path. O(N + E).
  CriticalPath ComputeCriticalPath() const;

  // The graph restricted to `nodes` plus everything they transitively depend
  // on (what a plan that touches `nodes` must consider), keeping declaration
  // order, attributes and edges among the kept nodes.
  absl::StatusOr<DependencyGraph> Subgraph(
      absl::Span<const NodeId> nodes) const;

  // Heap bytes held by this graph (ids, index, arrays), excluding the
  // forward index that dependencies() builds on first use.
  size_t MemoryUsage() const;

 private:
  friend class GraphBuilder;

  // Fills level_ / num_levels_ with Kahn's algorithm from `pending` (the
  // number of dependencies of each node, consumed); returns the number of
  // nodes placed (== size() iff acyclic). `scratch` (any contents) lends
  // its buffer for the queue: already-touched pages are cheaper than new.
  size_t ComputeLevels(std::vector<uint32_t> pending,
                       std::vector<NodeId> scratch = {});
  // Dependencies per node (from rdeps_).
  std::vector<uint32_t> DependencyCounts() const;
  // The forward ("depends on") CSR, built on first use.
  const internal::ForwardIndex& Forward() const;

  std::shared_ptr<const internal::NameTable> names_;
  // CSR of dependents: the nodes that depend on v are
  // rdeps_[rdep_off_[v], rdep_off_[v+1]), in edge order. Everything Build() and
  // the waves need; the forward CSR is derived lazily.
  std::vector<uint32_t> rdep_off_;
  std::vector<NodeId> rdeps_;
  std::vector<uint32_t> level_;  // uncapped wave per node
  size_t num_levels_ = 0;
  // Empty when every node has the default value.
  std::vector<double> duration_;
  std::vector<double> weight_;
  // Shared by copies (its contents are a function of rdeps_).
  std::shared_ptr<internal::ForwardIndex> forward_;
};

}  // namespace upgrade_core::graph

#endif  // UPGRADE_CORE_GRAPH_DEPENDENCY_GRAPH_H_
