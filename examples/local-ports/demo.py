#!/usr/bin/env python3
"""examples/local-ports end to end (README.md): three local services at
1.0.0, the naive plan (refused by the checks, then forced: it fails with
EADDRINUSE and is rolled back), then the fixed plan (everything at 2.0.0).

    bazel run //examples/local-ports:demo [-- --keep]
    python3 examples/local-ports/demo.py   # after: bazel build //tools/upgradectl

Everything happens in a new temporary directory (journals, step logs, pid
files, instance logs, markers) on ports the kernel reports free; every
service is stopped at the end, and the directory is removed unless --keep.
Exit code 0 when each plan did what the README says.
"""

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lp  # noqa: E402


def find_upgradectl():
    for path in (
            # bazel run: the runfiles tree.
            os.path.join(HERE, "..", "..", "tools", "upgradectl",
                         "upgradectl"),
            # python3 examples/local-ports/demo.py after bazel build.
            os.path.join(HERE, "..", "..", "bazel-bin", "tools", "upgradectl",
                         "upgradectl")):
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.abspath(path)
    return shutil.which("upgradectl")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upgradectl", help="the upgradectl binary")
    parser.add_argument("--keep", action="store_true",
                        help="keep the directory (logs, journals, markers)")
    args = parser.parse_args()
    upgradectl = args.upgradectl or find_upgradectl()
    if not upgradectl:
        sys.exit("demo.py: no upgradectl: bazel build //tools/upgradectl, "
                 "then pass --upgradectl "
                 "bazel-bin/tools/upgradectl/upgradectl")

    work = tempfile.mkdtemp(prefix="local-ports-")
    env = dict(os.environ, LP_STATE=os.path.join(work, "state"),
               LP_LIFETIME="600")  # a server outlives no forgotten demo
    env.pop("LP_HOLD", None)
    env.pop("LP_MARKERS", None)  # $LP_STATE/markers
    for svc, port in zip(lp.SERVICES, lp.free_ports(len(lp.SERVICES))):
        env[f"LP_{svc.upper()}_PORT"] = str(port)
    os.environ.update(env)  # lp.status() below reads the ports
    lp_py = os.path.join(HERE, "lp.py")
    surprises = []

    def run(title, argv, want):
        shown = ["python3" if a == sys.executable else
                 os.path.basename(a) if a in (upgradectl, lp_py) or
                 a.startswith(HERE) else a for a in argv]
        print(f"\n### {title}\n$ {shlex.join(shown)}", flush=True)
        rc = subprocess.call(argv, env=env, cwd=work,
                             stdin=subprocess.DEVNULL)
        print(f"(exit code {rc})", flush=True)
        if rc != want:
            surprises.append(f"{shlex.join(shown)}: exit code {rc}, "
                             f"expected {want}")

    def plan(name):
        return os.path.join(HERE, name)

    ports = ", ".join(f"{s} {env[f'LP_{s.upper()}_PORT']}"
                      for s in lp.SERVICES)
    print(f"working directory {work}; ports: {ports}")
    try:
        run("version 1.0.0 of web -> api -> db",
            [sys.executable, lp_py, "up", "1.0.0"], 0)
        run("the naive plan (StartFirst) is refused by the plan checks",
            [upgradectl, "run", plan("naive.yaml"), "--journal",
             "naive.journal"], 2)
        run("forced, it fails for real and is rolled back",
            [upgradectl, "run", plan("naive.yaml"), "--journal",
             "naive.journal", "--force", "exclusive.start-first"], 1)
        run("what answers now: still 1.0.0, the same processes",
            [sys.executable, lp_py, "status"], 0)
        run("the fixed plan (TerminateFirst, gated, verified)",
            [upgradectl, "run", plan("fixed.yaml"), "--journal",
             "fixed.journal"], 0)
        run("what answers now", [sys.executable, lp_py, "status"], 0)
        for svc in lp.SERVICES:
            if lp.probe(svc)[:2] != ("2.0.0", True):
                surprises.append(f"{svc} is not at 2.0.0 and healthy")
        print(f"\nmarkers ({os.path.join(env['LP_STATE'], 'markers')}):")
        with open(os.path.join(env["LP_STATE"], "markers"),
                  encoding="utf-8") as f:
            sys.stdout.write("".join("  " + line for line in f))
    finally:
        for what in lp.down(env["LP_STATE"]):
            print(f"stopped {what}")
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if surprises:
        print("\nnot as the README says:\n  " + "\n  ".join(surprises))
        return 1
    print("\nas the README says: naive failed and was rolled back (1.0.0 "
          "kept serving); fixed upgraded everything to 2.0.0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
