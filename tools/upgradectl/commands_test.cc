#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/upgradectl/command.h"

namespace upgrade_core::cli {
namespace {

using ::testing::HasSubstr;

struct Case {
  std::vector<std::string> args;
  int exit_code;
  const char* out;
  const char* err;
};

TEST(UpgradectlTest, Dispatch) {
  const Case kCases[] = {
      {{}, kExitBadInput, "", "usage: upgradectl"},
      {{"help"}, kExitOk, "version", ""},
      {{"version"}, kExitOk, "upgradectl 0.1.0", ""},
      {{"version", "x"}, kExitBadInput, "", "takes no arguments"},
      {{"frobnicate"}, kExitBadInput, "", "unknown command 'frobnicate'"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.args.empty() ? "<none>" : c.args[0]);
    std::ostringstream out, err;
    EXPECT_EQ(RunUpgradectl(c.args, out, err), c.exit_code);
    EXPECT_THAT(out.str(), HasSubstr(c.out));
    EXPECT_THAT(err.str(), HasSubstr(c.err));
  }
}

}  // namespace
}  // namespace upgrade_core::cli
