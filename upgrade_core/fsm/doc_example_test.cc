// The C++ examples of docs/fsm.md, run. The code is not copied here: the
// build extracts the page's ```cpp blocks (//tools/doc_examples) into
// fsm_md.inc, included below as the body of a test: the builder block, then
// the instance block, which uses the machine the first one built.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "upgrade_core/fsm/fsm_md.h"  // the blocks' #includes
#include "upgrade_core/fsm/yaml_loader.h"

namespace upgrade_core::fsm {
namespace {

TEST(FsmDocTest, BuildThenRun) {
  ASSERT_EQ(doc_fsm_md::kNumBlocks, 2);
#include "upgrade_core/fsm/fsm_md.inc"

  ASSERT_TRUE(machine.ok()) << machine.status();
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(run->state_name(), "running");
  EXPECT_EQ(job.retries, 2);
}

// The page's YAML definitions: each loads, or fails with exactly the errors
// the page shows after it.
TEST(FsmDocTest, YamlExamples) {
  int checked = 0;
  for (const doc_fsm_md::Block& b : doc_fsm_md::kBlocks) {
    if (std::string(b.lang) != "yaml") continue;
    SCOPED_TRACE(absl::StrCat("docs/fsm.md:", b.line));
    absl::StatusOr<StateMachine> m = StateMachineFromYaml(b.code);
    if (b.prints == nullptr) {
      ASSERT_TRUE(m.ok()) << m.status();
      EXPECT_TRUE(m->Check().empty());
    } else {
      EXPECT_EQ(absl::StrCat(m.status().message(), "\n"), b.prints);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

}  // namespace
}  // namespace upgrade_core::fsm
