// File: graph_bindings.cc
// -----------------------------------------------------------------------------
// Python binding of upgrade_core/graph: `DependencyGraph` (a mutable graph:
// a GraphBuilder plus the validated DependencyGraph built from it on first
// use and cached until the next change), `Scheduler`, `CriticalPath`.
//
// Speed notes. Ids cross the boundary as the caller's own `str` objects: the
// wrapper keeps them (one reference each) and returns the same objects, so
// waves()/topological_order() only build lists. from_edges() looks edge ends
// up by object identity first (the usual case: the ids in `edges` are the
// objects in `nodes`) and falls back to the string only on a miss. Building
// and the algorithms run with the GIL released.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "bindings/python/register.h"
#include "bindings/python/status_casters.h"
#include "upgrade_core/graph/dependency_graph.h"
#include "upgrade_core/graph/graph_builder.h"
#include "upgrade_core/graph/graph_format.h"
#include "upgrade_core/graph/graph_problem.h"
#include "upgrade_core/graph/scheduler.h"

namespace upgrade_core::python {
namespace {

namespace py = pybind11;
using graph::DependencyGraph;
using graph::GraphBuilder;
using graph::NodeHandle;
using graph::NodeId;

// REQUIRES: the GIL is held.
absl::string_view StrView(py::handle obj, const char* what) {
  if (!PyUnicode_Check(obj.ptr())) {
    throw py::type_error(absl::StrCat(what, " must be a str, not ",
                                      Py_TYPE(obj.ptr())->tp_name));
  }
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(obj.ptr(), &size);
  if (data == nullptr) throw py::error_already_set();
  return absl::string_view(data, static_cast<size_t>(size));
}

[[noreturn]] void RaiseInput(const std::string& message) {
  RaiseError("InputError", py::str(message));
}

// GraphProblem named tuples (upgrade_core._errors.GraphProblem).
py::list ProblemsToPython(const std::vector<graph::GraphProblem>& problems) {
  py::object cls =
      py::module_::import("upgrade_core._errors").attr("GraphProblem");
  auto tuple_of = [](const std::vector<std::string>& v) {
    py::tuple t(v.size());
    for (size_t i = 0; i < v.size(); ++i) t[i] = py::str(v[i]);
    return t;
  };
  py::list out;
  for (const graph::GraphProblem& p : problems) {
    out.append(cls(std::string(graph::ProblemKindName(p.kind)),
                   tuple_of(p.nodes), p.message, tuple_of(p.unknown),
                   tuple_of(p.component)));
  }
  return out;
}

// The caller's id objects, by NodeHandle. Shared by the graph and its
// snapshots; it only grows, so a snapshot's entries stay valid. Touched
// with the GIL held only.
using IdObjects = std::vector<py::object>;

// The validated graph and how to find the Python id object of each NodeId.
struct Snapshot {
  DependencyGraph graph;
  std::shared_ptr<const IdObjects> ids;
  // Empty while NodeId == NodeHandle (the usual, dense case).
  std::vector<NodeHandle> handle_of;

  PyObject* Id(NodeId v) const {
    return (*ids)[handle_of.empty() ? v : handle_of[v]].ptr();
  }
};

py::list IdList(const Snapshot& s, absl::Span<const NodeId> nodes) {
  py::list out(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    PyObject* o = s.Id(nodes[i]);
    Py_INCREF(o);
    PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), o);
  }
  return out;
}

NodeId LookupNode(const Snapshot& s, py::handle id) {
  absl::string_view name = StrView(id, "node id");
  std::optional<NodeId> node = s.graph.Find(name);
  if (!node) RaiseInput(absl::StrCat("unknown node \"", name, "\""));
  return *node;
}

// One id or an iterable of ids.
std::vector<NodeId> LookupNodes(const Snapshot& s, py::handle ids) {
  if (PyUnicode_Check(ids.ptr())) return {LookupNode(s, ids)};
  std::vector<NodeId> out;
  for (py::handle id : py::iter(ids)) out.push_back(LookupNode(s, id));
  return out;
}

class PyScheduler;

class PyDependencyGraph {
 public:
  PyDependencyGraph() = default;

  void AddNode(py::object id, double duration, double weight) {
    CheckNotBusy();
    if (!std::isfinite(duration) || duration < 0) {
      RaiseInput(absl::StrCat("duration of \"", StrView(id, "node id"),
                              "\" must be a finite number >= 0, got ",
                              duration));
    }
    if (!std::isfinite(weight)) {
      RaiseInput(absl::StrCat("weight of \"", StrView(id, "node id"),
                              "\" must be a finite number, got ", weight));
    }
    const NodeHandle h = builder_.AddNode(
        StrView(id, "node id"), graph::NodeAttributes{duration, weight});
    Track(h, std::move(id));
    snapshot_.reset();
  }

  void AddDependency(py::object dependent, py::object dependency) {
    CheckNotBusy();
    const NodeHandle a = builder_.Handle(StrView(dependent, "dependent"));
    Track(a, std::move(dependent));
    const NodeHandle b = builder_.Handle(StrView(dependency, "dependency"));
    Track(b, std::move(dependency));
    builder_.AddDependency(a, b);
    snapshot_.reset();
  }

  static std::unique_ptr<PyDependencyGraph> FromEdges(py::handle nodes,
                                                      py::handle edges) {
    auto g = std::make_unique<PyDependencyGraph>();
    py::sequence node_seq = py::reinterpret_steal<py::sequence>(
        PySequence_Fast(nodes.ptr(), "nodes must be an iterable of str"));
    if (!node_seq) throw py::error_already_set();
    py::sequence edge_seq = py::reinterpret_steal<py::sequence>(PySequence_Fast(
        edges.ptr(), "edges must be an iterable of (dependent, dependency)"));
    if (!edge_seq) throw py::error_already_set();
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(node_seq.ptr());
    const Py_ssize_t m = PySequence_Fast_GET_SIZE(edge_seq.ptr());
    PyObject** node_items = PySequence_Fast_ITEMS(node_seq.ptr());
    PyObject** edge_items = PySequence_Fast_ITEMS(edge_seq.ptr());
    g->builder_.Reserve(n, m);
    g->ids_->reserve(n);
    // Ids: interned in bulk (prefetching ahead), then indexed by object.
    std::vector<absl::string_view> names(n);
    for (Py_ssize_t i = 0; i < n; ++i) {
      names[i] = StrView(node_items[i], "node id");
    }
    g->builder_.AddNodes(names);
    absl::flat_hash_map<PyObject*, NodeHandle> by_object;
    by_object.reserve(n);
    const bool distinct = g->builder_.num_handles() == static_cast<size_t>(n);
    for (Py_ssize_t i = 0; i < n; ++i) {
      const NodeHandle h = distinct ? static_cast<NodeHandle>(i)
                                    : *g->builder_.FindHandle(names[i]);
      g->Track(h, py::reinterpret_borrow<py::object>(node_items[i]));
      by_object.emplace(node_items[i], h);
    }
    std::vector<absl::string_view>().swap(names);
    // Edges: ends are looked up by object identity; an equal string that is
    // a different object falls back to the string (and is then remembered).
    auto ends = [&](Py_ssize_t i, PyObject** a, PyObject** b) {
      PyObject* e = edge_items[i];
      if (PyTuple_Check(e) && PyTuple_GET_SIZE(e) == 2) {
        *a = PyTuple_GET_ITEM(e, 0);
        *b = PyTuple_GET_ITEM(e, 1);
        return true;
      }
      if (PyList_Check(e) && PyList_GET_SIZE(e) == 2) {
        *a = PyList_GET_ITEM(e, 0);
        *b = PyList_GET_ITEM(e, 1);
        return true;
      }
      return false;
    };
    auto handle_of = [&](PyObject* obj, const char* what) {
      auto it = by_object.find(obj);
      if (it != by_object.end()) return it->second;
      const NodeHandle h = g->builder_.Handle(StrView(obj, what));
      g->Track(h, py::reinterpret_borrow<py::object>(obj));
      by_object.emplace(obj, h);
      return h;
    };
    // Two-stage prefetch: the edge tuples are scattered over the Python
    // heap and the map is larger than the caches, so fetch the tuple
    // 2*kAhead edges ahead and its ends' map slots kAhead edges ahead.
    // Small inputs stay in cache: no prefetching there.
    const Py_ssize_t kAhead = n >= (1 << 16) ? 8 : 0;
    for (Py_ssize_t i = 0; i < m; ++i) {
      PyObject* a;
      PyObject* b;
      if (kAhead > 0 && i + 2 * kAhead < m) {
        __builtin_prefetch(edge_items[i + 2 * kAhead]);
      }
      if (kAhead > 0 && i + kAhead < m && ends(i + kAhead, &a, &b)) {
        by_object.prefetch(a);
        by_object.prefetch(b);
      }
      if (!ends(i, &a, &b)) {
        throw py::type_error(absl::StrCat(
            "edges[", i, "] must be a (dependent, dependency) pair, not ",
            std::string(py::repr(edge_items[i]))));
      }
      const NodeHandle ha = handle_of(a, "dependent");
      g->builder_.AddDependency(ha, handle_of(b, "dependency"));
    }
    return g;
  }

  // The validated graph; raises GraphError listing every problem.
  std::shared_ptr<const Snapshot> Get() {
    if (snapshot_) return snapshot_;
    graph::BuildResult built;
    {
      Busy busy(this);
      py::gil_scoped_release no_gil;
      built = builder_.BuildWithProblems();
    }
    if (!built.graph.ok()) {
      py::list problem_list = ProblemsToPython(built.problems);
      py::list cycles;
      for (const graph::GraphProblem& p : built.problems) {
        if (p.kind == graph::ProblemKind::kCycle) {
          cycles.append(py::cast(p.nodes));
        }
      }
      RaiseError(
          "GraphError", py::str(std::string(built.graph.status().message())),
          py::arg("problems") = problem_list, py::arg("cycles") = cycles);
    }
    auto s = std::make_shared<Snapshot>();
    s->graph = *std::move(built.graph);
    s->ids = ids_;
    bool dense = true;
    for (size_t i = 0; dense && i < builder_.num_nodes(); ++i) {
      dense = builder_.declared_handle(i) == i;
    }
    if (!dense) {
      s->handle_of.resize(builder_.num_nodes());
      for (size_t i = 0; i < builder_.num_nodes(); ++i) {
        s->handle_of[i] = builder_.declared_handle(i);
      }
    }
    snapshot_ = std::move(s);
    return snapshot_;
  }

  py::list Validate() {
    std::vector<graph::GraphProblem> problems;
    {
      Busy busy(this);
      py::gil_scoped_release no_gil;
      problems = builder_.Validate();
    }
    return ProblemsToPython(problems);
  }

  std::vector<std::vector<std::string>> FindCycles() {
    Busy busy(this);
    py::gil_scoped_release no_gil;
    return builder_.FindCycles();
  }

  std::string ToDot() {
    Busy busy(this);
    py::gil_scoped_release no_gil;
    return builder_.ToDot();
  }

  std::string ToMermaid() {
    Busy busy(this);
    py::gil_scoped_release no_gil;
    return builder_.ToMermaid();
  }

  py::list TopologicalOrder(bool reverse) {
    std::shared_ptr<const Snapshot> s = Get();
    std::vector<NodeId> order;
    {
      py::gil_scoped_release no_gil;
      order = reverse ? s->graph.ReverseTopologicalOrder()
                      : s->graph.TopologicalOrder();
    }
    return IdList(*s, order);
  }

  py::list Waves(std::optional<long long> max_parallel) {
    if (max_parallel && *max_parallel < 1) {
      RaiseInput(absl::StrCat("max_parallel must be at least 1 (or None), got ",
                              *max_parallel));
    }
    std::shared_ptr<const Snapshot> s = Get();
    graph::Waves waves;
    {
      py::gil_scoped_release no_gil;
      waves = s->graph.ComputeWaves(
          {max_parallel ? static_cast<size_t>(*max_parallel) : 0});
    }
    py::list out(waves.size());
    for (size_t w = 0; w < waves.size(); ++w) {
      PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(w),
                      IdList(*s, waves.wave(w)).release().ptr());
    }
    return out;
  }

  py::list Related(py::handle ids, bool transitive, bool dependents) {
    std::shared_ptr<const Snapshot> s = Get();
    std::vector<NodeId> seeds = LookupNodes(*s, ids);
    std::vector<NodeId> out;
    {
      py::gil_scoped_release no_gil;
      if (transitive) {
        out = *(dependents ? s->graph.TransitiveDependents(seeds)
                           : s->graph.TransitiveDependencies(seeds));
      } else {
        for (NodeId v : seeds) {
          absl::Span<const NodeId> direct =
              dependents ? s->graph.dependents(v) : s->graph.dependencies(v);
          out.insert(out.end(), direct.begin(), direct.end());
        }
        // Declaration order, each node once.
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
      }
    }
    return IdList(*s, out);
  }

  py::object CriticalPathOf();

  std::unique_ptr<PyDependencyGraph> Subgraph(py::handle ids) {
    std::shared_ptr<const Snapshot> s = Get();
    std::vector<NodeId> seeds = LookupNodes(*s, ids);
    absl::StatusOr<DependencyGraph> sub;
    {
      py::gil_scoped_release no_gil;
      sub = s->graph.Subgraph(seeds);
    }
    ThrowIfError(sub.status());
    auto out = std::make_unique<PyDependencyGraph>();
    for (NodeId v = 0; v < sub->size(); ++v) {
      const NodeId original = *s->graph.Find(sub->id(v));
      const graph::NodeAttributes a = sub->attributes(v);
      out->AddNode(py::reinterpret_borrow<py::object>(s->Id(original)),
                   a.duration, a.weight);
    }
    for (NodeId v = 0; v < sub->size(); ++v) {
      for (NodeId d : sub->dependencies(v)) {
        out->builder_.AddDependency(v, d);  // handles == NodeIds here
      }
    }
    return out;
  }

  size_t Size() const { return builder_.num_nodes(); }

  bool Contains(py::handle id) const {
    if (!PyUnicode_Check(id.ptr())) return false;
    return builder_.HasNode(StrView(id, "node id"));
  }

  py::list Nodes() const {
    py::list out;
    for (size_t i = 0; i < builder_.num_nodes(); ++i) {
      out.append((*ids_)[builder_.declared_handle(i)]);
    }
    return out;
  }

  std::string Repr() const {
    return absl::StrCat("<DependencyGraph with ", builder_.num_nodes(),
                        " nodes and ", builder_.num_dependencies(),
                        " dependencies>");
  }

 private:
  // While a call runs without the GIL, mutation from another thread must
  // not touch the builder: it raises instead of racing.
  struct Busy {
    explicit Busy(PyDependencyGraph* g) : g(g) { ++g->readers_; }
    ~Busy() { --g->readers_; }
    PyDependencyGraph* g;
  };
  void CheckNotBusy() const {
    if (readers_ > 0) {
      throw std::runtime_error(
          "DependencyGraph changed while another thread is reading it");
    }
  }

  // Keeps the caller's id object for a handle the builder just returned.
  void Track(NodeHandle h, py::object id) {
    if (h == ids_->size()) ids_->push_back(std::move(id));
  }

  GraphBuilder builder_;
  std::shared_ptr<IdObjects> ids_ = std::make_shared<IdObjects>();
  std::shared_ptr<const Snapshot> snapshot_;
  int readers_ = 0;
};

struct PyCriticalPath {
  double length;
  py::list path;
  py::dict earliest_start;
  py::dict latest_start;
};

py::object PyDependencyGraph::CriticalPathOf() {
  std::shared_ptr<const Snapshot> s = Get();
  graph::CriticalPath cp;
  {
    py::gil_scoped_release no_gil;
    cp = s->graph.ComputeCriticalPath();
  }
  PyCriticalPath out{cp.length, IdList(*s, cp.path), py::dict(), py::dict()};
  for (NodeId v = 0; v < s->graph.size(); ++v) {
    py::handle id(s->Id(v));
    out.earliest_start[id] = cp.earliest_start[v];
    out.latest_start[id] = cp.latest_start[v];
  }
  return py::cast(std::move(out));
}

class PyScheduler {
 public:
  explicit PyScheduler(PyDependencyGraph& graph)
      : snapshot_(graph.Get()), scheduler_(snapshot_->graph) {}

  py::list Ready() { return IdList(*snapshot_, scheduler_.Ready()); }

  void Done(py::handle id) {
    Check(scheduler_.Done(LookupNode(*snapshot_, id)));
  }

  py::list Failed(py::handle id) {
    absl::StatusOr<std::vector<NodeId>> blocked =
        scheduler_.Failed(LookupNode(*snapshot_, id));
    Check(blocked.status());
    return IdList(*snapshot_, *blocked);
  }

  bool IsActive() const { return scheduler_.IsActive(); }

  std::string State(py::handle id) const {
    return std::string(
        graph::NodeStateName(scheduler_.state(LookupNode(*snapshot_, id))));
  }

  py::list Blocked() const {
    std::vector<NodeId> out;
    for (NodeId v = 0; v < snapshot_->graph.size(); ++v) {
      if (scheduler_.state(v) == graph::NodeState::kBlocked) out.push_back(v);
    }
    return IdList(*snapshot_, out);
  }

 private:
  // Misuse is a ValueError, as in graphlib.
  static void Check(const absl::Status& status) {
    if (!status.ok()) RaiseInput(std::string(status.message()));
  }

  std::shared_ptr<const Snapshot> snapshot_;
  graph::Scheduler scheduler_;
};

}  // namespace

void RegisterGraph(py::module_& m) {
  py::class_<PyCriticalPath>(m, "CriticalPath",
                             "What bounds the total time of a plan: one "
                             "longest chain of durations and per-node start "
                             "windows.")
      .def_readonly("length", &PyCriticalPath::length,
                    "Total duration (latest finish of any node).")
      .def_readonly("path", &PyCriticalPath::path,
                    "One critical chain, first to start first.")
      .def_readonly("earliest_start", &PyCriticalPath::earliest_start,
                    "{id: earliest start time}.")
      .def_readonly("latest_start", &PyCriticalPath::latest_start,
                    "{id: latest start time that keeps `length`}; slack is "
                    "latest - earliest.")
      .def("__repr__", [](const PyCriticalPath& cp) {
        return absl::StrCat("<CriticalPath length=", cp.length,
                            " nodes=", py::len(cp.path), ">");
      });

  py::class_<PyDependencyGraph>(
      m, "DependencyGraph",
      "A dependency graph: nodes (str ids) and 'dependent depends on "
      "dependency' edges. Queries validate it first and raise GraphError "
      "listing every problem (unknown node, duplicate node, self-dependency, "
      "each cycle with its path).")
      .def(py::init<>())
      .def("add_node", &PyDependencyGraph::AddNode, py::arg("id"),
           py::kw_only(), py::arg("duration") = 1.0, py::arg("weight") = 1.0,
           "Adds a node. duration (used by critical_path, default 1) and "
           "weight (carried for callers) are optional attributes.")
      .def("add_dependency", &PyDependencyGraph::AddDependency,
           py::arg("dependent"), py::arg("dependency"),
           "Records that `dependent` depends on `dependency`. Either may be "
           "added as a node later; unknown ids are reported on first query.")
      .def_static("from_edges", &PyDependencyGraph::FromEdges, py::arg("nodes"),
                  py::arg("edges"),
                  "Bulk construction from a list of ids and a list of "
                  "(dependent, dependency) pairs, converted in one call.")
      .def("validate", &PyDependencyGraph::Validate,
           "Every problem (list of GraphProblem), without raising.")
      .def("find_cycles", &PyDependencyGraph::FindCycles,
           "One cycle per strongly connected component that has one, as id "
           "lists with the first id repeated at the end.")
      .def(
          "topological_order",
          [](PyDependencyGraph& g) { return g.TopologicalOrder(false); },
          "Dependencies first; ties broken by declaration order.")
      .def(
          "reverse_topological_order",
          [](PyDependencyGraph& g) { return g.TopologicalOrder(true); },
          "Dependents first (rollback order).")
      .def("waves", &PyDependencyGraph::Waves,
           py::arg("max_parallel") = py::none(),
           "Lists of ids; each node's dependencies are in earlier waves. "
           "max_parallel caps the wave width.")
      .def(
          "dependents",
          [](PyDependencyGraph& g, py::handle ids, bool transitive) {
            return g.Related(ids, transitive, /*dependents=*/true);
          },
          py::arg("id"), py::arg("transitive") = true,
          "Nodes that depend on `id` (a str or an iterable of str), in "
          "declaration order: what to re-verify if it changes.")
      .def(
          "dependencies",
          [](PyDependencyGraph& g, py::handle ids, bool transitive) {
            return g.Related(ids, transitive, /*dependents=*/false);
          },
          py::arg("id"), py::arg("transitive") = true,
          "Nodes that `id` (a str or an iterable of str) depends on, in "
          "declaration order.")
      .def("critical_path", &PyDependencyGraph::CriticalPathOf,
           "CriticalPath from the node durations.")
      .def("subgraph", &PyDependencyGraph::Subgraph, py::arg("ids"),
           "A new graph with `ids` and everything they depend on.")
      .def(
          "scheduler",
          [](PyDependencyGraph& g) { return std::make_unique<PyScheduler>(g); },
          "A Scheduler (ready-set) over the current graph.")
      .def("to_dot", &PyDependencyGraph::ToDot,
           "Graphviz DOT; cycle edges in red, unknown nodes dashed.")
      .def("to_mermaid", &PyDependencyGraph::ToMermaid,
           "Mermaid flowchart; cycle edges highlighted.")
      .def("nodes", &PyDependencyGraph::Nodes, "Ids in declaration order.")
      .def("__len__", &PyDependencyGraph::Size)
      .def("__contains__", &PyDependencyGraph::Contains)
      .def("__repr__", &PyDependencyGraph::Repr);

  py::class_<PyScheduler>(
      m, "Scheduler",
      "Incremental ready-set: ready() hands out nodes whose dependencies are "
      "done; report each with done(id) or failed(id).")
      .def(py::init<PyDependencyGraph&>(), py::arg("graph"),
           py::keep_alive<1, 2>())
      .def("ready", &PyScheduler::Ready,
           "Nodes that became ready since the last call (each once).")
      .def("done", &PyScheduler::Done, py::arg("id"),
           "Marks a node handed out by ready() as done.")
      .def("failed", &PyScheduler::Failed, py::arg("id"),
           "Marks a node handed out by ready() as failed; returns the "
           "transitive dependents it newly blocks.")
      .def("is_active", &PyScheduler::IsActive,
           "True while some node is ready or running.")
      .def("state", &PyScheduler::State, py::arg("id"),
           "'waiting', 'ready', 'running', 'done', 'failed' or 'blocked'.")
      .def("blocked", &PyScheduler::Blocked,
           "Every blocked node, in declaration order.");
}

}  // namespace upgrade_core::python
