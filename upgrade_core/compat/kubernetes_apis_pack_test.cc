// Tests of the built-in kubernetes-apis rule pack (packs/kubernetes-apis.yaml):
// the removals it has beyond the deprecation guide's table (alpha versions,
// kinds the table missed, removals after v1.32), the entries corrected against
// kube-apiserver's own deprecation warnings, and invariants of every rule.
// manifest_check_test.cc covers the guide's table through CheckManifests.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/compat/rules.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::compat {
using diag::Diagnostic;
using diag::Severity;
using document::Document;
using document::Node;

namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kPackFile[] = "upgrade_core/compat/packs/kubernetes-apis.yaml";

struct Removal {
  const char* api_version;
  const char* kind;
  const char* deprecated_in;  // "" for an alpha version removed without one
  const char* removed_in;
  const char* replacement;
  const char* rule;  // the rule id within the pack
};

// Written from the sources cited in the pack (Kubernetes changelogs, the
// deprecation guide, the API types' prerelease-lifecycle tags), one row per
// (apiVersion, kind) the pack gained.
constexpr Removal kAdded[] = {
    // v1.22: the guide lists SelfSubjectRulesReview with the other reviews.
    {"authorization.k8s.io/v1beta1", "SelfSubjectRulesReview", "1.19", "1.22",
     "authorization.k8s.io/v1", "authorization-v1beta1"},
    // v1.23: CHANGELOG-1.23 (#104248).
    {"rbac.authorization.k8s.io/v1alpha1", "ClusterRole", "1.8", "1.23",
     "rbac.authorization.k8s.io/v1", "rbac-v1alpha1"},
    {"rbac.authorization.k8s.io/v1alpha1", "ClusterRoleBinding", "1.8", "1.23",
     "rbac.authorization.k8s.io/v1", "rbac-v1alpha1"},
    {"rbac.authorization.k8s.io/v1alpha1", "Role", "1.8", "1.23",
     "rbac.authorization.k8s.io/v1", "rbac-v1alpha1"},
    {"rbac.authorization.k8s.io/v1alpha1", "RoleBinding", "1.8", "1.23",
     "rbac.authorization.k8s.io/v1", "rbac-v1alpha1"},
    {"scheduling.k8s.io/v1alpha1", "PriorityClass", "1.14", "1.23",
     "scheduling.k8s.io/v1", "scheduling-v1alpha1-priorityclass"},
    // v1.32: admissionregistration v1alpha1 lifecycle.
    {"admissionregistration.k8s.io/v1alpha1", "ValidatingAdmissionPolicy",
     "1.29", "1.32", "admissionregistration.k8s.io/v1",
     "admissionregistration-v1alpha1-validatingadmissionpolicy"},
    {"admissionregistration.k8s.io/v1alpha1",
     "ValidatingAdmissionPolicyBinding", "1.29", "1.32",
     "admissionregistration.k8s.io/v1",
     "admissionregistration-v1alpha1-validatingadmissionpolicy"},
    // v1.34: admissionregistration v1beta1 lifecycle; CHANGELOG-1.34 (#132000).
    {"admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicy",
     "1.31", "1.34", "admissionregistration.k8s.io/v1",
     "admissionregistration-v1beta1-validatingadmissionpolicy"},
    {"admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicyBinding",
     "1.31", "1.34", "admissionregistration.k8s.io/v1",
     "admissionregistration-v1beta1-validatingadmissionpolicy"},
    {"resource.k8s.io/v1alpha3", "DeviceClass", "1.32", "1.34",
     "resource.k8s.io/v1", "resource-v1alpha3"},
    {"resource.k8s.io/v1alpha3", "ResourceClaim", "1.32", "1.34",
     "resource.k8s.io/v1", "resource-v1alpha3"},
    {"resource.k8s.io/v1alpha3", "ResourceClaimTemplate", "1.32", "1.34",
     "resource.k8s.io/v1", "resource-v1alpha3"},
    {"resource.k8s.io/v1alpha3", "ResourceSlice", "1.32", "1.34",
     "resource.k8s.io/v1", "resource-v1alpha3"},
    // v1.35: storage v1alpha1 lifecycle; CHANGELOG-1.35 (#134784).
    {"storage.k8s.io/v1alpha1", "VolumeAttributesClass", "1.32", "1.35",
     "storage.k8s.io/v1", "storage-v1alpha1-volumeattributesclass"},
    {"storagemigration.k8s.io/v1alpha1", "StorageVersionMigration", "", "1.35",
     "storagemigration.k8s.io/v1beta1", "storagemigration-v1alpha1"},
    // v1.36: CHANGELOG-1.36 (#136976).
    {"scheduling.k8s.io/v1alpha1", "Workload", "", "1.36",
     "scheduling.k8s.io/v1alpha2", "scheduling-v1alpha1-workload"},
    // v1.37: storage and networking v1beta1 lifecycle; CHANGELOG-1.37
    // (#138572).
    {"storage.k8s.io/v1beta1", "VolumeAttributesClass", "1.34", "1.37",
     "storage.k8s.io/v1", "storage-v1beta1-volumeattributesclass"},
    {"networking.k8s.io/v1beta1", "IPAddress", "1.34", "1.37",
     "networking.k8s.io/v1", "networking-v1beta1-servicecidr"},
    {"networking.k8s.io/v1beta1", "ServiceCIDR", "1.34", "1.37",
     "networking.k8s.io/v1", "networking-v1beta1-servicecidr"},
    {"scheduling.k8s.io/v1alpha2", "Workload", "", "1.37",
     "scheduling.k8s.io/v1alpha3", "scheduling-v1alpha2-workload"},
    {"scheduling.k8s.io/v1alpha2", "PodGroup", "", "1.37",
     "scheduling.k8s.io/v1alpha3", "scheduling-v1alpha2-workload"},
};

// Existing entries whose deprecated_in was corrected: kube-apiserver warns
// "... is deprecated in v1.22+, unavailable in v1.25+" for the first two; the
// guide gives networking.k8s.io/v1 as available since v1.8.
constexpr Removal kCorrected[] = {
    {"events.k8s.io/v1beta1", "Event", "1.22", "1.25", "events.k8s.io/v1",
     "events-v1beta1-event"},
    {"node.k8s.io/v1beta1", "RuntimeClass", "1.22", "1.25", "node.k8s.io/v1",
     "node-v1beta1-runtimeclass"},
    {"extensions/v1beta1", "NetworkPolicy", "1.8", "1.16",
     "networking.k8s.io/v1", "extensions-v1beta1-networkpolicy"},
};

// The minor of a pack version ("1.23" -> 23); fails the test on any other
// form than "1.<minor>".
int Minor(absl::string_view version) {
  std::vector<absl::string_view> parts = absl::StrSplit(version, '.');
  int major = 0;
  int minor = 0;
  EXPECT_EQ(parts.size(), 2u) << version;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &major) ||
      !absl::SimpleAtoi(parts[1], &minor)) {
    ADD_FAILURE() << "not MAJOR.MINOR: " << version;
    return -1;
  }
  EXPECT_EQ(major, 1) << version;
  return minor;
}

// The first patch release of `version`, and the last one of the minor before.
std::string At(absl::string_view version) {
  return absl::StrCat(version, ".0");
}
std::string JustBefore(absl::string_view version) {
  return absl::StrCat("1.", Minor(version) - 1, ".9");
}

struct Result {
  Severity severity;
  std::string rule;
  std::string message;
  std::string hint;
};

// The findings of `pack` on a one-object manifest at target `kubernetes`.
std::vector<Result> Check(const RulePack& pack, absl::string_view api_version,
                          absl::string_view kind,
                          const std::string& kubernetes) {
  absl::StatusOr<Document> doc = Document::FromYaml(
      absl::StrCat("apiVersion: ", api_version, "\nkind: ", kind,
                   "\nmetadata:\n  name: x\n  namespace: ns\n"),
      "manifest.yaml");
  EXPECT_TRUE(doc.ok()) << doc.status();
  if (!doc.ok()) return {};
  absl::StatusOr<std::vector<Diagnostic>> findings =
      pack.Evaluate(doc->root(), {{"kubernetes", kubernetes}});
  EXPECT_TRUE(findings.ok()) << findings.status();
  if (!findings.ok()) return {};
  std::vector<Result> out;
  for (const Diagnostic& f : *findings) {
    out.push_back({f.severity, f.code, f.message, f.hint});
  }
  return out;
}

absl::StatusOr<RulePack> ApisPack() {
  return RulePack::Builtin("kubernetes-apis");
}

// Checks one row: nothing before deprecation, a warning from deprecation
// until the removal (or nothing, for an alpha version without deprecation),
// an error naming the replacement from the removal on.
void ExpectLifecycle(const RulePack& pack, const Removal& r) {
  SCOPED_TRACE(absl::StrCat(r.api_version, " ", r.kind));
  const std::string rule = absl::StrCat("kubernetes-apis/", r.rule);

  std::vector<Result> at = Check(pack, r.api_version, r.kind, At(r.removed_in));
  ASSERT_THAT(at, SizeIs(1));
  EXPECT_EQ(at[0].severity, Severity::kError);
  EXPECT_EQ(at[0].rule, rule);
  EXPECT_THAT(at[0].message, HasSubstr(absl::StrCat(
                                 "was removed in Kubernetes ", r.removed_in)));
  EXPECT_THAT(at[0].message, HasSubstr(absl::StrCat(r.kind, " ns/x")));
  EXPECT_THAT(at[0].hint, HasSubstr(r.replacement));

  std::vector<Result> before =
      Check(pack, r.api_version, r.kind, JustBefore(r.removed_in));
  if (*r.deprecated_in == '\0') {
    EXPECT_THAT(before, IsEmpty());
    return;
  }
  ASSERT_THAT(before, SizeIs(1));
  EXPECT_EQ(before[0].severity, Severity::kWarning);
  EXPECT_EQ(before[0].rule, rule);
  EXPECT_THAT(
      before[0].message,
      HasSubstr(absl::StrCat("is deprecated since Kubernetes ", r.deprecated_in,
                             " and removed in ", r.removed_in)));

  std::vector<Result> deprecated =
      Check(pack, r.api_version, r.kind, At(r.deprecated_in));
  ASSERT_THAT(deprecated, SizeIs(1));
  EXPECT_EQ(deprecated[0].severity, Severity::kWarning);

  EXPECT_THAT(Check(pack, r.api_version, r.kind, JustBefore(r.deprecated_in)),
              IsEmpty());
}

TEST(KubernetesApisPackTest, AddedRemovals) {
  absl::StatusOr<RulePack> pack = ApisPack();
  ASSERT_TRUE(pack.ok()) << pack.status();
  for (const Removal& r : kAdded) ExpectLifecycle(*pack, r);
}

TEST(KubernetesApisPackTest, CorrectedDeprecations) {
  absl::StatusOr<RulePack> pack = ApisPack();
  ASSERT_TRUE(pack.ok()) << pack.status();
  for (const Removal& r : kCorrected) ExpectLifecycle(*pack, r);
}

// Kinds still served in an apiVersion that lost others are not reported, and
// two rules on one apiVersion keep their own releases.
TEST(KubernetesApisPackTest, OnlyTheRemovedKindsOfAnApiVersion) {
  absl::StatusOr<RulePack> pack = ApisPack();
  ASSERT_TRUE(pack.ok()) << pack.status();
  // CHANGELOG-1.34: v1alpha3 keeps DeviceTaintRule; MutatingAdmissionPolicy
  // was added to admissionregistration.k8s.io/v1beta1 in v1.34.
  EXPECT_THAT(
      Check(*pack, "resource.k8s.io/v1alpha3", "DeviceTaintRule", "1.34.0"),
      IsEmpty());
  EXPECT_THAT(Check(*pack, "admissionregistration.k8s.io/v1beta1",
                    "MutatingAdmissionPolicy", "1.34.0"),
              IsEmpty());
  EXPECT_THAT(Check(*pack, "admissionregistration.k8s.io/v1beta1",
                    "MutatingAdmissionPolicyBinding", "1.34.0"),
              IsEmpty());
  // scheduling.k8s.io/v1alpha1: PriorityClass went in 1.23, Workload in 1.36.
  EXPECT_THAT(Check(*pack, "scheduling.k8s.io/v1alpha1", "Workload", "1.35.2"),
              IsEmpty());
  std::vector<Result> priority =
      Check(*pack, "scheduling.k8s.io/v1alpha1", "PriorityClass", "1.36.0");
  ASSERT_THAT(priority, SizeIs(1));
  EXPECT_EQ(priority[0].rule,
            "kubernetes-apis/scheduling-v1alpha1-priorityclass");
  // The webhook rule on admissionregistration.k8s.io/v1beta1 is unchanged.
  std::vector<Result> webhook =
      Check(*pack, "admissionregistration.k8s.io/v1beta1",
            "ValidatingWebhookConfiguration", "1.22.0");
  ASSERT_THAT(webhook, SizeIs(1));
  EXPECT_EQ(webhook[0].rule, "kubernetes-apis/admissionregistration-v1beta1");
  EXPECT_EQ(webhook[0].severity, Severity::kError);
  // The current versions are never reported.
  for (const auto& [api, kind] :
       std::vector<std::pair<std::string, std::string>>{
           {"admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy"},
           {"resource.k8s.io/v1", "ResourceClaim"},
           {"storage.k8s.io/v1", "VolumeAttributesClass"},
           {"networking.k8s.io/v1", "ServiceCIDR"},
           {"rbac.authorization.k8s.io/v1", "ClusterRole"},
           {"authorization.k8s.io/v1", "SelfSubjectRulesReview"}}) {
    EXPECT_THAT(Check(*pack, api, kind, "1.40.0"), IsEmpty()) << api << kind;
  }
}

// Invariants of every rule, read from the pack file itself: versions are
// MAJOR.MINOR, deprecation comes before removal (only alpha versions may lack
// it), each rule says what to use instead, and no (apiVersion, kind) is
// claimed twice. Then each rule behaves as its data says through the engine.
TEST(KubernetesApisPackTest, EveryRuleIsConsistent) {
  absl::StatusOr<RulePack> pack = ApisPack();
  ASSERT_TRUE(pack.ok()) << pack.status();
  absl::StatusOr<Document> file = Document::FromFile(kPackFile);
  ASSERT_TRUE(file.ok()) << file.status();
  std::optional<Node> rules = file->root().Get("rules");
  ASSERT_TRUE(rules && rules->is_list());
  // The embedded pack is this file.
  ASSERT_EQ(rules->size(), pack->rules().size());

  std::map<std::string, std::string> owner;  // "apiVersion kind" -> rule id
  for (size_t i = 0; i < rules->size(); ++i) {
    Node rule = rules->child(i);
    std::string id(rule.Get("id")->text());
    SCOPED_TRACE(id);
    EXPECT_EQ(pack->rules()[i].id, absl::StrCat("kubernetes-apis/", id));
    EXPECT_EQ(rule.Get("kind")->text(), "api-removed");
    EXPECT_EQ(rule.Get("severity")->text(), "error");

    std::string api(rule.Get("apiVersion")->text());
    std::optional<Node> removed = rule.Get("removed_in");
    ASSERT_TRUE(removed.has_value());
    std::string removed_in(removed->text());
    std::string deprecated_in;
    if (std::optional<Node> d = rule.Get("deprecated_in")) {
      deprecated_in = std::string(d->text());
      EXPECT_LT(Minor(deprecated_in), Minor(removed_in))
          << "deprecated_in " << deprecated_in << " removed_in " << removed_in;
    } else {
      // The deprecation policy lets alpha versions go without notice; every
      // beta or GA removal was deprecated first.
      EXPECT_TRUE(absl::StrContains(api, "alpha"))
          << api << " has no deprecated_in";
      Minor(removed_in);
    }

    std::string replacement;
    if (std::optional<Node> rep = rule.Get("replacement")) {
      replacement = std::string(rep->text());
    }
    std::string hint;
    if (std::optional<Node> h = rule.Get("hint")) hint = std::string(h->text());
    EXPECT_TRUE(!replacement.empty() || !hint.empty())
        << "needs a replacement or a hint";
    if (!replacement.empty()) {
      EXPECT_NE(replacement, api);
      EXPECT_THAT(hint, HasSubstr(replacement));
    }

    std::optional<Node> kinds = rule.Get("kinds");
    ASSERT_TRUE(kinds && kinds->is_list() && kinds->size() > 0);
    for (size_t k = 0; k < kinds->size(); ++k) {
      std::string kind(kinds->child(k).text());
      SCOPED_TRACE(kind);
      auto [it, inserted] = owner.emplace(absl::StrCat(api, " ", kind), id);
      EXPECT_TRUE(inserted) << "also in rule " << it->second;

      std::vector<Result> at = Check(*pack, api, kind, At(removed_in));
      ASSERT_THAT(at, SizeIs(1));
      EXPECT_EQ(at[0].severity, Severity::kError);
      EXPECT_EQ(at[0].rule, absl::StrCat("kubernetes-apis/", id));
      const std::string& first =
          deprecated_in.empty() ? removed_in : deprecated_in;
      EXPECT_THAT(Check(*pack, api, kind, JustBefore(first)), IsEmpty());
      if (!deprecated_in.empty()) {
        std::vector<Result> warn = Check(*pack, api, kind, At(deprecated_in));
        ASSERT_THAT(warn, SizeIs(1));
        EXPECT_EQ(warn[0].severity, Severity::kWarning);
      }
    }
  }
}

TEST(KubernetesApisPackTest, DescriptionNamesTheCoveredReleases) {
  absl::StatusOr<RulePack> pack = ApisPack();
  ASSERT_TRUE(pack.ok()) << pack.status();
  EXPECT_THAT(pack->description(), HasSubstr("v1.16-v1.37"));
}

}  // namespace
}  // namespace upgrade_core::compat
