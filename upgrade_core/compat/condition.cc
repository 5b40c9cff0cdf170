// The condition language of rule packs: parsing (strict, once, at pack load)
// and evaluation against a document. Kept apart from the pack loader and the
// per-kind evaluation because both use it and neither needs its insides.
#include "upgrade_core/compat/condition.h"

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::compat::internal {
using document::Location;
using document::Node;
using document::NodeKind;
using document::NodeKindName;
using document::Path;
using document::PathMatch;
using document::PathSegment;
using document::Select;

absl::Status LoadError(const Location& loc, absl::string_view rule_id,
                       absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(loc.ToString(), ": rule '", rule_id.empty() ? "?" : rule_id,
                   "': ", what));
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
      mask |= Bit(NodeKind::kNull);
    } else if (t == "bool" || t == "boolean") {
      mask |= Bit(NodeKind::kBool);
    } else if (t == "int" || t == "integer") {
      mask |= Bit(NodeKind::kInt);
    } else if (t == "float") {
      mask |= Bit(NodeKind::kFloat);
    } else if (t == "number") {
      mask |= Bit(NodeKind::kInt) | Bit(NodeKind::kFloat);
    } else if (t == "string") {
      mask |= Bit(NodeKind::kString);
    } else if (t == "map" || t == "object") {
      mask |= Bit(NodeKind::kMap);
    } else if (t == "list" || t == "array") {
      mask |= Bit(NodeKind::kList);
    } else if (t == "scalar") {
      mask |= Bit(NodeKind::kBool) | Bit(NodeKind::kInt) |
              Bit(NodeKind::kFloat) | Bit(NodeKind::kString);
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
    if (mask & Bit(k)) names.emplace_back(NodeKindName(k));
  }
  return absl::StrJoin(names, " or ");
}

namespace {

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

}  // namespace

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

// ---------------------------------------------------------------------------
// Parsing

namespace {

// `$root.a.b` -> `a.b` with *from_root set.
Path StripRoot(Path p, bool* from_root) {
  const auto& segs = p.segments();
  *from_root = !segs.empty() && segs[0].type == PathSegment::Type::kKey &&
               segs[0].key == "$root";
  if (!*from_root) return p;
  return Path::FromSegments(
      std::vector<PathSegment>(segs.begin() + 1, segs.end()));
}

// A path written in a condition; a LoadError at `n` if it does not parse.
absl::StatusOr<Path> ParsePathAt(const Node& n, absl::string_view rule_id) {
  absl::StatusOr<Path> p = Path::Parse(n.text());
  if (!p.ok()) return LoadError(n.location(), rule_id, p.status().message());
  return p;
}

// Checks and records the operand `v` of the test `key` (already set as
// c->cmp) in `*c`.
absl::Status ParseOperand(absl::string_view key, const Node& v,
                          absl::string_view rule_id, Condition* c) {
  c->operand = v;
  switch (c->cmp) {
    case Condition::Cmp::kExists:
      if (v.kind() != NodeKind::kBool) {
        return LoadError(v.location(), rule_id, "'exists' takes true or false");
      }
      if (!v.bool_value()) c->cmp = Condition::Cmp::kAbsent;
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
        c->regex = std::make_shared<std::regex>(std::string(v.text()),
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
      c->type_mask = *mask;
      break;
    }
    case Condition::Cmp::kConstraint: {
      absl::StatusOr<VersionConstraintPtr> vc =
          VersionConstraint::Parse(v.text());
      if (!vc.ok()) {
        return LoadError(v.location(), rule_id, vc.status().message());
      }
      c->constraint = *std::move(vc);
      break;
    }
    default:
      // A map operand names another path, except for subset_of, whose
      // operand may be a literal map (that has no `path` key).
      if (v.is_map() &&
          !(c->cmp == Condition::Cmp::kSubsetOf && !v.Get("path"))) {
        std::optional<Node> ref = v.Get("path");
        if (!ref || v.size() != 1) {
          return LoadError(v.location(), rule_id,
                           "a map operand must be {path: other.path}");
        }
        UC_ASSIGN_OR_RETURN(Path p, ParsePathAt(*ref, rule_id));
        c->operand_is_path = true;
        c->operand_path = StripRoot(std::move(p), &c->operand_from_root);
      }
      break;
  }
  return absl::OkStatus();
}

}  // namespace

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
        UC_ASSIGN_OR_RETURN(Condition child,
                            ParseCondition(list->child(i), rule_id));
        c.children.push_back(std::move(child));
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
    UC_ASSIGN_OR_RETURN(Path p, ParsePathAt(*each, rule_id));
    c.op = Condition::Op::kEach;
    c.each = StripRoot(std::move(p), &c.each_from_root);
    UC_ASSIGN_OR_RETURN(Condition child, ParseCondition(*inner, rule_id));
    c.children.push_back(std::move(child));
    return c;
  }
  if (std::optional<Node> inner = n.Get("not")) {
    if (n.size() != 1) {
      return LoadError(n.location(), rule_id, "'not' must be alone in its map");
    }
    c.op = Condition::Op::kNot;
    UC_ASSIGN_OR_RETURN(Condition child, ParseCondition(*inner, rule_id));
    c.children.push_back(std::move(child));
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
    UC_ASSIGN_OR_RETURN(Path p, ParsePathAt(*path, rule_id));
    c.has_path = true;
    c.path = StripRoot(std::move(p), &c.path_from_root);
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
      UC_RETURN_IF_ERROR(ParseOperand(key, n.child(i), rule_id, &c));
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

// ---------------------------------------------------------------------------
// Evaluation

namespace {

// "a.b" under prefix "x[0]" -> "x[0].a.b"; "[1]" under "x" -> "x[1]".
std::string JoinPath(const std::string& prefix, const std::string& path) {
  if (prefix.empty()) return path;
  if (path.empty()) return prefix;
  return path[0] == '[' ? prefix + path : prefix + "." + path;
}

// equals / not_equals / gt / ge / lt / le of `v` against one operand value.
bool Compare(Condition::Cmp cmp, const Node& v, const Node& operand) {
  switch (cmp) {
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
      switch (cmp) {
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

}  // namespace

absl::StatusOr<bool> ConditionEvaluator::Eval(const Condition& c, Witness* w) {
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
      UC_ASSIGN_OR_RETURN(bool holds, Eval(c.children[0], &ignored));
      return !holds;
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
        prefix_ = c.each_from_root ? e.path : JoinPath(saved_prefix, e.path);
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

absl::StatusOr<bool> ConditionEvaluator::Leaf(const Condition& c, Witness* w) {
  if (!c.has_path) return ContextLeaf(c);
  std::vector<PathMatch> matches =
      Select(c.path_from_root ? doc_ : scope_, c.path);
  if (c.cmp == Condition::Cmp::kAbsent) return matches.empty();
  for (const PathMatch& m : matches) {
    UC_ASSIGN_OR_RETURN(bool passed, Test(c, m.node));
    if (passed) {
      if (!w->set) {
        w->set = true;
        w->path = c.path_from_root ? m.path : JoinPath(prefix_, m.path);
        w->location = m.node.location();
      }
      return true;
    }
  }
  return false;
}

absl::StatusOr<bool> ConditionEvaluator::Test(const Condition& c,
                                              const Node& v) {
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
      return (c.type_mask & Bit(v.kind())) != 0;
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
          if (Compare(c.cmp, v, m.node)) return true;
        }
        return false;
      }
      return Compare(c.cmp, v, c.operand);
  }
}

absl::StatusOr<bool> ConditionEvaluator::ContextLeaf(const Condition& c) {
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
        return absl::InvalidArgumentError(
            absl::StrCat("context '", c.context, "': ", ok.status().message()));
      }
      return *ok;
    }
    case Condition::Cmp::kGt:
    case Condition::Cmp::kGe:
    case Condition::Cmp::kLt:
    case Condition::Cmp::kLe: {
      // Context values are versions: compare them as versions.
      absl::StatusOr<int> cmp = CompareVersions(value, c.operand.text());
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
      return (c.type_mask & Bit(NodeKind::kString)) != 0;
    default:
      return false;
  }
}

}  // namespace upgrade_core::compat::internal
