// The typed journal over real files: round trips, recovery from every
// truncation and every flipped byte of a small journal, the plan check, bad
// paths, sizes and records, and the example in docs/journal.md. The
// single-writer lock and durability (sync policies, failed and partial
// writes) are in journal_writer_test.cc.
#include "upgrade_core/exec/journal.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/journal_format.h"
#include "upgrade_core/exec/journal_test_util.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::exec {
namespace {

using journal_test_util::DefaultHeader;
using journal_test_util::FastOptions;
using journal_test_util::Header;
using journal_test_util::Issued;
using journal_test_util::MakeJournal;
using journal_test_util::NewDir;
using journal_test_util::Outcome;
using journal_test_util::ReadFile;
using journal_test_util::Serialized;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

// --- helpers ----------------------------------------------------------------

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

proto::JournalRecord Control(proto::ControlCommand::Kind kind) {
  proto::JournalRecord r;
  r.mutable_control()->set_kind(kind);
  r.mutable_control()->set_at_ms(1700000009000);
  return r;
}

std::vector<proto::JournalRecord> SampleRecords() {
  return {Issued(1, 0), Outcome(1, proto::SUCCEEDED, ""), Issued(2, 1),
          Outcome(2, proto::FAILED, "ImagePullBackOff"),
          Control(proto::ControlCommand::PAUSE)};
}

std::vector<proto::JournalRecord> Prefix(
    const std::vector<proto::JournalRecord>& records, size_t n) {
  return std::vector<proto::JournalRecord>(records.begin(),
                                           records.begin() + n);
}

// Where each record of `bytes` ends (the header record first).
std::vector<uint64_t> RecordEnds(const std::string& bytes) {
  absl::StatusOr<JournalScan> scan = ScanJournal("j", bytes);
  EXPECT_TRUE(scan.ok()) << scan.status();
  std::vector<uint64_t> ends;
  if (!scan.ok()) return ends;
  for (const ScannedRecord& r : scan->records) {
    ends.push_back(r.offset + kRecordHeaderBytes + r.payload.size());
  }
  return ends;
}

// --- round trips
// --------------------------------------------------------------

TEST(JournalTest, RoundTrip) {
  const std::string path = NewDir() + "/plan.journal";
  absl::StatusOr<std::unique_ptr<Journal>> journal =
      Journal::Open(path, DefaultHeader());
  ASSERT_TRUE(journal.ok()) << journal.status();
  EXPECT_TRUE((*journal)->created());
  EXPECT_TRUE((*journal)->recovered().empty());
  EXPECT_FALSE((*journal)->tail_drop().has_value());
  EXPECT_EQ((*journal)->header().format_version(), kJournalFormatVersion);
  EXPECT_FALSE((*journal)->header().library_version().empty());
  for (const proto::JournalRecord& r : SampleRecords()) {
    ASSERT_THAT((*journal)->Write(r), IsOk());
  }
  journal->reset();

  const std::string bytes = ReadFile(path);
  EXPECT_EQ(bytes.substr(0, 8), "UCJRNL01");
  absl::StatusOr<JournalContents> contents = ReadJournal(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_TRUE(contents->header.has_value());
  EXPECT_EQ(contents->header->plan_name(), "ingress-nginx");
  EXPECT_EQ(contents->header->plan_hash(), "3f2a9c0d11e4b7aa");
  EXPECT_EQ(contents->header->created_at_ms(), 1700000000000);
  EXPECT_THAT(Serialized(contents->records),
              ElementsAreArray(Serialized(SampleRecords())));
  EXPECT_FALSE(contents->tail.has_value());

  // Reopening hands the records back and keeps the original header.
  proto::JournalHeader later = DefaultHeader();
  later.set_created_at_ms(1800000000000);
  journal = Journal::Open(path, later);
  ASSERT_TRUE(journal.ok()) << journal.status();
  EXPECT_FALSE((*journal)->created());
  EXPECT_EQ((*journal)->header().created_at_ms(), 1700000000000);
  EXPECT_THAT(Serialized((*journal)->recovered()),
              ElementsAreArray(Serialized(SampleRecords())));
  journal->reset();
  EXPECT_EQ(ReadFile(path), bytes);  // opening changed nothing
}

TEST(JournalTest, ReopenAppendsAfterExistingRecords) {
  const std::string path = NewDir() + "/plan.journal";
  const std::vector<proto::JournalRecord> all = SampleRecords();
  for (size_t i = 0; i < all.size(); ++i) {
    SCOPED_TRACE(i);
    absl::StatusOr<std::unique_ptr<Journal>> journal =
        Journal::Open(path, DefaultHeader());
    ASSERT_TRUE(journal.ok()) << journal.status();
    EXPECT_EQ((*journal)->created(), i == 0);
    EXPECT_THAT(Serialized((*journal)->recovered()),
                ElementsAreArray(Serialized(Prefix(all, i))));
    ASSERT_THAT((*journal)->Write(all[i]), IsOk());
  }
  absl::StatusOr<JournalContents> contents = ReadJournal(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_THAT(Serialized(contents->records), ElementsAreArray(Serialized(all)));
}

TEST(JournalTest, EmptyFileIsANewJournal) {
  const std::string path = NewDir() + "/plan.journal";
  WriteFile(path, "");
  absl::StatusOr<JournalContents> contents = ReadJournal(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_FALSE(contents->header.has_value());
  EXPECT_TRUE(contents->records.empty());
  EXPECT_FALSE(contents->tail.has_value());

  absl::StatusOr<std::unique_ptr<Journal>> journal =
      Journal::Open(path, DefaultHeader());
  ASSERT_TRUE(journal.ok()) << journal.status();
  EXPECT_TRUE((*journal)->created());
  EXPECT_FALSE((*journal)->tail_drop().has_value());
  journal->reset();
  contents = ReadJournal(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_TRUE(contents->header.has_value());
}

// --- recovery
// -------------------------------------------------------------------

// Every cut of a small journal: a clean drop at the last record boundary,
// exactly the complete records recovered, and the journal usable after.
TEST(JournalTest, TruncatedAtEveryOffset) {
  const std::string dir = NewDir();
  const std::vector<proto::JournalRecord> all = SampleRecords();
  const std::string bytes = MakeJournal(dir + "/whole", all);
  const std::vector<uint64_t> ends = RecordEnds(bytes);
  ASSERT_EQ(ends.size(), all.size() + 1);
  ASSERT_EQ(ends.back(), bytes.size());
  ASSERT_GT(bytes.size(), 150u);  // header and five records
  const proto::JournalRecord extra = Control(proto::ControlCommand::RESUME);

  for (uint64_t cut = 0; cut <= bytes.size(); ++cut) {
    SCOPED_TRACE(absl::StrCat("cut at ", cut, " of ", bytes.size()));
    // Complete records (header first) and where the last one ends.
    size_t complete = 0;
    while (complete < ends.size() && ends[complete] <= cut) ++complete;
    const uint64_t good_end =
        complete > 0 ? ends[complete - 1] : (cut < 8 ? 0 : 8);
    const bool torn = cut != 0 && cut != good_end;
    const std::vector<proto::JournalRecord> want =
        Prefix(all, complete > 0 ? complete - 1 : 0);

    const std::string path = absl::StrCat(dir, "/cut-", cut);
    const std::string prefix = bytes.substr(0, cut);
    WriteFile(path, prefix);

    absl::StatusOr<JournalContents> read = ReadJournal(path);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->header.has_value(), complete > 0);
    EXPECT_THAT(Serialized(read->records), ElementsAreArray(Serialized(want)));
    ASSERT_EQ(read->tail.has_value(), torn);
    if (torn) {
      EXPECT_EQ(read->tail->offset, good_end);
      EXPECT_EQ(read->tail->bytes, cut - good_end);
      EXPECT_TRUE(read->tail->kept_at.empty());
    }
    EXPECT_EQ(ReadFile(path), prefix);  // ReadJournal changes nothing

    absl::StatusOr<std::unique_ptr<Journal>> journal =
        Journal::Open(path, DefaultHeader(), FastOptions());
    ASSERT_TRUE(journal.ok()) << journal.status();
    EXPECT_EQ((*journal)->created(), complete == 0);
    EXPECT_THAT(Serialized((*journal)->recovered()),
                ElementsAreArray(Serialized(want)));
    ASSERT_EQ((*journal)->tail_drop().has_value(), torn);
    if (torn) {
      const TailDrop& drop = *(*journal)->tail_drop();
      EXPECT_EQ(drop.offset, good_end);
      EXPECT_EQ(drop.bytes, cut - good_end);
      EXPECT_EQ(ReadFile(drop.kept_at), prefix.substr(good_end));
    }
    ASSERT_THAT((*journal)->Write(extra), IsOk());
    journal->reset();

    read = ReadJournal(path);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_FALSE(read->tail.has_value());
    std::vector<proto::JournalRecord> after = want;
    after.push_back(extra);
    EXPECT_THAT(Serialized(read->records), ElementsAreArray(Serialized(after)));
  }
}

// Every byte of a small journal flipped: an error or a clean drop at the
// start of the damaged record; never a record that was not written.
TEST(JournalTest, FlippedByteAtEveryOffset) {
  const std::string dir = NewDir();
  const std::vector<proto::JournalRecord> all = SampleRecords();
  const std::string bytes = MakeJournal(dir + "/whole", all);
  const std::vector<uint64_t> ends = RecordEnds(bytes);
  ASSERT_EQ(ends.size(), all.size() + 1);

  for (uint64_t pos = 0; pos < bytes.size(); ++pos) {
    // The damaged record: 0 is the header; its start.
    size_t index = 0;
    while (ends[index] <= pos) ++index;
    const uint64_t start = index == 0 ? 8 : ends[index - 1];
    for (const unsigned char mask : {0x01, 0x80, 0xff}) {
      SCOPED_TRACE(absl::StrCat("byte ", pos, " ^ ", mask));
      std::string damaged = bytes;
      damaged[pos] = static_cast<char>(damaged[pos] ^ mask);
      const std::string path = absl::StrCat(dir, "/flip-", pos, "-", mask);
      WriteFile(path, damaged);

      absl::StatusOr<JournalContents> read = ReadJournal(path);
      if (pos < 8) {
        EXPECT_THAT(read, StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr("not a journal")));
      } else {
        ASSERT_TRUE(read.ok()) << read.status();
        EXPECT_EQ(read->header.has_value(), index > 0);
        EXPECT_THAT(Serialized(read->records),
                    ElementsAreArray(
                        Serialized(Prefix(all, index > 0 ? index - 1 : 0))));
        ASSERT_TRUE(read->tail.has_value());
        EXPECT_EQ(read->tail->offset, start);
        EXPECT_EQ(read->tail->bytes, bytes.size() - start);
      }
      if (mask != 0x01) continue;  // one Open per position keeps it quick

      absl::StatusOr<std::unique_ptr<Journal>> journal =
          Journal::Open(path, DefaultHeader(), FastOptions());
      if (!journal.ok()) {
        // Refused: a foreign file or a damaged header with records after
        // it. The file is as it was.
        EXPECT_TRUE(pos < ends[0]) << journal.status();
        EXPECT_EQ(ReadFile(path), damaged);
        continue;
      }
      EXPECT_GE(pos, 8u);
      ASSERT_TRUE((*journal)->tail_drop().has_value());
      EXPECT_EQ((*journal)->tail_drop()->offset, start);
      EXPECT_THAT(
          Serialized((*journal)->recovered()),
          ElementsAreArray(Serialized(Prefix(all, index > 0 ? index - 1 : 0))));
      ASSERT_THAT((*journal)->Write(Control(proto::ControlCommand::RESUME)),
                  IsOk());
      journal->reset();
      read = ReadJournal(path);
      ASSERT_TRUE(read.ok()) << read.status();
      EXPECT_FALSE(read->tail.has_value());
      EXPECT_EQ(read->records.size(), index > 0 ? index : 1);
    }
  }
}

TEST(JournalTest, DamagedHeaderWithRecordsAfterItIsRefused) {
  const std::string path = NewDir() + "/plan.journal";
  std::string bytes = MakeJournal(path, SampleRecords());
  bytes[20] ^= 0x10;  // inside the header record's payload
  WriteFile(path, bytes);
  EXPECT_THAT(
      Journal::Open(path, DefaultHeader()),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("its header record is corrupt (checksum mismatch at "
                         "offset 8)")));
  EXPECT_EQ(ReadFile(path), bytes);
}

TEST(JournalTest, AnotherPlansJournalIsRefusedNamingBoth) {
  const std::string path = NewDir() + "/plan.journal";
  std::string bytes = MakeJournal(path, SampleRecords());
  bytes += "torn";  // a tail that must not be cut for the wrong plan
  WriteFile(path, bytes);
  EXPECT_THAT(
      Journal::Open(path, Header("cert-manager", "abcdef0123456789")),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr(absl::StrCat(
                   "journal ", path,
                   " belongs to plan 'ingress-nginx' (hash 3f2a9c0d11e4b7aa), "
                   "not to plan 'cert-manager' (hash abcdef0123456789)"))));
  EXPECT_EQ(ReadFile(path), bytes);
  // Same hash under another name is the same plan.
  absl::StatusOr<std::unique_ptr<Journal>> journal =
      Journal::Open(path, Header("renamed", "3f2a9c0d11e4b7aa"));
  ASSERT_TRUE(journal.ok()) << journal.status();
  EXPECT_EQ((*journal)->header().plan_name(), "ingress-nginx");
  ASSERT_TRUE((*journal)->tail_drop().has_value());
  EXPECT_EQ((*journal)->tail_drop()->bytes, 4u);
}

// --- bad inputs
// -------------------------------------------------------------------

TEST(JournalTest, NotAJournalIsLeftUntouched) {
  const std::string dir = NewDir();
  struct Case {
    const char* name;
    std::string bytes;
  };
  const Case cases[] = {
      {"yaml", "apiVersion: upgrade/v1\nkind: UpgradePlan\n"},
      {"short", "ab"},
      {"another version", "UCJRNL99 and more"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = absl::StrCat(dir, "/", c.name);
    WriteFile(path, c.bytes);
    EXPECT_THAT(Journal::Open(path, DefaultHeader()),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat(
                             path,
                             ": not a journal (the file does not start "
                             "with \"UCJRNL01\")"))));
    EXPECT_THAT(ReadJournal(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("not a journal")));
    EXPECT_EQ(ReadFile(path), c.bytes);
    EXPECT_FALSE(Exists(path + ".lock"));  // nothing created beside it
  }
}

TEST(JournalTest, FirstRecordMustBeTheHeader) {
  const std::string path = NewDir() + "/plan.journal";
  const std::string bytes = absl::StrCat(
      kJournalMagic, FrameRecord(RecordType::kJournalRecord,
                                 Issued(1, 0).SerializeAsString()));
  WriteFile(path, bytes);
  const auto matcher =
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("first record (offset 8) is of kind 'issued', not the "
                         "journal header"));
  EXPECT_THAT(ReadJournal(path), matcher);
  EXPECT_THAT(Journal::Open(path, DefaultHeader()), matcher);
  EXPECT_EQ(ReadFile(path), bytes);
}

TEST(JournalTest, ChecksummedGarbageIsAnErrorNotATail) {
  const std::string path = NewDir() + "/plan.journal";
  std::string bytes = MakeJournal(path, {});
  bytes += FrameRecord(RecordType::kJournalRecord, "\xff\xff\xff");
  WriteFile(path, bytes);
  EXPECT_THAT(Journal::Open(path, DefaultHeader()),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("passes its checksum but is not a "
                                 "JournalRecord")));
  EXPECT_EQ(ReadFile(path), bytes);
}

TEST(JournalTest, OnlyRegularFiles) {
  const std::string dir = NewDir();
  const std::string fifo = dir + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  struct Case {
    std::string path;
    const char* what;
  };
  const Case cases[] = {
      {dir, "is a directory, not a regular file"},
      {fifo, "is a FIFO (named pipe), not a regular file"},
      {"/dev/null", "is a character device, not a regular file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    EXPECT_THAT(Journal::Open(c.path, DefaultHeader()),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat(c.path, ": ", c.what))));
    EXPECT_THAT(
        ReadJournal(c.path),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.what)));
  }
  EXPECT_THAT(Journal::Open(dir + "/missing/plan.journal", DefaultHeader()),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("missing")));
  EXPECT_THAT(ReadJournal(dir + "/none"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("none")));
  EXPECT_THAT(Journal::Open("", DefaultHeader()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("empty journal path")));
}

TEST(JournalTest, OverTheSizeLimitIsRefused) {
  const std::string path = NewDir() + "/plan.journal";
  const std::string bytes = MakeJournal(path, SampleRecords());
  JournalOptions options;
  options.max_journal_bytes = 64;
  EXPECT_THAT(Journal::Open(path, DefaultHeader(), options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat("journal is ", bytes.size(),
                                              " bytes, over the limit of 64 "
                                              "bytes (max_journal_bytes)"))));
  EXPECT_THAT(ReadJournal(path, 64),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("over the limit")));
}

TEST(JournalTest, BadHeadersAndRecordsAreRefused) {
  const std::string path = NewDir() + "/plan.journal";
  EXPECT_THAT(Journal::Open(path, Header("p", "")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the header has no plan_hash")));
  proto::JournalHeader future = DefaultHeader();
  future.set_format_version(2);
  EXPECT_THAT(Journal::Open(path, future),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("format_version is 2")));
  EXPECT_THAT(Journal::Open(path, Header(std::string(5000, 'p'), "h")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("over the limit of 4096")));
  JournalOptions zero = FastOptions();
  zero.group_commit_records = 0;
  EXPECT_THAT(Journal::Open(path, DefaultHeader(), zero),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("group_commit_records is 0")));
  // Refused before anything was created.
  EXPECT_FALSE(Exists(path));
  EXPECT_FALSE(Exists(path + ".lock"));

  absl::StatusOr<std::unique_ptr<Journal>> journal =
      Journal::Open(path, DefaultHeader());
  ASSERT_TRUE(journal.ok()) << journal.status();
  proto::JournalRecord header;
  *header.mutable_header() = DefaultHeader();
  EXPECT_THAT((*journal)->Write(header),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("a header record cannot be appended")));
  EXPECT_THAT((*journal)->Write(proto::JournalRecord()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the record has no kind set")));
  journal->reset();
  absl::StatusOr<JournalContents> contents = ReadJournal(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_TRUE(contents->records.empty());
}

// --- the example in docs/journal.md
// ---------------------------------------------

absl::StatusOr<std::unique_ptr<exec::Journal>> OpenPlanJournal(
    const std::string& path, const std::string& plan_name,
    const std::string& plan_hash) {
  proto::JournalHeader header;
  header.set_plan_name(plan_name);
  header.set_plan_hash(plan_hash);  // exec::PlanHash(plan)
  exec::JournalOptions options;     // fdatasync per record
  absl::StatusOr<std::unique_ptr<exec::Journal>> journal =
      exec::Journal::Open(path, header, options);
  if (!journal.ok()) return journal.status();  // another plan, locked, damaged
  if (const std::optional<exec::TailDrop>& drop = (*journal)->tail_drop()) {
    std::cerr << path << ": " << exec::DescribeTailDrop(*drop) << "\n";
  }
  return journal;
}

TEST(JournalTest, DocExample) {
  const std::string path = NewDir() + "/upgrade.journal";
  absl::StatusOr<std::unique_ptr<exec::Journal>> journal =
      OpenPlanJournal(path, "ingress-nginx", "3f2a9c0d11e4b7aa");
  ASSERT_TRUE(journal.ok()) << journal.status();
  proto::JournalRecord issued;
  issued.mutable_issued()->set_action_id(1);
  issued.mutable_issued()->set_step(0);
  issued.mutable_issued()->set_attempt(1);
  absl::Status status = (*journal)->Write(issued);  // durable when OK
  EXPECT_THAT(status, IsOk());
  absl::StatusOr<exec::JournalContents> contents = exec::ReadJournal(path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(contents->records.size(), 1u);
  journal->reset();
  // Reopened under another plan's hash: refused.
  EXPECT_THAT(OpenPlanJournal(path, "other", "abcd"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("belongs to plan 'ingress-nginx'")));
}

}  // namespace
}  // namespace upgrade_core::exec
