// Walking a chart upgrade's overrides (internal to //upgrade_core/compat):
// a parallel walk of the user's overrides against both default trees, with
// the templates' evidence when the check has the charts, and the defaults
// that changed under keys the user does not set (chart_overrides.h).
#include "upgrade_core/compat/chart_overrides.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/chart/template_reader.h"
#include "upgrade_core/compat/diff.h"
#include "upgrade_core/document/path.h"

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
using internal::TemplateEvidence;

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
               const ChartUpgradeOptions& options, Report* report,
               TemplateEvidence evidence = {})
      : old_(old_defaults.root()),
        new_(new_defaults.root()),
        packs_(packs),
        options_(options),
        report_(report),
        evidence_(evidence) {}

  void Run(const Node& overrides) {
    overrides_ = overrides;
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
      keys_.emplace_back(key);
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
      keys_.pop_back();
      path->resize(mark);
    }
  }

  void Check(const std::string& path, const Node& value,
             const Location& key_location, std::optional<Node> o,
             std::optional<Node> n, bool gone) {
    if (value.is_null()) return;  // deleting a key is never broken
    if (evidence_.new_usage != nullptr &&
        !CheckTemplates(path, key_location, o, n, gone)) {
      return;
    }
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
                         target, TemplateNote()),
            absl::StrCat("move the value to ", target,
                         " (matched by name and default value; confirm in "
                         "the chart's changelog)"),
            key_location);
      } else {
        Add("chart/removed-override", Severity::kError, path,
            absl::StrCat("your override ", path,
                         " is ignored: the new chart no longer has this key",
                         TemplateNote()),
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

  // The keys of a printed path without list indexes or wildcards; nullopt
  // otherwise (those are not values a template reads by name).
  static std::optional<chart::ValuesPath> KeysOf(const std::string& path) {
    absl::StatusOr<document::Path> p = document::Path::Parse(path);
    if (!p.ok()) return std::nullopt;
    chart::ValuesPath keys;
    for (const document::PathSegment& s : p->segments()) {
      if (s.type != document::PathSegment::Type::kKey) return std::nullopt;
      keys.push_back(s.key);
    }
    return keys;
  }

  // Where the old chart read the current key, as a sentence tail.
  std::string OldReadNote() const {
    if (evidence_.old_usage == nullptr) return "";
    chart::ValuesUsage::Verdict v = evidence_.old_usage->Classify(keys_);
    if (v.read != nullptr) {
      return absl::StrCat("; the old chart read it at ",
                          v.read->location.ToString());
    }
    return "; the old chart did not read it either";
  }

  // "; the old chart read it at X" when it did, else "".
  std::string OldWhere() const {
    if (evidence_.old_usage == nullptr) return "";
    chart::ValuesUsage::Verdict v = evidence_.old_usage->Classify(keys_);
    if (v.use != chart::ValuesUsage::Use::kRead) return "";
    return absl::StrCat(" at ", v.read->location.ToString());
  }

  // Appended to values.yaml findings when the templates agree.
  std::string TemplateNote() const {
    if (evidence_.new_usage == nullptr) return "";
    return absl::StrCat(
        " (evidence: values.yaml and templates: no template of the new chart "
        "reads it",
        OldReadNote(), ")");
  }

  // The template evidence for one override. Returns whether the values.yaml
  // checks should still run (false when the templates overrule them).
  bool CheckTemplates(const std::string& path, const Location& key_location,
                      std::optional<Node> o, std::optional<Node> n, bool gone) {
    using Use = chart::ValuesUsage::Use;
    const chart::ValuesUsage& usage = *evidence_.new_usage;
    chart::ValuesUsage::Verdict v = usage.Classify(keys_);
    const bool old_read =
        evidence_.old_usage != nullptr &&
        evidence_.old_usage->Classify(keys_).use == Use::kRead;
    switch (v.use) {
      case Use::kRead:
        if (gone) {
          Add("chart/override-still-read", Severity::kInfo, path,
              absl::StrCat("your override ", path,
                           " left the new chart's default values, but its "
                           "templates still read it at ",
                           v.read->location.ToString(),
                           ", so it is honoured (evidence: templates)"),
              "nothing to change; the chart's changelog may name a preferred "
              "key",
              key_location);
        } else {
          NewlyGated(path, key_location);
        }
        return !gone;
      case Use::kPossiblyRead: {
        NewlyGated(path, key_location);
        // Passed on whole by both versions and kept in values.yaml: the
        // upgrade changes nothing about it.
        if (!gone && !old_read) return false;
        Add("chart/possibly-read-override", Severity::kWarning, path,
            absl::StrCat(
                "your override ", path,
                gone ? " left the new chart's default values; no template "
                       "reads it by name, but "
                     : " is read by no template by name; ",
                v.read->location.ToString(), " passes ",
                chart::ValuesPathToString(v.read->path),
                " on whole, so it may take effect (evidence: templates",
                old_read ? "; the old chart read it by name" : "", OldWhere(),
                ")"),
            "render the chart (helm template) and check the value appears "
            "where you expect",
            key_location);
        return false;
      }
      case Use::kNotAnalysed:
        Add("chart/not-analysed-override", Severity::kWarning, path,
            absl::StrCat(
                "cannot tell whether the new chart reads your "
                "override ",
                path, ": ", v.unresolved->reason,
                v.unresolved->location.known()
                    ? absl::StrCat(" (", v.unresolved->location.ToString(), ")")
                    : "",
                " (evidence: templates, not analysed)"),
            "render the chart (helm template) to check the value is used",
            key_location);
        return false;
      case Use::kNotRead:
        if (gone || (!o && !n)) {
          if (gone) return true;  // removed/renamed, with TemplateNote()
          Add("chart/unread-override",
              old_read ? Severity::kError : Severity::kWarning, path,
              absl::StrCat("your override ", path,
                           " is ignored: neither the new chart's values.yaml "
                           "nor its templates know it (evidence: templates",
                           OldReadNote(), ")"),
              "remove the override, or find its replacement in the chart's "
              "changelog",
              key_location);
          return false;
        }
        Add("chart/unread-override",
            old_read || evidence_.old_usage == nullptr ? Severity::kError
                                                       : Severity::kWarning,
            path,
            absl::StrCat("your override ", path,
                         " is ignored: the new chart's values.yaml still has "
                         "this key, but no template reads it (evidence: "
                         "templates",
                         OldReadNote(), ")"),
            "remove the override, or find its replacement in the chart's "
            "changelog",
            key_location);
        return true;  // type checks still apply to the key values.yaml has
    }
    return true;
  }

  // Every read of the current key sits under a condition on a key the new
  // chart added (and the user does not set): name that gate.
  void NewlyGated(const std::string& path, const Location& key_location) {
    const chart::ValuesUsage& usage = *evidence_.new_usage;
    std::vector<const chart::ValueRead*> reads = usage.ReadsOf(keys_);
    if (reads.empty()) return;
    std::string gate_path;
    Location gate_location;
    Node gate_default;
    for (const chart::ValueRead* r : reads) {
      bool found = false;
      for (const chart::Gate* g : usage.GatesOf(*r)) {
        for (const chart::ValuesPath& p : g->paths) {
          if (p.empty() || std::find(p.begin(), p.end(), "*") != p.end()) {
            continue;
          }
          const std::string printed = chart::ValuesPathToString(p);
          std::optional<Node> in_new = new_.Find(printed);
          if (!in_new || old_.Find(printed) || overrides_.Find(printed)) {
            continue;
          }
          found = true;
          gate_path = printed;
          gate_location = g->location;
          gate_default = *in_new;
          break;
        }
        if (found) break;
      }
      if (!found) return;  // read somewhere without a new gate
    }
    Add("chart/newly-gated-override", Severity::kInfo, path,
        absl::StrCat("your override ", path, " is now read only when ",
                     gate_path, " allows it: the new chart added ", gate_path,
                     " (default ", NodeToDisplay(gate_default), ") and ",
                     gate_location.ToString(),
                     " tests it around the block that reads your value "
                     "(evidence: templates)"),
        absl::StrCat("keep ", gate_path, " at a value that enables the block, ",
                     "or set it explicitly in your values"),
        key_location);
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
      std::string evidence;
      if (evidence_.new_usage != nullptr) {
        std::optional<chart::ValuesPath> keys = KeysOf(c.path);
        if (keys) {
          chart::ValuesUsage::Verdict v = evidence_.new_usage->Classify(*keys);
          // A default no template reads changes nothing.
          if (v.use == chart::ValuesUsage::Use::kNotRead) continue;
          if (v.read != nullptr) {
            evidence = absl::StrCat(" (evidence: values.yaml; read at ",
                                    v.read->location.ToString(), ")");
          }
        }
      }
      const bool notable = c.kind == ChangeKind::kTypeChanged ||
                           c.new_value.kind() == NodeKind::kBool;
      Add("chart/default-changed",
          notable ? Severity::kWarning : Severity::kInfo, c.path,
          absl::StrCat("the default of ", c.path, " changed from ",
                       NodeToDisplay(c.old_value), " to ",
                       NodeToDisplay(c.new_value),
                       " and you do not override it", evidence),
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
  TemplateEvidence evidence_;
  Node overrides_;
  chart::ValuesPath keys_;  // the override being walked, as keys
  std::map<std::string, std::vector<std::string>> added_by_name_;
  std::set<std::string> override_paths_;
};

}  // namespace

namespace internal {

void CheckOverrides(const Document& old_defaults, const Document& new_defaults,
                    const Node& overrides, absl::Span<const RulePack> packs,
                    const ChartUpgradeOptions& options,
                    TemplateEvidence evidence, Report* report) {
  ChartChecker(old_defaults, new_defaults, packs, options, report, evidence)
      .Run(overrides);
}

}  // namespace internal
}  // namespace upgrade_core::compat
