// Tests of the manifest check and the built-in packs: every removal of the
// Kubernetes deprecation guide, and every workload-safety rule.
#include "upgrade_core/compat/manifest_check.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::compat {
using diag::Diagnostic;
using diag::Report;
using diag::Severity;
using document::Document;

namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::StatusIs;

struct Removal {
  const char* api_version;
  const char* kind;
  const char* removed_in;   // minor of the release that stopped serving it
  const char* replacement;  // "" when there is none
};

// Written from the Deprecated API Migration Guide, independently of
// packs/kubernetes-apis.yaml: one row per (apiVersion, kind) removal.
constexpr Removal kRemovals[] = {
    {"flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.32",
     "flowcontrol.apiserver.k8s.io/v1"},
    {"flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration",
     "1.32", "flowcontrol.apiserver.k8s.io/v1"},
    {"flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "1.29",
     "flowcontrol.apiserver.k8s.io/v1"},
    {"flowcontrol.apiserver.k8s.io/v1beta2", "PriorityLevelConfiguration",
     "1.29", "flowcontrol.apiserver.k8s.io/v1"},
    {"storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.27",
     "storage.k8s.io/v1"},
    {"flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", "1.26",
     "flowcontrol.apiserver.k8s.io/v1beta3"},
    {"flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration",
     "1.26", "flowcontrol.apiserver.k8s.io/v1beta3"},
    {"autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26",
     "autoscaling/v2"},
    {"batch/v1beta1", "CronJob", "1.25", "batch/v1"},
    {"discovery.k8s.io/v1beta1", "EndpointSlice", "1.25",
     "discovery.k8s.io/v1"},
    {"events.k8s.io/v1beta1", "Event", "1.25", "events.k8s.io/v1"},
    {"autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.25",
     "autoscaling/v2"},
    {"policy/v1beta1", "PodDisruptionBudget", "1.25", "policy/v1"},
    {"policy/v1beta1", "PodSecurityPolicy", "1.25", ""},
    {"node.k8s.io/v1beta1", "RuntimeClass", "1.25", "node.k8s.io/v1"},
    {"admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration",
     "1.22", "admissionregistration.k8s.io/v1"},
    {"admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration",
     "1.22", "admissionregistration.k8s.io/v1"},
    {"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "1.22",
     "apiextensions.k8s.io/v1"},
    {"apiregistration.k8s.io/v1beta1", "APIService", "1.22",
     "apiregistration.k8s.io/v1"},
    {"authentication.k8s.io/v1beta1", "TokenReview", "1.22",
     "authentication.k8s.io/v1"},
    {"authorization.k8s.io/v1beta1", "LocalSubjectAccessReview", "1.22",
     "authorization.k8s.io/v1"},
    {"authorization.k8s.io/v1beta1", "SelfSubjectAccessReview", "1.22",
     "authorization.k8s.io/v1"},
    {"authorization.k8s.io/v1beta1", "SubjectAccessReview", "1.22",
     "authorization.k8s.io/v1"},
    {"certificates.k8s.io/v1beta1", "CertificateSigningRequest", "1.22",
     "certificates.k8s.io/v1"},
    {"coordination.k8s.io/v1beta1", "Lease", "1.22", "coordination.k8s.io/v1"},
    {"extensions/v1beta1", "Ingress", "1.22", "networking.k8s.io/v1"},
    {"networking.k8s.io/v1beta1", "Ingress", "1.22", "networking.k8s.io/v1"},
    {"networking.k8s.io/v1beta1", "IngressClass", "1.22",
     "networking.k8s.io/v1"},
    {"rbac.authorization.k8s.io/v1beta1", "ClusterRole", "1.22",
     "rbac.authorization.k8s.io/v1"},
    {"rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", "1.22",
     "rbac.authorization.k8s.io/v1"},
    {"rbac.authorization.k8s.io/v1beta1", "Role", "1.22",
     "rbac.authorization.k8s.io/v1"},
    {"rbac.authorization.k8s.io/v1beta1", "RoleBinding", "1.22",
     "rbac.authorization.k8s.io/v1"},
    {"scheduling.k8s.io/v1beta1", "PriorityClass", "1.22",
     "scheduling.k8s.io/v1"},
    {"storage.k8s.io/v1beta1", "CSIDriver", "1.22", "storage.k8s.io/v1"},
    {"storage.k8s.io/v1beta1", "CSINode", "1.22", "storage.k8s.io/v1"},
    {"storage.k8s.io/v1beta1", "StorageClass", "1.22", "storage.k8s.io/v1"},
    {"storage.k8s.io/v1beta1", "VolumeAttachment", "1.22", "storage.k8s.io/v1"},
    {"extensions/v1beta1", "NetworkPolicy", "1.16", "networking.k8s.io/v1"},
    {"extensions/v1beta1", "DaemonSet", "1.16", "apps/v1"},
    {"apps/v1beta2", "DaemonSet", "1.16", "apps/v1"},
    {"extensions/v1beta1", "Deployment", "1.16", "apps/v1"},
    {"apps/v1beta1", "Deployment", "1.16", "apps/v1"},
    {"apps/v1beta2", "Deployment", "1.16", "apps/v1"},
    {"apps/v1beta1", "StatefulSet", "1.16", "apps/v1"},
    {"apps/v1beta2", "StatefulSet", "1.16", "apps/v1"},
    {"extensions/v1beta1", "ReplicaSet", "1.16", "apps/v1"},
    {"apps/v1beta1", "ReplicaSet", "1.16", "apps/v1"},
    {"apps/v1beta2", "ReplicaSet", "1.16", "apps/v1"},
    {"extensions/v1beta1", "PodSecurityPolicy", "1.16", "policy/v1beta1"},
};

std::vector<Document> Stream(const std::string& text) {
  absl::StatusOr<std::vector<Document>> d =
      Document::FromYamlStream(text, "manifests.yaml");
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : std::vector<Document>();
}

absl::StatusOr<RulePack> ApisPack() {
  return RulePack::Builtin("kubernetes-apis");
}

TEST(KubernetesApisTest, EveryRemovalIsReportedAtItsRelease) {
  absl::StatusOr<RulePack> pack = ApisPack();
  ASSERT_TRUE(pack.ok()) << pack.status();
  std::vector<RulePack> packs = {*pack};
  for (const Removal& r : kRemovals) {
    SCOPED_TRACE(absl::StrCat(r.api_version, " ", r.kind));
    std::vector<Document> docs =
        Stream(absl::StrCat("apiVersion: ", r.api_version, "\nkind: ", r.kind,
                            "\nmetadata:\n  name: x\n  namespace: ns\n"));
    // At the release that removed it: an error naming the replacement.
    absl::StatusOr<Report> at =
        CheckManifests(docs, absl::StrCat(r.removed_in, ".0"), packs);
    ASSERT_TRUE(at.ok()) << at.status();
    ASSERT_EQ(at->findings.size(), 1) << at->ToText();
    const Diagnostic& f = at->findings[0];
    EXPECT_EQ(f.severity, Severity::kError);
    EXPECT_EQ(f.path, "apiVersion");
    EXPECT_EQ(f.location.ToString(), "manifests.yaml:1:13");
    EXPECT_THAT(f.message, HasSubstr(absl::StrCat("removed in Kubernetes ",
                                                  r.removed_in)));
    EXPECT_THAT(f.message, HasSubstr("ns/x"));
    if (*r.replacement) {
      EXPECT_THAT(f.hint, HasSubstr(r.replacement));
    }
    // The release before: not an error (a deprecation warning at most).
    std::string minor = std::string(r.removed_in).substr(2);
    std::string before = absl::StrCat("1.", std::stoi(minor) - 1, ".9");
    absl::StatusOr<Report> earlier = CheckManifests(docs, before, packs);
    ASSERT_TRUE(earlier.ok());
    EXPECT_TRUE(earlier->ok()) << earlier->ToText();
    // Later releases too, and Kubernetes-style version strings.
    absl::StatusOr<Report> later =
        CheckManifests(docs, "v1.33.1+rke2r1", packs);
    ASSERT_TRUE(later.ok());
    EXPECT_FALSE(later->ok());
  }
}

TEST(KubernetesApisTest, PackCoversExactlyTheGuide) {
  absl::StatusOr<RulePack> pack = ApisPack();
  ASSERT_TRUE(pack.ok());
  // Every (apiVersion, kind) the pack knows is in the table above: probe each
  // rule's kinds through the engine at a version past every removal.
  std::set<std::string> table;
  for (const Removal& r : kRemovals) {
    table.insert(absl::StrCat(r.api_version, " ", r.kind));
  }
  for (const Rule& rule : pack->rules()) {
    EXPECT_EQ(rule.kind, RuleKind::kApiRemoved);
  }
  std::string all;
  for (const Removal& r : kRemovals) {
    absl::StrAppend(&all, "---\napiVersion: ", r.api_version,
                    "\nkind: ", r.kind, "\n");
  }
  std::vector<RulePack> packs = {*pack};
  absl::StatusOr<Report> rep = CheckManifests(Stream(all), "1.40.0", packs);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->findings.size(), table.size());
  // Current APIs are never reported.
  absl::StatusOr<Report> current = CheckManifests(
      Stream("apiVersion: apps/v1\nkind: Deployment\n---\napiVersion: "
             "networking.k8s.io/v1\nkind: Ingress\n"),
      "1.40.0", packs);
  ASSERT_TRUE(current.ok());
  EXPECT_TRUE(current->findings.empty());
}

TEST(KubernetesApisTest, DeprecationWarningsAndUnknownTarget) {
  std::vector<Document> docs = Stream(
      "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\n");
  absl::StatusOr<Report> deprecated = CheckManifests(docs, "1.30.2");
  ASSERT_TRUE(deprecated.ok());
  ASSERT_EQ(deprecated->findings.size(), 1);
  EXPECT_EQ(deprecated->findings[0].severity, Severity::kWarning);
  EXPECT_THAT(deprecated->findings[0].message, HasSubstr("deprecated since"));
  absl::StatusOr<Report> unknown = CheckManifests(docs, "");
  ASSERT_TRUE(unknown.ok());
  ASSERT_EQ(unknown->findings.size(), 1);
  EXPECT_EQ(unknown->findings[0].severity, Severity::kWarning);
  EXPECT_THAT(CheckManifests(docs, "one.two").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("target Kubernetes version")));
}

struct SafetyCase {
  const char* name;
  std::string manifests;
  std::vector<std::string> want;  // "rule path"
};

TEST(WorkloadSafetyTest, EveryRule) {
  const std::string ds = R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ingress-nginx-controller, namespace: ingress}
spec:
  updateStrategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    spec:
      containers:
        - name: controller
          ports:
            - {containerPort: 80, hostPort: 80}
)";
  const SafetyCase kCases[] = {
      {"daemonset host port + surge",
       ds,
       {"workload-safety/daemonset-hostport-surge "
        "spec.updateStrategy.rollingUpdate.maxSurge"}},
      {"daemonset hostNetwork + percent surge",
       R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: a}
spec:
  updateStrategy: {rollingUpdate: {maxSurge: "10%", maxUnavailable: 0}}
  template: {spec: {hostNetwork: true, containers: [{name: a}]}}
)",
       {"workload-safety/daemonset-hostport-surge "
        "spec.updateStrategy.rollingUpdate.maxSurge"}},
      {"daemonset host port, surge 0 (safe)",
       R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: a}
spec:
  updateStrategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}
  template: {spec: {containers: [{name: a, ports: [{hostPort: 80}]}]}}
)",
       {}},
      {"daemonset OnDelete (safe)",
       R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: a}
spec:
  updateStrategy: {type: OnDelete, rollingUpdate: {maxSurge: 1}}
  template: {spec: {containers: [{name: a, ports: [{hostPort: 80}]}]}}
)",
       {}},
      {"deployment no surge no unavailable",
       R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: a}
spec:
  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: "0%"}}
)",
       {"workload-safety/deployment-no-surge-no-unavailable "
        "spec.strategy.rollingUpdate.maxUnavailable"}},
      {"daemonset maxUnavailable 0 and default surge",
       R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: a}
spec:
  updateStrategy: {rollingUpdate: {maxUnavailable: 0}}
)",
       {"workload-safety/daemonset-no-surge-no-unavailable "
        "spec.updateStrategy.rollingUpdate.maxUnavailable"}},
      {"pdb minAvailable = replicas",
       R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  replicas: 2
  template: {metadata: {labels: {app: web, tier: fe}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web-pdb, namespace: prod}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: other-pdb}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: other}}
)",
       {"workload-safety/pdb-min-available-blocks-eviction spec.minAvailable"}},
      {"pdb minAvailable below replicas (safe)",
       R"(apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 3
  template: {metadata: {labels: {app: db}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: db}}
)",
       {}},
      {"pdb maxUnavailable 0",
       "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: "
       "p}\nspec: {maxUnavailable: 0}\n",
       {"workload-safety/pdb-max-unavailable-zero spec.maxUnavailable"}},
      {"webhook Fail on a Service being upgraded",
       R"(apiVersion: v1
kind: Service
metadata: {name: ingress-nginx-controller-admission, namespace: ingress}
spec: {selector: {app: ingress-nginx}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: ingress-nginx-admission}
webhooks:
  - name: validate.nginx.ingress.kubernetes.io
    failurePolicy: Ignore
    clientConfig: {service: {name: other, namespace: ingress}}
  - name: validate2.nginx.ingress.kubernetes.io
    clientConfig:
      service: {name: ingress-nginx-controller-admission, namespace: ingress}
)",
       {"workload-safety/webhook-fail-served-by-upgraded-service "
        "webhooks[1].clientConfig.service.name"}},
      {"webhook Ignore (safe)",
       R"(apiVersion: v1
kind: Service
metadata: {name: svc}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: hook}
webhooks:
  - name: a
    failurePolicy: Ignore
    clientConfig: {service: {name: svc}}
)",
       {}},
  };
  absl::StatusOr<RulePack> pack = RulePack::Builtin("workload-safety");
  ASSERT_TRUE(pack.ok()) << pack.status();
  std::vector<RulePack> packs = {*pack};
  for (const SafetyCase& c : kCases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Report> r =
        CheckManifests(Stream(c.manifests), "1.32.0", packs);
    ASSERT_TRUE(r.ok()) << r.status();
    std::vector<std::string> got;
    for (const Diagnostic& f : r->findings)
      got.push_back(f.code + " " + f.path);
    EXPECT_EQ(got, c.want) << r->ToText();
  }
  // The message names the object and the location is the maxSurge value.
  absl::StatusOr<Report> r = CheckManifests(Stream(ds), "1.32.0", packs);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->findings.size(), 1);
  EXPECT_THAT(r->findings[0].message,
              HasSubstr("DaemonSet ingress/ingress-nginx-controller"));
  EXPECT_EQ(r->findings[0].location.ToString(), "manifests.yaml:7:31");
}

TEST(VersionSkewTest, ChartKubeVersionAndComponentSkew) {
  absl::StatusOr<RulePack> pack = RulePack::Builtin("version-skew");
  ASSERT_TRUE(pack.ok()) << pack.status();
  std::vector<RulePack> packs = {*pack};
  std::vector<Document> chart = Stream(
      "apiVersion: v2\nname: ingress-nginx\nversion: 4.12.8\n"
      "kubeVersion: \">=1.28.0-0 <1.32.0-0\"\n");
  struct Case {
    const char* name;
    RuleContext context;
    std::vector<std::string> want;  // "rule path: message"
  };
  const Case kCases[] = {
      {"allowed", {{"kubernetes", "1.31.4"}}, {}},
      {"too new",
       {{"kubernetes", "v1.32.1+rke2r1"}},
       {"version-skew/chart-kube-version kubeVersion: the chart requires "
        "Kubernetes >=1.28.0-0 <1.32.0-0; the target is v1.32.1+rke2r1"}},
      {"kubelet too old",
       {{"kubernetes", "1.31.4"}, {"kubelet", "1.27.9"}},
       {"version-skew/component-skew : kubelet 1.27.9 is 4 minor versions "
        "older than kube-apiserver 1.31.4; kubelet may be at most 3 minor "
        "versions older"}},
      {"kubelet newer than apiserver",
       {{"kube-apiserver", "1.30.0"},
        {"kubernetes", "1.31.0"},
        {"kubelet", "1.31.0"}},
       {}},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Report> r = CheckManifests(chart, "", packs, c.context);
    ASSERT_TRUE(r.ok()) << r.status();
    std::vector<std::string> got;
    const bool newer = std::string(c.name) == "kubelet newer than apiserver";
    int skew_seen = 0;
    for (const Diagnostic& f : r->findings) {
      if (f.code == "version-skew/component-skew" && newer) {
        // kube-apiserver wins over "kubernetes" as the reference.
        EXPECT_THAT(
            f.message,
            HasSubstr("kubelet 1.31.0 is newer than kube-apiserver 1.30.0"));
        ++skew_seen;
        continue;
      }
      got.push_back(f.code + " " + f.path + ": " + f.message);
    }
    EXPECT_EQ(got, c.want) << r->ToText();
    EXPECT_EQ(skew_seen, newer ? 1 : 0);
  }
  // A Chart.yaml whose kubeVersion is not a constraint is reported.
  absl::StatusOr<Report> bad = CheckManifests(
      Stream("apiVersion: v2\nname: x\nversion: 1.0.0\nkubeVersion: \">= "
             "banana\"\n"),
      "1.31.0", packs);
  ASSERT_TRUE(bad.ok()) << bad.status();
  ASSERT_EQ(bad->findings.size(), 1);
  EXPECT_THAT(bad->findings[0].message,
              HasSubstr("kubeVersion is not a valid version constraint"));
  EXPECT_THAT(CheckManifests(chart, "", packs, {{"kubelet", "one"}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("context 'kubelet'")));
}

TEST(ManifestCheckTest, DefaultPacksRunBoth) {
  absl::StatusOr<Report> r = CheckManifests(
      Stream("apiVersion: extensions/v1beta1\nkind: DaemonSet\nmetadata: "
             "{name: a}\nspec:\n  updateStrategy: {rollingUpdate: {maxSurge: "
             "1}}\n  template: {spec: {hostNetwork: true}}\n"),
      "1.32.0");
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> rules;
  for (const Diagnostic& f : r->findings) rules.push_back(f.code);
  EXPECT_EQ(rules, (std::vector<std::string>{
                       "kubernetes-apis/extensions-v1beta1-daemonset",
                       "workload-safety/daemonset-hostport-surge"}));
}

}  // namespace
}  // namespace upgrade_core::compat
