// What an abstract value means (truth, comparison, how messages name it) and
// the template functions the Evaluator models (render_check_impl.h).
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/chart/render_check_impl.h"
#include "upgrade_core/chart/template_functions.h"
#include "upgrade_core/chart/template_parser.h"

namespace upgrade_core::chart::internal::render_check {

namespace {

bool IsMap(const Val& v) {
  return v.k == Val::K::kDict || (v.k == Val::K::kNode && v.node.is_map());
}

// A comparable scalar form, or nullopt.
std::optional<std::string> ScalarKey(const Val& v) {
  switch (v.k) {
    case Val::K::kString:
      return absl::StrCat("s:", v.text);
    case Val::K::kBool:
      return absl::StrCat("b:", v.b ? "1" : "0");
    case Val::K::kNumber:
      return absl::StrCat("n:", v.num);
    case Val::K::kNil:
    case Val::K::kMissing:
      return std::string("nil");
    case Val::K::kNode:
      switch (v.node.kind()) {
        case NodeKind::kNull:
          return std::string("nil");
        case NodeKind::kBool:
          return absl::StrCat("b:", v.node.bool_value() ? "1" : "0");
        case NodeKind::kInt:
        case NodeKind::kFloat:
          return absl::StrCat("n:", v.node.float_value());
        case NodeKind::kString:
          return absl::StrCat("s:", v.node.text());
        default:
          return std::nullopt;
      }
    default:
      return std::nullopt;
  }
}

}  // namespace

// Go template truth (text/template's isTrue).
Tri Truth(const Val& v) {
  switch (v.k) {
    case Val::K::kUnknown:
      return Tri::kUnknown;
    case Val::K::kRoot:
    case Val::K::kBuiltin:
      return Tri::kTrue;
    case Val::K::kMissing:
    case Val::K::kNil:
      return Tri::kFalse;
    case Val::K::kString:
      return TriOf(!v.text.empty());
    case Val::K::kBool:
      return TriOf(v.b);
    case Val::K::kNumber:
      return TriOf(v.num != 0);
    case Val::K::kDict:
      return TriOf(!v.dict->empty());
    case Val::K::kNode:
      switch (v.node.kind()) {
        case NodeKind::kNull:
          return Tri::kFalse;
        case NodeKind::kBool:
          return TriOf(v.node.bool_value());
        case NodeKind::kInt:
          return TriOf(v.node.int_value() != 0);
        case NodeKind::kFloat:
          return TriOf(v.node.float_value() != 0);
        case NodeKind::kString:
          return TriOf(!v.node.text().empty());
        case NodeKind::kMap:
        case NodeKind::kList:
          return TriOf(v.node.size() > 0);
      }
  }
  return Tri::kUnknown;
}

std::string Describe(const Val& v) {
  switch (v.k) {
    case Val::K::kRoot:
      return "the root context";
    case Val::K::kNode:
      if (v.node.is_map()) {
        return v.path.empty() ? "the values (.Values)"
                              : absl::StrCat("the values map .Values.", v.path);
      }
      if (v.node.is_list()) return absl::StrCat("the list .Values.", v.path);
      return absl::StrCat("the ", document::NodeKindName(v.node.kind()),
                          " .Values.", v.path);
    case Val::K::kDict:
      return absl::StrCat("a map (", v.path, ")");
    case Val::K::kString:
      return "a string";
    case Val::K::kBool:
      return "a bool";
    case Val::K::kNumber:
      return "a number";
    case Val::K::kUnknown:
      return v.map_shape ? absl::StrCat("a map (", v.path, ")")
                         : "a value not known statically";
    default:
      return "nil";
  }
}

// Go's type name in its error messages.
absl::string_view GoType(const Val& v) {
  if (v.k == Val::K::kString) return "string";
  if (v.k == Val::K::kBool) return "bool";
  if (v.k == Val::K::kNumber) return "float64";
  switch (v.node.kind()) {
    case NodeKind::kBool:
      return "bool";
    case NodeKind::kInt:
      return "int64";
    case NodeKind::kFloat:
      return "float64";
    case NodeKind::kString:
      return "string";
    case NodeKind::kList:
      return "[]interface {}";
    default:
      return "interface {}";
  }
}

std::string Child(const std::string& path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

// ---- functions ----

Val Evaluator::CallInclude(const Operand& head, const Command& c,
                           const Ctx& ctx, const Val* piped) {
  const size_t nargs = c.operands.size() - 1 + (piped != nullptr ? 1 : 0);
  if (nargs == 0) return Unknown();
  Val name = Arg(c, 1, ctx, piped);
  Val arg;
  arg.k = Val::K::kNil;
  if (nargs > 1) arg = Arg(c, 2, ctx, piped);
  for (size_t i = 3; i <= nargs; ++i) Arg(c, i, ctx, piped);
  if (name.k != Val::K::kString) {
    Gap(Loc(*ctx.file, head.pos),
        "include of a template whose name is computed at render time");
    return Unknown();
  }
  return Include(name.text, arg, ctx, head.pos, "include");
}

Val Evaluator::Arg(const Command& c, size_t i, const Ctx& ctx,
                   const Val* piped) {
  if (i < c.operands.size()) return EvalOperand(c.operands[i], ctx);
  return piped != nullptr ? *piped : Unknown();
}

// Not inlined: its frame is large, and only include's smaller frame
// (CallInclude) sits on the recursion path.
Val Evaluator::Call(const Operand& head, const Command& c, const Ctx& ctx,
                    const Val* piped) {
  const std::string& name = head.text;
  const size_t nargs = c.operands.size() - 1 + (piped != nullptr ? 1 : 0);
  // and/or evaluate lazily (Go 1.18+): a decided operand stops the rest.
  if (name == "and" || name == "or") {
    const bool is_and = name == "and";
    Ctx inner = ctx;
    Val last = Unknown();
    bool undecided = false;
    for (size_t i = 1; i <= nargs; ++i) {
      last = Arg(c, i, inner, piped);
      Tri t = Truth(last);
      if (t == Tri::kUnknown) {
        undecided = true;
        if (inner.certain) {
          inner.certain = false;
          inner.undecided = absl::StrCat("an operand of ", name, " at ",
                                         Loc(*ctx.file, head.pos).ToString(),
                                         " could not be decided");
        }
        continue;
      }
      if ((is_and && t == Tri::kFalse) || (!is_and && t == Tri::kTrue)) {
        if (undecided) return Unknown();
        return last;
      }
    }
    return undecided ? Unknown() : last;
  }
  std::vector<Val> args;
  args.reserve(nargs);
  for (size_t i = 1; i <= nargs; ++i) args.push_back(Arg(c, i, ctx, piped));

  if ((name == "not" || name == "empty") && args.size() == 1) {
    Tri t = Truth(args[0]);
    if (t == Tri::kUnknown) return Unknown();
    Val r = Derived(Bool(t == Tri::kFalse), args[0]);
    r.claim = !args[0].claim.empty()
                  ? absl::StrCat("not: ", args[0].claim)
                  : absl::StrCat(args[0].path, " is empty or false");
    return r;
  }
  if ((name == "eq" || name == "ne") && args.size() >= 2) {
    std::optional<std::string> a = ScalarKey(args[0]);
    if (!a) return Unknown();
    bool any = false;
    for (size_t i = 1; i < args.size(); ++i) {
      std::optional<std::string> b = ScalarKey(args[i]);
      if (!b) return Unknown();
      // Go compares ints and floats of the same kind; close enough.
      any = any || *a == *b;
    }
    const Val& src = args[0].from_values ? args[0] : args[1];
    const Val& other = args[0].from_values ? args[1] : args[0];
    Val r = Derived(Bool(name == "eq" ? any : !any), src);
    const std::string key = ScalarKey(other).value_or("?:?");
    std::string shown = other.k == Val::K::kString
                            ? absl::StrCat("\"", other.text, "\"")
                        : key == "nil" ? std::string("null")
                                       : key.substr(2);
    r.claim =
        absl::StrCat(src.path, name == "eq" ? " is " : " is not ",
                     args.size() > 2 ? "one of the values compared" : shown);
    return r;
  }
  if (name == "default" && !args.empty()) {
    if (args.size() == 1) return args[0];
    Tri t = Truth(args[1]);
    if (t == Tri::kTrue) return args[1];
    if (t == Tri::kFalse) return args[0];
    return Unknown();
  }
  if (name == "coalesce") {
    for (const Val& a : args) {
      Tri t = Truth(a);
      if (t == Tri::kTrue) return a;
      if (t == Tri::kUnknown) return Unknown();
    }
    Val nil;
    nil.k = Val::K::kNil;
    return nil;
  }
  if (name == "ternary" && args.size() == 3) {
    Tri t = Truth(args[2]);
    if (t == Tri::kUnknown) return Unknown();
    return t == Tri::kTrue ? args[0] : args[1];
  }
  if (name == "hasKey" && args.size() == 2) {
    // A nil map has no keys (Go passes it as an empty map).
    if (args[0].k == Val::K::kMissing || args[0].k == Val::K::kNil ||
        (args[0].k == Val::K::kNode && args[0].node.is_null())) {
      return Derived(Bool(false), args[0]);
    }
    if (args[1].k != Val::K::kString || !IsMap(args[0])) return Unknown();
    bool has = false;
    if (args[0].k == Val::K::kNode) {
      has = args[0].node.Get(args[1].text).has_value();
    } else {
      for (const auto& [k, e] : *args[0].dict) has = has || k == args[1].text;
    }
    Val r = Bool(has);
    r.from_values = args[0].from_values;
    r.chart = args[0].chart;
    r.path = Child(args[0].path, args[1].text);
    r.set_at = args[0].set_at;
    r.claim = absl::StrCat(r.path, " is present");
    return r;
  }
  if (name == "required" && args.size() == 2) {
    Tri t = Truth(args[1]);
    // Helm's required fails on nil and on "" only.
    const bool empty = args[1].k == Val::K::kMissing ||
                       args[1].k == Val::K::kNil ||
                       (args[1].k == Val::K::kNode && args[1].node.is_null()) ||
                       (args[1].k == Val::K::kString && args[1].text.empty()) ||
                       (args[1].k == Val::K::kNode &&
                        args[1].node.kind() == NodeKind::kString &&
                        args[1].node.text().empty());
    if (empty) {
      Report(
          ctx, head.pos, RenderFinding::Kind::kRequired,
          absl::StrCat("required value is empty",
                       args[1].from_values
                           ? absl::StrCat(" (.Values.", args[1].path, ")")
                           : std::string(),
                       "; Helm fails with \"",
                       args[0].k == Val::K::kString ? args[0].text : "required",
                       "\""),
          true, "", &args[1]);
    }
    (void)t;
    return args[1];
  }
  if (name == "fail") {
    Report(ctx, head.pos, RenderFinding::Kind::kFail,
           absl::StrCat("fail is reachable: Helm stops with \"",
                        !args.empty() && args[0].k == Val::K::kString
                            ? document::TruncateForDisplay(args[0].text, 120)
                            : std::string("a message computed at render"),
                        "\""));
    return Unknown();
  }
  if (name == "dict") {
    auto d = std::make_shared<Dict>();
    for (size_t i = 0; i + 1 < args.size(); i += 2) {
      if (args[i].k != Val::K::kString) return MapShaped("dict");
      d->emplace_back(args[i].text, args[i + 1]);
    }
    Val v;
    v.k = Val::K::kDict;
    v.dict = std::move(d);
    v.path = "dict";
    return v;
  }
  if (name == "merge" || name == "mergeOverwrite" || name == "deepCopy" ||
      name == "mustMerge" || name == "mustMergeOverwrite") {
    return Merge(name, args);
  }
  if (name == "len" && args.size() == 1) {
    if (args[0].k == Val::K::kNode) return Num(args[0].node.size());
    return Unknown();
  }
  if (name == "toString" && args.size() == 1 && args[0].k == Val::K::kNode &&
      args[0].node.is_scalar()) {
    return Derived(Str(std::string(args[0].node.text())), args[0]);
  }
  if (name == "get" && args.size() == 2 && args[1].k == Val::K::kString &&
      args[0].k == Val::K::kNode && args[0].node.is_map()) {
    std::optional<Node> n = args[0].node.Get(args[1].text);
    if (!n) return Str("");
    Val v;
    v.k = Val::K::kNode;
    v.node = *n;
    v.from_values = args[0].from_values;
    v.chart = args[0].chart;
    v.path = Child(args[0].path, args[1].text);
    v.set_at = n->location();
    return v;
  }
  if (name == "index" && !args.empty()) {
    Val v = args[0];
    for (size_t i = 1; i < args.size(); ++i) {
      if (v.k != Val::K::kNode) return Unknown();
      if (v.node.is_map() && args[i].k == Val::K::kString) {
        std::optional<Node> n = v.node.Get(args[i].text);
        if (!n) {
          Val m;
          m.k = Val::K::kMissing;
          return m;
        }
        v.node = *n;
        v.path = Child(v.path, args[i].text);
        v.set_at = n->location();
      } else {
        return Unknown();
      }
    }
    return v;
  }
  if (name == "lookup") {
    Gap(Loc(*ctx.file, head.pos),
        "lookup reads the cluster; its result is not known statically");
    return Unknown();
  }
  if (name == "tpl") {
    Gap(Loc(*ctx.file, head.pos),
        "tpl renders a string computed at render time; what that template "
        "does is not analysed");
    return Unknown();
  }
  if (name == "fromYaml" || name == "fromJson") return MapShaped(name);
  if (!internal::LookupFunction(name)) {
    Gap(Loc(*ctx.file, head.pos),
        absl::StrCat("function \"", name,
                     "\" is not one the evaluator knows; its result is "
                     "not known statically"));
  }
  return Unknown();
}

Val Evaluator::Derived(Val r, const Val& from) {
  r.from_values = from.from_values;
  r.chart = from.chart;
  r.path = from.path;
  r.set_at = from.set_at;
  return r;
}

Val Evaluator::MapShaped(absl::string_view what) {
  Val v;
  v.map_shape = true;
  v.path = std::string(what);
  return v;
}

// Sprig's merge: the first map wins, later ones fill in missing keys (one
// level deep here; nested maps keep the winner's).
Val Evaluator::Merge(absl::string_view name, const std::vector<Val>& args) {
  std::vector<std::string> parts;
  for (const Val& a : args) {
    parts.push_back(a.from_values ? absl::StrCat(".Values.", a.path)
                                  : std::string(a.path.empty() ? "?" : a.path));
  }
  std::string what = absl::StrCat(name, " ", absl::StrJoin(parts, " "));
  auto d = std::make_shared<Dict>();
  const bool overwrite = absl::StrContains(name, "Overwrite");
  for (size_t ai = 0; ai < args.size(); ++ai) {
    const Val& a = args[ai];
    if (a.k == Val::K::kMissing || a.k == Val::K::kNil ||
        (a.k == Val::K::kNode && a.node.is_null())) {
      continue;
    }
    if (!IsMap(a)) return MapShaped(what);
    auto put = [&](const std::string& k, Val e) {
      for (auto& [dk, dv] : *d) {
        if (dk == k) {
          if (overwrite) dv = std::move(e);
          return;
        }
      }
      d->emplace_back(k, std::move(e));
    };
    if (a.k == Val::K::kDict) {
      for (const auto& [k, e] : *a.dict) put(k, e);
    } else {
      for (size_t i = 0; i < a.node.size(); ++i) {
        Val e;
        e.k = Val::K::kNode;
        e.node = a.node.child(i);
        e.from_values = a.from_values;
        e.chart = a.chart;
        e.path = Child(a.path, a.node.key(i));
        e.set_at = e.node.location();
        put(std::string(a.node.key(i)), std::move(e));
      }
    }
  }
  Val v;
  v.k = Val::K::kDict;
  v.dict = std::move(d);
  v.path = std::move(what);
  return v;
}

}  // namespace upgrade_core::chart::internal::render_check
