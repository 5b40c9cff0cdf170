"""upgrade_core: safe multi-part upgrades (versions, dependency graphs, state
machines, config compatibility checks, plans).

A thin layer over the C++ core in `upgrade_core._core`; see docs/ for guides.
"""

from upgrade_core._errors import Error, InputError, PlanError, TransitionError
from upgrade_core import _core
from upgrade_core._core import (
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
    "Error",
    "InputError",
    "SKEW_POLICY_RELEASE",
    "SkewViolation",
    "Version",
    "check_version_skew",
    "PlanError",
    "ExecutionPlan",
    "Plan",
    "PlanComponent",
    "PlanFinding",
    "PlanReport",
    "PlanStep",
    "compile_plan",
    "resolve_rollout_budget",
    "DefinitionProblem",
    "StateMachine",
    "StateMachineInstance",
    "TransitionError",
    "TransitionRecord",
    "component_lifecycle",
    "plan_lifecycle",
]
