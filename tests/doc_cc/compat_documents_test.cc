// The C++ example of docs/compat-documents.md, compiled and run: the values
// its comment states hold.
#include <optional>

#include "gtest/gtest.h"
#include "tests/compat_documents_md.h"  // the block's #includes

namespace {

TEST(CompatDocumentsDocTest, FindsThePortItsCommentShows) {
#include "tests/compat_documents_md.inc"
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_TRUE(port.has_value());
  EXPECT_EQ(port->int_value(), 80);
  EXPECT_EQ(port->location().ToString(), "values.yaml:4:13");
}

}  // namespace
