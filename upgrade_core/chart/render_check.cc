// The abstract evaluator behind CheckRender. Values are known where they come
// from the effective values or from literals and the functions modelled
// below; anything else is Unknown, and a condition on an Unknown reads both
// branches with reachability "possible". Text between actions is never
// produced: only what can fail is evaluated.
#include "upgrade_core/chart/render_check.h"

#include <pthread.h>

#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/chart/template_functions.h"
#include "upgrade_core/chart/template_parser.h"

namespace upgrade_core::chart {
namespace {

using document::Location;
using document::Node;
using document::NodeKind;
using internal::Command;
using internal::Define;
using internal::Operand;
using internal::ParsedTemplate;
using internal::Pipeline;
using internal::Pos;
using internal::TemplateNode;

enum class Tri { kFalse, kTrue, kUnknown };

struct Val;
using Dict = std::vector<std::pair<std::string, Val>>;

// An abstract value.
struct Val {
  enum class K : uint8_t {
    kUnknown,
    kRoot,     // the root context: .Values, .Release, ...
    kBuiltin,  // .Release, .Chart, .Capabilities, .Template, .Files
    kNode,     // a node of the effective values
    kMissing,  // a key absent from a known map (Go's nil interface)
    kNil,
    kString,
    kBool,
    kNumber,
    kDict,  // built by dict/merge
  };
  K k = K::kUnknown;
  bool map_shape = false;  // kUnknown known to be a map
  Node node;               // kNode; kRoot: the values
  std::string text;        // kString
  bool b = false;
  double num = 0;
  std::shared_ptr<const Dict> dict;
  // Where the value comes from, for messages: a values path ("a.b") when
  // from_values, else a description ("merge ...").
  std::string path;
  bool from_values = false;
  // Which chart's values (an index into the evaluator's prefixes: 0 is the
  // chart checked, others its dependencies, "database" for an alias).
  uint16_t chart = 0;
  Location set_at;
  // For a bool computed from a value (eq, hasKey, not, empty): what it
  // asserts when true, e.g. `controller.kind is "DaemonSet"`.
  std::string claim;
};

Val Unknown() { return Val(); }
Val Str(std::string s) {
  Val v;
  v.k = Val::K::kString;
  v.text = std::move(s);
  return v;
}
Val Bool(bool b) {
  Val v;
  v.k = Val::K::kBool;
  v.b = b;
  return v;
}
Val Num(double d) {
  Val v;
  v.k = Val::K::kNumber;
  v.num = d;
  return v;
}

bool IsRootObject(absl::string_view f) {
  return f == "Values" || f == "Release" || f == "Chart" ||
         f == "Capabilities" || f == "Template" || f == "Files" ||
         f == "Subcharts";
}

Tri TriOf(bool b) { return b ? Tri::kTrue : Tri::kFalse; }

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

// Walk levels (blocks and includes together) on the evaluator's own stack.
constexpr int kMaxWalkDepth = 5000;
// Without a thread of its own (thread creation failed) the caller's stack
// is all there is: a bound any thread's stack holds.
constexpr int kMaxWalkDepthOnCallerStack = 400;
constexpr size_t kEvaluatorStackBytes = size_t{256} << 20;

// Evaluation recurses once per block and per include (includes alone nest
// 1000 deep, as Helm allows), a few KiB per level: it runs on a thread with
// a stack sized for kMaxWalkDepth levels, whatever the caller's thread has
// (Python threads, small default stacks). Returns false when no such thread
// could be made; `fn` has not run then.
bool RunOnLargeStack(const std::function<void()>& fn) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  pthread_t thread;
  bool ok = pthread_attr_setstacksize(&attr, kEvaluatorStackBytes) == 0 &&
            pthread_create(
                &thread, &attr,
                [](void* p) -> void* {
                  (*static_cast<const std::function<void()>*>(p))();
                  return nullptr;
                },
                const_cast<std::function<void()>*>(&fn)) == 0;
  pthread_attr_destroy(&attr);
  if (ok) pthread_join(thread, nullptr);
  return ok;
}

struct File {
  std::string source;
  bool render = false;
  Node values;  // the .Values of the chart the file belongs to
  uint16_t chart = 0;
  ParsedTemplate parsed;
};

struct Ctx {
  const File* file;
  Val dot;
  bool certain;
  std::string undecided;
  size_t var_base;
  int depth;
};

class Evaluator {
 public:
  Evaluator(RenderResult* out, const RenderLimits& limits, Node values)
      : out_(out), limits_(limits) {
    root_.k = Val::K::kRoot;
    root_.node = values;
  }

  void AddFile(std::string source, absl::string_view text, bool render,
               std::optional<Node> values = std::nullopt, uint16_t chart = 0) {
    File& f = files_.emplace_back();
    f.chart = chart;
    f.source = std::move(source);
    f.render = render;
    f.values = values ? *values : root_.node;
    internal::ParseLimits pl;
    pl.max_nesting = limits_.max_nesting;
    f.parsed = internal::ParseTemplate(text, pl);
    for (const internal::ParseError& e : f.parsed.errors) {
      RenderFinding r;
      r.kind = RenderFinding::Kind::kParseError;
      r.certain = false;
      r.location = Loc(f, e.pos);
      r.message = absl::StrCat(
          "the template does not parse: ", e.message,
          "; Helm may refuse it too, and nothing after this point is checked");
      r.undecided = "the reader's parser, not Go's, found this";
      AddFinding(std::move(r));
    }
    for (const Define& d : f.parsed.defines) {
      defines_[d.name] = {&d, &f};  // the last definition wins, as in Helm
    }
  }

  // A dependency's values prefix as the user writes it ("database"); its
  // index goes into Val::chart.
  uint16_t AddPrefix(std::string prefix) {
    if (prefixes_.size() >= 0xffff) return 0;
    prefixes_.push_back(std::move(prefix));
    return static_cast<uint16_t>(prefixes_.size() - 1);
  }
  const std::string& Prefix(uint16_t chart) const { return prefixes_[chart]; }

  // Keeps a dependency's effective values alive as long as the evaluator.
  Node Keep(document::Document doc) {
    return kept_.emplace_back(std::move(doc)).root();
  }

  void Gap(Location loc, std::string reason) {
    if (gap_keys_.insert(absl::StrCat(loc.ToString(), "\n", reason)).second) {
      out_->not_analysed.push_back({std::move(loc), std::move(reason)});
    }
  }

  void Run() {
    for (const File& f : files_) {
      // Helm refuses a chart with a template that does not parse; the
      // parse error is the finding.
      if (!f.render || !f.parsed.errors.empty()) continue;
      abort_ = false;
      vars_.clear();
      Val root = root_;
      root.node = f.values;
      root.chart = f.chart;
      vars_.emplace_back("$", root);
      Ctx ctx{&f, root, true, "", 0, 0};
      Walk(f.parsed.root, ctx);
    }
    out_->steps = steps_;
  }

 private:
  static Location Loc(const File& f, Pos pos) {
    return {f.source, pos.line, pos.column};
  }

  bool Budget(const Ctx& ctx) {
    if (++steps_ <= limits_.max_steps) return true;
    if (!exhausted_) {
      exhausted_ = true;
      Gap({ctx.file->source, 0, 0},
          absl::StrCat("the templates take more than ", limits_.max_steps,
                       " steps to evaluate; the rest is not analysed"));
    }
    return false;
  }

  void AddFinding(RenderFinding r) {
    std::string key = absl::StrCat(static_cast<int>(r.kind), "\n",
                                   r.location.ToString(), "\n", r.message);
    auto it = finding_index_.find(key);
    if (it != finding_index_.end()) {
      RenderFinding& old = out_->findings[it->second];
      if (!old.certain && r.certain) old = std::move(r);
      return;
    }
    finding_index_[key] = out_->findings.size();
    out_->findings.push_back(std::move(r));
  }

  void Report(const Ctx& ctx, Pos pos, RenderFinding::Kind kind,
              std::string message, bool value_certain = true,
              std::string why = "", const Val* value = nullptr) {
    // Helm stops at the first error; what follows it in this template is
    // not run.
    if (abort_) return;
    RenderFinding r;
    r.kind = kind;
    r.certain = ctx.certain && value_certain;
    r.location = Loc(*ctx.file, pos);
    r.message = std::move(message);
    r.chain = chain_;
    r.conditions = conditions_;
    if (value != nullptr && value->from_values) {
      r.value_path = Child(prefixes_[value->chart], value->path);
      if (prefixes_[value->chart].empty()) r.value_path = value->path;
      r.value_set_at = value->set_at;
    }
    if (!r.certain) {
      r.undecided = !ctx.certain ? ctx.undecided : std::move(why);
    } else {
      // Helm stops rendering at the first error: nothing after it in this
      // template would run.
      abort_ = true;
    }
    AddFinding(std::move(r));
  }

  // ---- blocks ----

  void Walk(const std::vector<TemplateNode>& nodes, const Ctx& ctx) {
    // Blocks inside includes inside blocks: bounded as a whole, whatever
    // each bound allows on its own (see RunOnLargeStack).
    if (walk_depth_ >= max_walk_depth_) {
      if (!too_deep_) {
        too_deep_ = true;
        Gap({ctx.file->source, 0, 0},
            absl::StrCat("blocks and includes nest deeper than ",
                         max_walk_depth_,
                         " levels; what lies deeper is not analysed"));
      }
      return;
    }
    ++walk_depth_;
    for (const TemplateNode& n : nodes) {
      if (exhausted_ || abort_) break;
      WalkNode(n, ctx);
    }
    --walk_depth_;
  }

 public:
  void set_max_walk_depth(int depth) { max_walk_depth_ = depth; }

 private:
  // Reads `body` with `dot` under the condition `cond` (decided by `v`).
  void Branch(const std::vector<TemplateNode>& body, const Ctx& ctx,
              const Val& dot, Tri t, const Val& v, Pos pos, bool taken) {
    if (body.empty()) return;
    Ctx inner = ctx;
    inner.dot = dot;
    const size_t marks = vars_.size();
    const size_t conds = conditions_.size();
    if (t == Tri::kUnknown) {
      if (inner.certain) {
        inner.certain = false;
        inner.undecided = absl::StrCat(
            "the condition at ", Loc(*ctx.file, pos).ToString(),
            " could not be decided statically (",
            v.map_shape || v.k != Val::K::kUnknown
                ? Describe(v)
                : std::string("a value computed by a function not modelled"),
            ")");
      }
    } else if (v.from_values) {
      RenderCondition c;
      c.path = prefixes_[v.chart].empty() ? v.path
                                          : Child(prefixes_[v.chart], v.path);
      std::string what;
      if (!v.claim.empty()) {
        c.description = taken ? v.claim : absl::StrCat("not: ", v.claim);
      } else if (taken) {
        what = v.k == Val::K::kNode && v.node.kind() == NodeKind::kBool
                   ? "is true"
                   : "is set";
      } else {
        what = v.k == Val::K::kMissing ? "is not set" : "is empty or false";
      }
      if (c.description.empty()) {
        c.description = absl::StrCat(v.path, " ", what);
      }
      c.set_at = v.set_at;
      c.condition = Loc(*ctx.file, pos);
      conditions_.push_back(std::move(c));
    }
    // Variables assigned in a branch that may not run are unknown after it.
    std::vector<size_t> assigned;
    std::vector<size_t>* outer_log = assign_log_;
    if (t == Tri::kUnknown) assign_log_ = &assigned;
    Walk(body, inner);
    assign_log_ = outer_log;
    vars_.resize(marks);
    conditions_.resize(conds);
    for (size_t i : assigned) {
      if (i < vars_.size()) vars_[i].second = Unknown();
      if (outer_log != nullptr) outer_log->push_back(i);
    }
  }

  void WalkNode(const TemplateNode& n, const Ctx& ctx) {
    switch (n.kind) {
      case TemplateNode::Kind::kAction:
        EvalPipeline(n.pipe, ctx, /*declare_here=*/true);
        return;
      case TemplateNode::Kind::kTemplate: {
        Val arg = n.has_pipe ? EvalPipeline(n.pipe, ctx, false) : Val();
        if (!n.has_pipe) arg.k = Val::K::kNil;
        Include(n.name, arg, ctx, n.pos, "template");
        return;
      }
      case TemplateNode::Kind::kIf:
      case TemplateNode::Kind::kWith: {
        const size_t marks = vars_.size();
        Val v = EvalPipeline(n.pipe, ctx, true);
        Tri t = Truth(v);
        const bool with = n.kind == TemplateNode::Kind::kWith;
        if (t != Tri::kFalse) {
          Branch(n.body, ctx, with ? v : ctx.dot, t, v, n.pos, true);
        }
        if (t != Tri::kTrue) {
          Branch(n.else_body, ctx, ctx.dot, t, v, n.pos, false);
        }
        vars_.resize(marks);
        return;
      }
      case TemplateNode::Kind::kRange:
        Range(n, ctx);
        return;
    }
  }

  __attribute__((noinline)) void Range(const TemplateNode& n, const Ctx& ctx) {
    const size_t marks = vars_.size();
    // The range's variables are bound per element, not to the pipeline.
    Val v = EvalPipeline(n.pipe, ctx, false);
    const std::vector<std::string>& names = n.pipe.variables;
    auto bind = [&](const Val& key, const Val& elem) {
      if (names.size() == 1) {
        vars_.emplace_back(names[0], elem);
      } else if (names.size() == 2) {
        vars_.emplace_back(names[0], key);
        vars_.emplace_back(names[1], elem);
      }
    };
    auto scalar = [&](absl::string_view type) {
      Report(ctx, n.pos, RenderFinding::Kind::kRangeScalar,
             absl::StrCat("range over ", Describe(v), " (", type,
                          "): Helm fails with \"range can't iterate over ",
                          TruncateValue(v), "\""),
             true, "", &v);
    };
    std::vector<std::pair<Val, Val>> items;
    Tri t = Tri::kUnknown;
    bool unknown_items = false;
    if (v.k == Val::K::kNode) {
      const Node& node = v.node;
      if (node.is_list() || node.is_map()) {
        t = TriOf(node.size() > 0);
        const size_t n_items = std::min<size_t>(
            node.size(), static_cast<size_t>(limits_.max_range_items));
        for (size_t i = 0; i < n_items; ++i) {
          Val e;
          e.k = Val::K::kNode;
          e.node = node.child(i);
          e.from_values = true;
          e.chart = v.chart;
          e.set_at = e.node.location();
          Val key;
          if (node.is_map()) {
            e.path = Child(v.path, node.key(i));
            key = Str(std::string(node.key(i)));
          } else {
            e.path = absl::StrCat(v.path, "[", i, "]");
            key = Num(static_cast<double>(i));
          }
          items.emplace_back(key, e);
        }
      } else if (node.is_null()) {
        t = Tri::kFalse;
      } else if (node.kind() == NodeKind::kInt) {
        // Go 1.22+ ranges over integers; older Helm builds fail.
        t = TriOf(node.int_value() > 0);
        unknown_items = true;
      } else {
        scalar(GoType(v));
        vars_.resize(marks);
        return;
      }
    } else if (v.k == Val::K::kDict) {
      t = TriOf(!v.dict->empty());
      for (const auto& [k, e] : *v.dict) items.emplace_back(Str(k), e);
    } else if (v.k == Val::K::kMissing || v.k == Val::K::kNil) {
      t = Tri::kFalse;
    } else if (v.k == Val::K::kString || v.k == Val::K::kBool) {
      scalar(GoType(v));
      vars_.resize(marks);
      return;
    } else {
      unknown_items = true;
    }
    if (t != Tri::kFalse) {
      if (unknown_items || items.empty()) {
        const size_t m = vars_.size();
        bind(Unknown(), Unknown());
        Branch(n.body, ctx, Unknown(), t, v, n.pos, true);
        vars_.resize(m);
      } else {
        for (const auto& [key, elem] : items) {
          const size_t m = vars_.size();
          bind(key, elem);
          Branch(n.body, ctx, elem, t, v, n.pos, true);
          vars_.resize(m);
          if (exhausted_) break;
        }
      }
    }
    if (t != Tri::kTrue) Branch(n.else_body, ctx, ctx.dot, t, v, n.pos, false);
    vars_.resize(marks);
  }

  static std::string TruncateValue(const Val& v) {
    if (v.k == Val::K::kNode) return document::NodeToDisplay(v.node, 40);
    if (v.k == Val::K::kString) return document::TruncateForDisplay(v.text, 40);
    if (v.k == Val::K::kBool) return v.b ? "true" : "false";
    return "the value";
  }

  // ---- includes ----

  Val Include(const std::string& name, const Val& arg, const Ctx& ctx, Pos pos,
              absl::string_view how) {
    auto it = defines_.find(name);
    if (it == defines_.end()) {
      Report(ctx, pos, RenderFinding::Kind::kUndefinedTemplate,
             absl::StrCat(how, " \"", name,
                          "\": no template defines it; Helm fails with "
                          "\"no template \\\"",
                          name, "\\\" associated with template\""));
      return Unknown();
    }
    if (ctx.depth >= limits_.max_include_depth) {
      Report(ctx, pos, RenderFinding::Kind::kIncludeDepth,
             absl::StrCat(how, " \"", name, "\" nests includes deeper than ",
                          limits_.max_include_depth,
                          "; Helm fails with \"nested reference name "
                          "exceeded max depth\""),
             ctx.certain, "the recursion's end condition was not decided");
      return Unknown();
    }
    const Define* d = it->second.first;
    const File* file = it->second.second;
    chain_.push_back(absl::StrCat(how, " \"", name, "\" at ",
                                  Loc(*ctx.file, pos).ToString()));
    const size_t base = vars_.size();
    vars_.emplace_back("$", arg);
    Ctx inner{file, arg, ctx.certain, ctx.undecided, base, ctx.depth + 1};
    Walk(d->body, inner);
    vars_.resize(base);
    chain_.pop_back();
    return Unknown();  // rendered text
  }

  // ---- pipelines ----

  Val EvalPipeline(const Pipeline& p, const Ctx& ctx, bool declare_here) {
    Val v;
    bool first = true;
    for (const Command& c : p.commands) {
      v = EvalCommand(c, ctx, first ? nullptr : &v);
      first = false;
    }
    if (!p.variables.empty() && declare_here) {
      if (p.declares) {
        for (const std::string& name : p.variables) vars_.emplace_back(name, v);
      } else {
        for (const std::string& name : p.variables) {
          for (size_t i = vars_.size(); i > ctx.var_base; --i) {
            if (vars_[i - 1].first == name) {
              vars_[i - 1].second = v;
              if (assign_log_ != nullptr) assign_log_->push_back(i - 1);
              break;
            }
          }
        }
      }
    }
    return v;
  }

  Val EvalCommand(const Command& c, const Ctx& ctx, const Val* piped) {
    const Operand& head = c.operands[0];
    if (head.kind == Operand::Kind::kFunction && head.text == "include") {
      return CallInclude(head, c, ctx, piped);
    }
    if (head.kind == Operand::Kind::kFunction) {
      return Call(head, c, ctx, piped);
    }
    Val v = EvalOperand(head, ctx);
    for (size_t i = 1; i < c.operands.size(); ++i)
      EvalOperand(c.operands[i], ctx);
    return v;
  }

  Val EvalOperand(const Operand& op, const Ctx& ctx) {
    if (!Budget(ctx)) return Unknown();
    switch (op.kind) {
      case Operand::Kind::kDot:
        return ctx.dot;
      case Operand::Kind::kField:
        return Access(ctx.dot, op.fields, ctx, op.pos, ".");
      case Operand::Kind::kVariable: {
        Val base = Unknown();
        for (size_t i = vars_.size(); i > ctx.var_base; --i) {
          if (vars_[i - 1].first == op.text) {
            base = vars_[i - 1].second;
            break;
          }
        }
        return Access(base, op.fields, ctx, op.pos, op.text);
      }
      case Operand::Kind::kString:
        return Str(op.text);
      case Operand::Kind::kNumber:
        return Num(std::strtod(op.text.c_str(), nullptr));
      case Operand::Kind::kBool:
        return Bool(op.text == "true");
      case Operand::Kind::kNil: {
        Val v;
        v.k = Val::K::kNil;
        return v;
      }
      case Operand::Kind::kParen: {
        Val v = EvalPipeline(*op.pipe, ctx, true);
        return Access(v, op.fields, ctx, op.pos, "(...)");
      }
      case Operand::Kind::kFunction: {
        Command c;
        c.pos = op.pos;
        Operand head;
        head.kind = Operand::Kind::kFunction;
        head.text = op.text;
        head.pos = op.pos;
        c.operands.push_back(std::move(head));
        return Call(c.operands[0], c, ctx, nullptr);
      }
    }
    return Unknown();
  }

  // `.a.b.c` on `base`. Reports the first field that fails and returns
  // Unknown after it (Helm stops there).
  Val Access(Val v, const std::vector<std::string>& fields, const Ctx& ctx,
             Pos pos, absl::string_view prefix) {
    std::string written(prefix == "." ? "" : prefix);
    for (size_t i = 0; i < fields.size(); ++i) {
      const std::string& f = fields[i];
      const std::string before = written.empty() ? "." : written;
      absl::StrAppend(&written, ".", f);
      switch (v.k) {
        case Val::K::kRoot:
          if (f == "Values" && !v.node.is_map()) {
            // Helm's .Values is a map even when no values are given.
            Val n;
            n.k = Val::K::kDict;
            n.dict = std::make_shared<Dict>();
            n.from_values = true;
            n.chart = v.chart;
            v = std::move(n);
          } else if (f == "Values") {
            Val n;
            n.k = Val::K::kNode;
            n.node = v.node;
            n.from_values = true;
            n.chart = v.chart;
            n.set_at = v.node.location();
            v = std::move(n);
          } else if (IsRootObject(f)) {
            Val b;
            b.k = Val::K::kBuiltin;
            v = std::move(b);
          } else {
            v = Val();
            v.k = Val::K::kMissing;
          }
          continue;
        case Val::K::kBuiltin:
        case Val::K::kUnknown:
          if (v.map_shape && IsRootObject(f)) {
            NotRoot(v, fields, i, std::string(prefix == "." ? "" : prefix), ctx,
                    pos,
                    /*certain=*/false);
          }
          return Unknown();
        case Val::K::kNode:
          if (v.node.is_map()) {
            std::optional<Node> c = v.node.Get(f);
            if (!c && IsRootObject(f)) {
              NotRoot(v, fields, i, std::string(prefix == "." ? "" : prefix),
                      ctx, pos, true);
              return Unknown();
            }
            Val n;
            n.from_values = v.from_values;
            n.chart = v.chart;
            n.path = Child(v.path, f);
            if (c) {
              n.k = Val::K::kNode;
              n.node = *c;
              n.set_at = c->location();
            } else {
              n.k = Val::K::kMissing;
              n.set_at = v.set_at;
            }
            v = std::move(n);
            continue;
          }
          if (v.node.is_null()) break;  // nil below
          Report(ctx, pos, RenderFinding::Kind::kFieldOnScalar,
                 absl::StrCat(written, ": ", Describe(v),
                              " is not a map; Helm fails with \"can't "
                              "evaluate field ",
                              f, " in type ", GoType(v), "\""),
                 true, "", &v);
          return Unknown();
        case Val::K::kDict: {
          const Val* found = nullptr;
          for (const auto& [k, e] : *v.dict) {
            if (k == f) found = &e;
          }
          if (found == nullptr && IsRootObject(f)) {
            NotRoot(v, fields, i, std::string(prefix == "." ? "" : prefix), ctx,
                    pos, true);
            return Unknown();
          }
          if (found != nullptr) {
            v = *found;
          } else {
            Val n;
            n.k = Val::K::kMissing;
            n.from_values = v.from_values;
            n.chart = v.chart;
            n.path = Child(v.path, f);
            v = std::move(n);
          }
          continue;
        }
        case Val::K::kString:
        case Val::K::kBool:
        case Val::K::kNumber:
          Report(ctx, pos, RenderFinding::Kind::kFieldOnScalar,
                 absl::StrCat(written, ": ", Describe(v),
                              " is not a map; Helm fails with \"can't "
                              "evaluate field ",
                              f, " in type ", GoType(v), "\""),
                 true, "", &v);
          return Unknown();
        case Val::K::kMissing:
        case Val::K::kNil:
          break;
      }
      // v is nil: reading a field of it fails.
      const std::string what =
          v.from_values ? absl::StrCat(".Values.", v.path) : before;
      std::string state = " is not set";
      if (v.k == Val::K::kNode) {
        state = v.set_at.known() ? absl::StrCat(" is null (set at ",
                                                v.set_at.ToString(), ")")
                                 : " is null";
      }
      Report(ctx, pos, RenderFinding::Kind::kMissingMap,
             absl::StrCat(written, ": ", what, state,
                          " and nothing guards it; Helm fails with \"nil "
                          "pointer evaluating interface {}.",
                          f, "\""),
             true, "", &v);
      return Unknown();
    }
    return v;
  }

  // `fields[i]` (.Values, .Release, ...) read on a map dot.
  void NotRoot(const Val& v, const std::vector<std::string>& fields, size_t i,
               const std::string& prefix, const Ctx& ctx, Pos pos,
               bool certain) {
    std::string expr = prefix;
    for (const std::string& f : fields) absl::StrAppend(&expr, ".", f);
    std::string consequence =
        i + 1 < fields.size()
            ? absl::StrCat(
                  "Helm fails with \"nil pointer evaluating "
                  "interface {}.",
                  fields[i + 1], "\"")
            : std::string("Helm renders it as \"<no value>\"");
    Report(ctx, pos, RenderFinding::Kind::kNotRoot,
           absl::StrCat(expr, " is read where the dot is ", Describe(v),
                        ", not the root context, so .", fields[i],
                        " is nil there; ", consequence, " (use $.", fields[i],
                        " where $ is the root, or pass the root context)"),
           certain, "the dot is a map the evaluator could not see into");
  }

  // ---- functions ----

  Val CallInclude(const Operand& head, const Command& c, const Ctx& ctx,
                  const Val* piped) {
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

  Val Arg(const Command& c, size_t i, const Ctx& ctx, const Val* piped) {
    if (i < c.operands.size()) return EvalOperand(c.operands[i], ctx);
    return piped != nullptr ? *piped : Unknown();
  }

  // Not inlined: its frame is large, and only include's smaller frame
  // (CallInclude) sits on the recursion path.
  __attribute__((noinline)) Val Call(const Operand& head, const Command& c,
                                     const Ctx& ctx, const Val* piped) {
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
      const bool empty =
          args[1].k == Val::K::kMissing || args[1].k == Val::K::kNil ||
          (args[1].k == Val::K::kNode && args[1].node.is_null()) ||
          (args[1].k == Val::K::kString && args[1].text.empty()) ||
          (args[1].k == Val::K::kNode &&
           args[1].node.kind() == NodeKind::kString &&
           args[1].node.text().empty());
      if (empty) {
        Report(
            ctx, head.pos, RenderFinding::Kind::kRequired,
            absl::StrCat(
                "required value is empty",
                args[1].from_values
                    ? absl::StrCat(" (.Values.", args[1].path, ")")
                    : std::string(),
                "; Helm fails with \"",
                args[0].k == Val::K::kString ? args[0].text : "required", "\""),
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

  static Val Derived(Val r, const Val& from) {
    r.from_values = from.from_values;
    r.chart = from.chart;
    r.path = from.path;
    r.set_at = from.set_at;
    return r;
  }

  static Val MapShaped(absl::string_view what) {
    Val v;
    v.map_shape = true;
    v.path = std::string(what);
    return v;
  }

  // Sprig's merge: the first map wins, later ones fill in missing keys (one
  // level deep here; nested maps keep the winner's).
  Val Merge(absl::string_view name, const std::vector<Val>& args) {
    std::vector<std::string> parts;
    for (const Val& a : args) {
      parts.push_back(a.from_values
                          ? absl::StrCat(".Values.", a.path)
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

  RenderResult* out_;
  const RenderLimits& limits_;
  Val root_;
  std::vector<std::string> prefixes_ = {""};
  std::deque<document::Document> kept_;
  std::deque<File> files_;
  absl::flat_hash_map<std::string, std::pair<const Define*, const File*>>
      defines_;
  std::vector<std::pair<std::string, Val>> vars_;
  std::vector<std::string> chain_;
  std::vector<RenderCondition> conditions_;
  std::map<std::string, size_t> finding_index_;
  std::set<std::string> gap_keys_;
  uint64_t steps_ = 0;
  bool exhausted_ = false;
  bool abort_ = false;
  std::vector<size_t>* assign_log_ = nullptr;
  int walk_depth_ = 0;
  int max_walk_depth_ = kMaxWalkDepth;
  bool too_deep_ = false;
};

// The key of `dep`'s values in its parent's: its alias in the parent's
// Chart.yaml, else its name.
std::string DependencyKey(const Chart& parent, const Chart& dep) {
  std::optional<Node> deps = parent.metadata().root().Get("dependencies");
  if (deps && deps->is_list()) {
    for (size_t i = 0; i < deps->size(); ++i) {
      Node e = deps->child(i);
      std::optional<Node> name = e.Get("name");
      if (!name || !name->is_scalar() || name->text() != dep.name()) continue;
      std::optional<Node> alias = e.Get("alias");
      if (alias && alias->is_scalar() && !alias->text().empty()) {
        return std::string(alias->text());
      }
      break;
    }
  }
  return dep.name();
}

void AddDefinesOf(Evaluator& ev, const Chart& chart, bool render,
                  const Node& values, const DependencyValues* dep_values,
                  uint16_t chart_index = 0) {
  for (const TemplateFile& t : chart.templates()) {
    absl::string_view base = t.name;
    if (size_t slash = base.rfind('/'); slash != absl::string_view::npos) {
      base.remove_prefix(slash + 1);
    }
    // Helm renders every template but the `_` helpers files (and NOTES.txt,
    // which `helm install` renders too).
    ev.AddFile(t.source, t.text, render && !absl::StartsWith(base, "_"), values,
               chart_index);
  }
  // Helm puts every template of the chart and its dependencies in one
  // namespace: a dependency's defines are there even when it is disabled.
  for (const Chart& dep : chart.dependencies()) {
    if (dep_values == nullptr || !*dep_values || !render) {
      if (render) {
        ev.Gap({dep.source(), 0, 0},
               absl::StrCat("the templates of dependency \"", dep.name(),
                            "\" are not evaluated (only its defines are "
                            "available to includes)"));
      }
      AddDefinesOf(ev, dep, false, Node(), nullptr);
      continue;
    }
    std::optional<document::Document> d = (*dep_values)(chart, values, dep);
    if (!d) {  // disabled: not rendered
      AddDefinesOf(ev, dep, false, Node(), nullptr);
      continue;
    }
    const std::string& parent = ev.Prefix(chart_index);
    std::string key = DependencyKey(chart, dep);
    AddDefinesOf(ev, dep, true, ev.Keep(*std::move(d)), dep_values,
                 ev.AddPrefix(parent.empty() ? key : Child(parent, key)));
  }
}

}  // namespace

absl::string_view RenderFindingKindName(RenderFinding::Kind kind) {
  switch (kind) {
    case RenderFinding::Kind::kMissingMap:
      return "missing-map";
    case RenderFinding::Kind::kNotRoot:
      return "not-root";
    case RenderFinding::Kind::kFieldOnScalar:
      return "field-on-scalar";
    case RenderFinding::Kind::kRequired:
      return "required";
    case RenderFinding::Kind::kFail:
      return "fail";
    case RenderFinding::Kind::kUndefinedTemplate:
      return "undefined-template";
    case RenderFinding::Kind::kRangeScalar:
      return "range-scalar";
    case RenderFinding::Kind::kIncludeDepth:
      return "include-depth";
    case RenderFinding::Kind::kParseError:
      return "parse-error";
  }
  return "unknown";
}

RenderResult CheckRender(const Chart& chart, const document::Node& values,
                         const RenderLimits& limits) {
  return CheckRender(chart, values, limits, nullptr);
}

RenderResult CheckRender(const Chart& chart, const document::Node& values,
                         const RenderLimits& limits,
                         const DependencyValues& dependency_values) {
  RenderResult out;
  Evaluator ev(&out, limits, values);
  AddDefinesOf(ev, chart, true, values, &dependency_values);
  if (!RunOnLargeStack([&ev] { ev.Run(); })) {
    ev.set_max_walk_depth(kMaxWalkDepthOnCallerStack);
    ev.Run();
  }
  return out;
}

RenderResult CheckRenderText(absl::string_view text, absl::string_view source,
                             const document::Node& values,
                             const RenderLimits& limits) {
  RenderResult out;
  Evaluator ev(&out, limits, values);
  ev.AddFile(std::string(source), text, true);
  if (!RunOnLargeStack([&ev] { ev.Run(); })) {
    ev.set_max_walk_depth(kMaxWalkDepthOnCallerStack);
    ev.Run();
  }
  return out;
}

}  // namespace upgrade_core::chart
