// File: graph_bindings.cc
// -----------------------------------------------------------------------------
// Python binding of upgrade_core/graph: `_core.FrozenGraph` (an immutable
// graph built in one call from the lists the pure-Python DependencyGraph
// builder keeps, upgrade_core/_graph.py), `_core.GraphScheduler`,
// `CriticalPath`.
//
// Speed notes. Ids cross the boundary as the caller's own `str` objects: the
// wrapper keeps them (one reference each) and returns the same objects, so
// waves()/topological_order() only build lists. Edge ends are looked up by
// object identity first (the usual case: the ids in `edges` are the objects
// in `nodes`) and fall back to the string only on a miss. Building and the
// algorithms run with the GIL released, over data no other thread changes.
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

// An immutable graph: the builder (for validate/find_cycles/drawing, which
// also work on an invalid graph) and, when valid, the built graph.
class FrozenGraph {
 public:
  // nodes: ids; edges: (dependent, dependency) pairs; durations, weights:
  // None or one float per node (checked by the Python builder).
  FrozenGraph(py::handle nodes, py::handle edges, py::handle durations,
              py::handle weights) {
    Read(nodes, edges, durations, weights);
    graph::BuildResult built;
    {
      py::gil_scoped_release no_gil;
      built = builder_.BuildWithProblems();
    }
    if (!built.graph.ok()) {
      error_ = built.graph.status();
      problems_ = std::move(built.problems);
      return;
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
  }

  // The validated graph; raises GraphError listing every problem.
  const Snapshot& Get() const { return *Shared(); }
  const std::shared_ptr<const Snapshot>& Shared() const {
    if (!snapshot_) {
      py::list cycles;
      for (const graph::GraphProblem& p : problems_) {
        if (p.kind == graph::ProblemKind::kCycle) {
          cycles.append(py::cast(p.nodes));
        }
      }
      RaiseError("GraphError", py::str(std::string(error_.message())),
                 py::arg("problems") = ProblemsToPython(problems_),
                 py::arg("cycles") = cycles);
    }
    return snapshot_;
  }

  py::list Validate() const {
    std::vector<graph::GraphProblem> problems;
    {
      py::gil_scoped_release no_gil;
      problems = builder_.Validate();
    }
    return ProblemsToPython(problems);
  }

  std::vector<std::vector<std::string>> FindCycles() const {
    py::gil_scoped_release no_gil;
    return builder_.FindCycles();
  }

  std::string ToDot() const {
    py::gil_scoped_release no_gil;
    return builder_.ToDot();
  }

  std::string ToMermaid() const {
    py::gil_scoped_release no_gil;
    return builder_.ToMermaid();
  }

  py::list TopologicalOrder(bool reverse) const {
    const Snapshot& s = Get();
    std::vector<NodeId> order;
    {
      py::gil_scoped_release no_gil;
      order = reverse ? s.graph.ReverseTopologicalOrder()
                      : s.graph.TopologicalOrder();
    }
    return IdList(s, order);
  }

  py::list Waves(std::optional<long long> max_parallel) const {
    if (max_parallel && *max_parallel < 1) {
      RaiseInput(absl::StrCat("max_parallel must be at least 1 (or None), got ",
                              *max_parallel));
    }
    const Snapshot& s = Get();
    graph::Waves waves;
    {
      py::gil_scoped_release no_gil;
      waves = s.graph.ComputeWaves(
          {max_parallel ? static_cast<size_t>(*max_parallel) : 0});
    }
    py::list out(waves.size());
    for (size_t w = 0; w < waves.size(); ++w) {
      PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(w),
                      IdList(s, waves.wave(w)).release().ptr());
    }
    return out;
  }

  py::list Related(py::handle ids, bool transitive, bool dependents) const {
    const Snapshot& s = Get();
    std::vector<NodeId> seeds = LookupNodes(s, ids);
    std::vector<NodeId> out;
    {
      py::gil_scoped_release no_gil;
      if (transitive) {
        out = *(dependents ? s.graph.TransitiveDependents(seeds)
                           : s.graph.TransitiveDependencies(seeds));
      } else {
        for (NodeId v : seeds) {
          absl::Span<const NodeId> direct =
              dependents ? s.graph.dependents(v) : s.graph.dependencies(v);
          out.insert(out.end(), direct.begin(), direct.end());
        }
        // Declaration order, each node once.
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
      }
    }
    return IdList(s, out);
  }

  py::object CriticalPathOf() const;

  // `ids` and everything they depend on, as the builder's lists:
  // (nodes, edges, durations, weights).
  py::tuple Subgraph(py::handle ids) const {
    const Snapshot& s = Get();
    std::vector<NodeId> seeds = LookupNodes(s, ids);
    absl::StatusOr<DependencyGraph> sub;
    {
      py::gil_scoped_release no_gil;
      sub = s.graph.Subgraph(seeds);
    }
    ThrowIfError(sub.status());
    py::list nodes, edges, durations, weights;
    std::vector<PyObject*> id_of(sub->size());
    for (NodeId v = 0; v < sub->size(); ++v) {
      id_of[v] = s.Id(*s.graph.Find(sub->id(v)));
      nodes.append(py::handle(id_of[v]));
      durations.append(sub->attributes(v).duration);
      weights.append(sub->attributes(v).weight);
    }
    for (NodeId v = 0; v < sub->size(); ++v) {
      for (NodeId d : sub->dependencies(v)) {
        edges.append(
            py::make_tuple(py::handle(id_of[v]), py::handle(id_of[d])));
      }
    }
    return py::make_tuple(nodes, edges, durations, weights);
  }

  // (nodes, edges): new lists of the id objects this graph was read from, so
  // a builder can go on from a graph made in bulk without copying up front.
  py::tuple Inputs() const {
    py::list nodes(input_nodes_.size());
    for (size_t i = 0; i < input_nodes_.size(); ++i) {
      nodes[i] = (*ids_)[input_nodes_[i]];
    }
    py::list edges(input_edges_.size());
    for (size_t i = 0; i < input_edges_.size(); ++i) {
      edges[i] = py::make_tuple((*ids_)[input_edges_[i].first],
                                (*ids_)[input_edges_[i].second]);
    }
    return py::make_tuple(nodes, edges);
  }

  size_t Size() const { return builder_.num_nodes(); }
  size_t NumDependencies() const { return builder_.num_dependencies(); }

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

 private:
  void Read(py::handle nodes, py::handle edges, py::handle durations,
            py::handle weights);

  // Keeps the caller's id object for a handle the builder just returned.
  void Track(NodeHandle h, py::handle id) {
    if (h == ids_->size()) {
      ids_->push_back(py::reinterpret_borrow<py::object>(id));
    }
  }

  GraphBuilder builder_;
  std::shared_ptr<IdObjects> ids_ = std::make_shared<IdObjects>();
  // What was read, as handles (duplicates and edges kept): Inputs().
  std::vector<NodeHandle> input_nodes_;
  std::vector<std::pair<NodeHandle, NodeHandle>> input_edges_;
  // The built graph, or (when null) why it could not be built.
  std::shared_ptr<const Snapshot> snapshot_;
  absl::Status error_;
  std::vector<graph::GraphProblem> problems_;
};

void FrozenGraph::Read(py::handle nodes, py::handle edges, py::handle durations,
                       py::handle weights) {
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
  builder_.Reserve(n, m);
  ids_->reserve(n);
  input_nodes_.reserve(n);
  input_edges_.reserve(m);
  absl::flat_hash_map<PyObject*, NodeHandle> by_object;
  by_object.reserve(n);
  if (durations.is_none() && weights.is_none()) {
    // Ids: interned in bulk (prefetching ahead), then indexed by object.
    std::vector<absl::string_view> names(n);
    for (Py_ssize_t i = 0; i < n; ++i) {
      names[i] = StrView(node_items[i], "node id");
    }
    builder_.AddNodes(names);
    const bool distinct = builder_.num_handles() == static_cast<size_t>(n);
    for (Py_ssize_t i = 0; i < n; ++i) {
      const NodeHandle h = distinct ? static_cast<NodeHandle>(i)
                                    : *builder_.FindHandle(names[i]);
      Track(h, node_items[i]);
      by_object.emplace(node_items[i], h);
      input_nodes_.push_back(h);
    }
  } else {
    std::vector<double> d = durations.cast<std::vector<double>>();
    std::vector<double> w = weights.cast<std::vector<double>>();
    for (Py_ssize_t i = 0; i < n; ++i) {
      const NodeHandle h =
          builder_.AddNode(StrView(node_items[i], "node id"),
                           graph::NodeAttributes{d.at(i), w.at(i)});
      Track(h, node_items[i]);
      by_object.emplace(node_items[i], h);
      input_nodes_.push_back(h);
    }
  }
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
    const NodeHandle h = builder_.Handle(StrView(obj, what));
    Track(h, obj);
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
    const NodeHandle hb = handle_of(b, "dependency");
    builder_.AddDependency(ha, hb);
    input_edges_.emplace_back(ha, hb);
  }
}

struct PyCriticalPath {
  double length;
  py::list path;
  py::dict earliest_start;
  py::dict latest_start;
};

py::object FrozenGraph::CriticalPathOf() const {
  const Snapshot& s = Get();
  graph::CriticalPath cp;
  {
    py::gil_scoped_release no_gil;
    cp = s.graph.ComputeCriticalPath();
  }
  PyCriticalPath out{cp.length, IdList(s, cp.path), py::dict(), py::dict()};
  for (NodeId v = 0; v < s.graph.size(); ++v) {
    py::handle id(s.Id(v));
    out.earliest_start[id] = cp.earliest_start[v];
    out.latest_start[id] = cp.latest_start[v];
  }
  return py::cast(std::move(out));
}

class PyScheduler {
 public:
  explicit PyScheduler(const FrozenGraph& graph)
      : snapshot_(graph.Shared()), scheduler_(snapshot_->graph) {}

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

  // The pure-Python DependencyGraph and Scheduler (upgrade_core/_graph.py)
  // carry the documentation; these are their engine.
  py::class_<FrozenGraph>(m, "FrozenGraph",
                          "An immutable graph built from the lists of "
                          "upgrade_core.DependencyGraph.")
      .def(py::init<py::handle, py::handle, py::handle, py::handle>(),
           py::arg("nodes"), py::arg("edges"), py::arg("durations"),
           py::arg("weights"))
      .def("validate", &FrozenGraph::Validate)
      .def("find_cycles", &FrozenGraph::FindCycles)
      .def("topological_order", &FrozenGraph::TopologicalOrder,
           py::arg("reverse"))
      .def("waves", &FrozenGraph::Waves, py::arg("max_parallel"))
      .def("related", &FrozenGraph::Related, py::arg("ids"),
           py::arg("transitive"), py::arg("dependents"))
      .def("critical_path", &FrozenGraph::CriticalPathOf)
      .def("subgraph", &FrozenGraph::Subgraph, py::arg("ids"))
      .def("to_dot", &FrozenGraph::ToDot)
      .def("to_mermaid", &FrozenGraph::ToMermaid)
      .def("inputs", &FrozenGraph::Inputs)
      .def("nodes", &FrozenGraph::Nodes)
      .def("num_dependencies", &FrozenGraph::NumDependencies)
      .def("__len__", &FrozenGraph::Size)
      .def("__contains__", &FrozenGraph::Contains);

  py::class_<PyScheduler>(m, "GraphScheduler")
      .def(py::init<const FrozenGraph&>(), py::arg("graph"),
           py::keep_alive<1, 2>())
      .def("ready", &PyScheduler::Ready)
      .def("done", &PyScheduler::Done, py::arg("id"))
      .def("failed", &PyScheduler::Failed, py::arg("id"))
      .def("is_active", &PyScheduler::IsActive)
      .def("state", &PyScheduler::State, py::arg("id"))
      .def("blocked", &PyScheduler::Blocked);
}

}  // namespace upgrade_core::python
