"""upgrade_core: safe multi-part upgrades (versions, dependency graphs, state
machines, config compatibility checks, plans).

A thin layer over the C++ core in `upgrade_core._core`; see docs/ for guides.
"""

from upgrade_core._errors import Error, InputError
from upgrade_core import _core
from upgrade_core._core import (
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

__version__ = "0.1.0"

__all__ = [
    "Change",
    "ChartReport",
    "Constraint",
    "Document",
    "Finding",
    "Location",
    "Report",
    "RulePack",
    "check_chart_upgrade",
    "check_manifests",
    "diff",
    "drift",
    "merge_values",
    "Error",
    "InputError",
    "SKEW_POLICY_RELEASE",
    "SkewViolation",
    "Version",
    "check_version_skew",
]
