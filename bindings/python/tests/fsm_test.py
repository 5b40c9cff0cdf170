"""Tests of the Python surface of upgrade_core/fsm."""

import unittest

import upgrade_core
from upgrade_core import StateMachine, TransitionError

ISSUE_YAML = """\
initial: pending
terminal: [succeeded, rolled_back]
states: [pending, running, succeeded, failed, rolled_back]
transitions:
  - {from: pending, event: start, to: running}
  - {from: running, event: succeed, to: succeeded}
  - {from: running, event: fail, to: failed, guard: retries_left}   # guard/action: names bound at run time
  - {from: failed, event: rollback, to: rolled_back}
"""

DICT = {
    "name": "deploy",
    "initial": "pending",
    "terminal": ["succeeded", "rolled_back"],
    "states": [
        "pending",
        {"name": "running", "on_entry": "enter_running", "on_exit": "exit_running"},
        "succeeded",
        "failed",
        "rolled_back",
    ],
    "transitions": [
        {"from": "pending", "event": "start", "to": "running", "action": "on_start"},
        {"from": "running", "event": "succeed", "to": "succeeded"},
        {"from": "running", "event": "fail", "to": "running", "guard": "retries_left"},
        {"from": "running", "event": "fail", "to": "failed", "guard": "!retries_left"},
        {"from": "failed", "event": "rollback", "to": "rolled_back"},
    ],
}


class DefinitionTest(unittest.TestCase):
    def test_from_yaml(self):
        m = StateMachine.from_yaml(ISSUE_YAML)
        self.assertEqual(m.states, ["pending", "running", "succeeded", "failed", "rolled_back"])
        self.assertEqual(m.events, ["start", "succeed", "fail", "rollback"])
        self.assertEqual(m.initial, "pending")
        self.assertEqual(m.terminal, ["succeeded", "rolled_back"])
        self.assertEqual(m.guards, ["retries_left"])
        self.assertEqual(m.check(), [])
        self.assertEqual(m.allowed_events("running"), ["succeed", "fail"])

    def test_from_dict(self):
        m = StateMachine.from_dict(DICT)
        self.assertEqual(m.name, "deploy")
        self.assertEqual(m.actions, ["enter_running", "exit_running", "on_start"])
        self.assertEqual(m.check(), [])

    def test_bad_yaml_names_line(self):
        cases = [
            ("unknown state",
             "initial: a\nstates: [a]\ntransitions:\n  - {from: a, event: go, to: b}\n",
             "<input>:4:5: unknown state 'b'"),
            ("duplicate transition",
             "initial: a\nstates: [a, b]\ntransitions:\n"
             "  - {from: a, event: go, to: b}\n  - {from: a, event: go, to: a}\n",
             "<input>:5:5: duplicate transition from 'a' on event 'go'"),
            ("syntax", "initial: [a\n", "<input>:2:1: invalid YAML: did not find expected"),
            ("invalid UTF-8 bytes", b"initial: a\nname: \xff\n", "<input>:2:7: invalid YAML: invalid leading UTF-8 octet"),
        ]
        for name, text, want in cases:
            with self.subTest(name):
                with self.assertRaises(upgrade_core.InputError) as cm:
                    StateMachine.from_yaml(text)
                self.assertIsInstance(cm.exception, ValueError)
                self.assertIn(want, str(cm.exception))

    def test_bad_dict_names_path(self):
        cases = [
            ("not a dict", ["a"], "must be a mapping"),
            ("unknown state", {"initial": "a", "states": ["a"],
                               "transitions": [{"from": "a", "event": "e", "to": "z"}]},
             "transitions[0]: unknown state 'z'"),
            ("wrong type", {"initial": "a", "states": ["a", 3], "transitions": []},
             "states[1]: invalid state name '3'"),
            ("missing keys", {"name": "x"}, "missing key 'initial'"),
            ("unknown key", {"initial": "a", "states": ["a"], "transitions": [],
                             "colour": "red"}, "unknown key 'colour'"),
            ("row without event", {"initial": "a", "states": ["a"],
                                   "transitions": [{"from": "a", "to": "a"}]},
             "transitions[0]: transition without 'event'"),
            ("not plain data", {"initial": "a", "states": {"a"}, "transitions": []},
             "must be plain data"),
            ("wrong field type", {"initial": "a", "states": ["a"],
                                  "transitions": [{"from": ["a"], "event": "e", "to": "a"}]},
             "transitions[0].from: want a name, got list"),
        ]
        for name, d, want in cases:
            with self.subTest(name):
                with self.assertRaises(upgrade_core.InputError) as cm:
                    StateMachine.from_dict(d)
                self.assertIn(want, str(cm.exception))

    def test_check_reports_every_problem(self):
        m = StateMachine.from_dict({
            "initial": "a",
            "terminal": ["b"],
            "states": ["a", "b", "c", "island", "stuck"],
            "events": ["go", "back", "never"],
            "transitions": [
                {"from": "a", "event": "go", "to": "b", "guard": "g"},
                {"from": "a", "event": "go", "to": "c", "guard": "h"},
                {"from": "b", "event": "back", "to": "a"},
                {"from": "c", "event": "go", "to": "stuck"},
            ],
        })
        got = [(p.kind, p.states, p.events) for p in m.check()]
        self.assertEqual(got, [
            ("unreachable_state", ["island"], []),
            ("dead_end", ["island"], []),
            ("dead_end", ["stuck"], []),
            ("terminal_has_transitions", ["b"], ["back"]),
            ("ambiguous_transition", ["a", "b", "c"], ["go"]),
            ("unused_event", [], ["never"]),
        ])
        for p in m.check():
            self.assertEqual(str(p), p.message)

    def test_diagrams(self):
        m = StateMachine.from_yaml(ISSUE_YAML)
        self.assertTrue(m.to_mermaid().startswith("stateDiagram-v2\n    [*] --> pending\n"))
        self.assertIn("running --> failed : fail [retries_left]", m.to_mermaid())
        self.assertIn('"running" -> "failed" [label="fail [retries_left]"];', m.to_dot())


class InstanceTest(unittest.TestCase):
    def make(self, calls, **kwargs):
        def record(name):
            return lambda ctx: calls.append((name, ctx))

        m = StateMachine.from_dict(DICT)
        return m.instance(
            guards={"retries_left": lambda ctx: calls.append(("guard", ctx)) or ctx["retries"] > 0},
            actions={n: record(n) for n in ("enter_running", "exit_running", "on_start")},
            **kwargs,
        )

    def test_fire_runs_guard_exit_action_entry_in_order(self):
        calls = []
        run = self.make(calls)
        ctx = {"retries": 1}
        run.fire("start", ctx)
        self.assertEqual(run.state, "running")
        self.assertEqual([c[0] for c in calls], ["on_start", "enter_running"])
        self.assertIs(calls[0][1], ctx)
        calls.clear()
        run.fire("fail", ctx)
        self.assertEqual([c[0] for c in calls],
                         ["guard", "exit_running", "enter_running"])
        calls.clear()
        ctx["retries"] = 0
        run.fire("fail", ctx)
        self.assertEqual(run.state, "failed")
        self.assertEqual([c[0] for c in calls], ["guard", "guard", "exit_running"])

    def test_illegal_event_raises_transition_error_state_unchanged(self):
        run = self.make([])
        with self.assertRaises(TransitionError) as cm:
            run.fire("rollback")
        err = cm.exception
        self.assertIsInstance(err, upgrade_core.Error)
        self.assertEqual(err.state, "pending")
        self.assertEqual(err.event, "rollback")
        self.assertEqual(err.allowed, ["start"])
        self.assertEqual(err.code, "FAILED_PRECONDITION")
        self.assertIn("not allowed in state 'pending'", str(err))
        self.assertEqual(run.state, "pending")
        self.assertFalse(run.can_fire("rollback"))
        self.assertTrue(run.can_fire("start"))
        self.assertFalse(run.can_fire("no_such_event"))
        self.assertEqual(run.allowed_events(), ["start"])

    def test_fire_argument_forms(self):
        # Positional calls take the fast path, others the general one; both
        # must behave the same.
        cases = [
            ("positional", lambda run, ctx: run.fire("start", ctx)),
            ("keywords", lambda run, ctx: run.fire(event="start", context=ctx)),
            ("with time", lambda run, ctx: run.fire("start", ctx, 5.0)),
        ]
        for name, call in cases:
            with self.subTest(name):
                calls = []
                run = self.make(calls)
                ctx = {"retries": 1}
                call(run, ctx)
                self.assertEqual(run.state, "running")
                self.assertEqual(calls, [("on_start", ctx), ("enter_running", ctx)])
                with self.assertRaises(TransitionError):
                    call(run, ctx)
        run = self.make([])
        with self.assertRaises(TypeError):
            run.fire()
        with self.assertRaises(TypeError):
            run.fire(3)

    def test_unknown_event_is_input_error(self):
        run = self.make([])
        with self.assertRaises(upgrade_core.InputError):
            run.fire("explode")

    def test_guard_exception_leaves_state(self):
        m = StateMachine.from_yaml(ISSUE_YAML)

        def boom(ctx):
            raise RuntimeError("guard failed")

        run = m.instance(guards={"retries_left": boom}, state="running")
        with self.assertRaises(RuntimeError):
            run.fire("fail")
        self.assertEqual(run.state, "running")

    def test_reentrant_fire_from_an_action_is_an_error(self):
        m = StateMachine.from_dict({
            "initial": "a", "terminal": ["c"],
            "states": ["a", {"name": "b", "on_entry": "advance"}, "c"],
            "transitions": [
                {"from": "a", "event": "go", "to": "b", "action": "meddle"},
                {"from": "b", "event": "next", "to": "c"},
            ],
        })
        seen = []
        holder = {}

        def meddle(ctx):
            try:
                holder["run"].fire("next")
            except TransitionError:
                seen.append("TransitionError")
            except upgrade_core.Error as err:
                seen.append(err.code)

        run = m.instance(actions={"meddle": meddle,
                                  "advance": lambda ctx: holder["run"].fire("next")},
                         history="full")
        holder["run"] = run
        run.fire("go")
        self.assertEqual(seen, ["FAILED_PRECONDITION"])
        self.assertEqual(run.state, "c")
        self.assertEqual([(h.from_state, h.to_state) for h in run.history],
                         [("a", "b"), ("b", "c")])

    def test_instance_argument_errors(self):
        m = StateMachine.from_yaml(ISSUE_YAML)
        cases = [
            ("unbound guard", {}, "guard 'retries_left' is not bound"),
            ("unknown guard", {"guards": {"retries_left": bool, "typo": bool}},
             "the machine has no guard 'typo'"),
            ("not callable", {"guards": {"retries_left": 3}}, "not callable"),
            ("bad history", {"guards": {"retries_left": bool}, "history": 0}, "history"),
            ("bad state", {"guards": {"retries_left": bool}, "state": "nope"},
             "unknown state 'nope'"),
        ]
        for name, kwargs, want in cases:
            with self.subTest(name):
                with self.assertRaises(upgrade_core.InputError) as cm:
                    m.instance(**kwargs)
                self.assertIn(want, str(cm.exception))

    def test_fire_rejects_times_out_of_range(self):
        # Regression (issue 9, defect 5): fire(at=1e300) recorded a garbage time.
        run = self.make([], history="full")
        for at in (1e300, -1e300, float("inf"), float("nan"), 9.3e9):
            with self.subTest(at=at):
                with self.assertRaises(upgrade_core.InputError) as cm:
                    run.fire("start", {"retries": 1}, at=at)
                self.assertIn("at: want seconds since the Unix epoch", str(cm.exception))
                self.assertEqual(run.state, "pending")
        run.fire("start", {"retries": 1}, at=9.1e9)
        self.assertEqual(run.history[-1].at, 9.1e9)

    def test_history_modes(self):
        cases = [(None, 0, 0), (2, 2, 2), ("full", 4, 0)]
        for history, size, dropped in cases:
            with self.subTest(history=history):
                run = self.make([], history=history)
                ctx = {"retries": 5}
                run.fire("start", ctx, at=100.5)
                run.fire("fail", ctx, at=101.0)
                run.fire("fail", ctx)
                run.fire("succeed", ctx, at=103.0)
                self.assertEqual(len(run.history), size)
                self.assertEqual(run.history_dropped, dropped)
                if size:
                    last = run.history[-1]
                    self.assertEqual((last.from_state, last.event, last.to_state, last.at),
                                     ("running", "succeed", "succeeded", 103.0))
                    self.assertIsNone(run.history[-2].at)
                if size == 4:
                    self.assertEqual(run.history[0],
                                     upgrade_core.TransitionRecord("pending", "start", "running", 100.5))

    def test_snapshot_round_trip(self):
        run = self.make([], history="full")
        ctx = {"retries": 0}
        run.fire("start", ctx, at=1.0)
        run.fire("fail", ctx, at=2.0)
        data = run.snapshot()
        self.assertIsInstance(data, bytes)
        back = self.make([], history="full")
        back.restore(data)
        self.assertEqual(back.state, "failed")
        self.assertEqual(back.history, run.history)
        back.fire("rollback")
        self.assertEqual(back.state, "rolled_back")
        self.assertTrue(back.is_terminal)

    def test_restore_rejects_foreign_snapshot(self):
        plan = upgrade_core.plan_lifecycle().instance(guards={"rollback_on_failure": bool})
        plan.fire("start")
        run = self.make([])
        with self.assertRaises(upgrade_core.InputError) as cm:
            run.restore(plan.snapshot())
        self.assertIn("snapshot is of machine 'plan_lifecycle', not 'deploy'", str(cm.exception))
        with self.assertRaises(upgrade_core.InputError):
            run.restore(b"\xff\xff garbage")
        self.assertEqual(run.state, "pending")


class LifecycleTest(unittest.TestCase):
    def test_component_lifecycle_happy_path_and_rollback(self):
        m = upgrade_core.component_lifecycle()
        self.assertEqual(m.check(), [])
        self.assertIn("awaiting_ready", m.states)
        self.assertEqual(m.guards, ["start_first", "rollback_on_failure"])
        for rollback, final in ((True, "rolling_back"), (False, "halted")):
            with self.subTest(rollback=rollback):
                run = m.instance(guards={"rollback_on_failure": lambda policy: policy,
                                         "start_first": lambda policy: False})
                run.fire("start", rollback)
                run.fire("backup", rollback)
                for _ in range(2):  # backing_up, terminating_old
                    run.fire("step_done", rollback)
                self.assertEqual(run.state, "starting_new")
                run.fire("step_failed", rollback)
                self.assertEqual(run.state, final)

    def test_component_lifecycle_orders(self):
        m = upgrade_core.component_lifecycle()
        for start_first, order in (
                (False, ["preflight", "terminating_old", "starting_new",
                         "awaiting_ready", "verifying", "succeeded"]),
                (True, ["preflight", "starting_new", "awaiting_ready",
                        "terminating_old", "verifying", "succeeded"])):
            with self.subTest(start_first=start_first):
                run = m.instance(guards={"rollback_on_failure": lambda c: True,
                                         "start_first": lambda c: start_first})
                run.fire("start")
                seen = [run.state]
                while run.state != "succeeded":
                    run.fire("step_done")
                    seen.append(run.state)
                self.assertEqual(seen, order)

    def test_every_state_event_pair_has_an_outcome(self):
        for m in (upgrade_core.component_lifecycle(), upgrade_core.plan_lifecycle()):
            for state in m.states:
                for event in m.events:
                    with self.subTest(machine=m.name, state=state, event=event):
                        guards = {g: (lambda c: True) for g in m.guards}
                        run = m.instance(guards=guards, state=state)
                        if event in m.allowed_events(state):
                            run.fire(event)
                        else:
                            with self.assertRaises(TransitionError) as cm:
                                run.fire(event)
                            self.assertEqual(cm.exception.allowed, m.allowed_events(state))
                            self.assertEqual(run.state, state)

    def test_plan_pause_only_between_steps(self):
        run = upgrade_core.plan_lifecycle().instance(guards={"rollback_on_failure": bool})
        for event in ("start", "preflight_passed", "pause"):
            run.fire(event)
        self.assertEqual(run.state, "pausing")
        run.fire("steps_drained")
        self.assertEqual(run.state, "paused")
        with self.assertRaises(TransitionError):
            run.fire("step_failed")
        run.fire("resume")
        self.assertEqual(run.state, "running")


if __name__ == "__main__":
    unittest.main()
