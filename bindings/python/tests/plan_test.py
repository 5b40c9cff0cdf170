"""Tests of the plan surface: Plan, check(), compile_plan, ExecutionPlan,
resolve_rollout_budget and PlanError."""

import json
import os
import unittest

import yaml

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
                t = step.transition
                self.assertEqual(str(t), f"{t.from_state} -> {t.to} on {t.event}")
                run = runs[step.component]
                self.assertEqual(run.state, t.from_state)
                run.fire(t.event)
                self.assertEqual(run.state, t.to)
        self.assertEqual({c: r.state for c, r in runs.items()},
                         {c: "succeeded" for c in runs})
        order = [s.id for s in fixed.steps if s.component == "default-backend"]
        self.assertEqual(order, ["default-backend/preflight", "default-backend/start-new",
                                 "default-backend/await-ready", "default-backend/terminate-old",
                                 "default-backend/verify"])


RUNNER = """apiVersion: upgrade-core/v1
kind: UpgradePlan
metadata: {name: runner, labels: {team: infra}}
policy: {maxParallel: 3, onFailure: pause, defaultTimeout: 1m}
components:
  - {id: crds, kind: CRD, irreversible: true, checkpoint: true,
     version: {from: "1", to: "2"}}
  - id: ds
    kind: DaemonSet
    nodes: 4
    dependsOn: [crds]
    strategy: {type: RollingUpdate, maxUnavailable: "50%"}
    exclusive: ["hostPort:80"]
    provides: [ingress]
    readiness: {timeout: 90s, minReadySeconds: 5}
    verify: [{name: a, run: curl x, timeout: 20s}, {name: b}]
    retry: {attempts: 3, backoff: 2s}
    backup: true
    commands:
      apply: {run: ./up.sh, env: {Z: "1", A: "2"}, workdir: s, timeout: 5s, retries: 2}
      await: {run: ./ready.sh}
  - {id: hook, kind: Webhook, dependsOn: [ds],
     webhook: {failurePolicy: Ignore, servedBy: ds}}
  - {id: ds2, kind: DaemonSet, nodes: 2, exclusive: ["hostPort:80"],
     dependsOn: [hook], strategy: {type: TerminateFirst}}
"""


class CompiledPlanTest(unittest.TestCase):
    """Everything a runner needs is on the compiled plan as typed attributes:
    no YAML re-read, no parsing of to_json() or of words."""

    def setUp(self):
        self.plan = upgrade_core.compile_plan(upgrade_core.Plan.from_yaml(RUNNER))

    def test_loaded_plan_components_name_points_of_no_return(self):
        loaded = upgrade_core.Plan.from_yaml(RUNNER).components
        self.assertEqual([(c.id, c.backup, c.irreversible, c.checkpoint) for c in loaded],
                         [("crds", False, True, True), ("ds", True, False, False),
                          ("hook", False, False, False), ("ds2", False, False, False)])

    def test_commands_by_key(self):
        ds = {c.id: c for c in self.plan.components}["ds"]
        self.assertEqual(sorted(ds.commands), ["apply", "await"])
        apply = ds.commands["apply"]
        self.assertEqual((apply.run, apply.env, apply.workdir, apply.timeout_ms, apply.retries),
                         ("./up.sh", {"A": "2", "Z": "1"}, "s", 5000, 2))
        self.assertEqual(ds.commands["await"].timeout_ms, 0)
        self.assertIsInstance(apply, upgrade_core.StepCommand)
        self.assertEqual({c.id: c.commands for c in self.plan.components}["crds"], {})

    def test_plan_level(self):
        self.assertEqual(self.plan.name, "runner")
        self.assertEqual(self.plan.on_failure, "pause")
        self.assertEqual(self.plan.max_parallel, 3)
        self.assertEqual(self.plan.labels, {"team": "infra"})
        self.assertEqual([c.id for c in self.plan.components], ["crds", "ds", "hook", "ds2"])

    def test_components(self):
        crds, ds, hook, ds2 = self.plan.components
        self.assertIsInstance(ds, upgrade_core.PlannedComponent)
        self.assertEqual((crds.kind, crds.irreversible, crds.checkpoint), ("CRD", True, True))
        self.assertEqual((ds.irreversible, ds.checkpoint, ds.backup), (False, False, True))
        self.assertEqual(crds.version, ("1", "2"))
        self.assertEqual((crds.replicas, crds.nodes), (1, None))
        self.assertEqual((ds.replicas, ds.nodes), (None, 4))
        self.assertEqual(crds.strategy.type, "TerminateFirst")  # the kind's default
        self.assertEqual((ds.strategy.type, ds.strategy.max_surge, ds.strategy.max_unavailable),
                         ("RollingUpdate", None, "50%"))
        self.assertEqual((ds.order, ds.start_first, ds.wave), ("terminate-first", False, 1))
        self.assertEqual((ds.exclusive, ds.depends_on, ds.provides),
                         (["hostPort:80"], ["crds"], ["ingress"]))
        self.assertEqual((ds.readiness.timeout_ms, ds.readiness.min_ready_seconds), (90000, 5))
        self.assertEqual(crds.readiness.timeout_ms, 60000)  # policy.defaultTimeout
        self.assertEqual([(v.name, v.run, v.timeout_ms) for v in ds.verify],
                         [("a", "curl x", 20000), ("b", "", 60000)])
        self.assertEqual((ds.retry.attempts, ds.retry.backoff_ms), (3, 2000))
        self.assertEqual(crds.retry.attempts, 1)
        self.assertIsNone(ds.webhook)
        self.assertEqual((hook.webhook.failure_policy, hook.webhook.served_by), ("Ignore", "ds"))
        self.assertEqual(ds2.exclusive, ["hostPort:80"])
        for obj, text in [
            (crds, "<PlannedComponent crds CRD terminate-first wave 0 irreversible checkpoint>"),
            (ds.strategy, "<RolloutStrategy RollingUpdate maxSurge=None maxUnavailable='50%'>"),
            (ds.readiness, "<Readiness timeout_ms=90000 min_ready_seconds=5>"),
            (ds.verify[0], "<VerifyCheck a run='curl x' timeout_ms=20000>"),
            (ds.retry, "<RetryPolicy attempts=3 backoff_ms=2000>"),
            (hook.webhook, "<WebhookSpec failure_policy=Ignore served_by=ds>"),
        ]:
            with self.subTest(text=text):
                self.assertEqual(repr(obj), text)

    def test_attributes_agree_with_to_json(self):
        doc = json.loads(self.plan.to_json())
        self.assertEqual(doc["labels"], self.plan.labels)
        for c, j in zip(self.plan.components, doc["components"]):
            with self.subTest(component=c.id):
                count = c.nodes if c.kind == "DaemonSet" else c.replicas
                self.assertEqual(j, {
                    "id": c.id, "kind": c.kind, "order": c.order, "wave": c.wave,
                    "backup": c.backup, "irreversible": c.irreversible,
                    "checkpoint": c.checkpoint,
                    "version": {"from": c.version[0], "to": c.version[1]},
                    ("nodes" if c.kind == "DaemonSet" else "replicas"): count,
                    "strategy": {"type": c.strategy.type, "maxSurge": c.strategy.max_surge,
                                 "maxUnavailable": c.strategy.max_unavailable},
                    "exclusive": c.exclusive, "dependsOn": c.depends_on,
                    "provides": c.provides,
                    "readiness": {"timeoutMs": c.readiness.timeout_ms,
                                  "minReadySeconds": c.readiness.min_ready_seconds},
                    "verify": [{"name": v.name, "run": v.run, "timeoutMs": v.timeout_ms}
                               for v in c.verify],
                    "retry": {"attempts": c.retry.attempts, "backoffMs": c.retry.backoff_ms},
                    "webhook": None if c.webhook is None else {
                        "failurePolicy": c.webhook.failure_policy,
                        "servedBy": c.webhook.served_by},
                    "commands": {k: {"run": v.run, "env": v.env, "workdir": v.workdir,
                                     "timeoutMs": v.timeout_ms, "retries": v.retries}
                                 for k, v in c.commands.items()},
                })
        for step, j in zip(self.plan.steps + self.plan.rollback_steps,
                           doc["steps"] + doc["rollbackSteps"]):
            with self.subTest(step=step.id):
                self.assertEqual(j["transition"], {"from": step.transition.from_state,
                                                   "event": step.transition.event,
                                                   "to": step.transition.to})
                self.assertEqual(j["waitsFor"], str(step.gate))
                self.assertEqual(j["waitsFor"], step.waits_for)
                self.assertEqual(j["gate"].get("after", step.gate.after), step.gate.after)
                self.assertEqual(j["gate"].get("checks", step.gate.verify_checks),
                                 step.gate.verify_checks)
                self.assertEqual(j["gate"].get("strategy", step.gate.strategy), step.gate.strategy)

    def test_steps_carry_transition_and_gate_objects(self):
        steps = {s.id: s for s in self.plan.steps + self.plan.rollback_steps}
        preflight = steps["ds/preflight"]
        self.assertIsInstance(preflight.transition, upgrade_core.StepTransition)
        self.assertEqual((preflight.transition.from_state, preflight.transition.event,
                          preflight.transition.to), ("preflight", "backup", "backing_up"))
        self.assertEqual(str(preflight.transition), "preflight -> backing_up on backup")
        self.assertEqual(repr(preflight.transition),
                         "<StepTransition preflight -> backing_up on backup>")
        self.assertEqual(preflight.transition, steps["ds/preflight"].transition)
        self.assertNotEqual(preflight.transition, steps["ds/backup"].transition)
        self.assertNotEqual(preflight.transition, str(preflight.transition))
        gate = preflight.gate
        self.assertIsInstance(gate, upgrade_core.StepGate)
        self.assertEqual((gate.after, gate.barriers), (["crds"], []))
        self.assertEqual(str(gate), "dependencies verified: crds")
        self.assertEqual(repr(gate), "<StepGate 'dependencies verified: crds'>")
        rollout = steps["ds/terminate-old"].gate
        self.assertEqual((rollout.strategy, rollout.instances, rollout.per_node,
                          rollout.max_surge, rollout.max_unavailable),
                         ("RollingUpdate", 4, True, 0, 2))
        self.assertEqual(str(rollout), "old pods replaced, 2 at a time of 4 nodes")
        ready = steps["ds/await-ready"].gate
        self.assertEqual((ready.ready, ready.instances, ready.ready_for_ms), (4, 4, 5000))
        self.assertIsNone(ready.strategy)
        self.assertEqual(str(ready), "4/4 ready for 5s")
        self.assertEqual(steps["ds/verify"].gate.verify_checks, ["a", "b"])
        self.assertEqual(steps["crds/start-new"].gate.version, "2")
        barrier, = steps["ds2/preflight"].gate.barriers
        self.assertIsInstance(barrier, upgrade_core.GateBarrier)
        self.assertEqual((barrier.reason, barrier.name, barrier.after),
                         ("exclusive-resource", "hostPort:80", ["ds"]))
        self.assertEqual(str(steps["ds2/preflight"].gate),
                         "dependencies verified: hook; then after ds (holds hostPort:80)")
        rollback = steps["crds/rollback"].gate
        self.assertEqual((rollback.after, rollback.version), (["ds"], "1"))
        self.assertEqual(str(rollback), "restore 1 after its dependents")


class PlanFromDictTest(unittest.TestCase):
    """Plan.from_dict goes through the loader from_yaml uses."""

    def test_same_plan_as_from_yaml(self):
        with open(os.path.join(EXAMPLE, "plan.yaml"), encoding="utf-8") as f:
            text = f.read()
        data = yaml.safe_load(text)
        from_dict = upgrade_core.Plan.from_dict(data, base_dir=EXAMPLE, source="plan.yaml")
        from_yaml = upgrade_core.Plan.from_yaml(text, base_dir=EXAMPLE, source="plan.yaml")
        self.assertEqual(upgrade_core.compile_plan(from_dict).to_json(),
                         upgrade_core.compile_plan(from_yaml).to_json())
        runner = upgrade_core.Plan.from_dict(yaml.safe_load(RUNNER))
        self.assertEqual(upgrade_core.compile_plan(runner).to_json(),
                         upgrade_core.compile_plan(upgrade_core.Plan.from_yaml(RUNNER)).to_json())

    def test_problems_are_plan_errors_located_by_path(self):
        data = {"apiVersion": "upgrade-core/v1", "kind": "UpgradePlan",
                "components": [{"id": "a", "dependOn": ["b"], "replicas": "3"},
                               {"id": "a", "checkpoint": True},
                               {"id": "c", "backup": "yes"}]}
        with self.assertRaises(upgrade_core.PlanError) as ctx:
            upgrade_core.Plan.from_dict(data)
        problems = [(p.rule, p.path) for p in ctx.exception.problems]
        self.assertEqual(problems, [
            ("schema.unknown-field", "components[0].dependOn"),
            ("schema.type", "components[0].replicas"),
            ("schema.checkpoint", "components[1].checkpoint"),
            ("schema.type", "components[2].backup"),
            ("schema.duplicate-id", "components[1].id"),
        ])
        first = ctx.exception.problems[0]
        self.assertEqual((first.location.source, first.location.line), ("<dict>", 0))
        self.assertIn('did you mean "dependsOn"?', first.message)
        self.assertIn("first defined at components[0]", ctx.exception.problems[-1].message)
        self.assertIn("<dict>: error: components[0].dependOn", str(ctx.exception))
        with self.assertRaises(upgrade_core.PlanError) as ctx:
            upgrade_core.Plan.from_dict({"kind": "UpgradePlan"}, source="mine")
        self.assertIn("mine", str(ctx.exception))

    def test_not_plain_data(self):
        cases = [({"components": [object()]}, "must be plain data"),
                 ({"apiVersion": float("nan")}, "must be plain data"),
                 (None, "the plan is empty"),
                 ([1, 2], "expected a mapping")]
        for data, want in cases:
            with self.subTest(data=repr(data)):
                with self.assertRaisesRegex(upgrade_core.InputError, want):
                    upgrade_core.Plan.from_dict(data)


class DiagnosticsJsonTest(unittest.TestCase):
    """Issue 9: one JSON shape for diagnostics in every to_json() (and in
    upgradectl validate/plan/check --format json)."""

    DIAGNOSTIC_KEYS = ["severity", "code", "message", "hint", "path", "component", "location"]
    LOCATION_KEYS = ["file", "line", "column"]

    def assert_shape(self, doc, ok):
        self.assertEqual(doc["version"], 3)
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
