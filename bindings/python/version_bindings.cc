// Python binding of upgrade_core/version: Version, Constraint,
// check_version_skew. Thin shims: convert arguments, one C++ call, convert
// the result. Parsing and matching take well under a microsecond, so single
// calls keep the GIL; the batch calls (Constraint.allows_all, match) and
// check_version_skew release it for the whole batch.
//
// Batch speed notes: the items are first collected with the GIL held into a
// tuple (which keeps every object alive while the GIL is released) and plain
// pointers / string views: a Version or Constraint of the exact bound type is
// read straight from its pybind11 instance (no caster per element), a str by
// its cached UTF-8 view. The C++ loop then runs without the GIL, reusing the
// parsed constraint while consecutive items are the same object, and parsing
// each distinct constraint text once per call.
#include <pybind11/operators.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bindings/python/register.h"
#include "bindings/python/status_casters.h"
#include "upgrade_core/version/constraint.h"
#include "upgrade_core/version/skew.h"
#include "upgrade_core/version/version.h"

namespace upgrade_core::python {

namespace py = pybind11;

namespace {

std::string PyRepr(const std::string& s) {
  return py::repr(py::str(s)).cast<std::string>();
}

// A Version argument given as a Version or as text (parsed loosely).
Version ToVersion(const py::handle& obj, const char* what) {
  if (py::isinstance<Version>(obj)) return obj.cast<Version>();
  if (py::isinstance<py::str>(obj)) {
    return ValueOrThrow(Version::Parse(obj.cast<std::string>()));
  }
  throw py::type_error(absl::StrCat(
      what, " must be an upgrade_core.Version or a str, not ",
      py::str(obj.get_type().attr("__name__")).cast<std::string>()));
}

// check_version_skew's mapping values: a version, a list of versions, or a
// {instance: version} mapping.
void AddComponent(SkewComponent component, const py::handle& value,
                  std::vector<ComponentVersion>* out) {
  const std::string name(SkewComponentName(component));
  const std::string what = absl::StrCat("the version of ", name);
  if (py::isinstance<py::str>(value) || py::isinstance<Version>(value)) {
    out->push_back({component, ToVersion(value, what.c_str()), ""});
  } else if (py::isinstance<py::dict>(value)) {
    for (auto item : value.cast<py::dict>()) {
      if (!py::isinstance<py::str>(item.first)) {
        throw py::type_error(
            absl::StrCat("instance names of ", name, " must be str"));
      }
      out->push_back({component, ToVersion(item.second, what.c_str()),
                      item.first.cast<std::string>()});
    }
  } else if (py::isinstance<py::list>(value) ||
             py::isinstance<py::tuple>(value)) {
    for (auto item : value) {
      out->push_back({component, ToVersion(item, what.c_str()), ""});
    }
  } else {
    throw py::type_error(
        absl::StrCat(what,
                     " must be a str, a Version, a list of them or a "
                     "{instance: version} dict"));
  }
}

// One item of a batch: a parsed object (borrowed: the batch's tuple keeps it
// alive) or text to parse.
template <typename T>
struct Item {
  const T* parsed = nullptr;
  absl::string_view text;
  PyObject* object = nullptr;  // identity, to reuse the previous parse
};

// pybind11's instance layout (`instance::simple_layout` and
// `simple_value_holder`) is internal to pybind11. Read straight from it, an
// item's C++ object costs a type compare and a load; the public
// handle::cast looks the type up again for every item. The layout is read
// only on the pybind11 release line this was checked against (Debian 12's
// 2.10); any other version takes the public cast, so a pybind11 upgrade can
// make batches slower but cannot break them silently.
#if PYBIND11_VERSION_MAJOR == 2 && PYBIND11_VERSION_MINOR == 10
#define UPGRADE_CORE_READ_PYBIND11_LAYOUT 1
#else
#define UPGRADE_CORE_READ_PYBIND11_LAYOUT 0
#endif

// The C++ object of `obj`, whose type is exactly T's bound Python type.
template <typename T>
const T* ExactValue(PyObject* obj) {
#if UPGRADE_CORE_READ_PYBIND11_LAYOUT
  auto* inst = reinterpret_cast<py::detail::instance*>(obj);
  if (inst->simple_layout) {
    return static_cast<const T*>(inst->simple_value_holder[0]);
  }
#endif
  return py::handle(obj).cast<const T*>();
}

// The items of `seq` (a tuple), as T or str. REQUIRES: the GIL is held.
template <typename T>
std::vector<Item<T>> Items(const py::tuple& seq, const char* what,
                           const char* type_name) {
  const PyTypeObject* type =
      reinterpret_cast<const PyTypeObject*>(py::type::of<T>().ptr());
  const Py_ssize_t n = PyTuple_GET_SIZE(seq.ptr());
  std::vector<Item<T>> items(static_cast<size_t>(n));
  // The objects are scattered over the Python heap: fetch a few ahead.
  constexpr Py_ssize_t kAhead = 8;
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (i + kAhead < n)
      __builtin_prefetch(PyTuple_GET_ITEM(seq.ptr(), i + kAhead));
    PyObject* obj = PyTuple_GET_ITEM(seq.ptr(), i);
    Item<T>& item = items[i];
    item.object = obj;
    if (Py_TYPE(obj) == type) {
      item.parsed = ExactValue<T>(obj);
    } else if (PyUnicode_Check(obj)) {
      Py_ssize_t size = 0;
      const char* data = PyUnicode_AsUTF8AndSize(obj, &size);
      if (data == nullptr) throw py::error_already_set();
      item.text = absl::string_view(data, static_cast<size_t>(size));
    } else if (py::isinstance<T>(obj)) {  // a subclass
      item.parsed = py::handle(obj).cast<const T*>();
    } else {
      throw py::type_error(absl::StrCat(what, "[", i, "] must be an ",
                                        type_name, " or a str, not ",
                                        Py_TYPE(obj)->tp_name));
    }
  }
  return items;
}

py::tuple AsTuple(py::handle seq, const char* what) {
  if (PyUnicode_Check(seq.ptr()) || PyBytes_Check(seq.ptr())) {
    throw py::type_error(
        absl::StrCat(what, " must be an iterable of items, not a single ",
                     Py_TYPE(seq.ptr())->tp_name));
  }
  PyObject* t = PySequence_Tuple(seq.ptr());
  if (t == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::tuple>(t);
}

py::list BoolList(const std::vector<uint8_t>& values) {
  py::list out(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    PyObject* b = values[i] ? Py_True : Py_False;
    Py_INCREF(b);
    PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), b);
  }
  return out;
}

// The first parse error of a batch, raised once the GIL is back.
struct BatchError {
  absl::Status status;
  const char* what = "";
  size_t index = 0;

  void Raise() const {
    if (status.ok()) return;
    ThrowIfError(
        absl::Status(status.code(),
                     absl::StrCat(what, "[", index, "]: ", status.message())));
  }
};

// results[i] = constraint(i) allows version(i). constraints has one item
// (used for every version) or as many as versions. Runs without the GIL.
std::vector<uint8_t> MatchItems(
    const std::vector<Item<Constraint>>& constraints,
    const std::vector<Item<Version>>& versions, BatchError* error) {
  const size_t n = versions.size();
  std::vector<uint8_t> results(n);
  const bool one = constraints.size() == 1 && n != 1;
  // Constraints given as text, parsed once per distinct text (Helm charts
  // repeat a few constraints over many versions). std::deque: stable
  // addresses.
  std::deque<Constraint> parsed;
  absl::flat_hash_map<absl::string_view, const Constraint*> by_text;
  PyObject* parsed_c_of = nullptr;  // the object `c` was last looked up for
  const Constraint* c = nullptr;
  constexpr size_t kAhead = 6;  // prefetch distance (objects are scattered)
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) {
      if (const Version* v = versions[i + kAhead].parsed) __builtin_prefetch(v);
      if (!one) {
        if (const Constraint* c = constraints[i + kAhead].parsed) {
          // All of it: Allows() reads the groups and the (inline)
          // comparators, which sit past the first two lines.
          const char* p = reinterpret_cast<const char*>(c);
          for (size_t off = 0; off < sizeof(Constraint); off += 64) {
            __builtin_prefetch(p + off);
          }
        }
      }
    }
    const Item<Constraint>& ci = constraints[one ? 0 : i];
    if (ci.parsed != nullptr) {
      c = ci.parsed;
    } else if (ci.object != parsed_c_of || c == nullptr) {
      auto [it, inserted] = by_text.try_emplace(ci.text, nullptr);
      if (inserted) {
        absl::StatusOr<Constraint> p = Constraint::Parse(ci.text);
        if (!p.ok()) {
          *error = {p.status(), "constraints", one ? 0 : i};
          return results;
        }
        parsed.push_back(*std::move(p));
        it->second = &parsed.back();
      }
      parsed_c_of = ci.object;
      c = it->second;
    }
    const Item<Version>& vi = versions[i];
    if (vi.parsed != nullptr) {
      results[i] = c->Allows(*vi.parsed);
    } else {
      absl::StatusOr<Version> v = Version::Parse(vi.text);
      if (!v.ok()) {
        *error = {v.status(), "versions", i};
        return results;
      }
      results[i] = c->Allows(*v);
    }
  }
  return results;
}

py::list Match(py::handle constraints, py::handle versions) {
  py::tuple cs;
  if (PyUnicode_Check(constraints.ptr()) ||
      py::isinstance<Constraint>(constraints)) {
    cs = py::make_tuple(constraints);
  } else {
    cs = AsTuple(constraints, "constraints");
  }
  py::tuple vs = AsTuple(versions, "versions");
  const size_t nc = static_cast<size_t>(PyTuple_GET_SIZE(cs.ptr()));
  const size_t nv = static_cast<size_t>(PyTuple_GET_SIZE(vs.ptr()));
  const bool one = nc == 1 && (PyUnicode_Check(constraints.ptr()) ||
                               py::isinstance<Constraint>(constraints));
  if (!one && nc != nv) {
    throw py::value_error(
        absl::StrCat("constraints and versions must have the same length, got ",
                     nc, " and ", nv));
  }
  if (nv == 0) return py::list();
  std::vector<Item<Constraint>> c_items =
      Items<Constraint>(cs, "constraints", "upgrade_core.Constraint");
  std::vector<Item<Version>> v_items =
      Items<Version>(vs, "versions", "upgrade_core.Version");
  BatchError error;
  std::vector<uint8_t> results;
  {
    py::gil_scoped_release no_gil;
    results = MatchItems(c_items, v_items, &error);
  }
  error.Raise();
  return BoolList(results);
}

}  // namespace

void RegisterVersion(py::module_& m) {
  py::class_<Version>(m, "Version", R"doc(
A Semantic Versioning 2.0.0 version.

Version(text, strict=False) parses text. The default (loose) grammar accepts
what Helm accepts (Masterminds semver v3.4.0): a leading "v", missing minor or
patch ("v1.2" is 1.2.0), leading zeros in numbers, and Kubernetes/RKE2 forms
such as "v1.31.5+rke2r1" and "v1.32.2-rc1+rke2r1". strict=True accepts SemVer
2.0.0 only. Invalid text raises upgrade_core.InputError (a ValueError) naming
the input and the 0-based position.

Versions order by SemVer precedence. Build metadata is kept (str(), .build)
but ignored by ordering, == and hash(): Version("1.0.0+a") == Version("1.0.0+b").
)doc")
      .def(py::init([](const std::string& text, bool strict) {
             return ValueOrThrow(Version::Parse(
                 text, strict ? ParseMode::kStrict : ParseMode::kLoose));
           }),
           py::arg("text"), py::arg("strict") = false,
           "Parses `text` (loose by default, SemVer 2.0.0 only when strict).")
      .def_property_readonly("major", &Version::major, "Major number.")
      .def_property_readonly("minor", &Version::minor, "Minor number.")
      .def_property_readonly("patch", &Version::patch, "Patch number.")
      .def_property_readonly(
          "prerelease",
          [](const Version& v) { return std::string(v.prerelease()); },
          "Prerelease without the '-' ('' when absent).")
      .def_property_readonly(
          "build", [](const Version& v) { return std::string(v.build()); },
          "Build metadata without the '+' ('' when absent).")
      .def_property_readonly("original", &Version::original,
                             "The text as given.")
      .def_property_readonly("is_prerelease", &Version::is_prerelease,
                             "Whether the version has a prerelease part.")
      .def("__str__", &Version::ToString,
           "Normalized form: no 'v', missing parts filled in ('1.2.0').")
      .def("__repr__",
           [](const Version& v) {
             return absl::StrCat("Version(", PyRepr(v.original()), ")");
           })
      .def("__hash__", [](const Version& v) { return absl::HashOf(v); })
      .def(py::self == py::self)
      .def(py::self != py::self)
      .def(py::self < py::self)
      .def(py::self <= py::self)
      .def(py::self > py::self)
      .def(py::self >= py::self)
      .def(py::pickle([](const Version& v) { return v.original(); },
                      [](const std::string& text) {
                        // Strict-parsed versions are also valid loosely.
                        return ValueOrThrow(Version::Parse(text));
                      }));

  py::class_<Constraint>(m, "Constraint", R"doc(
A version constraint with Helm's semantics (Masterminds semver v3.4.0).

Constraint(text, include_prerelease=False). Operators = != > < >= <= => =< ~
~> ^, wildcards (1.2.x, 1.x, *), hyphen ranges ("1.2 - 1.4.5"), AND by comma
or whitespace, OR by "||". A prerelease version only satisfies an AND group
in which some comparator names a prerelease (">= 1.28.0-0"), unless
include_prerelease=True. Invalid or empty text raises upgrade_core.InputError
(a ValueError) naming the input and the 0-based position.
)doc")
      .def(py::init([](const std::string& text, bool include_prerelease) {
             ConstraintOptions options;
             options.include_prerelease = include_prerelease;
             return ValueOrThrow(Constraint::Parse(text, options));
           }),
           py::arg("text"), py::arg("include_prerelease") = false,
           "Parses `text`.")
      .def(
          "allows",
          [](const Constraint& c, const py::handle& version) {
            return c.Allows(ToVersion(version, "version"));
          },
          py::arg("version"),
          "Whether `version` (a Version or a str, parsed loosely) satisfies "
          "the constraint.")
      .def(
          "__contains__",
          [](const Constraint& c, const py::handle& version) {
            return c.Allows(ToVersion(version, "version"));
          },
          py::arg("version"), "`version in constraint`: same as allows().")
      .def(
          "allows_all",
          [](py::object self, py::handle versions) {
            return Match(self, versions);
          },
          py::arg("versions"),
          "allows() over an iterable of versions (each a Version or a str, "
          "parsed loosely): a list of bool, computed in one call without the "
          "GIL. A bad version raises InputError naming its index.")
      .def_property_readonly("original", &Constraint::original,
                             "The text as given.")
      .def_property_readonly(
          "include_prerelease",
          [](const Constraint& c) { return c.options().include_prerelease; },
          "Whether prerelease versions are always considered.")
      .def("__str__", &Constraint::ToString,
           "Canonical form, e.g. '>=1.2.0 <2.0.0 || 3.x'.")
      .def("__repr__", [](const Constraint& c) {
        return absl::StrCat("Constraint(", PyRepr(c.original()), ")");
      });

  py::class_<SkewViolation>(m, "SkewViolation", R"doc(
One pair of Kubernetes components outside the version skew policy.
`component`/`version`/`instance` is the side the rule constrains,
`other_*` the side it is measured against (usually kube-apiserver).
)doc")
      .def_property_readonly(
          "component",
          [](const SkewViolation& v) {
            return std::string(SkewComponentName(v.component));
          },
          "The constrained component, e.g. 'kubelet'.")
      .def_readonly("version", &SkewViolation::version, "Its version.")
      .def_readonly("instance", &SkewViolation::instance,
                    "Its instance label ('' when not given).")
      .def_property_readonly(
          "other_component",
          [](const SkewViolation& v) {
            return std::string(SkewComponentName(v.other_component));
          },
          "The component it is measured against.")
      .def_readonly("other_version", &SkewViolation::other_version,
                    "That component's version.")
      .def_readonly("other_instance", &SkewViolation::other_instance,
                    "That component's instance label.")
      .def_property_readonly(
          "rule",
          [](const SkewViolation& v) { return std::string(v.rule->id); },
          "Stable rule id, e.g. 'kubelet-vs-apiserver'.")
      .def_property_readonly(
          "rule_text",
          [](const SkewViolation& v) { return std::string(v.rule->text); },
          "The policy's sentence for the rule.")
      .def_readonly("message", &SkewViolation::message,
                    "What is wrong, naming both components and the bound.")
      .def("__repr__", [](const SkewViolation& v) {
        return absl::StrCat(
            "SkewViolation(rule=", PyRepr(std::string(v.rule->id)),
            ", message=", PyRepr(v.message), ")");
      });

  m.def("match", &Match, py::arg("constraints"), py::arg("versions"), R"doc(
Batch constraint checks: a list of bool, result[i] = constraints[i] allows
versions[i]. `constraints` is an iterable of Constraint or str with the length
of `versions`, or one Constraint or str for every version; `versions` is an
iterable of Version or str (parsed loosely). Pre-parsed objects are fastest;
strings are parsed in C++ (each distinct constraint text once per call). Runs in one call without the GIL. A bad item raises
InputError naming the list and index, e.g. "versions[3]: invalid version ...".
)doc");

  m.attr("SKEW_POLICY_RELEASE") = std::string(kSkewPolicyRelease);

  m.def(
      "check_version_skew",
      [](const py::dict& components) {
        std::vector<ComponentVersion> list;
        for (auto item : components) {
          if (!py::isinstance<py::str>(item.first)) {
            throw py::type_error("component names must be str");
          }
          const SkewComponent c =
              ValueOrThrow(ParseSkewComponent(item.first.cast<std::string>()));
          AddComponent(c, item.second, &list);
        }
        // Fleets can pass thousands of instances: release the GIL for the
        // pairwise check (inputs are converted, nothing Python is touched).
        std::vector<SkewViolation> violations;
        {
          py::gil_scoped_release no_gil;
          violations = CheckVersionSkew(list);
        }
        return violations;
      },
      py::arg("components"), R"doc(
Checks component versions against the Kubernetes version skew policy
(as published for Kubernetes 1.35; see SKEW_POLICY_RELEASE).

`components` maps a component name (kube-apiserver, kubelet, kube-proxy,
kube-controller-manager, kube-scheduler, cloud-controller-manager, kubectl)
to a version (str or Version), a list of versions (one per instance), or a
{instance: version} dict (kube-proxy is then paired with the kubelet of the
same instance name). Returns every pair outside the policy as SkewViolation,
empty when compliant. Unknown names or bad versions raise InputError.
)doc");
}

}  // namespace upgrade_core::python
