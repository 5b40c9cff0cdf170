// File: template_reader_impl.h (internal to //upgrade_core/chart:chart)
// -----------------------------------------------------------------------------
// The values reader behind ReadValuesUsage (template_reader.h), shared by its
// source files:
// template_reader.cc (feeding a chart's files to the Reader, running it,
// ValuesUsage's queries),
// template_reader_walk.cc (blocks, includes, what is recorded) and
// template_reader_eval.cc (abstract values, pipelines, functions).
//
// How it reads: it parses every template (template_parser.h), then walks
// the rendered templates with an abstract value for dot and each variable.
// An abstract value (Sym) is the set of values paths it may hold, whether it
// is the chart's top-level context, and for `dict` results the abstract
// value of each key. Reads are recorded where values are used, with the
// innermost condition around them; helpers are walked at each include with
// dot bound to what was passed (once per distinct argument and condition).
#ifndef UPGRADE_CORE_CHART_TEMPLATE_READER_IMPL_H_
#define UPGRADE_CORE_CHART_TEMPLATE_READER_IMPL_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/chart/template_parser.h"
#include "upgrade_core/chart/template_reader.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::chart::internal::template_reader {

struct Sym {
  std::vector<ValuesPath> paths;
  bool root = false;  // the chart's top-level context
  ValuesPath sub;     // root: its chart's values prefix ({} = the top chart)
  bool sub_values = false;  // paths[0] is a subchart's .Values
  std::shared_ptr<const std::map<std::string, Sym>> fields;  // dict
  int dict_depth = 0;      // dicts nested in `fields`, this one included
  bool saturated = false;  // a path reached kMaxPathKeys (..._eval.cc)
  std::optional<std::string> literal;
  bool numeric = false;  // literal is a number, bool or nil

  bool HasValues() const { return !paths.empty() || root || fields; }
};

// The field `name` of an abstract value: `.Values` of the root, a key of a
// values map, a key of a dict.
Sym Get(const Sym& s, const std::string& name);

// What copying or recording paths costs in budget units: one per path and
// one per key of it.
inline uint64_t Weight(const std::vector<ValuesPath>& paths) {
  uint64_t w = 0;
  for (const ValuesPath& p : paths) w += 1 + p.size();
  return w;
}

// The same for a value: its paths and its root prefix (a dict's fields are
// shared, not copied).
inline uint64_t Weight(const Sym& s) {
  return Weight(s.paths) + (s.root ? 1 + s.sub.size() : 0);
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
               bool render);

  // A read the chart makes outside its templates (a dependency's condition
  // in Chart.yaml).
  void AddRead(ValuesPath path, ReadKind kind, document::Location location) {
    out_->reads.push_back({std::move(path), kind, std::move(location), -1});
  }

  void Run();

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

  // template_reader_walk.cc: the step budget, what is recorded, blocks and
  // includes.
  // Spends `units` of the chart's budget (ReaderLimits::max_steps); false
  // once it is spent. One unit per operand evaluated and per key of every
  // path copied into a value or recorded, so both the time and the memory
  // of the output stay bounded.
  bool Budget(uint64_t units = 1);
  void Problem(const Ctx& ctx, Pos pos, std::string message) {
    out_->problems.push_back({Loc(*ctx.file, pos), std::move(message)});
  }

  void Unresolve(const Sym& s, const Ctx& ctx, Pos pos,
                 const std::string& reason);
  void Record(const Sym& s, ReadKind kind, const Ctx& ctx, Pos pos);

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

  void Walk(const std::vector<TemplateNode>& nodes, Ctx& ctx);
  void Bind(const Pipeline& pipe, const Sym& v, const Ctx& ctx, Pos pos);
  void Block(const TemplateNode& node, Ctx& ctx);
  void BlockBody(const TemplateNode& node, Ctx& ctx);
  void Include(const std::string& name, const Sym& arg, Ctx& ctx, Pos pos);

  // template_reader_eval.cc: pipelines and functions.
  Sym EvalPipeline(const Pipeline& pipe, Ctx& ctx);
  Sym EvalCommand(const Command& cmd, Ctx& ctx, const Sym* piped);
  Sym EvalOperand(const Operand& op, Ctx& ctx);
  Sym Call(const std::string& name, const std::vector<Sym>& args, Ctx& ctx,
           Pos pos);
  Sym Key(const Sym& v, const Sym& key, Ctx& ctx, Pos pos);

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

}  // namespace upgrade_core::chart::internal::template_reader

#endif  // UPGRADE_CORE_CHART_TEMPLATE_READER_IMPL_H_
