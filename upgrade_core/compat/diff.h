// File: diff.h
// -----------------------------------------------------------------------------
// Structured diff of two document trees: what was added, removed, or changed
// (value or type), each with its user-style path, both values and both source
// locations. Lists whose elements are all maps carrying a unique identity key
// (`name`, `containerPort`, or keys you configure) are matched by that key,
// so reordering a list is not a change and paths read
// `containers[name=controller].image`.
#ifndef UPGRADE_CORE_COMPAT_DIFF_H_
#define UPGRADE_CORE_COMPAT_DIFF_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/document/path.h"

namespace upgrade_core::compat {

enum class ChangeKind {
  kAdded,        // only in the new document
  kRemoved,      // only in the old document
  kChanged,      // same type, different scalar value
  kTypeChanged,  // different kinds (e.g. string -> map, int -> string)
};

// "added", "removed", "changed", "type_changed".
absl::string_view ChangeKindName(ChangeKind kind);

struct Change {
  ChangeKind kind = ChangeKind::kChanged;
  std::string path;
  // Invalid for kAdded / kRemoved respectively. Valid while the diffed
  // documents are alive.
  document::Node old_value;
  document::Node new_value;
  // Where the value (or, for map entries, its key) is in each source;
  // unknown on the side where it does not exist.
  document::Location old_location;
  document::Location new_location;
};

struct DiffOptions {
  // Keys tried, in order, to match list elements by identity. A key is used
  // for a list pair when every element of both lists is a map with a scalar
  // under that key and the values are unique within each list.
  std::vector<std::string> identity_keys = {"name", "containerPort"};
  // Subtrees to skip; may use wildcards (`*`, `[*]`). A pattern `a.b`
  // ignores `a.b` and everything under it.
  std::vector<document::Path> ignore;
};

// Every difference from `old_root` to `new_root`, in document order (old
// order first, then additions). Linear in the size of the trees.
std::vector<Change> Diff(const document::Node& old_root,
                         const document::Node& new_root,
                         const DiffOptions& options = {});

// Parses ignore patterns; InvalidArgument naming the bad one.
absl::StatusOr<std::vector<document::Path>> ParsePaths(
    const std::vector<std::string>& paths);

}  // namespace upgrade_core::compat

#endif  // UPGRADE_CORE_COMPAT_DIFF_H_
