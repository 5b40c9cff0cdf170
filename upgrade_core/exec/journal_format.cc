// Framing and scanning of journal records (see journal_format.h).
#include "upgrade_core/exec/journal_format.h"

#include <zlib.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace upgrade_core::exec {
namespace {

constexpr uint32_t kMaskDelta = 0xa282ead8u;

void PutFixed32(char* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint32_t GetFixed32(const char* in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= uint32_t{static_cast<unsigned char>(in[i])} << (8 * i);
  }
  return v;
}

// CRC-32 of `covered` (the length and type bytes followed by the payload,
// contiguous in both the writer's buffer and the scanned file).
uint32_t Crc(absl::string_view covered) {
  return static_cast<uint32_t>(
      crc32_z(crc32_z(0L, Z_NULL, 0),
              reinterpret_cast<const Bytef*>(covered.data()), covered.size()));
}

bool AllZero(absl::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(),
                     [](char c) { return c == '\0'; });
}

}  // namespace

uint32_t MaskCrc(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

uint32_t UnmaskCrc(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

absl::string_view TailDropReasonName(TailDropReason reason) {
  switch (reason) {
    case TailDropReason::kTruncatedMagic:
      return "truncated file magic";
    case TailDropReason::kTruncatedHeader:
      return "truncated record header";
    case TailDropReason::kTruncatedRecord:
      return "truncated record";
    case TailDropReason::kRecordTooLong:
      return "record length over the 64 MiB limit";
    case TailDropReason::kChecksumMismatch:
      return "checksum mismatch";
    case TailDropReason::kZeroFilled:
      return "zero-filled bytes";
  }
  return "unknown";
}

std::string DescribeTailDrop(const TailDrop& drop) {
  std::string out =
      absl::StrCat("dropped ", drop.bytes, " bytes at offset ", drop.offset,
                   " (", TailDropReasonName(drop.reason), ")");
  if (!drop.kept_at.empty()) absl::StrAppend(&out, ", kept in ", drop.kept_at);
  return out;
}

std::string FrameRecord(RecordType type, absl::string_view payload) {
  std::string out(kRecordHeaderBytes + payload.size(), '\0');
  PutFixed32(&out[4], static_cast<uint32_t>(payload.size()));
  out[8] = static_cast<char>(type);
  std::copy(payload.begin(), payload.end(), out.begin() + kRecordHeaderBytes);
  PutFixed32(&out[0], MaskCrc(Crc(absl::string_view(out).substr(4))));
  return out;
}

absl::StatusOr<JournalScan> ScanJournal(absl::string_view name,
                                        absl::string_view bytes) {
  JournalScan scan;
  if (bytes.empty()) return scan;
  if (bytes.size() < kJournalMagic.size()) {
    // A torn creation leaves a prefix of the magic; anything else is some
    // other file that must not be touched.
    if (kJournalMagic.substr(0, bytes.size()) != bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": not a journal (", bytes.size(),
          " bytes that do not start with \"", kJournalMagic, "\")"));
    }
    scan.tail = TailDrop{0, bytes.size(), TailDropReason::kTruncatedMagic, ""};
    return scan;
  }
  if (bytes.substr(0, kJournalMagic.size()) != kJournalMagic) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": not a journal (the file does not start with \"",
                     kJournalMagic, "\")"));
  }
  scan.has_magic = true;
  uint64_t pos = kJournalMagic.size();
  const auto drop = [&](TailDropReason reason) {
    if (AllZero(bytes.substr(pos))) reason = TailDropReason::kZeroFilled;
    scan.tail = TailDrop{pos, bytes.size() - pos, reason, ""};
  };
  while (pos < bytes.size()) {
    const uint64_t left = bytes.size() - pos;
    if (left < kRecordHeaderBytes) {
      drop(TailDropReason::kTruncatedHeader);
      break;
    }
    const char* header = bytes.data() + pos;
    const uint32_t length = GetFixed32(header + 4);
    // The length is checked before it is trusted: it may itself be corrupt.
    if (length > kMaxRecordPayloadBytes) {
      drop(TailDropReason::kRecordTooLong);
      break;
    }
    if (length > left - kRecordHeaderBytes) {
      drop(TailDropReason::kTruncatedRecord);
      break;
    }
    const absl::string_view covered = bytes.substr(pos + 4, 5 + length);
    if (UnmaskCrc(GetFixed32(header)) != Crc(covered)) {
      drop(TailDropReason::kChecksumMismatch);
      break;
    }
    const uint8_t type = static_cast<uint8_t>(header[8]);
    if (type != static_cast<uint8_t>(RecordType::kJournalRecord)) {
      // The checksum holds, so this was written on purpose: by a newer
      // version. Dropping it would destroy that writer's data.
      return absl::FailedPreconditionError(
          absl::StrCat(name, ": record at offset ", pos, " has type ", type,
                       ", which this version does not know (written by a newer "
                       "upgrade_core?); the journal is left unchanged"));
    }
    scan.records.push_back(
        ScannedRecord{pos, RecordType::kJournalRecord,
                      bytes.substr(pos + kRecordHeaderBytes, length)});
    pos += kRecordHeaderBytes + length;
  }
  scan.valid_bytes = scan.tail ? scan.tail->offset : bytes.size();
  return scan;
}

}  // namespace upgrade_core::exec
