// File: journal_test_util.h
// -----------------------------------------------------------------------------
// Helpers shared by the Journal's tests (testonly): a fresh temporary
// directory, whole-file reads, headers and records (issued actions and their
// outcomes), records compared by their serialization, group-commit options
// that skip most syncs, and a journal written with given records.
#ifndef UPGRADE_CORE_EXEC_JOURNAL_TEST_UTIL_H_
#define UPGRADE_CORE_EXEC_JOURNAL_TEST_UTIL_H_

#include <stdlib.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/journal.h"
#include "upgrade_core/proto/journal.pb.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::exec::journal_test_util {

inline std::string NewDir() {
  std::string dir = ::testing::TempDir();
  if (dir.empty() || dir.back() != '/') dir += '/';
  dir += "journal_XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << dir;
  return dir;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

inline proto::JournalHeader Header(const std::string& plan,
                                   const std::string& hash) {
  proto::JournalHeader header;
  header.set_plan_name(plan);
  header.set_plan_hash(hash);
  header.set_created_at_ms(1700000000000);
  return header;
}

inline proto::JournalHeader DefaultHeader() {
  return Header("ingress-nginx", "3f2a9c0d11e4b7aa");
}

inline proto::JournalRecord Issued(uint64_t id, int step) {
  proto::JournalRecord r;
  proto::ActionIssued* a = r.mutable_issued();
  a->set_action_id(id);
  a->set_step(step);
  a->set_attempt(1);
  a->set_issued_at_ms(1700000000000 + 1000 * id);
  a->set_deadline_ms(1700000300000 + 1000 * id);
  return r;
}

inline proto::JournalRecord Outcome(uint64_t id, proto::ActionOutcomeKind kind,
                                    const std::string& reason) {
  proto::JournalRecord r;
  proto::ActionOutcome* o = r.mutable_outcome();
  o->set_action_id(id);
  o->set_kind(kind);
  o->set_reason(reason);
  o->set_at_ms(1700000000500 + 1000 * id);
  return r;
}

// Records compared by their serialization (deterministic for equal messages).
inline std::vector<std::string> Serialized(
    const std::vector<proto::JournalRecord>& records) {
  std::vector<std::string> out;
  for (const proto::JournalRecord& r : records) {
    out.push_back(r.SerializeAsString());
  }
  return out;
}

inline JournalOptions FastOptions() {
  JournalOptions options;
  options.sync = JournalSync::kGroupCommit;
  options.group_commit_records = 1000;
  return options;
}

// Writes a journal with `records` at `path` and returns its bytes.
inline std::string MakeJournal(
    const std::string& path, const std::vector<proto::JournalRecord>& records) {
  absl::StatusOr<std::unique_ptr<Journal>> journal =
      Journal::Open(path, DefaultHeader());
  EXPECT_TRUE(journal.ok()) << journal.status();
  if (!journal.ok()) return "";
  for (const proto::JournalRecord& r : records) {
    EXPECT_THAT((*journal)->Write(r), ::upgrade_core::testing::IsOk());
  }
  journal->reset();
  return ReadFile(path);
}

}  // namespace upgrade_core::exec::journal_test_util

#endif  // UPGRADE_CORE_EXEC_JOURNAL_TEST_UTIL_H_
