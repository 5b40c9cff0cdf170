// File: graph_format.h
// -----------------------------------------------------------------------------
// Text renderings of a dependency graph: Graphviz DOT and Mermaid flowcharts.
// Arrows follow execution order: from a dependency to its dependent (what
// must finish first points at what waits for it), as in the execution plan's
// diagrams. Output is deterministic: nodes in declaration order, edges by
// dependent, then dependency, both in declaration order.
//
// For graphs that failed validation (cycles, unknown nodes), render the
// builder instead: GraphBuilder::ToDot()/ToMermaid() highlight cycles and
// draw ids that were never added dashed.
#ifndef UPGRADE_CORE_GRAPH_GRAPH_FORMAT_H_
#define UPGRADE_CORE_GRAPH_GRAPH_FORMAT_H_

#include <string>

#include "upgrade_core/graph/dependency_graph.h"

namespace upgrade_core::graph {

std::string ToDot(const DependencyGraph& graph);
std::string ToMermaid(const DependencyGraph& graph);

}  // namespace upgrade_core::graph

#endif  // UPGRADE_CORE_GRAPH_GRAPH_FORMAT_H_
