// File: graph_builder.h
// -----------------------------------------------------------------------------
// GraphBuilder: collects nodes (string ids with attributes) and dependencies
// ("dependent depends on dependency"), validates them, and builds an
// immutable DependencyGraph.
//
// Validation collects EVERY problem (graph_problem.h): unknown nodes (naming
// both ends of the edge), duplicate nodes, self-dependencies, and each
// strongly connected component that contains a cycle, with one full cycle
// path per component. Edges may be added before the nodes they name; unknown
// ids are only reported by Validate()/Build().
//
//   GraphBuilder b;
//   b.AddNode("backend");
//   b.AddNode("controller", {/*duration=*/30});
//   b.AddDependency("controller", "backend");
//   UC_ASSIGN_OR_RETURN(DependencyGraph g, std::move(b).Build());
//
// Duplicate edges are kept once. Not thread-safe.
//
// The implementation is split by concern: collecting and the CSR build in
// graph_builder.cc, validation and the checked Build() in graph_validate.cc,
// diagrams in graph_format.cc, cycle naming in cyclic_components.cc.
#ifndef UPGRADE_CORE_GRAPH_GRAPH_BUILDER_H_
#define UPGRADE_CORE_GRAPH_GRAPH_BUILDER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "upgrade_core/graph/dependency_graph.h"
#include "upgrade_core/graph/graph_problem.h"

namespace upgrade_core::graph {

namespace internal {
class NameTable;
struct CyclicComponents;
struct Drawing;
}  // namespace internal

// A builder-local handle for an id (its interned index). Handles let bulk
// callers (the Python from_edges) add edges without hashing strings again.
using NodeHandle = uint32_t;

// What GraphBuilder::BuildWithProblems() returns: the graph, or every problem
// that prevents it, both as a Status (for callers that only pass it on) and
// structured (for callers that point at each culprit).
struct BuildResult {
  // The graph, or kInvalidArgument whose message lists every problem (the
  // first 20 in full, then a count): what Build() returns.
  absl::StatusOr<DependencyGraph> graph;
  // Every problem, in Validate() order; empty iff graph.ok().
  std::vector<GraphProblem> problems;
};

class GraphBuilder {
 public:
  GraphBuilder();
  GraphBuilder(GraphBuilder&&) noexcept;
  GraphBuilder& operator=(GraphBuilder&&) noexcept;
  ~GraphBuilder();

  // Pre-sizes for `nodes` ids totalling `id_chars` characters and `edges`.
  void Reserve(size_t nodes, size_t edges, size_t id_chars = 0);

  // Declares a node. Declaring an id twice is reported as kDuplicateNode (the
  // first declaration's attributes win). Returns the id's handle.
  NodeHandle AddNode(absl::string_view id, const NodeAttributes& attrs = {});

  // Bulk AddNode: the same result, faster for many ids (overlaps the hash
  // table's memory accesses). Use FindHandle() for the handles; while every
  // id added so far was distinct and declared, the handle of the i-th
  // declared node is i.
  void AddNodes(absl::Span<const std::string> ids);
  void AddNodes(absl::Span<const absl::string_view> ids);

  // The handle of `id`, declared or not (not declaring it).
  NodeHandle Handle(absl::string_view id);

  // `dependent` depends on `dependency`.
  void AddDependency(absl::string_view dependent, absl::string_view dependency);
  // REQUIRES: both handles come from this builder.
  void AddDependency(NodeHandle dependent, NodeHandle dependency) {
    self_edges_ += dependent == dependency;
    edge_from_.push_back(dependent);
    edge_to_.push_back(dependency);
  }
  // Bulk form: dependents[i] depends on dependencies[i].
  // REQUIRES: equal sizes; every handle comes from this builder.
  void AddDependencies(absl::Span<const NodeHandle> dependents,
                       absl::Span<const NodeHandle> dependencies);

  // Number of declared nodes / added dependencies (duplicates included).
  size_t num_nodes() const { return num_declared_; }
  size_t num_dependencies() const { return edge_from_.size(); }
  bool HasNode(absl::string_view id) const;
  // The handle of the i-th declared node: the built graph's NodeId i.
  // REQUIRES: i < num_nodes().
  NodeHandle declared_handle(size_t i) const {
    return dense_ ? static_cast<NodeHandle>(i) : declared_[i];
  }
  // The handle of `id` if it was added or referenced.
  std::optional<NodeHandle> FindHandle(absl::string_view id) const;
  // Number of handles (declared or only referenced by an edge).
  size_t num_handles() const;
  // The id behind a handle. REQUIRES: handle came from this builder.
  absl::string_view id(NodeHandle handle) const;

  // Every problem, in this order: duplicate nodes (declaration order),
  // unknown nodes and self-dependencies (edge order), cycles (by the
  // earliest-declared node of each component). Empty iff Build() succeeds.
  std::vector<GraphProblem> Validate() const;

  // Every cycle (one per cyclic strongly connected component), as ids with
  // the first repeated at the end. Self-dependencies are not included (they
  // are kSelfDependency problems); unknown-node edges are ignored.
  std::vector<std::vector<std::string>> FindCycles() const;

  // The graph, or kInvalidArgument whose message lists every problem (the
  // first 20 in full, then a count). The rvalue overload releases the
  // builder's memory as it goes (peak memory at 1M nodes matters).
  absl::StatusOr<DependencyGraph> Build() const&;
  absl::StatusOr<DependencyGraph> Build() &&;

  // Like Build(), and on failure also the structured problems (the same list
  // as Validate(), computed once).
  BuildResult BuildWithProblems() const&;
  BuildResult BuildWithProblems() &&;

  // Graphviz DOT / Mermaid flowchart of what was added so far, valid or not,
  // drawn as graph_format.h draws a built graph (arrows in execution order,
  // from a dependency to its dependent); nodes and edges on a cycle are red,
  // self-dependencies too; ids never added and edges to them are dashed.
  std::string ToDot() const;
  std::string ToMermaid() const;

 private:
  // DeclIndex() of a handle that was only referenced by an edge.
  static constexpr uint32_t kNotDeclared = 0xffffffffu;

  template <typename Ids>
  void AddNodesImpl(const Ids& ids);
  // AddNode with the id's NameTable hash computed by the caller.
  NodeHandle AddNodeHashed(absl::string_view id, uint64_t hash,
                           const NodeAttributes& attrs);
  internal::NameTable& MutableNames();
  // Leaves the dense representation (see dense_).
  void MakeSparse();
  // Declaration index of a handle (its NodeId once built), or kNotDeclared.
  uint32_t DeclIndex(NodeHandle h) const;
  bool IsDeclared(NodeHandle h) const { return DeclIndex(h) != kNotDeclared; }

  // Builds the graph ignoring duplicates, unknown ids and self edges; cycles
  // leave nodes unplaced. `release` frees the builder's edge arrays while
  // building.
  DependencyGraph BuildUnchecked(bool release);
  DependencyGraph BuildUnchecked() const;
  // True if Validate() would report something other than a cycle. O(1).
  bool HasEdgeProblems() const;
  // Validate()'s problems other than cycles: duplicates, unknown ids,
  // self-dependencies.
  std::vector<GraphProblem> EdgeProblems() const;
  // The cycles of a graph from BuildUnchecked() (none if every node was
  // placed).
  static internal::CyclicComponents CyclesOf(const DependencyGraph& g);
  // What ToDot()/ToMermaid() draw.
  internal::Drawing Draw() const;

  std::shared_ptr<internal::NameTable> names_;
  // Dense (the common case): every handle is a declared node and its
  // declaration index, so the two maps below are identities and are not
  // stored. The first undeclared reference materializes them.
  bool dense_ = true;
  size_t num_declared_ = 0;
  // Only when !dense_: declared_[i] = handle of the i-th declared node;
  // decl_index_[handle] = declaration index, or kNotDeclared.
  std::vector<NodeHandle> declared_;
  std::vector<uint32_t> decl_index_;
  std::vector<NodeAttributes> attrs_;  // by declaration index, when non-default
  bool has_attrs_ = false;
  std::vector<std::string> duplicates_;  // ids declared again, in order
  // Edge i: edge_from_[i] depends on edge_to_[i] (handles).
  std::vector<NodeHandle> edge_from_;
  std::vector<NodeHandle> edge_to_;
  size_t self_edges_ = 0;  // edges with dependent == dependency
};

}  // namespace upgrade_core::graph

#endif  // UPGRADE_CORE_GRAPH_GRAPH_BUILDER_H_
