// File: graph_test_util.h
// -----------------------------------------------------------------------------
// Helpers shared by the graph package's tests (testonly): graphs from node and
// edge lists, and compact views of ids, waves and problems to compare.
#ifndef UPGRADE_CORE_GRAPH_GRAPH_TEST_UTIL_H_
#define UPGRADE_CORE_GRAPH_GRAPH_TEST_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/graph/dependency_graph.h"
#include "upgrade_core/graph/graph_builder.h"
#include "upgrade_core/graph/graph_problem.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::graph::test_util {

// One dependency: `dependent` depends on `dependency`.
struct Edge {
  const char* dependent;
  const char* dependency;
};

// A builder with `nodes` declared in order and `edges` added.
inline GraphBuilder Make(const std::vector<std::string>& nodes,
                         const std::vector<Edge>& edges) {
  GraphBuilder b;
  for (const std::string& n : nodes) b.AddNode(n);
  for (const Edge& e : edges) b.AddDependency(e.dependent, e.dependency);
  return b;
}

// Make(nodes, edges).Build(); a test failure (and an empty graph) when it
// does not build.
inline DependencyGraph MustBuild(const std::vector<std::string>& nodes,
                                 const std::vector<Edge>& edges) {
  absl::StatusOr<DependencyGraph> g = Make(nodes, edges).Build();
  EXPECT_THAT(g.status(), ::upgrade_core::testing::IsOk());
  return g.ok() ? *std::move(g) : DependencyGraph();
}

// The ids of `nodes`, in order.
inline std::vector<std::string> Ids(const DependencyGraph& g,
                                    absl::Span<const NodeId> nodes) {
  std::vector<std::string> out;
  for (NodeId v : nodes) out.emplace_back(g.id(v));
  return out;
}

// Waves as "a,b | c": ids comma-separated, waves separated by " | ".
inline std::string WavesString(const DependencyGraph& g, const Waves& w) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < w.size(); ++i) {
    parts.push_back(absl::StrJoin(Ids(g, w.wave(i)), ","));
  }
  return absl::StrJoin(parts, " | ");
}

// "<kind>:<node>,<node>..." for a problem.
inline std::string ProblemString(const GraphProblem& p) {
  return absl::StrCat(ProblemKindName(p.kind), ":",
                      absl::StrJoin(p.nodes, ","));
}

}  // namespace upgrade_core::graph::test_util

#endif  // UPGRADE_CORE_GRAPH_GRAPH_TEST_UTIL_H_
