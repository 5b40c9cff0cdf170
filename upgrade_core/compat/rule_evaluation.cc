// What each rule kind does to a document: the per-kind evaluation of loaded
// rules (docs/compat-rules.md#kinds), and how a finding is worded and placed.
// Separate from the loader (which guarantees every field read here is valid)
// and from the condition language (condition.cc), which `condition` rules and
// every rule's `match` use.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "upgrade_core/compat/condition.h"
#include "upgrade_core/compat/rule_data.h"
#include "upgrade_core/compat/version_eval.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::compat::internal {
using diag::Diagnostic;
using diag::Severity;
using document::Document;
using document::DocumentBuilder;
using document::Location;
using document::Node;
using document::NodeKindName;
using document::NodeToDisplay;
using document::Path;
using document::PathMatch;
using document::PathSegment;
using document::Select;

namespace {

// Template variables of a message or hint: {"value", "3"} fills "{value}".
using Vars = std::vector<std::pair<std::string, std::string>>;

std::string Expand(absl::string_view templ, const Vars& vars) {
  std::vector<std::pair<std::string, std::string>> subs;
  for (const auto& [k, v] : vars) {
    subs.emplace_back(absl::StrCat("{", k, "}"), v);
  }
  return absl::StrReplaceAll(templ, subs);
}

bool InScope(RuleKind kind, RuleScope scope) {
  const bool override_shaped = kind == RuleKind::kKeyRemoved ||
                               kind == RuleKind::kKeyRenamed ||
                               kind == RuleKind::kTypeChanged;
  switch (scope) {
    case RuleScope::kAll:
      return true;
    case RuleScope::kOverrides:
      return override_shaped;
    case RuleScope::kValues:
      return !override_shaped;
  }
  return true;
}

// "namespace/name" of a manifest ("name" without a namespace, "" if none).
std::string ObjectName(const Node& doc) {
  std::optional<Node> name = doc.Find("metadata.name");
  std::optional<Node> ns = doc.Find("metadata.namespace");
  std::string out;
  if (ns && ns->is_scalar() && !ns->is_null()) {
    absl::StrAppend(&out, ns->text(), "/");
  }
  if (name && name->is_scalar()) absl::StrAppend(&out, name->text());
  return out;
}

// An evaluation error, prefixed with the rule that hit it.
absl::Status RuleError(const Rule& rule, const absl::Status& status) {
  return absl::InvalidArgumentError(
      absl::StrCat("rule ", rule.id, ": ", status.message()));
}

// Where a condition finding points: the first match of the rule's `path`
// (which also supplies the value shown) when it has one, else the node the
// condition's witness named, else `fallback` (the document).
struct FindingSite {
  std::string path;
  Location location;
  std::string value;
  bool matched_path = false;
};

FindingSite ConditionSite(const Node& root, const RuleData& d, const Witness& w,
                          const Location& fallback) {
  FindingSite site{w.path, w.set ? w.location : fallback, "", false};
  if (!d.has_path) return site;
  std::vector<PathMatch> m = Select(root, d.path);
  if (m.empty()) return site;
  site.path = m[0].path;
  site.location = m[0].node.location();
  site.value = NodeToDisplay(m[0].node);
  site.matched_path = true;
  return site;
}

// A key's finding points at the key when it is known, else at the value.
Location KeyOrValue(const PathMatch& m) {
  return m.key_location.known() ? m.key_location : m.node.location();
}

// Runs rules on the documents of one set and collects their findings.
class SetEvaluation {
 public:
  SetEvaluation(absl::Span<const Node> docs, const RuleContext& context)
      : docs_(docs), context_(context) {}

  // Runs `rule` on docs[di] (its `match` first), adding its findings.
  absl::Status Run(const Rule& rule, size_t di);

  std::vector<Diagnostic> TakeFindings() && { return std::move(findings_); }

 private:
  // Adds the finding of `rule_` at `path`/`loc`, its message and hint
  // expanded with `vars` and {path}.
  void Add(const std::string& path, const Location& loc, Vars vars);

  void CheckKeyRemoved(const Node& doc);
  void CheckKeyRenamed(const Node& doc);
  void CheckTypeChanged(const Node& doc);
  void CheckAllowedValues(const Node& doc);
  void CheckRequiredKey(const Node& doc);
  absl::Status CheckVersionConstraint(const Node& doc);
  absl::Status CheckVersionSkew();
  absl::Status CheckCondition(const Node& doc);
  absl::Status CheckRelatedCondition(const Node& doc, size_t di);
  absl::Status CheckApiRemoved(const Node& doc);

  const absl::Span<const Node> docs_;
  const RuleContext& context_;
  // The rule being run, and its data.
  const Rule* rule_ = nullptr;
  const RuleData* d_ = nullptr;
  std::vector<Diagnostic> findings_;
};

absl::Status SetEvaluation::Run(const Rule& rule, size_t di) {
  rule_ = &rule;
  d_ = rule.data.get();
  const Node& doc = docs_[di];
  if (d_->match) {
    ConditionEvaluator ev(doc, context_);
    Witness ignored;
    absl::StatusOr<bool> m = ev.Eval(*d_->match, &ignored);
    if (!m.ok()) return RuleError(rule, m.status());
    if (!*m) return absl::OkStatus();
  }
  switch (rule.kind) {
    case RuleKind::kKeyRemoved:
      CheckKeyRemoved(doc);
      break;
    case RuleKind::kKeyRenamed:
      CheckKeyRenamed(doc);
      break;
    case RuleKind::kTypeChanged:
      CheckTypeChanged(doc);
      break;
    case RuleKind::kAllowedValues:
      CheckAllowedValues(doc);
      break;
    case RuleKind::kRequiredKey:
      CheckRequiredKey(doc);
      break;
    case RuleKind::kVersionConstraint:
      return CheckVersionConstraint(doc);
    case RuleKind::kVersionSkew:
      return CheckVersionSkew();
    case RuleKind::kCondition:
      return d_->related ? CheckRelatedCondition(doc, di) : CheckCondition(doc);
    case RuleKind::kApiRemoved:
      return CheckApiRemoved(doc);
  }
  return absl::OkStatus();
}

void SetEvaluation::Add(const std::string& path, const Location& loc,
                        Vars vars) {
  vars.emplace_back("path", path);
  Diagnostic f;
  f.code = rule_->id;
  f.severity = rule_->severity;
  f.path = path;
  f.message = Expand(rule_->message, vars);
  f.hint = Expand(rule_->hint, vars);
  f.location = loc;
  findings_.push_back(std::move(f));
}

void SetEvaluation::CheckKeyRemoved(const Node& doc) {
  for (const PathMatch& m : Select(doc, d_->path)) {
    Add(m.path, KeyOrValue(m), {{"value", NodeToDisplay(m.node)}});
  }
}

void SetEvaluation::CheckKeyRenamed(const Node& doc) {
  for (const PathMatch& m : Select(doc, d_->path)) {
    Add(m.path, KeyOrValue(m),
        {{"value", NodeToDisplay(m.node)}, {"to", d_->to.ToString()}});
  }
}

void SetEvaluation::CheckTypeChanged(const Node& doc) {
  for (const PathMatch& m : Select(doc, d_->path)) {
    if (m.node.is_null()) continue;
    if (d_->type_mask & Bit(m.node.kind())) continue;
    Add(m.path, m.node.location(),
        {{"value", NodeToDisplay(m.node)},
         {"type", d_->type_text},
         {"found", std::string(NodeKindName(m.node.kind()))}});
  }
}

void SetEvaluation::CheckAllowedValues(const Node& doc) {
  for (const PathMatch& m : Select(doc, d_->path)) {
    if (m.node.is_null()) continue;
    bool ok = false;
    std::vector<std::string> allowed;
    for (size_t i = 0; i < d_->values.size(); ++i) {
      Node a = d_->values.child(i);
      allowed.push_back(NodeToDisplay(a));
      ok = ok || ScalarEquals(m.node, a) ||
           (m.node.is_scalar() && a.is_scalar() && m.node.text() == a.text());
    }
    if (!ok) {
      Add(m.path, m.node.location(),
          {{"value", NodeToDisplay(m.node)},
           {"values", absl::StrJoin(allowed, ", ")}});
    }
  }
}

void SetEvaluation::CheckRequiredKey(const Node& doc) {
  // Every parent the path's prefix selects must have the last segment.
  const auto& segs = d_->path.segments();
  if (segs.empty()) return;  // the loader refuses a root path for this kind
  Path parent_path = Path::FromSegments(
      std::vector<PathSegment>(segs.begin(), segs.end() - 1));
  Path last = Path::FromSegments({segs.back()});
  std::vector<PathMatch> parents = Select(doc, parent_path);
  if (parents.empty()) {
    if (!parent_path.has_wildcards()) {
      Add(d_->path.ToString(), doc.location(), {});
    }
    return;
  }
  for (const PathMatch& p : parents) {
    std::vector<PathMatch> found = Select(p.node, last);
    if (!found.empty() && !found[0].node.is_null()) continue;
    std::string child = p.path;
    std::string tail = last.ToString();
    if (!child.empty() && tail[0] != '[') child += ".";
    child += tail;
    Add(child, p.node.location(), {});
  }
}

absl::Status SetEvaluation::CheckVersionConstraint(const Node& doc) {
  // The constraints: the rule's own, or each one the document holds at
  // `constraint: {path: P}` (with where it is written).
  struct Bound {
    VersionConstraintPtr constraint;
    std::string path;
    Location location;
  };
  std::vector<Bound> bounds;
  if (d_->constraint_from_path) {
    for (const PathMatch& m : Select(doc, d_->constraint_path)) {
      if (!m.node.is_scalar() || m.node.is_null()) continue;
      absl::StatusOr<VersionConstraintPtr> vc =
          VersionConstraint::Parse(m.node.text());
      if (!vc.ok()) {
        Add(m.path, m.node.location(),
            {{"value", NodeToDisplay(m.node)},
             {"subject", m.path},
             {"constraint", std::string(m.node.text())}});
        findings_.back().message = absl::StrCat(
            m.path,
            " is not a valid version constraint: ", vc.status().message());
        continue;
      }
      bounds.push_back(Bound{*std::move(vc), m.path, m.node.location()});
    }
  } else {
    bounds.push_back(Bound{d_->constraint, "", Location()});
  }
  for (const Bound& bound : bounds) {
    if (!d_->context.empty()) {
      auto it = context_.find(d_->context);
      if (it == context_.end()) break;
      absl::StatusOr<bool> ok = bound.constraint->Allows(it->second);
      if (!ok.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "context '", d_->context, "': ", ok.status().message()));
      }
      if (*ok) continue;
      Add(bound.path, bound.location,
          {{"value", it->second},
           {"subject", d_->context},
           {"constraint", bound.constraint->text()}});
      continue;
    }
    for (const PathMatch& m : Select(doc, d_->path)) {
      if (!m.node.is_scalar() || m.node.is_null()) continue;
      absl::StatusOr<bool> ok = bound.constraint->Allows(m.node.text());
      if (ok.ok() && *ok) continue;
      Add(m.path, m.node.location(),
          {{"value", NodeToDisplay(m.node)},
           {"subject", m.path},
           {"constraint", bound.constraint->text()}});
    }
  }
  return absl::OkStatus();
}

absl::Status SetEvaluation::CheckVersionSkew() {
  UC_ASSIGN_OR_RETURN(std::vector<SkewFinding> skew, CheckSkew(context_));
  for (const SkewFinding& s : skew) {
    Add("", Location(),
        {{"message", s.message}, {"policy_rule", s.policy_rule}});
  }
  return absl::OkStatus();
}

absl::Status SetEvaluation::CheckCondition(const Node& doc) {
  ConditionEvaluator ev(doc, context_);
  Witness w;
  absl::StatusOr<bool> r = ev.Eval(*d_->when, &w);
  if (!r.ok()) return RuleError(*rule_, r.status());
  if (!*r) return absl::OkStatus();
  FindingSite site = ConditionSite(doc, *d_, w, doc.location());
  // A rule path that matched nothing still names what the rule is about.
  if (d_->has_path && !site.matched_path) site.path = d_->path.ToString();
  Add(site.path, site.location,
      {{"value", site.value}, {"name", ObjectName(doc)}});
  return absl::OkStatus();
}

absl::Status SetEvaluation::CheckRelatedCondition(const Node& doc, size_t di) {
  // Pair the document with every other one the `related` condition selects,
  // as {self: doc, related: other}.
  for (size_t oi = 0; oi < docs_.size(); ++oi) {
    if (oi == di) continue;
    ConditionEvaluator other(docs_[oi], context_);
    Witness ignored;
    UC_ASSIGN_OR_RETURN(bool related, other.Eval(*d_->related, &ignored));
    if (!related) continue;
    DocumentBuilder b("<pair>");
    b.BeginMap(Location());
    b.Key("self", Location());
    b.CopyOf(doc);
    b.Key("related", Location());
    b.CopyOf(docs_[oi]);
    b.EndMap();
    Document pair = std::move(b).Finish();
    ConditionEvaluator pev(pair.root(), context_);
    Witness w;
    absl::StatusOr<bool> r = pev.Eval(*d_->when, &w);
    if (!r.ok()) return RuleError(*rule_, r.status());
    if (!*r) continue;
    FindingSite site = ConditionSite(pair.root(), *d_, w, doc.location());
    if (absl::StartsWith(site.path, "self.")) site.path = site.path.substr(5);
    std::optional<Node> related_kind = docs_[oi].Get("kind");
    Add(site.path, site.location,
        {{"value", site.value},
         {"name", ObjectName(doc)},
         {"related", ObjectName(docs_[oi])},
         {"related_kind",
          std::string(related_kind ? related_kind->text() : "")}});
  }
  return absl::OkStatus();
}

absl::Status SetEvaluation::CheckApiRemoved(const Node& doc) {
  std::optional<Node> api = doc.Get("apiVersion");
  std::optional<Node> kind = doc.Get("kind");
  if (!api || !kind || api->text() != d_->api_version) {
    return absl::OkStatus();
  }
  bool kind_match = false;
  for (const std::string& k : d_->kinds) {
    kind_match = kind_match || k == kind->text() || k == "*";
  }
  if (!kind_match) return absl::OkStatus();
  // Error from the removal on, warning from the deprecation on, and a warning
  // when the target version is unknown.
  Severity severity = rule_->severity;
  std::string status;
  auto it = context_.find("kubernetes");
  if (it == context_.end()) {
    severity = Severity::kWarning;
    status = absl::StrCat("is removed in Kubernetes ", d_->removed_in);
  } else {
    absl::StatusOr<int> removed = CompareVersions(it->second, d_->removed_in);
    if (!removed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "target Kubernetes version: ", removed.status().message()));
    }
    if (*removed >= 0) {
      status = absl::StrCat("was removed in Kubernetes ", d_->removed_in,
                            " (target ", it->second, ")");
    } else if (!d_->deprecated_in.empty() &&
               *CompareVersions(it->second, d_->deprecated_in) >= 0) {
      severity = Severity::kWarning;
      status =
          absl::StrCat("is deprecated since Kubernetes ", d_->deprecated_in,
                       " and removed in ", d_->removed_in);
    } else {
      return absl::OkStatus();
    }
  }
  Diagnostic f;
  f.code = rule_->id;
  f.severity = severity;
  f.path = "apiVersion";
  std::string name = ObjectName(doc);
  const Vars vars = {{"apiVersion", d_->api_version},
                     {"kind", std::string(kind->text())},
                     {"name", name},
                     {"status", status},
                     {"replacement", d_->replacement},
                     {"removed_in", d_->removed_in},
                     {"deprecated_in", d_->deprecated_in},
                     {"path", "apiVersion"}};
  f.message = Expand(rule_->message, vars);
  if (!name.empty()) {
    f.message += absl::StrCat(" (", kind->text(), " ", name, ")");
  }
  if (!rule_->hint.empty()) {
    f.hint = Expand(rule_->hint, vars);
  } else if (d_->replacement.empty()) {
    f.hint = "the API has no replacement; remove or migrate the object";
  } else {
    f.hint = absl::StrCat("use ", d_->replacement);
  }
  f.location = api->location();
  findings_.push_back(std::move(f));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<Diagnostic>> EvaluateRules(
    absl::Span<const Rule> rules, absl::Span<const Node> docs,
    const RuleContext& context, RuleScope scope) {
  SetEvaluation evaluation(docs, context);
  for (size_t di = 0; di < docs.size(); ++di) {
    for (const Rule& rule : rules) {
      if (!InScope(rule.kind, scope)) continue;
      UC_RETURN_IF_ERROR(evaluation.Run(rule, di));
    }
  }
  return std::move(evaluation).TakeFindings();
}

}  // namespace upgrade_core::compat::internal
