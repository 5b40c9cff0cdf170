// File: snapshot.h
// -----------------------------------------------------------------------------
// Serialization of an instance's state and history to the FsmSnapshot
// protobuf (upgrade_core/proto/fsm.proto) and back. Loading validates
// everything against the definition: an unknown state or event, a history
// that does not chain or uses a transition the machine lacks, or a snapshot
// of another machine is an InvalidArgument error naming the culprit, and the
// instance is left unchanged.
//
//   upgrade_core::proto::FsmSnapshot snap = ToSnapshot(instance);
//   ...
//   UC_RETURN_IF_ERROR(RestoreSnapshot(snap, other_instance));
#ifndef UPGRADE_CORE_FSM_SNAPSHOT_H_
#define UPGRADE_CORE_FSM_SNAPSHOT_H_

#include "absl/status/status.h"
#include "upgrade_core/fsm/instance.h"
#include "upgrade_core/proto/fsm.pb.h"

namespace upgrade_core::fsm {

proto::FsmSnapshot ToSnapshot(const InstanceCore& instance);

// Restores `snapshot` into `instance` (no actions run). The instance's own
// history options apply: a longer history than a bounded ring keeps the
// newest entries and counts the rest as dropped.
absl::Status RestoreSnapshot(const proto::FsmSnapshot& snapshot,
                             InstanceCore& instance);

}  // namespace upgrade_core::fsm

#endif  // UPGRADE_CORE_FSM_SNAPSHOT_H_
