"""DependencyGraph and Scheduler: a small pure-Python builder over the C++
core's immutable graph (`_core.FrozenGraph`, built in one call from the lists
kept here, cached until the next change).

Thread safety: queries may run from several threads at once (the C++ work runs
without the GIL over an immutable graph); changing a graph while another thread
queries it is safe too: that query sees the graph from before or after.
"""

import math
from typing import Iterable, Sequence, Union

# What from_arrays reads: any object with the buffer protocol.
Buffer = Union[bytes, bytearray, memoryview, object]

from upgrade_core import _core
from upgrade_core._core import CriticalPath
from upgrade_core._errors import GraphProblem, InputError


def _check_id(value: object, what: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")


def _number(value: object, what: str) -> float:
    """A float, or TypeError for what is not a number (a str, None...)."""
    if isinstance(value, (str, bytes)) or not (
            hasattr(type(value), "__float__") or hasattr(type(value), "__index__")):
        raise TypeError(f"{what} must be a number, not {type(value).__name__}")
    return float(value)


class DependencyGraph:
    """A dependency graph: nodes (str ids) and 'dependent depends on
    dependency' edges. Queries validate it first and raise GraphError listing
    every problem (unknown node, duplicate node, self-dependency, each cycle
    with its path)."""

    __slots__ = ("_nodes", "_edges", "_durations", "_weights", "_frozen")

    def __init__(self) -> None:
        # None after from_edges until the first change (see _own_lists).
        self._nodes: list[str] | None = []
        self._edges: list[tuple[str, str]] | None = []
        # One float per node, or None while every node has the defaults (the
        # bulk path of from_edges).
        self._durations: list[float] | None = None
        self._weights: list[float] | None = None
        self._frozen: _core.FrozenGraph | None = None

    @staticmethod
    def from_edges(
        nodes: Sequence[str], edges: Sequence[tuple[str, str]]
    ) -> "DependencyGraph":
        """Bulk construction from a list of ids and a list of (dependent,
        dependency) pairs, converted in one call."""
        g = DependencyGraph()
        g._frozen = _core.FrozenGraph(nodes, edges, None, None)
        g._nodes = g._edges = None  # the frozen graph's inputs (_own_lists)
        return g

    @staticmethod
    def from_arrays(
        num_nodes: int, dependents: "Buffer", dependencies: "Buffer | None" = None
    ) -> "DependencyGraph":
        """Bulk construction from integers: the nodes are the ints
        0..num_nodes-1 and dependents[i] depends on dependencies[i]. Both are
        read in place from any object with the buffer protocol holding native
        integers (array.array, bytes, memoryview, a numpy array), without
        creating a Python object per element. With dependencies=None,
        `dependents` holds the pairs: flat [a0, b0, a1, b1, ...] or an (m, 2)
        array. Queries return and take ints. The graph cannot be changed
        (add_node/add_dependency raise TypeError) and subgraph() is not
        available; an id out of range raises InputError naming its index."""
        g = DependencyGraph()
        g._frozen = _core.FrozenGraph.from_arrays(num_nodes, dependents, dependencies)
        g._nodes = g._edges = None
        return g

    def _own_lists(self) -> None:
        """Before a change: the lists, taken back from a bulk-built graph."""
        if self._nodes is None:
            self._nodes, self._edges = self._frozen.inputs()

    def add_node(self, id: str, *, duration: float = 1.0, weight: float = 1.0) -> None:
        """Adds a node. duration (used by critical_path, default 1) and weight
        (carried for callers) are optional attributes."""
        _check_id(id, "node id")
        self._own_lists()
        duration, weight = _number(duration, "duration"), _number(weight, "weight")
        if not math.isfinite(duration) or duration < 0:
            raise InputError(f'duration of "{id}" must be a finite number >= 0, '
                             f"got {duration:g}")
        if not math.isfinite(weight):
            raise InputError(f'weight of "{id}" must be a finite number, got {weight:g}')
        if self._durations is None and (duration != 1.0 or weight != 1.0):
            self._durations = [1.0] * len(self._nodes)
            self._weights = [1.0] * len(self._nodes)
        self._nodes.append(id)
        if self._durations is not None:
            self._durations.append(duration)
            self._weights.append(weight)
        self._frozen = None

    def add_dependency(self, dependent: str, dependency: str) -> None:
        """Records that `dependent` depends on `dependency`. Either may be
        added as a node later; unknown ids are reported on first query."""
        _check_id(dependent, "dependent")
        _check_id(dependency, "dependency")
        self._own_lists()
        self._edges.append((dependent, dependency))
        self._frozen = None

    def _graph(self) -> "_core.FrozenGraph":
        frozen = self._frozen
        if frozen is None:
            frozen = _core.FrozenGraph(
                self._nodes, self._edges, self._durations, self._weights)
            self._frozen = frozen
        return frozen

    def validate(self) -> list[GraphProblem]:
        """Every problem (list of GraphProblem), without raising."""
        return self._graph().validate()

    def find_cycles(self) -> list[list[str]]:
        """One cycle per strongly connected component that has one, as id
        lists with the first id repeated at the end."""
        return self._graph().find_cycles()

    def topological_order(self) -> list[str]:
        """Dependencies first; ties broken by declaration order."""
        return self._graph().topological_order(False)

    def reverse_topological_order(self) -> list[str]:
        """Dependents first (rollback order)."""
        return self._graph().topological_order(True)

    def waves(self, max_parallel: int | None = None) -> list[list[str]]:
        """Lists of ids; each node's dependencies are in earlier waves.
        max_parallel caps the wave width."""
        return self._graph().waves(max_parallel)

    def dependents(self, id: str | Iterable[str], transitive: bool = True) -> list[str]:
        """Nodes that depend on `id` (a str or an iterable of str), in
        declaration order: what to re-verify if it changes."""
        return self._graph().related(id, transitive, True)

    def dependencies(self, id: str | Iterable[str], transitive: bool = True) -> list[str]:
        """Nodes that `id` (a str or an iterable of str) depends on, in
        declaration order."""
        return self._graph().related(id, transitive, False)

    def critical_path(self) -> CriticalPath:
        """CriticalPath from the node durations."""
        return self._graph().critical_path()

    def subgraph(self, ids: str | Iterable[str]) -> "DependencyGraph":
        """A new graph with `ids` and everything they depend on."""
        g = DependencyGraph()
        g._nodes, g._edges, g._durations, g._weights = self._graph().subgraph(ids)
        return g

    def scheduler(self) -> "Scheduler":
        """A Scheduler (ready-set) over the current graph."""
        return Scheduler(self)

    def to_dot(self) -> str:
        """Graphviz DOT; cycle edges in red, unknown nodes dashed."""
        return self._graph().to_dot()

    def to_mermaid(self) -> str:
        """Mermaid flowchart; cycle edges highlighted."""
        return self._graph().to_mermaid()

    def nodes(self) -> list[str]:
        """Ids in declaration order."""
        return self._graph().nodes()

    def __len__(self) -> int:
        return len(self._graph())

    def __contains__(self, id: object) -> bool:
        return id in self._graph()

    def __repr__(self) -> str:
        g = self._graph()
        return (f"<DependencyGraph with {len(g)} nodes and "
                f"{g.num_dependencies()} dependencies>")


class Scheduler:
    """Incremental ready-set: ready() hands out nodes whose dependencies are
    done; report each with done(id) or failed(id). Works on the graph as it was
    when the Scheduler was made (raises GraphError if that is invalid)."""

    __slots__ = ("_s",)

    def __init__(self, graph: DependencyGraph) -> None:
        self._s = _core.GraphScheduler(graph._graph())

    def ready(self) -> list[str]:
        """Nodes that became ready since the last call (each once)."""
        return self._s.ready()

    def done(self, id: str) -> None:
        """Marks a node handed out by ready() as done."""
        self._s.done(id)

    def failed(self, id: str) -> list[str]:
        """Marks a node handed out by ready() as failed; returns the transitive
        dependents it newly blocks."""
        return self._s.failed(id)

    def is_active(self) -> bool:
        """True while some node is ready or running."""
        return self._s.is_active()

    def state(self, id: str) -> str:
        """'waiting', 'ready', 'running', 'done', 'failed' or 'blocked'."""
        return self._s.state(id)

    def blocked(self) -> list[str]:
        """Every blocked node, in declaration order."""
        return self._s.blocked()
