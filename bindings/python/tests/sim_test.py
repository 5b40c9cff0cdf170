"""upgrade_core.simulate from Python: results, clusters (built, from YAML,
from a file), faults, errors, and the GIL released while simulating."""

import json
import textwrap
import threading
import unittest

import upgrade_core
from upgrade_core import Cluster, Fault, simulate

WEB = """\
    apiVersion: upgrade-core/v1
    kind: UpgradePlan
    metadata: {name: web}
    policy:
      availability: [{service: http, minAvailable: 2}]
    components:
      - id: web
        kind: Deployment
        replicas: 3
        version: {from: 1.0.0, to: 1.1.0}
        strategy: {type: RollingUpdate, maxSurge: 0, maxUnavailable: 1}
        provides: [http]
"""


def web_plan():
    return upgrade_core.compile_plan(
        upgrade_core.Plan.from_yaml(textwrap.dedent(WEB)), check_config=False
    )


class SimulateTest(unittest.TestCase):
    def test_result(self):
        r = simulate(web_plan())
        self.assertIsInstance(r, upgrade_core.SimulationResult)
        self.assertEqual(r.outcome, "succeeded")
        self.assertFalse(r.stuck)
        self.assertEqual(r.stuck_reason, "")
        self.assertTrue(r.healthy)
        self.assertGreater(r.duration, 0)
        self.assertEqual(r.plan, "web")
        self.assertEqual(r.services, ["http"])
        at, ready = r.availability("http")[0]
        self.assertEqual((at, ready), (0, 3))
        self.assertEqual(min(n for _, n in r.availability("http")), 2)
        self.assertEqual(r.downtime("http"), 0)
        self.assertEqual(r.conflicts, [])
        self.assertEqual(r.rejections, {})
        self.assertTrue(all(isinstance(t, int) and isinstance(w, str) for t, w in r.timeline))
        self.assertEqual(json.loads(r.to_json())["outcome"], "succeeded")
        self.assertIn("simulation of web", r.to_text())
        self.assertTrue(r.to_svg().lstrip().startswith("<"))
        self.assertIn("<svg", r.to_svg())
        self.assertIn("gantt", r.to_mermaid())

    def test_deterministic(self):
        p = web_plan()
        self.assertEqual(simulate(p, seed=7).to_json(), simulate(p, seed=7).to_json())

    def test_unknown_service_is_key_error(self):
        with self.assertRaisesRegex(KeyError, "no service"):
            simulate(web_plan()).availability("nope")

    def test_fault_fails_the_plan(self):
        r = simulate(web_plan(), faults=[Fault.step_fails("web/verify")])
        self.assertNotEqual(r.outcome, "succeeded")
        self.assertFalse(r.healthy)

    def test_fault_naming_unknown_step_is_input_error(self):
        with self.assertRaises(upgrade_core.InputError):
            simulate(web_plan(), faults=[Fault.step_fails("db/verify")])

    def test_fault_fields(self):
        f = Fault.node_lost("node-2", at_ms=30000)
        self.assertEqual((f.kind, f.node, f.at_ms), ("node-lost", "node-2", 30000))
        f = Fault.step_fails("web/verify", attempts=1, probability=0.5)
        self.assertEqual((f.kind, f.attempts, f.probability), ("step-fails", 1, 0.5))

    def test_gil_released(self):
        # Simulations on several threads all finish with equal results.
        p = web_plan()
        out = []
        threads = [
            threading.Thread(target=lambda: out.append(simulate(p, seed=3).to_json()))
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(set(out)), 1)
        self.assertEqual(len(out), 4)


class ClusterTest(unittest.TestCase):
    def test_built(self):
        self.assertEqual(Cluster(nodes=2).nodes, ["node-1", "node-2"])
        self.assertEqual(Cluster(names=["a", "b"]).nodes, ["a", "b"])
        self.assertEqual(Cluster().nodes, [])
        r = simulate(web_plan(), cluster=Cluster(nodes=2))
        self.assertEqual(r.outcome, "succeeded")

    def test_bad_built(self):
        with self.assertRaises(upgrade_core.InputError):
            Cluster(nodes=-1)
        with self.assertRaises(upgrade_core.InputError):
            Cluster(nodes=2, names=["a"])
        with self.assertRaises(upgrade_core.InputError):
            Cluster(names=["a", "a"])

    def test_from_yaml_with_faults(self):
        c = Cluster.from_yaml(
            textwrap.dedent(
                """\
                apiVersion: upgrade-core/v1
                kind: Cluster
                nodes: {count: 2}
                faults:
                  - {type: step-fails, step: web/verify}
                """
            )
        )
        self.assertEqual(c.nodes, ["node-1", "node-2"])
        self.assertEqual([f.kind for f in c.faults], ["step-fails"])
        self.assertNotEqual(simulate(web_plan(), cluster=c).outcome, "succeeded")

    def test_located_errors(self):
        text = "apiVersion: upgrade-core/v1\nkind: Cluster\nnode: {count: 2}\n"
        with self.assertRaisesRegex(
            upgrade_core.InputError,
            r'c\.yaml:3:1: error: node: unknown field "node" \(did you mean "nodes"\?\)',
        ):
            Cluster.from_yaml(text, source="c.yaml")

    def test_names_checked_against_plan(self):
        text = textwrap.dedent(
            """\
            apiVersion: upgrade-core/v1
            kind: Cluster
            faults: [{type: never-ready, component: wbe}]
            """
        )
        Cluster.from_yaml(text)  # no plan: not checked here
        with self.assertRaisesRegex(upgrade_core.InputError, 'did you mean "web"'):
            Cluster.from_yaml(text, plan=web_plan())

    def test_from_file(self):
        p = upgrade_core.compile_plan(
            upgrade_core.Plan.from_file("examples/rke2-ingress-nginx/plan.yaml")
        )
        c = Cluster.from_file("examples/rke2-ingress-nginx/cluster.yaml", plan=p)
        self.assertEqual(len(c.nodes), 3)
        r = simulate(p, cluster=c)
        self.assertTrue(r.timeline)
        self.assertIn("admission-webhook", r.rejections)
        with self.assertRaises(upgrade_core.InputFileNotFoundError):
            Cluster.from_file("no/such/cluster.yaml")


class ManyTest(unittest.TestCase):
    def test_simulate_many(self):
        s = upgrade_core.simulate_many(web_plan(), seeds=range(20), workers=2)
        self.assertEqual(s.run_count, 20)
        self.assertEqual([run[0] for run in s.runs], list(range(20)))
        self.assertEqual(s.healthy, 20)
        self.assertTrue(s.all_healthy)
        self.assertEqual(set(s.duration), {"p50", "p90", "p99", "max"})
        self.assertEqual(s.downtime("http")["max"], 0)
        self.assertEqual(s.runs_below_floor("http"), 0)
        self.assertEqual(
            s.to_json(),
            upgrade_core.simulate_many(web_plan(), seeds=range(20), workers=1).to_json(),
        )
        with self.assertRaises(KeyError):
            s.downtime("nope")

    def test_default_seeds(self):
        self.assertEqual(upgrade_core.simulate_many(web_plan()).run_count, 1000)

    def test_bad_arguments(self):
        with self.assertRaises(upgrade_core.InputError):
            upgrade_core.simulate_many(web_plan(), seeds=[])
        with self.assertRaises(upgrade_core.InputError):
            upgrade_core.simulate_many(web_plan(), seeds=[1], workers=0)

    def test_compare(self):
        c = Cluster.from_yaml(
            "apiVersion: upgrade-core/v1\nkind: Cluster\n"
            "faults: [{type: step-fails, step: web/verify, probability: 0.5, attempts: 1}]\n"
        )
        cmp = upgrade_core.compare(web_plan(), web_plan(), cluster=c, seeds=range(10))
        self.assertEqual(cmp.a.to_json(), cmp.b.to_json())
        self.assertEqual(cmp.a.run_count, 10)
        self.assertIn('"a":', cmp.to_json())


if __name__ == "__main__":
    unittest.main()
