// File: document_data.h
// -----------------------------------------------------------------------------
// Internal storage of a Document (not part of the public API): flat arrays of
// node records and child entries plus one string arena, so a 5 MB values file
// is a handful of allocations and a node is 32 bytes.
#ifndef UPGRADE_CORE_DOCUMENT_DOCUMENT_DATA_H_
#define UPGRADE_CORE_DOCUMENT_DOCUMENT_DATA_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::document::internal {

struct NodeRec {
  NodeKind kind = NodeKind::kNull;
  uint16_t source = 0;  // index into DocumentData::sources
  uint32_t line = 0;    // 1-based; 0 unknown
  uint32_t column = 0;  // 1-based
  // Scalars: text in the arena. Maps/lists: first entry and count.
  uint32_t a = 0;
  uint32_t b = 0;
  union {
    int64_t i;
    double d;
    bool flag;
  } num = {0};
};

// One child of a map or list. Lists leave the key fields zero.
struct Entry {
  uint32_t node = 0;
  uint32_t key_offset = 0;
  uint32_t key_length = 0;
  uint32_t key_line = 0;
  uint32_t key_column = 0;
};

struct DocumentData {
  std::vector<NodeRec> nodes;
  std::vector<Entry> entries;
  std::string arena;
  std::vector<std::string> sources;
  uint32_t root = 0;

  absl::string_view Text(uint32_t offset, uint32_t length) const {
    return absl::string_view(arena.data() + offset, length);
  }
};

}  // namespace upgrade_core::document::internal

namespace upgrade_core::document {

using internal::DocumentData;
using internal::Entry;
using internal::NodeRec;

struct DocumentBuilder::Impl {
  struct Frame {
    uint32_t node;
    bool is_map;
    bool has_key = false;
    bool has_merge_key = false;
    Entry pending;  // the key awaiting its value (maps)
    std::vector<Entry> entries;
  };

  std::shared_ptr<DocumentData> data = std::make_shared<DocumentData>();
  std::vector<Frame> frames;  // frames[0..depth) are open; reused
  size_t depth = 0;
  bool has_root = false;
  absl::flat_hash_map<std::string, uint16_t> source_ids;

  uint16_t SourceId(absl::string_view source) {
    auto it = source_ids.find(source);
    if (it != source_ids.end()) return it->second;
    uint16_t id =
        static_cast<uint16_t>(std::min<size_t>(data->sources.size(), 65535));
    if (id == 65535) return 0;  // absurd number of sources: attribute to first
    data->sources.emplace_back(source);
    source_ids.emplace(std::string(source), id);
    return id;
  }

  uint32_t Store(absl::string_view text) {
    uint32_t off = static_cast<uint32_t>(data->arena.size());
    data->arena.append(text.data(), text.size());
    return off;
  }

  uint32_t NewNode(NodeKind kind, uint16_t source, int line, int column) {
    NodeRec r;
    r.kind = kind;
    r.source = source;
    r.line = line;
    r.column = column;
    data->nodes.push_back(r);
    return static_cast<uint32_t>(data->nodes.size() - 1);
  }

  // Attaches a finished node to the open container (or makes it the root).
  void Attach(uint32_t node) {
    if (depth == 0) {
      if (!has_root) {
        data->root = node;
        has_root = true;
      }
      return;
    }
    Frame& f = frames[depth - 1];
    if (f.is_map) {
      Entry e = f.pending;
      e.node = node;
      f.entries.push_back(e);
      f.has_key = false;
    } else {
      Entry e;
      e.node = node;
      f.entries.push_back(e);
    }
  }

  void Begin(bool is_map, uint16_t source, int line, int column) {
    uint32_t node = NewNode(is_map ? NodeKind::kMap : NodeKind::kList, source,
                            line, column);
    if (frames.size() == depth) frames.emplace_back();
    Frame& f = frames[depth++];
    f.node = node;
    f.is_map = is_map;
    f.has_key = false;
    f.has_merge_key = false;
    f.entries.clear();
  }

  // Applies YAML merge keys (`<<: *defaults`): explicit keys win, then
  // merged maps in order, the way go-yaml (and so Helm) does.
  void ApplyMergeKeys(Frame& f) {
    std::vector<Entry> out;
    std::vector<uint32_t> sources;
    for (const Entry& e : f.entries) {
      if (data->Text(e.key_offset, e.key_length) == "<<") {
        const NodeRec& v = data->nodes[e.node];
        if (v.kind == NodeKind::kMap) {
          sources.push_back(e.node);
        } else if (v.kind == NodeKind::kList) {
          for (uint32_t i = 0; i < v.b; ++i) {
            sources.push_back(data->entries[v.a + i].node);
          }
        }
      } else {
        out.push_back(e);
      }
    }
    for (uint32_t src : sources) {
      const NodeRec& m = data->nodes[src];
      if (m.kind != NodeKind::kMap) continue;
      for (uint32_t i = 0; i < m.b; ++i) {
        const Entry& me = data->entries[m.a + i];
        absl::string_view k = data->Text(me.key_offset, me.key_length);
        bool present = false;
        for (const Entry& o : out) {
          if (data->Text(o.key_offset, o.key_length) == k) {
            present = true;
            break;
          }
        }
        if (!present) out.push_back(me);
      }
    }
    f.entries = std::move(out);
  }

  uint32_t End() {
    Frame& f = frames[--depth];
    if (f.has_merge_key) ApplyMergeKeys(f);
    NodeRec& r = data->nodes[f.node];
    r.a = static_cast<uint32_t>(data->entries.size());
    r.b = static_cast<uint32_t>(f.entries.size());
    data->entries.insert(data->entries.end(), f.entries.begin(),
                         f.entries.end());
    uint32_t node = f.node;
    Attach(node);
    return node;
  }

  void SetKey(absl::string_view key, uint16_t source, int line, int column) {
    Frame& f = frames[depth - 1];
    f.pending.key_offset = Store(key);
    f.pending.key_length = static_cast<uint32_t>(key.size());
    f.pending.key_line = line;
    f.pending.key_column = column;
    f.has_key = true;
    (void)source;
  }

  uint32_t AddScalar(NodeKind kind, absl::string_view text, uint16_t source,
                     int line, int column);

  void Copy(const Node& n) {
    const DocumentData* src = n.storage();
    const NodeRec& r = src->nodes[n.id()];
    uint16_t sid = SourceId(src->sources[r.source]);
    if (r.kind == NodeKind::kMap || r.kind == NodeKind::kList) {
      Begin(r.kind == NodeKind::kMap, sid, r.line, r.column);
      for (uint32_t i = 0; i < r.b; ++i) {
        const Entry& e = src->entries[r.a + i];
        if (r.kind == NodeKind::kMap) {
          SetKey(src->Text(e.key_offset, e.key_length), sid, e.key_line,
                 e.key_column);
        }
        Copy(n.child(i));
      }
      End();
    } else {
      uint32_t id = NewNode(r.kind, sid, r.line, r.column);
      NodeRec& c = data->nodes[id];
      c.a = Store(src->Text(r.a, r.b));
      c.b = r.b;
      c.num = r.num;
      Attach(id);
    }
  }
};

}  // namespace upgrade_core::document

#endif  // UPGRADE_CORE_DOCUMENT_DOCUMENT_DATA_H_
