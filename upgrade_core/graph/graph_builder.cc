// File: graph_builder.cc
// -----------------------------------------------------------------------------
// GraphBuilder's collecting half: interning ids, declaring nodes, adding
// edges (one at a time or in bulk, with prefetching), and BuildUnchecked(),
// which turns them into the CSR arrays of a DependencyGraph and places every
// node it can with Kahn's algorithm. Whether the result is valid is decided
// in graph_validate.cc; diagrams are in graph_format.cc.
#include "upgrade_core/graph/graph_builder.h"

#include <algorithm>
#include <utility>

#include "absl/base/internal/prefetch.h"
#include "upgrade_core/graph/forward_index.h"
#include "upgrade_core/graph/name_table.h"

namespace upgrade_core::graph {
namespace {

// Prefetch distance (in ids or edges) of the bulk passes.
constexpr size_t kAhead = 16;

using absl::base_internal::PrefetchT0;

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
  if (dense_) return h < num_declared_ ? h : kNotDeclared;
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
  decl_index_.resize(names_->size(), kNotDeclared);
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
      decl_index_.push_back(kNotDeclared);
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
    if (inserted) decl_index_.push_back(kNotDeclared);
    if (decl_index_[h] != kNotDeclared) {
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
  return h.has_value() && IsDeclared(*h);
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
  // Below ~64k nodes the arrays stay in cache and prefetching only costs
  // (as in DependencyGraph::ComputeLevels).
  const bool prefetch = n >= (1u << 16);
  if (clean && !prefetch) {
    for (size_t i = 0; i < m; ++i) ++off[edge_to_[i]];
  } else if (clean) {
    // Prefetching kAhead edges ahead overlaps the random accesses.
    for (size_t i = 0; i < m; ++i) {
      if (i + kAhead < m) PrefetchT0(&off[edge_to_[i + kAhead]]);
      ++off[edge_to_[i]];
    }
  } else {
    for (size_t i = 0; i < m; ++i) {
      const uint32_t a = node_of(edge_from_[i]), b = node_of(edge_to_[i]);
      if (a == kNotDeclared || b == kNotDeclared || a == b) continue;
      ++off[b];
    }
  }
  for (size_t v = 1; v <= n; ++v) off[v] += off[v - 1];
  g.rdeps_.resize(n == 0 ? 0 : off[n - 1]);
  off[n] = static_cast<uint32_t>(g.rdeps_.size());
  if (clean && !prefetch) {
    NodeId* const rdeps = g.rdeps_.data();
    for (size_t i = m; i-- > 0;) rdeps[--off[edge_to_[i]]] = edge_from_[i];
  } else if (clean) {
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
      if (a == kNotDeclared || b == kNotDeclared || a == b) continue;
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
  // stamp[w]: the last dependency whose list held w (none yet: ~0u); then
  // lent to Kahn's queue.
  std::vector<uint32_t> stamp(n, ~0u);
  {
    std::vector<NodeId>& adj = g.rdeps_;
    const uint32_t total = off[n];
    uint32_t write = 0, begin = 0;
    for (uint32_t v = 0; v < n; ++v) {
      const uint32_t end = off[v + 1];
      off[v] = write;
      for (uint32_t i = begin; i < end; ++i) {
        if (prefetch && i + kAhead < total) {  // not yet overwritten
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

}  // namespace upgrade_core::graph
