// Python bindings of upgrade_core/plan: Plan, check(), compile_plan,
// ExecutionPlan and resolve_rollout_budget. Thin shims: convert arguments,
// one C++ call, convert the result.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "bindings/python/register.h"
#include "bindings/python/status_casters.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/plan/rollout.h"
#include "upgrade_core/plan/step_commands.h"

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

// A step's lifecycle transition as names (str() gives the words).
struct PyTransition {
  std::string from_state;
  std::string event;
  std::string to;
  std::string Words() const {
    return absl::StrCat(from_state, " -> ", to, " on ", event);
  }
};

struct PyGateBarrier {
  std::string reason;  // "exclusive-resource" or "service-floor"
  std::string name;
  std::vector<std::string> after;
};

// A step's gate (proto::Gate) with names instead of indices; str() gives the
// words ExecutionPlan::WaitsFor renders.
struct PyGate {
  std::vector<std::string> after;
  std::vector<PyGateBarrier> barriers;
  py::object strategy = py::none();  // rollout steps only
  int64_t instances = 0;
  bool per_node = false;
  int64_t max_surge = 0;
  int64_t max_unavailable = 0;
  int64_t ready = 0;
  int64_t ready_for_ms = 0;
  std::vector<std::string> verify_checks;
  std::string version;
  std::string words;
};

// A step as Python sees it: ids instead of indices.
struct PyStep {
  std::string id;
  std::string component;
  std::string kind;
  std::vector<std::string> depends_on;
  double timeout = 0;
  PyTransition transition;
  PyGate gate;
  int wave = 0;
  int batch = 0;
};

std::vector<std::string> Names(
    const proto::ExecutionPlan& p,
    const google::protobuf::RepeatedField<int32_t>& indices) {
  std::vector<std::string> out;
  out.reserve(indices.size());
  for (int32_t i : indices) out.push_back(p.components(i));
  return out;
}

std::vector<PyStep> ToPySteps(
    const ExecutionPlan& e,
    const google::protobuf::RepeatedPtrField<proto::Step>& list) {
  const fsm::StateMachine& lifecycle = fsm::ComponentLifecycle();
  const proto::ExecutionPlan& p = e.proto();
  std::vector<PyStep> steps;
  steps.reserve(list.size());
  for (const proto::Step& s : list) {
    PyStep& out = steps.emplace_back();
    out.id = e.StepId(s);
    out.component = e.ComponentId(s);
    out.kind = std::string(plan::StepKindName(s.kind()));
    for (int32_t d : s.depends_on())
      out.depends_on.push_back(e.StepId(list[d]));
    out.timeout = s.timeout_ms() / 1000.0;
    const plan::LifecycleTransition t = e.StepTransition(s);
    out.transition = {lifecycle.state_name(t.from),
                      lifecycle.event_name(t.event),
                      lifecycle.state_name(t.to)};
    const proto::Gate& g = s.gate();
    PyGate& gate = out.gate;
    gate.after = Names(p, g.after_components());
    for (const proto::GateBarrier& b : g.barriers()) {
      gate.barriers.push_back({b.reason() == proto::GateBarrier::SERVICE_FLOOR
                                   ? "service-floor"
                                   : "exclusive-resource",
                               b.name(), Names(p, b.after_components())});
    }
    if (g.strategy() != proto::STRATEGY_TYPE_UNSPECIFIED) {
      gate.strategy =
          py::str(std::string(plan::StrategyTypeName(g.strategy())));
    }
    gate.instances = g.instances();
    gate.per_node = g.per_node();
    gate.max_surge = g.max_surge();
    gate.max_unavailable = g.max_unavailable();
    gate.ready = g.ready();
    gate.ready_for_ms = g.ready_for_ms();
    gate.verify_checks.assign(g.verify_checks().begin(),
                              g.verify_checks().end());
    gate.version = g.version();
    gate.words = e.WaitsFor(s);
    out.wave = s.wave();
    out.batch = s.batch();
  }
  return steps;
}

// ---- a compiled plan's components: every setting, defaults applied -------
//
// The same values ExecutionPlan::ToJson writes under "components" (the
// bindings test compares the two).

struct PyStrategy {
  std::string type;                   // the strategy the planner uses
  py::object max_surge = py::none();  // as written: int, "25%" or None
  py::object max_unavailable = py::none();
};

struct PyReadiness {
  int64_t timeout_ms = 0;  // the await-ready step's deadline
  int min_ready_seconds = 0;
};

struct PyVerifyCheck {
  std::string name;
  std::string run;
  int64_t timeout_ms = 0;  // its own, or the plan's default step timeout
};

struct PyRetry {
  int attempts = 1;  // counts the first try
  int64_t backoff_ms = 0;
};

struct PyWebhook {
  std::string failure_policy;  // "Fail" (Kubernetes' default) or "Ignore"
  std::string served_by;
};

// One of a component's `commands:` (docs/run.md).
struct PyStepCommand {
  std::string run;
  std::map<std::string, std::string> env;
  std::string workdir;
  int64_t timeout_ms = 0;  // 0: the step's deadline only
  int retries = 0;
};

struct PyPlannedComponent {
  std::string id;
  std::string kind;
  std::string order;  // "start-first" or "terminate-first"
  bool start_first = false;
  int wave = 0;
  bool backup = false;
  bool irreversible = false;
  bool checkpoint = false;
  std::pair<std::string, std::string> version;
  py::object replicas = py::none();
  py::object nodes = py::none();
  PyStrategy strategy;
  std::vector<std::string> exclusive;
  std::vector<std::string> depends_on;
  std::vector<std::string> provides;
  PyReadiness readiness;
  std::vector<PyVerifyCheck> verify;
  PyRetry retry;
  py::object webhook = py::none();  // PyWebhook for kind Webhook
  // By key ("apply", "await", ...), only the commands the plan gives.
  std::map<std::string, PyStepCommand> commands;
};

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

std::vector<PyPlannedComponent> ToPyComponents(const ExecutionPlan& e) {
  const proto::ExecutionPlan& p = e.proto();
  const int n = p.components_size();
  // Each component has one step of each of these kinds.
  std::vector<const proto::Step*> rollout(n), ready(n), verify(n);
  for (const proto::Step& s : p.steps()) {
    if (s.kind() == proto::TERMINATE_OLD) rollout[s.component()] = &s;
    if (s.kind() == proto::AWAIT_READY) ready[s.component()] = &s;
    if (s.kind() == proto::VERIFY) verify[s.component()] = &s;
  }
  std::vector<PyPlannedComponent> out(n);
  for (int i = 0; i < n; ++i) {
    const proto::Component& c = p.source().components(i);
    const proto::Step& r =
        rollout[i] ? *rollout[i] : proto::Step::default_instance();
    PyPlannedComponent& o = out[i];
    o.id = p.components(i);
    o.kind = std::string(plan::ComponentKindName(c.kind()));
    o.start_first = e.StartFirst(i);
    o.order = o.start_first ? "start-first" : "terminate-first";
    o.wave = r.wave();
    o.backup = e.HasBackup(i);
    o.irreversible = c.irreversible();
    o.checkpoint = c.checkpoint();
    o.version = {c.version().from(), c.version().to()};
    (c.kind() == proto::DAEMON_SET ? o.nodes : o.replicas) =
        py::int_(r.gate().instances());
    o.strategy.type = std::string(plan::StrategyTypeName(r.gate().strategy()));
    o.strategy.max_surge = IntOrStringToPy(c.strategy().max_surge());
    o.strategy.max_unavailable =
        IntOrStringToPy(c.strategy().max_unavailable());
    o.exclusive.assign(c.exclusive().begin(), c.exclusive().end());
    o.depends_on.assign(c.depends_on().begin(), c.depends_on().end());
    o.provides.assign(c.provides().begin(), c.provides().end());
    o.readiness.timeout_ms = ready[i] ? ready[i]->timeout_ms() : 0;
    o.readiness.min_ready_seconds = c.readiness().min_ready_seconds();
    const proto::Gate& checks =
        verify[i] ? verify[i]->gate() : proto::Gate::default_instance();
    for (int k = 0; k < c.verify_size(); ++k) {
      const proto::VerifyCheck& v = c.verify(k);
      o.verify.push_back({v.name(), v.run(),
                          k < checks.verify_timeouts_ms_size()
                              ? checks.verify_timeouts_ms(k)
                              : v.timeout_ms()});
    }
    o.retry.attempts = std::max(1, c.retry().attempts());
    o.retry.backoff_ms = c.retry().backoff_ms();
    if (c.kind() == proto::WEBHOOK) {
      o.webhook = py::cast(PyWebhook{
          c.webhook().failure_policy() == proto::IGNORE ? "Ignore" : "Fail",
          c.webhook().served_by()});
    }
    for (const plan::StepCommandSlot& slot : plan::StepCommandSlots()) {
      if (!(c.commands().*slot.has)()) continue;
      const proto::StepCommand& sc = (c.commands().*slot.get)();
      o.commands[slot.key] = {
          sc.run(),
          std::map<std::string, std::string>(sc.env().begin(), sc.env().end()),
          sc.workdir(), sc.timeout_ms(), sc.retries()};
    }
  }
  return out;
}

std::string Repr(const py::object& o) {
  return py::repr(o).cast<std::string>();
}

// ---- Plan.from_dict: Python data in the YAML shape -> the same loader -----
//
// The data becomes a document through JSON (like StateMachine.from_dict and
// Document.from_python) and goes through Plan::FromDocument, the walk
// from_yaml uses, so the two cannot disagree; problems are located by their
// path ("components[1].dependsOn"), the data having no lines.
Plan PlanFromDict(py::handle value, const std::string& base_dir,
                  const std::string& source) {
  std::string text;
  try {
    text = py::module_::import("json")
               .attr("dumps")(value, py::arg("allow_nan") = false)
               .cast<std::string>();
  } catch (const py::error_already_set& e) {
    if (!e.matches(PyExc_TypeError) && !e.matches(PyExc_ValueError)) throw;
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "a plan must be plain data (dicts with string keys, lists, strings, "
        "ints, floats, bools, None): ",
        e.value().attr("__str__")().cast<std::string>())));
  }
  plan::LoadOptions options;
  options.base_dir = base_dir;
  options.source_name = source;
  options.line_numbers = false;
  absl::StatusOr<Plan> plan;
  {
    py::gil_scoped_release no_gil;
    absl::StatusOr<document::Document> doc =
        document::Document::FromJson(text, source);
    plan = doc.ok() ? Plan::FromDocument(*doc, options)
                    : absl::StatusOr<Plan>(doc.status());
  }
  return PlanValueOrThrow(std::move(plan));
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
      .def_property_readonly("backup", &proto::Component::backup)
      .def_property_readonly("irreversible", &proto::Component::irreversible,
                             "Its upgrade cannot be rolled back.")
      .def_property_readonly("checkpoint", &proto::Component::checkpoint,
                             "An irreversible component the plan accepts as "
                             "its point of no return.")
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
      .def_static("from_dict", &PlanFromDict, py::arg("data"),
                  py::arg("base_dir") = "", py::arg("source") = "<dict>",
                  "A plan from Python data in the YAML shape (dicts, lists, "
                  "scalars, e.g. from yaml.safe_load or json.load), through "
                  "the same loader as from_yaml; PlanError names each "
                  "problem's path.")
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

  py::class_<PyTransition>(
      m, "StepTransition",
      "The component lifecycle transition a successful step drives; str() "
      "gives 'from -> to on event'.")
      .def_readonly("from_state", &PyTransition::from_state,
                    "The state the step runs in.")
      .def_readonly("event", &PyTransition::event,
                    "The event to fire when the step succeeds.")
      .def_readonly("to", &PyTransition::to, "The state it leads to.")
      .def("__str__", &PyTransition::Words)
      .def("__repr__",
           [](const PyTransition& t) {
             return absl::StrCat("<StepTransition ", t.Words(), ">");
           })
      .def(
          "__eq__",
          [](const PyTransition& a, const PyTransition& b) {
            return a.from_state == b.from_state && a.event == b.event &&
                   a.to == b.to;
          },
          py::is_operator());

  py::class_<PyGateBarrier>(
      m, "GateBarrier",
      "Components in an earlier wave a preflight waits for although no "
      "dependsOn orders them.")
      .def_readonly("reason", &PyGateBarrier::reason,
                    "'exclusive-resource' or 'service-floor'.")
      .def_readonly("name", &PyGateBarrier::name,
                    "The resource (e.g. 'hostPort:80') or the service.")
      .def_readonly("after", &PyGateBarrier::after)
      .def("__repr__", [](const PyGateBarrier& b) {
        return absl::StrCat("<GateBarrier ", b.reason, " ", b.name, " after ",
                            absl::StrJoin(b.after, ", "), ">");
      });

  py::class_<PyGate>(
      m, "StepGate",
      "What a step waits for, as data (docs/plan-reference.md, execution plan "
      "JSON); str() gives the words the text output shows.")
      .def_readonly("after", &PyGate::after,
                    "preflight: dependencies verified first; rollback: "
                    "dependents rolled back first.")
      .def_readonly("barriers", &PyGate::barriers)
      .def_readonly("strategy", &PyGate::strategy,
                    "terminate-old/start-new: the resolved strategy.")
      .def_readonly("instances", &PyGate::instances)
      .def_readonly("per_node", &PyGate::per_node)
      .def_readonly("max_surge", &PyGate::max_surge,
                    "Resolved to an instance count.")
      .def_readonly("max_unavailable", &PyGate::max_unavailable,
                    "Resolved to an instance count.")
      .def_readonly("ready", &PyGate::ready,
                    "await-ready: instances that must be ready.")
      .def_readonly("ready_for_ms", &PyGate::ready_for_ms,
                    "await-ready: how long they must stay ready.")
      .def_readonly("verify_checks", &PyGate::verify_checks)
      .def_readonly("version", &PyGate::version,
                    "start-new: the target; rollback: the version restored.")
      .def("__str__", [](const PyGate& g) { return g.words; })
      .def("__repr__", [](const PyGate& g) {
        return absl::StrCat("<StepGate ", Repr(py::str(g.words)), ">");
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
      .def_readonly("gate", &PyStep::gate, "What the step waits for.")
      .def_property_readonly(
          "waits_for", [](const PyStep& s) { return s.gate.words; },
          "str(gate): the words the text output shows.")
      .def_readonly("wave", &PyStep::wave)
      .def_readonly("batch", &PyStep::batch)
      .def("__repr__", [](const PyStep& s) {
        return absl::StrCat("<PlanStep ", s.id, ">");
      });

  py::class_<PyStrategy>(m, "RolloutStrategy",
                         "How a compiled plan's component is replaced.")
      .def_readonly("type", &PyStrategy::type,
                    "The strategy the planner uses (the kind's default when "
                    "none is written).")
      .def_readonly("max_surge", &PyStrategy::max_surge,
                    "As written: an int, a '25%' string or None.")
      .def_readonly("max_unavailable", &PyStrategy::max_unavailable,
                    "As written: an int, a '25%' string or None.")
      .def("__repr__", [](const PyStrategy& s) {
        return absl::StrCat("<RolloutStrategy ", s.type,
                            " maxSurge=", Repr(s.max_surge),
                            " maxUnavailable=", Repr(s.max_unavailable), ">");
      });

  py::class_<PyReadiness>(m, "Readiness", "A component's readiness gate.")
      .def_readonly("timeout_ms", &PyReadiness::timeout_ms,
                    "The await-ready step's deadline.")
      .def_readonly("min_ready_seconds", &PyReadiness::min_ready_seconds)
      .def("__repr__", [](const PyReadiness& r) {
        return absl::StrCat("<Readiness timeout_ms=", r.timeout_ms,
                            " min_ready_seconds=", r.min_ready_seconds, ">");
      });

  py::class_<PyVerifyCheck>(m, "VerifyCheck",
                            "A post-upgrade check; the runner interprets run.")
      .def_readonly("name", &PyVerifyCheck::name)
      .def_readonly("run", &PyVerifyCheck::run)
      .def_readonly("timeout_ms", &PyVerifyCheck::timeout_ms,
                    "Its own timeout, or the plan's default step timeout.")
      .def("__repr__", [](const PyVerifyCheck& v) {
        return absl::StrCat("<VerifyCheck ", v.name,
                            " run=", Repr(py::str(v.run)),
                            " timeout_ms=", v.timeout_ms, ">");
      });

  py::class_<PyRetry>(m, "RetryPolicy", "Per-step retries for the runner.")
      .def_readonly("attempts", &PyRetry::attempts,
                    "Total attempts per step, counting the first (>= 1).")
      .def_readonly("backoff_ms", &PyRetry::backoff_ms)
      .def("__repr__", [](const PyRetry& r) {
        return absl::StrCat("<RetryPolicy attempts=", r.attempts,
                            " backoff_ms=", r.backoff_ms, ">");
      });

  py::class_<PyWebhook>(m, "WebhookSpec",
                        "An admission webhook and who serves it.")
      .def_readonly("failure_policy", &PyWebhook::failure_policy,
                    "'Fail' (also when not written, as in Kubernetes) or "
                    "'Ignore'.")
      .def_readonly("served_by", &PyWebhook::served_by)
      .def("__repr__", [](const PyWebhook& w) {
        return absl::StrCat("<WebhookSpec failure_policy=", w.failure_policy,
                            " served_by=", w.served_by, ">");
      });

  py::class_<PyStepCommand>(
      m, "StepCommand",
      "A shell command attached to a component's step (`commands:` in a "
      "plan, docs/run.md).")
      .def_readonly("run", &PyStepCommand::run, "Run as /bin/sh -c RUN.")
      .def_readonly("env", &PyStepCommand::env,
                    "Added to the command's environment.")
      .def_readonly("workdir", &PyStepCommand::workdir,
                    "Relative to the plan's directory; '' for the runner's.")
      .def_readonly("timeout_ms", &PyStepCommand::timeout_ms,
                    "Per run; 0: the step's deadline only.")
      .def_readonly("retries", &PyStepCommand::retries,
                    "Re-runs after a failure within one attempt.")
      .def("__repr__", [](const PyStepCommand& c) {
        return absl::StrCat("<StepCommand run=", Repr(py::str(c.run)), ">");
      });

  py::class_<PyPlannedComponent>(
      m, "PlannedComponent",
      "A compiled plan's component with every setting a runner needs, "
      "defaults applied.")
      .def_readonly("id", &PyPlannedComponent::id)
      .def_readonly("kind", &PyPlannedComponent::kind)
      .def_readonly("order", &PyPlannedComponent::order,
                    "'start-first' or 'terminate-first'.")
      .def_readonly("start_first", &PyPlannedComponent::start_first,
                    "Bind the component lifecycle's 'start_first' guard to "
                    "it.")
      .def_readonly("wave", &PyPlannedComponent::wave)
      .def_readonly("backup", &PyPlannedComponent::backup)
      .def_readonly("irreversible", &PyPlannedComponent::irreversible)
      .def_readonly("checkpoint", &PyPlannedComponent::checkpoint)
      .def_readonly("version", &PyPlannedComponent::version,
                    "(from, to) as written.")
      .def_readonly("replicas", &PyPlannedComponent::replicas,
                    "Instances (None for a DaemonSet).")
      .def_readonly("nodes", &PyPlannedComponent::nodes,
                    "DaemonSet: nodes (None for other kinds).")
      .def_readonly("strategy", &PyPlannedComponent::strategy)
      .def_readonly("exclusive", &PyPlannedComponent::exclusive)
      .def_readonly("depends_on", &PyPlannedComponent::depends_on)
      .def_readonly("provides", &PyPlannedComponent::provides)
      .def_readonly("readiness", &PyPlannedComponent::readiness)
      .def_readonly("verify", &PyPlannedComponent::verify)
      .def_readonly("retry", &PyPlannedComponent::retry)
      .def_readonly("webhook", &PyPlannedComponent::webhook,
                    "WebhookSpec for kind Webhook, else None.")
      .def_readonly("commands", &PyPlannedComponent::commands,
                    "The commands the plan attaches, by key: 'preflight', "
                    "'backup', 'apply', 'terminate', 'await', 'rollback' "
                    "(verify commands are in `verify`).")
      .def("__repr__", [](const PyPlannedComponent& c) {
        return absl::StrCat("<PlannedComponent ", c.id, " ", c.kind, " ",
                            c.order, " wave ", c.wave,
                            c.irreversible ? " irreversible" : "",
                            c.checkpoint ? " checkpoint" : "", ">");
      });

  py::class_<ExecutionPlan>(
      m, "ExecutionPlan",
      "A compiled plan: waves of components and their steps.")
      .def_property_readonly(
          "name", [](const ExecutionPlan& e) { return e.proto().name(); })
      .def_property_readonly(
          "on_failure",
          [](const ExecutionPlan& e) {
            return std::string(plan::FailurePolicyName(e.proto().on_failure()));
          },
          "'rollback-all', 'rollback-failed', 'pause' or 'continue'.")
      .def_property_readonly(
          "max_parallel",
          [](const ExecutionPlan& e) { return e.proto().max_parallel(); },
          "Components per wave at most (0: unlimited).")
      .def_property_readonly(
          "labels",
          [](const ExecutionPlan& e) {
            const auto& labels = e.proto().source().metadata().labels();
            return std::map<std::string, std::string>(labels.begin(),
                                                      labels.end());
          },
          "The plan's metadata labels.")
      .def_property_readonly("components", &ToPyComponents,
                             "Every component in plan order, with the "
                             "settings a runner needs.")
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
