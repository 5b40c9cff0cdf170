#!/usr/bin/python3
"""Runs every benchmark suite in fresh processes, alternating, for N rounds,
and writes one JSON result (read by tools/bench/report.py).

    run.py --out results.json --site DIR [--quick] [--rounds N] [--only SUITE,...]
           [--node-modules DIR] [--masterminds BIN]

Called by tools/bench.sh after it built the C++ benchmark binaries and the
Python package with `-c opt`. Per round, every job runs once in its own
process; odd rounds run the jobs in reverse order, so no implementation
always runs first (or right after the same neighbour). Each job's peak RSS is
its process's (os.wait4), each round's figure the job's own median of its
in-process repetitions (C++: Google Benchmark's CPU time per iteration;
Python: process CPU time, tools/bench/peers.py; the semver suite's non-Python
peers: their own process CPU time, tools/bench/semver_node.js and
tools/bench/semver_masterminds.go, which print the same JSON line). The load
average is sampled before every job.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time

import peers  # tools/bench/peers.py: the input sizes (SIZES)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY = "/usr/bin/python3"  # Debian's interpreter: the python3-* peers live there

# C++ benchmark binaries (bazel-bin/benchmarks/<pkg>/<name>). The fsm, graph,
# version, compat and plan suites carry the targets; the others are
# run for completeness.
CPP = [
    ("fsm", "fsm_benchmark"),
    ("graph", "graph_benchmark"),
    ("version", "version_benchmark"),
    ("compat", "compat_benchmark"),
    ("plan", "plan_benchmark"),
    ("exec", "orchestrator_benchmark"),
    ("exec", "executor_benchmark"),
    ("exec", "journal_benchmark"),
    ("sim", "sim_benchmark"),
    ("chart", "chart_benchmark"),
]

# Python jobs: (suite, size, impls in the order they run, in-process reps).
PY_FULL = [
    ("graph", "10k", ["uc_arrays", "uc_str", "graphlib", "networkx"], 7),
    ("graph", "100k", ["uc_arrays", "uc_str", "graphlib", "networkx"], 3),
    ("graph", "1m", ["uc_arrays", "uc_str", "graphlib", "networkx"], 1),
    ("cycle", "10k", ["uc_arrays", "uc_str", "graphlib", "networkx"], 7),
    ("cycle", "100k", ["uc_arrays", "uc_str", "graphlib", "networkx"], 3),
    ("cycle", "1m", ["uc_arrays", "uc_str", "graphlib", "networkx"], 1),
    ("semver", "100k", ["uc_match_preparsed", "uc_match_strings",
                        "uc_allows_preparsed", "uc_allows_strings"], 5),
    ("fsm", "2m", ["uc_fire", "dict", "transitions"], 3),
    ("yaml", "5mb", ["uc_from_yaml", "pyyaml"], 3),
    ("diff", "5mb", ["uc_diff", "deepdiff"], 1),
]
PY_QUICK = [
    ("graph", "10k", ["uc_arrays", "uc_str", "graphlib", "networkx"], 3),
    ("graph", "100k", ["uc_arrays", "uc_str", "graphlib", "networkx"], 1),
    ("cycle", "10k", ["uc_arrays", "uc_str", "graphlib", "networkx"], 3),
    ("semver", "20k", ["uc_match_preparsed", "uc_match_strings",
                       "uc_allows_preparsed", "uc_allows_strings"], 3),
    ("fsm", "200k", ["uc_fire", "dict", "transitions"], 1),
    ("yaml", "500kb", ["uc_from_yaml", "pyyaml"], 1),
    ("diff", "500kb", ["uc_diff", "deepdiff"], 1),
]
# The semver suite's peers outside Python (run only where installed; see
# semver_jobs): node-semver (npm) and Masterminds semver v3 (Debian's Go
# package, Helm's library), each pre-parsed and from strings.
NODE_IMPLS = ["node_preparsed", "node_strings"]
MASTERMINDS_IMPLS = ["masterminds_preparsed", "masterminds_strings"]
# Which Python module each peer needs (skipped with a note when missing).
PEER_MODULES = {"networkx": "networkx", "transitions": "transitions",
                "pyyaml": "yaml", "deepdiff": "deepdiff", "graphlib": "graphlib"}


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gib = 0.0
    try:
        with open("/proc/meminfo") as f:
            mem_gib = int(f.readline().split()[1]) / 2**20
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "mem_gib": round(mem_gib, 1),
        "kernel": platform.release(),
        "os": sh(". /etc/os-release 2>/dev/null && echo $PRETTY_NAME"),
        "compiler": sh("gcc --version | head -1"),
        "python": sh(f"{PY} --version"),
        "commit": sh(f"git -C {ROOT} rev-parse --short HEAD"),
        "dirty": bool(sh(f"git -C {ROOT} status --porcelain --untracked-files=no")),
    }


def run_process(argv, env, timeout):
    """(returncode, stdout, stderr, peak_rss_kb, wall_s) of one process."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env, cwd=ROOT)
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    out, err = [], []
    readers = [threading.Thread(target=lambda s, b: b.append(s.read()), args=(p.stdout, out)),
               threading.Thread(target=lambda s, b: b.append(s.read()), args=(p.stderr, err))]
    for t in readers:
        t.start()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join()
    timer.cancel()
    return (p.returncode, out[0].decode(errors="replace"), err[0].decode(errors="replace"),
            ru.ru_maxrss, time.monotonic() - t0)


def cpp_jobs(quick, bin_dir):
    jobs = []
    for suite, name in CPP:
        path = os.path.join(bin_dir, suite, name)
        # The result goes to a file: some binaries print their own lines
        # (ratios, notes) on stdout.
        argv = [path, "--benchmark_out_format=json"]
        if quick:
            argv += ["--benchmark_min_time=0.01",
                     "--benchmark_filter=-/1000000"]
        jobs.append({"kind": "cpp", "suite": suite, "binary": name, "argv": argv,
                     "timeout": 600 if quick else 1800})
    return jobs


def py_jobs(quick, inputs):
    jobs = []
    for suite, size, impls, reps in (PY_QUICK if quick else PY_FULL):
        for impl in impls:
            # upgrade_core's calls are short: three times the repetitions (at
            # least 3), so its median is not a cold first call.
            n = max(3 * reps, 3) if impl.startswith("uc_") else reps
            argv = [PY, os.path.join(ROOT, "tools", "bench", "peers.py"), suite, impl,
                    size, inputs, "--reps", str(n)]
            jobs.append({"kind": "py", "suite": suite, "impl": impl, "size": size,
                         "argv": argv, "timeout": 900})
    return jobs


def semver_jobs(quick, inputs, node_modules, masterminds, notes):
    """The semver suite's node-semver and Masterminds jobs, at the sizes and
    repetitions of its upgrade_core jobs (three times the table's count, as
    for upgrade_core: the pre-parsed calls are short). Each reads the TSV that
    peers.py generates; the generation pass (main) creates it before any
    round, through the job's "generate" command."""
    drivers = []
    if node_modules and shutil.which("node") and subprocess.run(
            ["node", "-e", "require('semver')"], capture_output=True, cwd=ROOT,
            env=dict(os.environ, NODE_PATH=node_modules)).returncode == 0:
        drivers.append(("node", NODE_IMPLS, {"NODE_PATH": node_modules}))
    else:
        why = ("no node" if not shutil.which("node") else
               "no npm install of it" if not node_modules else "not found in the npm install")
        notes.append(f"node-semver not installed ({why}; tools/bench.sh installs semver@7 "
                     "with npm): semver peer skipped")
    if masterminds and os.access(masterminds, os.X_OK):
        drivers.append(("masterminds", MASTERMINDS_IMPLS, {}))
    else:
        notes.append("Masterminds semver not installed (Debian golang-go and golang-github-"
                     "masterminds-semver-dev; tools/bench.sh builds the driver): "
                     "semver peer skipped")
    jobs = []
    for suite, size, _, reps in (PY_QUICK if quick else PY_FULL):
        if suite != "semver":
            continue
        tsv = os.path.join(inputs, f"semver_{peers.SIZES['semver'][size]}.tsv")
        generate = [PY, os.path.join(ROOT, "tools", "bench", "peers.py"), "semver",
                    "uc_match_strings", size, inputs, "--generate-only"]
        n = str(max(3 * reps, 3))
        for driver, impls, env in drivers:
            for impl in impls:
                if driver == "node":
                    argv = ["node", os.path.join(ROOT, "tools", "bench", "semver_node.js"),
                            tsv, impl, n, size]
                else:
                    argv = [os.path.abspath(masterminds), tsv, impl, n, size]
                jobs.append({"kind": "peer", "suite": suite, "impl": impl, "size": size,
                             "argv": argv, "env": env, "input": tsv,
                             "generate": generate, "timeout": 900})
    return jobs


def module_available(module):
    return subprocess.run([PY, "-c", f"import {module}"], capture_output=True).returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="the JSON result to write")
    ap.add_argument("--quick", action="store_true",
                    help="smaller sizes (no 1M graphs), short C++ runs, 1 round")
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--only", default="", help="comma-separated suites (cpp, graph, ...)")
    ap.add_argument("--site", required=True,
                    help="directory holding the built upgrade_core package")
    ap.add_argument("--bin", default=os.path.join(ROOT, "bazel-bin", "benchmarks"))
    ap.add_argument("--node-modules", default="",
                    help="node_modules directory holding node-semver (NODE_PATH)")
    ap.add_argument("--masterminds", default="",
                    help="the built tools/bench/semver_masterminds.go driver")
    args = ap.parse_args()
    rounds = args.rounds or (1 if args.quick else 3)
    only = set(filter(None, args.only.split(",")))
    inputs = os.path.join(os.path.dirname(os.path.abspath(args.out)), "inputs")
    notes = []

    jobs = []
    if not only or "cpp" in only:
        for job in cpp_jobs(args.quick, args.bin):
            if os.access(job["argv"][0], os.X_OK):
                jobs.append(job)
            else:
                notes.append(f"C++ {job['binary']} not built: skipped")
    for job in py_jobs(args.quick, inputs):
        if only and job["suite"] not in only:
            continue
        module = PEER_MODULES.get(job["impl"])
        if module and not module_available(module):
            note = (f"{job['impl']} not installed for Debian's python3 (Debian package "
                    f"python3-{module}): skipped")
            if note not in notes:
                notes.append(note)
            continue
        jobs.append(job)
    # node-semver and Masterminds semver: compared only where installed.
    if not only or "semver" in only:
        jobs += semver_jobs(args.quick, inputs,
                            os.path.abspath(args.node_modules) if args.node_modules else "",
                            args.masterminds, notes)

    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.abspath(args.site)
    env.pop("PYTHONHOME", None)

    result = {"schema": 1, "quick": args.quick, "rounds": rounds,
              "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "machine": machine(), "notes": notes, "load": [], "runs": []}
    # Input generation is not timed: one untimed pass creates every input.
    for job in jobs:
        if job["kind"] == "py":
            gen = job["argv"][:2] + ["--generate-only"] + job["argv"][2:]
            subprocess.run(gen, env=env, cwd=ROOT, capture_output=True)
        elif "generate" in job and not os.path.exists(job["input"]):
            subprocess.run(job["generate"], env=env, cwd=ROOT, capture_output=True)
    # A peer job never runs without its input (it would only fail each round).
    for job in [j for j in jobs if "input" in j and not os.path.exists(j["input"])]:
        jobs.remove(job)
        notes.append(f"{job['suite']} {job['impl']} {job['size']}: input not generated: skipped")
    for r in range(rounds):
        order = jobs if r % 2 == 0 else list(reversed(jobs))
        for job in order:
            load = os.getloadavg()[0]
            result["load"].append(round(load, 2))
            label = job.get("binary") or f"{job['suite']} {job['impl']} {job['size']}"
            print(f"[round {r + 1}/{rounds}] {label} (load {load:.1f})", file=sys.stderr, flush=True)
            argv = list(job["argv"])
            json_out = os.path.join(os.path.dirname(os.path.abspath(args.out)), "benchmark.json")
            if job["kind"] == "cpp":
                argv.append(f"--benchmark_out={json_out}")
                if os.path.exists(json_out):
                    os.remove(json_out)
            rc, out, err, rss, wall = run_process(argv, dict(env, **job.get("env", {})),
                                                  job["timeout"])
            run = {k: v for k, v in job.items()
                   if k not in ("argv", "timeout", "env", "input", "generate")}
            run.update({"round": r, "rc": rc, "peak_rss_kb": rss, "wall_s": round(wall, 3),
                        "load": round(load, 2)})
            if rc != 0:
                last = (err.strip().splitlines() or [f"exit {rc}"])[-1]
                # Paths are shortened to their last part (the page names none).
                run["error"] = re.sub(r"(?:/[^\s/:'\"]+)+/([^\s/:'\"]+)", r"\1", last)[:300]
                print(f"  failed: {run['error']}", file=sys.stderr)
            elif job["kind"] == "cpp":
                try:
                    with open(json_out) as f:
                        data = json.load(f)
                    run["benchmarks"] = [
                        {"name": b["name"], "cpu_ns": b["cpu_time"] * UNIT_NS[b["time_unit"]],
                         "real_ns": b["real_time"] * UNIT_NS[b["time_unit"]],
                         "iterations": b["iterations"]}
                        for b in data.get("benchmarks", []) if b.get("run_type", "iteration") == "iteration"
                        and "error_occurred" not in b]
                    run["context"] = {k: data.get("context", {}).get(k) for k in ("library_build_type",)}
                except (OSError, json.JSONDecodeError, KeyError) as e:
                    run["error"] = f"unreadable benchmark output: {type(e).__name__}"
            else:
                try:
                    run.update(json.loads(out.strip().splitlines()[-1]))
                    # The job names what ran (a driver's own labels cannot change it).
                    run.update({k: job[k] for k in ("kind", "suite", "impl", "size")})
                except (json.JSONDecodeError, IndexError) as e:
                    run["error"] = f"unreadable driver output: {e}"
            result["runs"].append(run)
    result["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(tmp, args.out)
    print(f"wrote {args.out}", file=sys.stderr)


UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

if __name__ == "__main__":
    main()
