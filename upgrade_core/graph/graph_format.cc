// File: graph_format.cc
// -----------------------------------------------------------------------------
// Every diagram of upgrade_core/graph: the DOT and Mermaid renderers
// (drawing.h), and what they are given for a built DependencyGraph
// (ToDot()/ToMermaid(), graph_format.h) and for a GraphBuilder whose input
// may be invalid (GraphBuilder::ToDot()/ToMermaid(): cycles highlighted, ids
// never added dashed). One file, so the two kinds of diagram cannot drift
// apart.
#include "upgrade_core/graph/graph_format.h"

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/graph/cyclic_components.h"
#include "upgrade_core/graph/drawing.h"
#include "upgrade_core/graph/graph_builder.h"
#include "upgrade_core/graph/name_table.h"

namespace upgrade_core::graph {
namespace internal {
namespace {

// A DOT double-quoted string: only `"` and `\` need escaping; newlines
// become \n so a label cannot break the line structure.
std::string DotQuote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

// A Mermaid quoted label: `"` cannot be escaped with a backslash, Mermaid
// uses HTML entity codes (#quot;); `#` itself must then be encoded too.
std::string MermaidLabel(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') {
      out += "#quot;";
    } else if (c == '#') {
      out += "#35;";
    } else if (c == '\n') {
      out += "<br>";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace

std::string RenderDot(const Drawing& drawing) {
  const std::vector<RenderNode>& nodes = drawing.nodes;
  std::string out =
      "digraph dependencies {\n"
      "  // Execution order: an arrow points from a dependency to its "
      "dependent.\n"
      "  node [shape=box];\n";
  for (const RenderNode& n : nodes) {
    absl::StrAppend(&out, "  ", DotQuote(n.id));
    if (n.highlight && n.missing) {
      out += " [color=red, style=dashed]";
    } else if (n.highlight) {
      out += " [color=red]";
    } else if (n.missing) {
      out += " [style=dashed]";
    }
    out += ";\n";
  }
  for (const RenderEdge& e : drawing.edges) {
    absl::StrAppend(&out, "  ", DotQuote(nodes[e.to].id), " -> ",
                    DotQuote(nodes[e.from].id));
    if (e.highlight) {
      out += " [color=red, penwidth=2]";
    } else if (nodes[e.from].missing || nodes[e.to].missing) {
      out += " [style=dashed]";
    }
    out += ";\n";
  }
  out += "}\n";
  return out;
}

std::string RenderMermaid(const Drawing& drawing) {
  const std::vector<RenderNode>& nodes = drawing.nodes;
  const std::vector<RenderEdge>& edges = drawing.edges;
  std::string out = "flowchart LR\n";
  std::vector<std::string> cycle_nodes, missing_nodes;
  for (size_t i = 0; i < nodes.size(); ++i) {
    absl::StrAppend(&out, "  n", i, "[", MermaidLabel(nodes[i].id), "]\n");
    if (nodes[i].highlight) cycle_nodes.push_back(absl::StrCat("n", i));
    if (nodes[i].missing) missing_nodes.push_back(absl::StrCat("n", i));
  }
  std::vector<size_t> cycle_edges;
  for (size_t i = 0; i < edges.size(); ++i) {
    const RenderEdge& e = edges[i];
    const bool dashed = nodes[e.from].missing || nodes[e.to].missing;
    absl::StrAppend(&out, "  n", e.to, dashed ? " -.-> n" : " --> n", e.from,
                    "\n");
    if (e.highlight) cycle_edges.push_back(i);
  }
  if (!cycle_nodes.empty()) {
    absl::StrAppend(
        &out,
        "  classDef cycle stroke:#d00,stroke-width:2px,color:#d00;\n"
        "  class ",
        absl::StrJoin(cycle_nodes, ","), " cycle;\n");
  }
  if (!missing_nodes.empty()) {
    absl::StrAppend(&out, "  classDef missing stroke-dasharray:5 5;\n  class ",
                    absl::StrJoin(missing_nodes, ","), " missing;\n");
  }
  if (!cycle_edges.empty()) {
    absl::StrAppend(&out, "  linkStyle ", absl::StrJoin(cycle_edges, ","),
                    " stroke:#d00,stroke-width:2px;\n");
  }
  return out;
}

}  // namespace internal

namespace {

internal::Drawing Draw(const DependencyGraph& graph) {
  internal::Drawing d;
  d.nodes.reserve(graph.size());
  d.edges.reserve(graph.num_edges());
  for (NodeId v = 0; v < graph.size(); ++v) {
    d.nodes.push_back({graph.id(v)});
    for (NodeId dep : graph.dependencies(v)) d.edges.push_back({v, dep});
  }
  return d;
}

}  // namespace

std::string ToDot(const DependencyGraph& graph) {
  return internal::RenderDot(Draw(graph));
}

std::string ToMermaid(const DependencyGraph& graph) {
  return internal::RenderMermaid(Draw(graph));
}

internal::Drawing GraphBuilder::Draw() const {
  using internal::kUnplaced;
  const std::vector<uint32_t> comp_of = CyclesOf(BuildUnchecked()).component_of;
  internal::Drawing d;
  // Declared nodes in declaration order, then ids only referenced by edges.
  const size_t n = num_declared_;
  std::vector<uint32_t> render_index(names_->size(), kUnplaced);
  d.nodes.reserve(names_->size());
  for (size_t i = 0; i < n; ++i) {
    render_index[declared_handle(i)] = static_cast<uint32_t>(i);
    d.nodes.push_back(
        {names_->name(declared_handle(i)), comp_of[i] != kUnplaced});
  }
  for (NodeHandle h = 0; h < names_->size(); ++h) {
    if (IsDeclared(h)) continue;
    render_index[h] = static_cast<uint32_t>(d.nodes.size());
    d.nodes.push_back({names_->name(h), false, /*missing=*/true});
  }
  absl::flat_hash_set<uint64_t> seen;
  for (size_t i = 0; i < edge_from_.size(); ++i) {
    const uint32_t a = render_index[edge_from_[i]];
    const uint32_t b = render_index[edge_to_[i]];
    if (!seen.insert((static_cast<uint64_t>(a) << 32) | b).second) continue;
    bool cyclic = a == b;
    if (a < n && b < n && comp_of[a] != kUnplaced && comp_of[a] == comp_of[b]) {
      cyclic = true;
    }
    if (a == b) d.nodes[a].highlight = true;
    d.edges.push_back({a, b, cyclic});
  }
  return d;
}

std::string GraphBuilder::ToDot() const { return internal::RenderDot(Draw()); }

std::string GraphBuilder::ToMermaid() const {
  return internal::RenderMermaid(Draw());
}

}  // namespace upgrade_core::graph
