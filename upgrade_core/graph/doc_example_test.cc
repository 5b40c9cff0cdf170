// The C++ example of docs/graph.md, run. The example is not copied here: the
// build extracts the page's ```cpp block (//tools/doc_examples), so this test
// compiles exactly what the page shows and compares its output with the
// block the page says it prints.
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "upgrade_core/graph/graph_md.h"  // the block's #includes, kPrints

namespace upgrade_core::graph {
namespace {

// Defines PlanIngressUpgrade(std::ostream&).
#include "upgrade_core/graph/graph_md.inc"

TEST(DocExampleTest, PrintsWhatThePageShows) {
  ASSERT_EQ(doc_graph_md::kNumBlocks, 1);
  ASSERT_NE(doc_graph_md::kPrints[0], nullptr)
      << "docs/graph.md: the C++ example has no \"prints\" block after it";
  std::ostringstream out;
  ASSERT_TRUE(PlanIngressUpgrade(out).ok());
  EXPECT_EQ(out.str(), doc_graph_md::kPrints[0]);
}

// The page's Python example shows this error (run by doc_python_test); the
// C++ Build() reports the same problems, in the same order.
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
