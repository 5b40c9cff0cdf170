// File: journal.h
// -----------------------------------------------------------------------------
// Journal: the crash-safe, append-only log of an orchestrator's decisions
// and observations (docs/journal.md). It is the production RecordSink.
//
//   proto::JournalHeader header;
//   header.set_plan_name(plan.name());
//   header.set_plan_hash(PlanHash(plan));
//   absl::StatusOr<std::unique_ptr<Journal>> journal =
//       Journal::Open("upgrade.journal", header);
//   if (!journal.ok()) return journal.status();
//   for (const proto::JournalRecord& r : (*journal)->recovered()) Replay(r);
//   ... orchestrator.Run(journal->get()) ...
//
// Open creates the journal (magic + header record, fsync'd with its
// directory) when the file is missing or empty. Otherwise it reads the file
// to its last good record, refuses a journal of another plan (naming both
// plans and hashes), cuts off a torn or corrupt tail (keeping the cut bytes
// beside the journal and reporting them in tail_drop()), and hands the
// records after the header to the caller in recovered(). Recovery stops at
// the first bad record even when good ones follow: replaying records past a
// hole would rebuild a state that never existed.
//
// Single writer: the Journal holds the store's exclusive lock (for a file,
// flock on PATH.lock holding the pid) until it is destroyed; a second Open
// fails with "journal PATH is locked by pid N".
//
// Write and Sync are thread-safe (one mutex; writes are serialized).
#ifndef UPGRADE_CORE_EXEC_JOURNAL_H_
#define UPGRADE_CORE_EXEC_JOURNAL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "upgrade_core/exec/journal_format.h"
#include "upgrade_core/exec/journal_store.h"
#include "upgrade_core/exec/record_sink.h"
#include "upgrade_core/proto/journal.pb.h"

namespace upgrade_core::exec {

// The JournalHeader.format_version this version writes and reads.
inline constexpr uint32_t kJournalFormatVersion = 1;

// Journals are read whole into memory (recovered() holds every record
// anyway); 1 GiB is about 30 million typical records (~33 bytes each).
inline constexpr uint64_t kDefaultMaxJournalBytes = uint64_t{1} << 30;

enum class JournalSync {
  // fdatasync after every record: a record Write() accepted survives any
  // crash. The default.
  kEveryRecord,
  // fdatasync after every `group_commit_records` records and on Sync().
  // A crash loses at most the records written since the last sync (always
  // a suffix: the journal is never wrong, only shorter).
  kGroupCommit,
};

struct JournalOptions {
  JournalSync sync = JournalSync::kEveryRecord;
  // kGroupCommit only: records per fdatasync (at least 1).
  int group_commit_records = 1000;
  // A longer journal is refused (InvalidArgument), not read.
  uint64_t max_journal_bytes = kDefaultMaxJournalBytes;
};

// A journal as read by ReadJournal.
struct JournalContents {
  // Absent when the journal holds no complete header record: an empty file,
  // or one whose creation was torn by a crash (then `tail` says so).
  std::optional<proto::JournalHeader> header;
  std::vector<proto::JournalRecord> records;  // after the header, in order
  std::optional<TailDrop> tail;               // what a recovery would drop
};

// Reads the journal at `path` to its last good record, without locking it
// and without changing anything (for tools and tests; a running
// orchestrator may be appending). Errors as for Journal::Open, except that
// a mismatching plan and a held lock are not errors here.
absl::StatusOr<JournalContents> ReadJournal(
    const std::string& path, uint64_t max_bytes = kDefaultMaxJournalBytes);

// The same for bytes from any store; `name` starts each error message.
absl::StatusOr<JournalContents> DecodeJournal(absl::string_view name,
                                              absl::string_view bytes);

class Journal final : public RecordSink {
 public:
  // Opens (or creates) the journal file at `path` for `header`'s plan. The
  // header's plan_hash must be set; format_version 0 means
  // kJournalFormatVersion and an empty library_version means this library's.
  // Errors: InvalidArgument (bad path; not a regular file; not a journal;
  // first record not a header; over max_journal_bytes), FailedPrecondition
  // (another plan's journal; locked by another process; written by a newer
  // version), DataLoss (a record that passes its checksum but does not
  // parse), NotFound/PermissionDenied/Internal (I/O). On every error the
  // journal file is left as it was.
  static absl::StatusOr<std::unique_ptr<Journal>> Open(
      const std::string& path, const proto::JournalHeader& header,
      const JournalOptions& options = {});

  // The same over any store (which already holds the lock).
  static absl::StatusOr<std::unique_ptr<Journal>> Open(
      std::unique_ptr<JournalStore> store, const proto::JournalHeader& header,
      const JournalOptions& options = {});

  // Syncs records not yet synced (best effort: call Sync() first to see the
  // status), then releases the lock.
  ~Journal() override;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends one record and syncs per the options. Header records are
  // refused (Open writes the one header), as are records with no kind set
  // or over 64 MiB serialized (InvalidArgument). A non-OK status means the
  // record may not survive a crash.
  absl::Status Write(const proto::JournalRecord& record) override;

  // Makes every record written so far durable (a no-op when all are).
  absl::Status Sync();

  // The header stored in the journal (the one passed to Open when this Open
  // created it; otherwise the original, with its created_at_ms).
  const proto::JournalHeader& header() const { return header_; }
  // The records found after the header when the journal was opened.
  const std::vector<proto::JournalRecord>& recovered() const {
    return recovered_;
  }
  // What Open cut off the end of the journal, if anything.
  const std::optional<TailDrop>& tail_drop() const { return tail_drop_; }
  // Whether Open created the journal (wrote its header).
  bool created() const { return created_; }
  const std::string& name() const { return name_; }

 private:
  Journal(std::unique_ptr<JournalStore> store, const JournalOptions& options,
          proto::JournalHeader header,
          std::vector<proto::JournalRecord> recovered,
          std::optional<TailDrop> tail_drop, bool created);
  absl::Status SyncLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string name_;
  const JournalOptions options_;
  const proto::JournalHeader header_;
  const std::vector<proto::JournalRecord> recovered_;
  const std::optional<TailDrop> tail_drop_;
  const bool created_;
  absl::Mutex mu_;
  const std::unique_ptr<JournalStore> store_ ABSL_PT_GUARDED_BY(mu_);
  int unsynced_ ABSL_GUARDED_BY(mu_) = 0;  // records appended, not synced
};

}  // namespace upgrade_core::exec

#endif  // UPGRADE_CORE_EXEC_JOURNAL_H_
