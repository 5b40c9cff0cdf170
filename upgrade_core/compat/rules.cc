// Rule pack loading (strict: unknown kinds/fields, bad paths, regexes and
// constraints are load errors with the rule id and line) and evaluation.
#include "upgrade_core/compat/rules.h"

#include <regex>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "upgrade_core/compat/builtin_packs.h"
#include "upgrade_core/compat/version_eval.h"
#include "upgrade_core/document/path.h"

namespace upgrade_core::compat {
using diag::Diagnostic;
using diag::ParseSeverity;
using diag::Severity;
using document::Document;
using document::DocumentBuilder;
using document::Location;
using document::Node;
using document::NodeKind;
using document::NodeKindName;
using document::NodeToDisplay;
using document::Path;
using document::PathMatch;
using document::PathSegment;
using document::Select;

absl::string_view RuleKindName(RuleKind kind) {
  switch (kind) {
    case RuleKind::kKeyRemoved:
      return "key-removed";
    case RuleKind::kKeyRenamed:
      return "key-renamed";
    case RuleKind::kTypeChanged:
      return "type-changed";
    case RuleKind::kAllowedValues:
      return "allowed-values";
    case RuleKind::kRequiredKey:
      return "required-key";
    case RuleKind::kVersionConstraint:
      return "version-constraint";
    case RuleKind::kCondition:
      return "condition";
    case RuleKind::kApiRemoved:
      return "api-removed";
    case RuleKind::kVersionSkew:
      return "version-skew";
  }
  return "unknown";
}

namespace internal {

using VersionConstraintPtr = std::shared_ptr<const VersionConstraint>;

// Type names accepted by `type:` fields, as a bit mask over NodeKind.
constexpr uint32_t Bit(NodeKind k) { return 1u << static_cast<int>(k); }

struct Condition {
  enum class Op { kAll, kAny, kNot, kLeaf, kEach };
  enum class Cmp {
    kExists,
    kAbsent,
    kEquals,
    kNotEquals,
    kIn,
    kNotIn,
    kGt,
    kGe,
    kLt,
    kLe,
    kMatches,
    kType,
    kConstraint,
    kSubsetOf,
  };
  Op op = Op::kLeaf;
  // kEach: children[0] must hold for some element `each` selects (paths
  // inside are relative to that element; `$root.` reaches the document).
  Path each;
  bool each_from_root = false;
  bool path_from_root = false;
  bool operand_from_root = false;
  std::vector<Condition> children;
  // Leaf subject: a path in the document or a context value.
  bool has_path = false;
  Path path;
  std::string context;
  Cmp cmp = Cmp::kExists;
  Node operand;  // owned by RuleData::source
  bool operand_is_path = false;
  Path operand_path;
  std::shared_ptr<const std::regex> regex;
  VersionConstraintPtr constraint;
  uint32_t type_mask = 0;
};

struct RuleData {
  Document source;  // keeps operand nodes alive
  // Cross-document rules: candidates (other manifests) this condition
  // selects are paired with the document as {self: doc, related: other}.
  std::unique_ptr<Condition> related;
  Path path;
  bool has_path = false;
  Path to;
  std::string to_text;
  uint32_t type_mask = 0;
  std::string type_text;
  Node values;  // allowed-values list
  std::string context;
  VersionConstraintPtr constraint;
  // version-constraint with `constraint: {path: P}`: the constraint is read
  // from the document (a Chart.yaml's kubeVersion).
  bool constraint_from_path = false;
  Path constraint_path;
  std::unique_ptr<Condition> match;
  std::unique_ptr<Condition> when;
  std::string api_version;
  std::vector<std::string> kinds;
  std::string deprecated_in;
  std::string removed_in;
  std::string replacement;
};

}  // namespace internal

namespace {

using internal::Condition;
using internal::RuleData;

absl::Status LoadError(const Location& loc, absl::string_view rule_id,
                       absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(loc.ToString(), ": rule '", rule_id.empty() ? "?" : rule_id,
                   "': ", what));
}

// `$root.a.b` -> `a.b` with *from_root set.
Path StripRoot(Path p, bool* from_root) {
  const auto& segs = p.segments();
  *from_root = !segs.empty() && segs[0].type == PathSegment::Type::kKey &&
               segs[0].key == "$root";
  if (!*from_root) return p;
  return Path::FromSegments(
      std::vector<PathSegment>(segs.begin() + 1, segs.end()));
}

absl::StatusOr<uint32_t> ParseTypeMask(const Node& n) {
  std::vector<Node> items;
  if (n.is_list()) {
    for (size_t i = 0; i < n.size(); ++i) items.push_back(n.child(i));
  } else {
    items.push_back(n);
  }
  uint32_t mask = 0;
  for (const Node& item : items) {
    absl::string_view t = item.text();
    if (t == "null") {
      mask |= internal::Bit(NodeKind::kNull);
    } else if (t == "bool" || t == "boolean") {
      mask |= internal::Bit(NodeKind::kBool);
    } else if (t == "int" || t == "integer") {
      mask |= internal::Bit(NodeKind::kInt);
    } else if (t == "float") {
      mask |= internal::Bit(NodeKind::kFloat);
    } else if (t == "number") {
      mask |= internal::Bit(NodeKind::kInt) | internal::Bit(NodeKind::kFloat);
    } else if (t == "string") {
      mask |= internal::Bit(NodeKind::kString);
    } else if (t == "map" || t == "object") {
      mask |= internal::Bit(NodeKind::kMap);
    } else if (t == "list" || t == "array") {
      mask |= internal::Bit(NodeKind::kList);
    } else if (t == "scalar") {
      mask |= internal::Bit(NodeKind::kBool) | internal::Bit(NodeKind::kInt) |
              internal::Bit(NodeKind::kFloat) |
              internal::Bit(NodeKind::kString);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown type '", t,
          "' (null, bool, int, float, number, string, scalar, map, list)"));
    }
  }
  return mask;
}

std::string TypeMaskText(uint32_t mask) {
  std::vector<std::string> names;
  for (NodeKind k :
       {NodeKind::kNull, NodeKind::kBool, NodeKind::kInt, NodeKind::kFloat,
        NodeKind::kString, NodeKind::kMap, NodeKind::kList}) {
    if (mask & internal::Bit(k)) names.emplace_back(NodeKindName(k));
  }
  return absl::StrJoin(names, " or ");
}

class PackLoader {
 public:
  explicit PackLoader(Document doc) : doc_(std::move(doc)) {}

  absl::Status Load(std::string* name, std::string* description,
                    std::vector<Rule>* rules);

  absl::StatusOr<Condition> ParseCondition(const Node& n,
                                           absl::string_view rule_id) {
    if (!n.is_map()) {
      return LoadError(n.location(), rule_id,
                       "a condition must be a map (all/any/not or a test)");
    }
    Condition c;
    for (absl::string_view op : {"all", "any"}) {
      if (std::optional<Node> list = n.Get(op)) {
        if (n.size() != 1) {
          return LoadError(n.location(), rule_id,
                           absl::StrCat("'", op, "' must be alone in its map"));
        }
        if (!list->is_list() || list->size() == 0) {
          return LoadError(
              list->location(), rule_id,
              absl::StrCat("'", op, "' takes a non-empty list of conditions"));
        }
        c.op = op == "all" ? Condition::Op::kAll : Condition::Op::kAny;
        for (size_t i = 0; i < list->size(); ++i) {
          absl::StatusOr<Condition> child =
              ParseCondition(list->child(i), rule_id);
          if (!child.ok()) return child.status();
          c.children.push_back(*std::move(child));
        }
        return c;
      }
    }
    if (std::optional<Node> each = n.Get("each")) {
      std::optional<Node> inner = n.Get("when");
      if (!inner || n.size() != 2) {
        return LoadError(n.location(), rule_id,
                         "'each' takes exactly one 'when' condition");
      }
      absl::StatusOr<Path> p = Path::Parse(each->text());
      if (!p.ok())
        return LoadError(each->location(), rule_id, p.status().message());
      c.op = Condition::Op::kEach;
      c.each = StripRoot(*std::move(p), &c.each_from_root);
      absl::StatusOr<Condition> child = ParseCondition(*inner, rule_id);
      if (!child.ok()) return child.status();
      c.children.push_back(*std::move(child));
      return c;
    }
    if (std::optional<Node> inner = n.Get("not")) {
      if (n.size() != 1) {
        return LoadError(n.location(), rule_id,
                         "'not' must be alone in its map");
      }
      c.op = Condition::Op::kNot;
      absl::StatusOr<Condition> child = ParseCondition(*inner, rule_id);
      if (!child.ok()) return child.status();
      c.children.push_back(*std::move(child));
      return c;
    }
    c.op = Condition::Op::kLeaf;
    std::optional<Node> path = n.Get("path");
    std::optional<Node> context = n.Get("context");
    if (path.has_value() == context.has_value()) {
      return LoadError(n.location(), rule_id,
                       "a test needs exactly one of 'path' or 'context'");
    }
    if (path) {
      absl::StatusOr<Path> p = Path::Parse(path->text());
      if (!p.ok())
        return LoadError(path->location(), rule_id, p.status().message());
      c.has_path = true;
      c.path = StripRoot(*std::move(p), &c.path_from_root);
    } else {
      c.context = std::string(context->text());
    }
    static const std::pair<const char*, Condition::Cmp> kOps[] = {
        {"exists", Condition::Cmp::kExists},
        {"equals", Condition::Cmp::kEquals},
        {"not_equals", Condition::Cmp::kNotEquals},
        {"in", Condition::Cmp::kIn},
        {"not_in", Condition::Cmp::kNotIn},
        {"gt", Condition::Cmp::kGt},
        {"ge", Condition::Cmp::kGe},
        {"lt", Condition::Cmp::kLt},
        {"le", Condition::Cmp::kLe},
        {"matches", Condition::Cmp::kMatches},
        {"type", Condition::Cmp::kType},
        {"constraint", Condition::Cmp::kConstraint},
        {"subset_of", Condition::Cmp::kSubsetOf},
    };
    int found = 0;
    for (size_t i = 0; i < n.size(); ++i) {
      absl::string_view key = n.key(i);
      if (key == "path" || key == "context") continue;
      bool known = false;
      for (const auto& [name, cmp] : kOps) {
        if (key != name) continue;
        known = true;
        ++found;
        c.cmp = cmp;
        Node v = n.child(i);
        c.operand = v;
        switch (cmp) {
          case Condition::Cmp::kExists:
            if (v.kind() != NodeKind::kBool) {
              return LoadError(v.location(), rule_id,
                               "'exists' takes true or false");
            }
            if (!v.bool_value()) c.cmp = Condition::Cmp::kAbsent;
            break;
          case Condition::Cmp::kIn:
          case Condition::Cmp::kNotIn:
            if (!v.is_list()) {
              return LoadError(v.location(), rule_id,
                               absl::StrCat("'", key, "' takes a list"));
            }
            break;
          case Condition::Cmp::kMatches: {
            try {
              c.regex = std::make_shared<std::regex>(std::string(v.text()),
                                                     std::regex::ECMAScript);
            } catch (const std::regex_error& e) {
              return LoadError(
                  v.location(), rule_id,
                  absl::StrCat("bad regex '", v.text(), "': ", e.what()));
            }
            break;
          }
          case Condition::Cmp::kType: {
            absl::StatusOr<uint32_t> mask = ParseTypeMask(v);
            if (!mask.ok()) {
              return LoadError(v.location(), rule_id, mask.status().message());
            }
            c.type_mask = *mask;
            break;
          }
          case Condition::Cmp::kConstraint: {
            absl::StatusOr<internal::VersionConstraintPtr> vc =
                internal::VersionConstraint::Parse(v.text());
            if (!vc.ok()) {
              return LoadError(v.location(), rule_id, vc.status().message());
            }
            c.constraint = *std::move(vc);
            break;
          }
          default:
            if (v.is_map() &&
                !(cmp == Condition::Cmp::kSubsetOf && !v.Get("path"))) {
              std::optional<Node> ref = v.Get("path");
              if (!ref || v.size() != 1) {
                return LoadError(v.location(), rule_id,
                                 "a map operand must be {path: other.path}");
              }
              absl::StatusOr<Path> p = Path::Parse(ref->text());
              if (!p.ok()) {
                return LoadError(ref->location(), rule_id,
                                 p.status().message());
              }
              c.operand_is_path = true;
              c.operand_path = StripRoot(*std::move(p), &c.operand_from_root);
            }
            break;
        }
      }
      if (!known) {
        return LoadError(n.key_location(i), rule_id,
                         absl::StrCat("unknown test '", key,
                                      "' (exists, equals, not_equals, in, "
                                      "not_in, gt, ge, lt, le, matches, type, "
                                      "constraint, subset_of)"));
      }
    }
    if (found != 1) {
      return LoadError(n.location(), rule_id,
                       "a test needs exactly one comparison");
    }
    return c;
  }

 private:
  Document doc_;
};

absl::Status PackLoader::Load(std::string* name, std::string* description,
                              std::vector<Rule>* rules) {
  Node root = doc_.root();
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
  std::optional<Node> n = root.Get("name");
  if (!n || n->kind() != NodeKind::kString || n->text().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        root.location().ToString(), ": a rule pack needs a string 'name'"));
  }
  *name = std::string(n->text());
  if (std::optional<Node> d = root.Get("description")) {
    *description = std::string(d->text());
  }
  std::optional<Node> list = root.Get("rules");
  if (!list || !list->is_list()) {
    return absl::InvalidArgumentError(absl::StrCat(
        root.location().ToString(), ": a rule pack needs a 'rules' list"));
  }
  std::set<std::string> ids;
  static const std::set<std::string> kFields = {
      "id",          "kind",          "severity",   "message",     "hint",
      "description", "path",          "to",         "type",        "values",
      "context",     "constraint",    "match",      "when",        "apiVersion",
      "kinds",       "deprecated_in", "removed_in", "replacement", "references",
      "related"};
  for (size_t r = 0; r < list->size(); ++r) {
    Node rn = list->child(r);
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
    for (size_t i = 0; i < rn.size(); ++i) {
      if (!kFields.count(std::string(rn.key(i)))) {
        return LoadError(rn.key_location(i), rid,
                         absl::StrCat("unknown field '", rn.key(i), "'"));
      }
    }
    Rule rule;
    rule.id = absl::StrCat(*name, "/", rid);
    rule.location = rn.location();
    auto data = std::make_shared<RuleData>();
    data->source = doc_;
    std::optional<Node> kind = rn.Get("kind");
    if (!kind) return LoadError(rn.location(), rid, "missing 'kind'");
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
      return LoadError(kind->location(), rid,
                       absl::StrCat("unknown kind '", kind->text(),
                                    "' (key-removed, key-renamed, "
                                    "type-changed, allowed-values, "
                                    "required-key, version-constraint, "
                                    "condition, api-removed, version-skew)"));
    }
    if (std::optional<Node> s = rn.Get("severity")) {
      absl::StatusOr<Severity> sev = ParseSeverity(s->text());
      if (!sev.ok())
        return LoadError(s->location(), rid, sev.status().message());
      rule.severity = *sev;
    }
    if (std::optional<Node> m = rn.Get("message"))
      rule.message = std::string(m->text());
    if (std::optional<Node> h = rn.Get("hint"))
      rule.hint = std::string(h->text());
    auto need = [&](absl::string_view field) -> absl::StatusOr<Node> {
      std::optional<Node> v = rn.Get(field);
      if (!v || v->is_null()) {
        return LoadError(rn.location(), rid,
                         absl::StrCat("kind '", RuleKindName(rule.kind),
                                      "' needs '", field, "'"));
      }
      return *v;
    };
    auto parse_path = [&](const Node& v, Path* out) -> absl::Status {
      absl::StatusOr<Path> p = Path::Parse(v.text());
      if (!p.ok()) return LoadError(v.location(), rid, p.status().message());
      *out = *std::move(p);
      return absl::OkStatus();
    };
    if (std::optional<Node> p = rn.Get("path")) {
      if (absl::Status s = parse_path(*p, &data->path); !s.ok()) return s;
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
          rn.location(), rid,
          absl::StrCat("kind '", RuleKindName(rule.kind), "' needs 'path'"));
    }
    if (std::optional<Node> m = rn.Get("match")) {
      absl::StatusOr<Condition> c = ParseCondition(*m, rid);
      if (!c.ok()) return c.status();
      data->match = std::make_unique<Condition>(*std::move(c));
    }
    if (std::optional<Node> rel = rn.Get("related")) {
      if (rule.kind != RuleKind::kCondition) {
        return LoadError(rel->location(), rid,
                         "'related' is only for kind 'condition'");
      }
      absl::StatusOr<Condition> c = ParseCondition(*rel, rid);
      if (!c.ok()) return c.status();
      data->related = std::make_unique<Condition>(*std::move(c));
    }
    switch (rule.kind) {
      case RuleKind::kKeyRenamed: {
        absl::StatusOr<Node> to = need("to");
        if (!to.ok()) return to.status();
        if (absl::Status s = parse_path(*to, &data->to); !s.ok()) return s;
        data->to_text = std::string(to->text());
        break;
      }
      case RuleKind::kTypeChanged: {
        absl::StatusOr<Node> t = need("type");
        if (!t.ok()) return t.status();
        absl::StatusOr<uint32_t> mask = ParseTypeMask(*t);
        if (!mask.ok())
          return LoadError(t->location(), rid, mask.status().message());
        data->type_mask = *mask;
        data->type_text = TypeMaskText(*mask);
        break;
      }
      case RuleKind::kAllowedValues: {
        absl::StatusOr<Node> v = need("values");
        if (!v.ok()) return v.status();
        if (!v->is_list())
          return LoadError(v->location(), rid, "'values' must be a list");
        data->values = *v;
        break;
      }
      case RuleKind::kVersionConstraint: {
        absl::StatusOr<Node> c = need("constraint");
        if (!c.ok()) return c.status();
        if (c->is_map()) {
          std::optional<Node> ref = c->Get("path");
          if (!ref || c->size() != 1) {
            return LoadError(
                c->location(), rid,
                "'constraint' is a constraint string or {path: P}");
          }
          if (absl::Status s = parse_path(*ref, &data->constraint_path);
              !s.ok()) {
            return s;
          }
          data->constraint_from_path = true;
        } else {
          absl::StatusOr<internal::VersionConstraintPtr> vc =
              internal::VersionConstraint::Parse(c->text());
          if (!vc.ok())
            return LoadError(c->location(), rid, vc.status().message());
          data->constraint = *std::move(vc);
        }
        if (std::optional<Node> ctx = rn.Get("context")) {
          data->context = std::string(ctx->text());
        }
        if (data->context.empty() == !data->has_path) {
          return LoadError(rn.location(), rid,
                           "version-constraint needs exactly one of 'path' or "
                           "'context'");
        }
        break;
      }
      case RuleKind::kCondition: {
        absl::StatusOr<Node> w = need("when");
        if (!w.ok()) return w.status();
        absl::StatusOr<Condition> c = ParseCondition(*w, rid);
        if (!c.ok()) return c.status();
        data->when = std::make_unique<Condition>(*std::move(c));
        break;
      }
      case RuleKind::kApiRemoved: {
        absl::StatusOr<Node> api = need("apiVersion");
        if (!api.ok()) return api.status();
        data->api_version = std::string(api->text());
        absl::StatusOr<Node> kinds = need("kinds");
        if (!kinds.ok()) return kinds.status();
        if (kinds->is_list()) {
          for (size_t i = 0; i < kinds->size(); ++i) {
            data->kinds.emplace_back(kinds->child(i).text());
          }
        } else {
          data->kinds.emplace_back(kinds->text());
        }
        absl::StatusOr<Node> removed = need("removed_in");
        if (!removed.ok()) return removed.status();
        data->removed_in = std::string(removed->text());
        if (std::optional<Node> d = rn.Get("deprecated_in")) {
          data->deprecated_in = std::string(d->text());
        }
        for (const std::string& v : {data->removed_in, data->deprecated_in}) {
          if (v.empty()) continue;
          absl::StatusOr<int> cmp = internal::CompareVersions(v, v);
          if (!cmp.ok())
            return LoadError(removed->location(), rid, cmp.status().message());
        }
        if (std::optional<Node> rep = rn.Get("replacement")) {
          data->replacement = std::string(rep->text());
        }
        break;
      }
      default:
        break;
    }
    if (rule.message.empty()) {
      switch (rule.kind) {
        case RuleKind::kKeyRemoved:
          rule.message = "{path} no longer exists; the value is ignored";
          break;
        case RuleKind::kKeyRenamed:
          rule.message = "{path} was renamed to {to}; the value is ignored";
          break;
        case RuleKind::kTypeChanged:
          rule.message = "{path} must now be {type}, found {found}";
          break;
        case RuleKind::kAllowedValues:
          rule.message = "{path} is {value}, allowed: {values}";
          break;
        case RuleKind::kRequiredKey:
          rule.message = "{path} is required";
          break;
        case RuleKind::kVersionConstraint:
          rule.message = "{subject} {value} does not satisfy {constraint}";
          break;
        case RuleKind::kCondition:
          rule.message = absl::StrCat("condition ", rule.id, " holds");
          break;
        case RuleKind::kVersionSkew:
          rule.message = "{message}";
          break;
        case RuleKind::kApiRemoved:
          rule.message = "{apiVersion} {kind} {status}";
          break;
      }
    }
    rule.data = std::move(data);
    rules->push_back(std::move(rule));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Evaluation

std::optional<double> NumericValue(const Node& n) {
  switch (n.kind()) {
    case NodeKind::kInt:
    case NodeKind::kFloat:
      return n.float_value();
    case NodeKind::kString: {
      // Kubernetes IntOrString percentages: "25%" compares as 25.
      absl::string_view t = n.text();
      if (t.size() > 1 && t.back() == '%') {
        double d;
        std::string digits(t.substr(0, t.size() - 1));
        char* end = nullptr;
        d = std::strtod(digits.c_str(), &end);
        if (end && *end == '\0') return d;
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

bool ScalarEquals(const Node& a, const Node& b) {
  if (a.is_scalar() && b.is_scalar()) {
    std::optional<double> x = NumericValue(a), y = NumericValue(b);
    if (x && y && a.kind() != NodeKind::kString &&
        b.kind() != NodeKind::kString) {
      return *x == *y;
    }
  }
  return a.Equals(b);
}

struct Witness {
  bool set = false;
  std::string path;
  Location location;
};

class Evaluator {
 public:
  Evaluator(const Node& doc, const RuleContext& context)
      : doc_(doc), scope_(doc), context_(context) {}

  absl::StatusOr<bool> Eval(const Condition& c, Witness* w) {
    switch (c.op) {
      case Condition::Op::kAll: {
        for (const Condition& child : c.children) {
          absl::StatusOr<bool> r = Eval(child, w);
          if (!r.ok() || !*r) return r;
        }
        return true;
      }
      case Condition::Op::kAny: {
        for (const Condition& child : c.children) {
          absl::StatusOr<bool> r = Eval(child, w);
          if (!r.ok() || *r) return r;
        }
        return false;
      }
      case Condition::Op::kNot: {
        Witness ignored;
        absl::StatusOr<bool> r = Eval(c.children[0], &ignored);
        if (!r.ok()) return r;
        return !*r;
      }
      case Condition::Op::kLeaf:
        return Leaf(c, w);
      case Condition::Op::kEach: {
        const Node saved = scope_;
        const std::string saved_prefix = prefix_;
        std::vector<PathMatch> elems =
            Select(c.each_from_root ? doc_ : scope_, c.each);
        for (const PathMatch& e : elems) {
          scope_ = e.node;
          prefix_ = c.each_from_root ? e.path : Join(saved_prefix, e.path);
          Witness inner;
          absl::StatusOr<bool> r = Eval(c.children[0], &inner);
          if (!r.ok() || *r) {
            scope_ = saved;
            prefix_ = saved_prefix;
            if (r.ok() && !w->set) {
              *w = inner.set ? inner : Witness{true, e.path, e.node.location()};
            }
            return r;
          }
        }
        scope_ = saved;
        prefix_ = saved_prefix;
        return false;
      }
    }
    return false;
  }

 private:
  absl::StatusOr<bool> Leaf(const Condition& c, Witness* w) {
    if (!c.has_path) return ContextLeaf(c);
    std::vector<PathMatch> matches =
        Select(c.path_from_root ? doc_ : scope_, c.path);
    if (c.cmp == Condition::Cmp::kAbsent) return matches.empty();
    for (const PathMatch& m : matches) {
      absl::StatusOr<bool> r = Test(c, m.node);
      if (!r.ok()) return r;
      if (*r) {
        if (!w->set) {
          w->set = true;
          w->path = c.path_from_root ? m.path : Join(prefix_, m.path);
          w->location = m.node.location();
        }
        return true;
      }
    }
    return false;
  }

  absl::StatusOr<bool> Compare(const Condition& c, const Node& v,
                               const Node& operand) {
    switch (c.cmp) {
      case Condition::Cmp::kEquals:
        return ScalarEquals(v, operand);
      case Condition::Cmp::kNotEquals:
        return !ScalarEquals(v, operand);
      case Condition::Cmp::kGt:
      case Condition::Cmp::kGe:
      case Condition::Cmp::kLt:
      case Condition::Cmp::kLe: {
        std::optional<double> x = NumericValue(v), y = NumericValue(operand);
        if (!x || !y) return false;
        switch (c.cmp) {
          case Condition::Cmp::kGt:
            return *x > *y;
          case Condition::Cmp::kGe:
            return *x >= *y;
          case Condition::Cmp::kLt:
            return *x < *y;
          default:
            return *x <= *y;
        }
      }
      default:
        return false;
    }
  }

  absl::StatusOr<bool> Test(const Condition& c, const Node& v) {
    switch (c.cmp) {
      case Condition::Cmp::kExists:
        return !v.is_null();
      case Condition::Cmp::kAbsent:
        return v.is_null();
      case Condition::Cmp::kIn:
      case Condition::Cmp::kNotIn: {
        bool in = false;
        for (size_t i = 0; i < c.operand.size() && !in; ++i) {
          in = ScalarEquals(v, c.operand.child(i));
        }
        return c.cmp == Condition::Cmp::kIn ? in : !in;
      }
      case Condition::Cmp::kMatches:
        if (!v.is_scalar() || v.is_null()) return false;
        return std::regex_search(std::string(v.text()), *c.regex);
      case Condition::Cmp::kType:
        return (c.type_mask & internal::Bit(v.kind())) != 0;
      case Condition::Cmp::kSubsetOf: {
        // Every key/value of this map is in the operand map (label
        // selectors against pod labels).
        if (!v.is_map()) return false;
        std::vector<Node> targets;
        if (c.operand_is_path) {
          for (const PathMatch& m :
               Select(c.operand_from_root ? doc_ : scope_, c.operand_path)) {
            targets.push_back(m.node);
          }
        } else {
          targets.push_back(c.operand);
        }
        for (const Node& t : targets) {
          if (!t.is_map()) continue;
          bool all = v.size() > 0;
          for (size_t i = 0; i < v.size() && all; ++i) {
            std::optional<Node> o = t.Get(v.key(i));
            all = o && ScalarEquals(v.child(i), *o);
          }
          if (all) return true;
        }
        return false;
      }
      case Condition::Cmp::kConstraint: {
        if (!v.is_scalar() || v.is_null()) return false;
        absl::StatusOr<bool> ok = c.constraint->Allows(v.text());
        return ok.ok() && *ok;  // a value that is not a version does not match
      }
      default:
        if (c.operand_is_path) {
          for (const PathMatch& m :
               Select(c.operand_from_root ? doc_ : scope_, c.operand_path)) {
            absl::StatusOr<bool> r = Compare(c, v, m.node);
            if (!r.ok() || *r) return r;
          }
          return false;
        }
        return Compare(c, v, c.operand);
    }
  }

  absl::StatusOr<bool> ContextLeaf(const Condition& c) {
    auto it = context_.find(c.context);
    if (c.cmp == Condition::Cmp::kAbsent) return it == context_.end();
    if (it == context_.end()) return false;
    const std::string& value = it->second;
    switch (c.cmp) {
      case Condition::Cmp::kExists:
        return true;
      case Condition::Cmp::kEquals:
        return c.operand.text() == value;
      case Condition::Cmp::kNotEquals:
        return c.operand.text() != value;
      case Condition::Cmp::kIn:
      case Condition::Cmp::kNotIn: {
        bool in = false;
        for (size_t i = 0; i < c.operand.size(); ++i) {
          in = in || c.operand.child(i).text() == value;
        }
        return c.cmp == Condition::Cmp::kIn ? in : !in;
      }
      case Condition::Cmp::kMatches:
        return std::regex_search(value, *c.regex);
      case Condition::Cmp::kConstraint: {
        absl::StatusOr<bool> ok = c.constraint->Allows(value);
        if (!ok.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "context '", c.context, "': ", ok.status().message()));
        }
        return *ok;
      }
      case Condition::Cmp::kGt:
      case Condition::Cmp::kGe:
      case Condition::Cmp::kLt:
      case Condition::Cmp::kLe: {
        // Context values are versions: compare them as versions.
        absl::StatusOr<int> cmp =
            internal::CompareVersions(value, c.operand.text());
        if (!cmp.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "context '", c.context, "': ", cmp.status().message()));
        }
        switch (c.cmp) {
          case Condition::Cmp::kGt:
            return *cmp > 0;
          case Condition::Cmp::kGe:
            return *cmp >= 0;
          case Condition::Cmp::kLt:
            return *cmp < 0;
          default:
            return *cmp <= 0;
        }
      }
      case Condition::Cmp::kType:
        return (c.type_mask & internal::Bit(NodeKind::kString)) != 0;
      default:
        return false;
    }
  }

  static std::string Join(const std::string& prefix, const std::string& path) {
    if (prefix.empty()) return path;
    if (path.empty()) return prefix;
    return path[0] == '[' ? prefix + path : prefix + "." + path;
  }

  Node doc_;
  Node scope_;          // what relative paths start from (an `each` element)
  std::string prefix_;  // printed path of scope_
  const RuleContext& context_;
};

std::string Expand(
    absl::string_view templ,
    const std::vector<std::pair<std::string, std::string>>& vars) {
  std::vector<std::pair<std::string, std::string>> subs;
  for (const auto& [k, v] : vars)
    subs.emplace_back(absl::StrCat("{", k, "}"), v);
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

}  // namespace

absl::StatusOr<RulePack> RulePack::FromYaml(absl::string_view text,
                                            absl::string_view source) {
  absl::StatusOr<Document> doc = Document::FromYaml(text, source);
  if (!doc.ok()) return doc.status();
  RulePack pack;
  PackLoader loader(*doc);
  if (absl::Status s =
          loader.Load(&pack.name_, &pack.description_, &pack.rules_);
      !s.ok()) {
    return s;
  }
  return pack;
}

absl::StatusOr<RulePack> RulePack::FromFile(const std::string& path) {
  absl::StatusOr<Document> doc = Document::FromFile(path);
  if (!doc.ok()) return doc.status();
  RulePack pack;
  PackLoader loader(*doc);
  if (absl::Status s =
          loader.Load(&pack.name_, &pack.description_, &pack.rules_);
      !s.ok()) {
    return s;
  }
  return pack;
}

absl::StatusOr<RulePack> RulePack::Builtin(absl::string_view name) {
  for (const internal::BuiltinPack& p : internal::BuiltinPacks()) {
    if (p.name == name) {
      return FromYaml(p.text, absl::StrCat("builtin:", p.name));
    }
  }
  return absl::NotFoundError(
      absl::StrCat("no built-in rule pack '", name, "' (",
                   absl::StrJoin(BuiltinNames(), ", "), ")"));
}

std::vector<std::string> RulePack::BuiltinNames() {
  std::vector<std::string> names;
  for (const internal::BuiltinPack& p : internal::BuiltinPacks()) {
    names.emplace_back(p.name);
  }
  return names;
}

std::string RulePack::RenameTarget(absl::string_view path) const {
  for (const Rule& r : rules_) {
    if (r.kind != RuleKind::kKeyRenamed) continue;
    const std::string from = r.data->path.ToString();
    if (path == from) return r.data->to.ToString();
    if (absl::StartsWith(path, from) && path.size() > from.size() &&
        (path[from.size()] == '.' || path[from.size()] == '[')) {
      return absl::StrCat(r.data->to.ToString(), path.substr(from.size()));
    }
  }
  return "";
}

absl::Status RulePack::Evaluate(const Node& doc, const RuleContext& context,
                                std::vector<Diagnostic>* out,
                                RuleScope scope) const {
  return EvaluateSet(absl::Span<const Node>(&doc, 1), context, out, scope);
}

absl::Status RulePack::EvaluateSet(absl::Span<const Node> docs,
                                   const RuleContext& context,
                                   std::vector<Diagnostic>* out,
                                   RuleScope scope) const {
  for (size_t di = 0; di < docs.size(); ++di) {
    if (absl::Status s = EvaluateDoc(docs, di, context, out, scope); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

namespace {

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

}  // namespace

absl::Status RulePack::EvaluateDoc(absl::Span<const Node> docs, size_t di,
                                   const RuleContext& context,
                                   std::vector<Diagnostic>* out,
                                   RuleScope scope) const {
  const Node& doc = docs[di];
  Evaluator ev(doc, context);
  for (const Rule& rule : rules_) {
    if (!InScope(rule.kind, scope)) continue;
    const RuleData& d = *rule.data;
    if (d.match) {
      Witness ignored;
      absl::StatusOr<bool> m = ev.Eval(*d.match, &ignored);
      if (!m.ok()) return RuleError(rule, m.status());
      if (!*m) continue;
    }
    auto add = [&](const std::string& path, const Location& loc,
                   std::vector<std::pair<std::string, std::string>> vars) {
      vars.emplace_back("path", path);
      Diagnostic f;
      f.code = rule.id;
      f.severity = rule.severity;
      f.path = path;
      f.message = Expand(rule.message, vars);
      f.hint = Expand(rule.hint, vars);
      f.location = loc;
      out->push_back(std::move(f));
    };
    auto where = [](const PathMatch& m) {
      return m.key_location.known() ? m.key_location : m.node.location();
    };
    switch (rule.kind) {
      case RuleKind::kKeyRemoved:
        for (const PathMatch& m : Select(doc, d.path)) {
          add(m.path, where(m), {{"value", NodeToDisplay(m.node)}});
        }
        break;
      case RuleKind::kKeyRenamed:
        for (const PathMatch& m : Select(doc, d.path)) {
          add(m.path, where(m),
              {{"value", NodeToDisplay(m.node)}, {"to", d.to.ToString()}});
        }
        break;
      case RuleKind::kTypeChanged:
        for (const PathMatch& m : Select(doc, d.path)) {
          if (m.node.is_null()) continue;
          if (d.type_mask & internal::Bit(m.node.kind())) continue;
          add(m.path, m.node.location(),
              {{"value", NodeToDisplay(m.node)},
               {"type", d.type_text},
               {"found", std::string(NodeKindName(m.node.kind()))}});
        }
        break;
      case RuleKind::kAllowedValues:
        for (const PathMatch& m : Select(doc, d.path)) {
          if (m.node.is_null()) continue;
          bool ok = false;
          std::vector<std::string> allowed;
          for (size_t i = 0; i < d.values.size(); ++i) {
            Node a = d.values.child(i);
            allowed.push_back(NodeToDisplay(a));
            ok = ok || ScalarEquals(m.node, a) ||
                 (m.node.is_scalar() && a.is_scalar() &&
                  m.node.text() == a.text());
          }
          if (!ok) {
            add(m.path, m.node.location(),
                {{"value", NodeToDisplay(m.node)},
                 {"values", absl::StrJoin(allowed, ", ")}});
          }
        }
        break;
      case RuleKind::kRequiredKey: {
        // Every parent the path's prefix selects must have the last segment.
        const auto& segs = d.path.segments();
        Path parent_path = Path::FromSegments(
            std::vector<PathSegment>(segs.begin(), segs.end() - 1));
        Path last = Path::FromSegments({segs.back()});
        std::vector<PathMatch> parents = Select(doc, parent_path);
        if (parents.empty()) {
          if (!parent_path.has_wildcards())
            add(d.path.ToString(), doc.location(), {});
          break;
        }
        for (const PathMatch& p : parents) {
          std::vector<PathMatch> found = Select(p.node, last);
          if (!found.empty() && !found[0].node.is_null()) continue;
          std::string child = p.path;
          std::string tail = last.ToString();
          if (!child.empty() && tail[0] != '[') child += ".";
          child += tail;
          add(child, p.node.location(), {});
        }
        break;
      }
      case RuleKind::kVersionConstraint: {
        // The constraints: the rule's own, or each one the document holds
        // at `constraint: {path: P}` (with where it is written).
        struct Bound {
          internal::VersionConstraintPtr constraint;
          std::string path;
          Location location;
        };
        std::vector<Bound> bounds;
        if (d.constraint_from_path) {
          for (const PathMatch& m : Select(doc, d.constraint_path)) {
            if (!m.node.is_scalar() || m.node.is_null()) continue;
            absl::StatusOr<internal::VersionConstraintPtr> vc =
                internal::VersionConstraint::Parse(m.node.text());
            if (!vc.ok()) {
              add(m.path, m.node.location(),
                  {{"value", NodeToDisplay(m.node)},
                   {"subject", m.path},
                   {"constraint", std::string(m.node.text())}});
              out->back().message =
                  absl::StrCat(m.path, " is not a valid version constraint: ",
                               vc.status().message());
              continue;
            }
            bounds.push_back(Bound{*std::move(vc), m.path, m.node.location()});
          }
        } else {
          bounds.push_back(Bound{d.constraint, "", Location()});
        }
        for (const Bound& bound : bounds) {
          if (!d.context.empty()) {
            auto it = context.find(d.context);
            if (it == context.end()) break;
            absl::StatusOr<bool> ok = bound.constraint->Allows(it->second);
            if (!ok.ok()) {
              return absl::InvalidArgumentError(absl::StrCat(
                  "context '", d.context, "': ", ok.status().message()));
            }
            if (*ok) continue;
            add(bound.path, bound.location,
                {{"value", it->second},
                 {"subject", d.context},
                 {"constraint", bound.constraint->text()}});
            continue;
          }
          for (const PathMatch& m : Select(doc, d.path)) {
            if (!m.node.is_scalar() || m.node.is_null()) continue;
            absl::StatusOr<bool> ok = bound.constraint->Allows(m.node.text());
            if (ok.ok() && *ok) continue;
            add(m.path, m.node.location(),
                {{"value", NodeToDisplay(m.node)},
                 {"subject", m.path},
                 {"constraint", bound.constraint->text()}});
          }
        }
        break;
      }
      case RuleKind::kVersionSkew: {
        absl::StatusOr<std::vector<internal::SkewFinding>> skew =
            internal::CheckSkew(context);
        if (!skew.ok()) return skew.status();
        for (const internal::SkewFinding& s : *skew) {
          add("", Location(),
              {{"message", s.message}, {"policy_rule", s.policy_rule}});
        }
        break;
      }
      case RuleKind::kCondition: {
        if (d.related) {
          // Pair the document with every other one the `related` condition
          // selects, as {self: doc, related: other}.
          for (size_t oi = 0; oi < docs.size(); ++oi) {
            if (oi == di) continue;
            Evaluator other(docs[oi], context);
            Witness ignored;
            absl::StatusOr<bool> rel = other.Eval(*d.related, &ignored);
            if (!rel.ok()) return rel.status();
            if (!*rel) continue;
            DocumentBuilder b("<pair>");
            b.BeginMap(Location());
            b.Key("self", Location());
            b.CopyOf(doc);
            b.Key("related", Location());
            b.CopyOf(docs[oi]);
            b.EndMap();
            Document pair = std::move(b).Finish();
            Evaluator pev(pair.root(), context);
            Witness w;
            absl::StatusOr<bool> r = pev.Eval(*d.when, &w);
            if (!r.ok()) return RuleError(rule, r.status());
            if (!*r) continue;
            FindingSite site = ConditionSite(pair.root(), d, w, doc.location());
            if (absl::StartsWith(site.path, "self.")) {
              site.path = site.path.substr(5);
            }
            add(site.path, site.location,
                {{"value", site.value},
                 {"name", ObjectName(doc)},
                 {"related", ObjectName(docs[oi])},
                 {"related_kind", std::string(docs[oi].Get("kind")
                                                  ? docs[oi].Get("kind")->text()
                                                  : "")}});
          }
          break;
        }
        Witness w;
        absl::StatusOr<bool> r = ev.Eval(*d.when, &w);
        if (!r.ok()) return RuleError(rule, r.status());
        if (!*r) break;
        FindingSite site = ConditionSite(doc, d, w, doc.location());
        // A rule path that matched nothing still names what the rule is about.
        if (d.has_path && !site.matched_path) site.path = d.path.ToString();
        add(site.path, site.location,
            {{"value", site.value}, {"name", ObjectName(doc)}});
        break;
      }
      case RuleKind::kApiRemoved: {
        std::optional<Node> api = doc.Get("apiVersion");
        std::optional<Node> kind = doc.Get("kind");
        if (!api || !kind || api->text() != d.api_version) break;
        bool kind_match = false;
        for (const std::string& k : d.kinds) {
          kind_match = kind_match || k == kind->text() || k == "*";
        }
        if (!kind_match) break;
        Severity severity = rule.severity;
        std::string status;
        auto it = context.find("kubernetes");
        if (it == context.end()) {
          severity = Severity::kWarning;
          status = absl::StrCat("is removed in Kubernetes ", d.removed_in);
        } else {
          absl::StatusOr<int> removed =
              internal::CompareVersions(it->second, d.removed_in);
          if (!removed.ok()) {
            return absl::InvalidArgumentError(absl::StrCat(
                "target Kubernetes version: ", removed.status().message()));
          }
          if (*removed >= 0) {
            status = absl::StrCat("was removed in Kubernetes ", d.removed_in,
                                  " (target ", it->second, ")");
          } else if (!d.deprecated_in.empty() &&
                     *internal::CompareVersions(it->second, d.deprecated_in) >=
                         0) {
            severity = Severity::kWarning;
            status =
                absl::StrCat("is deprecated since Kubernetes ", d.deprecated_in,
                             " and removed in ", d.removed_in);
          } else {
            break;
          }
        }
        Diagnostic f;
        f.code = rule.id;
        f.severity = severity;
        f.path = "apiVersion";
        std::string name = ObjectName(doc);
        std::vector<std::pair<std::string, std::string>> vars = {
            {"apiVersion", d.api_version},
            {"kind", std::string(kind->text())},
            {"name", name},
            {"status", status},
            {"replacement", d.replacement},
            {"removed_in", d.removed_in},
            {"deprecated_in", d.deprecated_in},
            {"path", "apiVersion"}};
        f.message = Expand(rule.message, vars);
        if (!name.empty())
          f.message += absl::StrCat(" (", kind->text(), " ", name, ")");
        f.hint = rule.hint.empty()
                     ? (d.replacement.empty()
                            ? std::string("the API has no replacement; remove "
                                          "or migrate the object")
                            : absl::StrCat("use ", d.replacement))
                     : Expand(rule.hint, vars);
        f.location = api->location();
        out->push_back(std::move(f));
        break;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace upgrade_core::compat
