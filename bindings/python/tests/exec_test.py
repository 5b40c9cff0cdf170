"""upgrade_core.Orchestrator from Python: driving plans with a fake clock,
failure policies, operator commands, bad reports, the journal and recovery."""

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest

import upgrade_core
from upgrade_core import Orchestrator, Outcome, PlanOutcome


def compile_yaml(text):
    return upgrade_core.compile_plan(upgrade_core.Plan.from_yaml(textwrap.dedent(text)))


# a <- b <- c (c depends on b, b on a); rollback-all.
CHAIN = """\
    apiVersion: upgrade-core/v1
    kind: UpgradePlan
    metadata: {name: chain}
    policy: {onFailure: %s}
    components:
      - {id: a}
      - {id: b, dependsOn: [a]}
      - {id: c, dependsOn: [b]}
    """


def chain(policy="rollback-all"):
    return compile_yaml(CHAIN % policy)


def drive(orch, now=0, fail=(), limit=1000, seen=None):
    """Runs `orch` to its end, every action taking 1 s; steps in `fail` fail.
    Returns (the step ids run, in order; the clock at the end). `seen`, a
    list, receives the actions."""
    ran = []
    for _ in range(limit):
        if orch.done:
            return ran, now
        actions = orch.next_actions(now)
        if not actions:
            wake = orch.next_wakeup
            if wake is None:
                return ran, now  # waits for an operator
            now = max(now, wake)
            continue
        for a in actions:
            now += 1000
            ran.append(a.step)
            if seen is not None:
                seen.append(a)
            if a.step in fail:
                orch.report(a, "failed", now, reason="boom")
            else:
                orch.report(a.id, Outcome.SUCCEEDED, now)
    raise AssertionError("the plan did not end")


class DriveTest(unittest.TestCase):
    def test_runs_a_plan_to_success(self):
        orch = Orchestrator(chain())
        self.assertIs(orch.outcome, PlanOutcome.RUNNING)
        self.assertFalse(orch.done)
        first = orch.next_actions(0)
        self.assertEqual([a.step for a in first], ["a/preflight"])
        a = first[0]
        self.assertEqual((a.id, a.component, a.kind, a.attempt, a.rollback,
                          a.issued_at_ms, a.step_index), (1, "a", "preflight", 1, False, 0, 0))
        self.assertEqual(orch.in_flight(), first)
        self.assertEqual(orch.next_actions(0), [])  # each action once
        orch.report(a, "succeeded", 1000)
        ran, now = drive(orch, 1000)
        self.assertEqual(ran[:4], ["a/terminate-old", "a/start-new", "a/await-ready", "a/verify"])
        self.assertEqual(ran[-1], "c/verify")
        self.assertTrue(orch.done)
        self.assertEqual(orch.outcome, "succeeded")
        self.assertIsNone(orch.next_wakeup)
        self.assertEqual(orch.in_flight(), [])
        status = orch.status()
        self.assertIs(status.outcome, PlanOutcome.SUCCEEDED)
        self.assertEqual((status.done, status.running, status.pending, status.failed,
                          status.skipped), (15, 0, 0, 0, 0))
        self.assertEqual([(c.id, c.state, c.finished) for c in status.components],
                         [("a", "succeeded", True), ("b", "succeeded", True),
                          ("c", "succeeded", True)])
        self.assertEqual(status.components[2].since_ms, now)
        self.assertEqual(status.blocked, [])
        self.assertTrue(str(status).startswith(
            "plan: succeeded\nsteps: 15 done, 0 running, 0 pending, 0 failed, 0 skipped\n"))
        self.assertIn("  c: succeeded since 00:00:15\n", str(status))
        self.assertEqual(orch.coverage().reversible, ["a", "b", "c"])
        self.assertRegex(orch.plan_hash, r"^[0-9a-f]{64}$")

    def test_deadline_retry_and_next_wakeup(self):
        orch = Orchestrator(compile_yaml("""\
            apiVersion: upgrade-core/v1
            kind: UpgradePlan
            metadata: {name: retry}
            policy: {onFailure: continue, defaultTimeout: 10s}
            components:
              - {id: a, retry: {attempts: 2, backoff: 1s}}
            """), seed=7)
        (pre,) = orch.next_actions(0)
        self.assertEqual(pre.deadline_ms, 10000)
        self.assertEqual(orch.next_wakeup, 10000)
        orch.report(pre, "progress", 500, reason="checking")
        self.assertIn("checking", orch.status().components[0].note)
        self.assertEqual(orch.next_actions(10000), [])  # timed out, backing off
        wake = orch.next_wakeup
        self.assertGreater(wake, 10000)
        (retry,) = orch.next_actions(wake)
        self.assertEqual((retry.step, retry.attempt), ("a/preflight", 2))
        self.assertTrue(any("timed out after 10s" in e for e in orch.status().events))


class PolicyTest(unittest.TestCase):
    def test_rollback_all_undoes_dependents_first(self):
        orch = Orchestrator(chain("rollback-all"))
        ran, _ = drive(orch, fail={"c/start-new"})
        self.assertEqual(orch.outcome, PlanOutcome.ROLLED_BACK)
        self.assertEqual([s for s in ran if s.endswith("/rollback")],
                         ["c/rollback", "b/rollback", "a/rollback"])
        status = orch.status()
        self.assertEqual([c.state for c in status.components], ["rolled_back"] * 3)
        self.assertEqual((status.rollback_done, status.rollback_failed), (3, 0))
        self.assertIn("rollback: 3 done", str(status))

    def test_rollback_actions_are_marked(self):
        plan = chain("rollback-all")
        orch = Orchestrator(plan)
        seen = []
        drive(orch, fail={"a/start-new"}, seen=seen)
        self.assertEqual([(a.step, a.kind, a.rollback) for a in seen[-2:]],
                         [("a/start-new", "start-new", False),
                          ("a/rollback", "rollback", True)])
        start, rollback = seen[-2:]
        self.assertEqual(plan.steps[start.step_index].id, "a/start-new")
        self.assertEqual(plan.rollback_steps[rollback.step_index].id, "a/rollback")
        self.assertEqual(orch.outcome, PlanOutcome.ROLLED_BACK)

    def test_continue_skips_dependents(self):
        orch = Orchestrator(chain("continue"))
        drive(orch, fail={"b/verify"})
        self.assertEqual(orch.outcome, "failed")
        notes = {c.id: c.note for c in orch.status().components}
        self.assertEqual(notes["c"], "skipped: depends on b, which failed")

    def test_pause_and_resume(self):
        orch = Orchestrator(chain())
        (a,) = orch.next_actions(0)
        orch.pause(10)
        self.assertEqual(orch.outcome, PlanOutcome.PAUSING)
        orch.report(a, "succeeded", 20)
        self.assertEqual(orch.outcome, PlanOutcome.PAUSED)
        self.assertEqual(orch.next_actions(30), [])
        self.assertIn("a/terminate-old waits for Resume: the plan is paused",
                      orch.status().blocked)
        with self.assertRaisesRegex(upgrade_core.Error, "the plan is paused") as cm:
            orch.pause(40)
        self.assertEqual(cm.exception.code, "FAILED_PRECONDITION")
        orch.resume(50)
        (t,) = orch.next_actions(60)
        self.assertEqual(t.step, "a/terminate-old")
        orch.report(t, "succeeded", 70)
        drive(orch, 70)
        self.assertEqual(orch.outcome, PlanOutcome.SUCCEEDED)

    def test_abort_rolls_back(self):
        orch = Orchestrator(chain("continue"))
        for _ in range(3):  # a/preflight, terminate-old, start-new
            (x,) = orch.next_actions(0)
            orch.report(x, "succeeded", 0)
        orch.abort(1)
        self.assertEqual(orch.outcome, PlanOutcome.ROLLING_BACK)
        drive(orch, 1)
        self.assertEqual(orch.outcome, PlanOutcome.ROLLED_BACK)


class BadInputTest(unittest.TestCase):
    def setUp(self):
        self.orch = Orchestrator(chain())
        (self.a,) = self.orch.next_actions(1000)

    def test_unknown_action(self):
        with self.assertRaisesRegex(upgrade_core.InputError,
                                    r"action 9 was never issued \(issued so far: 1..1\)"):
            self.orch.report(9, "succeeded", 1000)

    def test_already_finished(self):
        self.orch.report(self.a, "succeeded", 1000)
        with self.assertRaises(upgrade_core.Error) as cm:
            self.orch.report(self.a, "failed", 1000, reason="late")
        self.assertNotIsInstance(cm.exception, ValueError)
        self.assertEqual(cm.exception.code, "FAILED_PRECONDITION")
        self.assertIn("action 1 (a/preflight, attempt 1) already finished", str(cm.exception))

    def test_time_going_backwards(self):
        with self.assertRaisesRegex(ValueError, "999"):
            self.orch.report(self.a, "succeeded", 999)

    def test_bad_arguments(self):
        cases = [
            (("done",), {}, "outcome must be 'succeeded', 'failed' or 'progress'"),
            ((True,), {}, "outcome must be .* not True"),
            (("succeeded",), {"reason": "x"}, "reason is for 'failed' and 'progress'"),
            (("failed",), {"observed": 3}, "observed .* is for 'succeeded'"),
            (("succeeded",), {"observed": "3"}, "observed must be an int"),
            (("failed",), {"reason": 3}, "reason must be a str"),
        ]
        for args, kwargs, message in cases:
            with self.subTest(args=args, kwargs=kwargs):
                with self.assertRaisesRegex(upgrade_core.InputError, message):
                    self.orch.report(self.a, *args, 1000, **kwargs)
        for bad in (0, -1, "1", 1.0, None):
            with self.subTest(action_id=bad):
                with self.assertRaisesRegex(ValueError, "action_id must be an Action"):
                    self.orch.report(bad, "succeeded", 1000)
        # Nothing changed.
        self.assertEqual(self.orch.in_flight(), [self.a])

    def test_bad_journal_argument(self):
        with self.assertRaisesRegex(TypeError, "journal must be a path"):
            Orchestrator(chain(), journal=3)


class JournalTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "run.journal")

    def tearDown(self):
        self.dir.cleanup()

    def test_recover_after_a_crash(self):
        plan = chain()
        orch = Orchestrator(plan, journal=self.path, seed=3)
        self.assertEqual(orch.journal, self.path)
        self.assertIsNone(orch.journal_tail_dropped)
        now = 0
        for _ in range(4):
            (x,) = orch.next_actions(now)
            now += 1000
            orch.report(x, "succeeded", now)
        (pending,) = orch.next_actions(now)  # a/verify, then "the crash"
        before = str(orch.status())
        del orch

        orch, in_doubt = Orchestrator.recover(plan, self.path, seed=3)
        self.assertEqual(in_doubt, [pending])
        self.assertEqual(in_doubt[0].step, "a/verify")
        self.assertEqual(str(orch.status()), before)
        orch.report(in_doubt[0], "succeeded", now + 1000)
        drive(orch, now + 1000)
        self.assertEqual(orch.outcome, "succeeded")
        orch.close()
        orch.close()  # idempotent
        with self.assertRaisesRegex(upgrade_core.Error, "closed"):
            orch.status()

        # A finished run recovers finished, with nothing in doubt.
        with Orchestrator.recover(plan, self.path, seed=3)[0] as again:
            self.assertEqual(again.outcome, PlanOutcome.SUCCEEDED)

    def test_recover_of_a_new_journal_is_a_fresh_run(self):
        orch, in_doubt = Orchestrator.recover(chain(), self.path)
        self.assertEqual(in_doubt, [])
        self.assertEqual([a.id for a in orch.next_actions(0)], [1])

    def test_a_new_run_refuses_a_journal_with_records(self):
        with Orchestrator(chain(), journal=self.path) as orch:
            orch.next_actions(0)
        with self.assertRaisesRegex(upgrade_core.Error,
                                    "already holds 1 records of plan chain: "
                                    r"continue it with Orchestrator.recover"):
            Orchestrator(chain(), journal=self.path)
        # The failed open released the lock.
        Orchestrator.recover(chain(), self.path)

    def test_journal_of_another_plan_is_refused(self):
        first = chain("rollback-all")
        with Orchestrator(first, journal=self.path) as orch:
            first_hash = orch.plan_hash
        other = chain("continue")
        other_hash = Orchestrator(other).plan_hash
        self.assertNotEqual(first_hash, other_hash)
        for make in (lambda: Orchestrator(other, self.path),
                     lambda: Orchestrator.recover(other, self.path)):
            with self.assertRaises(upgrade_core.Error) as cm:
                make()
            self.assertEqual(cm.exception.code, "FAILED_PRECONDITION")
            self.assertIn(first_hash, str(cm.exception))
            self.assertIn(other_hash, str(cm.exception))

    def test_locked_by_another_process_names_the_pid(self):
        holder = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(f"""\
                import sys, upgrade_core
                plan = upgrade_core.compile_plan(upgrade_core.Plan.from_yaml({CHAIN % 'rollback-all'!r}.replace('\\n    ', '\\n').strip() + '\\n'))
                orch = upgrade_core.Orchestrator(plan, journal={self.path!r})
                print('open', flush=True)
                sys.stdin.read()
                """)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
        try:
            self.assertEqual(holder.stdout.readline().strip(), "open")
            with self.assertRaisesRegex(upgrade_core.Error,
                                        f"locked by pid {holder.pid}"):
                Orchestrator.recover(chain(), self.path)
        finally:
            holder.stdin.close()
            holder.wait(10)
            holder.stdout.close()
        Orchestrator.recover(chain(), self.path)  # free again

    def test_torn_tail_is_dropped_and_named(self):
        with Orchestrator(chain(), journal=self.path) as orch:
            (a,) = orch.next_actions(0)
            orch.report(a, "succeeded", 1000)
        with open(self.path, "ab") as f:
            f.write(b"\x01\x02\x03")  # a record torn by a crash
        orch, in_doubt = Orchestrator.recover(chain(), self.path)
        self.assertRegex(orch.journal_tail_dropped, r"dropped 3 bytes at offset \d+")
        self.assertEqual(in_doubt, [])
        self.assertEqual([x.step for x in orch.next_actions(1000)], ["a/terminate-old"])

    def test_missing_directory(self):
        with self.assertRaises(upgrade_core.Error) as cm:
            Orchestrator(chain(), os.path.join(self.dir.name, "no", "run.journal"))
        self.assertIn("no", str(cm.exception))


class ReprTest(unittest.TestCase):
    def test_reprs(self):
        orch = Orchestrator(chain())
        self.assertEqual(repr(orch), "<Orchestrator chain: running>")
        (a,) = orch.next_actions(5)
        self.assertEqual(repr(a), "Action(id=1, step='a/preflight', attempt=1, deadline_ms=600005)")
        self.assertEqual(repr(orch.status().components[0]),
                         "ComponentStatus(id='a', state='preflight', since_ms=5, finished=False)")
        self.assertEqual(repr(orch.status()),
                         "<OrchestratorStatus running: 0 done, 1 running, 14 pending, "
                         "0 failed, 0 skipped>")
        self.assertEqual(repr(orch.coverage()),
                         "RollbackCoverage(reversible=['a', 'b', 'c'], irreversible=[], "
                         "committed=[])")
        self.assertEqual(repr(Outcome.FAILED), "Outcome.FAILED")
        self.assertEqual(str(PlanOutcome.ROLLED_BACK), "rolled_back")
        self.assertEqual(f"{PlanOutcome.PAUSED}", "paused")
        self.assertTrue(PlanOutcome.FAILED.terminal)
        self.assertFalse(PlanOutcome.PAUSED.terminal)


class ThreadsTest(unittest.TestCase):
    def test_calls_from_several_threads_are_serialized(self):
        # Many components in one wave; threads report concurrently.
        components = "\n".join(f"  - {{id: c{i}}}" for i in range(40))
        orch = Orchestrator(compile_yaml(
            "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: wide}\n"
            "components:\n" + components + "\n"))
        errors = []
        lock = threading.Lock()
        clock = [0]

        def worker():
            try:
                while not orch.done:
                    with lock:
                        clock[0] += 1
                        now = clock[0]
                        actions = orch.next_actions(now)
                    for a in actions:
                        with lock:
                            clock[0] += 1
                            orch.report(a, "succeeded", clock[0])
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(orch.outcome, PlanOutcome.SUCCEEDED)


class ExecutorTest(unittest.TestCase):
    def test_python_runner_and_progress(self):
        plan = chain()
        orch = Orchestrator(plan)
        ran, progress, statuses = [], [], []

        def runner(action):
            ran.append(action.step)
            return "succeeded" if action.attempt % 2 else True

        def on_progress(p):
            progress.append(p)
            statuses.append(orch.status().outcome)  # reads are fine here

        executor = upgrade_core.Executor(orch, runner, workers=2, on_progress=on_progress)
        self.assertEqual(repr(executor), "<Executor chain, 2 workers>")
        self.assertIs(executor.orchestrator, orch)
        self.assertIs(executor.run(), PlanOutcome.SUCCEEDED)
        self.assertEqual(len(ran), 15)
        self.assertEqual(ran[0], "a/preflight")
        self.assertEqual([p.steps_total for p in progress[:1]], [15])
        self.assertEqual(progress[-1].steps_done, 15)
        self.assertEqual(progress[-1].outcome, "succeeded")
        self.assertIsNone(progress[-1].wave)
        self.assertTrue(all(s in ("running", "succeeded") for s in statuses))
        self.assertRegex(repr(progress[0]),
                         r"<ExecutorProgress running: 0/15 steps, running \['a/preflight'\]>")
        self.assertGreater(progress[-1].now_ms, 1_600_000_000_000)  # Unix epoch ms

    def test_raising_and_misbehaving_runners_fail_the_action(self):
        cases = [
            (RuntimeError("image pull backoff"), "RuntimeError: image pull backoff"),
            (False, "the runner failed"),
            (("failed", "quota exceeded"), "quota exceeded"),
            (None, "the runner returned None; expected 'succeeded'/True"),
            ("progress", "the runner returned 'progress'"),
            (("succeeded", "x"), "a success carries an int `observed`"),
        ]
        for result, reason in cases:
            with self.subTest(result=result):
                orch = Orchestrator(chain("continue"))

                def runner(action, result=result):
                    if action.step != "b/start-new":
                        return Outcome.SUCCEEDED
                    if isinstance(result, BaseException):
                        raise result
                    return result

                self.assertIs(upgrade_core.Executor(orch, runner).run(), PlanOutcome.FAILED)
                notes = {c.id: c.note for c in orch.status().components}
                self.assertIn(reason, notes["b"])
                self.assertEqual(notes["c"], "skipped: depends on b, which failed")

    def test_rollback_with_a_python_runner(self):
        orch = Orchestrator(chain("rollback-all"))
        ran = []

        def runner(action):
            ran.append(action.step)
            if action.step == "c/await-ready":
                raise TimeoutError("2/3 ready after 2m")
            return "succeeded"

        self.assertIs(upgrade_core.Executor(orch, runner).run(), PlanOutcome.ROLLED_BACK)
        self.assertEqual([s for s in ran if s.endswith("/rollback")],
                         ["c/rollback", "b/rollback", "a/rollback"])

    def test_gil_released_while_cpp_works(self):
        # The runner waits for another Python thread to make progress: if
        # run() (or the workers' C++ side) held the GIL, that thread could
        # never run and the runner would time out.
        orch = Orchestrator(chain())
        ticks = [0]
        stop = threading.Event()
        ticked = threading.Event()

        def ticker():
            while not stop.is_set():
                ticks[0] += 1
                if ticks[0] >= 1000:
                    ticked.set()
                for _ in range(100):
                    pass

        def runner(action):
            if action.id == 1:
                self.assertTrue(ticked.wait(10), "other Python threads did not run")
            return "succeeded"

        t = threading.Thread(target=ticker)
        t.start()
        try:
            self.assertIs(upgrade_core.Executor(orch, runner, workers=1).run(),
                          PlanOutcome.SUCCEEDED)
        finally:
            stop.set()
            t.join()
        self.assertGreaterEqual(ticks[0], 1000)

    def test_orchestrator_is_read_only_during_a_run(self):
        orch = Orchestrator(chain())
        errors = []

        def runner(action):
            for call in (lambda: orch.report(action, "succeeded", 0),
                         lambda: orch.status(), orch.close):
                try:
                    call()
                except upgrade_core.Error as e:
                    errors.append(str(e))
            return "succeeded"

        upgrade_core.Executor(orch, runner, workers=1).run()
        self.assertEqual(len(errors), 45)
        self.assertIn("is being run by an Executor", errors[0])
        self.assertEqual(orch.outcome, "succeeded")  # usable again

    def test_cancel_and_run_again(self):
        orch = Orchestrator(chain())
        executor = None

        def runner(action):
            if action.step == "b/preflight":
                executor.cancel()
            return "succeeded"

        executor = upgrade_core.Executor(orch, runner)
        self.assertIs(executor.run(), PlanOutcome.RUNNING)
        self.assertFalse(orch.done)
        self.assertEqual(orch.in_flight(), [])
        self.assertIs(executor.run(), PlanOutcome.SUCCEEDED)  # carries on

    def test_ctrl_c_cancels_the_run(self):
        orch = Orchestrator(chain())
        started = threading.Event()

        def runner(action):
            started.set()
            time.sleep(0.2)
            return "succeeded"

        def interrupt():
            started.wait(10)
            os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=interrupt).start()
        with self.assertRaises(KeyboardInterrupt):
            upgrade_core.Executor(orch, runner).run()
        # The action in flight finished and was reported; the run can go on.
        self.assertEqual(orch.in_flight(), [])
        self.assertFalse(orch.done)
        self.assertIs(upgrade_core.Executor(orch, lambda a: True).run(), PlanOutcome.SUCCEEDED)

    def test_progress_callback_error_cancels_and_raises(self):
        orch = Orchestrator(chain())

        def on_progress(p):
            if p.steps_done == 3:
                raise KeyError("stop here")

        with self.assertRaises(KeyError):
            upgrade_core.Executor(orch, lambda a: True, on_progress=on_progress).run()
        self.assertFalse(orch.done)

    def test_in_doubt_actions_must_be_reported_first(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "j")
            orch = Orchestrator(chain(), journal=path)
            orch.next_actions(0)
            del orch
            orch, in_doubt = Orchestrator.recover(chain(), path)
            with self.assertRaises(upgrade_core.Error) as cm:
                upgrade_core.Executor(orch, lambda a: True).run()
            self.assertEqual(cm.exception.code, "FAILED_PRECONDITION")
            orch.report(in_doubt[0], "succeeded", 1)
            self.assertIs(upgrade_core.Executor(orch, lambda a: True).run(),
                          PlanOutcome.SUCCEEDED)
            orch.close()

    def test_bad_arguments(self):
        orch = Orchestrator(chain())
        with self.assertRaisesRegex(TypeError, "runner must be a callable"):
            upgrade_core.Executor(orch, "succeeded")
        with self.assertRaisesRegex(TypeError, "must be an upgrade_core.Orchestrator"):
            upgrade_core.Executor(chain(), lambda a: True)
        with self.assertRaisesRegex(ValueError, "workers must be at least 1, not 0"):
            upgrade_core.Executor(orch, lambda a: True, workers=0)
        with self.assertRaisesRegex(TypeError, "on_progress must be a callable"):
            upgrade_core.Executor(orch, lambda a: True, on_progress=3)


if __name__ == "__main__":
    unittest.main()
