"""upgrade_core: safe multi-part upgrades (versions, dependency graphs, state
machines, config compatibility checks, plans).

A thin layer over the C++ core in `upgrade_core._core`; see docs/ for guides.
"""

from upgrade_core._errors import (
    Error,
    GraphError,
    GraphProblem,
    InputError,
    PlanError,
    TransitionError,
)
from upgrade_core import _core
from upgrade_core._core import (
    CriticalPath,
    DependencyGraph,
    Scheduler,
    DefinitionProblem,
    StateMachine,
    StateMachineInstance,
    TransitionRecord,
    component_lifecycle,
    plan_lifecycle,
    SKEW_POLICY_RELEASE,
    Constraint,
    SkewViolation,
    Version,
    check_version_skew,
    ExecutionPlan,
    Plan,
    PlanComponent,
    PlanFinding,
    PlanReport,
    PlanStep,
    compile_plan,
    resolve_rollout_budget,
)

__version__ = "0.1.0"

__all__ = [
    "Constraint",
    "CriticalPath",
    "DefinitionProblem",
    "DependencyGraph",
    "Error",
    "ExecutionPlan",
    "GraphError",
    "GraphProblem",
    "InputError",
    "Plan",
    "PlanComponent",
    "PlanError",
    "PlanFinding",
    "PlanReport",
    "PlanStep",
    "SKEW_POLICY_RELEASE",
    "Scheduler",
    "SkewViolation",
    "StateMachine",
    "StateMachineInstance",
    "TransitionError",
    "TransitionRecord",
    "Version",
    "check_version_skew",
    "compile_plan",
    "component_lifecycle",
    "plan_lifecycle",
    "resolve_rollout_budget",
]
