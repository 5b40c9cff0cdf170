// File: version_eval.h
// -----------------------------------------------------------------------------
// The two version questions rule packs ask, answered by upgrade_core/version
// (Helm / Masterminds semver v3 semantics). Kept behind this tiny interface so
// the rule engine parses each constraint once, at pack load.
#ifndef UPGRADE_CORE_COMPAT_VERSION_EVAL_H_
#define UPGRADE_CORE_COMPAT_VERSION_EVAL_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace upgrade_core::compat::internal {

// A parsed Helm-style constraint (">= 1.28.0-0 < 1.31", "^1.2", "1.x || 2").
class VersionConstraint {
 public:
  // InvalidArgument naming the constraint and what is wrong with it.
  static absl::StatusOr<std::shared_ptr<const VersionConstraint>> Parse(
      absl::string_view text);
  virtual ~VersionConstraint() = default;
  // InvalidArgument if `version` does not parse.
  virtual absl::StatusOr<bool> Allows(absl::string_view version) const = 0;
  virtual const std::string& text() const = 0;
};

// One violation of the Kubernetes version-skew policy.
struct SkewFinding {
  std::string policy_rule;  // e.g. "kubelet-vs-apiserver"
  std::string message;  // e.g. "kubelet 1.27.9 is 4 minor versions older ..."
};

// Checks the component versions named in `context` ("kube-apiserver" or, if
// absent, "kubernetes"; "kubelet", "kube-proxy", "kube-controller-manager",
// "kube-scheduler", "cloud-controller-manager", "kubectl") against the
// Kubernetes version-skew policy. Other keys are ignored. InvalidArgument for
// a version that does not parse.
absl::StatusOr<std::vector<SkewFinding>> CheckSkew(
    const std::map<std::string, std::string>& context);

// <0, 0, >0 like strcmp; InvalidArgument if either does not parse.
absl::StatusOr<int> CompareVersions(absl::string_view a, absl::string_view b);

}  // namespace upgrade_core::compat::internal

#endif  // UPGRADE_CORE_COMPAT_VERSION_EVAL_H_
