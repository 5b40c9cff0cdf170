// File: drift.h
// -----------------------------------------------------------------------------
// Drift: what differs between the desired state of an object (a manifest)
// and what is live (`kubectl get -o yaml`), ignoring fields the system owns:
// `status`, `metadata.resourceVersion`, `metadata.managedFields`,
// `metadata.generation`, `metadata.uid`, `metadata.creationTimestamp`, plus
// any paths you add.
#ifndef UPGRADE_CORE_COMPAT_DRIFT_H_
#define UPGRADE_CORE_COMPAT_DRIFT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "upgrade_core/compat/diff.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::compat {

struct DriftOptions {
  // Extra paths to ignore (wildcards allowed), e.g.
  // `metadata.annotations["deployment.kubernetes.io/revision"]`.
  std::vector<std::string> ignore;
  // Ignore the system-owned fields listed above.
  bool ignore_system_fields = true;
  // Ignore fields only the live object has (defaults the API server filled
  // in); then only fields you declared are compared.
  bool ignore_live_only_fields = false;
  std::vector<std::string> identity_keys = {"name", "containerPort"};
};

// The system-owned paths Drift ignores by default.
const std::vector<std::string>& SystemOwnedPaths();

// Changes from desired (old side) to live (new side). InvalidArgument for a
// bad ignore path.
absl::StatusOr<std::vector<Change>> Drift(const document::Node& desired,
                                          const document::Node& live,
                                          const DriftOptions& options = {});

// One finding per drifted field (rule drift/changed, drift/missing,
// drift/unexpected), located in the desired document where it exists.
diag::Report DriftReport(const std::vector<Change>& changes,
                         diag::Severity severity = diag::Severity::kWarning);

}  // namespace upgrade_core::compat

#endif  // UPGRADE_CORE_COMPAT_DRIFT_H_
