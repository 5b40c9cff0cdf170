#!/usr/bin/python3
"""One Python measurement in this (fresh) process, printed as one JSON line.

    peers.py <suite> <impl> <size> <inputs-dir> [--reps N]

Run by tools/bench/run.py under Debian's /usr/bin/python3 (the peers are
Debian's python3-* packages), with `upgrade_core` importable. Inputs are
generated with fixed seeds and cached as files in <inputs-dir> (the first
process of a size writes them; generation is not timed). Each measurement
is repeated N times in the process and the median is printed, with the
process's peak RSS so far (input included; resource.getrusage).

Suites and implementations (the first named one is upgrade_core's):
  graph   waves of a seeded layered DAG (100 layers, ~4 dependencies per node,
          the shape of the peer harness's dag suite), build included:
          uc_arrays (DependencyGraph.from_arrays over array.array + waves()),
          uc_str (from_edges over lists of str ids and tuples + waves()),
          graphlib (TopologicalSorter(dict of node -> predecessors) +
          prepare + get_ready/done by generation), networkx (DiGraph +
          topological_generations)
  cycle   the same DAG plus one back edge closing a 100-node cycle:
          uc_arrays / uc_str (build + the GraphError naming every cycle),
          graphlib (TopologicalSorter(dict) + prepare() -> CycleError; build
          and prepare timed separately), networkx (DiGraph + find_cycle)
  semver  seeded Helm-style (constraint, version) pairs (the mix of the peer
          harness's gen_semver.py): uc_match_preparsed / uc_match_strings
          (upgrade_core.match over lists), uc_allows_preparsed /
          uc_allows_strings (a Python loop of single allows() calls)
  fsm     the 6-state upgrade machine's seeded event stream
          (benchmarks/fsm/fsm_python_benchmark.py): uc_fire, dict (a Python
          dict loop, the floor), transitions (on a prefix; per event)
  yaml    a seeded Helm-values-like document: uc_from_yaml
          (Document.from_yaml), pyyaml (yaml.load with CSafeLoader)
  diff    that document and a mutated copy: uc_diff (upgrade_core.diff of two
          loaded Documents), deepdiff (DeepDiff of the PyYAML-loaded trees)
"""

import argparse
import array
import gc
import json
import os
import random
import resource
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Sizes: name -> count (nodes, pairs, events, or approximate document bytes).
SIZES = {
    "graph": {"10k": 10_000, "100k": 100_000, "1m": 1_000_000},
    "cycle": {"10k": 10_000, "100k": 100_000, "1m": 1_000_000},
    "semver": {"20k": 20_000, "100k": 100_000},
    "fsm": {"200k": 200_000, "2m": 2_000_000},
    "yaml": {"500kb": 500_000, "5mb": 5_000_000},
    "diff": {"500kb": 500_000, "5mb": 5_000_000},
}
LAYERS, EXTRA = 100, 3
# Process CPU time (user + system, page faults included): the machines this
# runs on are shared, and every measured call is single-threaded.
CLOCK = time.process_time


# ----------------------------------------------------------------- inputs --

def dag_arrays(n, cycle, cache):
    """(dependents, dependencies) as array('I'), cached in `cache`.

    Layered DAG as the peer harness's gen_dag.py builds it (seed 20240601 +
    n): every node outside layer 0 depends on one node of the previous layer
    and EXTRA more from random earlier layers; ids randomly permuted against
    the layers; edges shuffled. The cycle variant adds one edge from a layer-0
    node to a last-layer node at the end of its chain of previous-layer
    dependencies (a 100-node cycle)."""
    path = os.path.join(cache, f"dag_{n}{'_cycle' if cycle else ''}.bin")
    if os.path.exists(path):
        data = array.array("I")
        with open(path, "rb") as f:
            data.frombytes(f.read())
        m = len(data) // 2
        return data[:m], data[m:]
    rnd = random.Random(20240601 + n)
    per = n // LAYERS
    label = list(range(n))
    rnd.shuffle(label)
    chain = [-1] * n
    pairs = []
    for i in range(per, n):
        k = i // per
        p0 = (k - 1) * per + rnd.randrange(per)
        chain[i] = p0
        preds = {p0}
        while len(preds) < 1 + EXTRA:
            preds.add(rnd.randrange(k) * per + rnd.randrange(per))
        for p in preds:
            pairs.append((label[i], label[p]))
    rnd.shuffle(pairs)
    if cycle:
        v = (LAYERS - 1) * per + rnd.randrange(per)
        u = v
        while chain[u] != -1:
            u = chain[u]
        pairs.insert(rnd.randrange(len(pairs) + 1), (label[u], label[v]))
    a = array.array("I", (p[0] for p in pairs))
    b = array.array("I", (p[1] for p in pairs))
    tmp = path + f".{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(a.tobytes())
        f.write(b.tobytes())
    os.replace(tmp, path)
    return a, b


def semver_pairs(n, cache):
    """n (constraint, version) text pairs, the gen_semver.py mix (seed
    20240603), cached as TSV."""
    path = os.path.join(cache, f"semver_{n}.tsv")
    if not os.path.exists(path):
        r = random.Random(20240603)

        def ver(maj=None):
            a = r.choice([0, 1, 1, 1, 2, 2, 3]) if maj is None else maj
            return a, r.randrange(0, 31), r.randrange(0, 21)

        def pre():
            return r.choice(["rc.1", "rc.2", "beta.3", "alpha", "0", "alpha.1",
                             f"eks-{r.randrange(16**7):07x}", f"gke.{r.randrange(100, 2000)}"])

        def version():
            a, b, c = ver()
            if r.random() < 0.25:
                a, b = 1, r.randrange(18, 33)
            s = f"{a}.{b}.{c}"
            k = r.random()
            if k < 0.15:
                s += "-" + pre()
            elif k < 0.20:
                s += f"+build.{r.randrange(1000)}"
            return ("v" + s) if r.random() < 0.15 else s

        def constraint():
            kind = r.choices(["kube", "kube_range", "caret", "tilde", "xrange", "or",
                              "range", "exact", "hyphen", "star_minor"],
                             weights=[15, 8, 20, 12, 10, 10, 10, 7, 5, 3])[0]
            a, b, c = ver()
            if kind == "kube":
                return f">= 1.{r.randrange(18, 31)}.0-0"
            if kind == "kube_range":
                lo = r.randrange(18, 30)
                return f">= 1.{lo}.0-0 < 1.{lo + r.randrange(1, 5)}.0-0"
            if kind == "caret":
                return f"^{'v' if r.random() < 0.1 else ''}{a}.{b}.{c}"
            if kind == "tilde":
                return f"~{a}.{b}.{c}"
            if kind == "xrange":
                return r.choice([f"{a}.{b}.x", f"{a}.x", f"{a}.{b}.X", f"{a}.{b}.*"])
            if kind == "or":
                return f">={a}.{b} <{a + 1}.0 || {r.randrange(0, 5)}.x"
            if kind == "range":
                a2, b2, c2 = ver(maj=a + r.randrange(0, 2))
                return f">={a}.{b}.{c} <{a2}.{b2}.{c2}"
            if kind == "exact":
                return r.choice([f"{a}.{b}.{c}", f"={a}.{b}.{c}"])
            if kind == "hyphen":
                return (f"{a}.{b}.{c} - {a + r.randrange(0, 2)}."
                        f"{r.randrange(0, 31)}.{r.randrange(0, 21)}")
            return f"{a}.*"

        lines = []
        for _ in range(n):
            c = constraint()
            lines.append(f"{c}\t{version()}\n")
        tmp = path + f".{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            f.writelines(lines)
        os.replace(tmp, path)
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f]


def values_docs(size, cache):
    """Two seeded Helm-values-like YAML texts of about `size` bytes: many
    service blocks (image, resources, env lists of {name, value}, ports,
    annotations, flags) and a copy with ~1% of the scalars changed, some env
    entries removed and some added."""
    paths = [os.path.join(cache, f"values_{size}_{x}.yaml") for x in "ab"]
    if not all(os.path.exists(p) for p in paths):
        r = random.Random(20240604)
        blocks_a, blocks_b = [], []
        total, i = 0, 0
        while total < size:
            env = [(f"VAR_{j}", f"value-{r.randrange(10**6)}") for j in range(r.randrange(3, 12))]
            ports = [r.randrange(1024, 65535) for _ in range(r.randrange(1, 4))]
            fields = {
                "enabled": r.choice(["true", "false"]),
                "replicaCount": str(r.randrange(1, 10)),
                "image.repository": f"registry.example.com/team{r.randrange(50)}/svc{i}",
                "image.tag": f"v{r.randrange(3)}.{r.randrange(40)}.{r.randrange(20)}",
                "resources.limits.cpu": f"{r.randrange(1, 4000)}m",
                "resources.limits.memory": f"{r.randrange(64, 8192)}Mi",
                "annotations.owner": f"team-{r.randrange(50)}",
            }

            def render(fields, env, ports, mutate):
                f = dict(fields)
                e = list(env)
                if mutate:
                    for k in list(f):
                        if r.random() < 0.01:
                            f[k] = f"{f[k]}-changed"
                    if e and r.random() < 0.05:
                        e.pop(r.randrange(len(e)))
                    if r.random() < 0.05:
                        e.append((f"NEW_{r.randrange(100)}", "added"))
                lines = [f"service{i}:",
                         f"  enabled: {f['enabled']}",
                         f"  replicaCount: {f['replicaCount']}",
                         "  image:",
                         f"    repository: {f['image.repository']}",
                         f"    tag: \"{f['image.tag']}\"",
                         "    pullPolicy: IfNotPresent",
                         "  resources:",
                         "    limits:",
                         f"      cpu: {f['resources.limits.cpu']}",
                         f"      memory: {f['resources.limits.memory']}",
                         "  annotations:",
                         f"    owner: {f['annotations.owner']}",
                         "  env:"]
                for name, value in e:
                    lines += [f"    - name: {name}", f"      value: \"{value}\""]
                lines.append("  ports:")
                lines += [f"    - {p}" for p in ports]
                return "\n".join(lines) + "\n"

            a = render(fields, env, ports, False)
            blocks_a.append(a)
            blocks_b.append(render(fields, env, ports, True))
            total += len(a)
            i += 1
        for p, blocks in zip(paths, (blocks_a, blocks_b)):
            tmp = p + f".{os.getpid()}.tmp"
            with open(tmp, "w") as f:
                f.writelines(blocks)
            os.replace(tmp, p)
    texts = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            texts.append(f.read())
    return texts


# ------------------------------------------------------------ measurement --

def timed(fn, reps, clock=None):
    """(median seconds, list of seconds, last result)."""
    clock = clock or CLOCK
    times, result = [], None
    # One collection before the loop, not before each call: a collection
    # walks every object and evicts the caches, which would time a cold call.
    gc.collect()
    for _ in range(reps):
        result = None
        t0 = clock()
        result = fn()
        times.append(clock() - t0)
    return statistics.median(times), times, result


def import_upgrade_core():
    import upgrade_core
    return upgrade_core


def graph_case(suite, impl, n, cache, reps):
    cycle = suite == "cycle"
    a, b = dag_arrays(n, cycle, cache)
    extra = {}
    if impl in ("uc_arrays", "uc_str"):
        uc = import_upgrade_core()
        if impl == "uc_str":
            ids = [str(i) for i in range(n)]
            nodes = ids
            edges = list(zip(map(ids.__getitem__, a), map(ids.__getitem__, b)))
            build = lambda: uc.DependencyGraph.from_edges(nodes, edges)  # noqa: E731
        else:
            build = lambda: uc.DependencyGraph.from_arrays(n, a, b)  # noqa: E731

        def run():
            g = build()
            try:
                w = g.waves()
                return f"waves={len(w)} nodes={sum(map(len, w))}"
            except uc.GraphError as e:
                return f"cycles={len(e.cycles)} cycle_len={len(e.cycles[0]) - 1}"
        med, times, check = timed(run, reps)
    elif impl == "graphlib":
        import graphlib
        preds = {i: [] for i in range(n)}
        for x, y in zip(a, b):
            preds[x].append(y)
        build_times, run_times = [], []
        check = ""
        gc.collect()
        for _ in range(reps):
            t0 = CLOCK()
            ts = graphlib.TopologicalSorter(preds)
            t1 = CLOCK()
            try:
                ts.prepare()
                gens = cnt = 0
                while ts.is_active():
                    ready = ts.get_ready()
                    gens += 1
                    cnt += len(ready)
                    ts.done(*ready)
                check = f"waves={gens} nodes={cnt}"
            except graphlib.CycleError as e:
                check = f"cycle_len={len(e.args[1]) - 1}"
            t2 = CLOCK()
            del ts
            build_times.append(t1 - t0)
            run_times.append(t2 - t1)
        times = [x + y for x, y in zip(build_times, run_times)]
        med = statistics.median(times)
        # prepare()/generations alone, without building the sorter.
        extra["run_only_s"] = statistics.median(run_times)
    elif impl == "networkx":
        import networkx as nx

        def run():
            g = nx.DiGraph()
            g.add_nodes_from(range(n))
            g.add_edges_from(zip(b, a))  # dependency -> dependent
            if cycle:
                try:
                    return f"cycle_len={len(nx.find_cycle(g))}"
                except nx.NetworkXNoCycle:
                    return "acyclic"
            gens = list(nx.topological_generations(g))
            return f"waves={len(gens)} nodes={sum(map(len, gens))}"
        med, times, check = timed(run, reps)
    else:
        raise SystemExit(f"unknown impl {impl}")
    return med, times, check, extra


def semver_case(impl, n, cache, reps):
    pairs = semver_pairs(n, cache)
    cons = [c for c, _ in pairs]
    vers = [v for _, v in pairs]
    extra = {}
    if impl.startswith("uc_"):
        uc = import_upgrade_core()
        if impl.endswith("preparsed"):
            t0 = time.perf_counter()
            cons = [uc.Constraint(c) for c in cons]
            vers = [uc.Version(v) for v in vers]
            extra["parse_s"] = time.perf_counter() - t0
        if impl.startswith("uc_match"):
            run = lambda: uc.match(cons, vers).count(True)  # noqa: E731
        elif impl == "uc_allows_preparsed":
            run = lambda: sum(c.allows(v) for c, v in zip(cons, vers))  # noqa: E731
        elif impl == "uc_allows_strings":
            C = uc.Constraint
            run = lambda: sum(C(c).allows(v) for c, v in zip(cons, vers))  # noqa: E731
        else:
            raise SystemExit(f"unknown impl {impl}")
    else:
        raise SystemExit(f"unknown impl {impl}")
    med, times, matches = timed(run, reps)
    extra["per_sec"] = n / med
    return med, times, f"matches={matches}", extra


def fsm_case(impl, n, reps):
    sys.path.insert(0, os.path.join(ROOT, "benchmarks", "fsm"))
    import fsm_python_benchmark as fb
    if impl == "transitions":
        n = min(n, 200_000)  # it needs microseconds per event
    events = fb.event_stream(n)
    fn = {"uc_fire": fb.run_upgrade_core, "dict": fb.run_dict,
          "transitions": fb.run_transitions}[impl]
    times, final = [], None
    gc.collect()
    for _ in range(reps):
        t, final = fn(events)
        times.append(t / n)  # per event
    return statistics.median(times), times, f"final={final} events={n}", {"events": n}


def yaml_case(suite, impl, size, cache, reps):
    text_a, text_b = values_docs(size, cache)
    extra = {"bytes": len(text_a.encode())}
    if impl == "uc_from_yaml":
        uc = import_upgrade_core()
        run = lambda: uc.Document.from_yaml(text_a, "a.yaml")  # noqa: E731
        check = lambda d: f"bytes={extra['bytes']}"  # noqa: E731
    elif impl == "pyyaml":
        import yaml
        run = lambda: yaml.load(text_a, Loader=yaml.CSafeLoader)  # noqa: E731
        check = lambda d: f"bytes={extra['bytes']}"  # noqa: E731
    elif impl == "uc_diff":
        uc = import_upgrade_core()
        da = uc.Document.from_yaml(text_a, "a.yaml")
        db = uc.Document.from_yaml(text_b, "b.yaml")
        run = lambda: uc.diff(da, db, keys=[])  # noqa: E731
        check = lambda d: f"changes={len(d)}"  # noqa: E731
    elif impl == "deepdiff":
        import deepdiff
        import yaml
        pa = yaml.load(text_a, Loader=yaml.CSafeLoader)
        pb = yaml.load(text_b, Loader=yaml.CSafeLoader)
        run = lambda: deepdiff.DeepDiff(pa, pb)  # noqa: E731
        check = lambda d: f"changes={sum(len(v) for v in d.values())}"  # noqa: E731
    else:
        raise SystemExit(f"unknown impl {impl}")
    med, times, result = timed(run, reps)
    return med, times, check(result), extra


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("suite", choices=sorted(SIZES))
    ap.add_argument("impl")
    ap.add_argument("size")
    ap.add_argument("inputs")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--generate-only", action="store_true",
                    help="only create the cached input, measure nothing")
    args = ap.parse_args()
    n = SIZES[args.suite][args.size]
    os.makedirs(args.inputs, exist_ok=True)
    if args.generate_only:
        if args.suite in ("graph", "cycle"):
            dag_arrays(n, args.suite == "cycle", args.inputs)
        elif args.suite == "semver":
            semver_pairs(n, args.inputs)
        elif args.suite in ("yaml", "diff"):
            values_docs(n, args.inputs)
        return
    if args.suite in ("graph", "cycle"):
        med, times, check, extra = graph_case(args.suite, args.impl, n, args.inputs, args.reps)
    elif args.suite == "semver":
        med, times, check, extra = semver_case(args.impl, n, args.inputs, args.reps)
    elif args.suite == "fsm":
        med, times, check, extra = fsm_case(args.impl, n, args.reps)
    else:
        med, times, check, extra = yaml_case(args.suite, args.impl, n, args.inputs, args.reps)
    out = {"suite": args.suite, "impl": args.impl, "size": args.size, "seconds": med,
           "reps": times, "check": check,
           "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    out.update(extra)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
