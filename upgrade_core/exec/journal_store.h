// File: journal_store.h
// -----------------------------------------------------------------------------
// JournalStore: where a Journal's bytes live. The Journal frames, checks and
// recovers records; a store only keeps bytes, in order, durably, for one
// writer at a time. FileJournalStore (file_journal_store.h) is the embedded
// default; the interface is small so that a replicated store (etcd: a lease
// as the lock, compare-and-swap appends keyed by offset) can replace it
// without touching the Journal (docs/journal.md, "Storage interface").
//
// Contract shared by every store:
//   * Exclusive: whoever holds a store object holds the journal's
//     single-writer lock, from the store's creation until its destruction.
//     A store that cannot get the lock is never created.
//   * Ordered: the stored bytes are the appended bytes, in order; after a
//     crash they are a prefix of them, at least up to the last successful
//     Sync().
//   * Not thread-safe: one caller at a time (the Journal serializes).
#ifndef UPGRADE_CORE_EXEC_JOURNAL_STORE_H_
#define UPGRADE_CORE_EXEC_JOURNAL_STORE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace upgrade_core::exec {

class JournalStore {
 public:
  virtual ~JournalStore() = default;

  // How error messages name the journal (a path, a key).
  virtual const std::string& name() const = 0;

  // Every stored byte. More than `max_bytes` is an error (InvalidArgument),
  // never an allocation of that size.
  virtual absl::StatusOr<std::string> ReadAll(uint64_t max_bytes) = 0;

  // Appends `bytes` after the stored ones. On error none of `bytes` is
  // stored, or the store refuses every later call (it could not undo a
  // partial append), so a later append never follows a torn one.
  virtual absl::Status Append(absl::string_view bytes) = 0;

  // Makes every appended byte durable. After a failed Sync the store refuses
  // every later call: what reached the disk is unknown until it is read
  // again by a new store.
  virtual absl::Status Sync() = 0;

  // Cuts the stored bytes to their first `size` bytes (a torn or corrupt
  // tail found by recovery), durably. The cut bytes are first kept where a
  // person can inspect them; returns where ("" when they were not kept).
  virtual absl::StatusOr<std::string> Truncate(uint64_t size) = 0;
};

}  // namespace upgrade_core::exec

#endif  // UPGRADE_CORE_EXEC_JOURNAL_STORE_H_
