// File: cyclic_components.h
// -----------------------------------------------------------------------------
// Naming the cycles of a graph that Kahn's algorithm could not fully place.
// Internal to upgrade_core/graph: GraphBuilder uses it to report kCycle
// problems (graph_validate.cc), to answer FindCycles() and to colour cycles in
// its diagrams (graph_format.cc).
//
// Cycle detection itself is folded into the build: Kahn's algorithm
// (DependencyGraph::ComputeLevels) places every node that is not on, or
// behind, a cycle. Only when some node stays unplaced does this run, over the
// unplaced nodes only. It first peels the sinks the way Kahn's algorithm
// peeled the sources (nodes behind a cycle that lead to no other cycle: with
// one back edge, most of the graph), then finds the strongly connected
// components among what is left: the first survivor's component as what it
// reaches and what reaches it (two breadth-first passes, which overlap their
// cache misses; often this one component is nearly everything left), and
// the others with Tarjan's algorithm (iterative: no recursion limit). A
// breadth-first search inside each component then finds the shortest cycle
// through its earliest-declared node. Linear in nodes + edges.
#ifndef UPGRADE_CORE_GRAPH_CYCLIC_COMPONENTS_H_
#define UPGRADE_CORE_GRAPH_CYCLIC_COMPONENTS_H_

#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "upgrade_core/graph/dependency_graph.h"

namespace upgrade_core::graph::internal {

// A level Kahn's algorithm left unset (the node is on or behind a cycle), and
// "no component" in CyclicComponents::component_of.
inline constexpr uint32_t kUnplaced = 0xffffffffu;

// True if Kahn's algorithm placed every node.
bool AllPlaced(absl::Span<const uint32_t> level);

// One cyclic strongly connected component.
struct CyclicComponent {
  std::vector<NodeId> members;  // ascending NodeId
  // The shortest cycle through members[0], in "depends on" order, first node
  // repeated at the end.
  std::vector<NodeId> cycle;
};

struct CyclicComponents {
  // The components with more than one node, ordered by their smallest NodeId.
  std::vector<CyclicComponent> components;
  // Per node: the index of its component in `components`, or kUnplaced.
  std::vector<uint32_t> component_of;
};

// The cyclic components of the graph whose dependents CSR is `off`/`adj`
// (strongly connected components are the same along either edge direction,
// so no forward index is needed), restricted to the nodes whose `level` is
// kUnplaced. The CSR must not hold self edges (the builder drops them): a
// one-node component is then a node behind a cycle, not on one.
CyclicComponents FindCyclicComponents(absl::Span<const uint32_t> off,
                                      absl::Span<const NodeId> adj,
                                      absl::Span<const uint32_t> level);

}  // namespace upgrade_core::graph::internal

#endif  // UPGRADE_CORE_GRAPH_CYCLIC_COMPONENTS_H_
