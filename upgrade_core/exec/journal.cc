// The typed journal: frames proto::JournalRecords into a JournalStore and
// recovers them (see journal.h, docs/journal.md).
#include "upgrade_core/exec/journal.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "upgrade_core/exec/file_journal_store.h"
#include "upgrade_core/util/status_macros.h"
#include "upgrade_core/version_info.h"

namespace upgrade_core::exec {
namespace {

// "issued", "outcome", ... (the oneof field's name) for messages.
std::string KindName(const proto::JournalRecord& record) {
  const google::protobuf::FieldDescriptor* field =
      proto::JournalRecord::descriptor()->FindFieldByNumber(
          record.record_case());
  return field == nullptr ? "empty" : field->name();
}

struct Decoded {
  JournalContents contents;
  bool has_magic = false;
  uint64_t valid_bytes = 0;
};

absl::StatusOr<Decoded> Decode(absl::string_view name,
                               absl::string_view bytes) {
  UC_ASSIGN_OR_RETURN(JournalScan scan, ScanJournal(name, bytes));
  Decoded out;
  out.has_magic = scan.has_magic;
  out.valid_bytes = scan.valid_bytes;
  out.contents.tail = std::move(scan.tail);
  out.contents.records.reserve(scan.records.empty() ? 0
                                                    : scan.records.size() - 1);
  for (size_t i = 0; i < scan.records.size(); ++i) {
    const ScannedRecord& raw = scan.records[i];
    proto::JournalRecord record;
    // A record that passes its checksum was written this way: not a torn
    // write but a bug or a foreign writer. It is an error, not a tail to cut.
    if (!record.ParseFromArray(raw.payload.data(),
                               static_cast<int>(raw.payload.size()))) {
      return absl::DataLossError(absl::StrCat(
          name, ": record at offset ", raw.offset,
          " passes its checksum but is not a JournalRecord; the journal is "
          "left unchanged"));
    }
    if (record.record_case() == proto::JournalRecord::RECORD_NOT_SET) {
      return absl::FailedPreconditionError(
          absl::StrCat(name, ": record at offset ", raw.offset,
                       " has no kind this version knows (written by a newer "
                       "upgrade_core?); the journal is left unchanged"));
    }
    if (i == 0) {
      if (!record.has_header()) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, ": first record (offset ", raw.offset, ") is of kind '",
            KindName(record), "', not the journal header"));
      }
      if (record.header().format_version() > kJournalFormatVersion) {
        return absl::FailedPreconditionError(absl::StrCat(
            name, ": journal format version ", record.header().format_version(),
            " is newer than this version's ", kJournalFormatVersion,
            " (written by upgrade_core ", record.header().library_version(),
            ")"));
      }
      out.contents.header = std::move(*record.mutable_header());
      continue;
    }
    if (record.has_header()) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": record at offset ", raw.offset,
          " is a second journal header; a journal has one, first"));
    }
    out.contents.records.push_back(std::move(record));
  }
  return out;
}

// A header record is a plan name, a hash and a version string; a longer
// one is refused when written, so a longer declared length is corruption.
constexpr size_t kMaxHeaderPayloadBytes = 4096;

// Whether a journal without a good header lost it to a crash during its
// creation (or was cut inside it), so that starting it afresh loses nothing
// that was there: the bad bytes end where the header record would. A header
// that is corrupt while bytes follow it is damage to a journal with history,
// which Open refuses to paper over.
bool IsTornCreation(const TailDrop& tail, absl::string_view bytes) {
  const size_t at = kJournalMagic.size() + 4;  // the header's length field
  const auto declared = [&]() -> uint64_t {
    uint64_t v = 0;
    for (int i = 0; i < 4; ++i) {
      v |= uint64_t{static_cast<unsigned char>(bytes[at + i])} << (8 * i);
    }
    return v;
  };
  switch (tail.reason) {
    case TailDropReason::kTruncatedMagic:
    case TailDropReason::kTruncatedHeader:
    case TailDropReason::kZeroFilled:
      return true;
    case TailDropReason::kTruncatedRecord:
      return declared() <= kMaxHeaderPayloadBytes;
    case TailDropReason::kChecksumMismatch:
      return kJournalMagic.size() + kRecordHeaderBytes + declared() ==
             bytes.size();
    case TailDropReason::kRecordTooLong:
      return false;
  }
  return false;
}

std::string SerializeRecord(const proto::JournalRecord& record) {
  std::string payload;
  record.SerializeToString(&payload);
  return payload;
}

}  // namespace

absl::StatusOr<JournalContents> DecodeJournal(absl::string_view name,
                                              absl::string_view bytes) {
  UC_ASSIGN_OR_RETURN(Decoded decoded, Decode(name, bytes));
  return std::move(decoded.contents);
}

absl::StatusOr<JournalContents> ReadJournal(const std::string& path,
                                            uint64_t max_bytes) {
  UC_ASSIGN_OR_RETURN(const std::string bytes,
                      ReadJournalFile(path, max_bytes));
  return DecodeJournal(path, bytes);
}

// Checks what Open was given and returns the serialized header record a
// new journal starts with; called before the store is opened, so bad
// arguments create and lock nothing.
absl::StatusOr<std::string> HeaderRecordFor(absl::string_view name,
                                            const proto::JournalHeader& header,
                                            const JournalOptions& options) {
  if (header.plan_hash().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("journal ", name,
                     ": the header has no plan_hash; set it to the "
                     "compiled plan's hash"));
  }
  if (header.format_version() != 0 &&
      header.format_version() != kJournalFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("journal ", name, ": the header's format_version is ",
                     header.format_version(), "; this version writes ",
                     kJournalFormatVersion, " (leave it 0)"));
  }
  if (options.sync == JournalSync::kGroupCommit &&
      options.group_commit_records < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("journal ", name, ": group_commit_records is ",
                     options.group_commit_records, "; it must be at least 1"));
  }
  proto::JournalRecord first;
  proto::JournalHeader* h = first.mutable_header();
  *h = header;
  h->set_format_version(kJournalFormatVersion);
  if (h->library_version().empty()) {
    h->set_library_version(std::string(upgrade_core::kVersion));
  }
  std::string payload = SerializeRecord(first);
  if (payload.size() > kMaxHeaderPayloadBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("journal ", name, ": the header is ", payload.size(),
                     " bytes serialized, over the limit of ",
                     kMaxHeaderPayloadBytes, " (is the plan name that long?)"));
  }
  return payload;
}

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(
    const std::string& path, const proto::JournalHeader& header,
    const JournalOptions& options) {
  UC_RETURN_IF_ERROR(HeaderRecordFor(path, header, options).status());
  UC_ASSIGN_OR_RETURN(std::unique_ptr<FileJournalStore> store,
                      FileJournalStore::Open(path, kJournalMagic));
  return Open(std::move(store), header, options);
}

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(
    std::unique_ptr<JournalStore> store, const proto::JournalHeader& header,
    const JournalOptions& options) {
  const std::string& name = store->name();
  UC_ASSIGN_OR_RETURN(const std::string header_payload,
                      HeaderRecordFor(name, header, options));
  UC_ASSIGN_OR_RETURN(const std::string bytes,
                      store->ReadAll(options.max_journal_bytes));
  UC_ASSIGN_OR_RETURN(Decoded decoded, Decode(name, bytes));
  JournalContents& contents = decoded.contents;
  // Checked before the tail is cut: another plan's journal stays untouched.
  if (contents.header && contents.header->plan_hash() != header.plan_hash()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "journal ", name, " belongs to plan '", contents.header->plan_name(),
        "' (hash ", contents.header->plan_hash(), "), not to plan '",
        header.plan_name(), "' (hash ", header.plan_hash(), ")"));
  }
  if (!contents.header && contents.tail &&
      !IsTornCreation(*contents.tail, bytes)) {
    return absl::DataLossError(absl::StrCat(
        "journal ", name, ": its header record is corrupt (",
        TailDropReasonName(contents.tail->reason), " at offset ",
        contents.tail->offset, ") and ", contents.tail->bytes,
        " bytes from there on cannot be read; the journal is left unchanged "
        "(move it aside to start a new one)"));
  }
  if (contents.tail) {
    UC_ASSIGN_OR_RETURN(contents.tail->kept_at,
                        store->Truncate(decoded.valid_bytes));
  }
  const bool created = !contents.header.has_value();
  if (created) {
    // The magic is already there unless the file was empty or its creation
    // was torn inside the magic.
    std::string bytes_out =
        decoded.has_magic ? std::string() : std::string(kJournalMagic);
    absl::StrAppend(&bytes_out,
                    FrameRecord(RecordType::kJournalRecord, header_payload));
    UC_RETURN_IF_ERROR(store->Append(bytes_out));
    // Always synced, whatever the options: a journal without its header is
    // no journal at all.
    UC_RETURN_IF_ERROR(store->Sync());
    proto::JournalRecord written;
    if (!written.ParseFromString(header_payload)) {  // what was just written
      return absl::InternalError(
          absl::StrCat("journal ", name, ": the header does not round-trip"));
    }
    contents.header = std::move(*written.mutable_header());
  }
  return std::unique_ptr<Journal>(new Journal(
      std::move(store), options, std::move(*contents.header),
      std::move(contents.records), std::move(contents.tail), created));
}

Journal::Journal(std::unique_ptr<JournalStore> store,
                 const JournalOptions& options, proto::JournalHeader header,
                 std::vector<proto::JournalRecord> recovered,
                 std::optional<TailDrop> tail_drop, bool created)
    : name_(store->name()),
      options_(options),
      header_(std::move(header)),
      recovered_(std::move(recovered)),
      tail_drop_(std::move(tail_drop)),
      created_(created),
      store_(std::move(store)) {}

Journal::~Journal() {
  absl::MutexLock lock(&mu_);
  (void)SyncLocked();
}

absl::Status Journal::Write(const proto::JournalRecord& record) {
  if (record.has_header()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "journal ", name_,
        ": a header record cannot be appended; Journal::Open writes the one "
        "header"));
  }
  if (record.record_case() == proto::JournalRecord::RECORD_NOT_SET) {
    return absl::InvalidArgumentError(
        absl::StrCat("journal ", name_,
                     ": the record has no kind set (issued, outcome or "
                     "control)"));
  }
  const std::string payload = SerializeRecord(record);
  if (payload.size() > kMaxRecordPayloadBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "journal ", name_, ": the '", KindName(record), "' record is ",
        payload.size(), " bytes serialized, over the limit of ",
        kMaxRecordPayloadBytes));
  }
  const std::string framed = FrameRecord(RecordType::kJournalRecord, payload);
  absl::MutexLock lock(&mu_);
  UC_RETURN_IF_ERROR(store_->Append(framed));
  ++unsynced_;
  if (options_.sync == JournalSync::kEveryRecord ||
      unsynced_ >= options_.group_commit_records) {
    return SyncLocked();
  }
  return absl::OkStatus();
}

absl::Status Journal::Sync() {
  absl::MutexLock lock(&mu_);
  return SyncLocked();
}

absl::Status Journal::SyncLocked() {
  if (unsynced_ == 0) return absl::OkStatus();
  UC_RETURN_IF_ERROR(store_->Sync());
  unsynced_ = 0;
  return absl::OkStatus();
}

}  // namespace upgrade_core::exec
