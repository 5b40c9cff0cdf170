// Helm value merging at realistic and hostile sizes (the Helm semantics
// themselves are covered in diff_test.cc's MergeTest).
#include "upgrade_core/compat/merge.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/compat/diff.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::compat {
using document::Document;
using document::LoadOptions;
using document::Node;

namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::StatusIs;

Document Yaml(const std::string& text, const std::string& source) {
  absl::StatusOr<Document> d = Document::FromYaml(text, source);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : Document();
}

std::string FlowMap(int first, int count, const std::string& value_prefix) {
  std::string text = "{";
  for (int i = first; i < first + count; ++i) {
    absl::StrAppend(&text, i == first ? "" : ", ", "k", i, ": ", value_prefix,
                    i);
  }
  return text + "}";
}

// Regression (issue 9, defect 1): with more than 16 override keys the merge
// switched to a hash index whose "not found" came back as 4294967295 and was
// used as an index: a segmentation fault on an ordinary values file.
TEST(MergeTest, SeventeenOverrideKeysDoNotCrash) {
  struct Case {
    int override_keys;
  };
  for (const Case& c : {Case{16}, Case{17}, Case{18}, Case{100}, Case{1000}}) {
    SCOPED_TRACE(c.override_keys);
    Document defaults = Yaml("{k0: 100, x: 1}", "defaults.yaml");
    Document overrides =
        Yaml(FlowMap(0, c.override_keys, "v"), "overrides.yaml");
    Document merged = MergeValues(defaults.root(), overrides.root());
    Node root = merged.root();
    ASSERT_TRUE(root.is_map());
    // Union of keys: the defaults' (k0, x) then the override-only ones.
    EXPECT_EQ(root.size(), static_cast<size_t>(c.override_keys) + 1);
    EXPECT_EQ(root.key(0), "k0");
    EXPECT_EQ(root.Get("k0")->text(), "v0");
    EXPECT_EQ(root.Get("x")->text(), "1");
    EXPECT_EQ(root.Get(absl::StrCat("k", c.override_keys - 1))->text(),
              absl::StrCat("v", c.override_keys - 1));
  }
}

// The same lookup serves several override files merged with each other.
TEST(MergeTest, SeventeenKeysAcrossSeveralOverrideFiles) {
  Document defaults = Yaml("{k0: 100, x: 1}", "defaults.yaml");
  Document first = Yaml(FlowMap(0, 17, "a"), "first.yaml");
  Document second = Yaml(FlowMap(10, 17, "b"), "second.yaml");
  std::vector<Node> files = {first.root(), second.root()};
  Document merged = MergeValues(defaults.root(), files);
  Node root = merged.root();
  EXPECT_EQ(root.size(), 28u);  // k0..k26 and x
  EXPECT_EQ(root.Get("k0")->text(), "a0");
  EXPECT_EQ(root.Get("k9")->text(), "a9");
  EXPECT_EQ(root.Get("k10")->text(), "b10");
  EXPECT_EQ(root.Get("k26")->text(), "b26");
  EXPECT_EQ(root.Get("x")->text(), "1");
}

// Large maps on both sides: every default survives, every override wins.
TEST(MergeTest, LargeMapsMergeKeyByKey) {
  Document defaults = Yaml(FlowMap(0, 500, "d"), "defaults.yaml");
  Document overrides = Yaml(FlowMap(250, 500, "o"), "overrides.yaml");
  Document merged = MergeValues(defaults.root(), overrides.root());
  Node root = merged.root();
  ASSERT_EQ(root.size(), 750u);
  for (int i = 0; i < 750; ++i) {
    ASSERT_EQ(root.key(i), absl::StrCat("k", i));
    ASSERT_EQ(root.child(i).text(), absl::StrCat(i < 250 ? "d" : "o", i));
  }
}

// Regression (issue 9, defect 7): with max_depth raised, recursion in merge,
// JSON, equality and lookups overflowed the stack at 15k-40k levels. The
// accepted maximum is bounded, and every recursive operation is exercised at
// that maximum (under ASan too, where frames are larger).
TEST(DocumentTest, DepthIsBoundedAndEveryOperationWorksAtTheBound) {
  LoadOptions too_deep;
  too_deep.max_depth = 40000;
  EXPECT_THAT(Document::FromYaml("a: 1", "v.yaml", too_deep).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("LoadOptions.max_depth must be between 1 "
                                 "and 1000, got 40000")));
  LoadOptions deepest;
  deepest.max_depth = LoadOptions::kMaxDepthLimit;
  const int levels = LoadOptions::kMaxDepthLimit;
  std::string text;
  for (int i = 0; i < levels - 1; ++i) text += "{a: ";
  text += "[1]";
  for (int i = 0; i < levels - 1; ++i) text += "}";
  absl::StatusOr<Document> doc = Document::FromYaml(text, "v.yaml", deepest);
  ASSERT_TRUE(doc.ok()) << doc.status();
  absl::StatusOr<Document> over =
      Document::FromYaml("[" + text + "]", "v.yaml", deepest);
  EXPECT_THAT(over.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("nesting deeper than 1000")));
  Document merged = MergeValues(doc->root(), doc->root());
  EXPECT_TRUE(merged.root().Equals(doc->root()));
  EXPECT_EQ(merged.ToJson().size(), doc->ToJson().size());
  EXPECT_TRUE(Diff(doc->root(), merged.root()).empty());
  std::string path = "a";
  for (int i = 0; i < levels - 2; ++i) path += ".a";
  std::optional<Node> leaf = doc->root().Find(path);
  ASSERT_TRUE(leaf.has_value());
  EXPECT_TRUE(leaf->is_list());
  EXPECT_EQ(leaf->location().ToString(), "v.yaml:1:3997");
}

}  // namespace
}  // namespace upgrade_core::compat
