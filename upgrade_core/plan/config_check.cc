// config.* and chart/*: each component's chart values files (old defaults,
// new defaults, the cluster's overrides), or its two charts (whose templates
// are evidence too) and the overrides, through the compat chart upgrade
// check. The files are read through PlannerOptions::read_values, so the check
// runs on in-memory documents as well as on files.
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/chart/chart.h"
#include "upgrade_core/compat/chart_check.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/plan/checks.h"

namespace upgrade_core::plan::internal {

void CheckConfig(CheckContext& ctx) {
  using diag::Severity;
  if (!ctx.options.check_config) return;
  const proto::UpgradePlan& plan = ctx.plan;
  compat::RuleContext context;
  for (const auto& [platform, change] : plan.context().platforms()) {
    if (!change.to().empty()) context[platform] = change.to();
  }
  for (int i = 0; i < plan.components_size(); ++i) {
    const proto::Component& c = plan.components(i);
    if (!c.has_config()) continue;
    const proto::ConfigFiles& config = c.config();
    const std::string path = absl::StrCat("components[", i, "].config");
    const proto::SourceLocation* loc =
        config.location().line() > 0 ? &config.location() : nullptr;
    const bool charts =
        !config.old_chart().empty() || !config.new_chart().empty();
    const bool defaults =
        !config.old_defaults().empty() || !config.new_defaults().empty();
    if (charts && defaults) {
      ctx.Add(Severity::kError, "config.incomplete", i, path,
              "give either oldChart and newChart or oldDefaults and "
              "newDefaults, not both",
              "", loc);
      continue;
    }
    if (charts ? (config.old_chart().empty() || config.new_chart().empty())
               : (config.old_defaults().empty() ||
                  config.new_defaults().empty())) {
      ctx.Add(Severity::kError, "config.incomplete", i, path,
              charts ? "a chart check needs both oldChart and newChart"
                     : "a chart values check needs both oldDefaults and "
                       "newDefaults (or oldChart and newChart)",
              "", loc);
      continue;
    }
    // Reads one values file; on failure reports it and returns nullopt.
    auto load =
        [&](const std::string& file,
            absl::string_view field) -> std::optional<document::Document> {
      absl::StatusOr<document::Document> doc =
          ctx.options.read_values ? ctx.options.read_values(file)
                                  : document::Document::FromFile(file);
      if (doc.ok()) return *std::move(doc);
      ctx.Add(Severity::kError, "config.unreadable", i,
              absl::StrCat(path, ".", field),
              std::string(doc.status().message()), "", loc);
      return std::nullopt;
    };
    // Loads one chart (directory or .tgz); on failure reports it.
    auto load_chart =
        [&](const std::string& file,
            absl::string_view field) -> std::optional<chart::Chart> {
      absl::StatusOr<chart::Chart> loaded = chart::Chart::Load(file);
      if (loaded.ok()) return *std::move(loaded);
      ctx.Add(Severity::kError, "config.unreadable", i,
              absl::StrCat(path, ".", field),
              std::string(loaded.status().message()), "", loc);
      return std::nullopt;
    };
    // Reads the overrides (none: an empty mapping).
    auto load_overrides = [&]() -> std::optional<document::Document> {
      if (config.overrides().empty()) {
        return *document::Document::FromYaml("{}", "<no overrides>");
      }
      return load(config.overrides(), "overrides");
    };
    absl::StatusOr<compat::ChartUpgradeReport> report;
    if (charts) {
      std::optional<chart::Chart> old_chart =
          load_chart(config.old_chart(), "oldChart");
      std::optional<chart::Chart> new_chart =
          load_chart(config.new_chart(), "newChart");
      std::optional<document::Document> overrides = load_overrides();
      if (!old_chart || !new_chart || !overrides) continue;
      report = compat::CheckChartUpgrade(*old_chart, *new_chart, *overrides, {},
                                         context);
    } else {
      std::optional<document::Document> old_defaults =
          load(config.old_defaults(), "oldDefaults");
      std::optional<document::Document> new_defaults =
          load(config.new_defaults(), "newDefaults");
      std::optional<document::Document> overrides = load_overrides();
      if (!old_defaults || !new_defaults || !overrides) continue;
      report = compat::CheckChartUpgrade(*old_defaults, *new_defaults,
                                         *overrides, {}, context);
    }
    if (!report.ok()) {
      ctx.Add(Severity::kError, "config.check-failed", i, path,
              std::string(report.status().message()), "", loc);
      continue;
    }
    report->Normalize();
    // The chart check's diagnostics are the plan's, about this component.
    for (diag::Diagnostic& f : report->findings) {
      f.component = c.id();
      if (f.path.empty()) f.path = path;
      f.message = absl::StrCat("\"", c.id(), "\" values: ", f.message);
      if (!f.location.known() && loc != nullptr) f.location = ToLocation(*loc);
      ctx.diagnostics.push_back(std::move(f));
    }
  }
}

}  // namespace upgrade_core::plan::internal
