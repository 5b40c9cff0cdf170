// The chart upgrade check: a parallel walk of the overrides against both
// default trees and a diff of the defaults (chart_overrides.cc), Helm merges,
// then the rule packs; and the render check of one chart's values.
#include "upgrade_core/compat/chart_check.h"

#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "upgrade_core/chart/render_check.h"
#include "upgrade_core/chart/template_reader.h"
#include "upgrade_core/compat/chart_overrides.h"
#include "upgrade_core/compat/merge.h"
#include "upgrade_core/compat/values_schema.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::compat {
using diag::Diagnostic;
using diag::Severity;
using document::Document;
using document::Node;
using document::NodeKind;
using document::NodeKindName;
using internal::TemplateEvidence;

namespace {

absl::StatusOr<ChartUpgradeReport> RunCheck(
    const Document& old_defaults, const Document& new_defaults,
    const Document& overrides, absl::Span<const RulePack> packs,
    const RuleContext& context, const ChartUpgradeOptions& options,
    TemplateEvidence evidence, ChartUpgradeReport report) {
  // Helm values are a mapping (or empty). Anything else is the wrong file, and
  // must not be compared, or its content would be quoted in a finding (issue
  // 9, defect 3: a secret file given as newDefaults was echoed in a warning).
  for (const Document* doc : {&old_defaults, &new_defaults, &overrides}) {
    const Node root = doc->root();
    if (root.is_map() || root.is_null()) continue;
    return absl::InvalidArgumentError(absl::StrCat(
        root.location().ToString(), ": not a values file: the top level is a ",
        NodeKindName(root.kind()), ", not a mapping of keys to values"));
  }
  internal::CheckOverrides(old_defaults, new_defaults, overrides.root(), packs,
                           options, evidence, &report);
  report.effective_before =
      MergeValues(old_defaults.root(), overrides.root(), "<effective before>");
  report.effective_after =
      MergeValues(new_defaults.root(), overrides.root(), "<effective after>");
  DiffOptions d;
  d.identity_keys = options.identity_keys;
  report.effective_changes =
      Diff(report.effective_before.root(), report.effective_after.root(), d);
  for (const RulePack& pack : packs) {
    // Override-shaped rules read what the user wrote; the rest the result.
    UC_ASSIGN_OR_RETURN(
        std::vector<Diagnostic> on_overrides,
        pack.Evaluate(overrides.root(), context, RuleScope::kOverrides));
    UC_ASSIGN_OR_RETURN(std::vector<Diagnostic> on_values,
                        pack.Evaluate(report.effective_after.root(), context,
                                      RuleScope::kValues));
    for (std::vector<Diagnostic>* found : {&on_overrides, &on_values}) {
      report.findings.insert(report.findings.end(),
                             std::make_move_iterator(found->begin()),
                             std::make_move_iterator(found->end()));
    }
  }
  report.Normalize();
  return report;
}

}  // namespace

absl::StatusOr<ChartUpgradeReport> CheckChartUpgrade(
    const Document& old_defaults, const Document& new_defaults,
    const Document& overrides, absl::Span<const RulePack> packs,
    const RuleContext& context, const ChartUpgradeOptions& options) {
  return RunCheck(old_defaults, new_defaults, overrides, packs, context,
                  options, {}, ChartUpgradeReport());
}

absl::StatusOr<ChartUpgradeReport> CheckChartUpgrade(
    const chart::Chart& old_chart, const chart::Chart& new_chart,
    const Document& overrides, absl::Span<const RulePack> packs,
    const RuleContext& context, const ChartUpgradeOptions& options) {
  const chart::ValuesUsage old_usage = chart::ReadValuesUsage(old_chart);
  const chart::ValuesUsage new_usage = chart::ReadValuesUsage(new_chart);
  ChartUpgradeReport report;
  // Templates the reader could not read are findings: what they read is
  // "not analysed", never "not read".
  for (const chart::ValuesUsage* usage : {&old_usage, &new_usage}) {
    const bool is_new = usage == &new_usage;
    for (const chart::TemplateProblem& p : usage->problems) {
      Diagnostic d;
      d.code = "chart/template-error";
      d.severity = Severity::kWarning;
      d.message = absl::StrCat("the ", is_new ? "new" : "old",
                               " chart's template: ", p.message,
                               "; the check continues with what it could read");
      d.hint = "values this template reads are reported as not analysed";
      d.location = p.location;
      report.findings.push_back(std::move(d));
    }
  }
  // Where the new chart's templates could not be followed: listed once per
  // place, so a user sees where the evidence has gaps even when no override
  // of theirs falls into one.
  std::set<std::string> listed;
  for (const chart::Unresolved& u : new_usage.unresolved) {
    const std::string path = chart::ValuesPathToString(u.path);
    if (!listed.insert(absl::StrCat(u.location.ToString(), "\n", path))
             .second) {
      continue;
    }
    Diagnostic d;
    d.code = "chart/not-analysed";
    d.severity = Severity::kInfo;
    d.path = path;
    d.message = absl::StrCat(
        "not analysed: ", path.empty() ? "any value" : path, " ", u.reason,
        "; overrides there are reported as not analysed, never as ignored");
    d.hint = "render the chart (helm template) to see what it reads there";
    d.location = u.location;
    report.findings.push_back(std::move(d));
  }
  absl::StatusOr<ChartUpgradeReport> checked =
      RunCheck(old_chart.values(), new_chart.values(), overrides, packs,
               context, options, {&old_usage, &new_usage}, std::move(report));
  if (!checked.ok()) return checked;
  // Whether the new chart renders at all with the user's values.
  for (Diagnostic& d :
       ChartRenderDiagnostics(new_chart, checked->effective_after.root())) {
    checked->findings.push_back(std::move(d));
  }
  checked->Normalize();
  if (!new_chart.schema()) return checked;
  // Helm validates the merged values against the chart's schema.
  ValidateValuesSchema(*new_chart.schema(), checked->effective_after,
                       &checked->findings);
  checked->Normalize();
  return checked;
}

namespace {

absl::string_view RenderHint(chart::RenderFinding::Kind kind) {
  using K = chart::RenderFinding::Kind;
  switch (kind) {
    case K::kMissingMap:
      return "set the parent map in your values, or wait for a chart that "
             "guards it (if/with/default dict)";
    case K::kNotRoot:
      return "the chart is broken for these values: keep the setting that "
             "reaches this block off, or pin the previous chart version "
             "until one reads $.Values there";
    case K::kFieldOnScalar:
      return "the value has the wrong type for this chart: check it against "
             "the chart's values.yaml";
    case K::kRequired:
      return "set the value the chart requires";
    case K::kFail:
      return "the chart refuses these values on purpose: read its message";
    case K::kUndefinedTemplate:
      return "the chart is broken for these values: report it upstream";
    case K::kRangeScalar:
      return "give a list or a map where the chart iterates";
    case K::kIncludeDepth:
      return "the chart's helpers include each other without end for these "
             "values";
    case K::kParseError:
      return "run helm template to see whether Helm parses it";
  }
  return "";
}

// A dependency's effective values the way Helm makes them: disabled when the
// first path of its `condition` (in the parent's Chart.yaml) that holds a
// bool is false; else the parent's `<alias or name>` values coalesced over
// the dependency's defaults, with the parent's `global` over the
// dependency's.
std::optional<Document> DependencyEffectiveValues(const chart::Chart& parent,
                                                  const Node& parent_values,
                                                  const chart::Chart& dep) {
  std::optional<Node> entry;
  if (std::optional<Node> deps = parent.metadata().root().Get("dependencies");
      deps && deps->is_list()) {
    for (size_t i = 0; i < deps->size(); ++i) {
      std::optional<Node> name = deps->child(i).Get("name");
      if (name && name->is_scalar() && name->text() == dep.name()) {
        entry = deps->child(i);
        break;
      }
    }
  }
  std::string key = dep.name();
  if (entry) {
    if (std::optional<Node> alias = entry->Get("alias");
        alias && alias->is_scalar() && !alias->text().empty()) {
      key = std::string(alias->text());
    }
    if (std::optional<Node> cond = entry->Get("condition");
        cond && cond->is_scalar()) {
      for (absl::string_view p : absl::StrSplit(cond->text(), ',')) {
        p = absl::StripAsciiWhitespace(p);
        if (p.empty()) continue;
        std::optional<Node> v = parent_values.Find(p);
        if (v && v->kind() == NodeKind::kBool) {
          if (!v->bool_value()) return std::nullopt;
          break;
        }
      }
    }
  }
  std::vector<Node> overrides;
  if (std::optional<Node> sub = parent_values.Get(key); sub && sub->is_map()) {
    overrides.push_back(*sub);
  }
  Document globals;
  if (std::optional<Node> g = parent_values.Get("global"); g && g->is_map()) {
    document::DocumentBuilder b("<global>");
    b.BeginMap(g->location());
    b.Key("global", g->location());
    b.CopyOf(*g);
    b.EndMap();
    globals = std::move(b).Finish();
    overrides.push_back(globals.root());
  }
  return MergeValues(dep.values().root(), overrides,
                     absl::StrCat("<effective values of ", key, ">"));
}

}  // namespace

std::vector<Diagnostic> ChartRenderDiagnostics(const chart::Chart& chart,
                                               const Node& effective) {
  const chart::RenderResult r =
      chart::CheckRender(chart, effective, {}, DependencyEffectiveValues);
  std::vector<Diagnostic> out;
  for (const chart::RenderFinding& f : r.findings) {
    Diagnostic d;
    d.code =
        absl::StrCat("chart/render-", chart::RenderFindingKindName(f.kind));
    d.severity = f.certain ? Severity::kError : Severity::kWarning;
    d.location = f.location;
    std::string msg = absl::StrCat(
        f.certain ? "fails to render: " : "possible render failure: ",
        f.message);
    if (!f.chain.empty()) {
      absl::StrAppend(&msg, "; reached through ",
                      absl::StrJoin(f.chain, " -> "));
    }
    std::vector<std::string> why;
    for (const chart::RenderCondition& c : f.conditions) {
      why.push_back(c.set_at.known() ? absl::StrCat(c.description, " (set at ",
                                                    c.set_at.ToString(), ")")
                                     : c.description);
    }
    if (!why.empty()) {
      absl::StrAppend(&msg, "; reachable because ", absl::StrJoin(why, ", "));
      d.path = f.conditions.back().path;
    }
    // The value at fault, when there is one, is the path to show.
    if (!f.value_path.empty()) d.path = f.value_path;
    if (!f.certain) absl::StrAppend(&msg, "; possible: ", f.undecided);
    d.message = std::move(msg);
    d.hint = std::string(RenderHint(f.kind));
    out.push_back(std::move(d));
  }
  for (const chart::RenderGap& g : r.not_analysed) {
    Diagnostic d;
    d.code = "chart/render-not-analysed";
    d.severity = Severity::kInfo;
    d.location = g.location;
    d.message = absl::StrCat("render check: not analysed: ", g.reason,
                             "; failures there are not predicted");
    d.hint = "render the chart (helm template) with these values to be sure";
    out.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<ChartRenderReport> CheckChartRender(
    const chart::Chart& chart, absl::Span<const Document> overrides) {
  std::vector<Node> roots;
  for (const Document& doc : overrides) {
    const Node root = doc.root();
    if (!root.is_map() && !root.is_null()) {
      return absl::InvalidArgumentError(absl::StrCat(
          root.location().ToString(),
          ": not a values file: the top level is a ", NodeKindName(root.kind()),
          ", not a mapping of keys to values"));
    }
    roots.push_back(root);
  }
  ChartRenderReport report;
  report.effective =
      MergeValues(chart.values().root(), roots, "<effective values>");
  report.findings = ChartRenderDiagnostics(chart, report.effective.root());
  report.Normalize();
  return report;
}

}  // namespace upgrade_core::compat