#!/usr/bin/python3
"""Python side of the compat benchmarks: upgrade_core from Python against the
peers a Python user would reach for (PyYAML's C loader, DeepDiff), on the two
~5 MB values files of /work/shared/bench (gen/gen_yaml.py).

usage (after `bazel build -c opt //bindings/python/upgrade_core`):
  PYTHONPATH=bazel-bin/bindings/python /usr/bin/python3 \
      benchmarks/compat/compat_peer_driver.py A.yaml B.yaml [--deepdiff] [--reps N]

Prints one line per measurement: name, median seconds, and a check value.
Peers are imported lazily so upgrade_core's numbers work without them
(python3-yaml, python3-deepdiff are Debian packages, for measuring only)."""
import argparse
import statistics
import time

import upgrade_core


def timed(fn, reps):
    times, result = [], None
    for _ in range(reps):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--deepdiff", action="store_true")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    text_a = open(args.a, encoding="utf-8").read()
    size = len(text_a.encode())

    t, doc_a = timed(lambda: upgrade_core.Document.from_yaml(text_a, "a.yaml"), args.reps)
    print(f"upgrade_core Document.from_yaml  {t*1e3:9.1f} ms  {size/t/1e6:6.1f} MB/s")
    doc_b = upgrade_core.Document.from_file(args.b)
    t, changes = timed(lambda: upgrade_core.diff(doc_a, doc_b), args.reps)
    print(f"upgrade_core diff               {t*1e3:9.1f} ms  changes={len(changes)}")
    t, changes = timed(lambda: upgrade_core.diff(doc_a, doc_b, keys=[]), args.reps)
    print(f"upgrade_core diff (by index)    {t*1e3:9.1f} ms  changes={len(changes)}")
    t, _ = timed(lambda: doc_a.to_python(), args.reps)
    print(f"upgrade_core to_python          {t*1e3:9.1f} ms")

    try:
        import yaml
    except ImportError:
        print("PyYAML not installed; skipping peers")
        return
    t, py_a = timed(lambda: yaml.load(text_a, Loader=yaml.CSafeLoader), 1)
    print(f"PyYAML CSafeLoader              {t*1e3:9.1f} ms  {size/t/1e6:6.1f} MB/s")
    if args.deepdiff:
        import deepdiff
        py_b = yaml.load(open(args.b, encoding="utf-8").read(), Loader=yaml.CSafeLoader)
        t, d = timed(lambda: deepdiff.DeepDiff(py_a, py_b), 1)
        n = sum(len(v) for v in d.values())
        print(f"DeepDiff {deepdiff.__version__}                {t*1e3:9.1f} ms  changes={n}")


if __name__ == "__main__":
    main()
