"""Exception classes of upgrade_core.

The C++ core reports errors as absl::Status; the binding turns them into these
(see bindings/python/status_casters.h). Every class derives from `Error`;
classes for bad input also derive from `ValueError`.
"""

from typing import List, NamedTuple, Sequence, Tuple


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


class InputFileNotFoundError(InputError, FileNotFoundError):
    """An input file that does not exist: an InputError (so a ValueError) and
    also the built-in FileNotFoundError, so `except OSError` works too."""


class InputPermissionError(InputError, PermissionError):
    """An input file that cannot be read for lack of permission."""


class PlanError(InputError):
    """An invalid or unsafe UpgradePlan. `problems` lists every problem found,
    not just the first, as `Finding` objects (rule, severity, path, message,
    hint, location) like the findings of `Plan.check()`."""

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


class GraphProblem(NamedTuple):
    """One problem found when validating a dependency graph.

    kind: "unknown_node", "duplicate_node", "self_dependency" or "cycle".
    nodes: the culprits: (dependent, dependency) for an unknown node, (id,)
        for a duplicate or self-dependency, the full cycle path with the first
        id repeated at the end for a cycle.
    message: one line naming them, e.g. "dependency cycle: a -> b -> a".
    unknown: for "unknown_node", the ids among `nodes` never added.
    component: for "cycle", every id of the strongly connected component.
    """

    kind: str
    nodes: Tuple[str, ...]
    message: str
    unknown: Tuple[str, ...] = ()
    component: Tuple[str, ...] = ()


class GraphError(InputError):
    """An invalid dependency graph. Lists every problem, not just the first.

    problems: every GraphProblem, in a stable order (duplicates, then unknown
        nodes and self-dependencies in edge order, then cycles).
    cycles: the cycle paths as lists of ids (first id repeated at the end),
        one per strongly connected component that contains a cycle.
    """

    def __init__(
        self,
        message: str,
        problems: Sequence[GraphProblem] = (),
        cycles: Sequence[List[str]] = (),
    ) -> None:
        super().__init__(message)
        self.problems = list(problems)
        self.cycles = [list(c) for c in cycles]
