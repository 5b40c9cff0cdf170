// File: drawing.h
// -----------------------------------------------------------------------------
// Drawing: what the DOT and Mermaid renderers draw, independent of where it
// came from (a built DependencyGraph, or a GraphBuilder whose input failed
// validation). Internal to upgrade_core/graph; the public entry points are
// ToDot()/ToMermaid() (graph_format.h) and GraphBuilder::ToDot()/ToMermaid().
#ifndef UPGRADE_CORE_GRAPH_DRAWING_H_
#define UPGRADE_CORE_GRAPH_DRAWING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace upgrade_core::graph::internal {

struct RenderNode {
  absl::string_view id;
  bool highlight = false;  // on a cycle
  bool missing = false;    // referenced but never added
};

struct RenderEdge {
  // Indices into Drawing::nodes: `from` depends on `to`. The renderers draw
  // the arrow the other way, to -> from (execution order).
  uint32_t from = 0;
  uint32_t to = 0;
  bool highlight = false;  // part of a cycle (or a self-dependency)
};

// The ids in `nodes` point into the graph or builder drawn: a Drawing must
// not outlive it.
struct Drawing {
  std::vector<RenderNode> nodes;
  std::vector<RenderEdge> edges;
};

std::string RenderDot(const Drawing& drawing);
std::string RenderMermaid(const Drawing& drawing);

}  // namespace upgrade_core::graph::internal

#endif  // UPGRADE_CORE_GRAPH_DRAWING_H_
