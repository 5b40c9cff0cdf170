// File: graph_problem.cc
// -----------------------------------------------------------------------------
// The names of the problem kinds (graph_problem.h). Python sees them as
// `GraphProblem.kind`, so they are public API and never change.
#include "upgrade_core/graph/graph_problem.h"

namespace upgrade_core::graph {

absl::string_view ProblemKindName(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::kUnknownNode:
      return "unknown_node";
    case ProblemKind::kDuplicateNode:
      return "duplicate_node";
    case ProblemKind::kSelfDependency:
      return "self_dependency";
    case ProblemKind::kCycle:
      return "cycle";
  }
  return "unknown";
}

}  // namespace upgrade_core::graph
