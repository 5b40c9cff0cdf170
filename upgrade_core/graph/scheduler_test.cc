// Tests of the incremental ready-set Scheduler.
#include "upgrade_core/graph/scheduler.h"

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/graph/graph_builder.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::graph {
namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

// backend <- controller <- webhook <- ingress; dns <- ingress; solo.
DependencyGraph Ingress() {
  GraphBuilder b;
  for (const char* n :
       {"backend", "controller", "webhook", "ingress", "dns", "solo"}) {
    b.AddNode(n);
  }
  b.AddDependency("controller", "backend");
  b.AddDependency("webhook", "controller");
  b.AddDependency("ingress", "webhook");
  b.AddDependency("ingress", "dns");
  return *b.Build();
}

std::string Names(const DependencyGraph& g, const std::vector<NodeId>& ids) {
  std::vector<std::string> out;
  for (NodeId v : ids) out.emplace_back(g.id(v));
  return absl::StrJoin(out, ",");
}

// Drives the scheduler by a script: each step is "done X", "fail X", or
// "ready" (expecting the listed nodes); checks each step's result.
TEST(SchedulerTest, Scripts) {
  struct Step {
    std::string op;  // "ready", "done", "fail"
    std::string node;
    std::string want;  // ready: ids; fail: blocked ids
  };
  struct Case {
    std::string name;
    std::vector<Step> steps;
    bool active_at_end;
    size_t done, failed, blocked;
  };
  const std::vector<Case> cases = {
      {"all succeed",
       {{"ready", "", "backend,dns,solo"},
        {"ready", "", ""},
        {"done", "dns", ""},
        {"done", "solo", ""},
        {"ready", "", ""},
        {"done", "backend", ""},
        {"ready", "", "controller"},
        {"done", "controller", ""},
        {"ready", "", "webhook"},
        {"done", "webhook", ""},
        {"ready", "", "ingress"},
        {"done", "ingress", ""}},
       false,
       6,
       0,
       0},
      {"root failure blocks the whole chain",
       {{"ready", "", "backend,dns,solo"},
        {"fail", "backend", "controller,webhook,ingress"},
        {"done", "dns", ""},
        {"done", "solo", ""},
        {"ready", "", ""}},
       false,
       2,
       1,
       3},
      {"failure in the middle blocks only dependents",
       {{"ready", "", "backend,dns,solo"},
        {"done", "backend", ""},
        {"ready", "", "controller"},
        {"fail", "controller", "webhook,ingress"},
        {"fail", "dns", ""}},  // ingress already blocked
       true,
       1,
       2,
       2},
      {"leaf failure blocks nothing",
       {{"ready", "", "backend,dns,solo"}, {"fail", "solo", ""}},
       true,
       0,
       1,
       0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const DependencyGraph g = Ingress();
    Scheduler s(g);
    for (const Step& step : c.steps) {
      SCOPED_TRACE(step.op + " " + step.node);
      if (step.op == "ready") {
        EXPECT_EQ(Names(g, s.Ready()), step.want);
      } else if (step.op == "done") {
        EXPECT_THAT(s.Done(*g.Find(step.node)), IsOk());
      } else {
        absl::StatusOr<std::vector<NodeId>> blocked =
            s.Failed(*g.Find(step.node));
        ASSERT_THAT(blocked.status(), IsOk());
        EXPECT_EQ(Names(g, *blocked), step.want);
      }
    }
    EXPECT_EQ(s.IsActive(), c.active_at_end);
    EXPECT_EQ(s.num_done(), c.done);
    EXPECT_EQ(s.num_failed(), c.failed);
    EXPECT_EQ(s.num_blocked(), c.blocked);
  }
}

TEST(SchedulerTest, MisuseIsAClearError) {
  const DependencyGraph g = Ingress();
  Scheduler s(g);
  const NodeId backend = *g.Find("backend");
  const NodeId controller = *g.Find("controller");
  EXPECT_THAT(s.Done(backend),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("cannot mark \"backend\" done: it is ready")));
  EXPECT_THAT(s.Done(controller),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("\"controller\" done: it is waiting")));
  EXPECT_THAT(s.Done(99), StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("the graph has 6 nodes")));
  s.Ready();
  EXPECT_THAT(s.Done(backend), IsOk());
  EXPECT_THAT(s.Done(backend),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("it is done (each node finishes once)")));
  EXPECT_THAT(s.Failed(backend).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("cannot mark \"backend\" failed")));
  EXPECT_EQ(s.state(backend), NodeState::kDone);
  EXPECT_EQ(s.state(controller), NodeState::kReady);
}

TEST(SchedulerTest, DrainsEveryNodeInWaveOrder) {
  const DependencyGraph g = Ingress();
  Scheduler s(g);
  std::vector<std::string> rounds;
  while (s.IsActive()) {
    std::vector<NodeId> ready = s.Ready();
    rounds.push_back(Names(g, ready));
    for (NodeId v : ready) ASSERT_THAT(s.Done(v), IsOk());
  }
  EXPECT_EQ(absl::StrJoin(rounds, " | "),
            "backend,dns,solo | controller | webhook | ingress");
  EXPECT_TRUE(s.AllDone());
}

TEST(SchedulerTest, EmptyGraphIsInactive) {
  DependencyGraph g;
  Scheduler s(g);
  EXPECT_FALSE(s.IsActive());
  EXPECT_TRUE(s.Ready().empty());
  EXPECT_TRUE(s.AllDone());
}

}  // namespace
}  // namespace upgrade_core::graph
