// File: graph_format.h
// -----------------------------------------------------------------------------
// Text renderings of a dependency graph: Graphviz DOT and Mermaid flowcharts.
// Arrows follow execution order: from a dependency to its dependent (what
// must finish first points at what waits for it), as in the execution plan's
// diagrams. Output is deterministic: nodes in declaration order, edges in CSR
// order.
//
// For graphs that failed validation (cycles, unknown nodes), render the
// builder instead: GraphBuilder::ToDot()/ToMermaid() highlight cycle edges.
#ifndef UPGRADE_CORE_GRAPH_GRAPH_FORMAT_H_
#define UPGRADE_CORE_GRAPH_GRAPH_FORMAT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "upgrade_core/graph/dependency_graph.h"

namespace upgrade_core::graph {

std::string ToDot(const DependencyGraph& graph);
std::string ToMermaid(const DependencyGraph& graph);

namespace internal {

// What the renderers draw; built by ToDot/ToMermaid and by GraphBuilder.
struct RenderNode {
  absl::string_view id;
  bool highlight = false;  // on a cycle
  bool missing = false;    // referenced but never added
};
struct RenderEdge {
  // Indices into the node list: `from` depends on `to`. The renderers draw
  // the arrow the other way, to -> from (execution order).
  uint32_t from = 0;
  uint32_t to = 0;
  bool highlight = false;  // part of a cycle (or a self-dependency)
};
std::string RenderDot(const std::vector<RenderNode>& nodes,
                      const std::vector<RenderEdge>& edges);
std::string RenderMermaid(const std::vector<RenderNode>& nodes,
                          const std::vector<RenderEdge>& edges);

}  // namespace internal
}  // namespace upgrade_core::graph

#endif  // UPGRADE_CORE_GRAPH_GRAPH_FORMAT_H_
