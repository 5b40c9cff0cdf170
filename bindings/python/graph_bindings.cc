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
//
// Bulk integer input (`FrozenGraph.from_arrays`): ids are 0..n-1 and the
// edges come from any object with the buffer protocol (array.array, bytes,
// memoryview, numpy arrays), read in place without the GIL and without a
// Python object per element; ids go back to Python as ints.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
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

// An id as the caller gave it: a str, or (graphs from from_arrays) the int
// whose decimal text the C++ graph holds.
py::object IdObject(const std::string& name, bool int_ids) {
  if (!int_ids) return py::str(name);
  return py::reinterpret_steal<py::object>(
      PyLong_FromString(name.c_str(), nullptr, 10));
}

py::list IdObjectList(const std::vector<std::string>& names, bool int_ids) {
  py::list out(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    out[i] = IdObject(names[i], int_ids);
  }
  return out;
}

// GraphProblem named tuples (upgrade_core._errors.GraphProblem).
py::list ProblemsToPython(const std::vector<graph::GraphProblem>& problems,
                          bool int_ids) {
  py::object cls =
      py::module_::import("upgrade_core._errors").attr("GraphProblem");
  auto tuple_of = [int_ids](const std::vector<std::string>& v) {
    py::tuple t(v.size());
    for (size_t i = 0; i < v.size(); ++i) t[i] = IdObject(v[i], int_ids);
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
  // Ids are the ints 0..n-1 (from_arrays; always dense): `ids` is empty.
  bool int_ids = false;

  // A new reference to the id object of `v` (nullptr if out of memory).
  PyObject* NewRef(NodeId v) const {
    if (int_ids) return PyLong_FromUnsignedLong(v);
    PyObject* o = (*ids)[handle_of.empty() ? v : handle_of[v]].ptr();
    Py_INCREF(o);
    return o;
  }
  py::object Id(NodeId v) const {
    PyObject* o = NewRef(v);
    if (o == nullptr) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(o);
  }
};

py::list IdList(const Snapshot& s, absl::Span<const NodeId> nodes) {
  py::list out(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    PyObject* o = s.NewRef(nodes[i]);
    if (o == nullptr) throw py::error_already_set();
    PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), o);
  }
  return out;
}

// An int id of a graph from from_arrays, or -1 if `id` is none.
long long IntId(py::handle id, size_t n) {
  if (!PyLong_Check(id.ptr())) return -1;
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(id.ptr(), &overflow);
  if (overflow != 0 || v < 0 || static_cast<unsigned long long>(v) >= n) {
    return -1;
  }
  return v;
}

NodeId LookupNode(const Snapshot& s, py::handle id) {
  if (s.int_ids) {
    if (!PyLong_Check(id.ptr())) {
      throw py::type_error(absl::StrCat("node id must be an int, not ",
                                        Py_TYPE(id.ptr())->tp_name));
    }
    const long long v = IntId(id, s.graph.size());
    if (v < 0) {
      RaiseInput(absl::StrCat("unknown node ", std::string(py::repr(id))));
    }
    return static_cast<NodeId>(v);
  }
  absl::string_view name = StrView(id, "node id");
  std::optional<NodeId> node = s.graph.Find(name);
  if (!node) RaiseInput(absl::StrCat("unknown node \"", name, "\""));
  return *node;
}

// One id or an iterable of ids.
std::vector<NodeId> LookupNodes(const Snapshot& s, py::handle ids) {
  if (PyUnicode_Check(ids.ptr()) || (s.int_ids && PyLong_Check(ids.ptr()))) {
    return {LookupNode(s, ids)};
  }
  std::vector<NodeId> out;
  for (py::handle id : py::iter(ids)) out.push_back(LookupNode(s, id));
  return out;
}

// Identity index of the caller's id objects: PyObject* -> handle. Open
// addressing with the key and value side by side, so a probe touches one
// cache line (a general hash map keeps control bytes and slots apart: two
// misses per lookup on the 8M edge ends of a 1M-node graph).
class IdentityIndex {
 public:
  explicit IdentityIndex(size_t expected) { Rehash(expected); }

  // Prefetches the slot `key` would probe first.
  void Prefetch(PyObject* key) const { __builtin_prefetch(&slots_[Home(key)]); }

  // The handle of `key`, or kMissing.
  static constexpr uint32_t kMissing = ~uint32_t{0};
  uint32_t Find(PyObject* key) const {
    for (size_t i = Home(key);; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.key == key) return slot.value;
      if (slot.key == nullptr) return kMissing;
    }
  }

  // Adds key -> value unless key is present; returns the value kept.
  uint32_t Insert(PyObject* key, uint32_t value) {
    if (2 * (size_ + 1) > slots_.size()) Rehash(2 * slots_.size());
    for (size_t i = Home(key);; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.key == key) return slot.value;
      if (slot.key == nullptr) {
        slot = {key, value};
        ++size_;
        return value;
      }
    }
  }

 private:
  struct Slot {
    PyObject* key;
    uint32_t value;
  };

  size_t Home(PyObject* key) const {
    // Objects are 16-byte aligned: drop those bits, then Fibonacci hashing.
    const uint64_t x = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(key));
    return static_cast<size_t>(((x >> 4) * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  void Rehash(size_t expected) {
    size_t capacity = 16;
    int bits = 4;
    while (capacity < 2 * expected) {
      capacity <<= 1;
      ++bits;
    }
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{nullptr, 0});
    mask_ = capacity - 1;
    shift_ = 64 - bits;
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.key != nullptr) Insert(slot.key, slot.value);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  int shift_ = 60;
  size_t size_ = 0;
};

// A read-only integer buffer (the buffer protocol), released on destruction.
class IntBuffer {
 public:
  IntBuffer(py::handle obj, const char* what) : what_(what) {
    if (PyObject_GetBuffer(obj.ptr(), &view_,
                           PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) {
      PyErr_Clear();
      throw py::type_error(
          absl::StrCat(what,
                       " must support the buffer protocol with C-contiguous "
                       "integers (array.array, bytes, a numpy array...), not ",
                       Py_TYPE(obj.ptr())->tp_name));
    }
    held_ = true;
    const char* format = view_.format == nullptr ? "B" : view_.format;
    char order = '@';
    if (std::strchr("@=<>!", *format) != nullptr) order = *format++;
    code_ = *format;
    const bool big_endian = order == '>' || order == '!';
    if (format[0] == '\0' || format[1] != '\0' ||
        std::strchr("bBhHiIlLqQnN", code_) == nullptr ||
        (big_endian && view_.itemsize > 1)) {
      throw py::type_error(absl::StrCat(
          what,
          " must hold native integers (array typecodes b B h H i I l L "
          "q Q), not buffer format '",
          view_.format == nullptr ? "B" : view_.format, "'"));
    }
    size_ = static_cast<size_t>(view_.len / view_.itemsize);
  }
  ~IntBuffer() {
    if (held_) PyBuffer_Release(&view_);
  }
  IntBuffer(const IntBuffer&) = delete;
  IntBuffer& operator=(const IntBuffer&) = delete;

  size_t size() const { return size_; }
  int ndim() const { return view_.ndim; }
  Py_ssize_t shape(int i) const {
    return view_.shape == nullptr ? static_cast<Py_ssize_t>(size_)
                                  : view_.shape[i];
  }

  // Items [begin, begin + stride * count) with the given stride, checked to
  // be in [0, n), into `out`. Returns the index of the first bad item, or
  // size() if all were good. Touches no Python object (runs without the GIL).
  size_t Read(size_t begin, size_t stride, size_t count, uint64_t n,
              uint32_t* out) const {
    switch (code_) {
      case 'b':
        return ReadAs<signed char>(begin, stride, count, n, out);
      case 'B':
        return ReadAs<unsigned char>(begin, stride, count, n, out);
      case 'h':
        return ReadAs<short>(begin, stride, count, n, out);
      case 'H':
        return ReadAs<unsigned short>(begin, stride, count, n, out);
      case 'i':
        return ReadAs<int>(begin, stride, count, n, out);
      case 'I':
        return ReadAs<unsigned int>(begin, stride, count, n, out);
      case 'l':
        return ReadAs<long>(begin, stride, count, n, out);
      case 'L':
        return ReadAs<unsigned long>(begin, stride, count, n, out);
      case 'q':
        return ReadAs<long long>(begin, stride, count, n, out);
      case 'Q':
        return ReadAs<unsigned long long>(begin, stride, count, n, out);
      case 'n':
        return ReadAs<Py_ssize_t>(begin, stride, count, n, out);
      default:
        return ReadAs<size_t>(begin, stride, count, n, out);
    }
  }

  // Item i as text (for error messages). REQUIRES: the GIL is held.
  std::string ItemText(size_t i) const {
    long long value = 0;
    const char* p = static_cast<const char*>(view_.buf) + i * view_.itemsize;
    switch (code_) {
      case 'b':
        value = *reinterpret_cast<const signed char*>(p);
        break;
      case 'B':
        value = *reinterpret_cast<const unsigned char*>(p);
        break;
      case 'h':
        value = *reinterpret_cast<const short*>(p);
        break;
      case 'H':
        value = *reinterpret_cast<const unsigned short*>(p);
        break;
      case 'i':
        value = *reinterpret_cast<const int*>(p);
        break;
      case 'I':
        value = *reinterpret_cast<const unsigned int*>(p);
        break;
      case 'l':
      case 'q':
      case 'n':
        value = *reinterpret_cast<const long long*>(p);
        break;
      default:
        return absl::StrCat(*reinterpret_cast<const unsigned long long*>(p));
    }
    return absl::StrCat(value);
  }

  const char* what() const { return what_; }

 private:
  template <typename T>
  size_t ReadAs(size_t begin, size_t stride, size_t count, uint64_t n,
                uint32_t* out) const {
    const T* in = static_cast<const T*>(view_.buf) + begin;
    for (size_t i = 0; i < count; ++i) {
      const T v = in[i * stride];
      if constexpr (std::is_signed_v<T>) {
        if (v < 0) return begin + i * stride;
      }
      if (static_cast<uint64_t>(v) >= n) return begin + i * stride;
      out[i] = static_cast<uint32_t>(v);
    }
    return size_;
  }

  Py_buffer view_{};
  bool held_ = false;
  char code_ = 'B';
  size_t size_ = 0;
  const char* what_;
};

// An immutable graph: the builder (for validate/find_cycles/drawing, which
// also work on an invalid graph) and, when valid, the built graph.
class FrozenGraph {
 public:
  // nodes: ids; edges: (dependent, dependency) pairs; durations, weights:
  // None or one float per node (checked by the Python builder).
  FrozenGraph(py::handle nodes, py::handle edges, py::handle durations,
              py::handle weights) {
    Read(nodes, edges, durations, weights);
    Finish();
  }

  // Ids 0..n-1; dependents[i] depends on dependencies[i], or (dependencies
  // None) `dependents` holds the pairs: flat [a0, b0, a1, b1, ...] or an
  // (m, 2) array.
  static std::unique_ptr<FrozenGraph> FromArrays(long long n,
                                                 py::handle dependents,
                                                 py::handle dependencies) {
    if (n < 0 || n >= (1LL << 31)) {
      RaiseInput(absl::StrCat("num_nodes must be in [0, 2**31), got ", n));
    }
    std::unique_ptr<FrozenGraph> g(new FrozenGraph());
    g->int_ids_ = true;
    g->ReadArrays(static_cast<size_t>(n), dependents, dependencies);
    g->Finish();
    return g;
  }

  // The validated graph; raises GraphError listing every problem.
  const Snapshot& Get() const { return *Shared(); }
  const std::shared_ptr<const Snapshot>& Shared() const {
    if (!snapshot_) {
      py::list cycles;
      for (const graph::GraphProblem& p : problems_) {
        if (p.kind == graph::ProblemKind::kCycle) {
          cycles.append(IdObjectList(p.nodes, int_ids_));
        }
      }
      RaiseError("GraphError", py::str(std::string(error_.message())),
                 py::arg("problems") = ProblemsToPython(problems_, int_ids_),
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
    return ProblemsToPython(problems, int_ids_);
  }

  py::list FindCycles() const {
    std::vector<std::vector<std::string>> cycles;
    {
      py::gil_scoped_release no_gil;
      cycles = builder_.FindCycles();
    }
    py::list out(cycles.size());
    for (size_t i = 0; i < cycles.size(); ++i) {
      out[i] = IdObjectList(cycles[i], int_ids_);
    }
    return out;
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
    if (int_ids_) ThrowIntIdsAreFixed("subgraph()");
    const Snapshot& s = Get();
    std::vector<NodeId> seeds = LookupNodes(s, ids);
    absl::StatusOr<DependencyGraph> sub;
    {
      py::gil_scoped_release no_gil;
      sub = s.graph.Subgraph(seeds);
    }
    ThrowIfError(sub.status());
    py::list nodes, edges, durations, weights;
    std::vector<py::object> id_of(sub->size());
    for (NodeId v = 0; v < sub->size(); ++v) {
      id_of[v] = s.Id(*s.graph.Find(sub->id(v)));
      nodes.append(id_of[v]);
      durations.append(sub->attributes(v).duration);
      weights.append(sub->attributes(v).weight);
    }
    for (NodeId v = 0; v < sub->size(); ++v) {
      for (NodeId d : sub->dependencies(v)) {
        edges.append(py::make_tuple(id_of[v], id_of[d]));
      }
    }
    return py::make_tuple(nodes, edges, durations, weights);
  }

  // (nodes, edges): new lists of the id objects this graph was read from, so
  // a builder can go on from a graph made in bulk without copying up front.
  py::tuple Inputs() const {
    if (int_ids_) ThrowIntIdsAreFixed("changing it");
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
  bool int_ids() const { return int_ids_; }

  bool Contains(py::handle id) const {
    if (int_ids_) return IntId(id, builder_.num_nodes()) >= 0;
    if (!PyUnicode_Check(id.ptr())) return false;
    return builder_.HasNode(StrView(id, "node id"));
  }

  py::list Nodes() const {
    py::list out(builder_.num_nodes());
    for (size_t i = 0; i < builder_.num_nodes(); ++i) {
      if (int_ids_) {
        out[i] = py::int_(i);
      } else {
        out[i] = (*ids_)[builder_.declared_handle(i)];
      }
    }
    return out;
  }

 private:
  FrozenGraph() = default;

  [[noreturn]] static void ThrowIntIdsAreFixed(const char* what) {
    throw py::type_error(absl::StrCat(
        "a graph from DependencyGraph.from_arrays (integer ids) does not "
        "support ",
        what, "; build it with str ids (from_edges or add_node) for that"));
  }

  void Read(py::handle nodes, py::handle edges, py::handle durations,
            py::handle weights);
  void ReadArrays(size_t n, py::handle dependents, py::handle dependencies);

  // Builds (GIL released) and keeps the graph or why it is invalid.
  void Finish() {
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
    s->int_ids = int_ids_;
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

  // Keeps the caller's id object for a handle the builder just returned.
  void Track(NodeHandle h, py::handle id) {
    if (h == ids_->size()) {
      ids_->push_back(py::reinterpret_borrow<py::object>(id));
    }
  }

  GraphBuilder builder_;
  std::shared_ptr<IdObjects> ids_ = std::make_shared<IdObjects>();
  bool int_ids_ = false;
  // What was read, as handles (duplicates and edges kept): Inputs().
  std::vector<NodeHandle> input_nodes_;
  std::vector<std::pair<NodeHandle, NodeHandle>> input_edges_;
  // The built graph, or (when null) why it could not be built.
  std::shared_ptr<const Snapshot> snapshot_;
  absl::Status error_;
  std::vector<graph::GraphProblem> problems_;
};

void FrozenGraph::ReadArrays(size_t n, py::handle dependents,
                             py::handle dependencies) {
  IntBuffer a(dependents, "dependents");
  std::optional<IntBuffer> b;
  size_t m = 0;
  size_t stride = 1;
  size_t b_begin = 0;
  const IntBuffer* second = &a;
  if (dependencies.is_none()) {
    // Pairs: flat and even, or (m, 2).
    if (a.ndim() == 2 ? a.shape(1) != 2 : a.size() % 2 != 0) {
      throw py::value_error(absl::StrCat(
          "dependents without dependencies must hold (dependent, dependency) "
          "pairs: an even number of integers or an (m, 2) array, got ",
          a.size(), " integers"));
    }
    m = a.size() / 2;
    stride = 2;
    b_begin = 1;
  } else {
    b.emplace(dependencies, "dependencies");
    if (a.size() != b->size()) {
      throw py::value_error(absl::StrCat(
          "dependents and dependencies must have the same length, got ",
          a.size(), " and ", b->size()));
    }
    m = a.size();
    second = &*b;
  }
  std::vector<NodeHandle> from(m), to(m);
  size_t bad_a = a.size(), bad_b = second->size();
  // Ids: the decimal text of 0..n-1, in one buffer.
  std::string chars;
  std::vector<absl::string_view> names(n);
  {
    py::gil_scoped_release no_gil;
    bad_a = a.Read(0, stride, m, n, from.data());
    if (bad_a == a.size()) {
      bad_b = second->Read(b_begin, stride, m, n, to.data());
    }
    if (bad_a == a.size() && bad_b == second->size()) {
      chars.resize(n * 11);
      char* p = chars.data();
      std::vector<uint32_t> ends(n);
      for (size_t i = 0; i < n; ++i) {
        p = absl::numbers_internal::FastIntToBuffer(static_cast<uint32_t>(i),
                                                    p);
        ends[i] = static_cast<uint32_t>(p - chars.data());
      }
      uint32_t begin = 0;
      for (size_t i = 0; i < n; ++i) {
        names[i] = absl::string_view(chars.data() + begin, ends[i] - begin);
        begin = ends[i];
      }
      builder_.Reserve(n, m, static_cast<size_t>(p - chars.data()));
      builder_.AddNodes(names);
      builder_.AddDependencies(from, to);
    }
  }
  auto bad = [&](const IntBuffer& buf, size_t i) {
    const size_t index = stride == 2 ? i / 2 : i;
    RaiseInput(absl::StrCat(stride == 2 ? "dependents" : buf.what(), "[", index,
                            stride == 2 ? (i % 2 == 0 ? "][0]" : "][1]") : "]",
                            " = ", buf.ItemText(i), " is not a node id (",
                            n == 0 ? std::string("the graph has no nodes")
                                   : absl::StrCat("0 to ", n - 1),
                            ")"));
  };
  if (bad_a != a.size()) bad(a, bad_a);
  if (bad_b != second->size()) bad(*second, bad_b);
}

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
  IdentityIndex by_object(static_cast<size_t>(n));
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
      by_object.Insert(node_items[i], h);
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
      by_object.Insert(node_items[i], h);
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
    const uint32_t found = by_object.Find(obj);
    if (found != IdentityIndex::kMissing) return found;
    const NodeHandle h = builder_.Handle(StrView(obj, what));
    Track(h, obj);
    by_object.Insert(obj, h);
    return h;
  };
  // Two-stage prefetch: the edge tuples are scattered over the Python
  // heap and the index is larger than the caches, so fetch the tuple
  // 2*kAhead edges ahead and its ends' index slots kAhead edges ahead.
  // Small inputs stay in cache: no prefetching there.
  const Py_ssize_t kAhead = n >= (1 << 16) ? 8 : 0;
  for (Py_ssize_t i = 0; i < m; ++i) {
    PyObject* a;
    PyObject* b;
    if (kAhead > 0 && i + 2 * kAhead < m) {
      __builtin_prefetch(edge_items[i + 2 * kAhead]);
    }
    if (kAhead > 0 && i + kAhead < m && ends(i + kAhead, &a, &b)) {
      by_object.Prefetch(a);
      by_object.Prefetch(b);
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
    py::object id = s.Id(v);
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
      .def_static("from_arrays", &FrozenGraph::FromArrays, py::arg("num_nodes"),
                  py::arg("dependents"), py::arg("dependencies"))
      .def_property_readonly("int_ids", &FrozenGraph::int_ids)
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
