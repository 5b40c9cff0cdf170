// Fuzz target: Helm value merging and structured diff
// (upgrade_core/compat/merge.h, diff.h).
//
// Input: a YAML stream (FuzzLoadOptions()); document 0 is the chart
// defaults, document 1 the overrides, document 2 a second override file.
//
// Properties:
//   * MergeValues(d, o) with d and o maps: the result's top-level keys are
//     exactly the union of d's and o's keys minus those whose override is
//     null, each once; a key only in d keeps d's value; a non-map override
//     replaces the value;
//   * MergeValues(d, {o1, o2}) likewise, with o2's value winning over o1's;
//   * MergeValues(d, nothing) Equals() d;
//   * merged documents pass the JSON round trip and path checks;
//   * Diff(d, d) and Diff(d, d loaded again) are empty;
//   * Diff(a, b) and Diff(b, a) are mirror images: as many changes,
//     added <-> removed swapped; Diff(a, b) is empty when a.Equals(b);
//   * every change's path parses, and (without wildcards or list matches)
//     Find()s the changed value in the old/new document.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "fuzz/document_properties.h"
#include "fuzz/fuzz_check.h"
#include "upgrade_core/compat/diff.h"
#include "upgrade_core/compat/merge.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/document/path.h"

namespace {

using upgrade_core::compat::Change;
using upgrade_core::compat::ChangeKind;
using upgrade_core::compat::ChangeKindName;
using upgrade_core::compat::Diff;
using upgrade_core::compat::MergeValues;
using upgrade_core::document::Document;
using upgrade_core::document::Node;
using upgrade_core::fuzz::CheckJsonRoundTrip;
using upgrade_core::fuzz::CheckPaths;

std::string Keys(const Node& map) {
  std::vector<std::string> keys;
  for (size_t i = 0; i < map.size(); ++i) keys.emplace_back(map.key(i));
  return absl::StrCat("[", absl::StrJoin(keys, ", "), "]");
}

// The top-level keys MergeValues(defaults, overrides) must have, when
// every one of them is a map. `overrides` in the order they apply.
void CheckMergedKeys(const Node& defaults, absl::Span<const Node> overrides,
                     const Document& merged) {
  if (!defaults.is_map()) return;
  for (const Node& o : overrides) {
    if (!o.is_map()) return;
  }
  const Node out = merged.root();
  FUZZ_CHECK(out.is_map(),
             absl::StrCat("merging maps gave a ", NodeKindName(out.kind())));
  std::set<std::string> expected;
  auto last_override = [&](absl::string_view key) -> std::optional<Node> {
    for (size_t i = overrides.size(); i-- > 0;) {
      if (std::optional<Node> v = overrides[i].Get(key)) return v;
    }
    return std::nullopt;
  };
  auto consider = [&](absl::string_view key) {
    std::optional<Node> ov = last_override(key);
    if (!ov || !ov->is_null()) expected.emplace(key);
  };
  for (size_t i = 0; i < defaults.size(); ++i) consider(defaults.key(i));
  for (const Node& o : overrides) {
    for (size_t i = 0; i < o.size(); ++i) consider(o.key(i));
  }
  std::set<std::string> got;
  for (size_t i = 0; i < out.size(); ++i) {
    FUZZ_CHECK(got.emplace(out.key(i)).second,
               absl::StrCat("key \"", out.key(i),
                            "\" twice in the merge: ", Keys(out)));
  }
  FUZZ_CHECK(got == expected,
             absl::StrCat("merged keys ", Keys(out), " != expected [",
                          absl::StrJoin(expected, ", "), "]; defaults ",
                          Keys(defaults), ", overrides ",
                          overrides.empty() ? "" : Keys(overrides.back())));
  for (size_t i = 0; i < out.size(); ++i) {
    absl::string_view key = out.key(i);
    std::optional<Node> ov = last_override(key);
    std::optional<Node> dv = defaults.Get(key);
    if (!ov) {
      FUZZ_CHECK(dv && out.child(i).Equals(*dv),
                 absl::StrCat("default-only key \"", key, "\" changed"));
    } else if (!ov->is_map() && overrides.size() == 1) {
      FUZZ_CHECK(out.child(i).Equals(*ov),
                 absl::StrCat("override of \"", key, "\" not taken"));
    }
  }
}

// Whether `path` is a plain chain of keys and indexes (Find() selects
// exactly the diffed node).
bool PlainPath(const upgrade_core::document::Path& path) {
  for (const auto& seg : path.segments()) {
    using Type = upgrade_core::document::PathSegment::Type;
    if (seg.type != Type::kKey && seg.type != Type::kIndex) return false;
  }
  return true;
}

void CheckChangesPoint(const std::vector<Change>& changes, const Node& a,
                       const Node& b) {
  for (const Change& c : changes) {
    absl::StatusOr<upgrade_core::document::Path> p =
        upgrade_core::document::Path::Parse(c.path);
    FUZZ_CHECK(p.ok(),
               absl::StrCat("diff path \"", c.path,
                            "\" does not parse: ", p.status().ToString()));
    if (!PlainPath(*p)) continue;
    if (c.kind != ChangeKind::kAdded) {
      std::optional<Node> old_node = a.Find(c.path);
      FUZZ_CHECK(old_node && old_node->Equals(c.old_value),
                 absl::StrCat(ChangeKindName(c.kind), " \"", c.path,
                              "\": old value not found there"));
    }
    if (c.kind != ChangeKind::kRemoved) {
      std::optional<Node> new_node = b.Find(c.path);
      FUZZ_CHECK(new_node && new_node->Equals(c.new_value),
                 absl::StrCat(ChangeKindName(c.kind), " \"", c.path,
                              "\": new value not found there"));
    }
  }
}

std::string Summary(const std::vector<Change>& changes) {
  std::vector<std::string> parts;
  for (const Change& c : changes) {
    parts.push_back(absl::StrCat(ChangeKindName(c.kind), " ", c.path));
  }
  return absl::StrJoin(parts, "; ");
}

void CheckDiffs(const Node& a, const Node& b) {
  std::vector<Change> ab = Diff(a, b);
  std::vector<Change> ba = Diff(b, a);
  CheckChangesPoint(ab, a, b);
  if (a.Equals(b)) {
    FUZZ_CHECK(ab.empty(), absl::StrCat("Equals() documents differ in Diff: ",
                                        Summary(ab)));
  }
  FUZZ_CHECK(ab.size() == ba.size(),
             absl::StrCat("Diff(a,b) has ", ab.size(), " changes, Diff(b,a) ",
                          ba.size(), "\n  a->b: ", Summary(ab),
                          "\n  b->a: ", Summary(ba)));
  size_t count_ab[4] = {0, 0, 0, 0}, count_ba[4] = {0, 0, 0, 0};
  for (const Change& c : ab) ++count_ab[static_cast<int>(c.kind)];
  for (const Change& c : ba) ++count_ba[static_cast<int>(c.kind)];
  const int added = static_cast<int>(ChangeKind::kAdded);
  const int removed = static_cast<int>(ChangeKind::kRemoved);
  const int changed = static_cast<int>(ChangeKind::kChanged);
  const int type_changed = static_cast<int>(ChangeKind::kTypeChanged);
  FUZZ_CHECK(count_ab[added] == count_ba[removed] &&
                 count_ab[removed] == count_ba[added] &&
                 count_ab[changed] == count_ba[changed] &&
                 count_ab[type_changed] == count_ba[type_changed],
             absl::StrCat("Diff(a,b) and Diff(b,a) are not mirror images\n"
                          "  a->b: ",
                          Summary(ab), "\n  b->a: ", Summary(ba)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  upgrade_core::fuzz::CurrentInput() = input;
  const auto options = upgrade_core::fuzz::FuzzLoadOptions();
  absl::StatusOr<std::vector<Document>> docs =
      Document::FromYamlStream(input, "values.yaml", options);
  if (!docs.ok() || docs->empty()) return 0;
  const Node defaults = (*docs)[0].root();

  // Diffs against itself, the same text loaded again, and the others.
  std::vector<Change> self = Diff(defaults, defaults);
  FUZZ_CHECK(self.empty(),
             absl::StrCat("Diff(d, d) is not empty: ", Summary(self)));
  absl::StatusOr<std::vector<Document>> again =
      Document::FromYamlStream(input, "again.yaml", options);
  FUZZ_CHECK(again.ok() && again->size() == docs->size(),
             "the same stream loaded differently the second time");
  std::vector<Change> copy = Diff(defaults, (*again)[0].root());
  FUZZ_CHECK(copy.empty(),
             absl::StrCat("Diff(d, copy of d) is not empty: ", Summary(copy)));

  Document unchanged = MergeValues(defaults, Node());
  FUZZ_CHECK(unchanged.root().Equals(defaults),
             "MergeValues(d, no overrides) is not d");

  if (docs->size() >= 2) {
    const Node overrides = (*docs)[1].root();
    CheckDiffs(defaults, overrides);
    Document merged = MergeValues(defaults, overrides);
    CheckMergedKeys(defaults, {overrides}, merged);
    CheckJsonRoundTrip(merged);
    CheckPaths(merged.root());
    CheckDiffs(defaults, merged.root());
  }
  if (docs->size() >= 3) {
    std::vector<Node> overrides = {(*docs)[1].root(), (*docs)[2].root()};
    Document merged = MergeValues(defaults, overrides);
    CheckMergedKeys(defaults, overrides, merged);
    CheckJsonRoundTrip(merged);
    CheckPaths(merged.root());
  }
  return 0;
}
