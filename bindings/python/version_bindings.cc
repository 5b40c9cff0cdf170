// Python binding of upgrade_core/version: Version, Constraint,
// check_version_skew. Thin shims: convert arguments, one C++ call, convert
// the result. Parsing and matching take well under a microsecond, so only
// check_version_skew (pairwise over possibly thousands of instances) releases
// the GIL.
#include <pybind11/operators.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

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
