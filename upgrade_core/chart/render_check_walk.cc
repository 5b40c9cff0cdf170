// The Evaluator's walk over a template's blocks: if/with conditions, range,
// template and include (render_check_impl.h).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "upgrade_core/chart/render_check_impl.h"
#include "upgrade_core/chart/template_parser.h"

namespace upgrade_core::chart::internal::render_check {

// ---- blocks ----

void Evaluator::Walk(const std::vector<TemplateNode>& nodes, const Ctx& ctx) {
  // Blocks inside includes inside blocks: bounded as a whole, whatever
  // each bound allows on its own (see RunOnLargeStack).
  if (walk_depth_ >= max_walk_depth_) {
    if (!too_deep_) {
      too_deep_ = true;
      Gap({ctx.file->source, 0, 0},
          absl::StrCat("blocks and includes nest deeper than ", max_walk_depth_,
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

// Reads `body` with `dot` under the condition `cond` (decided by `v`).
void Evaluator::Branch(const std::vector<TemplateNode>& body, const Ctx& ctx,
                       const Val& dot, Tri t, const Val& v, Pos pos,
                       bool taken) {
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
    c.path =
        prefixes_[v.chart].empty() ? v.path : Child(prefixes_[v.chart], v.path);
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

void Evaluator::WalkNode(const TemplateNode& n, const Ctx& ctx) {
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

void Evaluator::Range(const TemplateNode& n, const Ctx& ctx) {
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

std::string Evaluator::TruncateValue(const Val& v) {
  if (v.k == Val::K::kNode) return document::NodeToDisplay(v.node, 40);
  if (v.k == Val::K::kString) return document::TruncateForDisplay(v.text, 40);
  if (v.k == Val::K::kBool) return v.b ? "true" : "false";
  return "the value";
}

// ---- includes ----

Val Evaluator::Include(const std::string& name, const Val& arg, const Ctx& ctx,
                       Pos pos, absl::string_view how) {
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
  chain_.push_back(
      absl::StrCat(how, " \"", name, "\" at ", Loc(*ctx.file, pos).ToString()));
  const size_t base = vars_.size();
  vars_.emplace_back("$", arg);
  Ctx inner{file, arg, ctx.certain, ctx.undecided, base, ctx.depth + 1};
  Walk(d->body, inner);
  vars_.resize(base);
  chain_.pop_back();
  return Unknown();  // rendered text
}

}  // namespace upgrade_core::chart::internal::render_check
