"""examples/local-ports end to end: real processes on 127.0.0.1 upgraded by
the built `upgradectl run`.

* naive.yaml (StartFirst): refused by the plan checks; forced, the new db
  cannot bind its port (EADDRINUSE), its await times out, the plan is rolled
  back and every service still answers 1.0.0 from the same processes.
* fixed.yaml (TerminateFirst, dependency gates, verify): SIGKILLed while
  api/start-new runs (after the new api was launched), resumed with
  `--resume --assume rerun`: every step's command ran exactly once except
  api/start-new, which the in-doubt rule runs again and which finds its
  instance already running (so each instance was launched exactly once); all
  three services answer 2.0.0.

Ports are chosen free by the kernel per test and passed in LP_*_PORT, so
parallel tests do not clash. Every server started is stopped at the end
(pid files in the test's state directory, killed as process groups), also
when a test fails; servers also exit by themselves after LP_LIFETIME.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lp  # noqa: E402  (the example's own script, next to this file)

ROOT = os.path.join(os.environ.get("TEST_SRCDIR", "."), "upgrade_core")
UPGRADECTL = os.path.join(ROOT, "tools", "upgradectl", "upgradectl")
EXAMPLE = os.path.join(ROOT, "examples", "local-ports")
LP = os.path.join(EXAMPLE, "lp.py")

FORWARD = ["preflight", "terminate-old", "start-new", "await-ready", "verify"]
SERVICES = ["db", "api", "web"]


class LocalPortsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.state = os.path.join(self.dir, "state")
        self.markers = os.path.join(self.dir, "markers")
        self.env = dict(os.environ)
        self.env.pop("LP_HOLD", None)
        self.env.update(LP_STATE=self.state, LP_MARKERS=self.markers,
                        LP_LIFETIME="120")
        for svc, port in zip(SERVICES, lp.free_ports(3)):
            self.env[f"LP_{svc.upper()}_PORT"] = str(port)
        # Registered after rmtree: runs before it (cleanups are LIFO).
        self.addCleanup(lp.down, self.state)
        self.lp("up", "1.0.0")
        self.v1_pids = self.answering("1.0.0")

    def lp(self, *args):
        r = subprocess.run([sys.executable, LP, *args], env=self.env,
                           cwd=self.dir, capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def ctl_args(self, plan, journal, *args):
        return [UPGRADECTL, "run", os.path.join(EXAMPLE, plan), "--journal",
                os.path.join(self.dir, journal), *args]

    def run_ctl(self, plan, journal, *args, env=None):
        return subprocess.run(self.ctl_args(plan, journal, *args),
                              env=env or self.env, cwd=self.dir,
                              capture_output=True, text=True, timeout=90,
                              stdin=subprocess.DEVNULL)

    def answering(self, version):
        """Every service answers VERSION on its port and is healthy; returns
        {service: pid of the process that answered}."""
        pids = {}
        for svc in SERVICES:
            port = int(self.env[f"LP_{svc.upper()}_PORT"])
            status, body = lp.get(port, "/version")
            self.assertEqual(status, 200, f"{svc}: {body}")
            info = json.loads(body)
            self.assertEqual((info["service"], info["version"]),
                             (svc, version))
            status, body = lp.get(port, "/healthz", timeout=3.0)
            self.assertEqual(status, 200, f"{svc}: {body}")
            pids[svc] = info["pid"]
        return pids

    def read_markers(self):
        return lp.read_markers(self.markers)

    def test_naive_plan_is_refused_and_forced_fails_with_eaddrinuse(self):
        r = self.run_ctl("naive.yaml", "naive.journal")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertEqual(r.stderr.count("[exclusive.start-first]"), 3,
                         r.stderr)
        self.assertIn("--force exclusive.start-first", r.stderr)
        self.assertEqual(self.read_markers(), [])  # nothing ran
        self.assertFalse(os.path.exists(os.path.join(self.dir,
                                                     "naive.journal")))

        r = self.run_ctl("naive.yaml", "naive.journal", "--force",
                         "exclusive.start-first", "--format", "json")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        events = [json.loads(line) for line in r.stdout.splitlines()]
        finished = {e["step"]: e for e in events
                    if e["event"] == "step-finished"}
        self.assertEqual(finished["db/start-new"]["outcome"], "succeeded")
        failed = finished["db/await-ready"]
        self.assertEqual(failed["outcome"], "failed")
        # Its last lines are in the reason: the new db cannot bind its port.
        self.assertIn("EADDRINUSE", failed["reason"])
        with open(failed["log"], encoding="utf-8") as f:
            log = f.read()
        self.assertIn("Address already in use (EADDRINUSE)", log)
        self.assertIn("answers db 1.0.0", log)
        self.assertEqual(finished["db/rollback"]["outcome"], "succeeded")
        self.assertEqual(events[-1]["event"], "plan-finished")
        self.assertEqual(events[-1]["outcome"], "rolled_back")
        # Only db was touched; it never got to terminate its old instance.
        self.assertEqual(sorted(finished), ["db/await-ready", "db/preflight",
                                            "db/rollback", "db/start-new"])

        markers = self.read_markers()
        self.assertEqual([m[:2] for m in markers if m[1] != "await-ready"],
                         [("db", "preflight"), ("db", "start-new"),
                          ("db", "rollback")])
        self.assertEqual(markers[1][3], "launched")
        rollback = [m for m in markers if m[1] == "rollback"]
        self.assertEqual(rollback[0][3:], ("rolled-back", "nothing-to-undo"))
        polls = [m for m in markers if m[1] == "await-ready"]
        self.assertTrue(polls)
        self.assertEqual({m[3] for m in polls}, {"not-ready"})
        # The old version kept serving: the same processes, still 1.0.0.
        self.assertEqual(self.answering("1.0.0"), self.v1_pids)

    def test_fixed_plan_killed_mid_upgrade_resumes_exactly_once(self):
        # LP_HOLD: api's start command, after launching api 2.0.0, writes a
        # "held" marker and waits; we SIGKILL upgradectl there.
        env = dict(self.env, LP_HOLD="api/start-new")
        proc = subprocess.Popen(
            self.ctl_args("fixed.yaml", "fixed.journal", "--format", "json"),
            env=env, cwd=self.dir, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.addCleanup(self._stop, proc)
        deadline = time.monotonic() + 30
        held = None
        while held is None:
            held = next((m for m in self.read_markers() if m[3] == "held"),
                        None)
            if held is None:
                self.assertLess(time.monotonic(), deadline,
                                "api/start-new never ran")
                self.assertIsNone(proc.poll(), "upgradectl ended early")
                time.sleep(0.05)
        group = int(held[4][len("pgid="):])
        self.addCleanup(self._killpg, group)
        proc.kill()  # SIGKILL: upgradectl writes nothing more
        proc.wait(timeout=10)
        self._killpg(group)  # the held command too, as if the machine died
        # ... but not the servers: they run in sessions of their own.

        before = self.read_markers()
        self.assertEqual(
            [m[:2] for m in before if m[3] != "held"],
            [("db", s) for s in FORWARD] +
            [("api", "preflight"), ("api", "terminate-old"),
             ("api", "start-new")])
        # api 2.0.0 was launched before the kill and survived it.
        api_pid = int(next(m for m in before if m[:2] == ("api", "start-new")
                           and m[3] == "launched")[4][len("pid="):])
        self.assertTrue(lp.alive(api_pid, "api", "2.0.0"))

        r = self.run_ctl("fixed.yaml", "fixed.journal", "--resume")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("api/start-new attempt 1", r.stderr)
        self.assertIn("--assume", r.stderr)

        r = self.run_ctl("fixed.yaml", "fixed.journal", "--resume",
                         "--assume", "rerun")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("api/start-new was in doubt: running it again",
                      r.stdout)

        markers = [m for m in self.read_markers() if m[3] != "held"]
        runs = {}
        for m in markers:
            runs.setdefault((m[0], m[1]), []).append(m[3])
        expected = {(c, s) for c in SERVICES for s in FORWARD}
        self.assertEqual(set(runs), expected)  # no rollback, nothing else
        for key, what in sorted(runs.items()):
            with self.subTest(step=key):
                if key == ("api", "start-new"):
                    # The step in doubt ran twice; its second run found the
                    # instance the first one launched.
                    self.assertEqual(what, ["launched", "already-running"])
                else:
                    self.assertEqual(len(what), 1, what)
        # Every effect exactly once: each old instance stopped once, each new
        # one launched once, each became ready once.
        for svc in SERVICES:
            self.assertEqual(runs[(svc, "terminate-old")], ["stopped"])
            self.assertEqual(runs[(svc, "await-ready")], ["ready"])
            self.assertEqual(runs[(svc, "verify")], ["healthy"])
        self.assertTrue(all(m[2] == "1" for m in markers), markers)

        pids = self.answering("2.0.0")
        self.assertEqual(pids["api"], api_pid)
        for svc in SERVICES:
            self.assertNotEqual(pids[svc], self.v1_pids[svc])
            self.assertFalse(lp.alive(self.v1_pids[svc]), svc)
            self.assertFalse(os.path.exists(
                os.path.join(self.state, f"{svc}-1.0.0.pid")))

    @staticmethod
    def _stop(proc):
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()

    @staticmethod
    def _killpg(group):
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass


if __name__ == "__main__":
    unittest.main()
