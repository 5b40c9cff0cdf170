// Python binding of upgrade_core/fsm: StateMachine, StateMachineInstance,
// the built-in lifecycles. Thin shims: guards and actions are Python
// callables bound into Instance<py::object>.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "bindings/python/fsm_instance.h"
#include "bindings/python/register.h"
#include "bindings/python/status_casters.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/fsm/definition.h"
#include "upgrade_core/fsm/instance.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/fsm/snapshot.h"
#include "upgrade_core/fsm/state_machine.h"
#include "upgrade_core/fsm/yaml_loader.h"

namespace upgrade_core::python {
namespace {

namespace py = pybind11;
using fsm::EventId;
using fsm::StateId;
using fsm::StateMachine;
using PyInstance = fsm::Instance<py::object>;

// ---- from_dict: a Python dict in the YAML shape -> definition ------------
//
// The dict becomes a document (through JSON, like Document.from_python) and
// goes through the same walk as the YAML form, so the two can never disagree;
// errors name the path in the dict ("transitions[0].from").
fsm::StateMachineDefinition DefinitionFromDict(py::handle value) {
  std::string text;
  try {
    text = py::module_::import("json").attr("dumps")(value).cast<std::string>();
  } catch (const py::error_already_set& e) {
    if (!e.matches(PyExc_TypeError) && !e.matches(PyExc_ValueError)) throw;
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "a state machine definition must be plain data (dicts, lists, "
        "strings): ",
        e.value().attr("__str__")().cast<std::string>())));
  }
  absl::StatusOr<document::Document> doc =
      document::Document::FromJson(text, "<dict>");
  if (!doc.ok()) ThrowStatus(doc.status());
  return ValueOrThrow(fsm::StateMachineDefinitionFromDocument(
      doc->root(), fsm::DefinitionLocations::kPaths));
}

// ---- instances --------------------------------------------------------------

py::object TimeToPy(absl::Time t) {
  if (t == absl::InfinitePast()) return py::none();
  return py::float_(absl::ToUnixNanos(t) / 1e9);
}

absl::Time TimeFromPy(const std::optional<double>& at) {
  if (!at) return absl::InfinitePast();
  // Nanoseconds since the epoch must fit an int64 (about +-292 years):
  // beyond that the conversion would record a garbage time (issue 9).
  if (!std::isfinite(*at) || std::fabs(*at) > 9.2e9) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "at: want seconds since the Unix epoch within +-9.2e9 (years "
        "1678-2262), got ",
        *at)));
  }
  return absl::FromUnixNanos(static_cast<int64_t>(std::llround(*at * 1e9)));
}

[[noreturn]] void RaiseTransitionError(const fsm::InstanceCore& instance,
                                       EventId event,
                                       const absl::Status& status) {
  RaiseError("TransitionError", std::string(status.message()),
             py::arg("state") = instance.state_name(),
             py::arg("event") = instance.machine().event_name(event),
             py::arg("allowed") =
                 instance.machine().AllowedEventNames(instance.state()));
}

PyStateMachineInstance NewInstance(const StateMachine& machine,
                                   std::optional<py::dict> guards,
                                   std::optional<py::dict> actions,
                                   py::object history,
                                   std::optional<std::string> state) {
  fsm::Callbacks<py::object> callbacks;
  if (guards) {
    for (auto kv : *guards) {
      py::object fn = py::reinterpret_borrow<py::object>(kv.second);
      if (!PyCallable_Check(fn.ptr())) {
        ThrowStatus(absl::InvalidArgumentError(
            absl::StrCat("guard '", py::str(kv.first).cast<std::string>(),
                         "' is not callable")));
      }
      callbacks.Guard(py::str(kv.first).cast<std::string>(),
                      [fn](py::object& context) {
                        return py::bool_(fn(context)).cast<bool>();
                      });
    }
  }
  if (actions) {
    for (auto kv : *actions) {
      py::object fn = py::reinterpret_borrow<py::object>(kv.second);
      if (!PyCallable_Check(fn.ptr())) {
        ThrowStatus(absl::InvalidArgumentError(
            absl::StrCat("action '", py::str(kv.first).cast<std::string>(),
                         "' is not callable")));
      }
      callbacks.Action(
          py::str(kv.first).cast<std::string>(),
          [fn](py::object& context, const fsm::Step&) { fn(context); });
    }
  }
  fsm::HistoryOptions options;
  if (history.is_none()) {
    options.mode = fsm::HistoryMode::kNone;
  } else if (py::isinstance<py::str>(history) &&
             history.cast<std::string>() == "full") {
    options.mode = fsm::HistoryMode::kFull;
  } else if (py::isinstance<py::int_>(history) &&
             !py::isinstance<py::bool_>(history) &&
             history.cast<long long>() > 0) {
    options.mode = fsm::HistoryMode::kBounded;
    options.capacity = history.cast<size_t>();
  } else {
    ThrowStatus(absl::InvalidArgumentError(
        "history: want None, a positive ring size, or \"full\""));
  }
  PyStateMachineInstance out(
      ValueOrThrow(PyInstance::Create(machine, std::move(callbacks), options)));
  if (state) {
    std::optional<StateId> id = machine.FindState(*state);
    if (!id) {
      ThrowStatus(absl::InvalidArgumentError(
          absl::StrCat("unknown state '", *state, "'")));
    }
    ThrowIfError(out.instance.Restore(*id, {}));
  }
  return out;
}

struct TransitionRecord {
  std::string from_state;
  std::string event;
  std::string to_state;
  py::object at;
};

py::list History(const fsm::InstanceCore& instance) {
  const StateMachine& m = instance.machine();
  py::list out;
  for (const fsm::HistoryEntry& e : instance.History()) {
    out.append(
        py::cast(TransitionRecord{m.state_name(e.from), m.event_name(e.event),
                                  m.state_name(e.to), TimeToPy(e.at)}));
  }
  return out;
}

}  // namespace

void Fire(PyStateMachineInstance& self, absl::string_view event,
          py::object& context, absl::Time at) {
  PyInstance& inst = self.instance;
  std::optional<EventId> id = inst.machine().FindEvent(event);
  if (!id) ThrowStatus(inst.UnknownEventError(event));
  absl::Status status = inst.Fire(*id, context, at);
  if (!status.ok()) {
    // A re-entrant fire() from a callable is misuse, not a refused event.
    if (status.code() == absl::StatusCode::kFailedPrecondition &&
        !inst.in_transition()) {
      RaiseTransitionError(inst, *id, status);
    }
    ThrowStatus(status);
  }
}

void RegisterFsm(py::module_& m) {
  py::class_<fsm::DefinitionProblem>(m, "DefinitionProblem",
                                     "One problem StateMachine.check() found.")
      .def_property_readonly(
          "kind",
          [](const fsm::DefinitionProblem& p) {
            return std::string(fsm::DefinitionProblemKindName(p.kind));
          },
          "unreachable_state, dead_end, terminal_has_transitions, "
          "ambiguous_transition or unused_event.")
      .def_readonly("states", &fsm::DefinitionProblem::states,
                    "States involved.")
      .def_readonly("events", &fsm::DefinitionProblem::events,
                    "Events involved.")
      .def_readonly("message", &fsm::DefinitionProblem::message,
                    "One-line message.")
      .def("__str__", [](const fsm::DefinitionProblem& p) { return p.message; })
      .def("__repr__", [](const fsm::DefinitionProblem& p) {
        return absl::StrCat("DefinitionProblem(",
                            fsm::DefinitionProblemKindName(p.kind), ": ",
                            p.message, ")");
      });

  py::class_<TransitionRecord>(m, "TransitionRecord",
                               "One transition in an instance's history.")
      .def(py::init([](std::string from_state, std::string event,
                       std::string to_state, py::object at) {
             return TransitionRecord{std::move(from_state), std::move(event),
                                     std::move(to_state), std::move(at)};
           }),
           py::arg("from_state"), py::arg("event"), py::arg("to_state"),
           py::arg("at") = py::none())
      .def_readonly("from_state", &TransitionRecord::from_state)
      .def_readonly("event", &TransitionRecord::event)
      .def_readonly("to_state", &TransitionRecord::to_state)
      .def_readonly("at", &TransitionRecord::at,
                    "Caller-supplied time (Unix seconds) or None.")
      .def("__eq__",
           [](const TransitionRecord& a, const TransitionRecord& b) {
             return a.from_state == b.from_state && a.event == b.event &&
                    a.to_state == b.to_state && a.at.equal(b.at);
           })
      .def("__repr__", [](const TransitionRecord& r) {
        return absl::StrCat("TransitionRecord(", r.from_state, " --", r.event,
                            "--> ", r.to_state,
                            ", at=", std::string(py::repr(r.at)), ")");
      });

  py::class_<StateMachine>(
      m, "StateMachine",
      "A validated, compiled state machine definition (immutable).")
      .def_static(
          "from_yaml",
          [](const std::string& text) {
            absl::StatusOr<StateMachine> machine =
                absl::UnknownError("not parsed");
            {
              py::gil_scoped_release no_gil;
              machine = fsm::StateMachineFromYaml(text);
            }
            return ValueOrThrow(std::move(machine));
          },
          py::arg("text"),
          "Parses the YAML form; InputError names line and column of every "
          "problem.")
      .def_static(
          "from_dict",
          [](py::handle d) {
            fsm::StateMachineDefinition def = DefinitionFromDict(d);
            return ValueOrThrow(StateMachine::Create(std::move(def)));
          },
          py::arg("definition"),
          "Builds from a dict in the YAML shape (initial, terminal, states, "
          "events, transitions).")
      .def_property_readonly("name", &StateMachine::name)
      .def_property_readonly(
          "states",
          [](const StateMachine& s) {
            std::vector<std::string> out;
            for (StateId i = 0; i < s.num_states(); ++i) {
              out.push_back(s.state_name(i));
            }
            return out;
          },
          "State names in declaration order.")
      .def_property_readonly(
          "events",
          [](const StateMachine& s) {
            std::vector<std::string> out;
            for (EventId i = 0; i < s.num_events(); ++i) {
              out.push_back(s.event_name(i));
            }
            return out;
          },
          "Event names in declaration order.")
      .def_property_readonly(
          "initial",
          [](const StateMachine& s) { return s.state_name(s.initial()); })
      .def_property_readonly(
          "terminal",
          [](const StateMachine& s) {
            std::vector<std::string> out;
            for (StateId i = 0; i < s.num_states(); ++i) {
              if (s.is_terminal(i)) out.push_back(s.state_name(i));
            }
            return out;
          },
          "Terminal state names in declaration order.")
      .def_property_readonly("guards", &StateMachine::guard_names,
                             "Guard names the instance must bind.")
      .def_property_readonly("actions", &StateMachine::action_names,
                             "Action names the instance may bind.")
      .def("check", &StateMachine::Check,
           "Definition problems (unreachable states, dead ends, terminal "
           "states with exits, ambiguous transitions, unused events); empty "
           "when sound.")
      .def(
          "allowed_events",
          [](const StateMachine& s, const std::string& state) {
            std::optional<StateId> id = s.FindState(state);
            if (!id) {
              ThrowStatus(absl::InvalidArgumentError(
                  absl::StrCat("unknown state '", state, "'")));
            }
            return s.AllowedEventNames(*id);
          },
          py::arg("state"), "Events with a transition out of `state`.")
      .def("to_mermaid", &StateMachine::ToMermaid,
           "Mermaid stateDiagram-v2 text.")
      .def("to_dot", &StateMachine::ToDot, "Graphviz DOT text.")
      .def(
          "instance",
          [](const StateMachine& s, std::optional<py::dict> guards,
             std::optional<py::dict> actions, py::object history,
             std::optional<std::string> state) {
            return Link(
                py::cast(NewInstance(s, std::move(guards), std::move(actions),
                                     std::move(history), std::move(state))));
          },
          py::arg("guards") = py::none(), py::arg("actions") = py::none(),
          py::arg("history") = py::none(), py::arg("state") = py::none(),
          "A new instance in the initial state (or `state`, without running "
          "actions). guards/actions: {name: callable(context)}; every guard "
          "must be bound. history: None, a ring size, or \"full\".")
      .def("__repr__", [](const StateMachine& s) {
        return absl::StrCat("StateMachine(", s.name().empty() ? "" : s.name(),
                            s.name().empty() ? "" : ": ", s.num_states(),
                            " states, ", s.num_events(), " events, ",
                            s.definition().transitions.size(), " transitions)");
      });

  py::class_<PyStateMachineInstance> instance_class(
      m, "StateMachineInstance",
      "A running instance: current state, optional history, bound "
      "callables. Not thread-safe.");
  instance_class
      .def_property_readonly(
          "machine",
          [](const PyStateMachineInstance& i) { return i.instance.machine(); })
      .def_property_readonly("is_terminal",
                             [](const PyStateMachineInstance& i) {
                               return i.instance.is_terminal();
                             })
      .def(
          "_fire",
          [](PyStateMachineInstance& self, const std::string& event,
             py::object context, std::optional<double> at) {
            Fire(self, event, context, TimeFromPy(at));
          },
          py::arg("event"), py::arg("context") = py::none(),
          py::arg("at") = py::none(), "fire() with every argument form.")
      .def(
          "can_fire",
          [](const PyStateMachineInstance& self, const std::string& event) {
            std::optional<EventId> id =
                self.instance.machine().FindEvent(event);
            return id.has_value() && self.instance.CanFire(*id);
          },
          py::arg("event"),
          "True if a transition leaves the current state on `event` (guards "
          "not evaluated).")
      .def(
          "allowed_events",
          [](const PyStateMachineInstance& self) {
            return self.instance.machine().AllowedEventNames(
                self.instance.state());
          },
          "Events with a transition out of the current state.")
      .def_property_readonly(
          "history",
          [](const PyStateMachineInstance& self) {
            return History(self.instance);
          },
          "Recorded transitions, oldest first (list of TransitionRecord).")
      .def_property_readonly(
          "history_dropped",
          [](const PyStateMachineInstance& self) {
            return self.instance.history_dropped();
          },
          "Transitions evicted from a bounded history.")
      .def(
          "snapshot",
          [](const PyStateMachineInstance& self) {
            return py::bytes(
                fsm::ToSnapshot(self.instance).SerializeAsString());
          },
          "State and history as a serialized upgrade_core.proto.FsmSnapshot.")
      .def(
          "restore",
          [](PyStateMachineInstance& self, const py::bytes& data) {
            proto::FsmSnapshot snapshot;
            if (!snapshot.ParseFromString(std::string(data))) {
              ThrowStatus(absl::InvalidArgumentError(
                  "snapshot: not a serialized FsmSnapshot"));
            }
            ThrowIfError(fsm::RestoreSnapshot(snapshot, self.instance));
          },
          py::arg("data"),
          "Restores state and history from snapshot() bytes (validated "
          "against the definition; no actions run).")
      .def("__repr__", [](const PyStateMachineInstance& self) {
        return absl::StrCat(
            "StateMachineInstance(state=", self.instance.state_name(), ")");
      });
  // `fire` and `state`: the hot path, bound in fsm_fast_paths.cc.
  InstallFastPaths(instance_class);

  m.def(
      "component_lifecycle", [] { return fsm::ComponentLifecycle(); },
      "The built-in component lifecycle (see docs/fsm.md). Guards to bind: "
      "'rollback_on_failure' (the plan's failure policy) and 'start_first' "
      "(the component's step order; ExecutionPlan.start_first).");
  m.def(
      "plan_lifecycle", [] { return fsm::PlanLifecycle(); },
      "The built-in plan lifecycle (see docs/fsm.md).");
}

}  // namespace upgrade_core::python
