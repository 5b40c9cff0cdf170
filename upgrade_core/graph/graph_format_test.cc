// Tests of the DOT and Mermaid renderings of graphs and builders.
#include "upgrade_core/graph/graph_format.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/graph/dependency_graph.h"
#include "upgrade_core/graph/graph_builder.h"
#include "upgrade_core/graph/graph_test_util.h"

namespace upgrade_core::graph {
namespace {

using test_util::Make;
using test_util::MustBuild;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(GraphFormatTest, Dot) {
  DependencyGraph g =
      MustBuild({"db", "a \"quoted\" id"}, {{"a \"quoted\" id", "db"}});
  EXPECT_EQ(ToDot(g),
            "digraph dependencies {\n"
            "  // Execution order: an arrow points from a dependency to its "
            "dependent.\n"
            "  node [shape=box];\n"
            "  \"db\";\n"
            "  \"a \\\"quoted\\\" id\";\n"
            "  \"db\" -> \"a \\\"quoted\\\" id\";\n"
            "}\n");
  EXPECT_EQ(ToMermaid(g),
            "flowchart LR\n"
            "  n0[\"db\"]\n"
            "  n1[\"a #quot;quoted#quot; id\"]\n"
            "  n0 --> n1\n");
}

TEST(GraphFormatTest, CycleEdgesAreHighlighted) {
  GraphBuilder b = Make({"a", "b", "c"},
                        {{"a", "b"}, {"b", "a"}, {"c", "a"}, {"c", "gone"}});
  EXPECT_EQ(b.ToDot(),
            "digraph dependencies {\n"
            "  // Execution order: an arrow points from a dependency to its "
            "dependent.\n"
            "  node [shape=box];\n"
            "  \"a\" [color=red];\n"
            "  \"b\" [color=red];\n"
            "  \"c\";\n"
            "  \"gone\" [style=dashed];\n"
            "  \"b\" -> \"a\" [color=red, penwidth=2];\n"
            "  \"a\" -> \"b\" [color=red, penwidth=2];\n"
            "  \"a\" -> \"c\";\n"
            "  \"gone\" -> \"c\" [style=dashed];\n"
            "}\n");
  EXPECT_EQ(b.ToMermaid(),
            "flowchart LR\n"
            "  n0[\"a\"]\n"
            "  n1[\"b\"]\n"
            "  n2[\"c\"]\n"
            "  n3[\"gone\"]\n"
            "  n1 --> n0\n"
            "  n0 --> n1\n"
            "  n0 --> n2\n"
            "  n3 -.-> n2\n"
            "  classDef cycle stroke:#d00,stroke-width:2px,color:#d00;\n"
            "  class n0,n1 cycle;\n"
            "  classDef missing stroke-dasharray:5 5;\n"
            "  class n3 missing;\n"
            "  linkStyle 0,1 stroke:#d00,stroke-width:2px;\n");
}

// Issue 9: DOT and Mermaid draw the same direction, execution order (a
// dependency points at its dependent), like the execution plan's diagrams.
TEST(GraphFormatTest, ArrowsFollowExecutionOrder) {
  // "api" depends on "db": db runs first, so the arrow is db -> api.
  DependencyGraph g = MustBuild({"api", "db"}, {{"api", "db"}});
  GraphBuilder b = Make({"api", "db"}, {{"api", "db"}});
  struct Case {
    const char* name;
    std::string diagram;
    const char* arrow;
    const char* reverse;
  };
  const Case kCases[] = {
      {"ToDot", ToDot(g), "\"db\" -> \"api\"", "\"api\" -> \"db\""},
      {"ToMermaid", ToMermaid(g), "n1 --> n0", "n0 --> n1"},
      {"GraphBuilder::ToDot", b.ToDot(), "\"db\" -> \"api\"",
       "\"api\" -> \"db\""},
      {"GraphBuilder::ToMermaid", b.ToMermaid(), "n1 --> n0", "n0 --> n1"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(c.diagram, HasSubstr(c.arrow));
    EXPECT_THAT(c.diagram, Not(HasSubstr(c.reverse)));
  }
}

}  // namespace
}  // namespace upgrade_core::graph
