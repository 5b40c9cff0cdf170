// Structured diff: one recursive walk over both trees, building the printed
// path in one reused buffer so unchanged subtrees cost no allocation.
#include "upgrade_core/compat/diff.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::compat {
using document::AppendIndex;
using document::AppendKey;
using document::AppendMatch;
using document::Location;
using document::Node;
using document::NodeKind;
using document::Path;
using document::PathSegment;

absl::string_view ChangeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kAdded:
      return "added";
    case ChangeKind::kRemoved:
      return "removed";
    case ChangeKind::kChanged:
      return "changed";
    case ChangeKind::kTypeChanged:
      return "type_changed";
  }
  return "unknown";
}

absl::StatusOr<std::vector<Path>> ParsePaths(
    const std::vector<std::string>& paths) {
  std::vector<Path> out;
  for (const std::string& p : paths) {
    UC_ASSIGN_OR_RETURN(Path parsed, Path::Parse(p));
    out.push_back(std::move(parsed));
  }
  return out;
}

namespace {

// Progress of one ignore pattern along the current path.
struct IgnoreState {
  uint32_t pattern;
  uint32_t position;
};

class Differ {
 public:
  Differ(const DiffOptions& options, std::vector<Change>* out)
      : options_(options), out_(out) {}

  void Run(const Node& a, const Node& b) {
    std::vector<IgnoreState> states;
    for (uint32_t i = 0; i < options_.ignore.size(); ++i) {
      if (options_.ignore[i].empty()) return;  // ignore everything
      states.push_back({i, 0});
    }
    Walk(a, b, states);
  }

 private:
  // Advances ignore states over one segment; returns true if some pattern
  // is now fully matched (the subtree is ignored).
  bool Advance(const std::vector<IgnoreState>& in, absl::string_view key,
               bool is_index, size_t index, const Node* element,
               std::vector<IgnoreState>* next) const {
    next->clear();
    for (const IgnoreState& s : in) {
      const PathSegment& seg =
          options_.ignore[s.pattern].segments()[s.position];
      bool match = false;
      switch (seg.type) {
        case PathSegment::Type::kKey:
          match = !is_index && seg.key == key;
          break;
        case PathSegment::Type::kAnyKey:
          match = !is_index;
          break;
        case PathSegment::Type::kIndex:
          match = is_index && seg.index == index;
          break;
        case PathSegment::Type::kAnyIndex:
          match = is_index;
          break;
        case PathSegment::Type::kMatch:
          if (is_index && element != nullptr) {
            std::optional<Node> k = element->Get(seg.key);
            match = k && k->is_scalar() && k->text() == seg.value;
          }
          break;
      }
      if (!match) continue;
      if (s.position + 1 == options_.ignore[s.pattern].segments().size()) {
        return true;
      }
      next->push_back({s.pattern, s.position + 1});
    }
    return false;
  }

  void Emit(ChangeKind kind, const Node* a, const Node* b) {
    Emit(kind, a, b, a ? a->location() : Location(),
         b ? b->location() : Location());
  }

  void Emit(ChangeKind kind, const Node* a, const Node* b, const Location& la,
            const Location& lb) {
    Change c;
    c.kind = kind;
    c.path = path_;
    if (a) c.old_value = *a;
    if (b) c.new_value = *b;
    if (a) c.old_location = la;
    if (b) c.new_location = lb;
    out_->push_back(std::move(c));
  }

  static bool SameNumber(const Node& a, const Node& b) {
    return a.float_value() == b.float_value();
  }

  void Walk(const Node& a, const Node& b,
            const std::vector<IgnoreState>& states) {
    const NodeKind ka = a.kind(), kb = b.kind();
    if (ka != kb) {
      Emit(ChangeKind::kTypeChanged, &a, &b);
      return;
    }
    switch (ka) {
      case NodeKind::kNull:
        return;
      case NodeKind::kBool:
        if (a.bool_value() != b.bool_value()) {
          Emit(ChangeKind::kChanged, &a, &b);
        }
        return;
      case NodeKind::kInt:
        if (a.int_value() != b.int_value()) {
          Emit(ChangeKind::kChanged, &a, &b);
        }
        return;
      case NodeKind::kFloat:
        if (!SameNumber(a, b) && a.text() != b.text()) {
          Emit(ChangeKind::kChanged, &a, &b);
        }
        return;
      case NodeKind::kString:
        if (a.text() != b.text()) Emit(ChangeKind::kChanged, &a, &b);
        return;
      case NodeKind::kMap:
        WalkMap(a, b, states);
        return;
      case NodeKind::kList:
        WalkList(a, b, states);
        return;
    }
  }

  void WalkMap(const Node& a, const Node& b,
               const std::vector<IgnoreState>& states) {
    const size_t na = a.size(), nb = b.size();
    const size_t mark = path_.size();
    std::vector<IgnoreState> next;
    // Index of b's keys: linear scan for small maps, a hash map for big ones.
    absl::flat_hash_map<absl::string_view, uint32_t> index;
    const bool big = nb > 16;
    if (big) {
      index.reserve(nb);
      for (uint32_t j = 0; j < nb; ++j) index.emplace(b.key(j), j);
    }
    std::vector<bool> seen(nb, false);
    for (size_t i = 0; i < na; ++i) {
      absl::string_view k = a.key(i);
      int64_t j = -1;
      if (i < nb && b.key(i) == k) {
        j = i;  // same order: the common case
      } else if (big) {
        auto it = index.find(k);
        if (it != index.end()) j = it->second;
      } else {
        j = b.IndexOf(k);
      }
      if (!states.empty() && Advance(states, k, false, 0, nullptr, &next)) {
        if (j >= 0) seen[j] = true;
        continue;
      }
      AppendKey(&path_, k);
      Node ca = a.child(i);
      if (j < 0) {
        Emit(ChangeKind::kRemoved, &ca, nullptr, a.key_location(i), {});
      } else {
        seen[j] = true;
        Node cb = b.child(j);
        if (!(ca.storage() == cb.storage() && ca.id() == cb.id())) {
          WalkLazy(ca, cb, next);
        }
      }
      path_.resize(mark);
    }
    for (size_t j = 0; j < nb; ++j) {
      if (seen[j]) continue;
      absl::string_view k = b.key(j);
      if (!states.empty() && Advance(states, k, false, 0, nullptr, &next)) {
        continue;
      }
      AppendKey(&path_, k);
      Node cb = b.child(j);
      Emit(ChangeKind::kAdded, nullptr, &cb, {}, b.key_location(j));
      path_.resize(mark);
    }
  }

  // Walks a pair of map values with a fast exit for equal scalars.
  void WalkLazy(const Node& ca, const Node& cb,
                const std::vector<IgnoreState>& states) {
    if (ca.is_scalar() && cb.is_scalar() && ca.kind() == cb.kind()) {
      // Fast path for unchanged scalars.
      switch (ca.kind()) {
        case NodeKind::kNull:
          return;
        case NodeKind::kString:
          if (ca.text() == cb.text()) return;
          break;
        case NodeKind::kInt:
          if (ca.int_value() == cb.int_value()) return;
          break;
        case NodeKind::kBool:
          if (ca.bool_value() == cb.bool_value()) return;
          break;
        default:
          break;
      }
    }
    Walk(ca, cb, states);
  }

  // The identity key for a pair of lists, or "" to compare by index.
  absl::string_view IdentityKey(const Node& a, const Node& b) const {
    for (const std::string& key : options_.identity_keys) {
      bool ok = true;
      for (const Node* list : {&a, &b}) {
        absl::flat_hash_set<absl::string_view> values;
        for (size_t i = 0; i < list->size() && ok; ++i) {
          Node e = list->child(i);
          std::optional<Node> v = e.Get(key);
          if (!v || !v->is_scalar() || v->is_null() ||
              !values.insert(v->text()).second) {
            ok = false;
          }
        }
        if (!ok) break;
      }
      if (ok && (a.size() > 0 || b.size() > 0)) return key;
    }
    return "";
  }

  void WalkList(const Node& a, const Node& b,
                const std::vector<IgnoreState>& states) {
    const size_t na = a.size(), nb = b.size();
    const size_t mark = path_.size();
    std::vector<IgnoreState> next;
    bool maps = na + nb > 0;
    for (size_t i = 0; i < na && maps; ++i) maps = a.child(i).is_map();
    for (size_t i = 0; i < nb && maps; ++i) maps = b.child(i).is_map();
    absl::string_view key = maps ? IdentityKey(a, b) : "";
    if (key.empty()) {
      const size_t n = std::min(na, nb);
      for (size_t i = 0; i < std::max(na, nb); ++i) {
        Node ca = i < na ? a.child(i) : Node();
        Node cb = i < nb ? b.child(i) : Node();
        const Node* elem = i < na ? &ca : &cb;
        if (!states.empty() && Advance(states, "", true, i, elem, &next)) {
          continue;
        }
        AppendIndex(&path_, i);
        if (i < n) {
          Walk(ca, cb, next);
        } else if (i < na) {
          Emit(ChangeKind::kRemoved, &ca, nullptr);
        } else {
          Emit(ChangeKind::kAdded, nullptr, &cb);
        }
        path_.resize(mark);
      }
      return;
    }
    absl::flat_hash_map<absl::string_view, uint32_t> in_b;
    in_b.reserve(nb);
    for (uint32_t j = 0; j < nb; ++j) {
      in_b.emplace(b.child(j).Get(key)->text(), j);
    }
    std::vector<bool> seen(nb, false);
    for (size_t i = 0; i < na; ++i) {
      Node ca = a.child(i);
      absl::string_view id = ca.Get(key)->text();
      if (!states.empty() && Advance(states, "", true, i, &ca, &next)) {
        auto it = in_b.find(id);
        if (it != in_b.end()) seen[it->second] = true;
        continue;
      }
      AppendMatch(&path_, key, id);
      auto it = in_b.find(id);
      if (it == in_b.end()) {
        Emit(ChangeKind::kRemoved, &ca, nullptr);
      } else {
        seen[it->second] = true;
        Node cb = b.child(it->second);
        Walk(ca, cb, next);
      }
      path_.resize(mark);
    }
    for (size_t j = 0; j < nb; ++j) {
      if (seen[j]) continue;
      Node cb = b.child(j);
      if (!states.empty() && Advance(states, "", true, j, &cb, &next)) {
        continue;
      }
      AppendMatch(&path_, key, cb.Get(key)->text());
      Emit(ChangeKind::kAdded, nullptr, &cb);
      path_.resize(mark);
    }
  }

  const DiffOptions& options_;
  std::vector<Change>* out_;
  std::string path_;
};

}  // namespace

std::vector<Change> Diff(const Node& old_root, const Node& new_root,
                         const DiffOptions& options) {
  std::vector<Change> out;
  if (!old_root.valid() || !new_root.valid()) return out;
  Differ(options, &out).Run(old_root, new_root);
  return out;
}

}  // namespace upgrade_core::compat
