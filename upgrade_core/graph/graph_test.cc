// Tests of DependencyGraph algorithms: topological order, waves, impact,
// critical path, subgraphs, and properties on random graphs.
#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/graph/dependency_graph.h"
#include "upgrade_core/graph/graph_builder.h"
#include "upgrade_core/graph/graph_test_util.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::graph {
namespace {

using test_util::Edge;
using test_util::Ids;
using test_util::MustBuild;
using test_util::WavesString;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

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
