// The C++ example of docs/plan-reference.md, compiled and run (the build
// extracts the page's ```cpp block, //tools/doc_examples): it loads and
// compiles the ingress example's plan and prints the execution plan.
#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/plan_reference_md.h"  // the block's #includes

namespace {

// The block is a main()'s body: it returns 2 or 1 on errors.
int PageExample() {
#include "tests/plan_reference_md.inc"
  return 0;
}

TEST(PlanReferenceDocTest, CompilesTheIngressPlan) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  int code = PageExample();
  std::string out = testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 0) << err;
  EXPECT_TRUE(absl::StartsWith(
      out, "Execution plan \"rke2-ingress-nginx\": 4 components, 4 waves"))
      << out;
}

}  // namespace
