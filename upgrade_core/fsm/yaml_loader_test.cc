// Tests of the YAML form: good definitions, and bad ones reported with line
// and column.
#include "upgrade_core/fsm/yaml_loader.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::fsm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

constexpr char kIssueExample[] = R"(initial: pending
terminal: [succeeded, rolled_back]
states: [pending, running, succeeded, failed, rolled_back]
transitions:
  - {from: pending, event: start, to: running}
  - {from: running, event: succeed, to: succeeded}
  - {from: running, event: fail, to: failed, guard: retries_left}   # guard/action: names bound at run time
  - {from: failed, event: rollback, to: rolled_back}
)";

TEST(YamlLoaderTest, IssueExample) {
  absl::StatusOr<StateMachine> m = StateMachineFromYaml(kIssueExample);
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->num_states(), 5);
  EXPECT_EQ(m->num_events(), 4);
  EXPECT_EQ(m->state_name(m->initial()), "pending");
  EXPECT_THAT(m->guard_names(), ElementsAre("retries_left"));
  EXPECT_THAT(m->Check(), IsEmpty());
  EXPECT_EQ(m->definition().transitions[2].where, "line 7, column 5");
}

TEST(YamlLoaderTest, FullForm) {
  absl::StatusOr<StateMachine> m = StateMachineFromYaml(R"(
name: deploy
initial: idle
terminal: done
states:
  - idle
  - {name: busy, on_entry: start_timer, on_exit: stop_timer}
  - done
events: [go, finish, never]
transitions:
  - from: idle
    event: go
    to: busy
    action: log
  - {from: busy, event: finish, to: done, guard: "!slow"}
  - {from: busy, event: finish, to: busy}
)");
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->name(), "deploy");
  EXPECT_TRUE(m->is_terminal(*m->FindState("done")));
  EXPECT_THAT(m->action_names(),
              ElementsAre("start_timer", "stop_timer", "log"));
  EXPECT_EQ(m->entry_action(*m->FindState("busy")), 0);
  EXPECT_EQ(m->exit_action(*m->FindState("busy")), 1);
  std::vector<Problem> problems = m->Check();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, ProblemKind::kUnusedEvent);
  EXPECT_THAT(problems[0].events, ElementsAre("never"));
}

TEST(YamlLoaderTest, BadInputHasLineAndColumn) {
  struct Case {
    const char* name;
    const char* yaml;
    std::vector<const char*> want;
  };
  const Case cases[] = {
      {"unknown state",
       "initial: a\nstates: [a, b]\ntransitions:\n"
       "  - {from: a, event: go, to: b}\n"
       "  - {from: b, event: go, to: c}\n",
       {"line 5, column 5: unknown state 'c'"}},
      {"duplicate transition",
       "initial: a\nstates: [a, b, c]\ntransitions:\n"
       "  - {from: a, event: go, to: b}\n"
       "  - {from: a, event: go, to: c}\n",
       {"line 5, column 5: duplicate transition from 'a' on event 'go' (first "
        "defined at line 4, column 5)"}},
      {"unknown initial",
       "initial: z\nstates: [a]\ntransitions: []\n",
       {"line 1, column 10: unknown initial state 'z'"}},
      {"unknown terminal",
       "initial: a\nterminal: [a, q]\nstates: [a]\ntransitions: []\n",
       {"line 2, column 11: unknown terminal state 'q'"}},
      {"duplicate state",
       "initial: a\nstates:\n  - a\n  - a\ntransitions: []\n",
       {"line 4, column 5: duplicate state 'a'"}},
      {"syntax error",
       "initial: a\nstates: [a, b\ntransitions: []\n",
       {"YAML syntax error"}},
      {"not a map", "- a\n- b\n", {"line 1, column 1: a state machine"}},
      {"empty", "", {"must be a mapping"}},
      {"missing keys",
       "name: x\n",
       {"missing key 'initial'", "missing key 'states'",
        "missing key 'transitions'"}},
      {"unknown keys everywhere",
       "initial: a\nstates: [a, {name: b, colour: red}]\nevents: [go]\n"
       "transitions:\n  - {from: a, event: go, to: b, when: later}\n"
       "extra: 1\n",
       {"line 2, column 23: unknown state key 'colour'",
        "line 5, column 33: unknown transition key 'when'",
        "line 6, column 1: unknown key 'extra'"}},
      {"missing row keys",
       "initial: a\nstates: [a]\ntransitions:\n  - {from: a, to: a}\n",
       {"line 4, column 5: transition without 'event'"}},
      {"wrong types",
       "initial: [a]\nstates: {a: 1}\ntransitions: x\n",
       {"line 1, column 10: initial: want a name",
        "line 2, column 9: states: want a list",
        "line 3, column 14: transitions: want a list"}},
      {"nested value in a row",
       "initial: a\nstates: [a]\ntransitions:\n  - {from: [a], event: e, to: "
       "a}\n",
       {"line 4, column 12: from: want a name"}},
      {"duplicate keys",
       "initial: a\ninitial: b\nstates: [a]\ntransitions:\n"
       "  - {from: a, event: e, to: a, to: a}\n",
       {"line 2, column 1: duplicate key 'initial'",
        "line 5, column 32: duplicate key 'to'"}},
      {"undeclared event",
       "initial: a\nstates: [a]\nevents: [go]\ntransitions:\n"
       "  - {from: a, event: jump, to: a}\n",
       {"line 5, column 5: unknown event 'jump' (not in events)"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<StateMachine> m = StateMachineFromYaml(c.yaml);
    ASSERT_THAT(m, StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
    for (const char* want : c.want) {
      EXPECT_THAT(std::string(m.status().message()), HasSubstr(want));
    }
  }
}

}  // namespace
}  // namespace upgrade_core::fsm
