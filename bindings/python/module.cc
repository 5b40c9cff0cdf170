// The `upgrade_core._core` extension module. Python users import
// `upgrade_core` (bindings/python/upgrade_core/__init__.py), which re-exports
// these names and adds the pure-Python conveniences.
#include <pybind11/pybind11.h>

#include "bindings/python/register.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "upgrade_core C++ core (use the `upgrade_core` package).";
  upgrade_core::python::RegisterVersion(m);
  upgrade_core::python::RegisterPlan(m);
  upgrade_core::python::RegisterFsm(m);
  upgrade_core::python::RegisterGraph(m);
  upgrade_core::python::RegisterCompat(m);
}
