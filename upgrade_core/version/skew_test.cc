#include "upgrade_core/version/skew.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::upgrade_core::testing::IsOkAndHolds;
using ::upgrade_core::testing::StatusIs;

// "component=version[@instance] ..." -> components.
std::vector<ComponentVersion> Cluster(absl::string_view spec) {
  std::vector<ComponentVersion> out;
  for (absl::string_view item : absl::StrSplit(spec, ' ', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, '=');
    std::pair<absl::string_view, absl::string_view> vi =
        absl::StrSplit(kv.second, '@');
    out.push_back({*ParseSkewComponent(kv.first), *Version::Parse(vi.first),
                   std::string(vi.second)});
  }
  return out;
}

// Violations as "rule-id:subject version>other version".
std::vector<std::string> Summaries(const std::vector<SkewViolation>& vs) {
  std::vector<std::string> out;
  for (const SkewViolation& v : vs) {
    out.push_back(absl::StrCat(v.rule->id, ":", v.version.ToString(), ">",
                               v.other_version.ToString()));
  }
  return out;
}

struct SkewCase {
  const char* cluster;
  std::vector<std::string> want;  // Summaries(), in order
};

const SkewCase kCases[] = {
    // Compliant clusters.
    {"kube-apiserver=1.35.0", {}},
    {"kube-apiserver=v1.31.5+rke2r1 kubelet=v1.31.5+rke2r1 "
     "kube-proxy=1.31.5 kube-controller-manager=1.31.5 "
     "kube-scheduler=1.31.5 cloud-controller-manager=1.31.0 kubectl=1.32.1",
     {}},
    {"kube-apiserver=1.35.0 kubelet=1.32.9", {}},  // n-3 is allowed
    {"kube-apiserver=1.35.0 kube-proxy=1.32.0", {}},
    {"kube-apiserver=1.35.0 kube-controller-manager=1.34.2", {}},
    {"kube-apiserver=1.35.0 kubectl=1.34.0", {}},
    {"kube-apiserver=1.35.0 kubectl=1.36.0", {}},
    {"kube-apiserver=1.35.0 kube-apiserver=1.34.0", {}},
    {"kubelet=1.20.0 kube-proxy=1.22.0", {}},  // no apiserver: only proxy rule
    {"kubectl=1.10.0", {}},                    // nothing to compare with
    {"kube-apiserver=1.32.0-rc.1 kubelet=1.32.5", {}},  // minor only
    // kube-apiserver HA.
    {"kube-apiserver=1.35.0 kube-apiserver=1.33.0",
     {"apiserver-ha:1.35.0>1.33.0"}},
    {"kube-apiserver=1.33.0 kube-apiserver=1.35.0 kube-apiserver=1.34.0",
     {"apiserver-ha:1.33.0>1.35.0"}},
    // kubelet.
    {"kube-apiserver=1.35.0 kubelet=1.36.0",
     {"kubelet-vs-apiserver:1.36.0>1.35.0"}},
    {"kube-apiserver=1.35.0 kubelet=1.31.9",
     {"kubelet-vs-apiserver:1.31.9>1.35.0"}},
    {"kube-apiserver=1.26.0 kubelet=1.23.0",  // < 1.25: only n-2
     {"kubelet-vs-apiserver:1.23.0>1.26.0"}},
    {"kube-apiserver=1.26.0 kubelet=1.24.0", {}},
    {"kube-apiserver=1.27.0 kubelet=1.24.0",
     {"kubelet-vs-apiserver:1.24.0>1.27.0"}},
    {"kube-apiserver=1.28.0 kubelet=1.25.0", {}},
    // HA skew narrows the kubelet range (policy example).
    {"kube-apiserver=1.35.0 kube-apiserver=1.34.0 kubelet=1.35.0",
     {"kubelet-vs-apiserver:1.35.0>1.34.0"}},
    {"kube-apiserver=1.35.0 kube-apiserver=1.34.0 kubelet=1.31.0",
     {"kubelet-vs-apiserver:1.31.0>1.35.0"}},
    // kube-proxy.
    {"kube-apiserver=1.35.0 kube-proxy=1.36.0",
     {"kube-proxy-vs-apiserver:1.36.0>1.35.0"}},
    {"kube-apiserver=1.35.0 kube-proxy=1.31.0",
     {"kube-proxy-vs-apiserver:1.31.0>1.35.0"}},
    {"kubelet=1.35.0 kube-proxy=1.31.0",
     {"kube-proxy-vs-kubelet:1.31.0>1.35.0"}},
    {"kubelet=1.28.0 kube-proxy=1.32.0",
     {"kube-proxy-vs-kubelet:1.32.0>1.28.0"}},
    {"kubelet=1.24.0 kube-proxy=1.21.0",  // < 1.25: at most 2 apart
     {"kube-proxy-vs-kubelet:1.21.0>1.24.0"}},
    // Per-node pairing: only same-node kube-proxy/kubelet pairs.
    {"kubelet=1.35.0@node-a kubelet=1.31.0@node-b kube-proxy=1.32.0@node-b",
     {}},
    {"kubelet=1.35.0@node-a kubelet=1.31.0@node-b kube-proxy=1.31.0@node-a",
     {"kube-proxy-vs-kubelet:1.31.0>1.35.0"}},
    {"kubelet=1.35.0@node-a kube-proxy=1.31.0",  // unlabeled: every kubelet
     {"kube-proxy-vs-kubelet:1.31.0>1.35.0"}},
    // Control plane components.
    {"kube-apiserver=1.35.0 kube-controller-manager=1.36.0",
     {"kube-controller-manager-vs-apiserver:1.36.0>1.35.0"}},
    {"kube-apiserver=1.35.0 kube-controller-manager=1.33.0",
     {"kube-controller-manager-vs-apiserver:1.33.0>1.35.0"}},
    {"kube-apiserver=1.35.0 kube-scheduler=1.33.9",
     {"kube-scheduler-vs-apiserver:1.33.9>1.35.0"}},
    {"kube-apiserver=1.35.0 cloud-controller-manager=1.36.0",
     {"cloud-controller-manager-vs-apiserver:1.36.0>1.35.0"}},
    {"kube-apiserver=1.35.0 kube-apiserver=1.34.0 kube-scheduler=1.35.0",
     {"kube-scheduler-vs-apiserver:1.35.0>1.34.0"}},
    // kubectl.
    {"kube-apiserver=1.35.0 kubectl=1.37.0",
     {"kubectl-vs-apiserver:1.37.0>1.35.0"}},
    {"kube-apiserver=1.35.0 kubectl=1.33.0",
     {"kubectl-vs-apiserver:1.33.0>1.35.0"}},
    // Major version mismatch.
    {"kube-apiserver=1.35.0 kubelet=2.0.0",
     {"kubelet-vs-apiserver:2.0.0>1.35.0"}},
    // Everything wrong at once, reported in policy order.
    {"kube-apiserver=1.35.0 kube-apiserver=1.32.0 kubelet=1.36.0 "
     "kube-proxy=1.28.0 kube-controller-manager=1.30.0 kubectl=1.30.0",
     {"apiserver-ha:1.35.0>1.32.0", "kubelet-vs-apiserver:1.36.0>1.35.0",
      "kubelet-vs-apiserver:1.36.0>1.32.0",
      "kube-proxy-vs-apiserver:1.28.0>1.35.0",
      "kube-proxy-vs-apiserver:1.28.0>1.32.0",
      "kube-proxy-vs-kubelet:1.28.0>1.36.0",
      "kube-controller-manager-vs-apiserver:1.30.0>1.35.0",
      "kube-controller-manager-vs-apiserver:1.30.0>1.32.0",
      "kubectl-vs-apiserver:1.30.0>1.35.0",
      "kubectl-vs-apiserver:1.30.0>1.32.0"}},
};

TEST(SkewTest, PolicyCases) {
  for (const SkewCase& c : kCases) {
    SCOPED_TRACE(c.cluster);
    EXPECT_EQ(
        absl::StrJoin(Summaries(CheckVersionSkew(Cluster(c.cluster))), "\n"),
        absl::StrJoin(c.want, "\n"));
  }
}

TEST(SkewTest, MessagesNameBothEndsAndTheBound) {
  std::vector<SkewViolation> v =
      CheckVersionSkew(Cluster("kube-apiserver=1.31.5 kubelet=1.27.9@node-7"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].message,
            "kubelet (node-7) 1.27.9 is 4 minor versions older than "
            "kube-apiserver 1.31.5; kubelet may be at most 3 minor versions "
            "older");
  EXPECT_EQ(v[0].component, SkewComponent::kKubelet);
  EXPECT_EQ(v[0].instance, "node-7");
  EXPECT_EQ(v[0].other_component, SkewComponent::kKubeApiserver);
  EXPECT_THAT(std::string(v[0].rule->text), HasSubstr("three minor versions"));

  v = CheckVersionSkew(Cluster("kube-apiserver=1.30.0 kubelet=1.31.2"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].message,
            "kubelet 1.31.2 is newer than kube-apiserver 1.30.0; kubelet must "
            "not be newer");

  v = CheckVersionSkew(Cluster("kube-apiserver=1.26.0 kubelet=1.23.0"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message,
              HasSubstr("may be at most 2 minor versions older (kubelet < "
                        "1.25)"));

  v = CheckVersionSkew(Cluster("kube-apiserver=1.30.0 kube-apiserver=1.28.1"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].message,
            "kube-apiserver 1.30.0 and kube-apiserver 1.28.1 are 2 minor "
            "versions apart; HA instances must be within 1 minor version");

  v = CheckVersionSkew(Cluster("kube-apiserver=1.30.0 kubectl=1.32.0"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].message,
            "kubectl 1.32.0 is 2 minor versions newer than kube-apiserver "
            "1.30.0; kubectl may be at most 1 minor version newer");
}

// The example in docs/versions.md, verbatim.
TEST(SkewTest, DocsExample) {
  std::vector<upgrade_core::SkewViolation> problems =
      upgrade_core::CheckVersionSkew({
          {upgrade_core::SkewComponent::kKubeApiserver,
           *Version::Parse("1.31.5")},
          {upgrade_core::SkewComponent::kKubelet, *Version::Parse("1.27.9"),
           "node-7"},
      });
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rule->id, "kubelet-vs-apiserver");
}

TEST(SkewTest, ComponentNamesRoundTrip) {
  for (SkewComponent c : AllSkewComponents()) {
    EXPECT_THAT(ParseSkewComponent(SkewComponentName(c)), IsOkAndHolds(c));
  }
  EXPECT_THAT(ParseSkewComponent("kube-dns"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown Kubernetes component \"kube-dns\" "
                                 "(known: kube-apiserver, kubelet,")));
  EXPECT_EQ(AllSkewComponents().size(), 7u);
}

TEST(SkewTest, PolicyTableCoversEveryComponent) {
  std::vector<std::string> ids;
  for (const SkewRule& r : KubernetesSkewPolicy())
    ids.push_back(std::string(r.id));
  EXPECT_THAT(ids,
              ElementsAre("apiserver-ha", "kubelet-vs-apiserver",
                          "kube-proxy-vs-apiserver", "kube-proxy-vs-kubelet",
                          "kube-controller-manager-vs-apiserver",
                          "kube-scheduler-vs-apiserver",
                          "cloud-controller-manager-vs-apiserver",
                          "kubectl-vs-apiserver"));
  EXPECT_EQ(kSkewPolicyRelease, "1.35");
}

TEST(SkewTest, HugeMinorNumbersDoNotOverflow) {
  std::vector<SkewViolation> v = CheckVersionSkew(
      Cluster("kube-apiserver=1.18446744073709551615.0 kubelet=1.0.0"));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_THAT(v[0].message, HasSubstr("older"));
}

}  // namespace
}  // namespace upgrade_core
