"""End to end: the README's main job (the rke2-ingress-nginx demo) and the
upgradectl CLI on the same example, as separate processes."""

import json
import os
import subprocess
import unittest

ROOT = os.path.join(os.environ.get("TEST_SRCDIR", "."), "upgrade_core")
EXAMPLE = os.path.join(ROOT, "examples", "rke2-ingress-nginx")
DEMO = os.path.join(EXAMPLE, "demo")
UPGRADECTL = os.path.join(ROOT, "tools", "upgradectl", "upgradectl")


def run(*args, cwd=ROOT):
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True,
                          timeout=60)


class DemoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.result = run(DEMO)

    def test_exits_cleanly(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)

    def test_naive_plan_is_rejected_for_each_motivating_failure(self):
        naive = self.result.stdout.split("== 2.")[0]
        for fragment in [
            "plan-naive.yaml:29:15: error",      # host-port surge, with location
            "never start and the rollout hangs",
            "does not depend on its server",     # webhook before its controller
            "moved to global.image.registry",    # renamed chart value
            "rejected before anything was touched",
        ]:
            with self.subTest(fragment=fragment):
                self.assertIn(fragment, naive)

    def test_fixed_plan_orders_the_components(self):
        compiled = self.result.stdout.split("== 2.")[1].split("== 3.")[0]
        waves = [line.split(":")[1].strip() for line in compiled.splitlines()
                 if line.startswith("Wave ")]
        self.assertEqual(waves, ["helm-install-job", "default-backend",
                                 "ingress-controller", "admission-webhook"])

    def test_injected_failure_rolls_back_in_reverse_order(self):
        rollback = self.result.stdout.split("== 4.")[1]
        order = [line.split()[0].split("/")[0] for line in rollback.splitlines()
                 if "/rollback" in line]
        self.assertEqual(order, ["admission-webhook", "ingress-controller",
                                 "default-backend", "helm-install-job"])
        final = dict(line.split() for line in
                     rollback.split("Final component states:")[1].splitlines()
                     if line.strip())
        self.assertEqual(final, {"helm-install-job": "rolled_back",
                                 "default-backend": "rolled_back",
                                 "ingress-controller": "rolled_back",
                                 "admission-webhook": "pending"})


class UpgradectlTest(unittest.TestCase):
    def test_exit_codes(self):
        cases = [
            (["validate", os.path.join(EXAMPLE, "plan-naive.yaml")], 1),
            (["validate", os.path.join(EXAMPLE, "plan.yaml")], 0),
            (["validate", os.path.join(EXAMPLE, "no-such-plan.yaml")], 2),
            (["check",
              "--old-defaults", os.path.join(EXAMPLE, "values-4.11.8.yaml"),
              "--new-defaults", os.path.join(EXAMPLE, "values-4.12.8.yaml"),
              "--values", os.path.join(EXAMPLE, "my-values.naive.yaml")], 1),
            (["check",
              "--old-defaults", os.path.join(EXAMPLE, "values-4.11.8.yaml"),
              "--new-defaults", os.path.join(EXAMPLE, "values-4.12.8.yaml"),
              "--values", os.path.join(EXAMPLE, "my-values.yaml")], 0),
            (["frobnicate"], 2),
        ]
        for args, code in cases:
            with self.subTest(args=args[:2]):
                result = run(UPGRADECTL, *args)
                self.assertEqual(result.returncode, code,
                                 result.stdout + result.stderr)

    def test_plan_json_is_parseable_and_deterministic(self):
        plan = os.path.join(EXAMPLE, "plan.yaml")
        first = run(UPGRADECTL, "plan", plan, "--format", "json")
        second = run(UPGRADECTL, "plan", plan, "--format", "json")
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertEqual(first.stdout, second.stdout)
        doc = json.loads(first.stdout)
        self.assertEqual(len(doc["waves"]), 4)

    def test_sarif_output_is_sarif_2_1_0(self):
        result = run(UPGRADECTL, "check",
                     "--old-defaults", os.path.join(EXAMPLE, "values-4.11.8.yaml"),
                     "--new-defaults", os.path.join(EXAMPLE, "values-4.12.8.yaml"),
                     "--values", os.path.join(EXAMPLE, "my-values.naive.yaml"),
                     "--format", "sarif")
        sarif = json.loads(result.stdout)
        self.assertEqual(sarif["version"], "2.1.0")
        rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
        self.assertIn("chart/renamed-override", rules)
        self.assertIn("chart/removed-override", rules)


if __name__ == "__main__":
    unittest.main()
