"""upgrade_core: safe multi-part upgrades (versions, dependency graphs, state
machines, config compatibility checks, plans).

A thin layer over the C++ core in `upgrade_core._core`; see docs/ for guides.
"""

from upgrade_core._errors import Error, GraphError, GraphProblem, InputError
from upgrade_core import _core
from upgrade_core._core import CriticalPath, DependencyGraph, Scheduler

__version__ = "0.1.0"

__all__ = [
    "CriticalPath",
    "DependencyGraph",
    "Error",
    "GraphError",
    "GraphProblem",
    "InputError",
    "Scheduler",
]
