#!/usr/bin/python3
"""upgrade_core.DependencyGraph vs graphlib and networkx, from Python.

Same data for everyone: a seeded random layered DAG (100 layers of equal
size; every node outside layer 0 depends on one node of the previous layer
and 3 more from random earlier layers; ids are str, randomly permuted
against the layers; edges shuffled), given as a list of ids and a list of
(dependent, dependency) tuples. Each measurement starts from those lists,
so construction is included:

  upgrade_core  DependencyGraph.from_edges(nodes, edges).waves()
  graphlib      TopologicalSorter(); add(node) per node and
                add(dependent, dependency) per edge; prepare(); then
                get_ready()/done() by generation
  networkx      DiGraph(); add_nodes_from; add_edges_from (dependency ->
                dependent); list(topological_generations(G))

Every implementation's generations are checked against upgrade_core's (as
sets per wave). Run after `bazel build -c opt //bindings/python/upgrade_core`
from the repository root, under Debian's interpreter (networkx is the Debian
package python3-networkx):

  /usr/bin/python3 benchmarks/graph/compare_python.py [10k 100k 1m]
"""

import gc
import os
import random
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def import_upgrade_core():
    """Imports the package from the source tree plus the built extension."""
    pkg_src = os.path.join(ROOT, "bindings", "python", "upgrade_core")
    so = os.path.join(ROOT, "bazel-bin", "bindings", "python", "upgrade_core", "_core.so")
    if not os.path.exists(so):
        sys.exit(f"missing {so}: bazel build -c opt //bindings/python/upgrade_core")
    tmp = tempfile.mkdtemp(prefix="uc_bench_")
    pkg = os.path.join(tmp, "upgrade_core")
    os.mkdir(pkg)
    for name in os.listdir(pkg_src):
        if name.endswith((".py", ".pyi", ".typed")):
            os.symlink(os.path.join(pkg_src, name), os.path.join(pkg, name))
    os.symlink(so, os.path.join(pkg, "_core.so"))
    sys.path.insert(0, tmp)
    import upgrade_core  # noqa: E402
    return upgrade_core


LAYERS, EXTRA = 100, 3
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
# (reps for upgrade_core, reps for each peer): peers at 1m take minutes.
REPS = {"10k": (20, 3), "100k": (10, 2), "1m": (5, 1)}


def make_dag(n, seed):
    rnd = random.Random(seed)
    per = n // LAYERS
    label = list(range(n))
    rnd.shuffle(label)
    ids = [str(i) for i in range(n)]
    edges = []
    for i in range(per, n):
        k = i // per
        preds = {(k - 1) * per + rnd.randrange(per)}
        while len(preds) < 1 + EXTRA:
            preds.add(rnd.randrange(k) * per + rnd.randrange(per))
        for p in preds:
            edges.append((ids[label[i]], ids[label[p]]))
    rnd.shuffle(edges)
    return ids, edges


def run_upgrade_core(uc, nodes, edges):
    return uc.DependencyGraph.from_edges(nodes, edges).waves()


def run_graphlib(nodes, edges):
    import graphlib
    ts = graphlib.TopologicalSorter()
    for n in nodes:
        ts.add(n)
    for a, b in edges:
        ts.add(a, b)
    ts.prepare()
    waves = []
    while ts.is_active():
        ready = ts.get_ready()
        waves.append(list(ready))
        ts.done(*ready)
    return waves


def run_networkx(nodes, edges):
    import networkx as nx
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from((b, a) for a, b in edges)
    return [list(w) for w in nx.topological_generations(g)]


def timed(fn, reps):
    times, result = [], None
    for _ in range(reps):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        if reps > 1:
            del result
            result = None
    if result is None:
        result = fn()
    return statistics.median(times), min(times), result


def same_waves(a, b):
    return len(a) == len(b) and all(set(x) == set(y) for x, y in zip(a, b))


def main():
    uc = import_upgrade_core()
    tags = sys.argv[1:] or list(SIZES)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load "
          f"{os.getloadavg()[0]:.1f}")
    for tag in tags:
        n = SIZES[tag]
        nodes, edges = make_dag(n, 20240601 + n)
        ours_reps, peer_reps = REPS[tag]
        med, best, ours = timed(lambda: run_upgrade_core(uc, nodes, edges), ours_reps)
        print(f"{tag}: N={n} M={len(edges)} waves={len(ours)}")
        print(f"  upgrade_core from_edges+waves  median {med * 1e3:9.1f} ms  "
              f"min {best * 1e3:9.1f} ms")
        for name, fn in (("graphlib", run_graphlib), ("networkx", run_networkx)):
            pmed, pbest, theirs = timed(lambda: fn(nodes, edges), peer_reps)
            ok = "same waves" if same_waves(ours, theirs) else "WAVES DIFFER"
            print(f"  {name:<12} build+generations  median {pmed * 1e3:9.1f} ms  "
                  f"min {pbest * 1e3:9.1f} ms  -> upgrade_core is "
                  f"{pmed / med:6.1f}x faster (median), {pbest / best:6.1f}x (min); {ok}")
            del theirs
        sys.stdout.flush()


if __name__ == "__main__":
    main()
