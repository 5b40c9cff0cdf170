// File: path.h
// -----------------------------------------------------------------------------
// Paths into documents, written the way users write them:
//
//   controller.service.ports.http
//   spec.template.spec.containers[name=controller].ports[0].hostPort
//   metadata.annotations["nginx.ingress.kubernetes.io/proxy-body-size"]
//
// Rule packs may also use wildcards: `*` (any key of a map) and `[*]` (any
// element of a list). A key that is not a plain word (letters, digits, `_`,
// `-`, `/`) is printed quoted in brackets.
#ifndef UPGRADE_CORE_DOCUMENT_PATH_H_
#define UPGRADE_CORE_DOCUMENT_PATH_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::document {

struct PathSegment {
  enum class Type {
    kKey,       // .key or ["key"]
    kIndex,     // [3]
    kMatch,     // [name=controller]: the list element whose `key` is `value`
    kAnyKey,    // .*
    kAnyIndex,  // [*]
  };
  Type type = Type::kKey;
  std::string key;    // kKey, kMatch
  size_t index = 0;   // kIndex
  std::string value;  // kMatch
};

class Path {
 public:
  Path() = default;  // the root
  static Path FromSegments(std::vector<PathSegment> segments) {
    Path p;
    p.segments_ = std::move(segments);
    return p;
  }
  // InvalidArgument naming the offending character position.
  static absl::StatusOr<Path> Parse(absl::string_view text);

  const std::vector<PathSegment>& segments() const { return segments_; }
  bool empty() const { return segments_.empty(); }
  bool has_wildcards() const;
  std::string ToString() const;

  Path& AddKey(absl::string_view key);
  Path& AddIndex(size_t index);
  Path& AddMatch(absl::string_view key, absl::string_view value);

 private:
  std::vector<PathSegment> segments_;
};

// Appends one segment to a printed path (what Diff uses for speed).
void AppendKey(std::string* path, absl::string_view key);
void AppendIndex(std::string* path, size_t index);
void AppendMatch(std::string* path, absl::string_view key,
                 absl::string_view value);

// A node selected by a path, with its concrete printed path.
struct PathMatch {
  Node node;
  std::string path;
  // When the node is a map value: the location of its key.
  Location key_location;
};

// Every node `path` selects under `root`, in document order.
std::vector<PathMatch> Select(const Node& root, const Path& path);

}  // namespace upgrade_core::document

#endif  // UPGRADE_CORE_DOCUMENT_PATH_H_
