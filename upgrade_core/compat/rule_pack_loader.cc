// The rule pack loader: turns a pack's YAML document into checked Rules. It is
// strict and runs once, so evaluation never meets a malformed rule: an unknown
// kind or field, a bad path, regex or constraint, a duplicate id or a missing
// required field is a load error naming the file, line, column and rule id.
// Conditions are parsed by condition.cc; what a rule does is
// rule_evaluation.cc.
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "upgrade_core/compat/condition.h"
#include "upgrade_core/compat/rule_data.h"
#include "upgrade_core/compat/version_eval.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::compat::internal {
using diag::ParseSeverity;
using diag::Severity;
using document::Document;
using document::Node;
using document::NodeKind;
using document::Path;

namespace {

// The fields a rule may have (docs/compat-rules.md).
const std::set<std::string>& RuleFields() {
  static const auto* fields = new std::set<std::string>{
      "id",          "kind",          "severity",   "message",     "hint",
      "description", "path",          "to",         "type",        "values",
      "context",     "constraint",    "match",      "when",        "apiVersion",
      "kinds",       "deprecated_in", "removed_in", "replacement", "references",
      "related"};
  return *fields;
}

// The message a rule without `message:` gets.
std::string DefaultMessage(RuleKind kind, absl::string_view rule_id) {
  switch (kind) {
    case RuleKind::kKeyRemoved:
      return "{path} no longer exists; the value is ignored";
    case RuleKind::kKeyRenamed:
      return "{path} was renamed to {to}; the value is ignored";
    case RuleKind::kTypeChanged:
      return "{path} must now be {type}, found {found}";
    case RuleKind::kAllowedValues:
      return "{path} is {value}, allowed: {values}";
    case RuleKind::kRequiredKey:
      return "{path} is required";
    case RuleKind::kVersionConstraint:
      return "{subject} {value} does not satisfy {constraint}";
    case RuleKind::kCondition:
      return absl::StrCat("condition ", rule_id, " holds");
    case RuleKind::kVersionSkew:
      return "{message}";
    case RuleKind::kApiRemoved:
      return "{apiVersion} {kind} {status}";
  }
  return "";
}

// Parses one rule map `rn` (whose id `rid` is known to be new) of the pack
// named `pack_name`, whose document is `doc`.
class RuleLoader {
 public:
  RuleLoader(const Document& doc, const Node& rn, std::string rid)
      : doc_(doc), rn_(rn), rid_(std::move(rid)) {}

  absl::StatusOr<Rule> Load(absl::string_view pack_name);

 private:
  // The field `field`, which the rule's kind requires.
  absl::StatusOr<Node> Need(absl::string_view field, RuleKind kind) const {
    std::optional<Node> v = rn_.Get(field);
    if (!v || v->is_null()) {
      return LoadError(
          rn_.location(), rid_,
          absl::StrCat("kind '", RuleKindName(kind), "' needs '", field, "'"));
    }
    return *v;
  }

  absl::StatusOr<Path> ParsePath(const Node& v) const {
    absl::StatusOr<Path> p = Path::Parse(v.text());
    if (!p.ok()) return LoadError(v.location(), rid_, p.status().message());
    return p;
  }

  absl::StatusOr<std::unique_ptr<Condition>> ParseConditionAt(
      const Node& n) const {
    UC_ASSIGN_OR_RETURN(Condition c, ParseCondition(n, rid_));
    return std::make_unique<Condition>(std::move(c));
  }

  // The fields only `kind` has, into `*data`.
  absl::Status LoadKindFields(RuleKind kind, RuleData* data) const;
  absl::Status LoadVersionConstraint(RuleData* data) const;
  absl::Status LoadApiRemoved(RuleData* data) const;

  const Document& doc_;
  const Node& rn_;
  const std::string rid_;
};

absl::StatusOr<Rule> RuleLoader::Load(absl::string_view pack_name) {
  for (size_t i = 0; i < rn_.size(); ++i) {
    if (!RuleFields().count(std::string(rn_.key(i)))) {
      return LoadError(rn_.key_location(i), rid_,
                       absl::StrCat("unknown field '", rn_.key(i), "'"));
    }
  }
  Rule rule;
  rule.id = absl::StrCat(pack_name, "/", rid_);
  rule.location = rn_.location();
  auto data = std::make_shared<RuleData>();
  data->source = doc_;
  std::optional<Node> kind = rn_.Get("kind");
  if (!kind) return LoadError(rn_.location(), rid_, "missing 'kind'");
  static const std::pair<const char*, RuleKind> kKinds[] = {
      {"key-removed", RuleKind::kKeyRemoved},
      {"key-renamed", RuleKind::kKeyRenamed},
      {"type-changed", RuleKind::kTypeChanged},
      {"allowed-values", RuleKind::kAllowedValues},
      {"required-key", RuleKind::kRequiredKey},
      {"version-constraint", RuleKind::kVersionConstraint},
      {"condition", RuleKind::kCondition},
      {"api-removed", RuleKind::kApiRemoved},
      {"version-skew", RuleKind::kVersionSkew},
  };
  bool known = false;
  for (const auto& [kname, k] : kKinds) {
    if (kind->text() == kname) {
      rule.kind = k;
      known = true;
    }
  }
  if (!known) {
    return LoadError(kind->location(), rid_,
                     absl::StrCat("unknown kind '", kind->text(),
                                  "' (key-removed, key-renamed, "
                                  "type-changed, allowed-values, "
                                  "required-key, version-constraint, "
                                  "condition, api-removed, version-skew)"));
  }
  if (std::optional<Node> s = rn_.Get("severity")) {
    absl::StatusOr<Severity> sev = ParseSeverity(s->text());
    if (!sev.ok())
      return LoadError(s->location(), rid_, sev.status().message());
    rule.severity = *sev;
  }
  if (std::optional<Node> m = rn_.Get("message")) {
    rule.message = std::string(m->text());
  }
  if (std::optional<Node> h = rn_.Get("hint")) {
    rule.hint = std::string(h->text());
  }
  if (std::optional<Node> p = rn_.Get("path")) {
    UC_ASSIGN_OR_RETURN(data->path, ParsePath(*p));
    data->has_path = true;
    rule.path = data->path.ToString();  // canonical spelling
  }
  const bool needs_path = rule.kind == RuleKind::kKeyRemoved ||
                          rule.kind == RuleKind::kKeyRenamed ||
                          rule.kind == RuleKind::kTypeChanged ||
                          rule.kind == RuleKind::kAllowedValues ||
                          rule.kind == RuleKind::kRequiredKey;
  if (needs_path && !data->has_path) {
    return LoadError(
        rn_.location(), rid_,
        absl::StrCat("kind '", RuleKindName(rule.kind), "' needs 'path'"));
  }
  // These kinds are about a key; the root (an empty path) has none.
  const bool names_key = rule.kind == RuleKind::kKeyRemoved ||
                         rule.kind == RuleKind::kKeyRenamed ||
                         rule.kind == RuleKind::kRequiredKey;
  if (names_key && data->path.empty()) {
    return LoadError(rn_.Get("path")->location(), rid_,
                     absl::StrCat("kind '", RuleKindName(rule.kind),
                                  "' needs a 'path' that names a key, not "
                                  "the document's root"));
  }
  if (std::optional<Node> m = rn_.Get("match")) {
    UC_ASSIGN_OR_RETURN(data->match, ParseConditionAt(*m));
  }
  if (std::optional<Node> rel = rn_.Get("related")) {
    if (rule.kind != RuleKind::kCondition) {
      return LoadError(rel->location(), rid_,
                       "'related' is only for kind 'condition'");
    }
    UC_ASSIGN_OR_RETURN(data->related, ParseConditionAt(*rel));
  }
  UC_RETURN_IF_ERROR(LoadKindFields(rule.kind, data.get()));
  if (rule.message.empty()) rule.message = DefaultMessage(rule.kind, rule.id);
  rule.data = std::move(data);
  return rule;
}

absl::Status RuleLoader::LoadKindFields(RuleKind kind, RuleData* data) const {
  switch (kind) {
    case RuleKind::kKeyRenamed: {
      UC_ASSIGN_OR_RETURN(Node to, Need("to", kind));
      UC_ASSIGN_OR_RETURN(data->to, ParsePath(to));
      if (data->to.empty()) {
        return LoadError(to.location(), rid_,
                         "'to' must name a key, not the document's root");
      }
      data->to_text = std::string(to.text());
      break;
    }
    case RuleKind::kTypeChanged: {
      UC_ASSIGN_OR_RETURN(Node t, Need("type", kind));
      absl::StatusOr<uint32_t> mask = ParseTypeMask(t);
      if (!mask.ok()) {
        return LoadError(t.location(), rid_, mask.status().message());
      }
      data->type_mask = *mask;
      data->type_text = TypeMaskText(*mask);
      break;
    }
    case RuleKind::kAllowedValues: {
      UC_ASSIGN_OR_RETURN(Node v, Need("values", kind));
      if (!v.is_list()) {
        return LoadError(v.location(), rid_, "'values' must be a list");
      }
      data->values = v;
      break;
    }
    case RuleKind::kVersionConstraint:
      return LoadVersionConstraint(data);
    case RuleKind::kCondition: {
      UC_ASSIGN_OR_RETURN(Node w, Need("when", kind));
      UC_ASSIGN_OR_RETURN(data->when, ParseConditionAt(w));
      break;
    }
    case RuleKind::kApiRemoved:
      return LoadApiRemoved(data);
    default:
      break;
  }
  return absl::OkStatus();
}

absl::Status RuleLoader::LoadVersionConstraint(RuleData* data) const {
  UC_ASSIGN_OR_RETURN(Node c, Need("constraint", RuleKind::kVersionConstraint));
  if (c.is_map()) {
    std::optional<Node> ref = c.Get("path");
    if (!ref || c.size() != 1) {
      return LoadError(c.location(), rid_,
                       "'constraint' is a constraint string or {path: P}");
    }
    UC_ASSIGN_OR_RETURN(data->constraint_path, ParsePath(*ref));
    data->constraint_from_path = true;
  } else {
    absl::StatusOr<VersionConstraintPtr> vc =
        VersionConstraint::Parse(c.text());
    if (!vc.ok()) return LoadError(c.location(), rid_, vc.status().message());
    data->constraint = *std::move(vc);
  }
  if (std::optional<Node> ctx = rn_.Get("context")) {
    data->context = std::string(ctx->text());
  }
  if (data->context.empty() == !data->has_path) {
    return LoadError(rn_.location(), rid_,
                     "version-constraint needs exactly one of 'path' or "
                     "'context'");
  }
  return absl::OkStatus();
}

absl::Status RuleLoader::LoadApiRemoved(RuleData* data) const {
  constexpr RuleKind kKind = RuleKind::kApiRemoved;
  UC_ASSIGN_OR_RETURN(Node api, Need("apiVersion", kKind));
  data->api_version = std::string(api.text());
  UC_ASSIGN_OR_RETURN(Node kinds, Need("kinds", kKind));
  if (kinds.is_list()) {
    for (size_t i = 0; i < kinds.size(); ++i) {
      data->kinds.emplace_back(kinds.child(i).text());
    }
  } else {
    data->kinds.emplace_back(kinds.text());
  }
  UC_ASSIGN_OR_RETURN(Node removed, Need("removed_in", kKind));
  data->removed_in = std::string(removed.text());
  if (std::optional<Node> d = rn_.Get("deprecated_in")) {
    data->deprecated_in = std::string(d->text());
  }
  // Both must be versions (a bad one is reported at `removed_in`).
  for (const std::string& v : {data->removed_in, data->deprecated_in}) {
    if (v.empty()) continue;
    absl::StatusOr<int> cmp = CompareVersions(v, v);
    if (!cmp.ok()) {
      return LoadError(removed.location(), rid_, cmp.status().message());
    }
  }
  if (std::optional<Node> rep = rn_.Get("replacement")) {
    data->replacement = std::string(rep->text());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LoadedPack> LoadPack(const Document& doc) {
  const Node root = doc.root();
  if (!root.is_map()) {
    return absl::InvalidArgumentError(
        absl::StrCat(root.location().ToString(),
                     ": a rule pack is a map with 'name' and 'rules'"));
  }
  for (size_t i = 0; i < root.size(); ++i) {
    absl::string_view k = root.key(i);
    if (k != "name" && k != "description" && k != "rules") {
      return absl::InvalidArgumentError(
          absl::StrCat(root.key_location(i).ToString(), ": unknown field '", k,
                       "' (name, description, rules)"));
    }
  }
  LoadedPack pack;
  std::optional<Node> n = root.Get("name");
  if (!n || n->kind() != NodeKind::kString || n->text().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        root.location().ToString(), ": a rule pack needs a string 'name'"));
  }
  pack.name = std::string(n->text());
  if (std::optional<Node> d = root.Get("description")) {
    pack.description = std::string(d->text());
  }
  std::optional<Node> list = root.Get("rules");
  if (!list || !list->is_list()) {
    return absl::InvalidArgumentError(absl::StrCat(
        root.location().ToString(), ": a rule pack needs a 'rules' list"));
  }
  std::set<std::string> ids;
  for (size_t r = 0; r < list->size(); ++r) {
    const Node rn = list->child(r);
    if (!rn.is_map()) {
      return absl::InvalidArgumentError(
          absl::StrCat(rn.location().ToString(), ": a rule must be a map"));
    }
    std::optional<Node> id = rn.Get("id");
    std::string rid = id ? std::string(id->text()) : "";
    if (rid.empty()) return LoadError(rn.location(), "", "missing 'id'");
    if (!ids.insert(rid).second) {
      return LoadError(id->location(), rid, "duplicate rule id");
    }
    UC_ASSIGN_OR_RETURN(Rule rule,
                        RuleLoader(doc, rn, std::move(rid)).Load(pack.name));
    pack.rules.push_back(std::move(rule));
  }
  return pack;
}

}  // namespace upgrade_core::compat::internal
