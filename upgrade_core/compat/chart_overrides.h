// File: chart_overrides.h (internal to //upgrade_core/compat; not exported)
// -----------------------------------------------------------------------------
// The two halves of the chart upgrade check: chart_check.cc holds the public
// entry points (CheckChartUpgrade, the render check) and runs the merges and
// the rule packs; chart_overrides.cc walks the user's overrides against both
// default trees (removed, renamed and retyped keys, the templates' evidence,
// changed defaults). The header is in the `compat` target's srcs, so nothing
// outside it can include it.
#ifndef UPGRADE_CORE_COMPAT_CHART_OVERRIDES_H_
#define UPGRADE_CORE_COMPAT_CHART_OVERRIDES_H_

#include "absl/types/span.h"
#include "upgrade_core/chart/template_reader.h"
#include "upgrade_core/compat/chart_check.h"
#include "upgrade_core/compat/rules.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::compat::internal {

// What the two charts' templates read, when the check has the charts.
struct TemplateEvidence {
  const chart::ValuesUsage* old_usage = nullptr;
  const chart::ValuesUsage* new_usage = nullptr;
};

// Walks `overrides` against the old and new defaults and adds the chart/*
// findings about them to `report` (the rule packs are not evaluated here:
// `packs` only tells which removed keys a pack already covers).
void CheckOverrides(const document::Document& old_defaults,
                    const document::Document& new_defaults,
                    const document::Node& overrides,
                    absl::Span<const RulePack> packs,
                    const ChartUpgradeOptions& options,
                    TemplateEvidence evidence, diag::Report* report);

}  // namespace upgrade_core::compat::internal

#endif  // UPGRADE_CORE_COMPAT_CHART_OVERRIDES_H_
