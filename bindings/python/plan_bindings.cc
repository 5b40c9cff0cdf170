// Python bindings of upgrade_core/plan: Plan, check(), compile_plan,
// ExecutionPlan and resolve_rollout_budget. Thin shims: convert arguments,
// one C++ call, convert the result.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bindings/python/register.h"
#include "bindings/python/status_casters.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/plan/rollout.h"

namespace upgrade_core::python {
namespace {

namespace py = pybind11;
using plan::ExecutionPlan;
using plan::Plan;

// Plan problems are diag::Diagnostics, the type every check returns: Python
// sees them as the same Diagnostic class (and Report) as the config checks.
py::list ToFindings(const std::vector<diag::Diagnostic>& problems) {
  py::list out;
  for (const diag::Diagnostic& p : problems) out.append(p);
  return out;
}

// Raises PlanError (with every problem) for plan errors, else the usual
// mapping. REQUIRES: !status.ok(), GIL held.
[[noreturn]] void ThrowPlanStatus(const absl::Status& status) {
  std::vector<diag::Diagnostic> problems = plan::ProblemsFromStatus(status);
  if (status.code() == absl::StatusCode::kNotFound) {
    PyErr_SetString(PyExc_FileNotFoundError,
                    std::string(status.message()).c_str());
    throw py::error_already_set();
  }
  if (problems.empty()) ThrowStatus(status);
  RaiseError("PlanError", py::str(std::string(status.message())),
             py::arg("problems") = ToFindings(problems));
}

template <typename T>
T PlanValueOrThrow(absl::StatusOr<T> value) {
  if (!value.ok()) ThrowPlanStatus(value.status());
  return *std::move(value);
}

// A step as Python sees it: ids instead of indices.
struct PyStep {
  std::string id;
  std::string component;
  std::string kind;
  std::vector<std::string> depends_on;
  double timeout = 0;
  std::string transition;
  std::string waits_for;
  int wave = 0;
  int batch = 0;
};

std::vector<PyStep> ToPySteps(
    const ExecutionPlan& e,
    const google::protobuf::RepeatedPtrField<proto::Step>& list) {
  std::vector<PyStep> steps;
  steps.reserve(list.size());
  for (const proto::Step& s : list) {
    PyStep& p = steps.emplace_back();
    p.id = e.StepId(s);
    p.component = e.ComponentId(s);
    p.kind = std::string(plan::StepKindName(s.kind()));
    for (int32_t d : s.depends_on()) p.depends_on.push_back(e.StepId(list[d]));
    p.timeout = s.timeout_ms() / 1000.0;
    p.transition = plan::FormatTransition(e.StepTransition(s));
    p.waits_for = s.waits_for();
    p.wave = s.wave();
    p.batch = s.batch();
  }
  return steps;
}

plan::IntOrString ToIntOrString(const py::handle& value, const char* name) {
  if (value.is_none()) return plan::IntOrString();
  if (py::isinstance<py::bool_>(value)) {
    throw py::type_error(
        absl::StrCat(name, " must be an int or a string such as \"25%\""));
  }
  if (py::isinstance<py::int_>(value))
    return plan::IntOrString::Int(value.cast<int64_t>());
  if (py::isinstance<py::str>(value)) {
    return plan::IntOrString::String(value.cast<std::string>());
  }
  throw py::type_error(
      absl::StrCat(name, " must be an int or a string such as \"25%\""));
}

py::object IntOrStringToPy(const proto::IntOrString& v) {
  if (v.value_case() == proto::IntOrString::kIntValue)
    return py::int_(v.int_value());
  if (v.value_case() == proto::IntOrString::kStrValue)
    return py::str(v.str_value());
  return py::none();
}

}  // namespace

void RegisterPlan(py::module_& m) {
  py::class_<proto::Component>(
      m, "PlanComponent", "One component of a plan, as loaded (read-only).")
      .def_property_readonly("id", &proto::Component::id)
      .def_property_readonly(
          "kind",
          [](const proto::Component& c) {
            return std::string(plan::ComponentKindName(c.kind()));
          })
      .def_property_readonly(
          "version",
          [](const proto::Component& c) {
            return std::make_pair(c.version().from(), c.version().to());
          },
          "(from, to) as written.")
      .def_property_readonly("replicas",
                             [](const proto::Component& c) -> py::object {
                               if (!c.has_replicas()) return py::none();
                               return py::int_(c.replicas());
                             })
      .def_property_readonly("nodes",
                             [](const proto::Component& c) -> py::object {
                               if (!c.has_nodes()) return py::none();
                               return py::int_(c.nodes());
                             })
      .def_property_readonly(
          "strategy",
          [](const proto::Component& c) {
            return std::string(plan::StrategyTypeName(c.strategy().type()));
          })
      .def_property_readonly("max_surge",
                             [](const proto::Component& c) {
                               return IntOrStringToPy(c.strategy().max_surge());
                             })
      .def_property_readonly(
          "max_unavailable",
          [](const proto::Component& c) {
            return IntOrStringToPy(c.strategy().max_unavailable());
          })
      .def_property_readonly("exclusive",
                             [](const proto::Component& c) {
                               return std::vector<std::string>(
                                   c.exclusive().begin(), c.exclusive().end());
                             })
      .def_property_readonly("depends_on",
                             [](const proto::Component& c) {
                               return std::vector<std::string>(
                                   c.depends_on().begin(),
                                   c.depends_on().end());
                             })
      .def_property_readonly("provides",
                             [](const proto::Component& c) {
                               return std::vector<std::string>(
                                   c.provides().begin(), c.provides().end());
                             })
      .def_property_readonly("location",
                             [](const proto::Component& c) {
                               return plan::FormatLocation(c.location());
                             })
      .def("__repr__", [](const proto::Component& c) {
        return absl::StrCat("<PlanComponent ", c.id(), " ",
                            plan::ComponentKindName(c.kind()), ">");
      });

  py::class_<Plan>(
      m, "Plan",
      "An UpgradePlan (YAML apiVersion upgrade-core/v1), loaded and checked "
      "against the schema. Bad input raises PlanError listing every problem "
      "with file:line:column.")
      .def_static(
          "from_yaml",
          [](const std::string& text, const std::string& base_dir,
             const std::string& source) {
            plan::LoadOptions options;
            options.base_dir = base_dir;
            options.source_name = source;
            absl::StatusOr<Plan> plan;
            {
              py::gil_scoped_release no_gil;
              plan = Plan::FromYaml(text, options);
            }
            return PlanValueOrThrow(std::move(plan));
          },
          py::arg("text"), py::arg("base_dir") = "",
          py::arg("source") = "<input>",
          "Parses a YAML plan; relative config files resolve against "
          "`base_dir`.")
      .def_static(
          "from_file",
          [](const std::string& path) {
            absl::StatusOr<Plan> plan;
            {
              py::gil_scoped_release no_gil;
              plan = Plan::FromFile(path);
            }
            return PlanValueOrThrow(std::move(plan));
          },
          py::arg("path"),
          "Reads a YAML plan; relative files resolve against its directory.")
      .def_property_readonly("name", &Plan::name)
      .def_property_readonly(
          "components",
          [](const Plan& p) {
            return std::vector<proto::Component>(p.components().begin(),
                                                 p.components().end());
          },
          "The components in declaration order.")
      .def(
          "check",
          [](const Plan& p, bool check_config) {
            plan::PlannerOptions options;
            options.check_config = check_config;
            std::vector<diag::Diagnostic> problems;
            {
              py::gil_scoped_release no_gil;
              problems = plan::CheckPlan(p, options);
            }
            diag::Report report;
            report.findings = std::move(problems);
            return report;
          },
          py::arg("check_config") = true,
          "Runs every plan check; returns a Report whose findings are errors "
          "first (never raises for an unsafe plan).")
      .def("__repr__", [](const Plan& p) {
        return absl::StrCat("<Plan ", p.name(), ": ", p.components().size(),
                            " components>");
      });

  py::class_<PyStep>(m, "PlanStep", "One step of an ExecutionPlan.")
      .def_readonly("id", &PyStep::id, "'<component>/<kind>'")
      .def_readonly("component", &PyStep::component)
      .def_readonly("kind", &PyStep::kind,
                    "'preflight', 'backup', 'terminate-old', 'start-new', "
                    "'await-ready', 'verify' or 'rollback'")
      .def_readonly("depends_on", &PyStep::depends_on,
                    "Ids of the steps that must finish first.")
      .def_readonly("timeout", &PyStep::timeout,
                    "Seconds (0: waits without a deadline).")
      .def_readonly("transition", &PyStep::transition,
                    "The component lifecycle transition the step drives.")
      .def_readonly("waits_for", &PyStep::waits_for)
      .def_readonly("wave", &PyStep::wave)
      .def_readonly("batch", &PyStep::batch)
      .def("__repr__", [](const PyStep& s) {
        return absl::StrCat("<PlanStep ", s.id, ">");
      });

  py::class_<ExecutionPlan>(
      m, "ExecutionPlan",
      "A compiled plan: waves of components and their steps.")
      .def_property_readonly(
          "waves",
          [](const ExecutionPlan& e) {
            std::vector<std::vector<std::string>> waves;
            for (const proto::Wave& w : e.proto().waves()) {
              std::vector<std::string>& ids = waves.emplace_back();
              for (int32_t c : w.components()) {
                ids.push_back(e.proto().components(c));
              }
            }
            return waves;
          },
          "Component ids per wave; waves run one after another.")
      .def_property_readonly("steps",
                             [](const ExecutionPlan& e) {
                               return ToPySteps(e, e.proto().steps());
                             })
      .def_property_readonly("rollback_steps",
                             [](const ExecutionPlan& e) {
                               return ToPySteps(e, e.proto().rollback_steps());
                             })
      .def_property_readonly(
          "start_first",
          [](const ExecutionPlan& e) {
            py::dict out;
            for (int i = 0; i < e.proto().components_size(); ++i) {
              out[py::str(e.proto().components(i))] = e.StartFirst(i);
            }
            return out;
          },
          "{component id: bool}: True when the component's steps run "
          "start-first (new ready before old stops). Bind the component "
          "lifecycle's 'start_first' guard to it.")
      .def_property_readonly(
          "warnings",
          [](const ExecutionPlan& e) { return ToFindings(e.warnings()); })
      .def("to_text", &ExecutionPlan::ToText,
           "A readable table of waves and steps.")
      .def("to_json", &ExecutionPlan::ToJson, "Stable JSON.")
      .def("to_dot", &ExecutionPlan::ToDot, "Graphviz DOT of the steps.")
      .def(
          "to_mermaid",
          [](const ExecutionPlan& e, const std::string& diagram) {
            if (diagram == "gantt") return e.ToMermaidGantt();
            if (diagram == "flowchart") return e.ToMermaidFlowchart();
            throw py::value_error("diagram must be 'gantt' or 'flowchart'");
          },
          py::arg("diagram") = "gantt",
          "Mermaid: 'gantt' of the waves or 'flowchart' of the dependencies.")
      .def("__str__", &ExecutionPlan::ToText);

  m.def(
      "compile_plan",
      [](const Plan& p, bool check_config) {
        plan::PlannerOptions options;
        options.check_config = check_config;
        absl::StatusOr<ExecutionPlan> compiled;
        {
          py::gil_scoped_release no_gil;
          compiled = plan::CompilePlan(p, options);
        }
        return PlanValueOrThrow(std::move(compiled));
      },
      py::arg("plan"), py::arg("check_config") = true,
      "Checks and compiles a Plan; raises PlanError with every error if it is "
      "unsafe.");

  m.def(
      "resolve_rollout_budget",
      [](int64_t replicas, py::object max_surge, py::object max_unavailable,
         const std::string& kind, bool validate) {
        const plan::RolloutKind k = ValueOrThrow(plan::ParseRolloutKind(kind));
        const plan::RolloutBudget b = ValueOrThrow(plan::ResolveRolloutBudget(
            replicas, ToIntOrString(max_surge, "max_surge"),
            ToIntOrString(max_unavailable, "max_unavailable"), k, validate));
        return std::make_pair(b.surge, b.unavailable);
      },
      py::arg("replicas"), py::arg("max_surge") = py::none(),
      py::arg("max_unavailable") = py::none(), py::arg("kind") = "Deployment",
      py::arg("validate") = true,
      "Resolves maxSurge/maxUnavailable (ints or '25%' strings; None = the "
      "kind's "
      "default) to (surge, unavailable) as the Kubernetes Deployment or "
      "DaemonSet "
      "controller does. With validate=True, values the API server rejects "
      "raise "
      "ValueError in Kubernetes' words.");
}

}  // namespace upgrade_core::python
