// The Reader's walk over a template's blocks and includes, and what it
// records: reads, gates, what it could not follow (template_reader_impl.h).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/chart/template_parser.h"
#include "upgrade_core/chart/template_reader_impl.h"

namespace upgrade_core::chart::internal::template_reader {

namespace {

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

}  // namespace

bool Reader::Budget(uint64_t units) {
  steps_ += units;
  if (steps_ <= limits_.max_steps) return true;
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

void Reader::Unresolve(const Sym& s, const Ctx& ctx, Pos pos,
                       const std::string& reason) {
  if (!Budget(Weight(s))) return;
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

void Reader::Record(const Sym& s, ReadKind kind, const Ctx& ctx, Pos pos) {
  if (!Budget(Weight(s))) return;
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

void Reader::Walk(const std::vector<TemplateNode>& nodes, Ctx& ctx) {
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

void Reader::Bind(const Pipeline& pipe, const Sym& v, const Ctx& ctx, Pos pos) {
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

void Reader::Block(const TemplateNode& node, Ctx& ctx) {
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

void Reader::BlockBody(const TemplateNode& node, Ctx& ctx) {
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
    // Once spent, the walk below stops at its first node.
    Budget(1 + Weight(gate.paths));
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

void Reader::Include(const std::string& name, const Sym& arg, Ctx& ctx,
                     Pos pos) {
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

}  // namespace upgrade_core::chart::internal::template_reader
