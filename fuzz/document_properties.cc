#include "fuzz/document_properties.h"

#include <cmath>
#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_check.h"
#include "upgrade_core/document/path.h"

namespace upgrade_core::fuzz {

using document::Document;
using document::Node;
using document::NodeKind;

document::LoadOptions FuzzLoadOptions() {
  document::LoadOptions options;
  options.max_nodes = 100000;
  return options;
}

namespace {

bool HasNonFinite(const Node& n) {
  switch (n.kind()) {
    case NodeKind::kFloat:
      return !std::isfinite(n.float_value());
    case NodeKind::kMap:
    case NodeKind::kList:
      for (size_t i = 0; i < n.size(); ++i) {
        if (HasNonFinite(n.child(i))) return true;
      }
      return false;
    default:
      return false;
  }
}

// Equals(), except that a non-finite float of `a` matches the string of its
// text in `b` (what ToJson documents). Map keys in the same order: ToJson
// keeps document order.
bool EqualsJsonForm(const Node& a, const Node& b) {
  if (a.kind() == NodeKind::kFloat && !std::isfinite(a.float_value())) {
    return b.kind() == NodeKind::kString && b.text() == a.text();
  }
  if (a.kind() != b.kind() || a.size() != b.size()) return false;
  switch (a.kind()) {
    case NodeKind::kMap:
      for (size_t i = 0; i < a.size(); ++i) {
        if (a.key(i) != b.key(i) || !EqualsJsonForm(a.child(i), b.child(i))) {
          return false;
        }
      }
      return true;
    case NodeKind::kList:
      for (size_t i = 0; i < a.size(); ++i) {
        if (!EqualsJsonForm(a.child(i), b.child(i))) return false;
      }
      return true;
    default:
      return a.Equals(b);
  }
}

void CheckOneJson(const Document& doc, bool indent, bool non_finite) {
  std::string json = doc.ToJson(indent);
  absl::StatusOr<Document> back = Document::FromJson(json, "<json>");
  FUZZ_CHECK(back.ok(),
             absl::StrCat("ToJson(", indent,
                          ") does not load as JSON: ", back.status().ToString(),
                          "\n  json: ", json.substr(0, 2000)));
  if (non_finite) {
    FUZZ_CHECK(EqualsJsonForm(doc.root(), back->root()),
               absl::StrCat("JSON round trip changed the tree\n  json:     ",
                            json.substr(0, 2000), "\n  reloaded: ",
                            back->ToJson(indent).substr(0, 2000)));
    return;
  }
  FUZZ_CHECK(doc.root().Equals(back->root()),
             absl::StrCat("FromJson(ToJson(doc)) is not Equals() to doc\n"
                          "  json:     ",
                          json.substr(0, 2000), "\n  reloaded: ",
                          back->ToJson(indent).substr(0, 2000)));
  std::string again = back->ToJson(indent);
  FUZZ_CHECK(
      again == json,
      absl::StrCat("ToJson not stable:\n  first:  ", json.substr(0, 1000),
                   "\n  second: ", again.substr(0, 1000)));
}

void WalkPaths(const Node& root, const Node& n, std::string* path,
               size_t* budget) {
  if (*budget == 0) return;
  --*budget;
  absl::StatusOr<document::Path> parsed = document::Path::Parse(*path);
  FUZZ_CHECK(parsed.ok(),
             absl::StrCat("printed path \"", *path,
                          "\" does not parse: ", parsed.status().ToString()));
  FUZZ_CHECK(parsed->ToString() == *path,
             absl::StrCat("path \"", *path, "\" prints back as \"",
                          parsed->ToString(), "\""));
  std::optional<Node> found = root.Find(*path);
  FUZZ_CHECK(found.has_value() && found->storage() == n.storage() &&
                 found->id() == n.id(),
             absl::StrCat("Find(\"", *path, "\") ",
                          found ? "selects another node" : "finds nothing"));
  if (!n.is_map() && !n.is_list()) return;
  const size_t mark = path->size();
  for (size_t i = 0; i < n.size() && *budget > 0; ++i) {
    if (n.is_map()) {
      // Find() selects the first entry with a key; keys are unique in loaded
      // documents (allow_duplicate_keys is off).
      document::AppendKey(path, n.key(i));
    } else {
      document::AppendIndex(path, i);
    }
    WalkPaths(root, n.child(i), path, budget);
    path->resize(mark);
  }
}

}  // namespace

void CheckJsonRoundTrip(const Document& doc) {
  bool non_finite = HasNonFinite(doc.root());
  CheckOneJson(doc, /*indent=*/false, non_finite);
  CheckOneJson(doc, /*indent=*/true, non_finite);
}

void CheckPaths(const Node& root, size_t max_nodes) {
  std::string path;
  size_t budget = max_nodes;
  WalkPaths(root, root, &path, &budget);
}

}  // namespace upgrade_core::fuzz
