// File: render_check_impl.h (internal to //upgrade_core/chart:chart)
// -----------------------------------------------------------------------------
// The abstract evaluator behind CheckRender (render_check.h), shared by its
// source files:
// render_check.cc (setup, findings and gaps, the public entry points),
// render_check_walk.cc (blocks, conditions, range, includes),
// render_check_eval.cc (pipelines, operands, field access) and
// render_check_values.cc (what a value means: truth, descriptions; the
// functions modelled).
//
// Values are known where they come from the effective values or from
// literals and the functions modelled; anything else is Unknown, and a
// condition on an Unknown reads both branches with reachability "possible".
// Text between actions is never produced: only what can fail is evaluated.
#ifndef UPGRADE_CORE_CHART_RENDER_CHECK_IMPL_H_
#define UPGRADE_CORE_CHART_RENDER_CHECK_IMPL_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "upgrade_core/chart/render_check.h"
#include "upgrade_core/chart/template_parser.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::chart::internal::render_check {

using document::Location;
using document::Node;
using document::NodeKind;

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

inline Val Unknown() { return Val(); }
inline Val Str(std::string s) {
  Val v;
  v.k = Val::K::kString;
  v.text = std::move(s);
  return v;
}
inline Val Bool(bool b) {
  Val v;
  v.k = Val::K::kBool;
  v.b = b;
  return v;
}
inline Val Num(double d) {
  Val v;
  v.k = Val::K::kNumber;
  v.num = d;
  return v;
}

inline Tri TriOf(bool b) { return b ? Tri::kTrue : Tri::kFalse; }

// render_check_values.cc: what a value means.

// Go template truth (text/template's isTrue).
Tri Truth(const Val& v);
std::string Describe(const Val& v);
// Go's type name in its error messages.
absl::string_view GoType(const Val& v);
std::string Child(const std::string& path, absl::string_view key);

// Walk levels (blocks and includes together) on the evaluator's own stack.
constexpr int kMaxWalkDepth = 5000;

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
               std::optional<Node> values = std::nullopt, uint16_t chart = 0);

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

  void Gap(Location loc, std::string reason);
  void Run();
  void set_max_walk_depth(int depth) { max_walk_depth_ = depth; }

 private:
  static Location Loc(const File& f, Pos pos) {
    return {f.source, pos.line, pos.column};
  }

  // render_check.cc: the step budget, findings.
  // Spends `units` of the budget (RenderLimits::max_steps): one per operand
  // evaluated, and a finding's copies of the include chain and conditions;
  // false once it is spent.
  bool Budget(const Ctx& ctx, uint64_t units = 1);
  void AddFinding(RenderFinding r);
  void Report(const Ctx& ctx, Pos pos, RenderFinding::Kind kind,
              std::string message, bool value_certain = true,
              std::string why = "", const Val* value = nullptr);

  // render_check_walk.cc: blocks and includes.
  void Walk(const std::vector<TemplateNode>& nodes, const Ctx& ctx);
  void Branch(const std::vector<TemplateNode>& body, const Ctx& ctx,
              const Val& dot, Tri t, const Val& v, Pos pos, bool taken);
  void WalkNode(const TemplateNode& n, const Ctx& ctx);
  __attribute__((noinline)) void Range(const TemplateNode& n, const Ctx& ctx);
  static std::string TruncateValue(const Val& v);
  Val Include(const std::string& name, const Val& arg, const Ctx& ctx, Pos pos,
              absl::string_view how);

  // render_check_eval.cc: pipelines.
  Val EvalPipeline(const Pipeline& p, const Ctx& ctx, bool declare_here);
  Val EvalCommand(const Command& c, const Ctx& ctx, const Val* piped);
  Val EvalOperand(const Operand& op, const Ctx& ctx);
  Val Access(Val v, const std::vector<std::string>& fields, const Ctx& ctx,
             Pos pos, absl::string_view prefix);
  void NotRoot(const Val& v, const std::vector<std::string>& fields, size_t i,
               const std::string& prefix, const Ctx& ctx, Pos pos,
               bool certain);
  // Field `f` of a scalar `v` (Helm: "can't evaluate field f in type ...").
  void FieldOnScalar(const Val& v, const std::string& f,
                     const std::string& written, const Ctx& ctx, Pos pos);

  // render_check_values.cc: functions.
  Val CallInclude(const Operand& head, const Command& c, const Ctx& ctx,
                  const Val* piped);
  Val Arg(const Command& c, size_t i, const Ctx& ctx, const Val* piped);
  // Not inlined: its frame is large, and only include's smaller frame
  // (CallInclude) sits on the recursion path.
  __attribute__((noinline)) Val Call(const Operand& head, const Command& c,
                                     const Ctx& ctx, const Val* piped);
  static Val Derived(Val r, const Val& from);
  static Val MapShaped(absl::string_view what);
  Val Merge(absl::string_view name, const std::vector<Val>& args);

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

}  // namespace upgrade_core::chart::internal::render_check

#endif  // UPGRADE_CORE_CHART_RENDER_CHECK_IMPL_H_
