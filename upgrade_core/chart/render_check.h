// File: render_check.h
// -----------------------------------------------------------------------------
// Predicts where a chart's templates fail to render under given values,
// without Helm and without a cluster. The templates are evaluated abstractly
// against the effective values (the chart's defaults merged with the user's
// overrides: compat/merge.h): every `if`/`with`/`range` condition whose value
// comes from the values (through `and`, `or`, `not`, `eq`, `ne`, `default`,
// `empty`, `hasKey`, `coalesce`, `ternary`, ...) is decided, and only the
// blocks those values reach are read, with the dot each block has (the root
// context, a values map, a list element, a map built by `dict`/`merge`, a
// string), through `define`/`template`/`include` with the argument passed.
//
// What it reports, for reachable code (RenderFinding::Kind):
//   * a field read on a missing map (`.Values.a.b` where `a` is absent):
//     Helm's "nil pointer evaluating interface {}.b";
//   * `.Values`/`.Release`/`.Chart`/`.Capabilities` read on a dot that is not
//     the root context (inside `with` on a values map, or in a helper given
//     one): the RKE2 v1.31.5 ingress failure "nil pointer evaluating
//     interface {}.global";
//   * a field read on a string, number or list;
//   * `required` on an empty value, a reachable `fail`;
//   * `template`/`include` of a name no template defines;
//   * `range` over a string or a boolean;
//   * includes nested past Helm's limit (1000);
//   * templates that do not parse.
// A finding is certain when every condition on the way was decided; where one
// was not (a value computed by a function the evaluator does not model,
// `lookup`, `tpl`), both branches are read and what is found there is only
// possible, with the reason in `undecided`. Places that could not be analysed
// at all are listed in RenderResult::not_analysed.
//
//   RenderResult r = CheckRender(chart, effective.root());
//   for (const RenderFinding& f : r.findings) f.location.ToString();
#ifndef UPGRADE_CORE_CHART_RENDER_CHECK_H_
#define UPGRADE_CORE_CHART_RENDER_CHECK_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "upgrade_core/chart/chart.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::chart {

struct RenderLimits {
  // Helm refuses more nested includes than this ("rendering template has a
  // nested reference name exceeded max depth").
  int max_include_depth = 1000;
  // Blocks and parentheses nested at most this deep in one template.
  int max_nesting = 100;
  // Work units for a whole chart: one per operand evaluated, plus the
  // include chain and conditions each new finding copies.
  uint64_t max_steps = 5'000'000;
  // A `range` over known values reads its body once per element, for at
  // most this many elements (the rest are like the ones read).
  int max_range_items = 64;
};

// A value that decided a condition on the way to a finding.
struct RenderCondition {
  std::string path;              // "defaultBackend.enabled"
  std::string description;       // "defaultBackend.enabled is true"
  document::Location set_at;     // where the value comes from
  document::Location condition;  // the if/with/range that tested it
};

struct RenderFinding {
  enum class Kind {
    kMissingMap,         // field read on a missing or null map
    kNotRoot,            // .Values etc. on a dot that is not the root
    kFieldOnScalar,      // field read on a string, number, bool or list
    kRequired,           // `required` given an empty value
    kFail,               // a reachable `fail`
    kUndefinedTemplate,  // include/template of an undefined name
    kRangeScalar,        // range over a string, bool or number
    kIncludeDepth,       // includes nested past the limit
    kParseError,         // a template that does not parse
  };
  Kind kind = Kind::kMissingMap;
  bool certain = false;
  document::Location location;
  std::string message;
  // The helpers called on the way, outermost first:
  // `include "ingress-nginx.image" at templates/x.yaml:12:9`.
  std::vector<std::string> chain;
  std::vector<RenderCondition> conditions;
  // The values path at fault, when the finding is about one value (a
  // missing or null map, a value of the wrong type, a required value):
  // "controller.admissionWebhooks", and where it was set (the map holding it
  // when it is missing).
  std::string value_path;
  document::Location value_set_at;
  // Why the finding is only possible (empty when certain).
  std::string undecided;
};

// A place the evaluator could not follow (an unknown function, `lookup`,
// `tpl`, a dependency's templates).
struct RenderGap {
  document::Location location;
  std::string reason;
};

struct RenderResult {
  std::vector<RenderFinding> findings;
  std::vector<RenderGap> not_analysed;
  uint64_t steps = 0;
};

// "missing-map", "not-root", ... (the suffix of the chart/render-* codes).
absl::string_view RenderFindingKindName(RenderFinding::Kind kind);

// Evaluates every rendered template of `chart` (not the `_` helper files)
// with `values` as `.Values`. Dependencies' defines are available to
// includes; dependencies' own templates are listed as not analysed.
RenderResult CheckRender(const Chart& chart, const document::Node& values,
                         const RenderLimits& limits = {});

// A dependency's effective values, given its parent chart and the parent's
// effective values, or nullopt when the dependency is disabled (Helm does not
// render it). compat::ChartRenderDiagnostics passes Helm's rules (the
// `condition` in the parent's Chart.yaml; the parent's `<alias or name>`
// values coalesced over the dependency's defaults, `global` shared).
using DependencyValues = std::function<std::optional<document::Document>(
    const Chart& parent, const document::Node& parent_values,
    const Chart& dependency)>;

// The same, and every enabled dependency's templates evaluated with the
// values `dependency_values` gives (at any depth).
RenderResult CheckRender(const Chart& chart, const document::Node& values,
                         const RenderLimits& limits,
                         const DependencyValues& dependency_values);

// One template text on its own (tests, fuzzing): its defines are available
// to its own includes.
RenderResult CheckRenderText(absl::string_view text, absl::string_view source,
                             const document::Node& values,
                             const RenderLimits& limits = {});

}  // namespace upgrade_core::chart

#endif  // UPGRADE_CORE_CHART_RENDER_CHECK_H_
