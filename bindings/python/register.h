// File: register.h
// -----------------------------------------------------------------------------
// One registration function per library package; module.cc calls them all.
// Each lives in its own <pkg>_bindings.cc so the binding stays a set of thin
// shims (convert arguments, one C++ call, convert the result).
#ifndef UPGRADE_CORE_BINDINGS_PYTHON_REGISTER_H_
#define UPGRADE_CORE_BINDINGS_PYTHON_REGISTER_H_

#include <pybind11/pybind11.h>

namespace upgrade_core::python {

// void Register<Package>(pybind11::module_& m);  // defined in
// <pkg>_bindings.cc
void RegisterPlan(pybind11::module_& m);  // plan_bindings.cc

// Version, Constraint, SkewViolation, check_version_skew (version_bindings.cc).
void RegisterVersion(pybind11::module_& m);
void RegisterFsm(pybind11::module_& m);  // fsm_bindings.cc

void RegisterGraph(pybind11::module_& m);  // graph_bindings.cc

void RegisterCompat(pybind11::module_& m);  // compat_bindings.cc

// Orchestrator, Action, OrchestratorStatus... (exec_bindings.cc).
void RegisterExec(pybind11::module_& m);

// Cluster, Fault, simulate, SimulationResult (sim_bindings.cc).
void RegisterSim(pybind11::module_& m);

}  // namespace upgrade_core::python

#endif  // UPGRADE_CORE_BINDINGS_PYTHON_REGISTER_H_
