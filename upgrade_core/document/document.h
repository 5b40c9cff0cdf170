// File: document.h
// -----------------------------------------------------------------------------
// Configuration documents: an immutable tree loaded from YAML or JSON that
// keeps, for every node (and every map key), its source name, line and column.
//
//   absl::StatusOr<Document> doc = Document::FromYaml(text, "values.yaml");
//   std::optional<Node> port =
//       doc->root().Find("controller.service.ports.http");
//   port->location().ToString();  // "values.yaml:12:7"
//
// A Document owns its nodes; a Node is a small handle (pointer + index) that is
// valid only while a Document sharing that storage is alive. Documents are
// cheap to copy (shared, immutable storage) and safe to read from many
// threads.
//
// Scalars are resolved the way Helm resolves them (go-yaml, YAML 1.1 rules):
// `true`/`yes`/`on` are booleans, `~`/`null`/empty are null, `0x1F` is an int,
// quoted scalars are always strings. The raw text stays available.
#ifndef UPGRADE_CORE_DOCUMENT_DOCUMENT_H_
#define UPGRADE_CORE_DOCUMENT_DOCUMENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace upgrade_core::document {

// A place in a source file. line and column are 1-based; 0 means unknown
// (e.g. a value synthesized by a merge).
struct Location {
  std::string source;
  int line = 0;
  int column = 0;

  bool known() const { return line > 0; }
  // "values.yaml:12:7" ("values.yaml" when the line is unknown).
  std::string ToString() const;
};

enum class NodeKind : uint8_t {
  kNull,
  kBool,
  kInt,
  kFloat,
  kString,
  kMap,
  kList,
};

// "null", "bool", "int", "float", "string", "map", "list".
absl::string_view NodeKindName(NodeKind kind);

// Limits on hostile input; each violation is an InvalidArgument error naming
// the source, line and column where it was hit.
struct LoadOptions {
  // Maximum input size in bytes.
  size_t max_bytes = 256u << 20;
  // Maximum nesting depth of maps and lists: 1..kMaxDepthLimit. Operations
  // on documents (merge, diff, JSON, equality) recurse once per level, so the
  // ceiling is what keeps them inside any thread's stack.
  int max_depth = 512;
  static constexpr int kMaxDepthLimit = 1000;
  // Maximum number of nodes, counting every alias as a full copy of what it
  // refers to (this is what bounds "billion laughs" expansion).
  uint64_t max_nodes = 50'000'000;
  // Whether aliases (*name) are accepted at all.
  bool allow_aliases = true;
  // Whether a map may repeat a key (Helm and kubectl reject that).
  bool allow_duplicate_keys = false;
};

namespace internal {
struct DocumentData;
}  // namespace internal

// A handle on one node of a Document. Default-constructed handles are invalid
// and read as an empty null (kind() == kNull, size() == 0, no location).
class Node {
 public:
  Node() = default;

  bool valid() const { return data_ != nullptr; }
  NodeKind kind() const;
  bool is_null() const { return kind() == NodeKind::kNull; }
  bool is_map() const { return kind() == NodeKind::kMap; }
  bool is_list() const { return kind() == NodeKind::kList; }
  bool is_scalar() const { return !is_map() && !is_list(); }

  // The scalar's text as written (after unquoting/unescaping); "" for maps
  // and lists.
  absl::string_view text() const;
  // Typed values. REQUIRES: kind() matches (bool_value: kBool, ...);
  // float_value also accepts kInt.
  bool bool_value() const;
  int64_t int_value() const;
  double float_value() const;

  // Number of entries (map) or elements (list); 0 for scalars.
  size_t size() const;
  // The i-th element (list) or value (map). REQUIRES: i < size().
  Node child(size_t i) const;
  // The i-th key. REQUIRES: is_map() && i < size().
  absl::string_view key(size_t i) const;
  Location key_location(size_t i) const;
  // The value under `key` in a map; nullopt if absent or not a map.
  std::optional<Node> Get(absl::string_view key) const;
  // Index of `key` in a map, or -1.
  int64_t IndexOf(absl::string_view key) const;
  // The first node a path (see path.h) selects, e.g. "spec.replicas" or
  // "containers[name=app].ports[0]"; nullopt if none or the path is bad.
  std::optional<Node> Find(absl::string_view path) const;

  Location location() const;
  absl::string_view source() const;
  int line() const;
  int column() const;

  // Deep equality of values (not locations). Scalars compare by kind and
  // value: 0x10 == 16, 1.0 == 1.00; maps ignore key order.
  bool Equals(const Node& other) const;
  // Stable identity of the node within its storage (for caching).
  uint32_t id() const { return index_; }
  const internal::DocumentData* storage() const { return data_; }

 private:
  friend class Document;
  friend class DocumentBuilder;
  Node(const internal::DocumentData* data, uint32_t index)
      : data_(data), index_(index) {}
  const internal::DocumentData* data_ = nullptr;
  uint32_t index_ = 0;
};

// An immutable document tree.
class Document {
 public:
  // An empty document whose root is null.
  Document();

  // One YAML document. A stream with several documents is an error (use
  // FromYamlStream). Empty input gives a null root.
  static absl::StatusOr<Document> FromYaml(absl::string_view text,
                                           absl::string_view source = "<input>",
                                           const LoadOptions& options = {});
  // Every document of a multi-document YAML stream (`---` separated), in
  // order; empty documents are skipped.
  static absl::StatusOr<std::vector<Document>> FromYamlStream(
      absl::string_view text, absl::string_view source = "<input>",
      const LoadOptions& options = {});
  // Strict JSON (one value; only JSON scalars).
  static absl::StatusOr<Document> FromJson(absl::string_view text,
                                           absl::string_view source = "<input>",
                                           const LoadOptions& options = {});
  // Reads a file through the bounded reader (document/file_reader.h: regular
  // files only, never blocks, "-" is standard input, at most max_bytes);
  // `.json` files are parsed as JSON, anything else as YAML.
  static absl::StatusOr<Document> FromFile(const std::string& path,
                                           const LoadOptions& options = {});
  static absl::StatusOr<std::vector<Document>> StreamFromFile(
      const std::string& path, const LoadOptions& options = {});

  Node root() const;
  // The name given when loading ("values.yaml").
  absl::string_view source() const;
  // Number of stored nodes (aliases are shared, not copied).
  size_t node_count() const;

  // Serializes as JSON (keys in document order), compact or indented.
  std::string ToJson(bool indent = false) const;

 private:
  friend class DocumentBuilder;
  explicit Document(std::shared_ptr<const internal::DocumentData> data)
      : data_(std::move(data)) {}
  std::shared_ptr<const internal::DocumentData> data_;
};

// JSON text of one node (used by reports and the Python binding).
std::string NodeToJson(const Node& node, bool indent = false);
// Short human rendering of a value for messages: scalars as text (strings
// quoted when ambiguous), containers as compact JSON truncated to `max_len`.
std::string NodeToDisplay(const Node& node, size_t max_len = 80);
// `text` cut to at most `max_len` bytes for a message ("..." marks the cut),
// never inside a UTF-8 sequence. Diagnostics quote values only through this.
std::string TruncateForDisplay(absl::string_view text, size_t max_len = 80);

// Builds a Document node by node, in document order. Used by the loaders and
// by operations that produce new trees (Helm merges); CopyOf keeps each
// copied node's own source and location.
//
//   DocumentBuilder b("merged");
//   b.BeginMap(loc);
//   b.Key("replicas", loc); b.Scalar(NodeKind::kInt, "3", loc);
//   b.EndMap();
//   Document d = std::move(b).Finish();
class DocumentBuilder {
 public:
  explicit DocumentBuilder(absl::string_view source);
  ~DocumentBuilder();
  DocumentBuilder(const DocumentBuilder&) = delete;
  DocumentBuilder& operator=(const DocumentBuilder&) = delete;

  // Inside a map, each value is preceded by its Key.
  void Key(absl::string_view key, const Location& location);
  void Scalar(NodeKind kind, absl::string_view text, const Location& location);
  void BeginMap(const Location& location);
  void EndMap();
  void BeginList(const Location& location);
  void EndList();
  // Appends a deep copy of `node` (from any document) as the next value.
  void CopyOf(const Node& node);

  // REQUIRES: every Begin matched by its End. The first value added is the
  // root (a null root if nothing was added).
  Document Finish() &&;

 private:
  friend class YamlEventLoader;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace upgrade_core::document

#endif  // UPGRADE_CORE_DOCUMENT_DOCUMENT_H_
