// Tests for the internal NameTable: interning, lookup, the dropped and
// rebuilt index, growth, and 64-bit offsets past the 32-bit limit.
#include "upgrade_core/graph/name_table.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace upgrade_core::graph::internal {
namespace {

TEST(NameTableTest, InternsOnceAndFinds) {
  NameTable t;
  struct Case {
    std::string name;
    uint32_t index;
    bool inserted;
  };
  const std::vector<Case> cases = {
      {"a", 0, true}, {"b", 1, true}, {"a", 0, false},
      {"", 2, true},  {"", 2, false}, {"long name with spaces", 3, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto [index, inserted] = t.Intern(c.name);
    EXPECT_EQ(index, c.index);
    EXPECT_EQ(inserted, c.inserted);
    EXPECT_EQ(t.name(index), c.name);
    EXPECT_EQ(t.Find(c.name), c.index);
  }
  EXPECT_EQ(t.size(), 4u);
  EXPECT_EQ(t.Find("missing"), std::nullopt);
}

TEST(NameTableTest, GrowsThroughManyNames) {
  NameTable t;  // no Reserve: the index grows by doubling
  constexpr int kNames = 100000;
  for (int i = 0; i < kNames; ++i) {
    ASSERT_EQ(t.Intern(std::to_string(i)).first, static_cast<uint32_t>(i));
  }
  for (int i = 0; i < kNames; i += 997) {
    EXPECT_EQ(t.Find(std::to_string(i)), static_cast<uint32_t>(i));
    EXPECT_EQ(t.name(i), std::to_string(i));
  }
  EXPECT_EQ(t.Find("x"), std::nullopt);
}

TEST(NameTableTest, DropAndRebuildIndex) {
  NameTable t;
  t.Reserve(1000, 4000);
  for (int i = 0; i < 1000; ++i) t.Intern("n" + std::to_string(i));
  const size_t with_index = t.MemoryUsage();
  t.DropIndex();
  EXPECT_LT(t.MemoryUsage(), with_index);
  EXPECT_EQ(t.Find("n5"), std::nullopt);  // no index: nothing found
  EXPECT_EQ(t.name(5), "n5");             // names stay
  t.RebuildIndex();
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(t.Find("n" + std::to_string(i)), static_cast<uint32_t>(i));
  }
  // Interning after a drop rebuilds the index first (no duplicate added).
  t.DropIndex();
  EXPECT_EQ(t.Intern("n7"), std::make_pair(7u, false));
  EXPECT_EQ(t.Intern("new"), std::make_pair(1000u, true));
  EXPECT_EQ(t.Find("new"), 1000u);
}

TEST(NameTableTest, CloneIsIndependent) {
  NameTable t;
  t.Intern("a");
  std::unique_ptr<NameTable> c = t.Clone();
  c->Intern("b");
  EXPECT_EQ(t.Find("b"), std::nullopt);
  EXPECT_EQ(c->Find("a"), 0u);
  EXPECT_EQ(c->Find("b"), 1u);
}

TEST(NameTableTest, SwitchesToWideOffsetsPastTheLimit) {
  NameTable t;
  t.set_narrow_limit_for_testing(10);
  const std::vector<std::string> names = {"abcd", "efgh", "ijkl", "mnop", ""};
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(t.Intern(names[i]).first, i);
    EXPECT_EQ(t.wide_offsets(), i >= 2) << i;  // 12 chars > 10 after "ijkl"
  }
  for (size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(t.name(i), names[i]);
    EXPECT_EQ(t.Find(names[i]), i);
  }
  std::unique_ptr<NameTable> c = t.Clone();
  EXPECT_EQ(c->name(3), "mnop");
  EXPECT_EQ(c->Find("efgh"), 1u);
}

}  // namespace
}  // namespace upgrade_core::graph::internal
