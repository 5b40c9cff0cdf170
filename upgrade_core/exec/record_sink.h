// File: record_sink.h
// -----------------------------------------------------------------------------
// RecordSink: where an Orchestrator writes what it decides (actions issued,
// operator commands) and observes (outcomes), as proto::JournalRecord. The
// crash-safe Journal (journal.h) is the production sink; tests use an
// in-memory one. The orchestrator writes a record before it acts on it (an
// action is handed out only after its "issued" record is written), so a
// replay of the records rebuilds exactly the state the caller saw.
#ifndef UPGRADE_CORE_EXEC_RECORD_SINK_H_
#define UPGRADE_CORE_EXEC_RECORD_SINK_H_

#include "absl/status/status.h"
#include "upgrade_core/proto/journal.pb.h"

namespace upgrade_core::exec {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Appends one record (durably, per the sink's policy). A non-OK status
  // means the record may not survive a crash: the orchestrator then does not
  // act on it and returns the error to its caller.
  virtual absl::Status Write(const proto::JournalRecord& record) = 0;
};

}  // namespace upgrade_core::exec

#endif  // UPGRADE_CORE_EXEC_RECORD_SINK_H_
