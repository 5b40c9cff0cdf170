// The C++ blocks of docs/journal.md, compiled and run: the storage
// interface (an excerpt of journal_store.h, compiled here as a declaration
// of its own) and the example's functions, which open a plan's journal,
// write a record and read it back.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "tests/journal_md.h"  // the blocks' #includes

namespace doc_journal {

#include "tests/journal_md.inc"

TEST(JournalDocTest, OpensWritesAndReadsBack) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  ASSERT_NE(tmp, nullptr);
  const std::string path = std::string(tmp) + "/upgrade.journal";
  absl::StatusOr<std::unique_ptr<exec::Journal>> journal =
      OpenPlanJournal(path, "ingress-nginx", "3f2a9c0d11e4b7aa");
  ASSERT_TRUE(journal.ok()) << journal.status();
  ASSERT_TRUE(WriteIssued(**journal).ok());
  absl::StatusOr<exec::JournalContents> contents = ReadBack(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_TRUE(contents->header.has_value());
  EXPECT_EQ(contents->header->plan_name(), "ingress-nginx");
  ASSERT_EQ(contents->records.size(), 1u);
  EXPECT_EQ(contents->records[0].issued().action_id(), 1u);
  journal->reset();
  // "another plan": the same file opened for another plan is refused.
  EXPECT_FALSE(OpenPlanJournal(path, "other", "abcd").ok());
}

}  // namespace doc_journal
