// The C++ example of docs/compat-diff.md, compiled and run: it prints the
// line its comment shows.
#include <iostream>
#include <string>

#include "gtest/gtest.h"
#include "tests/compat_diff_md.h"  // the block's #includes

namespace {

void PageExample(){
#include "tests/compat_diff_md.inc"
}

TEST(CompatDiffDocTest, PrintsTheChangeItsCommentShows) {
  testing::internal::CaptureStdout();
  PageExample();
  EXPECT_EQ(testing::internal::GetCapturedStdout(),
            "changed c[name=app].image old.yaml:2:22 -> new.yaml:3:22\n");
}

}  // namespace
