// Tests of GraphBuilder: validation and the problems it reports, cycles,
// declaration order, the bulk and handle paths, and the consuming Build().
#include "upgrade_core/graph/graph_builder.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/graph/dependency_graph.h"
#include "upgrade_core/graph/graph_test_util.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::graph {
namespace {

using test_util::Edge;
using test_util::Ids;
using test_util::Make;
using test_util::MustBuild;
using test_util::ProblemString;
using test_util::WavesString;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

TEST(GraphBuilderTest, EveryProblemKindIsReported) {
  struct Case {
    std::string name;
    std::vector<std::string> nodes;
    std::vector<Edge> edges;
    std::vector<std::string> want;  // ProblemString of each problem, in order
    std::vector<std::string> message_parts;
  };
  const std::vector<Case> cases = {
      {"valid", {"a", "b"}, {{"a", "b"}}, {}, {}},
      {"unknown dependency",
       {"a"},
       {{"a", "x"}},
       {"unknown_node:a,x"},
       {"unknown node \"x\": \"a\" depends on \"x\", but \"x\" was never "
        "added"}},
      {"unknown dependent",
       {"a"},
       {{"y", "a"}},
       {"unknown_node:y,a"},
       {"\"y\" depends on \"a\""}},
      {"both ends unknown",
       {"a"},
       {{"y", "x"}},
       {"unknown_node:y,x"},
       {"unknown nodes \"y\" and \"x\"", "neither was never added"}},
      {"duplicate node",
       {"a", "b", "a"},
       {},
       {"duplicate_node:a"},
       {"duplicate node \"a\": added more than once"}},
      {"self dependency",
       {"a"},
       {{"a", "a"}, {"a", "a"}},
       {"self_dependency:a"},
       {"self-dependency: \"a\" depends on itself"}},
      {"two-node cycle",
       {"a", "b"},
       {{"a", "b"}, {"b", "a"}},
       {"cycle:a,b,a"},
       {"dependency cycle: a -> b -> a"}},
      {"three-node cycle with a tail",
       {"t", "a", "b", "c"},
       {{"t", "a"}, {"a", "b"}, {"b", "c"}, {"c", "a"}},
       {"cycle:a,b,c,a"},
       {"dependency cycle: a -> b -> c -> a"}},
      {"two separate cycles",
       {"a", "b", "c", "d", "e"},
       {{"d", "e"}, {"e", "d"}, {"a", "b"}, {"b", "a"}, {"c", "a"}},
       {"cycle:a,b,a", "cycle:d,e,d"},
       {"a -> b -> a", "d -> e -> d"}},
      {"shortest cycle through first node of a larger component",
       {"a", "b", "c", "d"},
       {{"a", "b"}, {"b", "c"}, {"c", "d"}, {"d", "a"}, {"c", "a"}},
       {"cycle:a,b,c,a"},
       {"among 4 mutually dependent nodes: a, b, c, d"}},
      {"everything at once",
       {"a", "b", "c", "a"},
       {{"a", "zz"}, {"b", "b"}, {"b", "c"}, {"c", "b"}},
       {"duplicate_node:a", "unknown_node:a,zz", "self_dependency:b",
        "cycle:b,c,b"},
       {"4 problems", "duplicate node \"a\"", "unknown node \"zz\"",
        "\"b\" depends on itself", "dependency cycle: b -> c -> b"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    GraphBuilder b = Make(c.nodes, c.edges);
    std::vector<std::string> got;
    for (const GraphProblem& p : b.Validate()) got.push_back(ProblemString(p));
    EXPECT_EQ(got, c.want);
    BuildResult built = b.BuildWithProblems();
    std::vector<std::string> got_built;
    for (const GraphProblem& p : built.problems) {
      got_built.push_back(ProblemString(p));
    }
    EXPECT_EQ(got_built, c.want);
    const absl::StatusOr<DependencyGraph>& g = built.graph;
    if (c.want.empty()) {
      EXPECT_THAT(g.status(), IsOk());
      continue;
    }
    EXPECT_THAT(g.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("invalid dependency graph")));
    for (const std::string& part : c.message_parts) {
      EXPECT_THAT(std::string(g.status().message()), HasSubstr(part));
    }
    // The consuming overloads report the same.
    BuildResult moved = Make(c.nodes, c.edges).BuildWithProblems();
    std::vector<std::string> got_moved;
    for (const GraphProblem& p : moved.problems) {
      got_moved.push_back(ProblemString(p));
    }
    EXPECT_EQ(got_moved, c.want);
    EXPECT_EQ(moved.graph.status(), g.status());
    EXPECT_EQ(std::move(b).Build().status(), g.status());
  }
}

TEST(GraphBuilderTest, ProblemDetails) {
  GraphBuilder b = Make({"a", "b", "c", "d"}, {{"a", "b"},
                                               {"b", "c"},
                                               {"c", "d"},
                                               {"d", "b"},
                                               {"c", "b"},
                                               {"a", "ghost"}});
  std::vector<GraphProblem> p = b.Validate();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].kind, ProblemKind::kUnknownNode);
  EXPECT_THAT(p[0].unknown, ElementsAre("ghost"));
  EXPECT_EQ(p[1].kind, ProblemKind::kCycle);
  EXPECT_THAT(p[1].nodes, ElementsAre("b", "c", "b"));
  EXPECT_THAT(p[1].component, ElementsAre("b", "c", "d"));
  EXPECT_THAT(b.FindCycles(), ElementsAre(ElementsAre("b", "c", "b")));
}

TEST(GraphBuilderTest, ManyProblemsAreCountedInTheMessage) {
  GraphBuilder b;
  b.AddNode("a");
  for (int i = 0; i < 30; ++i) b.AddDependency("a", absl::StrCat("x", i));
  EXPECT_EQ(b.Validate().size(), 30u);
  EXPECT_THAT(b.Build().status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("30 problems")));
  EXPECT_THAT(std::string(b.Build().status().message()),
              HasSubstr("... and 10 more"));
}

TEST(GraphBuilderTest, LongCycleIsFoundWithoutRecursion) {
  // A 200k-node ring would overflow a recursive DFS.
  constexpr int kN = 200000;
  GraphBuilder b;
  for (int i = 0; i < kN; ++i) b.AddNode(absl::StrCat("n", i));
  for (int i = 0; i < kN; ++i) {
    b.AddDependency(absl::StrCat("n", i), absl::StrCat("n", (i + 1) % kN));
  }
  std::vector<std::vector<std::string>> cycles = b.FindCycles();
  ASSERT_EQ(cycles.size(), 1u);
  EXPECT_EQ(cycles[0].size(), kN + 1u);
  EXPECT_EQ(cycles[0].front(), "n0");
  EXPECT_EQ(cycles[0][1], "n1");
  EXPECT_EQ(cycles[0].back(), "n0");
}

TEST(GraphBuilderTest, EdgesBeforeNodesAndDeclarationOrder) {
  GraphBuilder b;
  b.AddDependency("app", "db");  // both ids referenced before declared
  b.AddNode("db");
  b.AddNode("app", {/*duration=*/5, /*weight=*/2});
  absl::StatusOr<DependencyGraph> g = b.Build();
  ASSERT_THAT(g.status(), IsOk());
  EXPECT_EQ(g->id(0), "db");  // declaration order, not first mention
  EXPECT_EQ(g->id(1), "app");
  EXPECT_EQ(g->duration(1), 5);
  EXPECT_EQ(g->weight(1), 2);
  EXPECT_EQ(g->duration(0), 1);
  EXPECT_THAT(Ids(*g, g->dependencies(1)), ElementsAre("db"));
  EXPECT_THAT(Ids(*g, g->dependents(0)), ElementsAre("app"));
  EXPECT_THAT(g->Lookup("nope").status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("\"nope\"")));
}

TEST(GraphBuilderTest, BuilderStaysUsableAfterBuild) {
  GraphBuilder b = Make({"a", "b"}, {{"b", "a"}});
  absl::StatusOr<DependencyGraph> first = b.Build();
  ASSERT_THAT(first.status(), IsOk());
  b.AddNode("c");  // must not disturb `first`, which shares the id table
  b.AddDependency("c", "b");
  absl::StatusOr<DependencyGraph> second = b.Build();
  ASSERT_THAT(second.status(), IsOk());
  EXPECT_EQ(first->size(), 2u);
  EXPECT_FALSE(first->Find("c").has_value());
  EXPECT_EQ(second->size(), 3u);
  EXPECT_EQ(second->id(2), "c");
}

TEST(GraphBuilderTest, BulkPathMatchesOneByOne) {
  struct Case {
    std::string name;
    std::vector<std::string> ids;
    std::vector<std::string> want_problems;  // ProblemString
    std::string want_waves;
  };
  // Edges are by position in `ids` (handles while the ids are distinct).
  const std::vector<Case> cases = {
      {"distinct ids", {"c", "a", "b"}, {}, "c,a | b"},
      {"duplicate id", {"c", "a", "c", "b"}, {"duplicate_node:c"}, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    GraphBuilder bulk;
    bulk.Reserve(c.ids.size(), 2);
    bulk.AddNodes(c.ids);
    const NodeHandle b = *bulk.FindHandle("b");
    const NodeHandle dependencies[] = {*bulk.FindHandle("c"),
                                       *bulk.FindHandle("a")};
    const NodeHandle dependents[] = {b, b};
    bulk.AddDependencies(dependents, dependencies);
    std::vector<std::string> got;
    for (const GraphProblem& p : bulk.Validate())
      got.push_back(ProblemString(p));
    EXPECT_EQ(got, c.want_problems);
    absl::StatusOr<DependencyGraph> g = std::move(bulk).Build();
    if (c.want_problems.empty()) {
      ASSERT_THAT(g.status(), IsOk());
      EXPECT_EQ(WavesString(*g, g->ComputeWaves()), c.want_waves);
    } else {
      EXPECT_THAT(g.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("duplicate node")));
    }
  }
}

TEST(GraphBuilderTest, HandlesStayValidWhenAnIdIsReferencedFirst) {
  GraphBuilder b;
  const NodeHandle a = b.AddNode("a");
  const NodeHandle later = b.Handle("later");  // referenced, not declared
  const NodeHandle c = b.AddNode("c");
  EXPECT_FALSE(b.HasNode("later"));
  b.AddNode("later");
  EXPECT_TRUE(b.HasNode("later"));
  b.AddDependency(c, later);
  b.AddDependency(later, a);
  EXPECT_EQ(b.num_handles(), 3u);
  EXPECT_EQ(b.declared_handle(1), c);  // declaration order a, c, later
  absl::StatusOr<DependencyGraph> g = b.Build();
  ASSERT_THAT(g.status(), IsOk());
  EXPECT_EQ(Ids(*g, g->TopologicalOrder()),
            (std::vector<std::string>{"a", "later", "c"}));
  EXPECT_EQ(g->id(2), "later");
}

TEST(GraphBuilderTest, DuplicateEdgesAreKeptOnce) {
  DependencyGraph g = MustBuild({"a", "b"}, {{"b", "a"}, {"b", "a"}});
  EXPECT_EQ(g.num_edges(), 1u);
  EXPECT_EQ(g.dependents(0).size(), 1u);
}

TEST(GraphBuilderTest, AddNodesAfterAttributesOrReferences) {
  // AddNodes has an inlined path for the common case (every id declared in
  // order, no attributes yet); the other states take the general one.
  struct Case {
    std::string name;
    bool attrs_first;
    bool reference_first;
  };
  for (const Case& c : std::vector<Case>{{"plain", false, false},
                                         {"attributes first", true, false},
                                         {"reference first", false, true}}) {
    SCOPED_TRACE(c.name);
    GraphBuilder b;
    if (c.attrs_first) b.AddNode("x", {/*duration=*/5, /*weight=*/2});
    if (c.reference_first) b.Handle("z");
    const std::vector<std::string> ids = {"y", "z", "y"};
    b.AddNodes(ids);
    if (!c.attrs_first) b.AddNode("x");
    EXPECT_EQ(b.num_nodes(), 3u);
    std::vector<GraphProblem> problems = b.Validate();
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(ProblemString(problems[0]), "duplicate_node:y");
    b = GraphBuilder();
    if (c.attrs_first) b.AddNode("x", {/*duration=*/5, /*weight=*/2});
    if (c.reference_first) b.Handle("z");
    b.AddNodes(std::vector<std::string>{"y", "z"});
    if (!c.attrs_first) b.AddNode("x");
    absl::StatusOr<DependencyGraph> g = std::move(b).Build();
    ASSERT_THAT(g.status(), IsOk());
    const NodeId x = *g->Find("x"), y = *g->Find("y"), z = *g->Find("z");
    EXPECT_EQ(g->duration(x), c.attrs_first ? 5.0 : 1.0);
    EXPECT_EQ(g->weight(x), c.attrs_first ? 2.0 : 1.0);
    EXPECT_EQ(g->duration(y), 1.0);
    EXPECT_EQ(g->duration(z), 1.0);
    // Declaration order: x first only when it was added first.
    EXPECT_EQ(x, c.attrs_first ? 0u : 2u);
    EXPECT_EQ(g->id(y), "y");
  }
}

TEST(GraphBuilderTest, ConsumingBuildKeepsLookupsEdgesAndLevels) {
  // Build() && frees the id index while building and the graph rebuilds it
  // on its first lookup by id; the graph must find every id, keep each edge
  // once and the same waves as Build() const&. Cases: handles are NodeIds (the
  // table moves to the graph), and an id referenced before it was declared (a
  // new table).
  struct Case {
    std::string name;
    bool reference_first;
  };
  for (const Case& c :
       std::vector<Case>{{"identity", false}, {"referenced first", true}}) {
    SCOPED_TRACE(c.name);
    constexpr int kNodes = 3000;
    GraphBuilder b;
    if (c.reference_first) b.Handle("n2999");
    for (int i = 0; i < kNodes; ++i) b.AddNode("n" + std::to_string(i));
    for (int i = 1; i < kNodes; ++i) {
      b.AddDependency("n" + std::to_string(i), "n" + std::to_string(i / 2));
      b.AddDependency("n" + std::to_string(i), "n" + std::to_string(i / 2));
    }
    absl::StatusOr<DependencyGraph> copy = b.Build();
    ASSERT_THAT(copy.status(), IsOk());
    absl::StatusOr<DependencyGraph> g = std::move(b).Build();
    ASSERT_THAT(g.status(), IsOk());
    EXPECT_EQ(g->num_edges(), static_cast<size_t>(kNodes - 1));
    for (int i = 0; i < kNodes; ++i) {
      const std::string id = "n" + std::to_string(i);
      ASSERT_EQ(g->Find(id), static_cast<NodeId>(i)) << id;
      EXPECT_EQ(g->id(i), id);
      EXPECT_EQ(g->wave_of(i), copy->wave_of(i));
      EXPECT_EQ(g->dependents(i).size(), copy->dependents(i).size());
    }
    EXPECT_EQ(g->Find("n3000"), std::nullopt);
    // Node i depends on i / 2: node 0, then 1, then floor(log2(i)) + 1.
    EXPECT_EQ(g->num_waves(), 13u);
  }
}

TEST(GraphBuilderTest, ConsumedGraphFindsIdsFromManyThreadsAtOnce) {
  // The first lookups by id on a graph from Build() && rebuild the index;
  // const methods may be called concurrently, copies share the table.
  constexpr int kNodes = 20000;
  constexpr int kThreads = 6;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    GraphBuilder b;
    for (int i = 0; i < kNodes; ++i) b.AddNode("n" + std::to_string(i));
    for (int i = 1; i < kNodes; ++i) {
      b.AddDependency("n" + std::to_string(i), "n" + std::to_string(i / 3));
    }
    absl::StatusOr<DependencyGraph> g = std::move(b).Build();
    ASSERT_THAT(g.status(), IsOk());
    const DependencyGraph copy = *g;  // shares the id table
    std::atomic<int> wrong{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int k = 0; k < kThreads; ++k) {
      threads.emplace_back([&, k] {
        const DependencyGraph& graph = k % 2 ? copy : *g;
        while (!go.load()) {
        }
        for (int i = k; i < kNodes; i += 5) {
          const std::string id = "n" + std::to_string(i);
          if (graph.Find(id) != static_cast<NodeId>(i)) ++wrong;
          if (!graph.Lookup(id).ok()) ++wrong;
        }
        if (graph.Find("missing") != std::nullopt) ++wrong;
      });
    }
    go.store(true);
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(wrong.load(), 0);
  }
}

}  // namespace
}  // namespace upgrade_core::graph
