"""upgrade_core: safe multi-part upgrades (versions, dependency graphs, state
machines, config compatibility checks, plans).

A thin layer over the C++ core in `upgrade_core._core`; see docs/ for guides.
"""

from upgrade_core._errors import Error, InputError, TransitionError
from upgrade_core import _core
from upgrade_core._core import (
    DefinitionProblem,
    StateMachine,
    StateMachineInstance,
    TransitionRecord,
    component_lifecycle,
    plan_lifecycle,
    SKEW_POLICY_RELEASE,
    Change,
    ChartReport,
    Document,
    Finding,
    Location,
    Report,
    RulePack,
    check_chart_upgrade,
    check_manifests,
    diff,
    drift,
    merge_values,
    Constraint,
    SkewViolation,
    Version,
    check_version_skew,
)
from upgrade_core._errors import Error, GraphError, GraphProblem, InputError
from upgrade_core import _core
from upgrade_core._core import CriticalPath, DependencyGraph, Scheduler

__version__ = "0.1.0"

__all__ = [
    "Change",
    "ChartReport",
    "check_chart_upgrade",
    "check_manifests",
    "check_version_skew",
    "component_lifecycle",
    "Constraint",
    "CriticalPath",
    "DefinitionProblem",
    "DependencyGraph",
    "diff",
    "Document",
    "drift",
    "Error",
    "Finding",
    "GraphError",
    "GraphProblem",
    "InputError",
    "Location",
    "merge_values",
    "plan_lifecycle",
    "Report",
    "RulePack",
    "Scheduler",
    "SKEW_POLICY_RELEASE",
    "SkewViolation",
    "StateMachine",
    "StateMachineInstance",
    "TransitionError",
    "TransitionRecord",
    "Version",
]
