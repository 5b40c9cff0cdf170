"""report.py on a tiny synthetic tools/bench/run.py result: the targets table
(ratios within each round, against the issue's targets), the per-suite tables,
notes for skipped peers and failed runs, and no path outside the repository."""

import unittest

import report


def cpp_run(binary, rnd, benchmarks, rss=10240):
    return {"kind": "cpp", "suite": "graph", "binary": binary, "round": rnd, "rc": 0,
            "peak_rss_kb": rss, "load": 1.0,
            "benchmarks": [{"name": n, "cpu_ns": ns, "real_ns": ns, "iterations": 10}
                           for n, ns in benchmarks.items()]}


def py_run(suite, impl, size, rnd, seconds, **extra):
    run = {"kind": "py", "suite": suite, "impl": impl, "size": size, "round": rnd, "rc": 0,
           "seconds": seconds, "reps": [seconds], "check": "waves=100",
           "peak_rss_kb": 204800}
    run.update(extra)
    return run


def peer_run(impl, size, rnd, seconds, matches, **extra):
    """A semver peer outside Python (tools/bench/semver_node.js or
    semver_masterminds.go) as run.py records it."""
    return dict(py_run("semver", impl, size, rnd, seconds, **extra), kind="peer",
                check=f"matches={matches}", peak_rss_kb=51200)


RESULT = {
    "schema": 1, "quick": False, "rounds": 2,
    "started": "2026-12-02T10:00:00+00:00", "finished": "2026-12-02T10:30:00+00:00",
    "machine": {"cpu": "Test CPU @ 2.0GHz", "cores": 2, "mem_gib": 8.0, "os": "Debian",
                "kernel": "6.1", "compiler": "gcc 12", "python": "Python 3.11.2",
                "commit": "abc1234", "dirty": False},
    "load": [1.0, 2.0, 3.0],
    "notes": ["networkx not installed for Debian's python3: skipped",
              "Masterminds semver not installed (Debian golang-go and golang-github-"
              "masterminds-semver-dev; tools/bench.sh builds the driver): semver peer skipped"],
    "runs": [
        cpp_run("graph_benchmark", 0, {"BM_GraphBuildWaves/1000000": 120e6,
                                       "BM_ReferenceBuildWaves/1000000": 100e6}),
        cpp_run("graph_benchmark", 1, {"BM_GraphBuildWaves/1000000": 150e6,
                                       "BM_ReferenceBuildWaves/1000000": 100e6}),
        dict(cpp_run("journal_benchmark", 0, {"BM_GroupCommit/manual_time": 5e6}),
             benchmarks=[{"name": "BM_GroupCommit/manual_time", "cpu_ns": 1e6,
                          "real_ns": 5e6, "iterations": 3}]),
        py_run("graph", "uc_arrays", "10k", 0, 0.001),
        py_run("graph", "graphlib", "10k", 0, 0.060, run_only_s=0.030),
        py_run("graph", "uc_arrays", "10k", 1, 0.002),
        py_run("graph", "graphlib", "10k", 1, 0.080, run_only_s=0.030),
        py_run("semver", "uc_match_preparsed", "100k", 0, 0.005, per_sec=20e6),
        py_run("semver", "uc_match_preparsed", "100k", 1, 0.02, per_sec=5e6),
        py_run("semver", "uc_match_strings", "100k", 0, 0.04, per_sec=2.5e6),
        # node-semver ran (both rounds, one pair refused); its strings job
        # failed; Masterminds is not installed (the note above).
        peer_run("node_preparsed", "100k", 0, 0.02, 18000, per_sec=5e6, invalid=1),
        peer_run("node_preparsed", "100k", 1, 0.06, 18000, per_sec=1.67e6, invalid=1),
        {"kind": "peer", "suite": "semver", "impl": "node_strings", "size": "100k",
         "round": 0, "rc": 1, "peak_rss_kb": 1,
         "error": "Error: Cannot find module 'semver'"},
        {"kind": "py", "suite": "fsm", "impl": "transitions", "size": "2m", "round": 0,
         "rc": 1, "peak_rss_kb": 1, "error": "ImportError: no transitions"},
        py_run("fsm", "uc_fire", "2m", 0, 70e-9),
        py_run("yaml", "uc_from_yaml", "5mb", 0, 0.05),
        py_run("diff", "uc_diff", "5mb", 0, 0.01),
    ],
}


class ReportTest(unittest.TestCase):
    def test_targets(self):
        rows = {what: (measured, target, met) for what, measured, target, met
                in report.targets(RESULT)}
        graph = rows["C++ graph build + waves, 1M nodes, vs CSR Kahn (bar 1.3x)"]
        # Per-round ratios 1.2 and 1.5: median 1.35, not within 1.2x.
        self.assertEqual(graph, ("1.35x (1.2x – 1.5x)", "≤ 1.2x", False))
        waves = rows["Python 10k: waves, build included: `from_arrays` (array.array) vs graphlib"]
        # 60x and 40x: median 50x, met.
        self.assertEqual(waves, ("50x faster (40x – 60x)", "≥ 50x", True))
        semver = rows["Python 100k: `match()`, pre-parsed constraints and versions"]
        self.assertEqual(semver, ("12.5 M/s (5 M/s – 20 M/s)", "≥ 10 M/s", True))

    def test_semver_peers(self):
        rows = {what: (measured, target, met) for what, measured, target, met
                in report.targets(RESULT)}
        # Per-round ratios 4x and 3x: median 3.5x; no target.
        self.assertEqual(rows["Python 100k: `match()` vs node-semver `range.test(version)`, "
                              "pre-parsed"], ("3.5x faster (3x – 4x)", "—", None))
        # A peer that failed or is not installed gives no ratio row.
        for what in rows:
            self.assertNotIn("Masterminds", what)
            self.assertNotIn("satisfies", what)
        self.assertEqual(sum("node-semver" in w for w in rows), 1)
        page = report.render(RESULT)
        for text in [
                "| 100k | " + report.PY_NAMES["node_preparsed"] + " | 40 ms | 20 ms – 60 ms | "
                "3.33 M/s; 1 pairs refused (non-matches) | 50 MiB | `matches=18000` |",
                "| 100k | " + report.PY_NAMES["uc_match_strings"] + " | 40 ms |",
                "their match counts may differ from upgrade_core's",
                "* Masterminds semver not installed", "semver peer skipped",
                "semver node_strings 100k, round 1: failed (Error: Cannot find module"]:
            self.assertIn(text, page)
        self.assertNotIn(report.PY_NAMES["masterminds_preparsed"], page)

    def test_semver_note_only_with_peers(self):
        result = dict(RESULT, runs=[r for r in RESULT["runs"] if r.get("kind") != "peer"])
        self.assertNotIn("their match counts may differ", report.render(result))

    def test_page(self):
        page = report.render(RESULT)
        self.assertTrue(page.startswith(report.GENERATED))
        for text in ["Test CPU @ 2.0GHz, 2 cores", "median 2.0, range 1.0 – 3.0",
                     "| 10k | upgrade_core `DependencyGraph.from_arrays", "## Dependency graph",
                     "without the build: 30 ms", "`BM_GraphBuildWaves/1000000` | 135 ms",
                     "networkx not installed", "fsm transitions 2m, round 1: failed", "(one process per round; peak RSS 10 MiB)",
                     "| **no** |", "| `BM_GroupCommit/manual_time` | 5 ms |"]:
            self.assertIn(text, page)
        # The page names no path outside the repository.
        for root in ("/usr/", "/tmp", "/work", "/home", "/root", "/opt"):
            self.assertNotIn(root, page)

    def test_every_python_suite_has_its_table(self):
        page = report.render(RESULT)
        for suite in ("graph", "semver", "fsm", "yaml", "diff"):
            with self.subTest(suite=suite):
                self.assertIn(f", {report.SUITE_TITLES[suite]}:", page)
        self.assertIn("| 2m | " + report.PY_NAMES["uc_fire"] + " | 70 ns/event |", page)

    def test_empty_result(self):
        page = report.render({"runs": []})
        self.assertIn("# Performance", page)
        self.assertNotIn("## Targets", page)

    def test_formatting(self):
        cases = [(report.fmt_time(0.0123), "12.3 ms"), (report.fmt_time(2.5e-7), "250 ns"),
                 (report.fmt_time(3.0), "3 s"), (report.fmt_rate(3.2e6), "3.2 M/s"),
                 (report.fmt_rss(2048), "2 MiB"), (report.size_key("1m"), 1e6),
                 (report.fmt_range([1.0, 1.0], report.fmt_ratio), "1x")]
        for got, want in cases:
            with self.subTest(want=want):
                self.assertEqual(got, want)


if __name__ == "__main__":
    unittest.main()
