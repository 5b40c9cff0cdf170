// Tests of GraphBuilder validation, DependencyGraph algorithms and the
// DOT/Mermaid renderings.
#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/graph/dependency_graph.h"
#include "upgrade_core/graph/graph_builder.h"
#include "upgrade_core/graph/graph_format.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::graph {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

struct Edge {
  const char* dependent;
  const char* dependency;
};

GraphBuilder Make(const std::vector<std::string>& nodes,
                  const std::vector<Edge>& edges) {
  GraphBuilder b;
  for (const std::string& n : nodes) b.AddNode(n);
  for (const Edge& e : edges) b.AddDependency(e.dependent, e.dependency);
  return b;
}

DependencyGraph MustBuild(const std::vector<std::string>& nodes,
                          const std::vector<Edge>& edges) {
  absl::StatusOr<DependencyGraph> g = Make(nodes, edges).Build();
  EXPECT_THAT(g.status(), IsOk());
  return g.ok() ? *std::move(g) : DependencyGraph();
}

std::vector<std::string> Ids(const DependencyGraph& g,
                             absl::Span<const NodeId> nodes) {
  std::vector<std::string> out;
  for (NodeId v : nodes) out.emplace_back(g.id(v));
  return out;
}

std::string WavesString(const DependencyGraph& g, const Waves& w) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < w.size(); ++i) {
    parts.push_back(absl::StrJoin(Ids(g, w.wave(i)), ","));
  }
  return absl::StrJoin(parts, " | ");
}

std::string ProblemString(const GraphProblem& p) {
  return absl::StrCat(ProblemKindName(p.kind), ":",
                      absl::StrJoin(p.nodes, ","));
}

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

TEST(DependencyGraphTest, StableTopologicalOrder) {
  struct Case {
    std::string name;
    std::vector<std::string> nodes;
    std::vector<Edge> edges;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"no edges keeps declaration order",
       {"c", "a", "b"},
       {},
       {"c", "a", "b"}},
      {"valid input order is unchanged",
       {"db", "backend", "controller", "webhook"},
       {{"backend", "db"},
        {"controller", "backend"},
        {"webhook", "controller"}},
       {"db", "backend", "controller", "webhook"}},
      {"dependency declared late moves up just enough",
       {"x", "app", "y", "db"},
       {{"app", "db"}},
       {"x", "y", "db", "app"}},
      {"diamond",
       {"top", "left", "right", "base"},
       {{"top", "left"}, {"top", "right"}, {"left", "base"}, {"right", "base"}},
       {"base", "left", "right", "top"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    DependencyGraph g = MustBuild(c.nodes, c.edges);
    EXPECT_EQ(Ids(g, g.TopologicalOrder()), c.want);
    std::vector<std::string> reverse = c.want;
    std::reverse(reverse.begin(), reverse.end());
    EXPECT_EQ(Ids(g, g.ReverseTopologicalOrder()), reverse);
    // Same input, same answer.
    EXPECT_EQ(MustBuild(c.nodes, c.edges).TopologicalOrder(),
              g.TopologicalOrder());
  }
}

TEST(DependencyGraphTest, Waves) {
  // Declared so that declaration order differs from any topological order.
  const std::vector<std::string> nodes = {"web1",  "web2", "api", "db",
                                          "cache", "lb",   "web3"};
  const std::vector<Edge> edges = {
      {"web1", "api"},  {"web2", "api"}, {"web3", "api"}, {"api", "db"},
      {"api", "cache"}, {"lb", "web1"},  {"lb", "web2"},  {"lb", "web3"}};
  struct Case {
    size_t max_parallel;
    std::string want;
  };
  const std::vector<Case> cases = {
      {0, "db,cache | api | web1,web2,web3 | lb"},
      {100, "db,cache | api | web1,web2,web3 | lb"},
      {2, "db,cache | api | web1,web2 | web3 | lb"},
      {1, "db | cache | api | web1 | web2 | web3 | lb"},
  };
  DependencyGraph g = MustBuild(nodes, edges);
  EXPECT_EQ(g.num_waves(), 4u);
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat("max_parallel=", c.max_parallel));
    EXPECT_EQ(WavesString(g, g.ComputeWaves({c.max_parallel})), c.want);
  }
}

TEST(DependencyGraphTest, CappedWavesPreferEarlierGenerations) {
  // "late" is declared first but belongs to a later generation than "b".
  DependencyGraph g =
      MustBuild({"late", "a", "b", "c"}, {{"late", "a"}, {"c", "late"}});
  EXPECT_EQ(WavesString(g, g.ComputeWaves()), "a,b | late | c");
  EXPECT_EQ(WavesString(g, g.ComputeWaves({2})), "a,b | late | c");
  EXPECT_EQ(WavesString(g, g.ComputeWaves({1})), "a | b | late | c");
}

TEST(DependencyGraphTest, Impact) {
  DependencyGraph g =
      MustBuild({"backend", "controller", "webhook", "ingress", "dns", "other"},
                {{"controller", "backend"},
                 {"webhook", "controller"},
                 {"ingress", "webhook"},
                 {"ingress", "dns"}});
  auto id = [&](const char* s) { return *g.Find(s); };
  struct Case {
    std::vector<const char*> seeds;
    std::vector<std::string> dependents;
    std::vector<std::string> dependencies;
  };
  const std::vector<Case> cases = {
      {{"backend"}, {"controller", "webhook", "ingress"}, {}},
      {{"ingress"}, {}, {"backend", "controller", "webhook", "dns"}},
      {{"webhook"}, {"ingress"}, {"backend", "controller"}},
      {{"dns", "controller"}, {"webhook", "ingress"}, {"backend"}},
      {{"controller", "webhook"},
       {"webhook", "ingress"},
       {"backend", "controller"}},
      {{"other"}, {}, {}},
      {{}, {}, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrJoin(c.seeds, ","));
    std::vector<NodeId> seeds;
    for (const char* s : c.seeds) seeds.push_back(id(s));
    absl::StatusOr<std::vector<NodeId>> up = g.TransitiveDependents(seeds);
    absl::StatusOr<std::vector<NodeId>> down = g.TransitiveDependencies(seeds);
    ASSERT_THAT(up.status(), IsOk());
    ASSERT_THAT(down.status(), IsOk());
    EXPECT_EQ(Ids(g, *up), c.dependents);
    EXPECT_EQ(Ids(g, *down), c.dependencies);
  }
  const NodeId bad[] = {99};
  EXPECT_THAT(
      g.TransitiveDependents(bad).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
}

TEST(DependencyGraphTest, CriticalPath) {
  struct Node {
    const char* id;
    double duration;
  };
  struct Case {
    std::string name;
    std::vector<Node> nodes;
    std::vector<Edge> edges;
    double length;
    std::vector<std::string> path;
    std::vector<double> earliest;
    std::vector<double> latest;
  };
  const std::vector<Case> cases = {
      {"single", {{"a", 3}}, {}, 3, {"a"}, {0}, {0}},
      {"chain",
       {{"a", 1}, {"b", 2}, {"c", 3}},
       {{"b", "a"}, {"c", "b"}},
       6,
       {"a", "b", "c"},
       {0, 1, 3},
       {0, 1, 3}},
      {"parallel branches: the slow one is critical",
       {{"start", 1}, {"fast", 2}, {"slow", 10}, {"end", 1}},
       {{"fast", "start"}, {"slow", "start"}, {"end", "fast"}, {"end", "slow"}},
       12,
       {"start", "slow", "end"},
       {0, 1, 1, 11},
       {0, 9, 1, 11}},
      {"independent nodes: longest alone, ties to earliest declared",
       {{"a", 4}, {"b", 7}, {"c", 7}},
       {},
       7,
       {"b"},
       {0, 0, 0},
       {3, 0, 0}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    GraphBuilder b;
    for (const Node& n : c.nodes) b.AddNode(n.id, {n.duration, 1});
    for (const Edge& e : c.edges) b.AddDependency(e.dependent, e.dependency);
    absl::StatusOr<DependencyGraph> g = b.Build();
    ASSERT_THAT(g.status(), IsOk());
    CriticalPath cp = g->ComputeCriticalPath();
    EXPECT_EQ(cp.length, c.length);
    EXPECT_EQ(Ids(*g, cp.path), c.path);
    EXPECT_EQ(cp.earliest_start, c.earliest);
    EXPECT_EQ(cp.latest_start, c.latest);
  }
  // Without durations every node counts 1: the longest chain.
  DependencyGraph g = MustBuild({"a", "b", "c", "d"}, {{"c", "b"}, {"b", "a"}});
  EXPECT_EQ(g.ComputeCriticalPath().length, 3);
  EXPECT_EQ(Ids(g, g.ComputeCriticalPath().path),
            (std::vector<std::string>{"a", "b", "c"}));
}

TEST(DependencyGraphTest, Subgraph) {
  GraphBuilder b;
  b.AddNode("db", {7, 1});
  b.AddNode("cache");
  b.AddNode("api");
  b.AddNode("web");
  b.AddNode("batch");
  b.AddDependency("api", "db");
  b.AddDependency("api", "cache");
  b.AddDependency("web", "api");
  b.AddDependency("batch", "db");
  absl::StatusOr<DependencyGraph> g = b.Build();
  ASSERT_THAT(g.status(), IsOk());
  const NodeId touched[] = {*g->Find("api")};
  absl::StatusOr<DependencyGraph> sub = g->Subgraph(touched);
  ASSERT_THAT(sub.status(), IsOk());
  EXPECT_EQ(Ids(*sub, sub->TopologicalOrder()),
            (std::vector<std::string>{"db", "cache", "api"}));
  EXPECT_EQ(sub->num_edges(), 2u);
  EXPECT_EQ(sub->duration(*sub->Find("db")), 7);
  EXPECT_FALSE(sub->Find("web").has_value());
  EXPECT_THAT(Ids(*sub, sub->dependents(*sub->Find("db"))), ElementsAre("api"));
  EXPECT_EQ(WavesString(*sub, sub->ComputeWaves()), "db,cache | api");
}

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

// Property: on random DAGs (random declaration order), every edge goes from
// an earlier wave to a later one, capped or not, each wave respects the cap,
// every node appears once, and the topological order respects every edge.
TEST(DependencyGraphPropertyTest, WavesRespectEveryEdge) {
  std::mt19937 rng(20261127);
  for (int trial = 0; trial < 200; ++trial) {
    SCOPED_TRACE(absl::StrCat("trial ", trial));
    const int n = 1 + static_cast<int>(rng() % 60);
    std::vector<int> rank(n);  // edges go from higher to lower rank
    for (int i = 0; i < n; ++i) rank[i] = i;
    std::shuffle(rank.begin(), rank.end(), rng);
    GraphBuilder b;
    for (int i = 0; i < n; ++i) b.AddNode(absl::StrCat("v", i));
    const int m = static_cast<int>(rng() % (3 * n + 1));
    for (int e = 0; e < m; ++e) {
      int x = rng() % n, y = rng() % n;
      if (rank[x] == rank[y]) continue;
      if (rank[x] < rank[y]) std::swap(x, y);
      b.AddDependency(absl::StrCat("v", x), absl::StrCat("v", y));
    }
    absl::StatusOr<DependencyGraph> g = b.Build();
    ASSERT_THAT(g.status(), IsOk());
    for (size_t cap : {size_t{0}, size_t{1}, size_t{2}, size_t{5}}) {
      SCOPED_TRACE(absl::StrCat("cap ", cap));
      Waves w = g->ComputeWaves({cap});
      std::vector<int> wave_of(n, -1);
      for (size_t i = 0; i < w.size(); ++i) {
        ASSERT_GT(w.wave(i).size(), 0u);
        if (cap > 0) {
          ASSERT_LE(w.wave(i).size(), cap);
        }
        ASSERT_TRUE(std::is_sorted(w.wave(i).begin(), w.wave(i).end()));
        for (NodeId v : w.wave(i)) {
          ASSERT_EQ(wave_of[v], -1) << "node twice";
          wave_of[v] = static_cast<int>(i);
        }
      }
      for (NodeId v = 0; v < n; ++v) {
        ASSERT_NE(wave_of[v], -1) << "node missing";
        for (NodeId d : g->dependencies(v)) {
          ASSERT_LT(wave_of[d], wave_of[v]) << g->id(v) << " -> " << g->id(d);
        }
      }
      if (cap == 0) {
        ASSERT_EQ(w.size(), g->num_waves());
        for (NodeId v = 0; v < n; ++v) ASSERT_EQ(wave_of[v], g->wave_of(v));
      }
    }
    std::vector<NodeId> order = g->TopologicalOrder();
    ASSERT_EQ(order.size(), static_cast<size_t>(n));
    std::vector<int> pos(n);
    for (int i = 0; i < n; ++i) pos[order[i]] = i;
    for (NodeId v = 0; v < n; ++v) {
      for (NodeId d : g->dependencies(v)) ASSERT_LT(pos[d], pos[v]);
    }
    CriticalPath cp = g->ComputeCriticalPath();
    for (NodeId v = 0; v < n; ++v) {
      ASSERT_LE(cp.earliest_start[v], cp.latest_start[v]);
    }
  }
}

// Property: adding one back edge to a random DAG makes Build() fail with a
// cycle whose consecutive nodes are real edges.
TEST(DependencyGraphPropertyTest, BackEdgeCycleIsARealCycle) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 100; ++trial) {
    SCOPED_TRACE(absl::StrCat("trial ", trial));
    const int n = 2 + static_cast<int>(rng() % 40);
    GraphBuilder b;
    std::vector<std::pair<int, int>> edges;
    for (int i = 0; i < n; ++i) b.AddNode(absl::StrCat("v", i));
    for (int i = 1; i < n; ++i) edges.push_back({i, i - 1});  // a chain
    for (int e = 0; e < n; ++e) {
      int x = rng() % n, y = rng() % n;
      if (x > y) edges.push_back({x, y});
    }
    edges.push_back({0, n - 1});  // closes a cycle through the chain
    for (auto [x, y] : edges) {
      b.AddDependency(absl::StrCat("v", x), absl::StrCat("v", y));
    }
    std::vector<std::vector<std::string>> cycles = b.FindCycles();
    ASSERT_EQ(cycles.size(), 1u);  // the chain makes one component
    const std::vector<std::string>& c = cycles[0];
    ASSERT_GE(c.size(), 3u);
    EXPECT_EQ(c.front(), c.back());
    for (size_t i = 0; i + 1 < c.size(); ++i) {
      const int x = std::stoi(c[i].substr(1)),
                y = std::stoi(c[i + 1].substr(1));
      EXPECT_NE(std::find(edges.begin(), edges.end(), std::make_pair(x, y)),
                edges.end())
          << c[i] << " -> " << c[i + 1] << " is not an edge";
    }
    EXPECT_THAT(b.Build().status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("dependency cycle: v0 -> ")));
  }
}

}  // namespace
}  // namespace upgrade_core::graph
