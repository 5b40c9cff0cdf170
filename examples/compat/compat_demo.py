#!/usr/bin/env python3
"""The Python side of compat_demo: an ingress-nginx upgrade checked before
anything is touched.

    bazel run //examples/compat:compat_demo_py
"""

import json

import upgrade_core
from upgrade_core import Document, RulePack

DATA = "upgrade_core/compat/testdata/"

MANIFESTS = """\
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
spec:
  updateStrategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    spec:
      containers:
        - name: controller
          ports: [{containerPort: 443, hostPort: 443}]
---
apiVersion: networking.k8s.io/v1beta1
kind: Ingress
metadata: {name: web}
"""


def main():
    report = upgrade_core.check_chart_upgrade(
        Document.from_file(DATA + "ingress-nginx-old-values.yaml"),
        Document.from_file(DATA + "ingress-nginx-new-values.yaml"),
        Document.from_file(DATA + "ingress-nginx-user-values.yaml"),
        packs=[RulePack.from_file(DATA + "ingress-nginx-pack.yaml")],
        context={"kubernetes": "1.31.5"})
    print("== chart values: ok =", report.ok)
    for f in report.findings:
        if f.severity != upgrade_core.Severity.INFO:
            print(f"  {str(f.severity):7} {f.code:40} {f.path}  ({f.location})")
    print("  effective controller.kind:", report.effective_after.get("controller.kind"))

    docs = Document.stream_from_yaml(MANIFESTS, source="rendered.yaml")
    manifests = upgrade_core.check_manifests(docs, kubernetes="1.32.0")
    print("\n== manifests (1.32.0)")
    print(manifests.to_text(), end="")
    sarif = json.loads(manifests.to_sarif())
    print("  SARIF results:", len(sarif["runs"][0]["results"]))

    try:
        Document.from_yaml("controller:\n  kind: [DaemonSet\n", source="my-values.yaml")
    except ValueError as err:  # upgrade_core.InputError
        print(f"\n{type(err).__name__}: {err}")


if __name__ == "__main__":
    main()
