// The record framing byte by byte, and how a scan stops on bad bytes.
#include "upgrade_core/exec/journal_format.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::exec {
namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::StatusIs;

// Bit-by-bit CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): an
// independent reference for what zlib computes.
uint32_t ReferenceCrc32(absl::string_view bytes) {
  uint32_t crc = 0xffffffffu;
  for (char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int k = 0; k < 8; ++k) {
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
  }
  return ~crc;
}

uint32_t Fixed32At(absl::string_view bytes, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= uint32_t{static_cast<unsigned char>(bytes[at + i])} << (8 * i);
  }
  return v;
}

std::string Fixed32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

TEST(JournalFormatTest, ReferenceCrcMatchesThePublishedCheckValue) {
  EXPECT_EQ(ReferenceCrc32("123456789"), 0xcbf43926u);
}

TEST(JournalFormatTest, MaskRoundTrips) {
  for (uint32_t crc : {0u, 1u, 0xcbf43926u, 0xffffffffu, 0xa282ead8u}) {
    EXPECT_EQ(UnmaskCrc(MaskCrc(crc)), crc) << crc;
    EXPECT_NE(MaskCrc(crc), crc) << crc;
  }
}

TEST(JournalFormatTest, FrameLayoutByteByByte) {
  const std::string framed = FrameRecord(RecordType::kJournalRecord, "abc");
  ASSERT_EQ(framed.size(), kRecordHeaderBytes + 3);
  EXPECT_EQ(Fixed32At(framed, 4), 3u);  // length, little endian
  EXPECT_EQ(framed[8], '\x01');         // type
  EXPECT_EQ(framed.substr(9), "abc");
  // The checksum covers length, type and payload, and is stored masked.
  EXPECT_EQ(UnmaskCrc(Fixed32At(framed, 0)),
            ReferenceCrc32(std::string("\x03\x00\x00\x00\x01"
                                       "abc",
                                       8)));
}

TEST(JournalFormatTest, ScansRecordsInOrder) {
  const std::string bytes =
      absl::StrCat(kJournalMagic, FrameRecord(RecordType::kJournalRecord, "a"),
                   FrameRecord(RecordType::kJournalRecord, ""),
                   FrameRecord(RecordType::kJournalRecord, "ccc"));
  absl::StatusOr<JournalScan> scan = ScanJournal("j", bytes);
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_TRUE(scan->has_magic);
  EXPECT_FALSE(scan->tail.has_value());
  EXPECT_EQ(scan->valid_bytes, bytes.size());
  ASSERT_EQ(scan->records.size(), 3u);
  EXPECT_EQ(scan->records[0].offset, 8u);
  EXPECT_EQ(scan->records[0].payload, "a");
  EXPECT_EQ(scan->records[1].offset, 18u);
  EXPECT_EQ(scan->records[1].payload, "");
  EXPECT_EQ(scan->records[2].offset, 27u);
  EXPECT_EQ(scan->records[2].payload, "ccc");
}

TEST(JournalFormatTest, EmptyBytesAreANewJournal) {
  absl::StatusOr<JournalScan> scan = ScanJournal("j", "");
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_FALSE(scan->has_magic);
  EXPECT_TRUE(scan->records.empty());
  EXPECT_FALSE(scan->tail.has_value());
}

// Bad tails: each is a drop at a known offset, never an error.
struct TailCase {
  const char* name;
  std::string bytes;
  uint64_t offset;
  TailDropReason reason;
  size_t good_records;
};

TEST(JournalFormatTest, BadTailsAreDroppedAndReported) {
  const std::string good = FrameRecord(RecordType::kJournalRecord, "good");
  const std::string next = FrameRecord(RecordType::kJournalRecord, "next");
  const uint64_t after = kJournalMagic.size() + good.size();
  std::string flipped = next;
  flipped[10] ^= 0x20;
  const TailCase cases[] = {
      {"torn magic", "UCJR", 0, TailDropReason::kTruncatedMagic, 0},
      {"torn header", absl::StrCat(kJournalMagic, good, next.substr(0, 5)),
       after, TailDropReason::kTruncatedHeader, 1},
      {"torn payload", absl::StrCat(kJournalMagic, good, next.substr(0, 11)),
       after, TailDropReason::kTruncatedRecord, 1},
      {"flipped payload byte", absl::StrCat(kJournalMagic, good, flipped),
       after, TailDropReason::kChecksumMismatch, 1},
      {"zero fill", absl::StrCat(kJournalMagic, good, std::string(40, '\0')),
       after, TailDropReason::kZeroFilled, 1},
      {"absurd length",
       absl::StrCat(kJournalMagic, good, "abcd", Fixed32(0xfffffff0u), "\x01",
                    "payload"),
       after, TailDropReason::kRecordTooLong, 1},
      {"just over the limit",
       absl::StrCat(kJournalMagic, good, "abcd",
                    Fixed32(kMaxRecordPayloadBytes + 1), "\x01"),
       after, TailDropReason::kRecordTooLong, 1},
      // A good record after a bad one is dropped too: no replay past a hole.
      {"good record after a bad one",
       absl::StrCat(kJournalMagic, good, flipped, next), after,
       TailDropReason::kChecksumMismatch, 1},
  };
  for (const TailCase& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<JournalScan> scan = ScanJournal("j", c.bytes);
    ASSERT_TRUE(scan.ok()) << scan.status();
    ASSERT_TRUE(scan->tail.has_value());
    EXPECT_EQ(scan->tail->offset, c.offset);
    EXPECT_EQ(scan->tail->bytes, c.bytes.size() - c.offset);
    EXPECT_EQ(scan->tail->reason, c.reason)
        << TailDropReasonName(scan->tail->reason);
    EXPECT_EQ(scan->valid_bytes, c.offset);
    EXPECT_EQ(scan->records.size(), c.good_records);
  }
}

TEST(JournalFormatTest, DescribesADrop) {
  EXPECT_EQ(DescribeTailDrop(
                TailDrop{230, 17, TailDropReason::kChecksumMismatch, ""}),
            "dropped 17 bytes at offset 230 (checksum mismatch)");
  EXPECT_EQ(DescribeTailDrop(
                TailDrop{8, 3, TailDropReason::kTruncatedRecord, "j.dropped"}),
            "dropped 3 bytes at offset 8 (truncated record), kept in "
            "j.dropped");
}

struct ErrorCase {
  const char* name;
  std::string bytes;
  absl::StatusCode code;
  const char* message;
};

TEST(JournalFormatTest, ForeignBytesAreErrors) {
  // A record with a good checksum and an unknown type: a newer writer's.
  std::string typed = FrameRecord(RecordType::kJournalRecord, "x");
  typed[8] = '\x07';
  const std::string covered = typed.substr(4);
  const std::string retyped =
      absl::StrCat(Fixed32(MaskCrc(ReferenceCrc32(covered))), covered);
  const ErrorCase cases[] = {
      {"yaml", "apiVersion: v1\nkind: Plan\n",
       absl::StatusCode::kInvalidArgument,
       "j: not a journal (the file does not start with \"UCJRNL01\")"},
      {"short and foreign", "abc", absl::StatusCode::kInvalidArgument,
       "j: not a journal"},
      {"older magic", "UCJRNL00", absl::StatusCode::kInvalidArgument,
       "not a journal"},
      {"newer record type", absl::StrCat(kJournalMagic, retyped),
       absl::StatusCode::kFailedPrecondition,
       "j: record at offset 8 has type 7, which this version does not know"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(ScanJournal("j", c.bytes),
                StatusIs(c.code, HasSubstr(c.message)));
  }
}

}  // namespace
}  // namespace upgrade_core::exec
