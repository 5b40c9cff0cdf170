// File: chart_check.h
// -----------------------------------------------------------------------------
// The chart upgrade check: given the old chart's default values, the new
// chart's default values and the user's overrides, report
//   * every override whose key the new chart removed (chart/removed-override),
//     renamed (chart/renamed-override, with the new name when a rule pack or
//     a unique match says so) or whose type changed
//     (chart/type-changed-override), or whose type differs from what the
//     chart has in both versions (chart/override-type-mismatch: an error for
//     a map, list or scalar in place of another shape, a warning between
//     scalar kinds);
//   * every default that changed under the user's feet: a key the user did
//     not override whose default changed (chart/default-changed; warning for
//     switches and type changes, info for other values);
//   * the effective values before and after (Helm's merge, merge.h) and
//     their diff;
//   * the rule packs' findings: override rules (key-removed/renamed,
//     type-changed) on the overrides, every other rule on the new effective
//     values.
//
//   absl::StatusOr<ChartUpgradeReport> r =
//       CheckChartUpgrade(old_defaults, new_defaults, overrides, packs,
//                         {{"kubernetes", "1.32.0"}});
//   std::cout << r->ToText();
//
// Given the two charts themselves (chart/chart.h), the check also reads their
// templates (chart/template_reader.h) and lets that evidence confirm or
// overrule what values.yaml suggests (docs/compat-chart-check.md has the
// table):
//   * an override the new templates still read is fine, even when its key
//     left values.yaml (chart/override-still-read, info, instead of
//     removed/renamed);
//   * an override read only inside a map passed on whole (toYaml, tpl) is
//     possibly read (chart/possibly-read-override, naming the template line);
//   * an override no template reads is ignored, even when values.yaml still
//     has the key (chart/unread-override), with where the old chart read it;
//   * an override the reader could not follow is "not analysed"
//     (chart/not-analysed-override), never "not read";
//   * an override now read only under a condition on a key the new chart
//     added (chart/newly-gated-override, info naming the gate);
//   * templates that do not parse or call unknown functions
//     (chart/template-error, with file:line:col);
//   * values that violate the new chart's values.schema.json
//     (chart/schema-violation, at the user's file:line:col);
//   * where the new chart's templates fail to render with the new effective
//     values (chart/render-*, chart/render_check.h: CheckChartRender below).
#ifndef UPGRADE_CORE_COMPAT_CHART_CHECK_H_
#define UPGRADE_CORE_COMPAT_CHART_CHECK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "upgrade_core/chart/chart.h"
#include "upgrade_core/compat/diff.h"
#include "upgrade_core/compat/rules.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::compat {

struct ChartUpgradeOptions {
  // Identity keys for list matching in the effective-values diff.
  std::vector<std::string> identity_keys = {"name", "containerPort"};
  // Report defaults that changed where the user has no override.
  bool report_changed_defaults = true;
  // Guess a removed key's new name when exactly one added key has the same
  // name (e.g. controller.image.registry -> global.image.registry).
  bool guess_renames = true;
};

// A Report plus the effective values. Changes refer to the two documents
// held here and stay valid as long as this object (or a copy) lives.
struct ChartUpgradeReport : diag::Report {
  document::Document effective_before;
  document::Document effective_after;
  std::vector<Change> effective_changes;
};

// InvalidArgument only for evaluation errors (e.g. a context version that
// does not parse); problems with the values are findings.
absl::StatusOr<ChartUpgradeReport> CheckChartUpgrade(
    const document::Document& old_defaults,
    const document::Document& new_defaults, const document::Document& overrides,
    absl::Span<const RulePack> packs = {}, const RuleContext& context = {},
    const ChartUpgradeOptions& options = {});

// The same check on two charts: their values.yaml as the defaults, and their
// templates as evidence of which values each version reads (see above).
absl::StatusOr<ChartUpgradeReport> CheckChartUpgrade(
    const chart::Chart& old_chart, const chart::Chart& new_chart,
    const document::Document& overrides, absl::Span<const RulePack> packs = {},
    const RuleContext& context = {}, const ChartUpgradeOptions& options = {});

// The render check (chart/render_check.h) as diagnostics: where `chart`'s
// templates fail to render with `effective` values (its defaults merged with
// the user's overrides). Codes are chart/render-<kind> (missing-map,
// not-root, field-on-scalar, required, fail, undefined-template,
// range-scalar, include-depth, parse-error): an error when every condition on
// the way was decided, a warning ("possible") when one was not; places the
// evaluator could not follow are chart/render-not-analysed (info). Messages
// name the helpers on the way and the values that make the block reachable,
// with where they were set. Enabled dependencies are evaluated with their
// own effective values (their `condition`, the parent's `<alias>` values over
// their defaults, `global` shared).
std::vector<diag::Diagnostic> ChartRenderDiagnostics(
    const chart::Chart& chart, const document::Node& effective);

// The chart's default values merged with `overrides` (Helm's `-f a -f b`
// order, merge.h), then ChartRenderDiagnostics. InvalidArgument when an
// overrides file is not a mapping.
struct ChartRenderReport : diag::Report {
  document::Document effective;
};
absl::StatusOr<ChartRenderReport> CheckChartRender(
    const chart::Chart& chart, absl::Span<const document::Document> overrides);

}  // namespace upgrade_core::compat

#endif  // UPGRADE_CORE_COMPAT_CHART_CHECK_H_
