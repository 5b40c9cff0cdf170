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


def run(*args, cwd=ROOT, input=None):
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True,
                          timeout=60, input=input)


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
            # The registry left the defaults, but the new templates still
            # read it (merge with global.image): honoured, not "moved".
            "templates still read it at",
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

    def test_dry_run_runs_the_steps_through_the_executor(self):
        dry_run = self.result.stdout.split("== 3.")[1].split("== 4.")[0]
        steps = [line.split()[2] for line in dry_run.splitlines()
                 if line.strip()[:1].isdigit()]
        # Wave by wave, each component on its strategy's path: the surging
        # default backend starts the new pod before the old one goes; the
        # host-port-bound controller stops the old one first.
        self.assertEqual(steps[:15], [
            "helm-install-job/preflight", "helm-install-job/terminate-old",
            "helm-install-job/start-new", "helm-install-job/await-ready",
            "helm-install-job/verify",
            "default-backend/preflight", "default-backend/start-new",
            "default-backend/await-ready", "default-backend/terminate-old",
            "default-backend/verify",
            "ingress-controller/preflight", "ingress-controller/terminate-old",
            "ingress-controller/start-new", "ingress-controller/await-ready",
            "ingress-controller/verify"])
        self.assertIn("helm -n kube-system upgrade rke2-ingress-nginx", dry_run)
        self.assertIn("rollout status daemonset/ingress-controller", dry_run)
        self.assertIn("=> FAILED: healthz: HTTP 503 (injected)", dry_run)

    def test_injected_failure_rolls_back_in_reverse_order(self):
        rollback = self.result.stdout.split("== 4.")[1].split("== 5.")[0]
        self.assertIn("policy onFailure: rollback-all", rollback)
        # The orchestrator's order: dependents first; the webhook never
        # started, so it has nothing to roll back.
        order = [line.split()[2].split("/")[0] for line in rollback.splitlines()
                 if "/rollback" in line]
        self.assertEqual(order, ["ingress-controller", "default-backend",
                                 "helm-install-job"])
        final = dict(line.split() for line in
                     rollback.split("Final component states:")[1].splitlines()
                     if line.strip())
        self.assertEqual(final, {"helm-install-job": "rolled_back",
                                 "default-backend": "rolled_back",
                                 "ingress-controller": "rolled_back",
                                 "admission-webhook": "pending"})

    def test_ends_with_the_orchestrators_status_and_coverage(self):
        status = self.result.stdout.split("== 5.")[1]
        for fragment in [
            "plan: rolled_back",
            "steps: 14 done, 0 running, 0 pending, 1 failed, 5 skipped",
            "rollback: 3 done, 0 running, 0 pending, 0 failed",
            "admission-webhook: pending (not started: the plan is rolling back)",
            "00:00:15 ingress-controller/verify failed: healthz: HTTP 503 (injected)",
            "reversible: helm-install-job, default-backend, ingress-controller, "
            "admission-webhook",
            "irreversible: none",
        ]:
            with self.subTest(fragment=fragment):
                self.assertIn(fragment, status)

    def test_simulates_both_plans_before_anything_runs(self):
        sim = self.result.stdout.split("== 6.")[1]
        naive, fixed = sim.split("  plan.yaml: ")
        # The naive plan's surge pod waits for the host port its old pod
        # holds; its await-ready times out and the plan rolls back.
        self.assertIn("plan-naive.yaml: rolled_back after", naive)
        self.assertIn("ingress-controller-new-node-1 on node-1 needs "
                      "hostPort:80, held by ingress-controller-old-node-1 "
                      "(never freed)", naive)
        # The fixed plan finishes with the ingress floor held, no conflict.
        self.assertTrue(fixed.startswith("succeeded after"), fixed)
        self.assertIn("service ingress: at least 2/3 ready, floor 2 held", fixed)
        self.assertNotIn("conflict", fixed)

    def test_output_is_deterministic(self):
        self.assertEqual(run(DEMO).stdout, self.result.stdout)


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


class Issue9Test(unittest.TestCase):
    """Issue 9 (CLI and output fixes), as a user runs upgradectl."""

    DIAGNOSTIC_KEYS = ["severity", "code", "message", "hint", "path",
                       "component", "location"]

    def assert_diagnostics_document(self, doc):
        self.assertEqual(doc["version"], 3)
        self.assertIsInstance(doc["ok"], bool)
        self.assertEqual(sorted(doc["summary"]), ["error", "info", "warning"])
        for d in doc["diagnostics"]:
            self.assertEqual(list(d), self.DIAGNOSTIC_KEYS)
            self.assertEqual(list(d["location"]), ["file", "line", "column"])

    def test_help_and_version_exit_zero(self):
        cases = [(["--help"], "usage: upgradectl"),
                 (["-h"], "usage: upgradectl"),
                 # The full line, number included: release_version_test.
                 (["--version"], "upgradectl ")]
        for command in ["help", "version", "validate", "plan", "fsm", "check"]:
            cases.append(([command, "--help"], "usage: upgradectl " + command))
            cases.append(([command, "-h"], "usage: upgradectl " + command))
        for args, want in cases:
            with self.subTest(args=args):
                result = run(UPGRADECTL, *args)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertTrue(result.stdout.startswith(want), result.stdout)
                self.assertEqual(result.stderr, "")

    def test_dash_reads_standard_input(self):
        with open(os.path.join(EXAMPLE, "plan.yaml")) as f:
            plan = f.read()
        with open(os.path.join(EXAMPLE, "my-values.naive.yaml")) as f:
            values = f.read()
        cases = [
            # Relative config files resolve against the working directory.
            (["validate", "-"], plan, EXAMPLE, 0, "<stdin>: OK (4 components"),
            (["plan", "-"], plan, EXAMPLE, 0, "Wave 3: admission-webhook"),
            (["check", "--old-defaults", "values-4.11.8.yaml",
              "--new-defaults", "values-4.12.8.yaml", "--values", "-"],
             values, EXAMPLE, 1, "<stdin>:14:5: error: controller.image.registry"),
        ]
        for args, stdin, cwd, code, want in cases:
            with self.subTest(args=args):
                result = run(UPGRADECTL, *args, cwd=cwd, input=stdin)
                self.assertEqual(result.returncode, code, result.stderr)
                self.assertIn(want, result.stdout)
        twice = run(UPGRADECTL, "check", "--old-defaults", "-",
                    "--new-defaults", "-", input="")
        self.assertEqual(twice.returncode, 2)
        self.assertIn('only one argument may be "-"', twice.stderr)

    def test_one_json_shape_everywhere_also_for_bad_input(self):
        tmp = os.environ.get("TEST_TMPDIR", "/tmp")
        tab_plan = os.path.join(tmp, "tab-plan.yaml")
        with open(tab_plan, "w") as f:
            f.write('apiVersion: upgrade-core/v1\nkind: UpgradePlan\ncomponents:\n'
                    '  - id: "a\\tb"\n    dependsOn: [nope]\n')
        broken = os.path.join(tmp, "broken.yaml")
        with open(broken, "w") as f:
            f.write("a: [1,\n")
        values = [os.path.join(EXAMPLE, v) for v in
                  ("values-4.11.8.yaml", "values-4.12.8.yaml", "my-values.naive.yaml")]
        cases = [
            # (args, exit code, code of the first diagnostic)
            (["validate", os.path.join(EXAMPLE, "plan-naive.yaml")], 1, "exclusive.surge"),
            (["plan", os.path.join(EXAMPLE, "plan-naive.yaml")], 1, "exclusive.surge"),
            (["plan", os.path.join(EXAMPLE, "plan.yaml")], 0, "chart/default-changed"),
            (["check", "--old-defaults", values[0], "--new-defaults", values[1],
              "--values", values[2]], 1, "chart/renamed-override"),
            # The id's tab used to be written raw: invalid JSON.
            (["validate", tab_plan], 1, "graph.unknown-dependency"),
            (["validate", os.path.join(tmp, "missing.yaml")], 2, "input.unreadable"),
            (["plan", broken], 2, "yaml.syntax"),
            (["check", "--manifests", broken], 2, "yaml.syntax"),
        ]
        for args, code, first in cases:
            with self.subTest(args=args[:2]):
                result = run(UPGRADECTL, *args, "--format", "json")
                self.assertEqual(result.returncode, code, result.stderr)
                doc = json.loads(result.stdout)
                self.assert_diagnostics_document(doc)
                self.assertEqual(doc["ok"], code == 0)
                codes = [d["code"] for d in doc["diagnostics"]]
                self.assertIn(first, codes)
        tab = json.loads(run(UPGRADECTL, "validate", tab_plan, "--format", "json").stdout)
        self.assertEqual(tab["diagnostics"][0]["component"], "a\tb")
        bad = json.loads(run(UPGRADECTL, "plan", broken, "--format", "json").stdout)
        self.assertEqual(bad["diagnostics"][0]["location"],
                         {"file": broken, "line": 2, "column": 1})

    def test_sarif_rule_help_uris_and_sentences(self):
        result = run(UPGRADECTL, "check",
                     "--old-defaults", os.path.abspath(os.path.join(EXAMPLE, "values-4.11.8.yaml")),
                     "--new-defaults", os.path.abspath(os.path.join(EXAMPLE, "values-4.12.8.yaml")),
                     "--values", os.path.abspath(os.path.join(EXAMPLE, "my-values.naive.yaml")),
                     "--format", "sarif")
        run_ = json.loads(result.stdout)["runs"][0]
        results = run_["results"]
        for rule in run_["tool"]["driver"]["rules"]:
            with self.subTest(rule=rule["id"]):
                help_text = rule["help"]["text"]
                for r in results:
                    self.assertNotIn(help_text, r["message"]["text"])
        for r in results:
            with self.subTest(result=r["message"]["text"][:40]):
                uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                self.assertTrue(uri.startswith("file:///"), uri)
                if "Hint: " in r["message"]["text"]:
                    self.assertIn(". Hint: ", r["message"]["text"])
                self.assertTrue(r["message"]["text"].endswith("."))

    def test_plan_text_names_the_real_failure_policy(self):
        with open(os.path.join(EXAMPLE, "plan.yaml")) as f:
            plan = f.read()
        cases = [
            ("rollback-all", "On failure (rollback-all): roll back every component"),
            ("rollback-failed", "On failure (rollback-failed): roll back only the component"),
            ("pause", "On failure (pause): stop and wait for an operator"),
            ("continue", "On failure (continue): skip the failed component's dependents"),
        ]
        for policy, want in cases:
            with self.subTest(policy=policy):
                text = plan.replace("onFailure: rollback-all", "onFailure: " + policy)
                result = run(UPGRADECTL, "plan", "-", cwd=EXAMPLE, input=text)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertIn(want, result.stdout)
                if policy in ("pause", "continue"):
                    self.assertNotIn("reverse dependency order", result.stdout)

    def test_simulate_fixed_and_naive_plans(self):
        fixed = run(UPGRADECTL, "simulate", os.path.join(EXAMPLE, "plan.yaml"),
                    "--format", "json")
        self.assertEqual(fixed.returncode, 0, fixed.stderr)
        result = json.loads(fixed.stdout)
        self.assertEqual(result["outcome"], "succeeded")
        ingress = [s for s in result["services"] if s["name"] == "ingress"][0]
        self.assertEqual((ingress["minReady"], ingress["floor"],
                          ingress["msBelowFloor"]), (2, 2, 0))
        self.assertEqual(result["conflicts"], [])

        naive = run(UPGRADECTL, "simulate",
                    os.path.join(EXAMPLE, "plan-naive.yaml"), "--seed", "1",
                    "--format", "json")
        self.assertEqual(naive.returncode, 1, naive.stderr)
        result = json.loads(naive.stdout)
        self.assertEqual(result["outcome"], "rolled_back")
        clash = result["conflicts"][0]
        self.assertEqual((clash["pod"], clash["node"], clash["resource"],
                          clash["holder"], clash["untilMs"]),
                         ("ingress-controller-new-node-1", "node-1",
                          "hostPort:80", "ingress-controller-old-node-1", None))
        again = run(UPGRADECTL, "simulate",
                    os.path.join(EXAMPLE, "plan-naive.yaml"), "--seed", "1",
                    "--format", "json")
        self.assertEqual(again.stdout, naive.stdout)


if __name__ == "__main__":
    unittest.main()
