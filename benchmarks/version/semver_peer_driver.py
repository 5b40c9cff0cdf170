#!/usr/bin/python3
"""upgrade_core's Python binding on the peers' semver input, printing the same
JSON fields as /work/shared/bench's drivers (suite, impl, input, rep,
build_s, run_s, peak_rss_kb, check), so its rows can sit beside Masterminds
and node-semver in RESULTS.md.

usage: semver_peer_driver.py <semver_pairs_100k.tsv> <reps> \
           parse_both|constraints_preparsed|both_preparsed
Needs `import upgrade_core` to work: e.g. PYTHONPATH=<the py_test runfiles
dir .../bindings/python> after `bazel build //bindings/python/...`."""
import json
import resource
import sys
import time

import upgrade_core


def main():
    path, reps, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    pairs = [line.rstrip("\n").split("\t") for line in open(path)]
    build_s = 0.0
    if mode in ("constraints_preparsed", "both_preparsed"):
        t = time.perf_counter()
        cons = [upgrade_core.Constraint(c) for c, _ in pairs]
        vers = ([upgrade_core.Version(v) for _, v in pairs]
                if mode == "both_preparsed" else [v for _, v in pairs])
        build_s = time.perf_counter() - t
    for rep in range(reps):
        t = time.perf_counter()
        if mode == "parse_both":
            n = sum(upgrade_core.Constraint(c).allows(v) for c, v in pairs)
        else:
            n = sum(c.allows(v) for c, v in zip(cons, vers))
        run_s = time.perf_counter() - t
        print(json.dumps({
            "suite": "semver", "impl": f"upgrade_core_python_{mode}",
            "input": "semver_pairs_100k", "rep": rep, "build_s": build_s,
            "run_s": run_s, "per_sec": len(pairs) / run_s,
            "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "check": f"matches={n}"}))


if __name__ == "__main__":
    main()
