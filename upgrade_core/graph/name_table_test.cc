// Tests for the internal NameTable: interning, lookup, the dropped and
// rebuilt index, growth, and 64-bit offsets past the 32-bit limit.
#include "upgrade_core/graph/name_table.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
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

TEST(NameTableTest, DroppedIndexIsRebuiltOnFirstUse) {
  // Each way back from a dropped index: Find(), RebuildIndex(), Intern()
  // (which must not add a duplicate), Clone() (the copy rebuilds its own).
  for (const std::string way : {"find", "rebuild", "intern", "clone"}) {
    SCOPED_TRACE(way);
    NameTable t;
    t.Reserve(1000, 4000);
    for (int i = 0; i < 1000; ++i) t.Intern("n" + std::to_string(i));
    const size_t with_index = t.MemoryUsage();
    t.DropIndex();
    EXPECT_FALSE(t.indexed());
    EXPECT_LT(t.MemoryUsage(), with_index);
    EXPECT_EQ(t.name(5), "n5");  // names stay
    const NameTable* lookup = &t;
    std::unique_ptr<NameTable> copy;
    if (way == "find") {
      EXPECT_EQ(t.Find("n5"), 5u);
    } else if (way == "rebuild") {
      t.RebuildIndex();
    } else if (way == "intern") {
      EXPECT_EQ(t.Intern("n7"), std::make_pair(7u, false));
      EXPECT_EQ(t.Intern("new"), std::make_pair(1000u, true));
      EXPECT_EQ(t.Find("new"), 1000u);
    } else {
      copy = t.Clone();
      EXPECT_FALSE(copy->indexed());
      lookup = copy.get();
      EXPECT_EQ(lookup->Find("n9"), 9u);
    }
    EXPECT_TRUE(lookup->indexed());
    // (Interning may grow the arena; a clone copies it without slack.)
    if (way == "find" || way == "rebuild") {
      EXPECT_EQ(lookup->MemoryUsage(), with_index);
    }
    for (int i = 0; i < 1000; ++i) {
      ASSERT_EQ(lookup->Find("n" + std::to_string(i)),
                static_cast<uint32_t>(i));
    }
    EXPECT_EQ(lookup->Find("n1000"), std::nullopt);
  }
}

TEST(NameTableTest, DroppedIndexEmptyTable) {
  NameTable t;
  t.DropIndex();
  EXPECT_EQ(t.Find("a"), std::nullopt);
  EXPECT_EQ(t.Intern("a"), std::make_pair(0u, true));
  EXPECT_EQ(t.Find("a"), 0u);
}

TEST(NameTableTest, ConcurrentFirstLookupsAfterDrop) {
  // Const methods may run concurrently, and the first lookups after a drop
  // race to rebuild the index: exactly one must, the others must see a
  // complete index (ASan/TSan-clean; failures show as wrong answers here).
  constexpr int kNames = 20000;
  constexpr int kThreads = 8;
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(round);
    NameTable t;
    for (int i = 0; i < kNames; ++i) t.Intern(std::to_string(i));
    t.DropIndex();
    std::atomic<int> wrong{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int k = 0; k < kThreads; ++k) {
      threads.emplace_back([&, k] {
        while (!go.load()) {
        }
        for (int i = k; i < kNames; i += 7) {
          if (t.Find(std::to_string(i)) != static_cast<uint32_t>(i)) ++wrong;
          if (i % 1000 == 0 && t.MemoryUsage() == 0) ++wrong;
        }
        if (t.Find("absent") != std::nullopt) ++wrong;
      });
    }
    go.store(true);
    for (std::thread& th : threads) th.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_TRUE(t.indexed());
  }
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
