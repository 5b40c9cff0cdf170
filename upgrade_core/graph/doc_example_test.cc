// The C++ example of docs/graph.md, kept compiling and passing here.
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "upgrade_core/graph/dependency_graph.h"
#include "upgrade_core/graph/graph_builder.h"
#include "upgrade_core/graph/graph_format.h"
#include "upgrade_core/graph/scheduler.h"

namespace upgrade_core::graph {
namespace {

// --- begin docs/graph.md example ---
absl::Status PlanIngressUpgrade(std::ostream& out) {
  GraphBuilder b;
  b.AddNode("default-backend", {/*duration=*/20});
  b.AddNode("controller", {/*duration=*/60});
  b.AddNode("admission-webhook", {/*duration=*/10});
  b.AddNode("ingresses", {/*duration=*/5});
  b.AddDependency("controller", "default-backend");
  b.AddDependency("admission-webhook", "controller");
  b.AddDependency("ingresses", "admission-webhook");
  absl::StatusOr<DependencyGraph> g = std::move(b).Build();
  if (!g.ok()) return g.status();  // names every problem

  Waves waves = g->ComputeWaves({/*max_parallel=*/2});
  for (size_t w = 0; w < waves.size(); ++w) {
    out << "wave " << w << ":";
    for (NodeId n : waves.wave(w)) out << " " << g->id(n);
    out << "\n";
  }
  CriticalPath cp = g->ComputeCriticalPath();
  out << "critical path: " << cp.length << "s\n";

  absl::StatusOr<std::vector<NodeId>> impact =
      g->TransitiveDependents({*g->Find("default-backend")});
  if (!impact.ok()) return impact.status();
  out << "re-verify:";
  for (NodeId n : *impact) out << " " << g->id(n);
  out << "\n";

  // Drive it yourself: hand out ready nodes, report outcomes.
  Scheduler s(*g);
  while (s.IsActive()) {
    for (NodeId n : s.Ready()) {
      if (g->id(n) == "admission-webhook") {
        absl::StatusOr<std::vector<NodeId>> blocked = s.Failed(n);
        if (!blocked.ok()) return blocked.status();
        out << "failed " << g->id(n) << ", blocked " << blocked->size() << "\n";
      } else if (absl::Status st = s.Done(n); !st.ok()) {
        return st;
      }
    }
  }
  return absl::OkStatus();
}
// --- end docs/graph.md example ---

TEST(DocExampleTest, PrintsThePlan) {
  std::ostringstream out;
  ASSERT_TRUE(PlanIngressUpgrade(out).ok());
  EXPECT_EQ(out.str(),
            "wave 0: default-backend\n"
            "wave 1: controller\n"
            "wave 2: admission-webhook\n"
            "wave 3: ingresses\n"
            "critical path: 95s\n"
            "re-verify: controller admission-webhook ingresses\n"
            "failed admission-webhook, blocked 1\n");
}

TEST(DocExampleTest, CycleErrorNamesThePath) {
  GraphBuilder b;
  for (const char* n : {"a", "b", "c"}) b.AddNode(n);
  b.AddDependency("a", "b");
  b.AddDependency("b", "c");
  b.AddDependency("c", "a");
  b.AddDependency("a", "ghost");
  EXPECT_EQ(b.Build().status().message(),
            "invalid dependency graph: 2 problems\n"
            "  unknown node \"ghost\": \"a\" depends on \"ghost\", but "
            "\"ghost\" was never added\n"
            "  dependency cycle: a -> b -> c -> a");
}

}  // namespace
}  // namespace upgrade_core::graph
