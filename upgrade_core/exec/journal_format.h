// File: journal_format.h
// -----------------------------------------------------------------------------
// The journal's on-disk format (docs/journal.md), independent of where the
// bytes are stored:
//
//   file   := magic record*
//   magic  := "UCJRNL01"                                 (8 bytes)
//   record := crc (4, LE) | length (4, LE) | type (1) | payload (length bytes)
//
// `crc` is zlib's CRC-32 of the 5 bytes length|type followed by the payload,
// stored masked as LevelDB does (a CRC of bytes that themselves hold CRCs is
// then not a CRC of its own input). Type 1 is the only type: the payload is
// a serialized proto::JournalRecord. Type 0 is never written, so zero-filled
// space (a file system that extended the file but lost the data) never
// parses as a record.
//
// ScanJournal reads a byte string to its last good record and says why it
// stopped there. It stops at the FIRST bad record even when good ones follow:
// an orchestrator journal is a causal history, and replaying the records
// after a hole would rebuild a state that never existed (docs/journal.md).
#ifndef UPGRADE_CORE_EXEC_JOURNAL_FORMAT_H_
#define UPGRADE_CORE_EXEC_JOURNAL_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace upgrade_core::exec {

inline constexpr absl::string_view kJournalMagic = "UCJRNL01";
// crc (4) + length (4) + type (1).
inline constexpr size_t kRecordHeaderBytes = 9;
// A longer length field is corruption, not a reason to allocate.
inline constexpr uint32_t kMaxRecordPayloadBytes = uint32_t{64} << 20;

enum class RecordType : uint8_t {
  kJournalRecord = 1,  // payload: a serialized proto::JournalRecord
};

// Why a scan stopped before the end of the bytes.
enum class TailDropReason {
  kTruncatedMagic,    // a prefix of the magic: the file's creation was torn
  kTruncatedHeader,   // fewer than 9 bytes left for a record header
  kTruncatedRecord,   // the length runs past the end (torn write, or a
                      // corrupt length)
  kRecordTooLong,     // length over kMaxRecordPayloadBytes
  kChecksumMismatch,  // the bytes are not what was written
  kZeroFilled,        // everything from here on is zero bytes
};

// "truncated record", "checksum mismatch", ...
absl::string_view TailDropReasonName(TailDropReason reason);

// What a scan (and so a recovery) dropped: everything from `offset` to the
// end of the bytes.
struct TailDrop {
  uint64_t offset = 0;  // where the first bad record starts
  uint64_t bytes = 0;   // how many bytes were dropped (to the end)
  TailDropReason reason = TailDropReason::kTruncatedRecord;
  // Where Journal::Open kept the dropped bytes before truncating them off
  // ("" when nothing was kept, e.g. by ReadJournal, which changes nothing).
  std::string kept_at;
};

// "dropped 17 bytes at offset 230 (checksum mismatch)".
std::string DescribeTailDrop(const TailDrop& drop);

// One good record found by a scan. `payload` points into the scanned bytes.
struct ScannedRecord {
  uint64_t offset = 0;
  RecordType type = RecordType::kJournalRecord;
  absl::string_view payload;
};

struct JournalScan {
  // False for empty bytes (a journal not yet written).
  bool has_magic = false;
  std::vector<ScannedRecord> records;
  // Bytes up to and including the last good record; what a recovery keeps.
  uint64_t valid_bytes = 0;
  std::optional<TailDrop> tail;
};

// Scans `bytes` (a whole journal). Errors (the bytes are left alone): bytes
// that do not start with the magic (InvalidArgument: "not a journal"), a
// record with a good checksum but a type this version does not know
// (FailedPrecondition: written by a newer version). `name` starts each
// message. A torn or corrupt tail is not an error: it is `tail`.
absl::StatusOr<JournalScan> ScanJournal(absl::string_view name,
                                        absl::string_view bytes);

// The framed bytes of one record: header and payload, ready to append.
// REQUIRES: payload.size() <= kMaxRecordPayloadBytes.
std::string FrameRecord(RecordType type, absl::string_view payload);

// LevelDB's CRC masking (and its inverse), exposed for tests.
uint32_t MaskCrc(uint32_t crc);
uint32_t UnmaskCrc(uint32_t masked);

}  // namespace upgrade_core::exec

#endif  // UPGRADE_CORE_EXEC_JOURNAL_FORMAT_H_
