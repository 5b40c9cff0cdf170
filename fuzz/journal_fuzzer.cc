// Fuzz target: journal bytes (upgrade_core/exec/journal_format.h, journal.h).
//
// Input: the bytes of a journal file. When the input starts with the byte
// 'S' the rest is instead a list of [length (1 byte) | payload] chunks that
// are framed with correct checksums after the magic, so the fuzzer reaches
// the protobuf decoding and the header rules behind the checksum.
//
// Properties:
//   * ScanJournal fails only with "not a journal" (InvalidArgument) or for
//     a record type it does not know behind a good checksum
//     (FailedPrecondition);
//   * the records it finds are contiguous from offset 8, and framing each
//     payload again gives exactly its bytes in the input;
//   * valid_bytes is where the last good record ends, and the tail, when
//     there is one, covers exactly [valid_bytes, end of input);
//   * the kept prefix scans again to the same records with no tail, and a
//     record appended to it is found after them (what recovery keeps reads
//     back whole, and new records follow good ones);
//   * in structured mode every chunk is found and there is no tail;
//   * DecodeJournal agrees with the scan: a header iff it found records,
//     one record per scanned record after the first, the same tail.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "upgrade_core/exec/journal.h"
#include "upgrade_core/exec/journal_format.h"

namespace {

using upgrade_core::exec::DecodeJournal;
using upgrade_core::exec::FrameRecord;
using upgrade_core::exec::JournalContents;
using upgrade_core::exec::JournalScan;
using upgrade_core::exec::kJournalMagic;
using upgrade_core::exec::RecordType;
using upgrade_core::exec::ScanJournal;

// Frames each [length | payload] chunk of `spec` after the magic.
std::string Structured(absl::string_view spec, size_t* chunks) {
  std::string out(kJournalMagic);
  *chunks = 0;
  while (!spec.empty()) {
    const size_t n =
        std::min<size_t>(static_cast<uint8_t>(spec[0]), spec.size() - 1);
    out += FrameRecord(RecordType::kJournalRecord, spec.substr(1, n));
    spec.remove_prefix(1 + n);
    ++*chunks;
  }
  return out;
}

void CheckScan(absl::string_view bytes, const JournalScan& scan) {
  uint64_t pos = scan.has_magic ? kJournalMagic.size() : 0;
  for (const auto& record : scan.records) {
    FUZZ_CHECK(record.offset == pos,
               absl::StrCat("record at ", record.offset, ", expected ", pos));
    const std::string framed = FrameRecord(record.type, record.payload);
    FUZZ_CHECK(bytes.substr(record.offset, framed.size()) == framed,
               absl::StrCat("record at ", record.offset,
                            " does not frame back to its bytes"));
    pos += framed.size();
  }
  FUZZ_CHECK(
      scan.valid_bytes == pos,
      absl::StrCat("valid_bytes ", scan.valid_bytes, ", records end at ", pos));
  if (scan.tail) {
    FUZZ_CHECK(scan.tail->offset == scan.valid_bytes &&
                   scan.tail->offset + scan.tail->bytes == bytes.size() &&
                   scan.tail->bytes > 0,
               absl::StrCat("tail ", scan.tail->offset, "+", scan.tail->bytes,
                            " of ", bytes.size()));
  } else {
    FUZZ_CHECK(scan.valid_bytes == bytes.size(),
               absl::StrCat("no tail, but valid_bytes ", scan.valid_bytes,
                            " of ", bytes.size()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  upgrade_core::fuzz::CurrentInput() = input;
  std::string owned;
  size_t chunks = 0;
  const bool structured = !input.empty() && input[0] == 'S';
  if (structured) owned = Structured(input.substr(1), &chunks);
  const absl::string_view bytes = structured ? owned : input;

  absl::StatusOr<JournalScan> scan = ScanJournal("j", bytes);
  absl::StatusOr<JournalContents> decoded = DecodeJournal("j", bytes);
  if (!scan.ok()) {
    FUZZ_CHECK(
        scan.status().code() == absl::StatusCode::kInvalidArgument ||
            scan.status().code() == absl::StatusCode::kFailedPrecondition,
        scan.status().ToString());
    FUZZ_CHECK(!structured, "structured input failed to scan");
    FUZZ_CHECK(!decoded.ok(), "DecodeJournal loaded what ScanJournal refused");
    return 0;
  }
  CheckScan(bytes, *scan);
  if (structured) {
    FUZZ_CHECK(
        !scan->tail && scan->records.size() == chunks,
        absl::StrCat(scan->records.size(), " records of ", chunks, " chunks"));
  }

  const absl::string_view kept = bytes.substr(0, scan->valid_bytes);
  absl::StatusOr<JournalScan> again = ScanJournal("j", kept);
  FUZZ_CHECK(again.ok() && !again->tail &&
                 again->records.size() == scan->records.size(),
             "the kept prefix does not scan back whole");
  std::string appended(kept.empty() ? kJournalMagic : kept);
  const std::string extra =
      FrameRecord(RecordType::kJournalRecord, "appended after recovery");
  appended += extra;
  absl::StatusOr<JournalScan> grown = ScanJournal("j", appended);
  FUZZ_CHECK(grown.ok() && !grown->tail &&
                 grown->records.size() == scan->records.size() + 1 &&
                 grown->records.back().payload == "appended after recovery",
             "a record appended to the kept prefix is not found");

  if (decoded.ok()) {
    FUZZ_CHECK(decoded->header.has_value() == !scan->records.empty(),
               "header presence disagrees with the scan");
    FUZZ_CHECK(decoded->records.size() + (scan->records.empty() ? 0 : 1) ==
                   scan->records.size(),
               "DecodeJournal lost or invented records");
    FUZZ_CHECK(decoded->tail.has_value() == scan->tail.has_value(),
               "DecodeJournal's tail disagrees with the scan");
    for (const auto& record : decoded->records) {
      FUZZ_CHECK(!record.has_header() &&
                     record.record_case() !=
                         upgrade_core::proto::JournalRecord::RECORD_NOT_SET,
                 "a decoded record is a header or has no kind");
    }
  }
  return 0;
}
