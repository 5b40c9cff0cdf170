// File: fsm_fast_paths.cc
// -----------------------------------------------------------------------------
// The two StateMachineInstance members on the hot path of a Python event
// loop, bound with the plain CPython API instead of pybind11's generic
// dispatch:
//   fire(event) / fire(event, context)  a METH_FASTCALL method; every other
//                                       call form (keywords, `at`) is
//                                       forwarded to the pybind11 `_fire`.
//   state                               a getset descriptor returning a
//                                       cached str.
// Only public API is used: the CPython C API, and a map from the Python
// object to its C++ object filled by Link() (no pybind11 `detail::` instance
// layout), so a pybind11 upgrade cannot break it silently.
//
// The measurement that justifies this file (docs/performance.md, "Python";
// benchmarks/fsm/fsm_python_benchmark.py, 6-state machine, Python 3.11,
// pybind11 2.10): fire(name) costs 74 ns/event against a 67 ns Python dict
// loop; a pybind11-dispatched method on the same object costs ~170 ns
// (pybind11's argument dispatch alone is ~3x the transition). Moving off the
// pybind11 internals, measured with timeit (CPU time, best of 15 x 500k,
// 5 interleaved runs on the shared 2-vCPU box): fire("go") 61.4 ns before,
// 63.5 ns after (+3%); `.state` 18.9 -> 23.6 ns. pybind11's public
// handle::cast instead of the map cost ~90 ns more per fire() (about 2x).
#include <pybind11/pybind11.h>

#include <exception>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "bindings/python/fsm_instance.h"
#include "upgrade_core/fsm/state_machine.h"

namespace upgrade_core::python {
namespace {

namespace py = pybind11;

// Python object -> C++ object of every live StateMachineInstance (Link() adds,
// the destructor removes; touched with the GIL held only): one hash lookup,
// where pybind11's public handle::cast costs ~90 ns (see the top).
absl::flat_hash_map<PyObject*, PyStateMachineInstance*>& Linked() {
  static auto* linked =
      new absl::flat_hash_map<PyObject*, PyStateMachineInstance*>();
  return *linked;
}

// The C++ object behind `self`, or null (no Python error set) when `self`
// was not made by StateMachine.instance().
PyStateMachineInstance* Unwrap(PyObject* self) {
  auto it = Linked().find(self);
  return it == Linked().end() ? nullptr : it->second;
}

PyObject* FastFire(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                   PyObject* kwnames) {
  if ((nargs == 1 || nargs == 2) && kwnames == nullptr &&
      PyUnicode_Check(args[0])) {
    if (PyStateMachineInstance* state = Unwrap(self)) {
      Py_ssize_t size = 0;
      const char* utf8 = PyUnicode_AsUTF8AndSize(args[0], &size);
      if (utf8 == nullptr) return nullptr;
      try {
        py::object context =
            py::reinterpret_borrow<py::object>(nargs == 2 ? args[1] : Py_None);
        Fire(*state, absl::string_view(utf8, static_cast<size_t>(size)),
             context, absl::InfinitePast());
      } catch (py::error_already_set& e) {
        e.restore();
        return nullptr;
      } catch (const py::builtin_exception& e) {
        e.set_error();
        return nullptr;
      } catch (const std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
        return nullptr;
      }
      Py_RETURN_NONE;
    }
  }
  // The general path: pybind11's own dispatch and error reporting.
  PyObject* slow = PyObject_GetAttrString(self, "_fire");
  if (slow == nullptr) return nullptr;
  PyObject* result = PyObject_Vectorcall(slow, args, nargs, kwnames);
  Py_DECREF(slow);
  return result;
}

PyObject* GetState(PyObject* self, void*) {
  PyStateMachineInstance* state = Unwrap(self);
  if (state == nullptr) {
    PyErr_SetString(PyExc_TypeError, "StateMachineInstance not initialized");
    return nullptr;
  }
  if (state->state_names.empty()) {
    const fsm::StateMachine& m = state->instance.machine();
    for (fsm::StateId i = 0; i < m.num_states(); ++i) {
      state->state_names.push_back(py::str(m.state_name(i)));
    }
  }
  PyObject* name = state->state_names[state->instance.state()].ptr();
  Py_INCREF(name);
  return name;
}

PyGetSetDef kStateGetSetDef = {"state", &GetState, nullptr,
                               "Current state name.", nullptr};

PyMethodDef kFastFireDef = {
    "fire",
    reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&FastFire)),
    METH_FASTCALL | METH_KEYWORDS,
    "fire(event, context=None, at=None)\n\n"
    "Performs the transition (guard, exit, action, entry; callables get "
    "`context`) or raises TransitionError with the state unchanged. `at`: "
    "Unix seconds recorded in the history."};

}  // namespace

PyStateMachineInstance::~PyStateMachineInstance() {
  if (self != nullptr) Linked().erase(self);
}

py::object Link(py::object obj) {
  auto* state = obj.cast<PyStateMachineInstance*>();
  state->self = obj.ptr();
  Linked()[obj.ptr()] = state;
  return obj;
}

void InstallFastPaths(py::class_<PyStateMachineInstance>& cls) {
  auto* type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  py::object fire =
      py::reinterpret_steal<py::object>(PyDescr_NewMethod(type, &kFastFireDef));
  if (!fire) throw py::error_already_set();
  cls.attr("fire") = fire;
  py::object state = py::reinterpret_steal<py::object>(
      PyDescr_NewGetSet(type, &kStateGetSetDef));
  if (!state) throw py::error_already_set();
  cls.attr("state") = state;
}

}  // namespace upgrade_core::python
