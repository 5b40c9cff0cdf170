// The C++ block of docs/run.md, compiled and run: RunCommands() runs a
// plan's commands through the Executor with a journal, and a second call on
// the same journal resumes the finished run without running anything again.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "tests/doc_cc/compat_test_util.h"
#include "tests/run_md.h"  // the block's #includes
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"

namespace doc_run {

#include "tests/run_md.inc"

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(RunDocTest, RunsTheCommandsAndResumesAFinishedRun) {
  const std::string dir = doc_cc::ScratchDir("run_md");
  const std::string marks = dir + "/marks";
  absl::StatusOr<plan::Plan> loaded = plan::Plan::FromYaml(
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: t}\n"
      "components:\n  - id: web\n    commands:\n"
      "      apply: {run: 'echo \"$UPGRADE_STEP\" >> " +
      marks +
      "'}\n"
      "    verify: [{name: ok, run: 'test -s " +
      marks + "'}]\n");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  absl::StatusOr<plan::ExecutionPlan> compiled = plan::CompilePlan(*loaded);
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  const std::string journal = dir + "/upgrade.journal";
  absl::StatusOr<exec::PlanOutcome> outcome = RunCommands(*compiled, journal);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(*outcome, exec::PlanOutcome::kSucceeded);
  EXPECT_EQ(Read(marks), "start-new\n");
  // The journal holds the finished run: nothing runs again.
  outcome = RunCommands(*compiled, journal);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(*outcome, exec::PlanOutcome::kSucceeded);
  EXPECT_EQ(Read(marks), "start-new\n");
}

}  // namespace doc_run
