"""The compat Python surface: documents, diff, rule packs, chart/manifest
checks, drift and reports."""

import json
import os
import unittest

import upgrade_core
from upgrade_core import Document

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..",
                    "upgrade_core", "compat", "testdata")


def data(name):
    return os.path.join(DATA, name)


class DocumentTest(unittest.TestCase):
    def test_values_and_locations(self):
        doc = Document.from_yaml("a:\n  b: [1, 2.5, x, true, null]\n",
                                 source="values.yaml")
        self.assertEqual(doc.to_python(), {"a": {"b": [1, 2.5, "x", True, None]}})
        self.assertEqual(doc.get("a.b[2]"), "x")
        self.assertIsNone(doc.get("a.c"))
        loc = doc.location("a.b")
        self.assertEqual((loc.source, loc.line, loc.column), ("values.yaml", 2, 6))
        self.assertEqual(str(loc), "values.yaml:2:6")
        self.assertEqual(doc.source, "values.yaml")

    def test_bad_input_is_value_error_with_location(self):
        cases = [
            ("a: [1, 2\nb: 3\n", {}, "values.yaml:2:"),
            ("a: 1\na: 2\n", {}, "values.yaml:2:1: duplicate key 'a'"),
            ("a: {b: {c: 1}}\n", {"max_depth": 2}, "values.yaml:1:8: nesting"),
            ("a: &x [1]\nb: *x\n", {"allow_aliases": False}, "values.yaml:2:4"),
            ("0123456789", {"max_bytes": 5}, "over the limit of 5"),
        ]
        for text, kwargs, want in cases:
            with self.subTest(text=text):
                with self.assertRaises(ValueError) as ctx:
                    Document.from_yaml(text, source="values.yaml", **kwargs)
                self.assertIn(want, str(ctx.exception))
                self.assertIsInstance(ctx.exception, upgrade_core.InputError)
        with self.assertRaises(ValueError):
            Document.from_json("{'a': 1}", source="v.json")
        with self.assertRaises(ValueError):
            Document.from_file("/nonexistent/values.yaml")
        with self.assertRaises(FileNotFoundError) as missing:
            Document.from_file("/nonexistent/values.yaml")
        self.assertIsInstance(missing.exception, upgrade_core.InputFileNotFoundError)
        self.assertIn("/nonexistent/values.yaml: cannot open", str(missing.exception))
        # Regression (issue 9, defect 2): special files are refused, never read.
        for path, want in (("/dev/zero", "is a character device"),
                           ("/", "is a directory")):
            with self.subTest(path=path):
                with self.assertRaises(upgrade_core.InputError) as cm:
                    Document.from_file(path)
                self.assertIn(want, str(cm.exception))

    def test_from_python(self):
        doc = Document.from_python({"spec": {"replicas": 3, "ratio": 0.5,
                                             "tags": ["a"], "on": True, "x": None}},
                                   source="live")
        self.assertEqual(doc.get("spec.replicas"), 3)
        self.assertEqual(doc.to_python()["spec"]["on"], True)
        self.assertEqual(doc.source, "live")
        with self.assertRaises(TypeError):
            Document.from_python({"a": object()})

    def test_streams_and_files(self):
        docs = Document.stream_from_yaml("a: 1\n---\nb: 2\n", source="m.yaml")
        self.assertEqual([d.to_python() for d in docs], [{"a": 1}, {"b": 2}])
        doc = Document.from_file(data("ingress-nginx-user-values.yaml"))
        self.assertEqual(doc.get("controller.kind"), "DaemonSet")
        self.assertEqual(json.loads(Document.from_json('{"a": [1]}').to_json()),
                         {"a": [1]})


class DiffTest(unittest.TestCase):
    def test_identity_keys(self):
        old = Document.from_yaml(
            "c:\n- {name: a, image: x:1}\n- {name: b, image: y:1}\n", source="old")
        new = Document.from_yaml(
            "c:\n- {name: b, image: y:1}\n- {name: a, image: x:2}\n", source="new")
        changes = upgrade_core.diff(old, new)
        self.assertEqual([(c.kind, c.path) for c in changes],
                         [("changed", "c[name=a].image")])
        c = changes[0]
        self.assertEqual((c.old_value, c.new_value), ("x:1", "x:2"))
        self.assertEqual(str(c.old_location), "old:2:20")
        self.assertEqual(str(c.new_location), "new:3:20")
        by_index = upgrade_core.diff(old, new, keys=[])
        self.assertEqual(len(by_index), 4)

    def test_merge_values(self):
        defaults = Document.from_yaml("a: {b: 1, c: [1, 2]}\nd: 1\n")
        user = Document.from_yaml("a: {c: [3]}\nd: null\n")
        merged = upgrade_core.merge_values(defaults, [user])
        self.assertEqual(merged.to_python(), {"a": {"b": 1, "c": [3]}})


class RulePackTest(unittest.TestCase):
    def test_builtin_and_errors(self):
        self.assertEqual(upgrade_core.RulePack.builtin_names(),
                         ["kubernetes-apis", "version-skew", "workload-safety"])
        pack = upgrade_core.RulePack.builtin("workload-safety")
        self.assertIn("workload-safety/daemonset-hostport-surge", pack.rule_ids)
        with self.assertRaises(ValueError):
            upgrade_core.RulePack.builtin("nope")
        with self.assertRaises(ValueError) as ctx:
            upgrade_core.RulePack.from_yaml(
                "name: t\nrules:\n- {id: x, kind: nope}\n", source="r.yaml")
        self.assertIn("r.yaml:3:17: rule 'x': unknown kind", str(ctx.exception))

    def test_evaluate(self):
        pack = upgrade_core.RulePack.from_yaml(
            "name: t\nrules:\n- {id: r, kind: allowed-values, path: kind, "
            "values: [A]}\n")
        report = pack.evaluate([Document.from_yaml("kind: B\n", source="d")])
        self.assertEqual([(f.rule, f.severity, f.path) for f in report.findings],
                         [("t/r", upgrade_core.Severity.ERROR, "kind")])


class ChartCheckTest(unittest.TestCase):
    def test_ingress_nginx(self):
        old = Document.from_file(data("ingress-nginx-old-values.yaml"))
        new = Document.from_file(data("ingress-nginx-new-values.yaml"))
        user = Document.from_file(data("ingress-nginx-user-values.yaml"))
        pack = upgrade_core.RulePack.from_file(data("ingress-nginx-pack.yaml"))
        report = upgrade_core.check_chart_upgrade(
            old, new, user, packs=[pack], context={"kubernetes": "1.32.0"})
        self.assertIsInstance(report, upgrade_core.Report)
        self.assertFalse(report.ok)
        got = {(f.rule, f.path) for f in report.findings}
        for want in [
            ("chart/renamed-override", "controller.image.registry"),
            ("chart/removed-override", "controller.existingPsp"),
            ("chart/removed-override", "controller.opentelemetry.enabled"),
            ("chart/removed-override", "podSecurityPolicy.enabled"),
            ("chart/default-changed", "controller.enableAnnotationValidations"),
            ("ingress-nginx/daemonset-hostport-surge",
             "controller.updateStrategy.rollingUpdate.maxSurge"),
        ]:
            with self.subTest(want=want):
                self.assertIn(want, got)
        for f in report.findings:
            self.assertIn(str(f.severity), ("error", "warning", "info"))
        surge = [f for f in report.findings
                 if f.rule == "ingress-nginx/daemonset-hostport-surge"][0]
        self.assertEqual(surge.location.line, 14)
        self.assertTrue(surge.location.source.endswith("ingress-nginx-user-values.yaml"))
        self.assertEqual(report.effective_after.get("controller.image.tag"), "v1.12.8")
        self.assertIn(("changed", "controller.image.tag"),
                      {(c.kind, c.path) for c in report.changes})
        parsed = json.loads(report.to_json())
        self.assertEqual(parsed["version"], 3)
        self.assertEqual(len(parsed["diagnostics"]), len(report.findings))
        sarif = json.loads(report.to_sarif())
        self.assertEqual(sarif["version"], "2.1.0")
        self.assertEqual(len(sarif["runs"][0]["results"]), len(report.findings))
        self.assertIn("error: controller.image.registry: your override", report.to_text())
        self.assertIn("[chart/renamed-override]\n", report.to_text())
        self.assertFalse(report.passes("warning"))
        self.assertGreater(report.count("info"), report.count("error"))


class ManifestCheckTest(unittest.TestCase):
    def test_removed_api_and_bad_version(self):
        docs = Document.stream_from_yaml(
            "apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\n"
            "metadata: {name: web}\n---\napiVersion: apps/v1\nkind: Deployment\n",
            source="m.yaml")
        report = upgrade_core.check_manifests(docs, kubernetes="1.32.0")
        self.assertEqual([(f.rule, f.severity) for f in report.findings],
                         [("kubernetes-apis/networking-v1beta1-ingress", upgrade_core.Severity.ERROR)])
        self.assertIn("networking.k8s.io/v1", report.findings[0].hint)
        self.assertEqual(str(report.findings[0].location), "m.yaml:1:13")
        self.assertTrue(upgrade_core.check_manifests(docs, kubernetes="1.21.0").ok)
        with self.assertRaises(ValueError):
            upgrade_core.check_manifests(docs, kubernetes="banana")


class DriftTest(unittest.TestCase):
    def test_drift(self):
        desired = Document.from_yaml("metadata: {name: a}\nspec: {replicas: 2}\n")
        live = Document.from_yaml(
            "metadata: {name: a, uid: x, resourceVersion: '9'}\n"
            "spec: {replicas: 3}\nstatus: {ready: 1}\n")
        self.assertEqual([(c.kind, c.path) for c in upgrade_core.drift(desired, live)],
                         [("changed", "spec.replicas")])
        self.assertEqual(upgrade_core.drift(desired, live, ignore=["spec"]), [])
        with self.assertRaises(ValueError):
            upgrade_core.drift(desired, live, ignore=["a..b"])


CHARTS = os.path.join(os.path.dirname(__file__), "..", "..", "..",
                      "upgrade_core", "chart", "testdata")


class ChartTemplatesTest(unittest.TestCase):
    """Charts (directory or .tgz) and the template-aware chart check."""

    def test_check_render_predicts_the_ingress_failure(self):
        chart = upgrade_core.Chart.from_path(os.path.join(CHARTS, "ingress-render"))
        self.assertTrue(chart.check_render().ok)
        mine = upgrade_core.Document.from_yaml(
            "defaultBackend:\n  enabled: true\n", "my-values.yaml")
        report = chart.check_render(mine)
        self.assertFalse(report.ok)
        errors = [f for f in report.findings
                  if f.severity == upgrade_core.Severity.ERROR]
        self.assertEqual([f.code for f in errors], ["chart/render-not-root"])
        self.assertIn("nil pointer evaluating interface {}.global",
                      errors[0].message)
        self.assertIn("set at my-values.yaml:2:12", errors[0].message)
        self.assertEqual(errors[0].path, "defaultBackend.enabled")
        self.assertTrue(report.effective.get("defaultBackend.enabled"))
        off = upgrade_core.Document.from_yaml("defaultBackend: {enabled: false}")
        self.assertTrue(chart.check_render([mine, off]).ok)
        with self.assertRaises(TypeError):
            chart.check_render("defaultBackend.enabled: true")

    def test_chart_from_path(self):
        chart = upgrade_core.Chart.from_path(os.path.join(CHARTS, "ingress-new"))
        self.assertEqual((chart.name, chart.version), ("ingress-nginx", "4.12.8"))
        self.assertIn("templates/_helpers.tpl", chart.templates)
        self.assertIsNone(chart.schema)
        self.assertEqual(chart.dependencies, [])
        self.assertEqual(chart.values.get("global.image.registry"), "registry.k8s.io")
        # The registry left controller.image's defaults but is still read.
        self.assertEqual(chart.reads("controller.image.registry"), "read")
        self.assertEqual(chart.reads("controller.resources.limits.cpu"),
                         "possibly-read")
        self.assertEqual(chart.reads("controller.existingPsp"), "not-read")
        usage = chart.values_usage()
        self.assertEqual(usage.classify("controller.image.registry"), "read")
        where = usage.where("controller.image.registry")
        self.assertTrue(where.source.endswith(
            "ingress-new/templates/controller-deployment.yaml"))
        self.assertEqual((where.line, where.column), (12, 21))
        self.assertIsNone(usage.where("controller.existingPsp"))
        self.assertEqual((usage.problems, usage.not_analysed), ([], []))
        self.assertGreater(usage.read_count, 10)
        with self.assertRaises(upgrade_core.InputFileNotFoundError):
            upgrade_core.Chart.from_path(os.path.join(CHARTS, "nope"))
        with self.assertRaises(ValueError):
            upgrade_core.Chart.from_path(__file__)  # not a packaged chart

    def test_template_problems_and_gaps_are_listed(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "templates"))
            with open(os.path.join(tmp, "Chart.yaml"), "w") as f:
                f.write("name: demo\nversion: 1.0.0\n")
            with open(os.path.join(tmp, "templates", "a.yaml"), "w") as f:
                f.write("x: {{ include .Values.name .Values.a }}\n{{ nope }}\n")
            usage = upgrade_core.Chart.from_path(tmp).values_usage()
        self.assertEqual(usage.classify("a.b"), "not-analysed")
        [gap] = usage.not_analysed
        self.assertEqual(gap.path, "a")
        self.assertIn("computed at render time", gap.reason)
        self.assertEqual(gap.location.line, 1)
        [problem] = usage.problems
        self.assertIn('function "nope" not defined', problem.message)
        self.assertEqual((problem.location.line, problem.location.column), (2, 4))

    def test_check_with_charts(self):
        old = upgrade_core.Chart.from_path(os.path.join(CHARTS, "ingress-old"))
        new = upgrade_core.Chart.from_path(os.path.join(CHARTS, "ingress-new"))
        user = Document.from_yaml(
            "controller:\n  image: {registry: r.example}\n  existingPsp: p\n",
            source="user.yaml")
        report = upgrade_core.check_chart_upgrade(old, new, user)
        found = {(f.code, f.path) for f in report.findings}
        self.assertIn(("chart/override-still-read", "controller.image.registry"), found)
        self.assertIn(("chart/removed-override", "controller.existingPsp"), found)
        self.assertNotIn(("chart/renamed-override", "controller.image.registry"), found)
        # values.yaml alone says otherwise.
        values_only = upgrade_core.check_chart_upgrade(old.values, new.values, user)
        self.assertIn("chart/renamed-override", {f.code for f in values_only.findings})
        with self.assertRaises(TypeError):
            upgrade_core.check_chart_upgrade(old, new.values, user)


if __name__ == "__main__":
    unittest.main()
