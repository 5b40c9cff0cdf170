// File: skew.h
// -----------------------------------------------------------------------------
// The Kubernetes version skew policy as data, and a check over a cluster's
// component versions.
//
// Source: https://kubernetes.io/releases/version-skew-policy/ as published
// for Kubernetes 1.35 (kubernetes/website release-1.35,
// content/en/releases/version-skew-policy.md). The rules have read the same
// since 1.28 (when kubelet/kube-proxy went from n-2 to n-3):
//
//   kube-apiserver   HA instances: newest and oldest within one minor.
//   kubelet          not newer than kube-apiserver; up to 3 minors older
//                    (kubelet < 1.25: up to 2).
//   kube-proxy       not newer than kube-apiserver; up to 3 minors older
//                    (kube-proxy < 1.25: up to 2); up to 3 minors older or
//                    newer than the kubelet beside it (< 1.25: 2).
//   kube-controller-manager, kube-scheduler, cloud-controller-manager
//                    not newer than kube-apiserver; up to 1 minor older.
//   kubectl          within one minor (older or newer) of kube-apiserver.
//
// Only major.minor count; patch, prerelease and build are ignored. Every rule
// is checked against every kube-apiserver instance, which is how the policy's
// HA notes ("skew between kube-apiserver instances narrows the allowed
// versions") come out. Components of a different major version than their
// reference are reported under the same rule.
//
//   std::vector<SkewViolation> v = CheckVersionSkew({
//       {SkewComponent::kKubeApiserver, *Version::Parse("v1.31.5+rke2r1")},
//       {SkewComponent::kKubelet, *Version::Parse("1.27.9")}});
//   // One violation, v[0].message:
//   //   kubelet 1.27.9 is 4 minor versions older than kube-apiserver 1.31.5;
//   //   kubelet may be at most 3 minor versions older
#ifndef UPGRADE_CORE_VERSION_SKEW_H_
#define UPGRADE_CORE_VERSION_SKEW_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "upgrade_core/version/version.h"

namespace upgrade_core {

enum class SkewComponent : uint8_t {
  kKubeApiserver,
  kKubelet,
  kKubeProxy,
  kKubeControllerManager,
  kKubeScheduler,
  kCloudControllerManager,
  kKubectl,
};

// "kube-apiserver", "kubelet", ... (the binaries' names).
absl::string_view SkewComponentName(SkewComponent c);
// Inverse of SkewComponentName; InvalidArgument listing the known names.
absl::StatusOr<SkewComponent> ParseSkewComponent(absl::string_view name);
// All components, in enum order.
absl::Span<const SkewComponent> AllSkewComponents();

// One row of the policy: how far `subject` may be from `reference`, in minor
// versions. For subjects older than 1.`legacy_below_minor` the legacy bounds
// apply (0 = no legacy bounds).
struct SkewRule {
  absl::string_view id;  // stable identifier, e.g. "kubelet-vs-apiserver"
  SkewComponent subject;
  SkewComponent reference;
  int max_newer;  // subject.minor - reference.minor <= max_newer
  int max_older;  // reference.minor - subject.minor <= max_older
  uint64_t legacy_below_minor;
  int legacy_max_newer;
  int legacy_max_older;
  absl::string_view text;  // the policy's sentence
};

// The policy table (Kubernetes 1.35), in a fixed order.
absl::Span<const SkewRule> KubernetesSkewPolicy();
// Which Kubernetes release's published policy the table encodes.
inline constexpr absl::string_view kSkewPolicyRelease = "1.35";

struct ComponentVersion {
  ComponentVersion(SkewComponent component, Version version,
                   std::string instance = "")
      : component(component),
        version(std::move(version)),
        instance(std::move(instance)) {}

  SkewComponent component;
  Version version;
  // Optional label (node or instance name). kube-proxy is compared with the
  // kubelet of the same label when both have one, with every kubelet when
  // either label is empty.
  std::string instance;
};

struct SkewViolation {
  SkewComponent component;  // the rule's subject
  Version version;
  std::string instance;
  SkewComponent other_component;  // the rule's reference
  Version other_version;
  std::string other_instance;
  const SkewRule* rule;  // points into KubernetesSkewPolicy()
  // e.g. "kubelet 1.27.9 is 4 minor versions older than kube-apiserver
  // 1.31.5; kubelet may be at most 3 minor versions older"
  std::string message;
};

// Every pair of the given components outside the policy, in policy-table
// order, then input order. Empty when compliant. Any subset of components,
// any number of instances of each.
std::vector<SkewViolation> CheckVersionSkew(
    absl::Span<const ComponentVersion> components);

}  // namespace upgrade_core

#endif  // UPGRADE_CORE_VERSION_SKEW_H_
