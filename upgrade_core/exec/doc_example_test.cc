// The C++ example of docs/exec.md, run. The code is not copied here: the
// build extracts the page's ```cpp block (//tools/doc_examples) into
// exec_md.inc, included below as the body of a test, which then checks what
// the page says about it: the plan succeeds after one retry, and its status
// reads as the page's first ```text block.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/exec_md.h"  // the block's #includes

namespace upgrade_core::exec {
namespace {

const char* FirstTextBlock() {
  for (const doc_exec_md::Block& b : doc_exec_md::kBlocks) {
    if (std::string(b.lang) == "text") return b.code;
  }
  return nullptr;
}

TEST(ExecDocTest, RunsThePlanWithOneRetry) {
  ASSERT_EQ(doc_exec_md::kNumBlocks, 1);
#include "upgrade_core/exec/exec_md.inc"

  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(succeeded) << status;
  EXPECT_THAT(ran, ::testing::Contains("ingress-controller/start-new #2"));
  EXPECT_EQ(ran.size(), 11u);
  ASSERT_NE(FirstTextBlock(), nullptr);
  EXPECT_EQ(status, FirstTextBlock());
}

}  // namespace
}  // namespace upgrade_core::exec
