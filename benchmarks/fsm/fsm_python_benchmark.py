"""Python dispatch cost: upgrade_core's StateMachineInstance.fire() against a
Python dict (state, event) -> state loop (the Python floor) and the
`transitions` library (Debian python3-transitions), on the 6-state upgrade
machine of /work/shared/bench (fsm suite) and the same event stream.

    bazel run -c opt //benchmarks/fsm:fsm_python_benchmark -- [--events N]
        [--transitions-events N] [--reps R]

The stream is the harness's seeded random walk (gen_fsm.py, seed 20240602),
regenerated here byte for byte, or read from UC_FSM_EVENTS. `transitions` is
measured on a prefix (it needs ~5 us/event) and reported per event. Prints one
line per peer: ns/event (best of R), and the ratio to upgrade_core.
"""

import argparse
import os
import random
import time

import upgrade_core

STATES = ["idle", "planning", "draining", "upgrading", "verifying", "rolling_back"]
EVENTS = ["plan", "approve", "reject", "drained", "upgraded", "fail", "verified",
          "rolled_back", "abort"]
TRANSITIONS = [  # (event, source, dest), as bench/gen/gen_fsm.py
    ("plan", "idle", "planning"),
    ("approve", "planning", "draining"),
    ("reject", "planning", "idle"),
    ("drained", "draining", "upgrading"),
    ("abort", "draining", "rolling_back"),
    ("upgraded", "upgrading", "verifying"),
    ("fail", "upgrading", "rolling_back"),
    ("verified", "verifying", "idle"),
    ("fail", "verifying", "rolling_back"),
    ("rolled_back", "rolling_back", "idle"),
]


def event_stream(n):
    path = os.environ.get("UC_FSM_EVENTS")
    if path:
        with open(path, "rb") as f:
            data = f.read()[:n]
        return [EVENTS[b] for b in data]
    rnd = random.Random(20240602)
    out = {s: [] for s in range(len(STATES))}
    for ev, src, dst in TRANSITIONS:
        out[STATES.index(src)].append((EVENTS.index(ev), STATES.index(dst)))
    st, events = 0, []
    for _ in range(n):
        e, d = rnd.choice(out[st])
        events.append(EVENTS[e])
        st = d
    return events


def run_upgrade_core(events):
    machine = upgrade_core.StateMachine.from_dict({
        "initial": "idle",
        "states": STATES,
        "events": EVENTS,
        "transitions": [{"from": s, "event": e, "to": d} for e, s, d in TRANSITIONS],
    })
    inst = machine.instance()
    fire = inst.fire
    t0 = time.perf_counter()
    for e in events:
        fire(e)
    return time.perf_counter() - t0, inst.state


def run_dict(events):
    table = {(s, e): d for e, s, d in TRANSITIONS}
    state = "idle"
    t0 = time.perf_counter()
    for e in events:
        state = table[(state, e)]
    return time.perf_counter() - t0, state


def run_transitions(events):
    from transitions import Machine

    class Model:
        pass

    model = Model()
    Machine(model=model, states=STATES, initial="idle",
            transitions=[{"trigger": e, "source": s, "dest": d} for e, s, d in TRANSITIONS],
            auto_transitions=False)
    triggers = {e: getattr(model, e) for e in EVENTS}
    calls = [triggers[e] for e in events]
    t0 = time.perf_counter()
    for call in calls:
        call()
    return time.perf_counter() - t0, model.state


def best(fn, events, reps):
    times, final = [], None
    for _ in range(reps):
        t, final = fn(events)
        times.append(t)
    return min(times) / len(events) * 1e9, final


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--transitions-events", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    events = event_stream(args.events)
    rows = []
    ns, final = best(run_upgrade_core, events, args.reps)
    rows.append(("upgrade_core StateMachineInstance.fire(name)", ns, final, len(events)))
    ns, final = best(run_dict, events, args.reps)
    rows.append(("Python dict (state, event) -> state loop", ns, final, len(events)))
    try:
        prefix = events[: args.transitions_events]
        ns, final = best(run_transitions, prefix, 1)
        rows.append(("transitions Machine, model.<trigger>()", ns, final, len(prefix)))
    except ImportError:
        print("transitions not installed (apt-get install python3-transitions)")
    ours = rows[0][1]
    for name, ns, final, n in rows:
        print(f"{name:48s} {ns:9.1f} ns/event  {ns / ours:7.2f}x upgrade_core"
              f"  final={final} events={n}")


if __name__ == "__main__":
    main()
