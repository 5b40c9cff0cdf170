#!/usr/bin/env python3
"""Upgrades RKE2's bundled ingress-nginx (examples/rke2-ingress-nginx/plan.yaml)
with Python action functions and a crash-safe journal. Kill it at any point and
run it again: it carries on where the journal says it was.

    bazel run //examples/python:upgrade_ingress -- ingress.journal   # relative to where you run it
"""
import os, sys, time
import upgrade_core

PLAN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rke2-ingress-nginx", "plan.yaml")

def rollout(action):  # terminate-old, start-new, rollback: `helm upgrade`, `kubectl rollout`...
    time.sleep(float(os.environ.get("STEP_SECONDS", "0")))
    return "succeeded"

def check(action):  # preflight, backup, await-ready, verify: read-only probes
    return "succeeded"

def run(action):  # called on worker threads; raising fails the action (retried, rolled back)
    print(f"{action.step} (attempt {action.attempt})", flush=True)
    return {"terminate-old": rollout, "start-new": rollout, "rollback": rollout}.get(action.kind, check)(action)

def main(journal):
    plan = upgrade_core.compile_plan(upgrade_core.Plan.from_file(PLAN))
    orch, in_doubt = upgrade_core.Orchestrator.recover(plan, journal)
    for action in in_doubt:  # the last run died while these ran; they are idempotent: redo them
        print(f"resuming: {action.step} was in flight", flush=True)
        orch.report(action, run(action), int(time.time() * 1000))
    upgrade_core.Executor(orch, run, workers=2).run()
    print(orch.status())
    return 0 if orch.outcome == "succeeded" else 1

if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else "ingress.journal"
    sys.exit(main(os.path.join(os.environ.get("BUILD_WORKING_DIRECTORY", ""), path)))
