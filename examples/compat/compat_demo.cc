// Checks an ingress-nginx upgrade before touching anything: the user's chart
// values against the old and new chart defaults, the rendered manifests
// against the target Kubernetes version, and drift of a live object.
//
//   bazel run //examples/compat:compat_demo
#include <iostream>
#include <string>
#include <vector>

#include "upgrade_core/compat/chart_check.h"
#include "upgrade_core/compat/drift.h"
#include "upgrade_core/compat/manifest_check.h"
#include "upgrade_core/compat/rules.h"
#include "upgrade_core/document/document.h"

namespace compat = upgrade_core::compat;
namespace document = upgrade_core::document;
namespace diag = upgrade_core::diag;

constexpr char kData[] = "upgrade_core/compat/testdata/";

constexpr char kManifests[] = R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  updateStrategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata: {labels: {app: ingress-nginx}}
    spec:
      containers:
        - name: controller
          ports:
            - {name: http, containerPort: 80, hostPort: 80}
---
apiVersion: v1
kind: Service
metadata: {name: ingress-nginx-controller-admission, namespace: ingress-nginx}
spec: {selector: {app: ingress-nginx}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: ingress-nginx-admission}
webhooks:
  - name: validate.nginx.ingress.kubernetes.io
    clientConfig:
      service: {name: ingress-nginx-controller-admission, namespace: ingress-nginx}
---
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: ingress-nginx}
)";

int Fail(const absl::Status& s) {
  std::cerr << s << "\n";
  return 2;
}

int main() {
  // 1. Chart values: old defaults, new defaults, the user's overrides.
  absl::StatusOr<document::Document> old_defaults =
      document::Document::FromFile(std::string(kData) +
                                   "ingress-nginx-old-values.yaml");
  absl::StatusOr<document::Document> new_defaults =
      document::Document::FromFile(std::string(kData) +
                                   "ingress-nginx-new-values.yaml");
  absl::StatusOr<document::Document> user = document::Document::FromFile(
      std::string(kData) + "ingress-nginx-user-values.yaml");
  absl::StatusOr<compat::RulePack> pack = compat::RulePack::FromFile(
      std::string(kData) + "ingress-nginx-pack.yaml");
  for (const absl::Status& s : {old_defaults.status(), new_defaults.status(),
                                user.status(), pack.status()}) {
    if (!s.ok()) return Fail(s);
  }
  std::vector<compat::RulePack> packs = {*pack};
  absl::StatusOr<compat::ChartUpgradeReport> chart = compat::CheckChartUpgrade(
      *old_defaults, *new_defaults, *user, packs, {{"kubernetes", "1.31.5"}});
  if (!chart.ok()) return Fail(chart.status());
  std::cout << "== chart values (ingress-nginx 4.11 -> 4.12)\n"
            << chart->ToText();
  std::cout
      << "effective values changed in " << chart->effective_changes.size()
      << " places, e.g. controller.image.tag "
      << chart->effective_before.root().Find("controller.image.tag")->text()
      << " -> "
      << chart->effective_after.root().Find("controller.image.tag")->text()
      << "\n\n";

  // 2. Rendered manifests against the target Kubernetes version.
  absl::StatusOr<std::vector<document::Document>> docs =
      document::Document::FromYamlStream(kManifests, "rendered.yaml");
  if (!docs.ok()) return Fail(docs.status());
  absl::StatusOr<diag::Report> manifests =
      compat::CheckManifests(*docs, "v1.31.5+rke2r1");
  if (!manifests.ok()) return Fail(manifests.status());
  std::cout << "== manifests (target v1.31.5+rke2r1)\n"
            << manifests->ToText() << "\n";

  // 3. Drift: the live DaemonSet was scaled by hand.
  absl::StatusOr<document::Document> live = document::Document::FromYaml(
      R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx, uid: 42, generation: 3}
spec:
  updateStrategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 0, maxUnavailable: 1}
  template:
    metadata: {labels: {app: ingress-nginx}}
    spec:
      containers:
        - name: controller
          ports:
            - {name: http, containerPort: 80, hostPort: 80}
status: {numberReady: 3}
)",
      "live");
  if (!live.ok()) return Fail(live.status());
  absl::StatusOr<std::vector<compat::Change>> drift =
      compat::Drift((*docs)[0].root(), live->root());
  if (!drift.ok()) return Fail(drift.status());
  std::cout << "== drift (desired vs live)\n"
            << compat::DriftReport(*drift).ToText();
  return 0;
}
