// Drift = Diff with the system-owned and configured paths ignored.
#include "upgrade_core/compat/drift.h"

#include "absl/strings/str_cat.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::compat {
using diag::Diagnostic;
using diag::Report;
using diag::Severity;
using document::Node;
using document::NodeToDisplay;
using document::Path;

const std::vector<std::string>& SystemOwnedPaths() {
  static const auto* kPaths = new std::vector<std::string>{
      "status",
      "metadata.resourceVersion",
      "metadata.managedFields",
      "metadata.generation",
      "metadata.uid",
      "metadata.creationTimestamp",
  };
  return *kPaths;
}

absl::StatusOr<std::vector<Change>> Drift(const Node& desired, const Node& live,
                                          const DriftOptions& options) {
  std::vector<std::string> ignore = options.ignore;
  if (options.ignore_system_fields) {
    ignore.insert(ignore.end(), SystemOwnedPaths().begin(),
                  SystemOwnedPaths().end());
  }
  DiffOptions d;
  d.identity_keys = options.identity_keys;
  UC_ASSIGN_OR_RETURN(d.ignore, ParsePaths(ignore));
  std::vector<Change> changes = Diff(desired, live, d);
  if (options.ignore_live_only_fields) {
    std::vector<Change> kept;
    for (Change& c : changes) {
      if (c.kind != ChangeKind::kAdded) kept.push_back(std::move(c));
    }
    changes = std::move(kept);
  }
  return changes;
}

Report DriftReport(const std::vector<Change>& changes, Severity severity) {
  Report report;
  for (const Change& c : changes) {
    Diagnostic f;
    f.severity = severity;
    f.path = c.path;
    switch (c.kind) {
      case ChangeKind::kAdded:
        f.code = "drift/unexpected";
        f.message = absl::StrCat("live object has ", c.path, " = ",
                                 NodeToDisplay(c.new_value),
                                 ", which the desired state does not set");
        f.location = c.new_location;
        break;
      case ChangeKind::kRemoved:
        f.code = "drift/missing";
        f.message =
            absl::StrCat("desired ", c.path, " = ", NodeToDisplay(c.old_value),
                         " is missing from the live object");
        f.hint = "re-apply the desired state";
        f.location = c.old_location;
        break;
      case ChangeKind::kChanged:
      case ChangeKind::kTypeChanged:
        f.code = "drift/changed";
        f.message =
            absl::StrCat(c.path, " is ", NodeToDisplay(c.new_value),
                         " live but ", NodeToDisplay(c.old_value), " desired");
        f.hint = "re-apply the desired state, or adopt the live value";
        f.location = c.old_location;
        break;
    }
    report.findings.push_back(std::move(f));
  }
  return report;
}

}  // namespace upgrade_core::compat
