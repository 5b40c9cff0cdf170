// The chart upgrade check: a parallel walk of the overrides against both
// default trees, a diff of the defaults, Helm merges, then the rule packs.
#include "upgrade_core/compat/chart_check.h"

#include <iterator>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/compat/merge.h"
#include "upgrade_core/document/path.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::compat {
using diag::Diagnostic;
using diag::Report;
using diag::Severity;
using document::AppendKey;
using document::Document;
using document::Location;
using document::Node;
using document::NodeKind;
using document::NodeKindName;
using document::NodeToDisplay;

namespace {

// Kinds that are interchangeable in values: int and float are both numbers;
// null means "unset", compatible with anything.
enum class Shape { kAny, kScalarBool, kNumber, kString, kMap, kList };

Shape ShapeOf(const Node& n) {
  switch (n.kind()) {
    case NodeKind::kNull:
      return Shape::kAny;
    case NodeKind::kBool:
      return Shape::kScalarBool;
    case NodeKind::kInt:
    case NodeKind::kFloat:
      return Shape::kNumber;
    case NodeKind::kString:
      return Shape::kString;
    case NodeKind::kMap:
      return Shape::kMap;
    case NodeKind::kList:
      return Shape::kList;
  }
  return Shape::kAny;
}

bool Compatible(Shape a, Shape b) {
  return a == Shape::kAny || b == Shape::kAny || a == b;
}

bool IsContainer(Shape s) { return s == Shape::kMap || s == Shape::kList; }

// The last key of a printed path ("a.b.c" -> "c").
std::string LastKey(const std::string& path) {
  size_t dot = path.find_last_of('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

class ChartChecker {
 public:
  ChartChecker(const Document& old_defaults, const Document& new_defaults,
               absl::Span<const RulePack> packs,
               const ChartUpgradeOptions& options, Report* report)
      : old_(old_defaults.root()),
        new_(new_defaults.root()),
        packs_(packs),
        options_(options),
        report_(report) {}

  void Run(const Node& overrides) {
    if (options_.guess_renames) IndexAdded();
    std::string path;
    if (overrides.is_map()) {
      Walk(overrides, old_.is_map() ? std::optional<Node>(old_) : std::nullopt,
           new_.is_map() ? std::optional<Node>(new_) : std::nullopt,
           /*removed=*/false, &path);
    }
    if (options_.report_changed_defaults) ChangedDefaults();
  }

 private:
  // Keys present only in the new defaults, by last key name, for guessing
  // renames.
  void IndexAdded() {
    DiffOptions d;
    d.identity_keys = options_.identity_keys;
    for (const Change& c : Diff(old_, new_, d)) {
      if (c.kind == ChangeKind::kAdded) {
        added_by_name_[LastKey(c.path)].push_back(c.path);
        if (c.new_value.is_map()) AddLeaves(c.new_value, c.path);
      }
    }
  }

  void AddLeaves(const Node& map, const std::string& prefix) {
    for (size_t i = 0; i < map.size(); ++i) {
      std::string p = prefix;
      AppendKey(&p, map.key(i));
      added_by_name_[std::string(map.key(i))].push_back(p);
      if (map.child(i).is_map()) AddLeaves(map.child(i), p);
    }
  }

  bool CoveredByPack(const std::string& path) const {
    for (const RulePack& pack : packs_) {
      if (!pack.RenameTarget(path).empty()) return true;
      for (const Rule& r : pack.rules()) {
        if (r.kind != RuleKind::kKeyRemoved &&
            r.kind != RuleKind::kTypeChanged) {
          continue;
        }
        const std::string& rp = r.path;
        if (path == rp ||
            (absl::StartsWith(path, rp) && path.size() > rp.size() &&
             (path[rp.size()] == '.' || path[rp.size()] == '['))) {
          return true;
        }
      }
    }
    return false;
  }

  void Add(std::string rule, Severity severity, const std::string& path,
           std::string message, std::string hint, Location location) {
    Diagnostic f;
    f.code = std::move(rule);
    f.severity = severity;
    f.path = path;
    f.message = std::move(message);
    f.hint = std::move(hint);
    f.location = std::move(location);
    report_->findings.push_back(std::move(f));
  }

  // Walks the user's overrides alongside both default trees. `removed`:
  // an ancestor key exists in the old defaults but not in the new ones.
  void Walk(const Node& over, std::optional<Node> old_map,
            std::optional<Node> new_map, bool removed, std::string* path) {
    const size_t mark = path->size();
    for (size_t i = 0; i < over.size(); ++i) {
      absl::string_view key = over.key(i);
      Node value = over.child(i);
      AppendKey(path, key);
      std::optional<Node> o = old_map ? old_map->Get(key) : std::nullopt;
      std::optional<Node> n = new_map ? new_map->Get(key) : std::nullopt;
      const bool gone = removed || (o && !n);
      if (value.is_map() && value.size() > 0 &&
          (gone || (o && n && o->is_map() && n->is_map()) || (!o && !n) ||
           (!o && n && n->is_map()) || (o && o->is_map() && !n))) {
        // Name the user's leaves, not the map that holds them.
        Walk(value, o && o->is_map() ? o : std::nullopt,
             n && n->is_map() ? n : std::nullopt, gone, path);
      } else {
        override_paths_.insert(*path);  // a leaf the user set
        Check(*path, value, over.key_location(i), o, n, gone);
      }
      path->resize(mark);
    }
  }

  void Check(const std::string& path, const Node& value,
             const Location& key_location, std::optional<Node> o,
             std::optional<Node> n, bool gone) {
    if (value.is_null()) return;  // deleting a key is never broken
    if (gone) {
      if (CoveredByPack(path)) return;
      std::string target;
      if (options_.guess_renames && o) {
        // A unique added key with the same name and the same default value.
        auto it = added_by_name_.find(LastKey(path));
        if (it != added_by_name_.end()) {
          std::vector<std::string> same;
          for (const std::string& candidate : it->second) {
            std::optional<Node> c = new_.Find(candidate);
            if (c && c->Equals(*o)) same.push_back(candidate);
          }
          if (same.size() == 1) target = same[0];
        }
      }
      if (!target.empty()) {
        Add("chart/renamed-override", Severity::kError, path,
            absl::StrCat("your override ", path,
                         " is ignored: the new chart no longer has it; it "
                         "appears to have moved to ",
                         target),
            absl::StrCat("move the value to ", target,
                         " (matched by name and default value; confirm in "
                         "the chart's changelog)"),
            key_location);
      } else {
        Add("chart/removed-override", Severity::kError, path,
            absl::StrCat("your override ", path,
                         " is ignored: the new chart no longer has this key"),
            "remove the override, or find its replacement in the chart's "
            "changelog",
            key_location);
      }
      return;
    }
    if (o && n) {
      Shape so = ShapeOf(*o), sn = ShapeOf(*n), sv = ShapeOf(value);
      // The chart kept the key's type, and the user's value has another one
      // (a map where the chart has a list, a string where it has a map): both
      // Helm merges keep the user's value, which the templates then misread.
      if (Compatible(so, sn) && !Compatible(sv, sn) && !Compatible(sv, so)) {
        const bool structural = IsContainer(sv) || IsContainer(sn);
        Add("chart/override-type-mismatch",
            structural ? Severity::kError : Severity::kWarning, path,
            absl::StrCat("your override ", path, " is a ",
                         NodeKindName(value.kind()),
                         " but the chart expects a ", NodeKindName(n->kind()),
                         " (in both versions)"),
            absl::StrCat("rewrite the value as a ", NodeKindName(n->kind()),
                         "; chart default: ", NodeToDisplay(*n, 60)),
            value.location());
        return;
      }
      if (!Compatible(so, sn) && Compatible(sv, so) && !Compatible(sv, sn)) {
        if (CoveredByPack(path)) return;
        Add("chart/type-changed-override", Severity::kError, path,
            absl::StrCat(
                "your override ", path, " is a ", NodeKindName(value.kind()),
                " but the new chart expects a ", NodeKindName(n->kind()),
                " (the old chart had a ", NodeKindName(o->kind()), ")"),
            absl::StrCat("rewrite the value as a ", NodeKindName(n->kind()),
                         "; new default: ", NodeToDisplay(*n)),
            value.location());
      }
    }
  }

  bool Overridden(const std::string& change_path) const {
    if (override_paths_.count(change_path)) return true;
    for (size_t i = 1; i < change_path.size(); ++i) {
      char c = change_path[i];
      if ((c == '.' || c == '[') &&
          override_paths_.count(change_path.substr(0, i))) {
        return true;
      }
    }
    return false;
  }

  void ChangedDefaults() {
    DiffOptions d;
    d.identity_keys = options_.identity_keys;
    for (const Change& c : Diff(old_, new_, d)) {
      if (c.kind != ChangeKind::kChanged &&
          c.kind != ChangeKind::kTypeChanged) {
        continue;
      }
      if (Overridden(c.path)) continue;
      const bool notable = c.kind == ChangeKind::kTypeChanged ||
                           c.new_value.kind() == NodeKind::kBool;
      Add("chart/default-changed",
          notable ? Severity::kWarning : Severity::kInfo, c.path,
          absl::StrCat("the default of ", c.path, " changed from ",
                       NodeToDisplay(c.old_value), " to ",
                       NodeToDisplay(c.new_value),
                       " and you do not override it"),
          absl::StrCat("set ", c.path, ": ", NodeToDisplay(c.old_value),
                       " in your values to keep the old behaviour"),
          c.new_location);
    }
  }

  Node old_;
  Node new_;
  absl::Span<const RulePack> packs_;
  const ChartUpgradeOptions& options_;
  Report* report_;
  std::map<std::string, std::vector<std::string>> added_by_name_;
  std::set<std::string> override_paths_;
};

}  // namespace

absl::StatusOr<ChartUpgradeReport> CheckChartUpgrade(
    const Document& old_defaults, const Document& new_defaults,
    const Document& overrides, absl::Span<const RulePack> packs,
    const RuleContext& context, const ChartUpgradeOptions& options) {
  // Helm values are a mapping (or empty). Anything else is the wrong file, and
  // must not be compared, or its content would be quoted in a finding (issue
  // 9, defect 3: a secret file given as newDefaults was echoed in a warning).
  for (const Document* doc : {&old_defaults, &new_defaults, &overrides}) {
    const Node root = doc->root();
    if (root.is_map() || root.is_null()) continue;
    return absl::InvalidArgumentError(absl::StrCat(
        root.location().ToString(), ": not a values file: the top level is a ",
        NodeKindName(root.kind()), ", not a mapping of keys to values"));
  }
  ChartUpgradeReport report;
  ChartChecker(old_defaults, new_defaults, packs, options, &report)
      .Run(overrides.root());
  report.effective_before =
      MergeValues(old_defaults.root(), overrides.root(), "<effective before>");
  report.effective_after =
      MergeValues(new_defaults.root(), overrides.root(), "<effective after>");
  DiffOptions d;
  d.identity_keys = options.identity_keys;
  report.effective_changes =
      Diff(report.effective_before.root(), report.effective_after.root(), d);
  for (const RulePack& pack : packs) {
    // Override-shaped rules read what the user wrote; the rest the result.
    UC_ASSIGN_OR_RETURN(
        std::vector<Diagnostic> on_overrides,
        pack.Evaluate(overrides.root(), context, RuleScope::kOverrides));
    UC_ASSIGN_OR_RETURN(std::vector<Diagnostic> on_values,
                        pack.Evaluate(report.effective_after.root(), context,
                                      RuleScope::kValues));
    for (std::vector<Diagnostic>* found : {&on_overrides, &on_values}) {
      report.findings.insert(report.findings.end(),
                             std::make_move_iterator(found->begin()),
                             std::make_move_iterator(found->end()));
    }
  }
  report.Normalize();
  return report;
}

}  // namespace upgrade_core::compat
