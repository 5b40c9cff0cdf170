// File: file_journal_store.h
// -----------------------------------------------------------------------------
// FileJournalStore: a JournalStore in one local file, the embedded default.
//
//   * Lock: flock(LOCK_EX | LOCK_NB) on the sidecar PATH.lock, held while
//     the store exists; the holder's pid is written into it, so a second
//     opener (this process or another) is told who holds it. The sidecar is
//     never deleted: deleting a lock file races with a process that has just
//     opened it and would lock a different inode. The lock descriptor is
//     close-on-exec; a child made by fork() without exec shares it.
//   * Creation: a journal file that did not exist is created and its
//     directory fsync'd, so the new name survives a crash.
//   * Sync is fdatasync(2). Truncate keeps the cut bytes in
//     PATH.dropped-at-OFFSET (".1", ".2"... when that exists) before cutting.
//   * Only regular files: a directory, FIFO, socket or device at PATH is
//     refused before anything is created or locked, and no open blocks.
#ifndef UPGRADE_CORE_EXEC_FILE_JOURNAL_STORE_H_
#define UPGRADE_CORE_EXEC_FILE_JOURNAL_STORE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/exec/journal_store.h"

namespace upgrade_core::exec {

class FileJournalStore final : public JournalStore {
 public:
  // Locks and opens PATH, creating it (empty) when missing. A non-empty file
  // that does not start with `magic` (or, shorter than it, with a prefix of
  // it) is refused before the lock file is created: it is some other file.
  // Errors: InvalidArgument (bad path, not a regular file, not a journal),
  // FailedPrecondition ("PATH is locked by pid N ..."), NotFound (missing
  // directory), PermissionDenied, Internal (I/O).
  static absl::StatusOr<std::unique_ptr<FileJournalStore>> Open(
      const std::string& path, absl::string_view magic);

  ~FileJournalStore() override;
  FileJournalStore(const FileJournalStore&) = delete;
  FileJournalStore& operator=(const FileJournalStore&) = delete;

  const std::string& name() const override { return path_; }
  absl::StatusOr<std::string> ReadAll(uint64_t max_bytes) override;
  absl::Status Append(absl::string_view bytes) override;
  absl::Status Sync() override;
  absl::StatusOr<std::string> Truncate(uint64_t size) override;

  // Whether Open created the file (it did not exist before).
  bool created() const { return created_; }

 private:
  FileJournalStore(std::string path, int fd, int lock_fd, uint64_t size,
                   bool created);
  absl::Status CheckUsable() const;

  const std::string path_;
  const int fd_;
  const int lock_fd_;
  uint64_t size_;  // bytes in the file, as this store wrote or cut them
  const bool created_;
  // Set when a write could not be undone or a sync failed; every later call
  // returns it.
  absl::Status broken_;
};

// Reads the whole journal file at `path` without locking or changing
// anything (for tools, tests and ReadJournal). Regular files only, the open
// never blocks, at most `max_bytes` (more is InvalidArgument).
absl::StatusOr<std::string> ReadJournalFile(const std::string& path,
                                            uint64_t max_bytes);

}  // namespace upgrade_core::exec

#endif  // UPGRADE_CORE_EXEC_FILE_JOURNAL_STORE_H_
