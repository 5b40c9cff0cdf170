"""Tests of upgrade_core.DependencyGraph, GraphError and Scheduler."""

import random
import threading
import unittest

import upgrade_core
from upgrade_core import DependencyGraph, GraphError, Scheduler


def make(nodes, edges):
    g = DependencyGraph()
    for n in nodes:
        g.add_node(n)
    for a, b in edges:
        g.add_dependency(a, b)
    return g


INGRESS_NODES = ["backend", "controller", "webhook", "ingress", "dns", "solo"]
INGRESS_EDGES = [
    ("controller", "backend"),
    ("webhook", "controller"),
    ("ingress", "webhook"),
    ("ingress", "dns"),
]


class ValidationTest(unittest.TestCase):
    CASES = [
        # name, nodes, edges, [(kind, nodes)], message fragment
        ("unknown dependency", ["a"], [("a", "x")],
         [("unknown_node", ("a", "x"))], '"a" depends on "x"'),
        ("duplicate node", ["a", "a"], [],
         [("duplicate_node", ("a",))], 'duplicate node "a"'),
        ("self dependency", ["a"], [("a", "a")],
         [("self_dependency", ("a",))], '"a" depends on itself'),
        ("cycle", ["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")],
         [("cycle", ("a", "b", "c", "a"))], "dependency cycle: a -> b -> c -> a"),
        ("everything", ["a", "b", "c", "a"],
         [("a", "zz"), ("b", "b"), ("b", "c"), ("c", "b")],
         [("duplicate_node", ("a",)), ("unknown_node", ("a", "zz")),
          ("self_dependency", ("b",)), ("cycle", ("b", "c", "b"))],
         "4 problems"),
    ]

    def test_every_problem_kind(self):
        for name, nodes, edges, want, fragment in self.CASES:
            for build in ("incremental", "bulk"):
                with self.subTest(name=name, build=build):
                    g = (make(nodes, edges) if build == "incremental"
                         else DependencyGraph.from_edges(nodes, edges))
                    got = [(p.kind, p.nodes) for p in g.validate()]
                    self.assertEqual(got, want)
                    with self.assertRaises(GraphError) as ctx:
                        g.waves()
                    err = ctx.exception
                    self.assertIsInstance(err, ValueError)
                    self.assertIsInstance(err, upgrade_core.InputError)
                    self.assertIn(fragment, str(err))
                    self.assertEqual([(p.kind, p.nodes) for p in err.problems], want)
                    self.assertEqual(
                        err.cycles, [list(n) for k, n in want if k == "cycle"])

    def test_cycles(self):
        g = make(["a", "b", "c", "d", "e"],
                 [("a", "b"), ("b", "a"), ("d", "e"), ("e", "d"), ("c", "a")])
        self.assertEqual(g.find_cycles(), [["a", "b", "a"], ["d", "e", "d"]])
        p = g.validate()[0]
        self.assertEqual(p.component, ("a", "b"))
        unknown = make(["a"], [("a", "x")]).validate()[0]
        self.assertEqual(unknown.unknown, ("x",))

    def test_valid_graph_has_no_problems(self):
        g = make(INGRESS_NODES, INGRESS_EDGES)
        self.assertEqual(g.validate(), [])
        self.assertEqual(g.find_cycles(), [])

    def test_fixing_the_graph_clears_the_error(self):
        g = make(["a"], [("a", "b")])
        with self.assertRaises(GraphError):
            g.topological_order()
        g.add_node("b")
        self.assertEqual(g.topological_order(), ["b", "a"])


class OrderTest(unittest.TestCase):
    def test_topological_order_is_stable(self):
        cases = [
            (["c", "a", "b"], [], ["c", "a", "b"]),
            (["x", "app", "y", "db"], [("app", "db")], ["x", "y", "db", "app"]),
            (INGRESS_NODES, INGRESS_EDGES,
             ["backend", "controller", "webhook", "dns", "ingress", "solo"]),
        ]
        for nodes, edges, want in cases:
            with self.subTest(nodes=nodes):
                g = make(nodes, edges)
                self.assertEqual(g.topological_order(), want)
                self.assertEqual(g.reverse_topological_order(), want[::-1])
                self.assertEqual(
                    DependencyGraph.from_edges(nodes, edges).topological_order(), want)

    def test_waves(self):
        g = make(INGRESS_NODES, INGRESS_EDGES)
        cases = [
            (None, [["backend", "dns", "solo"], ["controller"], ["webhook"], ["ingress"]]),
            (2, [["backend", "dns"], ["controller", "solo"], ["webhook"], ["ingress"]]),
            (1, [["backend"], ["dns"], ["solo"], ["controller"], ["webhook"], ["ingress"]]),
        ]
        for cap, want in cases:
            with self.subTest(max_parallel=cap):
                self.assertEqual(g.waves(max_parallel=cap), want)
        with self.assertRaises(upgrade_core.InputError):
            g.waves(max_parallel=0)

    def test_ids_are_the_callers_objects(self):
        nodes = ["".join(["n", str(i)]) for i in range(5)]
        g = DependencyGraph.from_edges(nodes, [(nodes[1], nodes[0])])
        for got, want in zip(g.topological_order(), nodes):
            self.assertIs(got, want)

    def test_bulk_accepts_equal_but_distinct_strings(self):
        nodes = ["a", "b"]
        edges = [("".join(["b"]), "".join(["a"]))]
        self.assertEqual(DependencyGraph.from_edges(nodes, edges).waves(),
                         [["a"], ["b"]])

    def test_changing_a_bulk_built_graph(self):
        nodes, edges = ["a", "b", "a"], [("b", "a"), ["b", "c"]]
        g = DependencyGraph.from_edges(nodes, edges)
        nodes.append("zz")  # the graph read its inputs once
        edges.clear()
        g.add_node("c", duration=3)
        # The duplicate is still there; the edge to "c" now resolves.
        self.assertEqual([(p.kind, p.nodes) for p in g.validate()],
                         [("duplicate_node", ("a",))])
        self.assertEqual(g.nodes(), ["a", "b", "c"])
        self.assertNotIn("zz", g)
        g = DependencyGraph.from_edges(["a", "b"], [("b", "a")])
        g.add_dependency("b", "c")
        g.add_node("c", duration=3)
        self.assertEqual(g.dependencies("b"), ["a", "c"])
        self.assertEqual(g.critical_path().length, 4)

    def test_bad_input_types(self):
        with self.assertRaises(TypeError):
            DependencyGraph.from_edges([1], [])
        with self.assertRaises(TypeError):
            DependencyGraph.from_edges(["a"], [("a",)])
        with self.assertRaises(TypeError):
            DependencyGraph().add_node(3)
        with self.assertRaises(TypeError):
            DependencyGraph().add_node("a", colour="red")
        for bad in (-1.0, float("nan"), float("inf")):
            with self.subTest(duration=bad):
                with self.assertRaises(upgrade_core.InputError) as ctx:
                    DependencyGraph().add_node("a", duration=bad)
                self.assertIn('duration of "a"', str(ctx.exception))

    def test_random_graphs_waves_respect_every_edge(self):
        rng = random.Random(5)
        for trial in range(50):
            n = rng.randint(1, 80)
            rank = list(range(n))
            rng.shuffle(rank)
            nodes = [f"v{i}" for i in range(n)]
            edges = []
            for _ in range(rng.randint(0, 3 * n)):
                x, y = rng.randrange(n), rng.randrange(n)
                if rank[x] > rank[y]:
                    edges.append((nodes[x], nodes[y]))
            g = DependencyGraph.from_edges(nodes, edges)
            for cap in (None, 1, 3):
                with self.subTest(trial=trial, cap=cap):
                    wave_of = {}
                    for i, wave in enumerate(g.waves(max_parallel=cap)):
                        if cap:
                            self.assertLessEqual(len(wave), cap)
                        for v in wave:
                            wave_of[v] = i
                    self.assertEqual(len(wave_of), n)
                    for a, b in edges:
                        self.assertLess(wave_of[b], wave_of[a])


class QueryTest(unittest.TestCase):
    def test_impact(self):
        g = make(INGRESS_NODES, INGRESS_EDGES)
        cases = [
            ("dependents", "backend", True, ["controller", "webhook", "ingress"]),
            ("dependents", "backend", False, ["controller"]),
            ("dependents", ["dns", "controller"], True, ["webhook", "ingress"]),
            ("dependencies", "ingress", True, ["backend", "controller", "webhook", "dns"]),
            ("dependencies", "ingress", False, ["webhook", "dns"]),
            ("dependencies", "solo", True, []),
        ]
        for method, ids, transitive, want in cases:
            with self.subTest(method=method, ids=ids, transitive=transitive):
                self.assertEqual(getattr(g, method)(ids, transitive=transitive), want)
        with self.assertRaises(upgrade_core.InputError) as ctx:
            g.dependents("nope")
        self.assertIn('"nope"', str(ctx.exception))

    def test_critical_path(self):
        g = DependencyGraph()
        for name, d in [("start", 1), ("fast", 2), ("slow", 10), ("end", 1)]:
            g.add_node(name, duration=d)
        for a, b in [("fast", "start"), ("slow", "start"), ("end", "fast"), ("end", "slow")]:
            g.add_dependency(a, b)
        cp = g.critical_path()
        self.assertEqual(cp.length, 12)
        self.assertEqual(cp.path, ["start", "slow", "end"])
        self.assertEqual(cp.earliest_start, {"start": 0, "fast": 1, "slow": 1, "end": 11})
        self.assertEqual(cp.latest_start["fast"], 9)

    def test_subgraph(self):
        g = make(["db", "cache", "api", "web", "batch"],
                 [("api", "db"), ("api", "cache"), ("web", "api"), ("batch", "db")])
        sub = g.subgraph("api")
        self.assertEqual(sub.nodes(), ["db", "cache", "api"])
        self.assertEqual(sub.waves(), [["db", "cache"], ["api"]])
        self.assertEqual(len(g.subgraph(["web", "batch"])), 5)

    def test_container_protocol(self):
        g = make(INGRESS_NODES, INGRESS_EDGES)
        self.assertEqual(len(g), 6)
        self.assertIn("dns", g)
        self.assertNotIn("nope", g)
        self.assertNotIn(3, g)
        self.assertIn("6 nodes", repr(g))

    def test_dot_and_mermaid_highlight_cycles(self):
        g = make(["a", "b", "c"], [("a", "b"), ("b", "a"), ("c", "a")])
        dot = g.to_dot()
        self.assertIn('"a" -> "b" [color=red, penwidth=2];', dot)
        self.assertIn('"a" -> "c";\n', dot)  # execution order: a before c
        mermaid = g.to_mermaid()
        self.assertTrue(mermaid.startswith("flowchart LR\n"))
        self.assertIn("linkStyle 0,1 stroke:#d00", mermaid)


class SchedulerTest(unittest.TestCase):
    def test_failure_propagation(self):
        cases = [
            ("backend", ["controller", "webhook", "ingress"]),
            ("dns", ["ingress"]),
            ("solo", []),
        ]
        for failing, want_blocked in cases:
            with self.subTest(failing=failing):
                s = Scheduler(make(INGRESS_NODES, INGRESS_EDGES))
                blocked = []
                while s.is_active():
                    for node in s.ready():
                        if node == failing:
                            blocked += s.failed(node)
                        else:
                            s.done(node)
                self.assertEqual(blocked, want_blocked)
                self.assertEqual(s.blocked(), want_blocked)
                self.assertEqual(s.state(failing), "failed")

    def test_drain_in_wave_order(self):
        s = make(INGRESS_NODES, INGRESS_EDGES).scheduler()
        rounds = []
        while s.is_active():
            ready = s.ready()
            rounds.append(ready)
            for n in ready:
                s.done(n)
        self.assertEqual(rounds, [["backend", "dns", "solo"], ["controller"],
                                  ["webhook"], ["ingress"]])

    def test_misuse_is_a_value_error(self):
        s = Scheduler(make(INGRESS_NODES, INGRESS_EDGES))
        cases = [
            ("done", "backend", "it is ready"),
            ("done", "controller", "it is waiting"),
            ("failed", "nope", 'unknown node "nope"'),
        ]
        for method, node, fragment in cases:
            with self.subTest(method=method, node=node):
                with self.assertRaises(ValueError) as ctx:
                    getattr(s, method)(node)
                self.assertIn(fragment, str(ctx.exception))
        s.ready()
        s.done("backend")
        with self.assertRaises(ValueError) as ctx:
            s.done("backend")
        self.assertIn("each node finishes once", str(ctx.exception))

    def test_scheduler_of_invalid_graph_raises(self):
        with self.assertRaises(GraphError):
            Scheduler(make(["a"], [("a", "a")]))

    def test_scheduler_survives_graph_changes(self):
        g = make(["a", "b"], [("b", "a")])
        s = g.scheduler()
        g.add_node("c")
        self.assertEqual(s.ready(), ["a"])
        self.assertEqual(g.waves(), [["a", "c"], ["b"]])


class ConcurrencyTest(unittest.TestCase):
    def test_parallel_queries_on_one_graph(self):
        n = 20000
        nodes = [f"n{i}" for i in range(n)]
        edges = [(nodes[i], nodes[i // 2]) for i in range(1, n)]
        g = DependencyGraph.from_edges(nodes, edges)
        results = []

        def work():
            results.append(len(g.waves()))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [16] * 4)

    def test_changes_while_other_threads_query(self):
        # A query sees the graph from before or after a change, never a torn
        # one, and a change never raises because another thread is reading.
        n = 20000
        nodes = [f"n{i}" for i in range(n)]
        g = DependencyGraph.from_edges(nodes, [(nodes[i], nodes[i // 2])
                                               for i in range(1, n)])
        sizes, stop = [], threading.Event()

        def work():
            while not stop.is_set():
                sizes.append(sum(len(w) for w in g.waves()))

        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for i in range(50):
            g.add_node(f"extra{i}")
        stop.set()
        for t in threads:
            t.join()
        self.assertTrue(all(n <= s <= n + 50 for s in sizes))
        self.assertEqual(len(g.topological_order()), n + 50)


if __name__ == "__main__":
    unittest.main()
