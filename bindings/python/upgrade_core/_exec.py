"""The execution layer's enums (docs/exec.md, "Python").

Both are `str` enums: a member equals its name as the C++ core writes it, so
``orch.outcome == "succeeded"`` and ``orch.report(a.id, "failed", now)`` work
as well as the members do, and ``str()`` gives that name.
"""

import enum


class Outcome(str, enum.Enum):
    """What became of an action: ``Orchestrator.report(id, outcome, now)``,
    or what an Executor runner returns."""

    SUCCEEDED = "succeeded"  # the step did what it should
    FAILED = "failed"  # it did not (retried per the component's retry policy)
    PROGRESS = "progress"  # a heartbeat ("2/3 ready"); the action goes on

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"Outcome.{self.name}"


class PlanOutcome(str, enum.Enum):
    """Where a plan as a whole is (the plan lifecycle's states)."""

    RUNNING = "running"  # steps being issued
    PAUSING = "pausing"  # pause requested: in-flight actions finishing
    PAUSED = "paused"  # nothing in flight; waiting for resume() or abort()
    ROLLING_BACK = "rolling_back"  # undoing touched components
    SUCCEEDED = "succeeded"  # terminal: every component upgraded, verified
    FAILED = "failed"  # terminal: something failed, not (fully) rolled back
    ROLLED_BACK = "rolled_back"  # terminal: every touched one rolled back

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"PlanOutcome.{self.name}"

    @property
    def terminal(self) -> bool:
        """True for succeeded, failed and rolled_back."""
        return self in (PlanOutcome.SUCCEEDED, PlanOutcome.FAILED,
                        PlanOutcome.ROLLED_BACK)
