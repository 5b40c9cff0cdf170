// File: name_table.h
// -----------------------------------------------------------------------------
// NameTable: interns node ids (strings) into dense uint32 indices, once.
//
// Names live in one contiguous character arena with a 32-bit end offset per
// name (64-bit only past 4 GiB of characters). The lookup index is a flat
// open-addressing table (linear probing, power-of-two size, load <= 1/2) of
// 4-byte slots: the name's index + 1 in the low log2(size) bits and the
// hash's high bits above them (11 bits at 1M names), so a probe touches the
// arena only on a tag match and one cache line holds 16 slots. That is ~4
// bytes of offset plus 8-16 bytes of index per name, against ~32+ bytes for
// a std::string per name plus a map node.
//
// The index can be dropped (DropIndex): GraphBuilder::Build() && frees it
// while the builder's edge copy and the new CSR coexist, which is the peak of
// a build, and leaves it dropped. It is rebuilt from the arena on the first
// Find() (or Intern(), RebuildIndex()) after the drop, so graphs only used
// through NodeIds never pay for it (≈14 ms at 1M names, docs/performance.md).
//
// Internal to upgrade_core/graph: the public types expose names through
// DependencyGraph::id() and GraphBuilder. Not thread-safe for writes; const
// methods may be called concurrently, including the first Find() after a
// drop: the lazy rebuild is double-checked under a mutex (an acquire load of
// an atomic flag on the fast path), so exactly one caller rebuilds and the
// others wait for it.
#ifndef UPGRADE_CORE_GRAPH_NAME_TABLE_H_
#define UPGRADE_CORE_GRAPH_NAME_TABLE_H_

#include <atomic>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/internal/prefetch.h"
#include "absl/base/optimization.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace upgrade_core::graph::internal {

class NameTable {
 public:
  NameTable() { offsets_.push_back(0); }

  // Not copyable (tables are shared by pointer); use Clone() for a copy.
  NameTable(const NameTable&) = delete;
  NameTable& operator=(const NameTable&) = delete;

  std::unique_ptr<NameTable> Clone() const {
    auto copy = std::make_unique<NameTable>();
    // A concurrent lazy rebuild writes slots_.
    absl::MutexLock lock(&index_mu_);
    copy->chars_ = chars_;
    copy->offsets_ = offsets_;
    copy->wide_offsets_ = wide_offsets_;
    copy->wide_ = wide_;
    copy->slots_ = slots_;
    copy->index_mask_ = index_mask_;
    copy->indexed_.store(indexed_.load(std::memory_order_relaxed),
                         std::memory_order_relaxed);
    return copy;
  }

  void Reserve(size_t names, size_t chars) {
    if (wide_) {
      wide_offsets_.reserve(names + 1);
    } else {
      offsets_.reserve(names + 1);
    }
    // (std::string::reserve may shrink before C++20: only ever grow.)
    if (chars > chars_.capacity()) chars_.reserve(chars);
    EnsureIndexed();
    GrowIndexFor(names);
  }

  // The hash Intern/Find use; bulk callers compute it ahead (see Prefetch).
  static uint64_t HashOf(absl::string_view name) {
    return absl::Hash<absl::string_view>()(name);
  }

  // Returns the index of `name` and whether it was added by this call.
  std::pair<uint32_t, bool> Intern(absl::string_view name) {
    return Intern(name, HashOf(name));
  }
  // REQUIRES: hash == HashOf(name).
  std::pair<uint32_t, bool> Intern(absl::string_view id, uint64_t hash) {
    EnsureIndexed();
    if (ABSL_PREDICT_FALSE(2 * (size() + 1) > slots_.size())) {
      GrowIndexFor(size() + 1);
    }
    const uint32_t tag = Tag(hash);
    size_t pos = hash & (slots_.size() - 1);
    while (true) {
      const uint32_t slot = slots_[pos];
      if (slot == 0) break;
      if ((slot & ~index_mask_) == tag &&
          name((slot & index_mask_) - 1) == id) {
        return {(slot & index_mask_) - 1, false};
      }
      pos = (pos + 1) & (slots_.size() - 1);
    }
    const uint32_t index = size();
    Append(id);
    slots_[pos] = tag | (index + 1);
    return {index, true};
  }

  // A cache prefetch of the slot `hash` maps to: bulk callers hash a few
  // names ahead so the random accesses of consecutive inserts overlap.
  // REQUIRES: the index is built (any Intern() or Reserve() since the last
  // DropIndex()).
  void Prefetch(uint64_t hash) const {
    absl::base_internal::PrefetchT0(slots_.data() +
                                    (hash & (slots_.size() - 1)));
  }

  // Rebuilds a dropped index first (thread-safe; see the file comment).
  std::optional<uint32_t> Find(absl::string_view name) const {
    EnsureIndexed();
    if (slots_.empty()) return std::nullopt;  // no names yet
    const uint64_t hash = HashOf(name);
    const uint32_t tag = Tag(hash);
    for (size_t pos = hash & (slots_.size() - 1);;
         pos = (pos + 1) & (slots_.size() - 1)) {
      const uint32_t slot = slots_[pos];
      if (slot == 0) return std::nullopt;
      if ((slot & ~index_mask_) == tag &&
          this->name((slot & index_mask_) - 1) == name) {
        return (slot & index_mask_) - 1;
      }
    }
  }

  // Frees the lookup index; the next Find(), Intern() or RebuildIndex()
  // rebuilds it. The names stay. Not to be called concurrently with anything.
  void DropIndex() {
    std::vector<uint32_t>().swap(slots_);
    indexed_.store(false, std::memory_order_relaxed);
  }
  // Rebuilds a dropped index now rather than on the first Find().
  void RebuildIndex() const { EnsureIndexed(); }
  // Whether the index is built (for tests and benchmarks).
  bool indexed() const { return indexed_.load(std::memory_order_acquire); }

  // REQUIRES: i < size(). The view stays valid while the table lives and no
  // name is added (the arena may move when it grows).
  absl::string_view name(uint32_t i) const {
    if (ABSL_PREDICT_FALSE(wide_)) {
      return absl::string_view(chars_.data() + wide_offsets_[i],
                               wide_offsets_[i + 1] - wide_offsets_[i]);
    }
    return absl::string_view(chars_.data() + offsets_[i],
                             offsets_[i + 1] - offsets_[i]);
  }

  uint32_t size() const {
    return static_cast<uint32_t>(
        (wide_ ? wide_offsets_.size() : offsets_.size()) - 1);
  }
  size_t char_count() const { return chars_.size(); }
  bool wide_offsets() const { return wide_; }

  // Heap bytes held (for benchmarks and capacity planning).
  size_t MemoryUsage() const {
    // A concurrent lazy rebuild writes slots_.
    absl::MutexLock lock(&index_mu_);
    return chars_.capacity() + offsets_.capacity() * sizeof(uint32_t) +
           wide_offsets_.capacity() * sizeof(uint64_t) +
           slots_.capacity() * sizeof(uint32_t);
  }

  // Test hook: offsets switch to 64 bits once the arena would pass this
  // many characters (2^32 - 1 in production).
  void set_narrow_limit_for_testing(uint64_t limit) { narrow_limit_ = limit; }

 private:
  // The slot's high bits above index_mask_ hold that many high bits of the
  // hash (none once the table has 2^32 slots).
  uint32_t Tag(uint64_t hash) const {
    return static_cast<uint32_t>(hash >> 32) & ~index_mask_;
  }

  void EnsureIndexed() const {
    if (ABSL_PREDICT_FALSE(!indexed_.load(std::memory_order_acquire))) {
      BuildDroppedIndex();
    }
  }
  // Out of line of Find()'s fast path. The names are known distinct, so no
  // name is compared: O(names + chars).
  ABSL_ATTRIBUTE_NOINLINE void BuildDroppedIndex() const {
    absl::MutexLock lock(&index_mu_);
    // Acquire (not just the mutex) so tools that do not see into the
    // mutex, like TSan with an uninstrumented abseil, see the ordering too.
    if (indexed_.load(std::memory_order_acquire)) return;  // another thread
    GrowIndexFor(size());
    indexed_.store(true, std::memory_order_release);
  }

  void Append(absl::string_view name) {
    chars_.append(name.data(), name.size());
    if (ABSL_PREDICT_FALSE(!wide_ && chars_.size() > narrow_limit_)) {
      // Past 4 GiB of characters: 64-bit offsets from now on.
      wide_offsets_.assign(offsets_.begin(), offsets_.end());
      std::vector<uint32_t>().swap(offsets_);
      wide_ = true;
    }
    if (wide_) {
      wide_offsets_.push_back(chars_.size());
    } else {
      offsets_.push_back(static_cast<uint32_t>(chars_.size()));
    }
  }

  // Resizes the index to hold `names` at load <= 1/2 and reinserts every
  // name (a no-op if it is already large enough).
  // Const (its state is mutable) for the lazy rebuild; REQUIRES: no
  // concurrent reader, i.e. a writer or index_mu_ held with the index dropped.
  void GrowIndexFor(size_t names) const {
    size_t cap = 16;
    while (cap < 2 * names && cap < (size_t{1} << 32)) cap *= 2;
    if (cap <= slots_.size()) return;
    std::vector<uint32_t>().swap(slots_);
    slots_.assign(cap, 0);
    // index + 1 <= names < cap fits below the tag bits.
    index_mask_ = static_cast<uint32_t>(cap - 1);
    const size_t mask = cap - 1;
    constexpr uint32_t kAhead = 8;  // hash this many names ahead
    const uint32_t n = size();
    uint64_t ring[kAhead];
    for (size_t i = 0; i < n + kAhead; ++i) {
      if (i >= kAhead) {  // insert name i - kAhead, hashed kAhead steps ago
        const uint64_t hash = ring[i % kAhead];
        size_t pos = hash & mask;
        while (slots_[pos] != 0) pos = (pos + 1) & mask;
        slots_[pos] = Tag(hash) | static_cast<uint32_t>(i - kAhead + 1);
      }
      if (i < n) {
        ring[i % kAhead] = HashOf(name(static_cast<uint32_t>(i)));
        absl::base_internal::PrefetchT0(slots_.data() +
                                        (ring[i % kAhead] & mask));
      }
    }
  }

  std::string chars_;
  // Name i is chars_[offsets_[i], offsets_[i+1]) (wide_offsets_ if wide_).
  std::vector<uint32_t> offsets_;
  std::vector<uint64_t> wide_offsets_;
  bool wide_ = false;
  uint64_t narrow_limit_ = std::numeric_limits<uint32_t>::max();
  // Open addressing: 0 = empty, else Tag(hash) | (index + 1). Mutable for
  // the lazy rebuild after DropIndex(); written only while indexed_ is false
  // (under index_mu_) or by a writer.
  mutable std::vector<uint32_t> slots_;
  mutable uint32_t index_mask_ = 0;
  mutable std::atomic<bool> indexed_{true};
  mutable absl::Mutex index_mu_;
};

}  // namespace upgrade_core::graph::internal

#endif  // UPGRADE_CORE_GRAPH_NAME_TABLE_H_
