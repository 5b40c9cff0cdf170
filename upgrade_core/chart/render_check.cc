// CheckRender's entry points, and the Evaluator's setup, step budget and
// findings (render_check_impl.h).
#include "upgrade_core/chart/render_check.h"

#include <pthread.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/chart/render_check_impl.h"
#include "upgrade_core/chart/template_parser.h"

namespace upgrade_core::chart::internal::render_check {

void Evaluator::AddFile(std::string source, absl::string_view text, bool render,
                        std::optional<Node> values, uint16_t chart) {
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

void Evaluator::Gap(Location loc, std::string reason) {
  if (gap_keys_.insert(absl::StrCat(loc.ToString(), "\n", reason)).second) {
    out_->not_analysed.push_back({std::move(loc), std::move(reason)});
  }
}

void Evaluator::Run() {
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

bool Evaluator::Budget(const Ctx& ctx, uint64_t units) {
  steps_ += units;
  if (steps_ <= limits_.max_steps) return true;
  if (!exhausted_) {
    exhausted_ = true;
    Gap({ctx.file->source, 0, 0},
        absl::StrCat("the templates take more than ", limits_.max_steps,
                     " steps to evaluate; the rest is not analysed"));
  }
  return false;
}

namespace {

std::string FindingKey(RenderFinding::Kind kind, const Location& location,
                       absl::string_view message) {
  return absl::StrCat(static_cast<int>(kind), "\n", location.ToString(), "\n",
                      message);
}

}  // namespace

void Evaluator::AddFinding(RenderFinding r) {
  std::string key = FindingKey(r.kind, r.location, r.message);
  auto it = finding_index_.find(key);
  if (it != finding_index_.end()) {
    RenderFinding& old = out_->findings[it->second];
    if (!old.certain && r.certain) old = std::move(r);
    return;
  }
  finding_index_[key] = out_->findings.size();
  out_->findings.push_back(std::move(r));
}

void Evaluator::Report(const Ctx& ctx, Pos pos, RenderFinding::Kind kind,
                       std::string message, bool value_certain, std::string why,
                       const Val* value) {
  // Helm stops at the first error; what follows it in this template is
  // not run.
  if (abort_) return;
  const bool certain = ctx.certain && value_certain;
  // Helm stops rendering at the first error: nothing after it in this
  // template would run.
  if (certain) abort_ = true;
  const Location location = Loc(*ctx.file, pos);
  // The same finding again (a helper walked once more) changes nothing
  // unless it is now certain: skip it before copying the include chain and
  // the conditions, which are as long as the nesting.
  auto it = finding_index_.find(FindingKey(kind, location, message));
  if (it != finding_index_.end() &&
      (out_->findings[it->second].certain || !certain)) {
    return;
  }
  Budget(ctx, 1 + chain_.size() + conditions_.size());
  RenderFinding r;
  r.kind = kind;
  r.certain = certain;
  r.location = location;
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
  }
  AddFinding(std::move(r));
}

}  // namespace upgrade_core::chart::internal::render_check

namespace upgrade_core::chart {
namespace {

using document::Node;
using internal::render_check::Child;
using internal::render_check::Evaluator;

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
