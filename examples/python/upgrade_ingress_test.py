"""examples/python/upgrade_ingress.py, run as a user runs it: to the end;
killed (SIGKILL) while an action is in flight and run again, which resumes
from the journal, redoes only the action in doubt and finishes."""

import os
import signal
import subprocess
import sys
import tempfile
import unittest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "upgrade_ingress.py")


def start(journal, **env):
    return subprocess.Popen(
        [sys.executable, SCRIPT, journal], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), **env))


class UpgradeIngressTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.journal = os.path.join(self.dir.name, "ingress.journal")

    def tearDown(self):
        self.dir.cleanup()

    def finish(self, proc):
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err)
        return out.splitlines()

    def test_runs_to_the_end(self):
        lines = self.finish(start(self.journal))
        self.assertEqual(lines[0], "helm-install-job/preflight (attempt 1)")
        self.assertEqual(sum(1 for l in lines if l.endswith("(attempt 1)")), 20)
        self.assertIn("plan: succeeded", lines)
        # Run again: the journal says it is done; nothing runs.
        again = self.finish(start(self.journal))
        self.assertEqual(again[0], "plan: succeeded")

    def test_killed_and_rerun_resumes_from_the_journal(self):
        first = start(self.journal, STEP_SECONDS="1")
        seen = []
        try:
            for line in first.stdout:
                seen.append(line.rstrip("\n"))
                if seen[-1] == "default-backend/start-new (attempt 1)":
                    first.send_signal(signal.SIGKILL)  # mid-rollout (it sleeps 1 s)
                    break
        finally:
            first.communicate(timeout=60)
        self.assertEqual(first.returncode, -signal.SIGKILL, seen)

        lines = self.finish(start(self.journal))
        self.assertEqual(lines[0], "resuming: default-backend/start-new was in flight")
        self.assertEqual(lines[1], "default-backend/start-new (attempt 1)")
        ran = [l.split(" ")[0] for l in lines[1:] if l.endswith(")")]
        # What finished before the kill is not run again.
        self.assertFalse([s for s in ran if s.startswith("helm-install-job/")], ran)
        self.assertEqual(ran.count("default-backend/start-new"), 1)
        self.assertEqual(ran[-1], "admission-webhook/verify")
        self.assertIn("plan: succeeded", lines)


if __name__ == "__main__":
    unittest.main()
