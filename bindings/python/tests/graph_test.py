"""Tests of upgrade_core.DependencyGraph, GraphError and Scheduler."""

import array
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


class ArraysTest(unittest.TestCase):
    """DependencyGraph.from_arrays: integer ids from buffers."""

    # 0 <- 1 <- 3, 0 <- 2 <- 3 (dependents first), node 4 alone.
    DEPENDENTS, DEPENDENCIES = [1, 2, 3, 3], [0, 0, 1, 2]

    def buffers(self):
        """(name, dependents, dependencies) in every accepted form."""
        a, b = self.DEPENDENTS, self.DEPENDENCIES
        flat = [x for pair in zip(a, b) for x in pair]
        out = [(f"array {code}", array.array(code, a), array.array(code, b))
               for code in "bBhHiIlLqQ"]
        out += [("bytes", bytes(a), bytes(b)),
                ("bytearray", bytearray(a), bytearray(b)),
                ("memoryview", memoryview(array.array("i", a)), array.array("q", b)),
                ("flat pairs", array.array("i", flat), None),
                ("flat bytes", bytes(flat), None),
                ("2-d memoryview", memoryview(bytes(flat)).cast("B", (len(a), 2)), None)]
        try:
            import numpy
        except ImportError:
            return out
        out += [("numpy int64", numpy.array(a), numpy.array(b)),
                ("numpy (m, 2)", numpy.array(list(zip(a, b)), dtype=numpy.int32), None)]
        return out

    def test_every_buffer_form(self):
        for name, a, b in self.buffers():
            with self.subTest(name):
                g = DependencyGraph.from_arrays(5, a, b)
                self.assertEqual(g.waves(), [[0, 4], [1, 2], [3]])
                self.assertEqual(g.topological_order(), [0, 1, 2, 3, 4])
                self.assertEqual(len(g), 5)

    def test_queries_take_and_return_ints(self):
        g = DependencyGraph.from_arrays(
            5, array.array("i", self.DEPENDENTS), array.array("i", self.DEPENDENCIES))
        self.assertEqual(g.dependents(0), [1, 2, 3])
        self.assertEqual(g.dependencies(3, transitive=False), [1, 2])
        self.assertEqual(g.dependencies([1, 2]), [0])
        self.assertEqual(g.nodes(), [0, 1, 2, 3, 4])
        self.assertIn(4, g)
        self.assertNotIn(5, g)
        self.assertNotIn("4", g)
        self.assertEqual(g.critical_path().path, [0, 1, 3])
        self.assertEqual(g.critical_path().earliest_start[3], 2.0)
        s = g.scheduler()
        self.assertEqual(s.ready(), [0, 4])
        s.done(0)
        self.assertEqual(s.ready(), [1, 2])
        self.assertEqual(s.failed(1), [3])
        self.assertEqual(s.state(3), "blocked")
        self.assertIn("0", g.to_dot())
        with self.assertRaises(upgrade_core.InputError):
            g.dependents(7)
        with self.assertRaises(TypeError):
            g.dependents("0")

    def test_matches_from_edges_on_random_graphs(self):
        rng = random.Random(14)
        for trial in range(30):
            n = rng.randint(1, 60)
            rank = list(range(n))
            rng.shuffle(rank)
            a, b = array.array("I"), array.array("I")
            for _ in range(rng.randint(0, 3 * n)):
                x, y = rng.randrange(n), rng.randrange(n)
                if rank[x] > rank[y]:
                    a.append(x)
                    b.append(y)
            with self.subTest(trial=trial):
                ints = DependencyGraph.from_arrays(n, a, b)
                strs = DependencyGraph.from_edges(
                    [str(i) for i in range(n)], [(str(x), str(y)) for x, y in zip(a, b)])
                self.assertEqual(ints.waves(), [[int(v) for v in w] for w in strs.waves()])
                self.assertEqual(ints.topological_order(),
                                 [int(v) for v in strs.topological_order()])

    def test_cycles_and_self_dependencies_name_ints(self):
        g = DependencyGraph.from_arrays(4, bytes([0, 1, 1, 2, 2, 0, 3, 3]))
        self.assertEqual(g.find_cycles(), [[0, 1, 2, 0]])
        self.assertEqual([(p.kind, p.nodes) for p in g.validate()],
                         [("self_dependency", (3,)), ("cycle", (0, 1, 2, 0))])
        with self.assertRaises(GraphError) as ctx:
            g.waves()
        self.assertEqual(ctx.exception.cycles, [[0, 1, 2, 0]])
        self.assertIn("dependency cycle: 0 -> 1 -> 2 -> 0", str(ctx.exception))

    def test_bad_input(self):
        cases = [
            # dependents, dependencies, error, message fragment
            (array.array("i", [0, 5]), array.array("i", [1, 0]), upgrade_core.InputError,
             "dependents[1] = 5 is not a node id (0 to 2)"),
            (array.array("i", [0]), array.array("i", [-1]), upgrade_core.InputError,
             "dependencies[0] = -1 is not a node id (0 to 2)"),
            (array.array("q", [0, 1, 2, 3]), None, upgrade_core.InputError,
             "dependents[1][1] = 3 is not a node id"),
            (array.array("i", [0, 1]), array.array("i", [1]), ValueError,
             "same length, got 2 and 1"),
            (array.array("i", [0, 1, 2]), None, ValueError, "pairs"),
            (array.array("d", [0.0]), array.array("d", [1.0]), TypeError,
             "native integers"),
            ([0, 1], [1, 0], TypeError, "buffer protocol"),
            (array.array("i"), "ab", TypeError, "buffer protocol"),
        ]
        for a, b, error, fragment in cases:
            with self.subTest(fragment):
                with self.assertRaises(error) as ctx:
                    DependencyGraph.from_arrays(3, a, b)
                self.assertIn(fragment, str(ctx.exception))
        with self.assertRaises(upgrade_core.InputError):
            DependencyGraph.from_arrays(-1, b"", b"")
        self.assertEqual(DependencyGraph.from_arrays(0, b"", b"").waves(), [])

    def test_integer_graphs_are_fixed(self):
        g = DependencyGraph.from_arrays(2, bytes([1]), bytes([0]))
        with self.assertRaises(TypeError):
            g.add_node("x")
        with self.assertRaises(TypeError):
            g.add_dependency("1", "0")
        with self.assertRaises(TypeError):
            g.subgraph(1)
        self.assertEqual(g.waves(), [[0], [1]])

    def test_array_can_change_after_the_call(self):
        a, b = array.array("i", [1]), array.array("i", [0])
        g = DependencyGraph.from_arrays(2, a, b)
        a.append(0)  # the buffer is released once the graph is built
        b[0] = 1
        self.assertEqual(g.waves(), [[0], [1]])


if __name__ == "__main__":
    unittest.main()
