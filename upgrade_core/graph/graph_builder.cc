// File: graph_builder.cc
// -----------------------------------------------------------------------------
// Building the CSR arrays, validation, and cycle reporting.
//
// Cycle detection is folded into the build: Kahn's algorithm places every
// node that is not on (or behind) a cycle; only when some node stays unplaced
// does Tarjan's algorithm run, over the unplaced nodes only, to name each
// cyclic strongly connected component and one full cycle through it. Both
// steps are linear.
#include "upgrade_core/graph/graph_builder.h"

#include <algorithm>
#include <utility>

#include "absl/base/internal/prefetch.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/graph/forward_index.h"
#include "upgrade_core/graph/graph_format.h"
#include "upgrade_core/graph/name_table.h"

namespace upgrade_core::graph {
namespace {

constexpr uint32_t kNone = 0xffffffffu;
constexpr size_t kMaxProblemsInMessage = 20;
// Prefetch distance (in ids or edges) of the bulk passes.
constexpr size_t kAhead = 16;

using absl::base_internal::PrefetchT0;

// One cyclic strongly connected component of a graph whose unplaced nodes
// (level == kNone) hold every cycle.
struct CyclicComponent {
  std::vector<NodeId> members;  // ascending NodeId
  std::vector<NodeId> cycle;    // first node repeated at the end
};

// Tarjan's algorithm (iterative) over the dependents CSR `off`/`adj`,
// restricted to the nodes Kahn could not place (strongly connected
// components are the same along either edge direction, and this one needs
// no forward index); returns the components with more than one node,
// ordered by their smallest NodeId, each with the shortest cycle through
// that node in "depends on" order.
// `comp_of` (may be null) receives, per node, the index of its cyclic
// component or kNone.
std::vector<CyclicComponent> FindCyclicComponents(
    const std::vector<uint32_t>& off, const std::vector<NodeId>& adj,
    const std::vector<uint32_t>& level, std::vector<uint32_t>* comp_of) {
  const size_t n = level.size();
  std::vector<uint32_t> index(n, kNone), low(n, 0);
  std::vector<uint8_t> on_stack(n, 0);
  std::vector<NodeId> stack;
  struct Frame {
    NodeId v;
    uint32_t pos;
  };
  std::vector<Frame> frames;
  uint32_t counter = 0;
  std::vector<CyclicComponent> comps;
  for (NodeId root = 0; root < n; ++root) {
    if (level[root] != kNone || index[root] != kNone) continue;
    index[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = 1;
    frames.push_back({root, off[root]});
    while (!frames.empty()) {
      Frame& top = frames.back();
      const NodeId v = top.v;
      if (top.pos < off[v + 1]) {
        const NodeId w = adj[top.pos++];
        if (level[w] != kNone) continue;  // placed: on no cycle
        if (index[w] == kNone) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = 1;
          frames.push_back({w, off[w]});  // invalidates `top`
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      frames.pop_back();
      if (!frames.empty()) {
        const NodeId u = frames.back().v;
        low[u] = std::min(low[u], low[v]);
      }
      if (low[v] != index[v]) continue;
      CyclicComponent comp;
      NodeId w;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[w] = 0;
        comp.members.push_back(w);
      } while (w != v);
      // Self edges never reach here (the builder drops them), so a
      // one-node component is acyclic: a node behind a cycle.
      if (comp.members.size() > 1) comps.push_back(std::move(comp));
    }
  }
  for (CyclicComponent& c : comps) {
    std::sort(c.members.begin(), c.members.end());
  }
  std::sort(comps.begin(), comps.end(),
            [](const CyclicComponent& a, const CyclicComponent& b) {
              return a.members[0] < b.members[0];
            });
  // Shortest cycle through each component's first node: BFS inside the
  // component until an edge leads back to it. Total work is linear.
  std::vector<uint32_t> comp_id(n, kNone);
  for (uint32_t c = 0; c < comps.size(); ++c) {
    for (NodeId v : comps[c].members) comp_id[v] = c;
  }
  std::vector<NodeId> parent(n, kNone);
  std::vector<NodeId> queue;
  for (uint32_t c = 0; c < comps.size(); ++c) {
    const NodeId s = comps[c].members[0];
    queue.assign(1, s);
    parent[s] = s;
    NodeId closing = kNone;  // last node of the cycle (its edge goes to s)
    for (size_t head = 0; head < queue.size() && closing == kNone; ++head) {
      const NodeId v = queue[head];
      for (uint32_t i = off[v]; i < off[v + 1]; ++i) {
        const NodeId w = adj[i];
        if (comp_id[w] != c) continue;
        if (w == s) {
          closing = v;
          break;
        }
        if (parent[w] == kNone) {
          parent[w] = v;
          queue.push_back(w);
        }
      }
    }
    // The BFS followed dependents (s <- ... <- closing <- s); read back, the
    // parent chain is the cycle in "depends on" order.
    std::vector<NodeId>& cycle = comps[c].cycle;
    cycle.push_back(s);
    for (NodeId v = closing; v != s; v = parent[v]) cycle.push_back(v);
    cycle.push_back(s);
    for (NodeId v : queue) parent[v] = kNone;
  }
  if (comp_of != nullptr) *comp_of = std::move(comp_id);
  return comps;
}

GraphProblem MakeProblem(ProblemKind kind, std::vector<std::string> nodes) {
  GraphProblem p;
  p.kind = kind;
  p.nodes = std::move(nodes);
  return p;
}

std::string Quote(absl::string_view s) { return absl::StrCat("\"", s, "\""); }

bool Acyclic(const std::vector<uint32_t>& level) {
  for (uint32_t l : level) {
    if (l == kNone) return false;
  }
  return true;
}

GraphProblem CycleProblem(const DependencyGraph& g, const CyclicComponent& c) {
  GraphProblem p = MakeProblem(ProblemKind::kCycle, {});
  for (NodeId v : c.cycle) p.nodes.emplace_back(g.id(v));
  for (NodeId v : c.members) p.component.emplace_back(g.id(v));
  p.message =
      absl::StrCat("dependency cycle: ", absl::StrJoin(p.nodes, " -> "));
  if (c.members.size() + 1 > c.cycle.size()) {
    constexpr size_t kShown = 10;
    std::vector<absl::string_view> shown(
        p.component.begin(),
        p.component.begin() + std::min(kShown, p.component.size()));
    absl::StrAppend(&p.message, " (one of the cycles among ", c.members.size(),
                    " mutually dependent nodes: ", absl::StrJoin(shown, ", "),
                    c.members.size() > kShown ? ", ..." : "", ")");
  }
  return p;
}

}  // namespace

GraphBuilder::GraphBuilder()
    : names_(std::make_shared<internal::NameTable>()) {}
GraphBuilder::GraphBuilder(GraphBuilder&&) noexcept = default;
GraphBuilder& GraphBuilder::operator=(GraphBuilder&&) noexcept = default;
GraphBuilder::~GraphBuilder() = default;

internal::NameTable& GraphBuilder::MutableNames() {
  // A graph built with Build() const& shares the table; copy on write.
  if (names_.use_count() > 1) names_ = names_->Clone();
  return *names_;
}

void GraphBuilder::Reserve(size_t nodes, size_t edges, size_t id_chars) {
  MutableNames().Reserve(nodes, id_chars);
  edge_from_.reserve(edges);
  edge_to_.reserve(edges);
}

uint32_t GraphBuilder::DeclIndex(NodeHandle h) const {
  if (dense_) return h < num_declared_ ? h : kNone;
  return decl_index_[h];
}

size_t GraphBuilder::num_handles() const { return names_->size(); }

std::optional<NodeHandle> GraphBuilder::FindHandle(absl::string_view id) const {
  return names_->Find(id);
}

void GraphBuilder::MakeSparse() {
  if (!dense_) return;
  dense_ = false;
  declared_.resize(num_declared_);
  decl_index_.resize(names_->size(), kNone);
  for (size_t i = 0; i < num_declared_; ++i) {
    declared_[i] = static_cast<NodeHandle>(i);
    decl_index_[i] = static_cast<uint32_t>(i);
  }
}

NodeHandle GraphBuilder::Handle(absl::string_view id) {
  const auto [h, inserted] = MutableNames().Intern(id);
  if (inserted) {  // referenced but not declared: no longer dense
    if (dense_) {
      MakeSparse();
    } else {
      decl_index_.push_back(kNone);
    }
  }
  return h;
}

NodeHandle GraphBuilder::AddNode(absl::string_view id,
                                 const NodeAttributes& attrs) {
  return AddNodeHashed(id, internal::NameTable::HashOf(id), attrs);
}

NodeHandle GraphBuilder::AddNodeHashed(absl::string_view id, uint64_t hash,
                                       const NodeAttributes& attrs) {
  const auto [h, inserted] = MutableNames().Intern(id, hash);
  if (dense_) {
    // Dense: an existing handle is a declared node.
    if (!inserted) {
      duplicates_.emplace_back(id);
      return h;
    }
  } else {
    if (inserted) decl_index_.push_back(kNone);
    if (decl_index_[h] != kNone) {
      duplicates_.emplace_back(id);
      return h;
    }
    decl_index_[h] = static_cast<uint32_t>(num_declared_);
    declared_.push_back(h);
  }
  ++num_declared_;
  const NodeAttributes defaults;
  if (!has_attrs_ && (attrs.duration != defaults.duration ||
                      attrs.weight != defaults.weight)) {
    has_attrs_ = true;
    attrs_.resize(num_declared_ - 1);
  }
  if (has_attrs_) attrs_.push_back(attrs);
  return h;
}

void GraphBuilder::AddDependency(absl::string_view dependent,
                                 absl::string_view dependency) {
  const NodeHandle a = Handle(dependent);
  AddDependency(a, Handle(dependency));
}

void GraphBuilder::AddDependencies(absl::Span<const NodeHandle> dependents,
                                   absl::Span<const NodeHandle> dependencies) {
  const size_t m = std::min(dependents.size(), dependencies.size());
  edge_from_.insert(edge_from_.end(), dependents.begin(),
                    dependents.begin() + m);
  edge_to_.insert(edge_to_.end(), dependencies.begin(),
                  dependencies.begin() + m);
  for (size_t i = 0; i < m; ++i) {
    self_edges_ += dependents[i] == dependencies[i];
  }
}

template <typename Ids>
void GraphBuilder::AddNodesImpl(const Ids& ids) {
  internal::NameTable& names = MutableNames();  // unshare once, not per id
  // Hash kAhead ids ahead and prefetch their slots, so the random accesses
  // of consecutive inserts overlap; each id is hashed once.
  const size_t n = ids.size();
  names.Reserve(names.size() + n, names.char_count());
  uint64_t ring[kAhead];
  for (size_t i = 0; i < n + kAhead; ++i) {
    if (i >= kAhead) {
      const absl::string_view id = ids[i - kAhead];
      if (dense_ && !has_attrs_) {
        // AddNodeHashed's dense, default-attributes case, inlined.
        if (names.Intern(id, ring[i % kAhead]).second) {
          ++num_declared_;
        } else {
          duplicates_.emplace_back(id);
        }
      } else {
        AddNodeHashed(id, ring[i % kAhead], {});
      }
    }
    if (i < n) {
      ring[i % kAhead] = internal::NameTable::HashOf(ids[i]);
      names.Prefetch(ring[i % kAhead]);
    }
  }
}

void GraphBuilder::AddNodes(absl::Span<const std::string> ids) {
  AddNodesImpl(ids);
}

void GraphBuilder::AddNodes(absl::Span<const absl::string_view> ids) {
  AddNodesImpl(ids);
}

bool GraphBuilder::HasNode(absl::string_view id) const {
  std::optional<uint32_t> h = names_->Find(id);
  return h.has_value() && DeclIndex(*h) != kNone;
}

absl::string_view GraphBuilder::id(NodeHandle handle) const {
  return names_->name(handle);
}

DependencyGraph GraphBuilder::BuildUnchecked() const {
  return const_cast<GraphBuilder*>(this)->BuildUnchecked(/*release=*/false);
}

DependencyGraph GraphBuilder::BuildUnchecked(bool release) {
  DependencyGraph g;
  const size_t n = num_declared_;
  // Common case: every interned id was declared, in interning order, so a
  // handle is already the NodeId and the table can be shared as is.
  bool identity = n == names_->size();
  for (size_t i = 0; !dense_ && identity && i < n; ++i) {
    identity = declared_[i] == i;
  }
  // Fast path (the common case): handles are NodeIds and every edge is
  // valid, so the edge loops need no per-edge checks.
  const bool clean = identity && !HasEdgeProblems();
  std::shared_ptr<internal::NameTable> table;
  if (identity) {
    if (release) {
      table = std::move(names_);
      names_ = std::make_shared<internal::NameTable>();
    } else {
      table = names_;
    }
  } else {
    table = std::make_shared<internal::NameTable>();
    table->Reserve(n, names_->char_count());
    for (size_t i = 0; i < n; ++i) {
      table->Intern(names_->name(declared_handle(i)));
    }
  }
  g.names_ = table;
  // When releasing, the table is the graph's alone: free its lookup index
  // while the builder's edges and the new CSR coexist (the peak of a build);
  // the graph rebuilds it from the arena on its first lookup by id, so
  // callers that only use NodeIds never pay for it.
  if (release) table->DropIndex();
  // The dependents CSR, by dependency.
  const size_t m = edge_from_.size();
  auto node_of = [&](NodeHandle h) -> uint32_t {
    return identity ? h : DeclIndex(h);
  };
  std::vector<uint32_t>& off = g.rdep_off_;
  off.assign(n + 1, 0);
  // Dependents per dependency: a counting sort of the valid edges into
  // the CSR, filled backwards so no cursor array is needed (off[b] ends
  // as the start of b's list).
  if (clean) {
    // Prefetching kAhead edges ahead overlaps the random accesses.
    for (size_t i = 0; i < m; ++i) {
      if (i + kAhead < m) PrefetchT0(&off[edge_to_[i + kAhead]]);
      ++off[edge_to_[i]];
    }
  } else {
    for (size_t i = 0; i < m; ++i) {
      const uint32_t a = node_of(edge_from_[i]), b = node_of(edge_to_[i]);
      if (a == kNone || b == kNone || a == b) continue;
      ++off[b];
    }
  }
  for (size_t v = 1; v <= n; ++v) off[v] += off[v - 1];
  g.rdeps_.resize(n == 0 ? 0 : off[n - 1]);
  off[n] = static_cast<uint32_t>(g.rdeps_.size());
  if (clean) {
    NodeId* const rdeps = g.rdeps_.data();
    for (size_t i = m; i-- > 0;) {
      // The cursor 2 * kAhead edges ahead, then the slot it points at.
      if (i >= 2 * kAhead) PrefetchT0(&off[edge_to_[i - 2 * kAhead]]);
      if (i >= kAhead) PrefetchT0(rdeps + off[edge_to_[i - kAhead]] - 1);
      rdeps[--off[edge_to_[i]]] = edge_from_[i];
    }
  } else {
    for (size_t i = m; i-- > 0;) {
      const uint32_t a = node_of(edge_from_[i]), b = node_of(edge_to_[i]);
      if (a == kNone || b == kNone || a == b) continue;
      g.rdeps_[--off[b]] = a;
    }
  }
  if (release) {
    std::vector<NodeHandle>().swap(edge_from_);
    std::vector<NodeHandle>().swap(edge_to_);
  }
  // Drop duplicate edges in place (keeping the first; a stamp per node
  // remembers the last dependency that listed it) and count each node's
  // dependencies for Kahn. Lists keep the order the edges were added.
  std::vector<uint32_t> pending(n, 0);
  std::vector<uint32_t> stamp(n, kNone);  // then Kahn's queue
  {
    std::vector<NodeId>& adj = g.rdeps_;
    const uint32_t total = off[n];
    uint32_t write = 0, begin = 0;
    for (uint32_t v = 0; v < n; ++v) {
      const uint32_t end = off[v + 1];
      off[v] = write;
      for (uint32_t i = begin; i < end; ++i) {
        if (i + kAhead < total) {  // not yet overwritten: write <= i
          PrefetchT0(&stamp[adj[i + kAhead]]);
          PrefetchT0(&pending[adj[i + kAhead]]);
        }
        const NodeId w = adj[i];
        if (stamp[w] == v) continue;  // a duplicate edge
        stamp[w] = v;
        adj[write++] = w;
        ++pending[w];
      }
      begin = end;
    }
    off[n] = write;
    if (write < adj.size()) {
      adj.resize(write);
      adj.shrink_to_fit();
    }
  }
  if (has_attrs_) {
    const NodeAttributes defaults;
    bool any_duration = false, any_weight = false;
    for (const NodeAttributes& a : attrs_) {
      any_duration |= a.duration != defaults.duration;
      any_weight |= a.weight != defaults.weight;
    }
    if (any_duration) {
      g.duration_.reserve(n);
      for (const NodeAttributes& a : attrs_) g.duration_.push_back(a.duration);
    }
    if (any_weight) {
      g.weight_.reserve(n);
      for (const NodeAttributes& a : attrs_) g.weight_.push_back(a.weight);
    }
  }
  g.ComputeLevels(std::move(pending), std::move(stamp));
  return g;
}

std::vector<GraphProblem> GraphBuilder::Validate() const {
  std::vector<GraphProblem> problems;
  for (const std::string& id : duplicates_) {
    GraphProblem p = MakeProblem(ProblemKind::kDuplicateNode, {id});
    p.message =
        absl::StrCat("duplicate node ", Quote(id), ": added more than once");
    problems.push_back(std::move(p));
  }
  std::vector<uint8_t> self_reported;
  for (size_t i = 0; i < edge_from_.size(); ++i) {
    const NodeHandle a = edge_from_[i], b = edge_to_[i];
    const bool a_known = DeclIndex(a) != kNone;
    const bool b_known = DeclIndex(b) != kNone;
    if (!a_known || !b_known) {
      GraphProblem p = MakeProblem(ProblemKind::kUnknownNode,
                                   {std::string(id(a)), std::string(id(b))});
      if (!a_known) p.unknown.emplace_back(id(a));
      if (!b_known && b != a) p.unknown.emplace_back(id(b));
      p.message = absl::StrCat(
          "unknown node", p.unknown.size() > 1 ? "s " : " ",
          absl::StrJoin(p.unknown, " and ",
                        [](std::string* out, const std::string& s) {
                          out->append(Quote(s));
                        }),
          ": ", Quote(id(a)), " depends on ", Quote(id(b)), ", but ",
          p.unknown.size() > 1 ? "neither was" : Quote(p.unknown[0]) + " was",
          " never added");
      problems.push_back(std::move(p));
    }
    if (a == b) {
      if (self_reported.empty()) self_reported.resize(names_->size(), 0);
      if (self_reported[a]) continue;
      self_reported[a] = 1;
      GraphProblem p =
          MakeProblem(ProblemKind::kSelfDependency, {std::string(id(a))});
      p.message =
          absl::StrCat("self-dependency: ", Quote(id(a)), " depends on itself");
      problems.push_back(std::move(p));
    }
  }
  const DependencyGraph g = BuildUnchecked();
  if (Acyclic(g.level_)) return problems;
  for (const CyclicComponent& c :
       FindCyclicComponents(g.rdep_off_, g.rdeps_, g.level_, nullptr)) {
    problems.push_back(CycleProblem(g, c));
  }
  return problems;
}

std::vector<std::vector<std::string>> GraphBuilder::FindCycles() const {
  const DependencyGraph g = BuildUnchecked();
  std::vector<std::vector<std::string>> cycles;
  for (const CyclicComponent& c :
       FindCyclicComponents(g.rdep_off_, g.rdeps_, g.level_, nullptr)) {
    std::vector<std::string> cycle;
    for (NodeId v : c.cycle) cycle.emplace_back(g.id(v));
    cycles.push_back(std::move(cycle));
  }
  return cycles;
}

namespace {

absl::Status ProblemsToStatus(const std::vector<GraphProblem>& problems) {
  std::string message =
      absl::StrCat("invalid dependency graph: ", problems.size(),
                   problems.size() == 1 ? " problem" : " problems");
  for (size_t i = 0; i < problems.size() && i < kMaxProblemsInMessage; ++i) {
    absl::StrAppend(&message, "\n  ", problems[i].message);
  }
  if (problems.size() > kMaxProblemsInMessage) {
    absl::StrAppend(&message, "\n  ... and ",
                    problems.size() - kMaxProblemsInMessage, " more");
  }
  return absl::InvalidArgumentError(message);
}

}  // namespace

bool GraphBuilder::HasEdgeProblems() const {
  // All O(1): problems are counted as nodes and edges are added.
  return !duplicates_.empty() || self_edges_ > 0 ||
         num_declared_ != names_->size();  // an id never declared
}

absl::StatusOr<DependencyGraph> GraphBuilder::Build(
    std::vector<GraphProblem>* problems) const {
  problems->clear();
  if (!HasEdgeProblems()) {
    DependencyGraph g = BuildUnchecked();
    if (Acyclic(g.level_)) return g;
  }
  *problems = Validate();
  return ProblemsToStatus(*problems);
}

absl::StatusOr<DependencyGraph> GraphBuilder::Build() const& {
  std::vector<GraphProblem> problems;
  return Build(&problems);
}

absl::StatusOr<DependencyGraph> GraphBuilder::Build() && {
  if (HasEdgeProblems()) return ProblemsToStatus(Validate());
  // Keep what Validate() would need only if a cycle shows up: the edges are
  // released while building, so report from the built arrays instead.
  DependencyGraph g = BuildUnchecked(/*release=*/true);
  if (Acyclic(g.level_)) return g;
  std::vector<GraphProblem> problems;
  for (const CyclicComponent& c :
       FindCyclicComponents(g.rdep_off_, g.rdeps_, g.level_, nullptr)) {
    problems.push_back(CycleProblem(g, c));
  }
  return ProblemsToStatus(problems);
}

void GraphBuilder::Render(std::vector<internal::RenderNode>* nodes,
                          std::vector<internal::RenderEdge>* edges) const {
  const DependencyGraph g = BuildUnchecked();
  std::vector<uint32_t> comp_of(g.size(), kNone);
  if (!Acyclic(g.level_)) {
    FindCyclicComponents(g.rdep_off_, g.rdeps_, g.level_, &comp_of);
  }
  // Declared nodes in declaration order, then ids only referenced by edges.
  const size_t n = num_declared_;
  std::vector<uint32_t> render_index(names_->size(), kNone);
  nodes->reserve(names_->size());
  for (size_t i = 0; i < n; ++i) {
    render_index[declared_handle(i)] = static_cast<uint32_t>(i);
    nodes->push_back({names_->name(declared_handle(i)), comp_of[i] != kNone});
  }
  for (NodeHandle h = 0; h < names_->size(); ++h) {
    if (DeclIndex(h) != kNone) continue;
    render_index[h] = static_cast<uint32_t>(nodes->size());
    nodes->push_back({names_->name(h), false, /*missing=*/true});
  }
  absl::flat_hash_set<uint64_t> seen;
  for (size_t i = 0; i < edge_from_.size(); ++i) {
    const uint32_t a = render_index[edge_from_[i]];
    const uint32_t b = render_index[edge_to_[i]];
    if (!seen.insert((static_cast<uint64_t>(a) << 32) | b).second) continue;
    bool cyclic = a == b;
    if (a < n && b < n && comp_of[a] != kNone && comp_of[a] == comp_of[b]) {
      cyclic = true;
    }
    if (a == b) (*nodes)[a].highlight = true;
    edges->push_back({a, b, cyclic});
  }
}

std::string GraphBuilder::ToDot() const {
  std::vector<internal::RenderNode> nodes;
  std::vector<internal::RenderEdge> edges;
  Render(&nodes, &edges);
  return internal::RenderDot(nodes, edges);
}

std::string GraphBuilder::ToMermaid() const {
  std::vector<internal::RenderNode> nodes;
  std::vector<internal::RenderEdge> edges;
  Render(&nodes, &edges);
  return internal::RenderMermaid(nodes, edges);
}

}  // namespace upgrade_core::graph

namespace upgrade_core::graph {

absl::string_view ProblemKindName(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::kUnknownNode:
      return "unknown_node";
    case ProblemKind::kDuplicateNode:
      return "duplicate_node";
    case ProblemKind::kSelfDependency:
      return "self_dependency";
    case ProblemKind::kCycle:
      return "cycle";
  }
  return "unknown";
}

}  // namespace upgrade_core::graph
