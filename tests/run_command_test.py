"""End to end: `upgradectl run` executes a plan's commands (docs/run.md), as a
user runs it: a separate process, in a temporary directory, with marker files
written by the commands. Every process a test starts is stopped at the end,
also when the test fails."""

import json
import os
import pty
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.join(os.environ.get("TEST_SRCDIR", "."), "upgrade_core")
UPGRADECTL = os.path.join(ROOT, "tools", "upgradectl", "upgradectl")

# Each command appends "<component> <step>" to order.log and one line to
# <component>.<step>.count: the count is how many times it ran.
MARK = 'echo "$UPGRADE_COMPONENT $UPGRADE_STEP" >> order.log; ' \
       'echo x >> "$UPGRADE_COMPONENT.$UPGRADE_STEP.count"'


def command(extra=""):
    return json.dumps({"run": MARK + extra})


def plan_yaml(on_failure="rollback-all", b_verify="true", b_apply_extra="",
              name="t"):
    return f"""apiVersion: upgrade-core/v1
kind: UpgradePlan
metadata: {{name: {name}}}
policy: {{onFailure: {on_failure}, maxParallel: 1}}
components:
  - id: a
    version: {{from: 1.0.0, to: 2.0.0}}
    commands:
      preflight: {command()}
      terminate: {command()}
      apply: {command()}
      await: {command()}
      rollback: {command()}
    verify:
      - {{name: ok, run: {json.dumps(MARK)}}}
  - id: b
    dependsOn: [a]
    version: {{from: 1.0.0, to: 2.0.0}}
    commands:
      preflight: {command()}
      terminate: {command()}
      apply: {command(b_apply_extra)}
      await: {command()}
      rollback: {command()}
    verify:
      - {{name: check, run: {json.dumps(MARK + "; " + b_verify)}}}
"""


# While the file `slow` exists, b's apply writes its shell's pid (its
# process group) to apply.pid and hangs.
SLOW_B_APPLY = "; if [ -e slow ]; then echo $$ > apply.pid; sleep 30; fi"

FORWARD = ["preflight", "terminate-old", "start-new", "await-ready", "verify"]


class RunCommandTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.plan = os.path.join(self.dir, "plan.yaml")
        self.journal = os.path.join(self.dir, "run.journal")

    def write_plan(self, text):
        with open(self.plan, "w", encoding="utf-8") as f:
            f.write(text)

    def run_ctl(self, *args):
        return subprocess.run(
            [UPGRADECTL, "run", self.plan, "--journal", self.journal, *args],
            cwd=self.dir, capture_output=True, text=True, timeout=60,
            stdin=subprocess.DEVNULL)

    def read(self, name):
        path = os.path.join(self.dir, name)
        if not os.path.exists(path):
            return ""
        with open(path, encoding="utf-8") as f:
            return f.read()

    def wait_for_file(self, name):
        """Waits (at most 20 s) until a command has created `name`."""
        deadline = time.monotonic() + 20
        while not os.path.exists(os.path.join(self.dir, name)):
            self.assertLess(time.monotonic(), deadline, f"{name} never appeared")
            time.sleep(0.02)

    def counts(self):
        return {n[:-len(".count")]: len(self.read(n).splitlines())
                for n in os.listdir(self.dir) if n.endswith(".count")}

    def test_runs_every_command_once_in_order(self):
        self.write_plan(plan_yaml(b_verify="env | grep ^UPGRADE_ > env.txt"))
        r = self.run_ctl("--format", "json")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        order = self.read("order.log").splitlines()
        self.assertEqual(order, [f"a {s}" for s in FORWARD] +
                         [f"b {s}" for s in FORWARD])
        self.assertEqual(set(self.counts().values()), {1})
        env = self.read("env.txt").splitlines()
        self.assertIn(f"UPGRADE_PLAN={self.plan}", env)
        self.assertIn(f"UPGRADE_JOURNAL={self.journal}", env)
        self.assertIn("UPGRADE_COMPONENT=b", env)
        self.assertIn("UPGRADE_STEP=verify", env)
        self.assertIn("UPGRADE_FROM_VERSION=1.0.0", env)
        self.assertIn("UPGRADE_TO_VERSION=2.0.0", env)
        self.assertIn("UPGRADE_ATTEMPT=1", env)
        events = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertTrue(all(e["version"] == 1 for e in events))
        started = [e["step"] for e in events if e["event"] == "step-started"]
        self.assertEqual(started, [f"{c}/{s}" for c in "ab" for s in FORWARD])
        finished = [e for e in events if e["event"] == "step-finished"]
        self.assertTrue(all(e["outcome"] == "succeeded" for e in finished))
        self.assertTrue(os.path.exists(finished[0]["log"]), finished[0])
        self.assertIn("/run.journal.logs/a_preflight.attempt-1.log",
                      finished[0]["log"])
        self.assertEqual(events[-1]["event"], "plan-finished")
        self.assertEqual(events[-1]["outcome"], "succeeded")
        self.assertEqual(events[-1]["exitCode"], 0)

    def test_failing_verify_rolls_back_in_order(self):
        self.write_plan(plan_yaml(b_verify="echo broken; exit 7"))
        r = self.run_ctl()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("FAILED b/verify", r.stdout)
        self.assertIn("exit code 7", r.stdout)
        self.assertIn("broken", r.stdout)
        self.assertIn("plan rolled_back", r.stdout.replace("rolled-back",
                                                           "rolled_back"))
        order = self.read("order.log").splitlines()
        # Dependents first: b is rolled back before a.
        self.assertEqual(order[-2:], ["b rollback", "a rollback"])
        self.assertEqual(self.counts()["b.rollback"], 1)
        self.assertEqual(self.counts()["a.rollback"], 1)

    def kill_during_b_apply(self):
        """Runs the plan and SIGKILLs upgradectl (and, as if the machine died,
        the command's group) while b/start-new runs: the step is in doubt."""
        # b's apply writes its mark first, then (on the first run) hangs: the
        # rerun after the kill writes it again, so its count is 2; every
        # other step ran exactly once.
        proc, group = self.start_and_wait_for_b_apply(
            plan_yaml(b_apply_extra=SLOW_B_APPLY), "--format", "json")
        proc.kill()  # SIGKILL: no chance to write anything more
        proc.wait(timeout=10)
        self._killpg(group)
        os.remove(os.path.join(self.dir, "slow"))

    def test_killed_run_resumes_and_reruns_the_step_in_doubt(self):
        self.kill_during_b_apply()

        r = self.run_ctl("--resume")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("in doubt (the first: b/start-new attempt 1", r.stderr)
        self.assertIn("--assume", r.stderr)
        r = self.run_ctl()
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("already holds a run of plan 't'", r.stderr)
        self.assertIn("--resume", r.stderr)

        r = self.run_ctl("--resume", "--assume", "rerun")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("b/start-new was in doubt: running it again", r.stdout)
        counts = self.counts()
        self.assertEqual(counts.pop("b.start-new"), 2)
        self.assertEqual(sorted(counts), sorted(
            f"{c}.{s}" for c in "ab" for s in FORWARD if f"{c}.{s}" !=
            "b.start-new"))
        self.assertEqual(set(counts.values()), {1})

    def test_journal_of_another_plan_is_refused(self):
        self.write_plan(plan_yaml())
        self.assertEqual(self.run_ctl().returncode, 0)
        self.write_plan(plan_yaml(name="other"))
        r = self.run_ctl("--resume")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("upgradectl run: ", r.stderr)
        self.assertIn("run.journal belongs to plan 't'", r.stderr)
        self.assertIn("not to plan 'other'", r.stderr)
        self.assertNotIn("--assume", r.stderr)
        self.assertEqual(len(self.read("order.log").splitlines()), 10)

    def test_plan_with_check_errors_is_refused_unless_forced(self):
        text = plan_yaml().replace(
            "  - id: a\n", "  - id: a\n    exclusive: [\"lock:x\"]\n").replace(
            "  - id: b\n    dependsOn: [a]\n",
            "  - id: b\n    exclusive: [\"lock:x\"]\n").replace(
            "maxParallel: 1", "maxParallel: 2")
        self.write_plan(text)
        r = self.run_ctl()
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("error", r.stderr)
        self.assertIn("refusing to run", r.stderr)
        self.assertIn("--force exclusive.shared", r.stderr)
        self.assertEqual(self.read("order.log"), "")
        self.assertFalse(os.path.exists(self.journal))
        r = self.run_ctl("--force", "exclusive.shared", "--force", "nope")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("--force nope: no error with this code", r.stderr)
        self.assertEqual(set(self.counts().values()), {1})

    def test_bad_flags(self):
        self.write_plan(plan_yaml())
        for args, message in [
            (["--format", "xml"], "--format must be text or json"),
            (["--assume", "rerun"], "--assume applies to --resume only"),
            (["--resume", "--assume", "maybe"], "--assume must be"),
            (["--workers", "0"], "--workers must be"),
        ]:
            with self.subTest(args=args):
                r = self.run_ctl(*args)
                self.assertEqual(r.returncode, 2)
                self.assertIn(message, r.stderr)
        r = subprocess.run([UPGRADECTL, "run", self.plan], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--journal FILE is required", r.stderr)

    def test_sigint_lets_the_running_step_finish(self):
        slow = "; if [ -e slow ]; then touch started; sleep 1; fi"
        self.write_plan(plan_yaml(b_apply_extra=slow))
        open(os.path.join(self.dir, "slow"), "w").close()
        proc = subprocess.Popen(
            [UPGRADECTL, "run", self.plan, "--journal", self.journal],
            cwd=self.dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True)
        self.addCleanup(self._stop, proc)
        self.wait_for_file("started")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 3, out + err)
        self.assertIn("interrupted", out)
        self.assertIn("ok     b/start-new", out)  # it finished
        self.assertNotIn("b await-ready", self.read("order.log"))
        os.remove(os.path.join(self.dir, "slow"))
        r = self.run_ctl("--resume")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(set(self.counts().values()), {1})

    def start_and_wait_for_b_apply(self, plan_text, *extra):
        """Starts the run; returns (process, process group of b's apply)
        once b's apply command is running."""
        self.write_plan(plan_text)
        open(os.path.join(self.dir, "slow"), "w").close()
        proc = subprocess.Popen(
            [UPGRADECTL, "run", self.plan, "--journal", self.journal, *extra],
            cwd=self.dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True)
        self.addCleanup(self._stop, proc)
        deadline = time.monotonic() + 20
        while not self.read("apply.pid"):
            self.assertLess(time.monotonic(), deadline, "b/start-new never ran")
            self.assertIsNone(proc.poll(), "upgradectl ended early")
            time.sleep(0.02)
        group = int(self.read("apply.pid"))
        self.addCleanup(self._killpg, group)
        return proc, group

    def assert_group_gone(self, group):
        deadline = time.monotonic() + 5
        while True:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            self.assertLess(time.monotonic(), deadline, "group still alive")
            time.sleep(0.02)

    def test_second_sigint_kills_the_commands_and_rolls_back(self):
        proc, group = self.start_and_wait_for_b_apply(
            plan_yaml(b_apply_extra=SLOW_B_APPLY))
        proc.send_signal(signal.SIGINT)
        time.sleep(0.2)
        self.assertIsNone(proc.poll())  # draining: the command still runs
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 3, out + err)
        self.assertIn("interrupted twice: killing the running commands", out)
        self.assertIn("aborted: rolling back", out)
        self.assertIn("plan rolled_back", out)
        self.assert_group_gone(group)
        # Both touched components were rolled back, dependents first, once.
        order = self.read("order.log").splitlines()
        self.assertEqual(order[-2:], ["b rollback", "a rollback"])
        self.assertEqual(self.counts()["b.rollback"], 1)
        self.assertEqual(self.counts()["a.rollback"], 1)
        # The journal records a finished run: nothing is in doubt.
        r = self.run_ctl("--resume")
        self.assertNotIn("in doubt", r.stderr)

    def test_third_sigint_exits_at_once_leaving_steps_in_doubt(self):
        text = plan_yaml(b_apply_extra=SLOW_B_APPLY).replace(
            "      rollback: " + command() + "\n",
            "      rollback: " + command("; touch rb.started; sleep 30") + "\n", 1)
        # a's rollback (the last to run) is slow; b's rolls back first.
        proc, group = self.start_and_wait_for_b_apply(text)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        self.wait_for_file("rb.started")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 3, out + err)
        self.assertIn("interrupted a third time: exiting now", out)
        os.remove(os.path.join(self.dir, "slow"))
        r = self.run_ctl("--resume")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("a/rollback", r.stderr)  # in doubt

    def test_dry_run_simulates_and_runs_nothing(self):
        self.write_plan(plan_yaml())
        r = subprocess.run([UPGRADECTL, "run", self.plan, "--dry-run"],
                           cwd=self.dir, capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("dry run: no command runs", r.stdout)
        self.assertIn("succeeded", r.stdout)
        self.assertEqual(self.read("order.log"), "")
        self.assertFalse(os.path.exists(self.journal))
        r = subprocess.run([UPGRADECTL, "run", self.plan, "--dry-run",
                            "--format", "json", "--seed", "7"],
                           cwd=self.dir, capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["outcome"], "succeeded")
        for args, message in [
            (["--journal", self.journal], "does not go with --journal"),
            (["--seed", "x"], "--seed must be a non-negative integer"),
        ]:
            with self.subTest(args=args):
                r = subprocess.run([UPGRADECTL, "run", self.plan, "--dry-run",
                                    *args], cwd=self.dir, capture_output=True,
                                   text=True, timeout=30)
                self.assertEqual(r.returncode, 2)
                self.assertIn(message, r.stderr)
        r = self.run_ctl("--cluster", "c.yaml")
        self.assertEqual(r.returncode, 2)
        self.assertIn("apply to --dry-run only", r.stderr)

    def test_dry_run_refuses_what_the_run_refuses(self):
        text = plan_yaml().replace(
            "  - id: a\n", "  - id: a\n    exclusive: [\"lock:x\"]\n").replace(
            "  - id: b\n    dependsOn: [a]\n",
            "  - id: b\n    exclusive: [\"lock:x\"]\n").replace(
            "maxParallel: 1", "maxParallel: 2")
        self.write_plan(text)
        r = subprocess.run([UPGRADECTL, "run", self.plan, "--dry-run"],
                           cwd=self.dir, capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("refusing to run", r.stderr)
        r = subprocess.run([UPGRADECTL, "run", self.plan, "--dry-run",
                            "--force", "exclusive.shared"],
                           cwd=self.dir, capture_output=True, text=True,
                           timeout=30)
        self.assertIn("dry run", r.stdout)
        self.assertIn(r.returncode, (0, 1))
        self.assertEqual(self.read("order.log"), "")

    def test_live_status_line_on_a_terminal(self):
        slow = "; if [ -e slow ]; then sleep 1.5; fi"
        self.write_plan(plan_yaml(b_apply_extra=slow))
        open(os.path.join(self.dir, "slow"), "w").close()
        master, slave = pty.openpty()
        proc = subprocess.Popen(
            [UPGRADECTL, "run", self.plan, "--journal", self.journal],
            cwd=self.dir, stdin=subprocess.DEVNULL, stdout=slave,
            stderr=subprocess.PIPE)
        os.close(slave)
        self.addCleanup(self._stop, proc)
        screen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            screen += chunk
        os.close(master)
        self.assertEqual(proc.wait(timeout=30), 0)
        text = screen.decode()
        # The status line: erased and repainted in place, with the running
        # step's elapsed time (it ran 1.5 s: the ticker repainted it).
        self.assertIn("\r\x1b[K", text)
        self.assertRegex(text, r"\d+/10 steps \| running: b/start-new \d+s")
        self.assertIn("ok     b/start-new", text)
        # Output that is not a terminal: lines only.
        os.remove(os.path.join(self.dir, "slow"))
        self.journal = os.path.join(self.dir, "second.journal")
        r = self.run_ctl()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("\x1b[K", r.stdout + r.stderr)

    def test_on_a_terminal_resume_asks_about_steps_in_doubt(self):
        self.kill_during_b_apply()
        master, slave = pty.openpty()
        self.addCleanup(os.close, master)
        proc = subprocess.Popen(
            [UPGRADECTL, "run", self.plan, "--journal", self.journal,
             "--resume"],
            cwd=self.dir, stdin=slave, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        os.close(slave)
        self.addCleanup(self._stop, proc)
        os.write(master, b"maybe\nr\n")  # asked again after a bad answer
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, out + err)
        self.assertEqual(err.count("b/start-new (attempt 1) was running"), 2)
        self.assertEqual(self.counts()["b.start-new"], 2)

    def test_sigint_on_a_terminal_drains_too(self):
        # The status line's thread must not take the signal (the default
        # action would end the process at once).
        slow = "; if [ -e slow ]; then touch started; sleep 3; fi"
        self.write_plan(plan_yaml(b_apply_extra=slow))
        open(os.path.join(self.dir, "slow"), "w").close()
        master, slave = pty.openpty()
        self.addCleanup(os.close, master)
        proc = subprocess.Popen(
            [UPGRADECTL, "run", self.plan, "--journal", self.journal],
            cwd=self.dir, stdin=subprocess.DEVNULL, stdout=slave,
            stderr=subprocess.PIPE)
        os.close(slave)
        self.addCleanup(self._stop, proc)
        self.wait_for_file("started")
        time.sleep(1.1)  # the ticker has repainted at least once
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(timeout=20), 3)

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
