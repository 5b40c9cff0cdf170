// The values reader: parses every template (template_parser.h), then walks
// the rendered templates with an abstract value for dot and each variable.
// An abstract value (Sym) is the set of values paths it may hold, whether it
// is the chart's top-level context, and for `dict` results the abstract
// value of each key. Reads are recorded where values are used, with the
// innermost condition around them; helpers are walked at each include with
// dot bound to what was passed (once per distinct argument and condition).
#include "upgrade_core/chart/template_reader.h"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "upgrade_core/chart/template_functions.h"
#include "upgrade_core/chart/template_parser.h"
#include "upgrade_core/document/path.h"

namespace upgrade_core::chart {

std::string ValuesPathToString(const ValuesPath& path) {
  std::string out;
  for (const std::string& key : path) {
    if (key == "*") {
      out += out.empty() ? "*" : ".*";
    } else {
      document::AppendKey(&out, key);
    }
  }
  return out;
}

namespace {

using internal::Command;
using internal::Define;
using internal::FunctionClass;
using internal::Operand;
using internal::ParsedTemplate;
using internal::Pipeline;
using internal::Pos;
using internal::TemplateNode;

// Past this many paths an abstract value stops growing (a union of unions).
constexpr size_t kMaxPathsPerValue = 64;
// Dicts nested deeper than this (`$d = dict "a" $d` in a loop of actions)
// are not followed: every operation on a value recurses through its dicts.
constexpr int kMaxDictDepth = 32;
// Paths stop growing at this many keys (`$x = $x.a` in a loop of actions
// would otherwise copy ever longer paths); what is read below is then
// "possibly read" (a whole-map read of the path reached).
constexpr size_t kMaxPathKeys = 64;

struct Sym {
  std::vector<ValuesPath> paths;
  bool root = false;  // the chart's top-level context
  ValuesPath sub;     // root: its chart's values prefix ({} = the top chart)
  bool sub_values = false;  // paths[0] is a subchart's .Values
  std::shared_ptr<const std::map<std::string, Sym>> fields;  // dict
  int dict_depth = 0;      // dicts nested in `fields`, this one included
  bool saturated = false;  // a path reached kMaxPathKeys
  std::optional<std::string> literal;
  bool numeric = false;  // literal is a number, bool or nil

  bool HasValues() const { return !paths.empty() || root || fields; }
};

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

// A stable text for memoizing helper walks.
void AppendKey(const Sym& s, std::string* out) {
  std::vector<std::string> parts;
  for (const ValuesPath& p : s.paths) parts.push_back(absl::StrJoin(p, "\x1f"));
  std::sort(parts.begin(), parts.end());
  absl::StrAppend(out, absl::StrJoin(parts, "\x1e"), s.root ? "|R" : "|",
                  absl::StrJoin(s.sub, "\x1f"), s.sub_values ? "|S" : "|");
  if (s.fields) {
    out->append("{");
    for (const auto& [k, v] : *s.fields) {
      absl::StrAppend(out, k, "=");
      AppendKey(v, out);
      out->append(";");
    }
    out->append("}");
  }
}

struct File {
  std::string source;
  ValuesPath sub;  // values prefix of the chart the file belongs to
  bool render = false;
  ParsedTemplate parsed;
};

class Reader {
 public:
  Reader(ValuesUsage* out, const ReaderLimits& limits)
      : out_(out), limits_(limits) {}

  void AddFile(std::string source, absl::string_view text, ValuesPath sub,
               bool render) {
    File& f = files_.emplace_back();
    f.source = std::move(source);
    f.sub = std::move(sub);
    f.render = render;
    internal::ParseLimits pl;
    pl.max_nesting = limits_.max_nesting;
    f.parsed = internal::ParseTemplate(text, pl);
    for (const internal::ParseError& e : f.parsed.errors) {
      document::Location loc = Loc(f, e.pos);
      out_->problems.push_back({loc, e.message});
      ValuesPath all = f.sub;
      out_->unresolved.push_back(
          {all,
           absl::StrCat("the template does not parse past ", e.pos.line, ":",
                        e.pos.column, " (", e.message,
                        "); what it reads after that is not known"),
           loc});
    }
    for (const Define& d : f.parsed.defines) {
      defines_[d.name] = {&d, &f};  // the last definition wins, as in Helm
    }
  }

  // A read the chart makes outside its templates (a dependency's condition
  // in Chart.yaml).
  void AddRead(ValuesPath path, ReadKind kind, document::Location location) {
    out_->reads.push_back({std::move(path), kind, std::move(location), -1});
  }

  void Run() {
    for (const File& f : files_) {
      if (!f.render) continue;
      Sym root;
      root.root = true;
      root.sub = f.sub;
      Ctx ctx{&f, root, -1, 0};
      PopVars(0);
      PushVar("$", root);
      Walk(f.parsed.root, ctx);
    }
  }

 private:
  struct Ctx {
    const File* file;
    Sym dot;
    int gate;
    int depth;
  };

  static document::Location Loc(const File& f, Pos pos) {
    return {f.source, pos.line, pos.column};
  }

  bool Budget() {
    if (++steps_ <= limits_.max_steps) return true;
    if (!exhausted_) {
      exhausted_ = true;
      out_->unresolved.push_back(
          {{},
           absl::StrCat("the chart's templates take more than ",
                        limits_.max_steps,
                        " steps to read (helpers including each other "
                        "too often); the rest is not analysed"),
           {}});
    }
    return false;
  }

  void Problem(const Ctx& ctx, Pos pos, std::string message) {
    out_->problems.push_back({Loc(*ctx.file, pos), std::move(message)});
  }

  void Unresolve(const Sym& s, const Ctx& ctx, Pos pos,
                 const std::string& reason) {
    document::Location loc = Loc(*ctx.file, pos);
    for (const ValuesPath& p : s.paths)
      out_->unresolved.push_back({p, reason, loc});
    if (s.root) {
      ValuesPath all = s.sub;
      out_->unresolved.push_back({all, reason, loc});
    }
    if (s.fields) {
      for (const auto& [k, v] : *s.fields) Unresolve(v, ctx, pos, reason);
    }
  }

  void Record(const Sym& s, ReadKind kind, const Ctx& ctx, Pos pos) {
    if (s.saturated) kind = ReadKind::kWhole;
    for (const ValuesPath& p : s.paths) {
      out_->reads.push_back({p, kind, Loc(*ctx.file, pos), ctx.gate});
    }
    if (s.root && kind != ReadKind::kTest) {
      // The whole context rendered (toYaml .): every value possibly read.
      ValuesPath all = s.sub;
      out_->reads.push_back(
          {all, ReadKind::kWhole, Loc(*ctx.file, pos), ctx.gate});
    }
    if (s.fields) {
      for (const auto& [k, v] : *s.fields) Record(v, kind, ctx, pos);
    }
  }

  // Variables in scope, innermost last, with an index by name: a template
  // may declare many variables and use old ones often.
  void PushVar(const std::string& name, Sym value) {
    var_index_[name].push_back(vars_.size());
    vars_.emplace_back(name, std::move(value));
  }

  void PopVars(size_t mark) {
    while (vars_.size() > mark) {
      auto it = var_index_.find(vars_.back().first);
      it->second.pop_back();
      if (it->second.empty()) var_index_.erase(it);
      vars_.pop_back();
    }
  }

  Sym* FindVar(const std::string& name) {
    auto it = var_index_.find(name);
    if (it == var_index_.end()) return nullptr;
    return &vars_[it->second.back()].second;
  }

  void Walk(const std::vector<TemplateNode>& nodes, Ctx& ctx) {
    for (const TemplateNode& node : nodes) {
      if (exhausted_) return;
      switch (node.kind) {
        case TemplateNode::Kind::kAction: {
          Sym v = EvalPipeline(node.pipe, ctx);
          if (node.pipe.variables.empty()) {
            Record(v, ReadKind::kValue, ctx, node.pos);
          } else {
            Bind(node.pipe, v, ctx, node.pos);
          }
          break;
        }
        case TemplateNode::Kind::kTemplate: {
          Sym arg = node.has_pipe ? EvalPipeline(node.pipe, ctx) : Sym();
          Include(node.name, arg, ctx, node.pos);
          break;
        }
        case TemplateNode::Kind::kIf:
        case TemplateNode::Kind::kWith:
        case TemplateNode::Kind::kRange:
          Block(node, ctx);
          break;
      }
    }
  }

  void Bind(const Pipeline& pipe, const Sym& v, const Ctx& ctx, Pos pos) {
    for (const std::string& name : pipe.variables) {
      if (pipe.declares) {
        PushVar(name, v);
      } else if (Sym* existing = FindVar(name)) {
        *existing = v;
      } else {
        Problem(ctx, pos, absl::StrCat("undefined variable ", name));
      }
    }
  }

  void Block(const TemplateNode& node, Ctx& ctx) {
    // Blocks inside helpers inside blocks: bounded as a whole, so that the
    // walk stays well inside any thread's stack.
    if (level_ >= kMaxLevel) {
      Unresolve(EvalPipeline(node.pipe, ctx), ctx, node.pos,
                "blocks and includes nested too deep to follow");
      return;
    }
    ++level_;
    BlockBody(node, ctx);
    --level_;
  }

  void BlockBody(const TemplateNode& node, Ctx& ctx) {
    const size_t mark = vars_.size();
    const size_t first_read = out_->reads.size();
    const bool is_range = node.kind == TemplateNode::Kind::kRange;
    Sym cond = EvalPipeline(node.pipe, ctx);
    Sym element = is_range ? Get(cond, "*") : cond;
    Record(is_range ? element : cond, ReadKind::kTest, ctx, node.pos);
    if (!is_range && !node.pipe.variables.empty()) {
      Bind(node.pipe, cond, ctx, node.pos);
    }
    // The condition's values: everything it read, its result included.
    Gate gate;
    for (size_t i = first_read; i < out_->reads.size(); ++i) {
      const ValueRead& r = out_->reads[i];
      if (r.kind == ReadKind::kWhole) continue;
      if (std::find(gate.paths.begin(), gate.paths.end(), r.path) ==
          gate.paths.end()) {
        gate.paths.push_back(r.path);
      }
    }
    int gate_id = ctx.gate;
    if (!gate.paths.empty()) {
      gate.location = Loc(*ctx.file, node.pos);
      gate.parent = ctx.gate;
      gate_id = static_cast<int>(out_->gates.size());
      out_->gates.push_back(std::move(gate));
    }
    Ctx body{ctx.file, ctx.dot, gate_id, ctx.depth};
    if (node.kind == TemplateNode::Kind::kWith) body.dot = cond;
    if (is_range) {
      body.dot = element;
      if (node.pipe.variables.size() == 1) {
        PushVar(node.pipe.variables[0], element);
      } else if (node.pipe.variables.size() == 2) {
        PushVar(node.pipe.variables[0], Sym());
        PushVar(node.pipe.variables[1], element);
      }
    }
    const size_t body_mark = vars_.size();
    Walk(node.body, body);
    PopVars(body_mark);
    Ctx other{ctx.file, ctx.dot, gate_id, ctx.depth};
    Walk(node.else_body, other);
    PopVars(mark);
  }

  Sym EvalPipeline(const Pipeline& pipe, Ctx& ctx) {
    std::optional<Sym> value;
    for (const Command& cmd : pipe.commands) {
      value = EvalCommand(cmd, ctx, value ? &*value : nullptr);
    }
    return value ? *std::move(value) : Sym();
  }

  Sym EvalCommand(const Command& cmd, Ctx& ctx, const Sym* piped) {
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

  Sym EvalOperand(const Operand& op, Ctx& ctx) {
    if (!Budget()) return Sym();
    Sym v;
    switch (op.kind) {
      case Operand::Kind::kDot:
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
    return v;
  }

  Sym Call(const std::string& name, const std::vector<Sym>& args, Ctx& ctx,
           Pos pos) {
    std::optional<FunctionClass> fc = internal::LookupFunction(name);
    if (!fc) {
      Problem(ctx, pos,
              absl::StrCat("function \"", name,
                           "\" not defined (not a Go template, Sprig or Helm "
                           "function)"));
      for (const Sym& a : args) {
        Unresolve(
            a, ctx, pos,
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
            Unresolve(a, ctx, pos,
                      absl::StrCat("held in dicts nested deeper than ",
                                   kMaxDictDepth));
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
        for (const Sym& a : args)
          Record(Get(a, "*"), ReadKind::kTest, ctx, pos);
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
  Sym Key(const Sym& v, const Sym& key, Ctx& ctx, Pos pos) {
    if (key.literal && !key.numeric) return Get(v, *key.literal);
    if (!key.literal) Record(key, ReadKind::kValue, ctx, pos);
    return Get(v, "*");
  }

  void Include(const std::string& name, const Sym& arg, Ctx& ctx, Pos pos) {
    auto it = defines_.find(name);
    if (it == defines_.end()) {
      Unresolve(
          arg, ctx, pos,
          absl::StrCat("passed to \"", name, "\", which no template defines"));
      return;
    }
    if (ctx.depth >= limits_.max_include_depth || level_ >= kMaxLevel) {
      Unresolve(arg, ctx, pos,
                absl::StrCat("passed to \"", name, "\" more than ",
                             limits_.max_include_depth,
                             " includes deep (recursive helpers)"));
      return;
    }
    std::string key = absl::StrCat(name, "\x1d", ctx.gate, "\x1d");
    AppendKey(arg, &key);
    if (!walked_.insert(std::move(key)).second) return;
    const auto [define, file] = it->second;
    // A helper sees only its own `$`.
    std::vector<std::pair<std::string, Sym>> saved;
    absl::flat_hash_map<std::string, std::vector<size_t>> saved_index;
    saved.swap(vars_);
    saved_index.swap(var_index_);
    PushVar("$", arg);
    Ctx inner{file, arg, ctx.gate, ctx.depth + 1};
    ++level_;
    Walk(define->body, inner);
    --level_;
    vars_.swap(saved);
    var_index_.swap(saved_index);
  }

  ValuesUsage* out_;
  const ReaderLimits& limits_;
  std::deque<File> files_;
  absl::flat_hash_map<std::string, std::pair<const Define*, const File*>>
      defines_;
  absl::flat_hash_set<std::string> walked_;
  std::vector<std::pair<std::string, Sym>> vars_;
  absl::flat_hash_map<std::string, std::vector<size_t>> var_index_;
  uint64_t steps_ = 0;
  bool exhausted_ = false;
  // Blocks plus includes currently open.
  int level_ = 0;
  static constexpr int kMaxLevel = 256;
};

// The dependency entry of Chart.yaml for `dep`, if any.
std::optional<document::Node> DependencyEntry(const Chart& chart,
                                              const Chart& dep) {
  std::optional<document::Node> deps =
      chart.metadata().root().Get("dependencies");
  if (!deps || !deps->is_list()) return std::nullopt;
  for (size_t i = 0; i < deps->size(); ++i) {
    document::Node e = deps->child(i);
    std::optional<document::Node> name = e.Get("name");
    if (name && name->is_scalar() && name->text() == dep.name()) return e;
  }
  return std::nullopt;
}

void AddChart(Reader& reader, const Chart& chart, const ValuesPath& sub) {
  for (const TemplateFile& t : chart.templates()) {
    absl::string_view base = t.name;
    if (size_t slash = base.rfind('/'); slash != absl::string_view::npos) {
      base.remove_prefix(slash + 1);
    }
    // Helm renders every template but the `_` helpers files.
    reader.AddFile(t.source, t.text, sub, !absl::StartsWith(base, "_"));
  }
  // Loading bounds the nesting of dependencies (ChartLimits).
  for (const Chart& dep : chart.dependencies()) {
    ValuesPath dep_sub = sub;
    std::optional<document::Node> entry = DependencyEntry(chart, dep);
    std::optional<document::Node> alias =
        entry ? entry->Get("alias") : std::nullopt;
    dep_sub.push_back(alias && alias->is_scalar() && !alias->text().empty()
                          ? std::string(alias->text())
                          : dep.name());
    if (entry) {
      // Helm itself reads `condition` (comma-separated values paths) and
      // `tags` to decide whether the dependency is rendered at all.
      if (std::optional<document::Node> c = entry->Get("condition");
          c && c->is_scalar()) {
        for (absl::string_view p : absl::StrSplit(c->text(), ',')) {
          p = absl::StripAsciiWhitespace(p);
          if (p.empty()) continue;
          ValuesPath path = sub;
          for (absl::string_view k : absl::StrSplit(p, '.')) {
            path.emplace_back(k);
          }
          reader.AddRead(std::move(path), ReadKind::kTest, c->location());
        }
      }
      if (std::optional<document::Node> tags = entry->Get("tags");
          tags && tags->is_list()) {
        for (size_t i = 0; i < tags->size(); ++i) {
          ValuesPath path = sub;
          path.push_back("tags");
          path.emplace_back(tags->child(i).text());
          reader.AddRead(std::move(path), ReadKind::kTest,
                         tags->child(i).location());
        }
      }
    }
    AddChart(reader, dep, dep_sub);
  }
}

enum class Relation { kNone, kEqual, kReadAbove, kReadBelow };

// How a read path relates to the user's key ("*" in the read matches any
// key).
Relation Relate(const ValuesPath& read, const ValuesPath& key) {
  const size_t n = std::min(read.size(), key.size());
  for (size_t i = 0; i < n; ++i) {
    if (read[i] != "*" && read[i] != key[i]) return Relation::kNone;
  }
  if (read.size() == key.size()) return Relation::kEqual;
  return read.size() < key.size() ? Relation::kReadAbove : Relation::kReadBelow;
}

bool IsDirect(const ValueRead& r, const ValuesPath& key) {
  switch (Relate(r.path, key)) {
    case Relation::kEqual:
    case Relation::kReadBelow:
      return true;
    case Relation::kReadAbove:
      return r.kind == ReadKind::kValue;
    case Relation::kNone:
      return false;
  }
  return false;
}

}  // namespace

ValuesUsage::Verdict ValuesUsage::Classify(const ValuesPath& key) const {
  Verdict v;
  for (const ValueRead& r : reads) {
    if (IsDirect(r, key)) {
      v.use = Use::kRead;
      v.read = &r;
      return v;
    }
    if (v.read == nullptr && r.kind == ReadKind::kWhole &&
        Relate(r.path, key) == Relation::kReadAbove) {
      v.use = Use::kPossiblyRead;
      v.read = &r;
    }
  }
  if (v.read != nullptr) return v;
  for (const Unresolved& u : unresolved) {
    if (Relate(u.path, key) != Relation::kNone) {
      v.use = Use::kNotAnalysed;
      v.unresolved = &u;
      return v;
    }
  }
  return v;
}

std::vector<const ValueRead*> ValuesUsage::ReadsOf(
    const ValuesPath& key) const {
  std::vector<const ValueRead*> direct, whole;
  for (const ValueRead& r : reads) {
    if (IsDirect(r, key)) {
      direct.push_back(&r);
    } else if (r.kind == ReadKind::kWhole &&
               Relate(r.path, key) == Relation::kReadAbove) {
      whole.push_back(&r);
    }
  }
  return direct.empty() ? whole : direct;
}

std::vector<const Gate*> ValuesUsage::GatesOf(const ValueRead& read) const {
  std::vector<const Gate*> out;
  for (int g = read.gate; g >= 0 && g < static_cast<int>(gates.size());
       g = gates[g].parent) {
    out.push_back(&gates[g]);
  }
  return out;
}

ValuesUsage ReadValuesUsage(const Chart& chart, const ReaderLimits& limits) {
  ValuesUsage usage;
  Reader reader(&usage, limits);
  AddChart(reader, chart, {});
  reader.Run();
  return usage;
}

ValuesUsage ReadTemplateValuesUsage(absl::string_view text,
                                    absl::string_view source,
                                    const ReaderLimits& limits) {
  ValuesUsage usage;
  Reader reader(&usage, limits);
  reader.AddFile(std::string(source), text, {}, true);
  reader.Run();
  return usage;
}

}  // namespace upgrade_core::chart
