// versions_demo: parses versions and Helm constraints, sorts, matches, shows
// an error with its position, and checks a cluster against the Kubernetes
// version skew policy.
//
//   bazel run //examples:demo
//   bazel run //examples:demo -- ">= 1.28.0-0" v1.28.3-gke.100 1.27.9
//     (first argument a constraint, the rest versions to check against it)
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "upgrade_core/version/constraint.h"
#include "upgrade_core/version/skew.h"
#include "upgrade_core/version/version.h"

namespace {

using upgrade_core::ComponentVersion;
using upgrade_core::Constraint;
using upgrade_core::SkewComponent;
using upgrade_core::Version;

int CheckArgs(int argc, char** argv) {
  absl::StatusOr<Constraint> c = Constraint::Parse(argv[1]);
  if (!c.ok()) {
    std::cerr << c.status().message() << "\n";
    return 2;
  }
  std::cout << "constraint " << argv[1] << "  (canonical: " << *c << ")\n";
  int status = 0;
  for (int i = 2; i < argc; ++i) {
    absl::StatusOr<Version> v = Version::Parse(argv[i]);
    if (!v.ok()) {
      std::cerr << v.status().message() << "\n";
      status = 2;
      continue;
    }
    std::cout << absl::StrFormat("  %-24s %s\n", argv[i],
                                 c->Allows(*v) ? "allowed" : "not allowed");
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2) return CheckArgs(argc, argv);

  std::cout << "== Versions (loose: what Helm accepts) ==\n";
  std::vector<Version> versions;
  for (const char* text :
       {"v1.31.5+rke2r1", "v1.32.2-rc1+rke2r1", "v1.31.4+rke2r1", "1.30",
        "v1.28.3-gke.100", "v1.32.2+rke2r1", "01.29.0"}) {
    Version v = *Version::Parse(text);
    std::cout << absl::StrFormat(
        "  %-20s -> %-20s major=%d minor=%d patch=%d pre=%-8s build=%s\n", text,
        v.ToString(), v.major(), v.minor(), v.patch(),
        v.prerelease().empty() ? "-" : std::string(v.prerelease()),
        v.build().empty() ? "-" : std::string(v.build()));
    versions.push_back(std::move(v));
  }
  std::sort(versions.begin(), versions.end());
  std::cout << "  sorted by SemVer precedence:";
  for (const Version& v : versions) std::cout << " " << v.original();
  std::cout << "\n\n";

  std::cout
      << "== Chart constraints (Masterminds semver v3.4.0 semantics) ==\n";
  const char* cluster_versions[] = {"v1.31.5+rke2r1", "v1.28.3-gke.100",
                                    "v1.32.2-rc1+rke2r1", "1.27.9"};
  for (const char* text :
       {">= 1.28.0-0", ">= 1.28.0", ">=1.25.0-0 <1.32.0-0", "^1.31.0",
        "~1.31.4", "1.30 - 1.31", "1.2-1.4.5", "^*"}) {
    Constraint c = *Constraint::Parse(text);
    std::cout << absl::StrFormat("  %-22s canonical %-24s", text, c.ToString());
    for (const char* v : cluster_versions) {
      std::cout << " " << v << (c.Allows(*Version::Parse(v)) ? "=yes" : "=no");
    }
    std::cout << "\n";
  }
  std::cout << "\n== Errors name the input and the position ==\n";
  for (const char* bad : {">= 1.28 <", "1.2.x.4", ">=1.2<2"}) {
    std::cout << "  " << Constraint::Parse(bad).status().message() << "\n";
  }
  std::cout << "  "
            << Version::Parse("v1.2.3", upgrade_core::ParseMode::kStrict)
                   .status()
                   .message()
            << "\n\n";

  std::cout << "== Kubernetes version skew (policy of Kubernetes "
            << upgrade_core::kSkewPolicyRelease << ") ==\n";
  // Mid-upgrade: one control-plane node already on 1.32, workers lagging.
  std::vector<ComponentVersion> cluster = {
      {SkewComponent::kKubeApiserver, *Version::Parse("v1.32.2+rke2r1"),
       "cp-1"},
      {SkewComponent::kKubeApiserver, *Version::Parse("v1.30.9+rke2r1"),
       "cp-2"},
      {SkewComponent::kKubelet, *Version::Parse("v1.31.5+rke2r1"), "worker-1"},
      {SkewComponent::kKubelet, *Version::Parse("v1.28.15+rke2r1"), "worker-2"},
      {SkewComponent::kKubeProxy, *Version::Parse("v1.28.15+rke2r1"),
       "worker-2"},
      {SkewComponent::kKubeControllerManager, *Version::Parse("v1.32.2"),
       "cp-1"},
      {SkewComponent::kKubectl, *Version::Parse("1.33.0"), ""},
  };
  for (const ComponentVersion& c : cluster) {
    std::cout << absl::StrFormat("  %-24s %-9s %s\n",
                                 upgrade_core::SkewComponentName(c.component),
                                 c.instance, c.version.original());
  }
  const std::vector<upgrade_core::SkewViolation> violations =
      upgrade_core::CheckVersionSkew(cluster);
  std::cout << "  " << violations.size() << " violation(s):\n";
  for (const upgrade_core::SkewViolation& v : violations) {
    std::cout << "  [" << v.rule->id << "] " << v.message << "\n";
  }
  return 0;
}
