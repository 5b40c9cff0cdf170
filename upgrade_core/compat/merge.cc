// Helm-style coalescing of values, emitted straight into a DocumentBuilder.
#include "upgrade_core/compat/merge.h"

#include <vector>

#include "absl/container/flat_hash_map.h"

namespace upgrade_core::compat {
using document::Document;
using document::DocumentBuilder;
using document::Node;

namespace {

// Looks keys up in a map node: linear for small maps, hashed for big ones.
class KeyIndex {
 public:
  explicit KeyIndex(const Node& map) : map_(map) {
    if (map.size() > 16) {
      index_.reserve(map.size());
      for (uint32_t i = 0; i < map.size(); ++i) index_.emplace(map.key(i), i);
    }
  }
  // Index of `key` in the map, or -1.
  int64_t Find(absl::string_view key) const {
    if (map_.size() <= 16) return map_.IndexOf(key);
    auto it = index_.find(key);
    // Not `? -1 : it->second`: that conditional has type uint32_t, so "not
    // found" would come back as 4294967295 (issue 9, defect 1).
    if (it == index_.end()) return -1;
    return static_cast<int64_t>(it->second);
  }

 private:
  Node map_;
  absl::flat_hash_map<absl::string_view, uint32_t> index_;
};

// Emits defaults coalesced with overrides. `strip_nulls` drops null map
// values in override-only subtrees (used when several override files are
// merged first, where null must survive to delete a default).
void Coalesce(DocumentBuilder& b, const Node& defaults, const Node& overrides) {
  if (!overrides.valid()) {
    b.CopyOf(defaults);
    return;
  }
  if (!defaults.valid() || !defaults.is_map() || !overrides.is_map()) {
    b.CopyOf(overrides);
    return;
  }
  b.BeginMap(overrides.location());
  KeyIndex over(overrides);
  std::vector<bool> used(overrides.size(), false);
  for (size_t i = 0; i < defaults.size(); ++i) {
    absl::string_view key = defaults.key(i);
    int64_t j = over.Find(key);
    if (j < 0) {
      b.Key(key, defaults.key_location(i));
      b.CopyOf(defaults.child(i));
      continue;
    }
    used[j] = true;
    Node ov = overrides.child(j);
    if (ov.is_null()) continue;  // null deletes the default
    b.Key(key, overrides.key_location(j));
    Coalesce(b, defaults.child(i), ov);
  }
  for (size_t j = 0; j < overrides.size(); ++j) {
    if (used[j] || overrides.child(j).is_null()) continue;
    b.Key(overrides.key(j), overrides.key_location(j));
    b.CopyOf(overrides.child(j));
  }
  b.EndMap();
}

// Merges override files (later wins, maps deep-merged, nulls kept so they
// still delete defaults afterwards).
void MergeOverrides(DocumentBuilder& b, const Node& base, const Node& top) {
  if (!base.valid() || !base.is_map() || !top.valid() || !top.is_map()) {
    b.CopyOf(top.valid() ? top : base);
    return;
  }
  b.BeginMap(base.location());
  KeyIndex index(top);
  std::vector<bool> used(top.size(), false);
  for (size_t i = 0; i < base.size(); ++i) {
    int64_t j = index.Find(base.key(i));
    if (j < 0) {
      b.Key(base.key(i), base.key_location(i));
      b.CopyOf(base.child(i));
      continue;
    }
    used[j] = true;
    b.Key(base.key(i), top.key_location(j));
    MergeOverrides(b, base.child(i), top.child(j));
  }
  for (size_t j = 0; j < top.size(); ++j) {
    if (used[j]) continue;
    b.Key(top.key(j), top.key_location(j));
    b.CopyOf(top.child(j));
  }
  b.EndMap();
}

}  // namespace

Document MergeValues(const Node& defaults, const Node& overrides,
                     absl::string_view source) {
  DocumentBuilder b(source);
  if (!overrides.valid() || overrides.is_null()) {
    b.CopyOf(defaults);
  } else {
    Coalesce(b, defaults, overrides);
  }
  return std::move(b).Finish();
}

Document MergeValues(const Node& defaults, absl::Span<const Node> overrides,
                     absl::string_view source) {
  if (overrides.empty()) return MergeValues(defaults, Node(), source);
  std::vector<Document> steps;  // keeps intermediate storage alive
  Node combined = overrides[0];
  for (size_t i = 1; i < overrides.size(); ++i) {
    DocumentBuilder b(source);
    MergeOverrides(b, combined, overrides[i]);
    steps.push_back(std::move(b).Finish());
    combined = steps.back().root();
  }
  return MergeValues(defaults, combined, source);
}

}  // namespace upgrade_core::compat
