// The Reader's abstract values (Sym) and its evaluation of pipelines,
// operands and functions (template_reader_impl.h).
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "upgrade_core/chart/template_functions.h"
#include "upgrade_core/chart/template_parser.h"
#include "upgrade_core/chart/template_reader_impl.h"

namespace upgrade_core::chart::internal::template_reader {

namespace {

// Past this many paths an abstract value stops growing (a union of unions).
constexpr size_t kMaxPathsPerValue = 64;
// Dicts nested deeper than this (`$d = dict "a" $d` in a loop of actions)
// are not followed: every operation on a value recurses through its dicts.
constexpr int kMaxDictDepth = 32;
// Paths stop growing at this many keys (`$x = $x.a` in a loop of actions
// would otherwise copy ever longer paths); what is read below is then
// "possibly read" (a whole-map read of the path reached).
constexpr size_t kMaxPathKeys = 64;

void AddPath(Sym* s, ValuesPath p) {
  if (s->paths.size() >= kMaxPathsPerValue) return;
  if (std::find(s->paths.begin(), s->paths.end(), p) != s->paths.end()) return;
  s->paths.push_back(std::move(p));
}

Sym Union(const Sym& a, const Sym& b) {
  if (!b.HasValues()) return a;
  if (!a.HasValues()) return b;
  Sym out = a;
  out.literal.reset();
  for (const ValuesPath& p : b.paths) AddPath(&out, p);
  if (b.root) {
    out.root = true;
    out.sub = b.sub;
  }
  out.sub_values = false;
  out.saturated = a.saturated || b.saturated;
  if (b.fields) {
    auto merged = std::make_shared<std::map<std::string, Sym>>();
    if (a.fields) *merged = *a.fields;
    for (const auto& [k, v] : *b.fields) {
      auto it = merged->find(k);
      if (it == merged->end()) {
        merged->emplace(k, v);
      } else {
        it->second = Union(it->second, v);
      }
    }
    out.fields = std::move(merged);
    out.dict_depth = std::max(a.dict_depth, b.dict_depth);
  }
  return out;
}

}  // namespace

// The field `name` of an abstract value: `.Values` of the root, a key of a
// values map, a key of a dict.
Sym Get(const Sym& s, const std::string& name) {
  Sym out;
  if (s.root && name == "Values") {
    out.paths.push_back(s.sub);
    out.sub_values = !s.sub.empty();
  }
  for (size_t i = 0; i < s.paths.size(); ++i) {
    if (i == 0 && s.sub_values && name == "global") {
      AddPath(&out, {"global"});
      continue;
    }
    if (s.paths[i].size() >= kMaxPathKeys) {
      out.saturated = true;
      AddPath(&out, s.paths[i]);
      continue;
    }
    ValuesPath p = s.paths[i];
    p.push_back(name);
    AddPath(&out, std::move(p));
  }
  if (s.saturated) out.saturated = true;
  if (s.fields) {
    auto it = s.fields->find(name);
    if (it != s.fields->end()) out = Union(out, it->second);
  }
  return out;
}

Sym Reader::EvalPipeline(const Pipeline& pipe, Ctx& ctx) {
  std::optional<Sym> value;
  for (const Command& cmd : pipe.commands) {
    value = EvalCommand(cmd, ctx, value ? &*value : nullptr);
  }
  return value ? *std::move(value) : Sym();
}

Sym Reader::EvalCommand(const Command& cmd, Ctx& ctx, const Sym* piped) {
  const Operand& first = cmd.operands[0];
  if (first.kind == Operand::Kind::kFunction) {
    std::vector<Sym> args;
    args.reserve(cmd.operands.size());
    for (size_t i = 1; i < cmd.operands.size(); ++i) {
      args.push_back(EvalOperand(cmd.operands[i], ctx));
    }
    if (piped != nullptr) args.push_back(*piped);
    return Call(first.text, args, ctx, first.pos);
  }
  Sym v = EvalOperand(first, ctx);
  if (cmd.operands.size() == 1 && piped == nullptr) return v;
  // A method call (.Files.Get "x", .Capabilities.APIVersions.Has "y"):
  // its arguments are read; its result is not a value.
  for (size_t i = 1; i < cmd.operands.size(); ++i) {
    Record(EvalOperand(cmd.operands[i], ctx), ReadKind::kValue, ctx,
           cmd.operands[i].pos);
  }
  if (piped != nullptr) Record(*piped, ReadKind::kValue, ctx, cmd.pos);
  return Sym();
}

Sym Reader::EvalOperand(const Operand& op, Ctx& ctx) {
  if (!Budget()) return Sym();
  Sym v;
  switch (op.kind) {
    case Operand::Kind::kDot:
      Budget(Weight(ctx.dot));
      return ctx.dot;
    case Operand::Kind::kField:
      v = ctx.dot;
      break;
    case Operand::Kind::kVariable:
      if (Sym* var = FindVar(op.text)) {
        v = *var;
      } else {
        Problem(ctx, op.pos, absl::StrCat("undefined variable ", op.text));
      }
      break;
    case Operand::Kind::kParen:
      v = EvalPipeline(*op.pipe, ctx);
      break;
    case Operand::Kind::kFunction:
      return Call(op.text, {}, ctx, op.pos);
    case Operand::Kind::kString:
      v.literal = op.text;
      return v;
    case Operand::Kind::kNumber:
    case Operand::Kind::kBool:
    case Operand::Kind::kNil:
      v.literal = op.text;
      v.numeric = true;
      return v;
  }
  for (const std::string& f : op.fields) v = Get(v, f);
  Budget(Weight(v));
  return v;
}

Sym Reader::Call(const std::string& name, const std::vector<Sym>& args,
                 Ctx& ctx, Pos pos) {
  std::optional<FunctionClass> fc = internal::LookupFunction(name);
  if (!fc) {
    Problem(ctx, pos,
            absl::StrCat("function \"", name,
                         "\" not defined (not a Go template, Sprig or Helm "
                         "function)"));
    for (const Sym& a : args) {
      Unresolve(a, ctx, pos,
                absl::StrCat("passed to the unknown function \"", name, "\""));
    }
    return Sym();
  }
  auto arg = [&](size_t i) -> const Sym& {
    static const Sym* empty = new Sym();
    return i < args.size() ? args[i] : *empty;
  };
  switch (*fc) {
    case FunctionClass::kPassThrough: {
      Sym out;
      for (const Sym& a : args) out = Union(out, a);
      if (name == "ternary") Record(arg(2), ReadKind::kTest, ctx, pos);
      return out;
    }
    case FunctionClass::kLogic: {
      Sym out;
      for (const Sym& a : args) {
        Record(a, ReadKind::kTest, ctx, pos);
        out = Union(out, a);
      }
      return out;
    }
    case FunctionClass::kTest:
      for (const Sym& a : args) Record(a, ReadKind::kTest, ctx, pos);
      return Sym();
    case FunctionClass::kWhole:
      for (const Sym& a : args) Record(a, ReadKind::kWhole, ctx, pos);
      return Sym();
    case FunctionClass::kValue:
      for (const Sym& a : args) Record(a, ReadKind::kValue, ctx, pos);
      return Sym();
    case FunctionClass::kInclude:
      if (!arg(0).literal || arg(0).numeric) {
        Record(arg(0), ReadKind::kValue, ctx, pos);
        Unresolve(arg(1), ctx, pos,
                  "passed to include with a template name computed at "
                  "render time");
        return Sym();
      }
      Include(*arg(0).literal, arg(1), ctx, pos);
      return Sym();
    case FunctionClass::kTpl:
      Record(arg(0), ReadKind::kWhole, ctx, pos);
      return Sym();
    case FunctionClass::kDict: {
      int depth = 0;
      for (const Sym& a : args) depth = std::max(depth, a.dict_depth);
      if (depth >= kMaxDictDepth) {
        for (const Sym& a : args) {
          Unresolve(
              a, ctx, pos,
              absl::StrCat("held in dicts nested deeper than ", kMaxDictDepth));
        }
        return Sym();
      }
      auto fields = std::make_shared<std::map<std::string, Sym>>();
      for (size_t i = 0; i + 1 < args.size(); i += 2) {
        if (args[i].literal && !args[i].numeric) {
          (*fields)[*args[i].literal] = args[i + 1];
        } else {
          Record(args[i + 1], ReadKind::kValue, ctx, pos);
        }
      }
      Sym out;
      if (!fields->empty()) {
        out.fields = std::move(fields);
        out.dict_depth = depth + 1;
      }
      return out;
    }
    case FunctionClass::kIndex:
    case FunctionClass::kGet: {
      Sym v = arg(0);
      for (size_t i = 1; i < args.size(); ++i) v = Key(v, args[i], ctx, pos);
      return v;
    }
    case FunctionClass::kHasKey:
      Record(Key(arg(0), arg(1), ctx, pos), ReadKind::kTest, ctx, pos);
      return Sym();
    case FunctionClass::kDig: {
      if (args.size() < 2) return Sym();
      Sym v = args.back();
      for (size_t i = 0; i + 2 < args.size(); ++i)
        v = Key(v, args[i], ctx, pos);
      return Union(v, args[args.size() - 2]);
    }
    case FunctionClass::kPluck: {
      Sym out;
      for (size_t i = 1; i < args.size(); ++i) {
        out = Union(out, Key(args[i], arg(0), ctx, pos));
      }
      return out;
    }
    case FunctionClass::kKeys:
      for (const Sym& a : args) Record(Get(a, "*"), ReadKind::kTest, ctx, pos);
      return Sym();
    case FunctionClass::kRequired:
      Record(arg(1), ReadKind::kTest, ctx, pos);
      return arg(1);
    case FunctionClass::kSet:
      for (size_t i = 2; i < args.size(); ++i) {
        Record(args[i], ReadKind::kValue, ctx, pos);
      }
      return arg(0);
  }
  return Sym();
}

// x[key]: a literal key names the child; anything else may be any child.
Sym Reader::Key(const Sym& v, const Sym& key, Ctx& ctx, Pos pos) {
  if (key.literal && !key.numeric) return Get(v, *key.literal);
  if (!key.literal) Record(key, ReadKind::kValue, ctx, pos);
  return Get(v, "*");
}

}  // namespace upgrade_core::chart::internal::template_reader
