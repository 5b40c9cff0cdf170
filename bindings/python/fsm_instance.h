// File: fsm_instance.h
// -----------------------------------------------------------------------------
// The Python StateMachineInstance object, shared by fsm_bindings.cc (the
// pybind11 class) and fsm_fast_paths.cc (the METH_FASTCALL `fire` and the
// getset `state` installed on that class).
#ifndef UPGRADE_CORE_BINDINGS_PYTHON_FSM_INSTANCE_H_
#define UPGRADE_CORE_BINDINGS_PYTHON_FSM_INSTANCE_H_

#include <pybind11/pybind11.h>

#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "upgrade_core/fsm/instance.h"

namespace upgrade_core::python {

// Python-side wrapper: the C++ instance plus what Python needs beside it.
// Hidden like pybind11's own types (it holds py::objects).
struct __attribute__((visibility("hidden"))) PyStateMachineInstance {
  explicit PyStateMachineInstance(fsm::Instance<pybind11::object> i)
      : instance(std::move(i)) {}
  // A move (into pybind11's holder) leaves `self` unset: Link() sets it on
  // the object in its final place.
  PyStateMachineInstance(PyStateMachineInstance&& other)
      : instance(std::move(other.instance)),
        state_names(std::move(other.state_names)) {}
  ~PyStateMachineInstance();  // forgets `self` (fsm_fast_paths.cc)

  fsm::Instance<pybind11::object> instance;
  // Python str of each state name, made on first `.state` read (so reading
  // the state allocates nothing).
  std::vector<pybind11::object> state_names;
  // The Python object that owns this one, once Link()ed; not a reference.
  PyObject* self = nullptr;
};

// Makes `obj`, a new StateMachineInstance, known to the fast paths (which
// map the Python object to its C++ object without pybind11's generic cast)
// and returns it. REQUIRES: the GIL is held.
pybind11::object Link(pybind11::object obj);

// fire(): raises TransitionError (refused event) or another upgrade_core
// error. `at` is InfinitePast() when the caller gave none. Defined in
// fsm_bindings.cc. REQUIRES: the GIL is held.
void Fire(PyStateMachineInstance& self, absl::string_view event,
          pybind11::object& context, absl::Time at);

// Sets `fire` and `state` on the bound class (fsm_fast_paths.cc). `fire`
// forwards every call form it does not handle itself to the class's `_fire`.
void InstallFastPaths(pybind11::class_<PyStateMachineInstance>& cls);

}  // namespace upgrade_core::python

#endif  // UPGRADE_CORE_BINDINGS_PYTHON_FSM_INSTANCE_H_
