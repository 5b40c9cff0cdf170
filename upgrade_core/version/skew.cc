// The Kubernetes 1.35 version skew policy table and its check.
#include "upgrade_core/version/skew.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace upgrade_core {

namespace {

using C = SkewComponent;

constexpr SkewComponent kAll[] = {
    C::kKubeApiserver, C::kKubelet,
    C::kKubeProxy,     C::kKubeControllerManager,
    C::kKubeScheduler, C::kCloudControllerManager,
    C::kKubectl,
};

// https://kubernetes.io/releases/version-skew-policy/ (Kubernetes 1.35).
// One sentence of the policy covers all three control-plane components.
constexpr char kControlPlaneComponentsRule[] =
    "kube-controller-manager, kube-scheduler, and cloud-controller-manager "
    "must not be newer than the kube-apiserver instances they communicate "
    "with. They are expected to match the kube-apiserver minor version, but "
    "may be up to one minor version older (to allow live upgrades).";

constexpr SkewRule kPolicy[] = {
    {"apiserver-ha", C::kKubeApiserver, C::kKubeApiserver, 1, 1, 0, 0, 0,
     "In highly-available (HA) clusters, the newest and oldest kube-apiserver "
     "instances must be within one minor version."},
    {"kubelet-vs-apiserver", C::kKubelet, C::kKubeApiserver, 0, 3, 25, 0, 2,
     "kubelet must not be newer than kube-apiserver. kubelet may be up to "
     "three minor versions older than kube-apiserver (kubelet < 1.25 may only "
     "be up to two minor versions older than kube-apiserver)."},
    {"kube-proxy-vs-apiserver", C::kKubeProxy, C::kKubeApiserver, 0, 3, 25, 0,
     2,
     "kube-proxy must not be newer than kube-apiserver. kube-proxy may be up "
     "to three minor versions older than kube-apiserver (kube-proxy < 1.25 "
     "may only be up to two minor versions older than kube-apiserver)."},
    {"kube-proxy-vs-kubelet", C::kKubeProxy, C::kKubelet, 3, 3, 25, 2, 2,
     "kube-proxy may be up to three minor versions older or newer than the "
     "kubelet instance it runs alongside (kube-proxy < 1.25 may only be up to "
     "two minor versions older or newer than the kubelet instance it runs "
     "alongside)."},
    {"kube-controller-manager-vs-apiserver", C::kKubeControllerManager,
     C::kKubeApiserver, 0, 1, 0, 0, 0, kControlPlaneComponentsRule},
    {"kube-scheduler-vs-apiserver", C::kKubeScheduler, C::kKubeApiserver, 0, 1,
     0, 0, 0, kControlPlaneComponentsRule},
    {"cloud-controller-manager-vs-apiserver", C::kCloudControllerManager,
     C::kKubeApiserver, 0, 1, 0, 0, 0, kControlPlaneComponentsRule},
    {"kubectl-vs-apiserver", C::kKubectl, C::kKubeApiserver, 1, 1, 0, 0, 0,
     "kubectl is supported within one minor version (older or newer) of "
     "kube-apiserver."},
};

std::string Plural(int64_t n) {
  return absl::StrCat(n, n == 1 ? " minor version" : " minor versions");
}

std::string Describe(const ComponentVersion& c) {
  std::string out(SkewComponentName(c.component));
  if (!c.instance.empty()) absl::StrAppend(&out, " (", c.instance, ")");
  absl::StrAppend(&out, " ", c.version.major(), ".", c.version.minor(), ".",
                  c.version.patch());
  return out;
}

// Appends a violation of `rule` by `s` (subject) against `r` (reference),
// if any.
void CheckPair(const SkewRule& rule, const ComponentVersion& s,
               const ComponentVersion& r, std::vector<SkewViolation>* out) {
  const absl::string_view name = SkewComponentName(s.component);
  std::string message;
  if (s.version.major() != r.version.major()) {
    message = absl::StrFormat(
        "%s and %s have different major versions; the skew policy only "
        "relates versions of the same major series",
        Describe(s), Describe(r));
  } else {
    const bool legacy = rule.legacy_below_minor != 0 &&
                        s.version.minor() < rule.legacy_below_minor;
    const int max_newer = legacy ? rule.legacy_max_newer : rule.max_newer;
    const int max_older = legacy ? rule.legacy_max_older : rule.max_older;
    // Minor numbers are uint64; clamp the difference to avoid overflow.
    const uint64_t sm = s.version.minor(), rm = r.version.minor();
    const uint64_t gap = sm > rm ? sm - rm : rm - sm;
    const int64_t d = gap > 1000000 ? 1000000 : static_cast<int64_t>(gap);
    const std::string legacy_note =
        legacy ? absl::StrCat(" (", name, " < 1.", rule.legacy_below_minor, ")")
               : "";
    if (rule.subject == rule.reference) {
      if (d > max_newer) {
        message = absl::StrFormat(
            "%s and %s are %s apart; HA instances must be within %s",
            Describe(s), Describe(r), Plural(d), Plural(max_newer));
      }
    } else if (sm > rm && d > max_newer) {
      message =
          max_newer == 0
              ? absl::StrFormat("%s is newer than %s; %s must not be newer",
                                Describe(s), Describe(r), name)
              : absl::StrFormat(
                    "%s is %s newer than %s; %s may be at most %s newer%s",
                    Describe(s), Plural(d), Describe(r), name,
                    Plural(max_newer), legacy_note);
    } else if (rm > sm && d > max_older) {
      message = absl::StrFormat(
          "%s is %s older than %s; %s may be at most %s older%s", Describe(s),
          Plural(d), Describe(r), name, Plural(max_older), legacy_note);
    }
  }
  if (message.empty()) return;
  out->push_back(SkewViolation{s.component, s.version, s.instance, r.component,
                               r.version, r.instance, &rule,
                               std::move(message)});
}

}  // namespace

absl::string_view SkewComponentName(SkewComponent c) {
  switch (c) {
    case C::kKubeApiserver:
      return "kube-apiserver";
    case C::kKubelet:
      return "kubelet";
    case C::kKubeProxy:
      return "kube-proxy";
    case C::kKubeControllerManager:
      return "kube-controller-manager";
    case C::kKubeScheduler:
      return "kube-scheduler";
    case C::kCloudControllerManager:
      return "cloud-controller-manager";
    case C::kKubectl:
      return "kubectl";
  }
  return "unknown";
}

absl::StatusOr<SkewComponent> ParseSkewComponent(absl::string_view name) {
  for (SkewComponent c : kAll) {
    if (SkewComponentName(c) == name) return c;
  }
  std::vector<absl::string_view> names;
  for (SkewComponent c : kAll) names.push_back(SkewComponentName(c));
  return absl::InvalidArgumentError(
      absl::StrFormat("unknown Kubernetes component \"%s\" (known: %s)",
                      absl::CHexEscape(name), absl::StrJoin(names, ", ")));
}

absl::Span<const SkewComponent> AllSkewComponents() { return kAll; }

absl::Span<const SkewRule> KubernetesSkewPolicy() { return kPolicy; }

std::vector<SkewViolation> CheckVersionSkew(
    absl::Span<const ComponentVersion> components) {
  std::vector<SkewViolation> out;
  for (const SkewRule& rule : kPolicy) {
    for (size_t i = 0; i < components.size(); ++i) {
      const ComponentVersion& s = components[i];
      if (s.component != rule.subject) continue;
      // A symmetric rule within one component: each unordered pair once.
      const size_t first = rule.subject == rule.reference ? i + 1 : 0;
      for (size_t j = first; j < components.size(); ++j) {
        const ComponentVersion& r = components[j];
        if (r.component != rule.reference) continue;
        if (rule.subject == C::kKubeProxy && rule.reference == C::kKubelet &&
            !s.instance.empty() && !r.instance.empty() &&
            s.instance != r.instance) {
          continue;  // only the kubelet it runs alongside
        }
        CheckPair(rule, s, r, &out);
      }
    }
  }
  return out;
}

}  // namespace upgrade_core
