// The `upgrade_core._core` extension module. Python users import
// `upgrade_core` (bindings/python/upgrade_core/__init__.py), which re-exports
// these names and adds the pure-Python conveniences.
#include <pybind11/pybind11.h>

#include <string>

#include "bindings/python/register.h"
#include "upgrade_core/version_info.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "upgrade_core C++ core (use the `upgrade_core` package).";
  // The release (upgrade_core/version_info.h, the one place it is defined);
  // the package re-exports it as upgrade_core.__version__.
  m.attr("__version__") = std::string(upgrade_core::kVersion);
  upgrade_core::python::RegisterVersion(m);
  upgrade_core::python::RegisterPlan(m);
  upgrade_core::python::RegisterFsm(m);
  upgrade_core::python::RegisterGraph(m);
  upgrade_core::python::RegisterCompat(m);
  upgrade_core::python::RegisterExec(m);
  upgrade_core::python::RegisterSim(m);
}
