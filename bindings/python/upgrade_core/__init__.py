"""upgrade_core: safe multi-part upgrades (versions, dependency graphs, state
machines, config compatibility checks, plans, and running them with a journal).

A thin layer over the C++ core in `upgrade_core._core`; see docs/ for guides.
"""

from upgrade_core import _core
from upgrade_core._severity import Severity
from upgrade_core._errors import (
    Error,
    GraphError,
    GraphProblem,
    InputError,
    InputFileNotFoundError,
    InputPermissionError,
    PlanError,
    TransitionError,
)

# Versions, Helm constraints, Kubernetes version skew (docs/versions.md).
from upgrade_core._core import (
    SKEW_POLICY_RELEASE,
    Constraint,
    SkewViolation,
    Version,
    check_version_skew,
    match,
)

# Dependency graphs (docs/graph.md): a pure-Python builder over the core.
from upgrade_core._core import CriticalPath
from upgrade_core._graph import DependencyGraph, Scheduler

# State machines and the built-in lifecycles (docs/fsm.md).
from upgrade_core._core import (
    DefinitionProblem,
    StateMachine,
    StateMachineInstance,
    TransitionRecord,
    component_lifecycle,
    plan_lifecycle,
)

# Config compatibility (docs/compat-*.md).
from upgrade_core._core import (
    Change,
    Chart,
    ChartReport,
    Diagnostic,
    Document,
    Finding,
    Location,
    Report,
    NotAnalysed,
    RenderReport,
    RulePack,
    TemplateProblem,
    ValuesUsage,
    check_chart_upgrade,
    check_manifests,
    diff,
    drift,
    merge_values,
)

# Upgrade plans (docs/plan-reference.md).
from upgrade_core._core import (
    ExecutionPlan,
    GateBarrier,
    Plan,
    PlanComponent,
    PlannedComponent,
    PlanStep,
    Readiness,
    RetryPolicy,
    RolloutStrategy,
    StepCommand,
    StepGate,
    StepTransition,
    VerifyCheck,
    WebhookSpec,
    compile_plan,
    resolve_rollout_budget,
)

# Running a compiled plan (docs/exec.md): the sans-IO orchestrator, with a
# crash-safe journal, and the Executor that runs it with a Python runner.
from upgrade_core._core import (
    Action,
    ComponentStatus,
    Executor,
    ExecutorProgress,
    Orchestrator,
    OrchestratorStatus,
    RollbackCoverage,
)
from upgrade_core._exec import Outcome, PlanOutcome

# Simulating a compiled plan against a modelled cluster (docs/simulate.md).
from upgrade_core._core import (
    Cluster,
    Fault,
    SimConflict,
    SimulationComparison,
    SimulationResult,
    SimulationSummary,
    compare,
    simulate,
    simulate_many,
)

# The release, from the C++ core (upgrade_core/version_info.h, the one place it
# is defined; docs/versioning.md). `upgradectl --version` prints the same.
__version__: str = _core.__version__

__all__ = [
    "Action",
    "ComponentStatus",
    "Executor",
    "ExecutorProgress",
    "Orchestrator",
    "OrchestratorStatus",
    "Outcome",
    "PlanOutcome",
    "RollbackCoverage",
    "Change",
    "Chart",
    "ChartReport",
    "RenderReport",
    "Constraint",
    "CriticalPath",
    "DefinitionProblem",
    "DependencyGraph",
    "Document",
    "Error",
    "ExecutionPlan",
    "Diagnostic",
    "Finding",
    "GateBarrier",
    "GraphError",
    "GraphProblem",
    "InputError",
    "InputFileNotFoundError",
    "InputPermissionError",
    "Location",
    "NotAnalysed",
    "Plan",
    "PlanComponent",
    "PlanError",
    "PlanStep",
    "PlannedComponent",
    "Readiness",
    "Report",
    "RetryPolicy",
    "RolloutStrategy",
    "RulePack",
    "SKEW_POLICY_RELEASE",
    "Severity",
    "Scheduler",
    "SkewViolation",
    "StateMachine",
    "StateMachineInstance",
    "StepCommand",
    "StepGate",
    "StepTransition",
    "TemplateProblem",
    "TransitionError",
    "TransitionRecord",
    "ValuesUsage",
    "VerifyCheck",
    "Version",
    "WebhookSpec",
    "check_chart_upgrade",
    "check_manifests",
    "check_version_skew",
    "compile_plan",
    "component_lifecycle",
    "diff",
    "drift",
    "match",
    "merge_values",
    "plan_lifecycle",
    "resolve_rollout_budget",
    "Cluster",
    "Fault",
    "SimConflict",
    "SimulationComparison",
    "SimulationResult",
    "SimulationSummary",
    "compare",
    "simulate",
    "simulate_many",
]
