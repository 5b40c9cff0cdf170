// File: name_table.h
// -----------------------------------------------------------------------------
// NameTable: interns node ids (strings) into dense uint32 indices, once.
//
// Names live in one contiguous character arena with an offset per name, and
// the lookup index is a flat hash set of indices hashed by the name they point
// at. That is ~5 bytes of index plus the characters and 4 bytes of offset per
// name, against ~32+ bytes for a std::string per name plus a map node.
//
// Internal to upgrade_core/graph: the public types expose names through
// DependencyGraph::id() and GraphBuilder. Not thread-safe for writes; const
// methods may be called concurrently.
#ifndef UPGRADE_CORE_GRAPH_NAME_TABLE_H_
#define UPGRADE_CORE_GRAPH_NAME_TABLE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace upgrade_core::graph::internal {

class NameTable {
 public:
  NameTable() : index_(0, Hash{this}, Eq{this}) { offsets_.push_back(0); }

  // Not copyable or movable: the index's functors point back at `this`.
  // Use Clone() for a copy and hold tables by (shared) pointer.
  NameTable(const NameTable&) = delete;
  NameTable& operator=(const NameTable&) = delete;

  std::unique_ptr<NameTable> Clone() const {
    auto copy = std::make_unique<NameTable>();
    copy->Reserve(size(), chars_.size());
    for (uint32_t i = 0; i < size(); ++i) copy->Intern(name(i));
    return copy;
  }

  void Reserve(size_t names, size_t chars) {
    offsets_.reserve(names + 1);
    chars_.reserve(chars);
    index_.reserve(names);
  }

  // Returns the index of `name` and whether it was added by this call.
  std::pair<uint32_t, bool> Intern(absl::string_view name) {
    // One probe: lazy_emplace looks up by name and constructs the index
    // entry only on a miss.
    const uint32_t id = size();
    bool inserted = false;
    auto it = index_.lazy_emplace(name, [&](const auto& construct) {
      inserted = true;
      chars_.append(name.data(), name.size());
      offsets_.push_back(chars_.size());
      construct(id);
    });
    return {*it, inserted};
  }

  // A cache prefetch of the bucket `name` hashes to: bulk callers prefetch a
  // few names ahead so the random accesses of consecutive inserts overlap.
  void Prefetch(absl::string_view name) const { index_.prefetch(name); }

  std::optional<uint32_t> Find(absl::string_view name) const {
    auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return *it;
  }

  // REQUIRES: i < size(). The view stays valid while the table lives and no
  // name is added (the arena may move when it grows).
  absl::string_view name(uint32_t i) const {
    return absl::string_view(chars_.data() + offsets_[i],
                             offsets_[i + 1] - offsets_[i]);
  }

  uint32_t size() const { return static_cast<uint32_t>(offsets_.size() - 1); }
  size_t char_count() const { return chars_.size(); }

  // Heap bytes held (for benchmarks and capacity planning).
  size_t MemoryUsage() const {
    return chars_.capacity() + offsets_.capacity() * sizeof(size_t) +
           index_.capacity() * (sizeof(uint32_t) + 1);
  }

 private:
  // Transparent functors: the set stores indices but is probed by name.
  struct Hash {
    using is_transparent = void;
    const NameTable* table;
    size_t operator()(uint32_t i) const {
      return absl::Hash<absl::string_view>()(table->name(i));
    }
    size_t operator()(absl::string_view s) const {
      return absl::Hash<absl::string_view>()(s);
    }
  };
  struct Eq {
    using is_transparent = void;
    const NameTable* table;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, absl::string_view b) const {
      return table->name(a) == b;
    }
    bool operator()(absl::string_view a, uint32_t b) const {
      return a == table->name(b);
    }
  };

  std::string chars_;
  std::vector<size_t> offsets_;  // name i is chars_[offsets_[i], offsets_[i+1])
  absl::flat_hash_set<uint32_t, Hash, Eq> index_;
};

}  // namespace upgrade_core::graph::internal

#endif  // UPGRADE_CORE_GRAPH_NAME_TABLE_H_
