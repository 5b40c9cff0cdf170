"""Tests of the plan surface: Plan, check(), compile_plan, ExecutionPlan,
resolve_rollout_budget and PlanError."""

import json
import os
import unittest

import upgrade_core

EXAMPLE = os.path.join("examples", "rke2-ingress-nginx")

GOOD = """apiVersion: upgrade-core/v1
kind: UpgradePlan
metadata: {name: demo}
policy: {maxParallel: 2}
components:
  - {id: backend, kind: Deployment, replicas: 2}
  - id: controller
    kind: DaemonSet
    nodes: 3
    strategy: {type: RollingUpdate, maxSurge: 0, maxUnavailable: 1}
    exclusive: ["hostPort:80"]
    dependsOn: [backend]
    readiness: {timeout: 90s}
"""


class RolloutBudgetTest(unittest.TestCase):
    def test_table(self):
        cases = [
            # (replicas, surge, unavailable, kind, expected)
            (10, None, None, "Deployment", (3, 2)),
            (10, "25%", "25%", "Deployment", (3, 2)),
            (3, "25%", "25%", "Deployment", (1, 0)),
            (2, "0%", "1%", "Deployment", (0, 1)),
            (1, 1, 0, "Deployment", (1, 0)),
            (3, None, None, "DaemonSet", (0, 1)),
            (10, 0, "25%", "DaemonSet", (0, 3)),
            (10, "25%", 0, "DaemonSet", (3, 0)),
            (3, 0, "1%", "DaemonSet", (0, 1)),
        ]
        for replicas, surge, unavailable, kind, expected in cases:
            with self.subTest(replicas=replicas, surge=surge, unavailable=unavailable, kind=kind):
                self.assertEqual(
                    upgrade_core.resolve_rollout_budget(replicas, surge, unavailable, kind=kind),
                    expected,
                )

    def test_out_of_range_numbers_are_errors(self):
        # Regression (issue 9, defect 5): 2**63-1 replicas came back negative
        # even with validate=True.
        cases = [
            ((2**63 - 1, "100%", "100%"), "must be at most 2147483647"),
            ((10, 2**63 - 1, 1), "out of range"),
            ((10, "99999999999999999999%", 1), "maxSurge"),
        ]
        for args, want in cases:
            for validate in (True, False):
                with self.subTest(args=args, validate=validate):
                    with self.assertRaisesRegex(ValueError, want):
                        upgrade_core.resolve_rollout_budget(*args, validate=validate)
        with self.assertRaises((TypeError, ValueError, OverflowError)):
            upgrade_core.resolve_rollout_budget(2**64, 1, 1)

    def test_zero_zero(self):
        for kind in ("Deployment", "DaemonSet"):
            with self.subTest(kind=kind):
                with self.assertRaisesRegex(ValueError, "0 when .?maxSurge.? is 0"):
                    upgrade_core.resolve_rollout_budget(3, 0, 0, kind=kind)
                self.assertEqual(
                    upgrade_core.resolve_rollout_budget(3, 0, 0, kind=kind, validate=False),
                    (0, 1),
                )
        self.assertEqual(
            upgrade_core.resolve_rollout_budget(0, 0, 0, kind="DaemonSet", validate=False),
            (0, 0),
        )

    def test_kubernetes_wording(self):
        cases = [
            (-1, 1, "Deployment", "spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: "
             "must be greater than or equal to 0"),
            ("25", 1, "Deployment", "a valid percent string must be a numeric string followed "
             "by an ending '%'"),
            (0, "120%", "Deployment", "must not be greater than 100%"),
            (1, 1, "DaemonSet", "may not be set when maxUnavailable is non-zero"),
        ]
        for surge, unavailable, kind, message in cases:
            with self.subTest(surge=surge, unavailable=unavailable, kind=kind):
                with self.assertRaises(ValueError) as ctx:
                    upgrade_core.resolve_rollout_budget(4, surge, unavailable, kind=kind)
                self.assertIn(message, str(ctx.exception))

    def test_without_validation(self):
        self.assertEqual(
            upgrade_core.resolve_rollout_budget(4, 0, "150%", validate=False), (0, 6))
        with self.assertRaisesRegex(ValueError, "string is not a percentage"):
            upgrade_core.resolve_rollout_budget(4, "25", 0, validate=False)

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "expected Deployment or DaemonSet"):
            upgrade_core.resolve_rollout_budget(3, 1, 0, kind="Pod")
        with self.assertRaises(TypeError):
            upgrade_core.resolve_rollout_budget(3, 1.5, 0)
        with self.assertRaises(TypeError):
            upgrade_core.resolve_rollout_budget(3, True, 0)


class PlanTest(unittest.TestCase):
    def test_load_and_compile(self):
        plan = upgrade_core.Plan.from_yaml(GOOD, source="demo.yaml")
        self.assertEqual(plan.name, "demo")
        self.assertEqual([c.id for c in plan.components], ["backend", "controller"])
        controller = plan.components[1]
        self.assertEqual(controller.kind, "DaemonSet")
        self.assertEqual(controller.nodes, 3)
        self.assertIsNone(controller.replicas)
        self.assertEqual(controller.max_surge, 0)
        self.assertEqual(controller.exclusive, ["hostPort:80"])
        self.assertEqual(controller.location, "demo.yaml:7:5")
        report = plan.check()
        self.assertIsInstance(report, upgrade_core.Report)
        self.assertTrue(report.ok)
        self.assertEqual(report.findings, [])
        execution = upgrade_core.compile_plan(plan)
        self.assertEqual(execution.waves, [["backend"], ["controller"]])
        steps = {s.id: s for s in execution.steps}
        self.assertEqual(steps["controller/preflight"].depends_on, ["backend/verify"])
        self.assertEqual(steps["controller/await-ready"].timeout, 90.0)
        self.assertEqual(steps["controller/terminate-old"].kind, "terminate-old")
        self.assertEqual(steps["controller/terminate-old"].batch, 1)
        self.assertEqual(steps["controller/preflight"].component, "controller")
        self.assertEqual([s.id for s in execution.rollback_steps],
                         ["controller/rollback", "backend/rollback"])
        data = json.loads(execution.to_json())
        self.assertEqual(data["waves"][1]["components"], ["controller"])
        self.assertIn("digraph", execution.to_dot())
        self.assertTrue(execution.to_mermaid().startswith("gantt"))
        self.assertIn("flowchart", execution.to_mermaid("flowchart"))
        with self.assertRaises(ValueError):
            execution.to_mermaid("pie")
        self.assertEqual(str(execution), execution.to_text())
        # Deterministic output.
        again = upgrade_core.compile_plan(upgrade_core.Plan.from_yaml(GOOD, source="demo.yaml"))
        self.assertEqual(again.to_json(), execution.to_json())

    def test_schema_errors_raise_plan_error_with_every_problem(self):
        bad = GOOD.replace("dependsOn", "dependOn").replace("kind: DaemonSet", "kind: Daemonset")
        with self.assertRaises(upgrade_core.PlanError) as ctx:
            upgrade_core.Plan.from_yaml(bad, source="bad.yaml")
        err = ctx.exception
        self.assertIsInstance(err, ValueError)
        self.assertIsInstance(err, upgrade_core.InputError)
        rules = [p.rule for p in err.problems]
        self.assertEqual(rules, ["schema.enum", "schema.unknown-field"])
        location = err.problems[1].location
        self.assertEqual((location.source, location.line, location.column), ("bad.yaml", 12, 5))
        self.assertIn('did you mean "dependsOn"?', err.problems[1].message)
        self.assertIn("bad.yaml:8:11", str(err))

    def test_unsafe_plan(self):
        unsafe = GOOD.replace("maxSurge: 0, maxUnavailable: 1", "maxSurge: 1, maxUnavailable: 0")
        plan = upgrade_core.Plan.from_yaml(unsafe)
        report = plan.check()
        self.assertFalse(report.ok)
        self.assertEqual([f.rule for f in report.findings], ["exclusive.surge"])
        finding = report.findings[0]
        self.assertEqual(finding.severity, upgrade_core.Severity.ERROR)
        self.assertEqual(str(finding.severity), "error")
        self.assertGreater(finding.severity, upgrade_core.Severity.WARNING)
        self.assertEqual(finding.code, "exclusive.surge")
        self.assertIs(upgrade_core.Finding, upgrade_core.Diagnostic)
        self.assertEqual(finding.path, "components[1].strategy.maxSurge")
        self.assertIn('"controller" holds hostPort:80', finding.message)
        self.assertIn("maxSurge: 0", finding.hint)
        self.assertEqual(finding.location.line, 10)
        self.assertEqual(json.loads(report.to_json())["diagnostics"][0]["code"], "exclusive.surge")
        self.assertIn("exclusive.surge", report.to_sarif())
        with self.assertRaises(upgrade_core.PlanError) as ctx:
            upgrade_core.compile_plan(plan)
        self.assertEqual([p.rule for p in ctx.exception.problems], ["exclusive.surge"])

    def test_config_files_resolve_against_base_dir(self):
        text = """apiVersion: upgrade-core/v1
kind: UpgradePlan
components:
  - id: ingress
    config: {oldDefaults: values-4.11.8.yaml, newDefaults: values-4.12.8.yaml,
             overrides: my-values.naive.yaml}
"""
        plan = upgrade_core.Plan.from_yaml(text, base_dir=EXAMPLE, source="inline.yaml")
        report = plan.check()
        rules = [f.rule for f in report.findings]
        self.assertIn("chart/removed-override", rules)
        removed = [f for f in report.findings if f.rule == "chart/removed-override"]
        self.assertTrue(removed[0].location.source.endswith("my-values.naive.yaml"))
        self.assertTrue(plan.check(check_config=False).ok)
        # Without base_dir the files are looked up in the working directory.
        missing = upgrade_core.Plan.from_yaml(text).check()
        self.assertEqual({f.rule for f in missing.findings}, {"config.unreadable"})

    def test_from_file_and_example(self):
        with self.assertRaises(FileNotFoundError):
            upgrade_core.Plan.from_file("/nonexistent/plan.yaml")
        naive = upgrade_core.Plan.from_file(os.path.join(EXAMPLE, "plan-naive.yaml"))
        rules = {f.rule for f in naive.check().findings}
        self.assertIn("exclusive.surge", rules)
        self.assertIn("webhook.order", rules)
        fixed = upgrade_core.compile_plan(
            upgrade_core.Plan.from_file(os.path.join(EXAMPLE, "plan.yaml")))
        self.assertEqual(fixed.waves, [["helm-install-job"], ["default-backend"],
                                       ["ingress-controller"], ["admission-webhook"]])

    def test_steps_drive_the_component_lifecycle(self):
        # Each step's transition names the state it runs in and the event
        # that completes it, on its component's path (start_first).
        fixed = upgrade_core.compile_plan(
            upgrade_core.Plan.from_file(os.path.join(EXAMPLE, "plan.yaml")))
        self.assertEqual(fixed.start_first, {
            "helm-install-job": False, "default-backend": True,
            "ingress-controller": False, "admission-webhook": False})
        machine = upgrade_core.component_lifecycle()
        runs = {}
        for component, start_first in fixed.start_first.items():
            runs[component] = machine.instance(guards={
                "rollback_on_failure": lambda ctx: True,
                "start_first": lambda ctx, sf=start_first: sf})
            runs[component].fire("start")
        for step in fixed.steps:
            with self.subTest(step=step.id):
                state, arrow, to, on, event = step.transition.split(" ")
                run = runs[step.component]
                self.assertEqual(run.state, state)
                run.fire(event)
                self.assertEqual(run.state, to)
        self.assertEqual({c: r.state for c, r in runs.items()},
                         {c: "succeeded" for c in runs})
        order = [s.id for s in fixed.steps if s.component == "default-backend"]
        self.assertEqual(order, ["default-backend/preflight", "default-backend/start-new",
                                 "default-backend/await-ready", "default-backend/terminate-old",
                                 "default-backend/verify"])


class DiagnosticsJsonTest(unittest.TestCase):
    """Issue 9: one JSON shape for diagnostics in every to_json() (and in
    upgradectl validate/plan/check --format json)."""

    DIAGNOSTIC_KEYS = ["severity", "code", "message", "hint", "path", "component", "location"]
    LOCATION_KEYS = ["file", "line", "column"]

    def assert_shape(self, doc, ok):
        self.assertEqual(doc["version"], 2)
        self.assertIs(doc["ok"], ok)
        self.assertEqual(sorted(doc["summary"]), ["error", "info", "warning"])
        self.assertEqual(sum(doc["summary"].values()), len(doc["diagnostics"]))
        for d in doc["diagnostics"]:
            self.assertEqual(list(d), self.DIAGNOSTIC_KEYS)
            self.assertEqual(list(d["location"]), self.LOCATION_KEYS)

    def test_to_json_shape_is_shared(self):
        unsafe = GOOD.replace("maxSurge: 0, maxUnavailable: 1", "maxSurge: 1, maxUnavailable: 0")
        on_delete = GOOD.replace("{type: RollingUpdate, maxSurge: 0, maxUnavailable: 1}",
                                 "{type: OnDelete}")
        chart = upgrade_core.check_chart_upgrade(
            upgrade_core.Document.from_file(os.path.join(EXAMPLE, "values-4.11.8.yaml")),
            upgrade_core.Document.from_file(os.path.join(EXAMPLE, "values-4.12.8.yaml")),
            upgrade_core.Document.from_file(os.path.join(EXAMPLE, "my-values.naive.yaml")))
        cases = [
            ("plan.check(), unsafe", upgrade_core.Plan.from_yaml(unsafe, source="u.yaml").check(), False),
            ("plan.check(), safe", upgrade_core.Plan.from_yaml(GOOD).check(), True),
            ("chart check", chart, False),
            ("execution plan", upgrade_core.compile_plan(upgrade_core.Plan.from_yaml(on_delete)), True),
        ]
        for name, result, ok in cases:
            with self.subTest(name):
                self.assert_shape(json.loads(result.to_json()), ok)
        surge = json.loads(cases[0][1].to_json())["diagnostics"][0]
        self.assertEqual((surge["code"], surge["component"]), ("exclusive.surge", "controller"))
        self.assertEqual(surge["location"]["file"], "u.yaml")
        warning = json.loads(cases[3][1].to_json())["diagnostics"][0]
        self.assertEqual((warning["severity"], warning["code"]), ("warning", "strategy.on-delete"))


if __name__ == "__main__":
    unittest.main()
