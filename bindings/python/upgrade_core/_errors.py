"""Exception classes of upgrade_core.

The C++ core reports errors as absl::Status; the binding turns them into these
(see bindings/python/status_casters.h). Every class derives from `Error`;
classes for bad input also derive from `ValueError`.
"""


class Error(Exception):
    """Base class of every upgrade_core error. `code` is the status code name."""

    def __init__(self, message: str, code: str = "UNKNOWN") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class InputError(Error, ValueError):
    """Invalid input: a malformed version, constraint, document or plan."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "INVALID_ARGUMENT")


class PlanError(InputError):
    """An invalid or unsafe UpgradePlan. `problems` lists every problem found
    (PlanFinding objects with rule, severity, component, path, message, hint
    and location), not just the first."""

    def __init__(self, message: str, problems=()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class TransitionError(Error):
    """An event that is not allowed in the current state of a state machine
    instance (no transition, or no guard passed). The state is unchanged.

    `state`: the current state, `event`: the rejected event, `allowed`: the
    events that have a transition out of `state` (list of names).
    """

    def __init__(self, message: str, state: str, event: str, allowed) -> None:
        super().__init__(message, "FAILED_PRECONDITION")
        self.state = state
        self.event = event
        self.allowed = list(allowed)
