// File: sim_bindings.cc
// -----------------------------------------------------------------------------
// The simulator (upgrade_core/sim, docs/simulate.md): Cluster (nodes, and
// what a cluster file adds: pod timing, step durations, faults), Fault,
// simulate() and SimulationResult. Thin shims: the GIL is released while
// simulating; errors cross through status_casters.h (a bad cluster file or a
// fault naming an unknown step is an InputError).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "bindings/python/register.h"
#include "bindings/python/status_casters.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/sim/cluster_loader.h"
#include "upgrade_core/sim/many.h"
#include "upgrade_core/sim/render.h"
#include "upgrade_core/sim/simulator.h"

namespace upgrade_core::python {
namespace {

namespace py = pybind11;
using sim::ClusterSpec;
using sim::Fault;
using sim::SimResult;

ClusterSpec MakeCluster(int64_t nodes,
                        const std::map<std::string, std::string>& labels,
                        const std::vector<std::string>& names) {
  if (nodes < 0 || nodes > 10000) {
    ThrowStatus(absl::InvalidArgumentError(
        absl::StrCat("nodes must be between 0 and 10000, got ", nodes)));
  }
  if (nodes > 0 && !names.empty()) {
    ThrowStatus(absl::InvalidArgumentError(
        "give either nodes (a count) or names, not both"));
  }
  ClusterSpec spec;
  for (int64_t i = 1; i <= nodes; ++i) {
    spec.cluster.nodes.push_back({absl::StrCat("node-", i), labels});
  }
  for (const std::string& n : names) {
    for (const sim::Node& seen : spec.cluster.nodes) {
      if (seen.name == n) {
        ThrowStatus(absl::InvalidArgumentError(
            absl::StrCat("node \"", n, "\" is named twice")));
      }
    }
    spec.cluster.nodes.push_back({n, labels});
  }
  return spec;
}

const sim::ServiceResult& Service(const SimResult& r, const std::string& name) {
  for (const sim::ServiceResult& s : r.services) {
    if (s.name == name) return s;
  }
  std::string known;
  for (const sim::ServiceResult& s : r.services) {
    absl::StrAppend(&known, known.empty() ? "" : ", ", s.name);
  }
  throw py::key_error(absl::StrCat(
      "no service \"", name,
      "\" in the plan (services: ", known.empty() ? "none" : known, ")"));
}

SimResult Simulate(const plan::ExecutionPlan& plan,
                   const std::optional<ClusterSpec>& cluster, uint64_t seed,
                   const std::vector<Fault>& faults) {
  absl::StatusOr<SimResult> result;
  {
    py::gil_scoped_release no_gil;
    ClusterSpec spec = cluster.value_or(ClusterSpec{});
    spec.options.seed = seed;
    spec.options.faults.insert(spec.options.faults.end(), faults.begin(),
                               faults.end());
    result = sim::Simulate(plan, spec.cluster, spec.options);
  }
  return ValueOrThrow(std::move(result));
}

std::vector<uint64_t> Seeds(const std::optional<std::vector<uint64_t>>& seeds,
                            uint64_t default_count) {
  if (seeds.has_value()) return *seeds;
  std::vector<uint64_t> all(default_count);
  for (uint64_t i = 0; i < default_count; ++i) all[i] = i;
  return all;
}

int Workers(std::optional<int> workers) {
  if (workers.has_value() && *workers < 1) {
    ThrowStatus(absl::InvalidArgumentError(absl::StrCat(
        "workers must be at least 1 (None: one per core), got ", *workers)));
  }
  return workers.value_or(sim::kDefaultWorkers);
}

py::dict PercentilesDict(const sim::Percentiles& p) {
  py::dict d;
  d["p50"] = p.p50;
  d["p90"] = p.p90;
  d["p99"] = p.p99;
  d["max"] = p.max;
  return d;
}

const sim::ServiceSpread& Spread(const sim::ManyResult& r,
                                 const std::string& name) {
  for (const sim::ServiceSpread& s : r.services) {
    if (s.name == name) return s;
  }
  throw py::key_error(absl::StrCat("no service \"", name, "\" in the plan"));
}

sim::ManyResult SimulateMany(const plan::ExecutionPlan& plan,
                             const std::optional<ClusterSpec>& cluster,
                             const std::optional<std::vector<uint64_t>>& seeds,
                             std::optional<int> workers) {
  const std::vector<uint64_t> s = Seeds(seeds, 1000);
  const int w = Workers(workers);
  absl::StatusOr<sim::ManyResult> result;
  {
    py::gil_scoped_release no_gil;
    const ClusterSpec spec = cluster.value_or(ClusterSpec{});
    result = sim::SimulateSeeds(plan, spec.cluster, spec.options, s, w);
  }
  return ValueOrThrow(std::move(result));
}

sim::Comparison Compare(const plan::ExecutionPlan& a,
                        const plan::ExecutionPlan& b,
                        const std::optional<ClusterSpec>& cluster,
                        const std::optional<std::vector<uint64_t>>& seeds,
                        std::optional<int> workers) {
  const std::vector<uint64_t> s = Seeds(seeds, 100);
  const int w = Workers(workers);
  absl::StatusOr<sim::ManyResult> ra, rb;
  {
    py::gil_scoped_release no_gil;
    const ClusterSpec spec = cluster.value_or(ClusterSpec{});
    ra = sim::SimulateSeeds(a, spec.cluster, spec.options, s, w);
    if (ra.ok()) rb = sim::SimulateSeeds(b, spec.cluster, spec.options, s, w);
  }
  sim::Comparison c;
  c.a = ValueOrThrow(std::move(ra));
  c.b = ValueOrThrow(std::move(rb));
  return c;
}

}  // namespace

void RegisterSim(py::module_& m) {
  py::class_<ClusterSpec>(
      m, "Cluster",
      "The cluster a plan is simulated against: its nodes and, from a "
      "cluster file, pod timing, step durations and faults "
      "(docs/simulate.md).")
      .def(py::init(&MakeCluster), py::arg("nodes") = 0,
           py::arg("labels") = std::map<std::string, std::string>{},
           py::arg("names") = std::vector<std::string>{},
           "`nodes` nodes named node-1..node-N (0: derived from the plan), "
           "or nodes named `names`; each with `labels`.")
      .def_static(
          "from_yaml",
          [](const std::string& text, const std::string& source,
             const plan::ExecutionPlan* plan) {
            return ValueOrThrow(sim::ClusterFromYaml(text, source, plan));
          },
          py::arg("text"), py::arg("source") = "<input>",
          py::arg("plan") = nullptr,
          "A cluster file's text. With `plan`, the names it uses are checked "
          "against it. InputError lists every problem with file:line:col.")
      .def_static(
          "from_file",
          [](const std::string& path, const plan::ExecutionPlan* plan) {
            return ValueOrThrow(sim::LoadCluster(path, plan));
          },
          py::arg("path"), py::arg("plan") = nullptr)
      .def_property_readonly("nodes",
                             [](const ClusterSpec& c) {
                               std::vector<std::string> names;
                               for (const sim::Node& n : c.cluster.nodes) {
                                 names.push_back(n.name);
                               }
                               return names;
                             })
      .def_property_readonly(
          "faults", [](const ClusterSpec& c) { return c.options.faults; })
      .def("__repr__", [](const ClusterSpec& c) {
        return absl::StrCat("Cluster(nodes=", c.cluster.nodes.size(),
                            ", faults=", c.options.faults.size(), ")");
      });

  py::class_<Fault>(m, "Fault",
                    "Something that goes wrong on purpose; pass to "
                    "simulate(faults=...).")
      .def_static("step_fails", &Fault::StepFails, py::arg("step"),
                  py::arg("attempts") = -1, py::arg("probability") = 1.0,
                  "Step \"component/kind\" fails its first `attempts` "
                  "attempts (-1: all), each with `probability`.")
      .def_static("step_fails_at", &Fault::StepFailsAt, py::arg("step"),
                  py::arg("at_ms"))
      .def_static("never_ready", &Fault::NeverReady, py::arg("component"))
      .def_static("node_lost", &Fault::NodeLost, py::arg("node"),
                  py::arg("at_ms"))
      .def_static("late_config", &Fault::LateConfig, py::arg("component"),
                  py::arg("delay_ms"))
      .def_property_readonly("kind",
                             [](const Fault& f) -> std::string {
                               switch (f.kind) {
                                 case Fault::Kind::kStepFails:
                                   return "step-fails";
                                 case Fault::Kind::kNeverReady:
                                   return "never-ready";
                                 case Fault::Kind::kNodeLost:
                                   return "node-lost";
                                 case Fault::Kind::kLateConfig:
                                   return "late-config";
                               }
                               return "";
                             })
      .def_readonly("step", &Fault::step)
      .def_readonly("component", &Fault::component)
      .def_readonly("node", &Fault::node)
      .def_readonly("attempts", &Fault::attempts)
      .def_readonly("probability", &Fault::probability)
      .def_readonly("at_ms", &Fault::at_ms)
      .def_readonly("delay_ms", &Fault::delay_ms);

  py::class_<sim::Conflict>(m, "SimConflict",
                            "A pod that could not start because a "
                            "node-exclusive resource was held.")
      .def_readonly("pod", &sim::Conflict::pod)
      .def_readonly("node", &sim::Conflict::node)
      .def_readonly("resource", &sim::Conflict::resource)
      .def_readonly("holder", &sim::Conflict::holder)
      .def_readonly("since_ms", &sim::Conflict::since_ms)
      .def_readonly("until_ms", &sim::Conflict::until_ms)
      .def("__repr__", [](const sim::Conflict& c) {
        return absl::StrCat("SimConflict(pod=", c.pod, ", node=", c.node,
                            ", resource=", c.resource, ", holder=", c.holder,
                            ")");
      });

  py::class_<SimResult>(m, "SimulationResult",
                        "What a simulated run did (docs/simulate.md).")
      .def_readonly("plan", &SimResult::plan)
      .def_readonly("seed", &SimResult::seed)
      .def_property_readonly("timeline",
                             [](const SimResult& r) {
                               std::vector<std::pair<int64_t, std::string>> t;
                               t.reserve(r.timeline.size());
                               for (const sim::TimelineEvent& e : r.timeline) {
                                 t.emplace_back(e.at_ms, e.what);
                               }
                               return t;
                             })
      .def_property_readonly("services",
                             [](const SimResult& r) {
                               std::vector<std::string> names;
                               for (const auto& s : r.services) {
                                 names.push_back(s.name);
                               }
                               return names;
                             })
      .def(
          "availability",
          [](const SimResult& r, const std::string& service) {
            return Service(r, service).ready_over_time;
          },
          py::arg("service"),
          "(at_ms, ready endpoints) at every change, from time 0.")
      .def(
          "downtime",
          [](const SimResult& r, const std::string& service) {
            return Service(r, service).ms_below_floor;
          },
          py::arg("service"), "Milliseconds below the availability floor.")
      .def_readonly("conflicts", &SimResult::conflicts)
      .def_property_readonly("rejections",
                             [](const SimResult& r) {
                               std::map<std::string, int64_t> by_webhook;
                               for (const auto& w : r.webhooks) {
                                 by_webhook[w.id] = w.rejected;
                               }
                               return by_webhook;
                             })
      .def_property_readonly("unchecked",
                             [](const SimResult& r) {
                               std::map<std::string, int64_t> by_webhook;
                               for (const auto& w : r.webhooks) {
                                 by_webhook[w.id] = w.unchecked;
                               }
                               return by_webhook;
                             })
      .def_readonly("stuck", &SimResult::stuck)
      .def_readonly("stuck_reason", &SimResult::stuck_reason)
      .def_readonly("duration", &SimResult::duration_ms)
      .def_readonly("outcome", &SimResult::outcome)
      .def_property_readonly("healthy", &SimResult::Healthy)
      .def("to_json", &SimResult::ToJson)
      .def("to_text", &SimResult::ToText)
      .def("to_svg", &sim::RenderReadinessSvg,
           "An SVG 1.1 chart of ready endpoints per service over time.")
      .def("to_mermaid", &sim::RenderMermaidGantt,
           "A Mermaid gantt chart: a bar per step attempt.")
      .def("__repr__", [](const SimResult& r) {
        return absl::StrCat("SimulationResult(plan=", r.plan,
                            ", outcome=", r.outcome,
                            ", duration=", r.duration_ms,
                            ", stuck=", r.stuck ? "True" : "False", ")");
      });

  m.def("simulate", &Simulate, py::arg("execution_plan"),
        py::arg("cluster") = std::nullopt, py::arg("seed") = 0,
        py::arg("faults") = std::vector<Fault>{},
        "Runs the compiled plan through the real orchestrator against the "
        "modelled cluster, in simulated time (the GIL is released). "
        "`faults` add to the cluster's. InputError for a fault naming an "
        "unknown step, component or node.");
  py::class_<sim::ManyResult>(
      m, "SimulationSummary",
      "Many seeded runs of one plan: outcomes, duration and below-floor "
      "percentiles (nearest rank).")
      .def_readonly("plan", &sim::ManyResult::plan)
      .def_property_readonly(
          "runs",
          [](const sim::ManyResult& r) {
            py::list runs;
            for (const sim::RunSummary& x : r.runs) {
              runs.append(py::make_tuple(x.seed, x.outcome, x.stuck, x.healthy,
                                         x.duration_ms));
            }
            return runs;
          })
      .def_property_readonly("run_count", &sim::ManyResult::RunCount)
      .def_readonly("succeeded", &sim::ManyResult::succeeded)
      .def_readonly("stuck", &sim::ManyResult::stuck)
      .def_readonly("rolled_back", &sim::ManyResult::rolled_back)
      .def_readonly("healthy", &sim::ManyResult::healthy)
      .def_property_readonly("all_healthy", &sim::ManyResult::AllHealthy)
      .def_property_readonly("duration",
                             [](const sim::ManyResult& r) {
                               return PercentilesDict(r.duration_ms);
                             })
      .def(
          "downtime",
          [](const sim::ManyResult& r, const std::string& service) {
            return PercentilesDict(Spread(r, service).ms_below_floor);
          },
          py::arg("service"))
      .def(
          "runs_below_floor",
          [](const sim::ManyResult& r, const std::string& service) {
            return Spread(r, service).runs_below_floor;
          },
          py::arg("service"))
      .def("to_json", &sim::ManyResult::ToJson)
      .def("to_text", &sim::ManyResult::ToText)
      .def("__repr__", [](const sim::ManyResult& r) {
        return absl::StrCat("SimulationSummary(plan=", r.plan,
                            ", runs=", r.RunCount(), ", healthy=", r.healthy,
                            ")");
      });

  py::class_<sim::Comparison>(m, "SimulationComparison",
                              "Two plans over the same cluster and seeds.")
      .def_readonly("a", &sim::Comparison::a)
      .def_readonly("b", &sim::Comparison::b)
      .def("to_json", &sim::Comparison::ToJson)
      .def("to_text", &sim::Comparison::ToText);

  m.def("simulate_many", &SimulateMany, py::arg("execution_plan"),
        py::arg("cluster") = std::nullopt, py::arg("seeds") = std::nullopt,
        py::arg("workers") = std::nullopt,
        "simulate() once per seed (None: range(1000)) on `workers` threads "
        "(None: one per core), GIL released.");
  m.def("compare", &Compare, py::arg("a"), py::arg("b"),
        py::arg("cluster") = std::nullopt, py::arg("seeds") = std::nullopt,
        py::arg("workers") = std::nullopt,
        "Plans a and b over the same cluster and seeds (None: range(100)).");
}

}  // namespace upgrade_core::python
