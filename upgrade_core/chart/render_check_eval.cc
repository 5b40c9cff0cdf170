// The Evaluator's pipelines: commands, operands, variables and field
// access, where missing maps and reads off the root context are found
// (render_check_impl.h).
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "upgrade_core/chart/render_check_impl.h"
#include "upgrade_core/chart/template_parser.h"

namespace upgrade_core::chart::internal::render_check {

namespace {

bool IsRootObject(absl::string_view f) {
  return f == "Values" || f == "Release" || f == "Chart" ||
         f == "Capabilities" || f == "Template" || f == "Files" ||
         f == "Subcharts";
}

}  // namespace

// ---- pipelines ----

Val Evaluator::EvalPipeline(const Pipeline& p, const Ctx& ctx,
                            bool declare_here) {
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

Val Evaluator::EvalCommand(const Command& c, const Ctx& ctx, const Val* piped) {
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

Val Evaluator::EvalOperand(const Operand& op, const Ctx& ctx) {
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

void Evaluator::FieldOnScalar(const Val& v, const std::string& f,
                              const std::string& written, const Ctx& ctx,
                              Pos pos) {
  Report(ctx, pos, RenderFinding::Kind::kFieldOnScalar,
         absl::StrCat(written, ": ", Describe(v),
                      " is not a map; Helm fails with \"can't evaluate field ",
                      f, " in type ", GoType(v), "\""),
         true, "", &v);
}

// `.a.b.c` on `base`. Reports the first field that fails and returns
// Unknown after it (Helm stops there).
Val Evaluator::Access(Val v, const std::vector<std::string>& fields,
                      const Ctx& ctx, Pos pos, absl::string_view prefix) {
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
            NotRoot(v, fields, i, std::string(prefix == "." ? "" : prefix), ctx,
                    pos, true);
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
        FieldOnScalar(v, f, written, ctx, pos);
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
        FieldOnScalar(v, f, written, ctx, pos);
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
      state = v.set_at.known()
                  ? absl::StrCat(" is null (set at ", v.set_at.ToString(), ")")
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
void Evaluator::NotRoot(const Val& v, const std::vector<std::string>& fields,
                        size_t i, const std::string& prefix, const Ctx& ctx,
                        Pos pos, bool certain) {
  std::string expr = prefix;
  for (const std::string& f : fields) absl::StrAppend(&expr, ".", f);
  std::string consequence =
      i + 1 < fields.size() ? absl::StrCat(
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

}  // namespace upgrade_core::chart::internal::render_check
