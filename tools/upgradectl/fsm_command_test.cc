// `upgradectl fsm`, run in-process.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/upgradectl/command.h"

namespace upgrade_core::cli {
namespace {

using ::testing::HasSubstr;

std::string WriteTemp(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(FsmCommandTest, Cases) {
  const std::string sound = WriteTemp("sound.yaml", R"(name: deploy
initial: a
terminal: [b]
states: [a, b]
transitions:
  - {from: a, event: go, to: b}
)");
  const std::string loose = WriteTemp("loose.yaml", R"(initial: a
terminal: [b]
states: [a, b, island]
transitions:
  - {from: a, event: go, to: b}
)");
  const std::string bad = WriteTemp("bad.yaml", R"(initial: a
states: [a]
transitions:
  - {from: a, event: go, to: nowhere}
)");
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string out;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"fsm", sound},
       kExitOk,
       "deploy: 2 states, 1 events, 1 transitions\nsound\n",
       ""},
      {{"fsm", loose},
       kExitFindings,
       "error: states island: state 'island' is unreachable",
       ""},
      {{"fsm", "--format=json", loose},
       kExitFindings,
       "\"summary\":{\"error\":2,\"warning\":0,\"info\":0},\"diagnostics\":"
       "[{\"severity\":\"error\",\"code\":\"fsm.unreachable_state\"",
       ""},
      {{"fsm", "--format", "mermaid", "builtin:component"},
       kExitOk,
       "stateDiagram-v2\n    [*] --> pending\n",
       ""},
      {{"fsm", "--format=dot", "builtin:plan"},
       kExitOk,
       "digraph \"plan_lifecycle\" {",
       ""},
      {{"fsm", "builtin:plan"}, kExitOk, "plan_lifecycle: 10 states", ""},
      {{"fsm", bad}, kExitBadInput, "", bad + ":4:5: unknown state 'nowhere'"},
      {{"fsm", "/no/such/file.yaml"},
       kExitBadInput,
       "",
       "/no/such/file.yaml: cannot open"},
      {{"fsm", "/dev/zero"},
       kExitBadInput,
       "",
       "/dev/zero: is a character device"},
      {{"fsm"}, kExitBadInput, "", "upgradectl fsm: no definition given"},
      {{"fsm", "--format"}, kExitBadInput, "", "--format needs a value"},
      {{"fsm", "--format=svg", sound},
       kExitBadInput,
       "",
       "unknown format 'svg'"},
      {{"fsm", "--frob", sound}, kExitBadInput, "", "unknown flag '--frob'"},
      {{"help"}, kExitOk, "fsm", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args.size() > 1 ? c.args[1] : c.args[0]);
    std::ostringstream out, err;
    EXPECT_EQ(RunUpgradectl(c.args, out, err), c.exit_code);
    EXPECT_THAT(out.str(), HasSubstr(c.out));
    EXPECT_THAT(err.str(), HasSubstr(c.err));
  }
}

}  // namespace
}  // namespace upgrade_core::cli
