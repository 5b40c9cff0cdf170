// Tests of StateMachine::Create() validation, Check(), and diagram output.
#include "upgrade_core/fsm/state_machine.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/fsm/definition.h"
#include "upgrade_core/fsm/internal/dispatch.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::fsm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

StateMachineBuilder Sound() {
  StateMachineBuilder b("deploy");
  b.States({"pending", "running", "succeeded", "failed", "rolled_back"})
      .Initial("pending")
      .Terminal({"succeeded", "rolled_back"})
      .On("pending", "start", "running")
      .On("running", "succeed", "succeeded")
      .On("running", "fail", "failed")
      .If("retries_left")
      .On("failed", "rollback", "rolled_back");
  return b;
}

TEST(StateMachineTest, SoundMachineCompiles) {
  absl::StatusOr<StateMachine> m = Sound().Build();
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->name(), "deploy");
  EXPECT_EQ(m->num_states(), 5);
  EXPECT_EQ(m->num_events(), 4);
  EXPECT_EQ(m->state_name(m->initial()), "pending");
  EXPECT_EQ(m->event_name(0), "start");  // implicit: order of first use
  EXPECT_TRUE(m->is_terminal(*m->FindState("succeeded")));
  EXPECT_FALSE(m->is_terminal(*m->FindState("failed")));
  EXPECT_EQ(m->FindState("nope"), std::nullopt);
  EXPECT_THAT(m->guard_names(), ElementsAre("retries_left"));
  EXPECT_THAT(m->AllowedEventNames(*m->FindState("running")),
              ElementsAre("succeed", "fail"));
  EXPECT_THAT(m->AllowedEventNames(*m->FindState("succeeded")), IsEmpty());
  EXPECT_THAT(m->Check(), IsEmpty());
}

TEST(StateMachineTest, DenseTable) {
  absl::StatusOr<StateMachine> m = Sound().Build();
  ASSERT_THAT(m, IsOk());
  StateId running = *m->FindState("running");
  EventId fail = *m->FindEvent("fail");
  uint32_t i = internal::Dispatch::FirstCandidate(*m, running, fail);
  ASSERT_NE(i, internal::kNoTransition);
  EXPECT_EQ(m->state_name(internal::Dispatch::Rows(*m)[i].to), "failed");
  EXPECT_TRUE(internal::Dispatch::IsLastCandidate(*m, i));
  EXPECT_EQ(
      internal::Dispatch::FirstCandidate(*m, running, *m->FindEvent("start")),
      internal::kNoTransition);
}

TEST(StateMachineTest, DispatchCellsMarkPlainRows) {
  absl::StatusOr<StateMachine> m = Sound()
                                       .OnEntry("rolled_back", "notify")
                                       .On("pending", "cancel", "failed")
                                       .Do("log")
                                       .Build();
  ASSERT_THAT(m, IsOk());
  auto cell = [&](const char* state, const char* event) {
    return internal::Dispatch::Cell(*m, *m->FindState(state),
                                    *m->FindEvent(event));
  };
  // Plain: the target state id with kPlainBit.
  EXPECT_EQ(cell("pending", "start"),
            internal::kPlainBit | *m->FindState("running"));
  EXPECT_EQ(cell("running", "succeed"),
            internal::kPlainBit | *m->FindState("succeeded"));
  // Guarded, with an action, or entering a state with an entry action: the
  // candidate index, as FirstCandidate().
  for (auto [state, event] :
       {std::pair("running", "fail"), std::pair("pending", "cancel"),
        std::pair("failed", "rollback")}) {
    SCOPED_TRACE(absl::StrCat(state, "+", event));
    EXPECT_LT(cell(state, event), internal::kPlainBit);
    EXPECT_EQ(cell(state, event),
              internal::Dispatch::FirstCandidate(*m, *m->FindState(state),
                                                 *m->FindEvent(event)));
  }
  EXPECT_EQ(cell("succeeded", "start"), internal::kNoTransition);
}

struct BuildErrorCase {
  const char* name;
  StateMachineBuilder builder;
  std::vector<std::string> want;  // substrings of the one error
};

TEST(StateMachineTest, BuildErrorsNameEveryCulprit) {
  std::vector<BuildErrorCase> cases = {
      {"no states",
       StateMachineBuilder().Initial("a"),
       {"no states declared", "unknown initial state 'a'"}},
      {"no initial", StateMachineBuilder().States({"a"}), {"no initial state"}},
      {"unknown terminal",
       StateMachineBuilder().States({"a"}).Initial("a").Terminal({"z"}),
       {"unknown terminal state 'z'"}},
      {"duplicate state",
       StateMachineBuilder().States({"a", "a"}).Initial("a"),
       {"duplicate state 'a'"}},
      {"invalid name",
       StateMachineBuilder().States({"a", "b c"}).Initial("a"),
       {"invalid state name 'b c'"}},
      {"undefined states in a row, both ends",
       StateMachineBuilder().States({"a"}).Initial("a").On("x", "go", "y"),
       {"transition 1 (x --go--> y): unknown state 'x'",
        "transition 1 (x --go--> y): unknown state 'y'"}},
      {"undeclared event",
       StateMachineBuilder()
           .States({"a", "b"})
           .Events({"go"})
           .Initial("a")
           .On("a", "jump", "b"),
       {"unknown event 'jump' (not in events)"}},
      {"duplicate event",
       StateMachineBuilder().States({"a"}).Initial("a").Events({"go", "go"}),
       {"duplicate event 'go'"}},
      {"duplicate transition",
       StateMachineBuilder()
           .States({"a", "b", "c"})
           .Initial("a")
           .On("a", "go", "b")
           .On("a", "go", "c"),
       {"transition 2 (a --go--> c): duplicate transition from 'a' on event "
        "'go' (first defined as transition 1)"}},
      {"duplicate guarded transition",
       StateMachineBuilder()
           .States({"a", "b", "c"})
           .Initial("a")
           .On("a", "go", "b")
           .If("g")
           .On("a", "go", "c")
           .If("g"),
       {"duplicate transition from 'a' on event 'go' with guard 'g'"}},
      {"bad guard",
       StateMachineBuilder()
           .States({"a"})
           .Initial("a")
           .On("a", "go", "a")
           .If("!!x"),
       {"invalid guard '!!x'"}},
      {"bad action",
       StateMachineBuilder()
           .States({"a"})
           .Initial("a")
           .On("a", "go", "a")
           .Do("x-y"),
       {"invalid action name 'x-y'"}},
      {"bad entry action",
       StateMachineBuilder().States({"a"}).Initial("a").OnEntry("a", "1x"),
       {"invalid action name '1x' on state 'a'"}},
      {"builder misuse",
       StateMachineBuilder().States({"a"}).Initial("a").If("g").OnExit("zz",
                                                                       "f"),
       {"If(\"g\") before any On()", "OnExit: unknown state 'zz'"}},
  };
  for (const BuildErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<StateMachine> m = c.builder.Build();
    ASSERT_THAT(m, StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
    for (const std::string& want : c.want) {
      EXPECT_THAT(std::string(m.status().message()), HasSubstr(want));
    }
  }
}

struct CheckCase {
  const char* name;
  StateMachineBuilder builder;
  std::vector<DefinitionProblemKind> kinds;
  std::vector<std::vector<std::string>> states;
  std::vector<std::vector<std::string>> events;
};

TEST(StateMachineTest, CheckFindsEveryProblem) {
  std::vector<CheckCase> cases = {
      {"unreachable",
       StateMachineBuilder()
           .States({"a", "b", "island"})
           .Initial("a")
           .Terminal({"b", "island"})
           .On("a", "go", "b"),
       {DefinitionProblemKind::kUnreachableState},
       {{"island"}},
       {{}}},
      {"dead end",
       StateMachineBuilder()
           .States({"a", "stuck", "done"})
           .Initial("a")
           .Terminal({"done"})
           .On("a", "go", "stuck")
           .On("a", "finish", "done"),
       {DefinitionProblemKind::kDeadEnd},
       {{"stuck"}},
       {{}}},
      {"terminal with exits",
       StateMachineBuilder()
           .States({"a", "done"})
           .Initial("a")
           .Terminal({"done"})
           .On("a", "go", "done")
           .On("done", "again", "a"),
       {DefinitionProblemKind::kTerminalHasTransitions},
       {{"done"}},
       {{"again"}}},
      {"ambiguous: two unrelated guards",
       StateMachineBuilder()
           .States({"a", "b", "c"})
           .Initial("a")
           .Terminal({"b", "c"})
           .On("a", "go", "b")
           .If("g")
           .On("a", "go", "c")
           .If("h"),
       {DefinitionProblemKind::kAmbiguousTransition},
       {{"a", "b", "c"}},
       {{"go"}}},
      {"ambiguous: unguarded row shadows a later one",
       StateMachineBuilder()
           .States({"a", "b", "c"})
           .Initial("a")
           .Terminal({"b", "c"})
           .On("a", "go", "b")
           .On("a", "go", "c")
           .If("g"),
       {DefinitionProblemKind::kAmbiguousTransition},
       {{"a", "b", "c"}},
       {{"go"}}},
      {"unused event",
       StateMachineBuilder()
           .States({"a", "b"})
           .Events({"go", "never"})
           .Initial("a")
           .Terminal({"b"})
           .On("a", "go", "b"),
       {DefinitionProblemKind::kUnusedEvent},
       {{}},
       {{"never"}}},
      {"all at once, in kind order",
       StateMachineBuilder()
           .States({"a", "b", "c", "island", "stuck"})
           .Events({"go", "back", "never"})
           .Initial("a")
           .Terminal({"b"})
           .On("a", "go", "b")
           .If("g")
           .On("a", "go", "c")
           .If("h")
           .On("b", "back", "a")
           .On("c", "go", "stuck"),
       {DefinitionProblemKind::kUnreachableState,
        DefinitionProblemKind::kDeadEnd, DefinitionProblemKind::kDeadEnd,
        DefinitionProblemKind::kTerminalHasTransitions,
        DefinitionProblemKind::kAmbiguousTransition,
        DefinitionProblemKind::kUnusedEvent},
       {{"island"}, {"island"}, {"stuck"}, {"b"}, {"a", "b", "c"}, {}},
       {{}, {}, {}, {"back"}, {"go"}, {"never"}}},
  };
  for (const CheckCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<StateMachine> m = c.builder.Build();
    ASSERT_THAT(m, IsOk());
    std::vector<DefinitionProblem> problems = m->Check();
    ASSERT_EQ(problems.size(), c.kinds.size());
    for (size_t i = 0; i < problems.size(); ++i) {
      SCOPED_TRACE(problems[i].message);
      EXPECT_EQ(problems[i].kind, c.kinds[i]);
      EXPECT_EQ(problems[i].states, c.states[i]);
      EXPECT_EQ(problems[i].events, c.events[i]);
      for (const std::string& name : problems[i].states) {
        EXPECT_THAT(problems[i].message, HasSubstr(name));
      }
    }
  }
}

TEST(StateMachineTest, ExclusiveGuardsAreNotAmbiguous) {
  struct Case {
    const char* name;
    std::vector<const char*> guards;  // "" = unguarded
  };
  const Case cases[] = {
      {"g then !g", {"g", "!g"}},
      {"!g then g", {"!g", "g"}},
      {"g then else", {"g", ""}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StateMachineBuilder b;
    b.States({"a", "b", "c"}).Initial("a").Terminal({"b", "c"});
    const char* targets[] = {"b", "c"};
    for (size_t i = 0; i < c.guards.size(); ++i) {
      b.On("a", "go", targets[i]);
      if (*c.guards[i]) b.If(c.guards[i]);
    }
    absl::StatusOr<StateMachine> m = b.Build();
    ASSERT_THAT(m, IsOk());
    EXPECT_THAT(m->Check(), IsEmpty());
  }
}

TEST(StateMachineTest, ProblemKindNames) {
  EXPECT_EQ(DefinitionProblemKindName(DefinitionProblemKind::kUnreachableState),
            "unreachable_state");
  EXPECT_EQ(DefinitionProblemKindName(DefinitionProblemKind::kDeadEnd),
            "dead_end");
  EXPECT_EQ(
      DefinitionProblemKindName(DefinitionProblemKind::kTerminalHasTransitions),
      "terminal_has_transitions");
  EXPECT_EQ(
      DefinitionProblemKindName(DefinitionProblemKind::kAmbiguousTransition),
      "ambiguous_transition");
  EXPECT_EQ(DefinitionProblemKindName(DefinitionProblemKind::kUnusedEvent),
            "unused_event");
}

TEST(StateMachineTest, Mermaid) {
  absl::StatusOr<StateMachine> m =
      Sound().On("pending", "cancel", "rolled_back").Do("notify").Build();
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->ToMermaid(),
            "stateDiagram-v2\n"
            "    [*] --> pending\n"
            "    pending --> running : start\n"
            "    running --> succeeded : succeed\n"
            "    running --> failed : fail [retries_left]\n"
            "    failed --> rolled_back : rollback\n"
            "    pending --> rolled_back : cancel / notify\n"
            "    succeeded --> [*]\n"
            "    rolled_back --> [*]\n");
}

TEST(StateMachineTest, Dot) {
  absl::StatusOr<StateMachine> m = StateMachineBuilder("tiny")
                                       .States({"a", "b"})
                                       .Initial("a")
                                       .Terminal({"b"})
                                       .On("a", "go", "b")
                                       .If("!ready")
                                       .Build();
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->ToDot(),
            "digraph \"tiny\" {\n"
            "  rankdir=LR;\n"
            "  node [shape=box, style=rounded];\n"
            "  \"__initial\" [shape=point, label=\"\"];\n"
            "  \"a\";\n"
            "  \"b\" [peripheries=2];\n"
            "  \"__initial\" -> \"a\";\n"
            "  \"a\" -> \"b\" [label=\"go [!ready]\"];\n"
            "}\n");
}

TEST(StateMachineTest, MermaidListsIsolatedStates) {
  absl::StatusOr<StateMachine> m =
      StateMachineBuilder().States({"a", "lonely"}).Initial("a").Build();
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->ToMermaid(), "stateDiagram-v2\n    [*] --> a\n    lonely\n");
}

}  // namespace
}  // namespace upgrade_core::fsm
