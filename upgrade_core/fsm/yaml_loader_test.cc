// Tests of the YAML form: good definitions, and bad ones reported with line
// and column.
#include "upgrade_core/fsm/yaml_loader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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
  EXPECT_EQ(m->definition().transitions[2].where, "<input>:7:5");
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
  std::vector<DefinitionProblem> problems = m->Check();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].kind, DefinitionProblemKind::kUnusedEvent);
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
       {"<input>:5:5: unknown state 'c'"}},
      {"duplicate transition",
       "initial: a\nstates: [a, b, c]\ntransitions:\n"
       "  - {from: a, event: go, to: b}\n"
       "  - {from: a, event: go, to: c}\n",
       {"<input>:5:5: duplicate transition from 'a' on event 'go' (first "
        "defined at <input>:4:5)"}},
      {"unknown initial",
       "initial: z\nstates: [a]\ntransitions: []\n",
       {"<input>:1:10: unknown initial state 'z'"}},
      {"unknown terminal",
       "initial: a\nterminal: [a, q]\nstates: [a]\ntransitions: []\n",
       {"<input>:2:11: unknown terminal state 'q'"}},
      {"duplicate state",
       "initial: a\nstates:\n  - a\n  - a\ntransitions: []\n",
       {"<input>:4:5: duplicate state 'a'"}},
      {"syntax error",
       "initial: a\nstates: [a, b\ntransitions: []\n",
       {"<input>:3:12: invalid YAML: did not find expected ',' or ']'"}},
      {"not a map", "- a\n- b\n", {"<input>:1:1: a state machine"}},
      {"empty", "", {"must be a mapping"}},
      {"missing keys",
       "name: x\n",
       {"missing key 'initial'", "missing key 'states'",
        "missing key 'transitions'"}},
      {"unknown keys everywhere",
       "initial: a\nstates: [a, {name: b, colour: red}]\nevents: [go]\n"
       "transitions:\n  - {from: a, event: go, to: b, when: later}\n"
       "extra: 1\n",
       {"<input>:2:23: states[1]: unknown state key 'colour'",
        "<input>:5:33: transitions[0]: unknown transition key 'when'",
        "<input>:6:1: unknown key 'extra'"}},
      {"missing row keys",
       "initial: a\nstates: [a]\ntransitions:\n  - {from: a, to: a}\n",
       {"<input>:4:5: transitions[0]: transition without 'event'"}},
      {"wrong types",
       "initial: [a]\nstates: {a: 1}\ntransitions: x\n",
       {"<input>:1:10: initial: want a name, got list",
        "<input>:2:9: states: want a list",
        "<input>:3:14: transitions: want a list"}},
      {"nested value in a row",
       "initial: a\nstates: [a]\ntransitions:\n  - {from: [a], event: e, to: "
       "a}\n",
       {"<input>:4:12: transitions[0].from: want a name, got list"}},
      {"duplicate keys",
       "initial: a\ninitial: b\nstates: [a]\ntransitions:\n"
       "  - {from: a, event: e, to: a, to: a}\n",
       {"<input>:5:32: duplicate key 'to'"}},  // the loader stops at the first
      {"undeclared event",
       "initial: a\nstates: [a]\nevents: [go]\ntransitions:\n"
       "  - {from: a, event: jump, to: a}\n",
       {"<input>:5:5: unknown event 'jump' (not in events)"}},
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

// Regression tests for issue 9, defect 6: definitions go through the shared
// document loader, so hostile input gets located `file:line:col` errors.
TEST(YamlLoaderTest, HostileInputIsALocatedError) {
  struct Case {
    const char* name;
    std::string yaml;
    const char* want;
  };
  const std::vector<Case> cases = {
      {"invalid UTF-8 at its real position",
       std::string("initial: a\nstates: [a]\nname: ab\xff\ntransitions: []\n"),
       "defs.yaml:3:9: invalid YAML: invalid leading UTF-8 octet (#xff)"},
      {"NUL byte at its real position",
       std::string("initial: a\nstates: [a, b", 24) + std::string(1, '\0') +
           "]\n",
       "defs.yaml:2:14: invalid YAML: control characters are not allowed"},
      {"a second document is not ignored",
       "initial: a\nstates: [a]\ntransitions: []\n---\ninitial: b\n",
       "defs.yaml:4:1:"},
      {"source name in schema errors",
       "initial: a\nstates: [a]\ntransitions:\n  - {from: a, event: e, to: "
       "zz}\n",
       "defs.yaml:4:5: unknown state 'zz'"},
      {"nesting over the depth limit", std::string(600, '[') + "a",
       "defs.yaml:1:513: nesting deeper than 512 levels"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<StateMachine> m = StateMachineFromYaml(c.yaml, "defs.yaml");
    EXPECT_THAT(
        m, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.want)));
  }
}

// 40k states x 40k events used to abort with bad_alloc building the dense
// table; past the limit it is a clear error, quickly.
TEST(YamlLoaderTest, HugeStatesTimesEventsIsAClearError) {
  std::string yaml = "initial: s0\nstates: [";
  for (int i = 0; i < 3000; ++i) absl::StrAppend(&yaml, i ? "," : "", "s", i);
  yaml += "]\nevents: [";
  for (int i = 0; i < 3000; ++i) absl::StrAppend(&yaml, i ? "," : "", "e", i);
  yaml += "]\ntransitions:\n  - {from: s0, event: e0, to: s1}\n";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THAT(StateMachineFromYaml(yaml),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("state machine too large: 3000 states x 3000 "
                                 "events = 9000000 transition table cells, "
                                 "over the limit of 4194304")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

// Thousands of distinct guards on one (state, event) stay linear to check.
TEST(YamlLoaderTest, ManyGuardsOnOneEventLoadQuickly) {
  std::string yaml = "initial: a\nstates: [a, b]\ntransitions:\n";
  for (int i = 0; i < 20000; ++i) {
    absl::StrAppend(&yaml, "  - {from: a, event: go, to: b, guard: g", i,
                    "}\n");
  }
  absl::StrAppend(&yaml, "  - {from: a, event: go, to: b, guard: g7}\n");
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<StateMachine> m = StateMachineFromYaml(yaml, "g.yaml");
  EXPECT_THAT(m, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("g.yaml:20004:5: duplicate transition from "
                                    "'a' on event 'go' with guard 'g7' (first "
                                    "defined at g.yaml:11:5)")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(YamlLoaderTest, FromFileRefusesAFifo) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(dir ? dir : "/tmp", "/defs.fifo");
  ::unlink(path.c_str());
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  EXPECT_THAT(
      StateMachineFromFile(path),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("is a FIFO (named pipe), not a regular file")));
  ::unlink(path.c_str());
}

}  // namespace
}  // namespace upgrade_core::fsm
