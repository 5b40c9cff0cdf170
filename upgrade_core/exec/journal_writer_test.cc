// The typed journal's writer: the single-writer lock (in this process and
// from a child) and durability: sync policies and group commit, the sync on
// destruction, failed appends, and a real partial write cut back off.
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/file_journal_store.h"
#include "upgrade_core/exec/journal.h"
#include "upgrade_core/exec/journal_format.h"
#include "upgrade_core/exec/journal_store.h"
#include "upgrade_core/exec/journal_test_util.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::exec {
namespace {

using journal_test_util::DefaultHeader;
using journal_test_util::FastOptions;
using journal_test_util::Issued;
using journal_test_util::MakeJournal;
using journal_test_util::NewDir;
using journal_test_util::Outcome;
using journal_test_util::Serialized;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

// --- the single-writer lock
// ---------------------------------------------------------

TEST(JournalTest, SecondOpenInThisProcessNamesThePid) {
  const std::string path = NewDir() + "/plan.journal";
  absl::StatusOr<std::unique_ptr<Journal>> first =
      Journal::Open(path, DefaultHeader());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(Journal::Open(path, DefaultHeader()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat(
                           "journal ", path, " is locked by pid ", ::getpid(),
                           " (another orchestrator is running on it)"))));
  // ReadJournal takes no lock.
  EXPECT_TRUE(ReadJournal(path).ok());
  first->reset();
  EXPECT_TRUE(Journal::Open(path, DefaultHeader()).ok());
}

TEST(JournalTest, ChildProcessHoldingTheLockIsNamed) {
  const std::string path = NewDir() + "/plan.journal";
  int ready[2], done[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(done), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child: hold the journal until the parent says so.
    absl::StatusOr<std::unique_ptr<Journal>> journal =
        Journal::Open(path, DefaultHeader());
    const char status = journal.ok() ? 'y' : 'n';
    (void)!::write(ready[1], &status, 1);
    char c;
    (void)!::read(done[0], &c, 1);
    ::_exit(journal.ok() ? 0 : 1);
  }
  char status = 0;
  ASSERT_EQ(::read(ready[0], &status, 1), 1);
  EXPECT_EQ(status, 'y');
  EXPECT_THAT(Journal::Open(path, DefaultHeader()),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat("journal ", path,
                                              " is locked by pid ", child))));
  ASSERT_EQ(::write(done[1], "x", 1), 1);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
  for (int fd : {ready[0], ready[1], done[0], done[1]}) ::close(fd);
  // The child's exit released the lock.
  absl::StatusOr<std::unique_ptr<Journal>> journal =
      Journal::Open(path, DefaultHeader());
  ASSERT_TRUE(journal.ok()) << journal.status();
  EXPECT_FALSE((*journal)->created());
}

// --- durability
// -----------------------------------------------------------------

// A file store that counts syncs.
class CountingStore final : public JournalStore {
 public:
  CountingStore(std::unique_ptr<JournalStore> inner, int* syncs)
      : inner_(std::move(inner)), syncs_(syncs) {}
  const std::string& name() const override { return inner_->name(); }
  absl::StatusOr<std::string> ReadAll(uint64_t max_bytes) override {
    return inner_->ReadAll(max_bytes);
  }
  absl::Status Append(absl::string_view bytes) override {
    return inner_->Append(bytes);
  }
  absl::Status Sync() override {
    ++*syncs_;
    return inner_->Sync();
  }
  absl::StatusOr<std::string> Truncate(uint64_t size) override {
    return inner_->Truncate(size);
  }

 private:
  std::unique_ptr<JournalStore> inner_;
  int* syncs_;
};

struct SyncCase {
  const char* name;
  JournalSync sync;
  int group;
  int records;
  int syncs_after_writes;  // including the one that made the header durable
};

TEST(JournalTest, SyncPolicies) {
  const SyncCase cases[] = {
      {"every record", JournalSync::kEveryRecord, 1000, 7, 1 + 7},
      {"group of 3", JournalSync::kGroupCommit, 3, 7, 1 + 2},
      {"group of 1", JournalSync::kGroupCommit, 1, 4, 1 + 4},
      {"group larger than the run", JournalSync::kGroupCommit, 1000, 7, 1},
  };
  for (const SyncCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = NewDir() + "/plan.journal";
    absl::StatusOr<std::unique_ptr<FileJournalStore>> file =
        FileJournalStore::Open(path, kJournalMagic);
    ASSERT_TRUE(file.ok()) << file.status();
    int syncs = 0;
    JournalOptions options;
    options.sync = c.sync;
    options.group_commit_records = c.group;
    absl::StatusOr<std::unique_ptr<Journal>> journal =
        Journal::Open(std::make_unique<CountingStore>(*std::move(file), &syncs),
                      DefaultHeader(), options);
    ASSERT_TRUE(journal.ok()) << journal.status();
    for (int i = 1; i <= c.records; ++i) {
      ASSERT_THAT((*journal)->Write(Issued(i, 0)), IsOk());
    }
    EXPECT_EQ(syncs, c.syncs_after_writes);
    // An explicit Sync flushes what a group left; a second one is free.
    const bool pending =
        c.sync == JournalSync::kGroupCommit && c.records % c.group != 0;
    ASSERT_THAT((*journal)->Sync(), IsOk());
    ASSERT_THAT((*journal)->Sync(), IsOk());
    EXPECT_EQ(syncs, c.syncs_after_writes + (pending ? 1 : 0));
    journal->reset();
    absl::StatusOr<JournalContents> contents = ReadJournal(path);
    ASSERT_TRUE(contents.ok()) << contents.status();
    EXPECT_EQ(contents->records.size(), static_cast<size_t>(c.records));
  }
}

TEST(JournalTest, DestructionSyncsWhatAGroupLeft) {
  const std::string path = NewDir() + "/plan.journal";
  absl::StatusOr<std::unique_ptr<FileJournalStore>> file =
      FileJournalStore::Open(path, kJournalMagic);
  ASSERT_TRUE(file.ok()) << file.status();
  int syncs = 0;
  absl::StatusOr<std::unique_ptr<Journal>> journal =
      Journal::Open(std::make_unique<CountingStore>(*std::move(file), &syncs),
                    DefaultHeader(), FastOptions());
  ASSERT_TRUE(journal.ok()) << journal.status();
  ASSERT_THAT((*journal)->Write(Issued(1, 0)), IsOk());
  EXPECT_EQ(syncs, 1);
  journal->reset();
  EXPECT_EQ(syncs, 2);
}

// A store whose appends fail: the error reaches the caller and the journal
// on disk holds only what succeeded.
class FailingAppendStore final : public JournalStore {
 public:
  explicit FailingAppendStore(std::unique_ptr<JournalStore> inner)
      : inner_(std::move(inner)) {}
  const std::string& name() const override { return inner_->name(); }
  absl::StatusOr<std::string> ReadAll(uint64_t max_bytes) override {
    return inner_->ReadAll(max_bytes);
  }
  absl::Status Append(absl::string_view bytes) override {
    if (fail) return absl::ResourceExhaustedError("disk full");
    return inner_->Append(bytes);
  }
  absl::Status Sync() override { return inner_->Sync(); }
  absl::StatusOr<std::string> Truncate(uint64_t size) override {
    return inner_->Truncate(size);
  }
  bool fail = false;

 private:
  std::unique_ptr<JournalStore> inner_;
};

TEST(JournalTest, AFailedAppendIsReported) {
  const std::string path = NewDir() + "/plan.journal";
  absl::StatusOr<std::unique_ptr<FileJournalStore>> file =
      FileJournalStore::Open(path, kJournalMagic);
  ASSERT_TRUE(file.ok()) << file.status();
  auto store = std::make_unique<FailingAppendStore>(*std::move(file));
  FailingAppendStore* raw = store.get();
  absl::StatusOr<std::unique_ptr<Journal>> journal =
      Journal::Open(std::move(store), DefaultHeader());
  ASSERT_TRUE(journal.ok()) << journal.status();
  ASSERT_THAT((*journal)->Write(Issued(1, 0)), IsOk());
  raw->fail = true;
  EXPECT_THAT(
      (*journal)->Write(Issued(2, 0)),
      StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("disk full")));
  raw->fail = false;
  ASSERT_THAT((*journal)->Write(Issued(3, 0)), IsOk());
  journal->reset();
  absl::StatusOr<JournalContents> contents = ReadJournal(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_THAT(Serialized(contents->records),
              ElementsAreArray(Serialized({Issued(1, 0), Issued(3, 0)})));
}

// A real partial write: under a file size limit (RLIMIT_FSIZE, in a child
// so the limit stays there) a record is only partly written before EFBIG.
// The journal cuts the part back off, so the next record follows good ones
// and nothing is dropped on recovery.
TEST(JournalTest, APartialWriteIsCutBackOff) {
  const std::string path = NewDir() + "/plan.journal";
  const std::string before = MakeJournal(path, {Issued(1, 0)});
  proto::JournalRecord big = Outcome(1, proto::FAILED, std::string(400, 'x'));
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of a signal
    struct rlimit limit;
    limit.rlim_cur = limit.rlim_max = before.size() + 100;
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(2);
    absl::StatusOr<std::unique_ptr<Journal>> journal =
        Journal::Open(path, DefaultHeader());
    if (!journal.ok()) ::_exit(3);
    const absl::Status failed = (*journal)->Write(big);
    if (failed.ok() ||
        failed.message().find("write failed") == absl::string_view::npos) {
      ::_exit(4);
    }
    if (!(*journal)->Write(Issued(2, 1)).ok()) ::_exit(5);
    journal->reset();
    ::_exit(0);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  ASSERT_EQ(WEXITSTATUS(wstatus), 0);
  absl::StatusOr<JournalContents> contents = ReadJournal(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_FALSE(contents->tail.has_value());
  EXPECT_THAT(Serialized(contents->records),
              ElementsAreArray(Serialized({Issued(1, 0), Issued(2, 1)})));
}

}  // namespace
}  // namespace upgrade_core::exec
