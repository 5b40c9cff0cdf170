#!/usr/bin/env python3
"""The Python side of versions_demo: versions, Helm constraints and the
Kubernetes version skew check.

    bazel run //examples/versions:versions_demo_py
"""

import upgrade_core
from upgrade_core import Constraint, Version, check_version_skew


def main():
    versions = [Version(t) for t in
                ["v1.31.5+rke2r1", "v1.32.2-rc1+rke2r1", "1.30", "v1.28.3-gke.100"]]
    for v in sorted(versions):
        print(f"{v.original:22} -> {str(v):20} prerelease={v.prerelease!r} build={v.build!r}")

    kube_version = Constraint(">= 1.28.0-0 < 1.32.0-0")
    print(f"\nkubeVersion {kube_version.original!r} (canonical {kube_version})")
    for v in versions:
        print(f"  {v.original:22} {'allowed' if kube_version.allows(v) else 'not allowed'}")

    try:
        Constraint(">= 1.28 <")
    except ValueError as err:  # upgrade_core.InputError
        print(f"\n{type(err).__name__}: {err}")

    print(f"\nskew policy of Kubernetes {upgrade_core.SKEW_POLICY_RELEASE}:")
    violations = check_version_skew({
        "kube-apiserver": ["v1.32.2+rke2r1", "v1.30.9+rke2r1"],
        "kubelet": {"worker-1": "v1.31.5+rke2r1", "worker-2": "v1.28.15+rke2r1"},
        "kube-proxy": {"worker-2": "v1.28.15+rke2r1"},
        "kubectl": "1.33.0",
    })
    for v in violations:
        print(f"  [{v.rule}] {v.message}")


if __name__ == "__main__":
    main()
