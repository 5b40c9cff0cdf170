// File: graph_format.cc
// -----------------------------------------------------------------------------
// DOT and Mermaid renderers.
#include "upgrade_core/graph/graph_format.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

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

std::string RenderDot(const std::vector<RenderNode>& nodes,
                      const std::vector<RenderEdge>& edges) {
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
  for (const RenderEdge& e : edges) {
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

std::string RenderMermaid(const std::vector<RenderNode>& nodes,
                          const std::vector<RenderEdge>& edges) {
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

void Collect(const DependencyGraph& graph,
             std::vector<internal::RenderNode>* nodes,
             std::vector<internal::RenderEdge>* edges) {
  nodes->reserve(graph.size());
  edges->reserve(graph.num_edges());
  for (NodeId v = 0; v < graph.size(); ++v) {
    nodes->push_back({graph.id(v)});
    for (NodeId d : graph.dependencies(v)) edges->push_back({v, d});
  }
}

}  // namespace

std::string ToDot(const DependencyGraph& graph) {
  std::vector<internal::RenderNode> nodes;
  std::vector<internal::RenderEdge> edges;
  Collect(graph, &nodes, &edges);
  return internal::RenderDot(nodes, edges);
}

std::string ToMermaid(const DependencyGraph& graph) {
  std::vector<internal::RenderNode> nodes;
  std::vector<internal::RenderEdge> edges;
  Collect(graph, &nodes, &edges);
  return internal::RenderMermaid(nodes, edges);
}

}  // namespace upgrade_core::graph
