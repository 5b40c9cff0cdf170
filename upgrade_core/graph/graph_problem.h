// File: graph_problem.h
// -----------------------------------------------------------------------------
// GraphProblem: one thing wrong with a dependency graph, found when it is
// built. GraphBuilder::Validate() returns every problem, not just the first,
// so a user fixes a plan in one pass.
#ifndef UPGRADE_CORE_GRAPH_GRAPH_PROBLEM_H_
#define UPGRADE_CORE_GRAPH_GRAPH_PROBLEM_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace upgrade_core::graph {

enum class ProblemKind {
  // A dependency names a node that was never added. `nodes` holds the edge's
  // two ends {dependent, dependency}; `unknown` which of them is missing.
  kUnknownNode,
  // The same id was added twice. `nodes` = {id}. The first declaration wins.
  kDuplicateNode,
  // A node depends on itself. `nodes` = {id}.
  kSelfDependency,
  // A strongly connected component with a cycle. `nodes` is one full cycle
  // through it, first node repeated at the end: {a, b, c, a} means a depends
  // on b, b on c, c on a. `component` lists every node of the component.
  kCycle,
};

// "unknown_node", "duplicate_node", "self_dependency", "cycle".
absl::string_view ProblemKindName(ProblemKind kind);

struct GraphProblem {
  ProblemKind kind;
  std::vector<std::string> nodes;
  // kUnknownNode only: the ids among `nodes` that were never added.
  std::vector<std::string> unknown;
  // kCycle only: every node of the strongly connected component, in
  // declaration order.
  std::vector<std::string> component;
  // One line, naming the culprits, e.g.
  //   dependency cycle: a -> b -> c -> a
  //   unknown node "x": "a" depends on "x", but "x" was never added
  std::string message;
};

}  // namespace upgrade_core::graph

#endif  // UPGRADE_CORE_GRAPH_GRAPH_PROBLEM_H_
