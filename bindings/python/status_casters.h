// File: status_casters.h
// -----------------------------------------------------------------------------
// How absl::Status crosses into Python. A non-OK status becomes an exception
// only here, at the binding boundary:
//   kInvalidArgument -> upgrade_core.InputError (a ValueError)
//   kNotFound, kPermissionDenied -> InputFileNotFoundError,
//                       InputPermissionError (InputErrors that are also
//                       FileNotFoundError / PermissionError)
//   anything else    -> upgrade_core.Error, with the code name in `.code`
// Richer errors (GraphError with `.cycles`, TransitionError with `.state`...)
// are Python classes in upgrade_core/_errors.py raised with RaiseError().
#ifndef UPGRADE_CORE_BINDINGS_PYTHON_STATUS_CASTERS_H_
#define UPGRADE_CORE_BINDINGS_PYTHON_STATUS_CASTERS_H_

#include <pybind11/pybind11.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace upgrade_core::python {

// Raises `upgrade_core._errors.<class_name>(*args, **kwargs)`.
// REQUIRES: the GIL is held.
template <typename... Args>
[[noreturn]] void RaiseError(const char* class_name, Args&&... args) {
  pybind11::object cls =
      pybind11::module_::import("upgrade_core._errors").attr(class_name);
  pybind11::object exc = cls(std::forward<Args>(args)...);
  PyErr_SetObject(cls.ptr(), exc.ptr());
  throw pybind11::error_already_set();
}

// REQUIRES: !status.ok() and the GIL is held.
[[noreturn]] inline void ThrowStatus(const absl::Status& status) {
  pybind11::str message(std::string(status.message()));
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      RaiseError("InputError", message);
    case absl::StatusCode::kNotFound:  // an input file (the bounded reader)
      RaiseError("InputFileNotFoundError", message);
    case absl::StatusCode::kPermissionDenied:
      RaiseError("InputPermissionError", message);
    default:
      break;
  }
  RaiseError("Error", message,
             pybind11::arg("code") = absl::StatusCodeToString(status.code()));
}

inline void ThrowIfError(const absl::Status& status) {
  if (!status.ok()) ThrowStatus(status);
}

template <typename T>
T ValueOrThrow(absl::StatusOr<T> value) {
  if (!value.ok()) ThrowStatus(value.status());
  return *std::move(value);
}

}  // namespace upgrade_core::python

#endif  // UPGRADE_CORE_BINDINGS_PYTHON_STATUS_CASTERS_H_
