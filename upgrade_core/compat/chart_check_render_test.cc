// Tests of the render check: CheckChartUpgrade predicting the RKE2 ingress
// render failure, and CheckChartRender on overrides and dependencies.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/chart/chart.h"
#include "upgrade_core/compat/chart_check.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::compat {
using diag::Diagnostic;
using diag::Report;
using diag::Severity;
using document::Document;
using document::Node;

namespace {

using ::testing::HasSubstr;

// The RKE2 v1.31.4 -> v1.31.5 ingress failure: the new chart's default
// backend reads .Values inside `with` on a merged image map; only users with
// defaultBackend.enabled: true reach it.
constexpr char kRenderHelpers[] = R"({{- define "ingress-nginx.image" -}}
{{- if .Values.global.systemDefaultRegistry -}}
{{ .Values.global.systemDefaultRegistry }}/{{ .repository }}
{{- else -}}
{{ .repository }}
{{- end -}}
{{- end -}}
)";
constexpr char kRenderOldBackend[] = R"({{- if .Values.defaultBackend.enabled }}
image: {{ .Values.defaultBackend.image.repository }}
{{- end }}
)";
constexpr char kRenderNewBackend[] = R"({{- if .Values.defaultBackend.enabled }}
{{- with (merge .Values.defaultBackend.image .Values.global.image) }}
image: {{ include "ingress-nginx.image" . }}
{{- end }}
{{- end }}
)";
constexpr char kRenderDefaults[] = R"(global:
  image:
    registry: registry.k8s.io
  systemDefaultRegistry: ""
defaultBackend:
  enabled: false
  image:
    repository: defaultbackend
)";

chart::Chart RenderChart(const char* backend, const std::string& version) {
  absl::StatusOr<chart::Chart> c = chart::Chart::FromFiles(
      {{"Chart.yaml", "name: rke2-ingress-nginx\nversion: " + version + "\n"},
       {"values.yaml", kRenderDefaults},
       {"templates/_helpers.tpl", kRenderHelpers},
       {"templates/default-backend.yaml", backend}},
      "rke2-ingress-nginx-" + version);
  EXPECT_TRUE(c.ok()) << c.status();
  return *c;
}

TEST(ChartRender, UpgradeCheckPredictsTheIngressRenderFailure) {
  const chart::Chart old_chart = RenderChart(kRenderOldBackend, "4.11.8");
  const chart::Chart new_chart = RenderChart(kRenderNewBackend, "4.12.8");
  absl::StatusOr<Document> mine = Document::FromYaml(
      "defaultBackend:\n  enabled: true\n", "my-values.yaml");
  ASSERT_TRUE(mine.ok());
  absl::StatusOr<ChartUpgradeReport> r =
      CheckChartUpgrade(old_chart, new_chart, *mine);
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<const Diagnostic*> render;
  for (const Diagnostic& d : r->findings) {
    if (absl::StartsWith(d.code, "chart/render-")) render.push_back(&d);
  }
  ASSERT_EQ(render.size(), 1u) << r->ToText();
  const Diagnostic& d = *render[0];
  EXPECT_EQ(d.code, "chart/render-not-root");
  EXPECT_EQ(d.severity, Severity::kError);
  EXPECT_EQ(d.location.ToString(),
            "rke2-ingress-nginx-4.12.8/templates/_helpers.tpl:2:8");
  EXPECT_EQ(d.path, "defaultBackend.enabled");
  EXPECT_THAT(d.message, HasSubstr("nil pointer evaluating interface "
                                   "{}.global"));
  EXPECT_THAT(d.message, HasSubstr("include \"ingress-nginx.image\" at "
                                   "rke2-ingress-nginx-4.12.8/templates/"
                                   "default-backend.yaml:3:11"));
  EXPECT_THAT(d.message, HasSubstr("defaultBackend.enabled is true (set at "
                                   "my-values.yaml:2:12)"));

  // Without the override, the new chart renders (its CI passed).
  absl::StatusOr<Document> none = Document::FromYaml("{}", "my-values.yaml");
  absl::StatusOr<ChartUpgradeReport> clean =
      CheckChartUpgrade(old_chart, new_chart, *none);
  ASSERT_TRUE(clean.ok());
  for (const Diagnostic& d : clean->findings) {
    EXPECT_FALSE(absl::StartsWith(d.code, "chart/render-")) << d.message;
  }
}

TEST(ChartRender, CheckChartRenderMergesOverridesInOrder) {
  const chart::Chart new_chart = RenderChart(kRenderNewBackend, "4.12.8");
  absl::StatusOr<Document> on =
      Document::FromYaml("defaultBackend:\n  enabled: true\n", "a.yaml");
  absl::StatusOr<Document> off =
      Document::FromYaml("defaultBackend:\n  enabled: false\n", "b.yaml");
  ASSERT_TRUE(on.ok() && off.ok());
  absl::StatusOr<ChartRenderReport> failing =
      CheckChartRender(new_chart, {*on});
  ASSERT_TRUE(failing.ok());
  EXPECT_FALSE(failing->ok());
  absl::StatusOr<ChartRenderReport> later_wins =
      CheckChartRender(new_chart, {*on, *off});
  ASSERT_TRUE(later_wins.ok());
  EXPECT_TRUE(later_wins->ok()) << later_wins->ToText();

  absl::StatusOr<Document> list = Document::FromYaml("- a\n", "list.yaml");
  ASSERT_TRUE(list.ok());
  absl::StatusOr<ChartRenderReport> bad = CheckChartRender(new_chart, {*list});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("list.yaml:1:1: not a values file"));
}

TEST(ChartRender, EvaluatesEnabledDependenciesWithTheirValues) {
  absl::StatusOr<chart::Chart> c = chart::Chart::FromFiles(
      {{"Chart.yaml",
        "name: app\nversion: 1.0.0\ndependencies:\n  - name: db\n"
        "    alias: database\n    condition: database.enabled\n"},
       {"values.yaml",
        "global: {registry: r.example}\ndatabase: {enabled: false}\n"},
       {"templates/cm.yaml", "x: {{ .Values.global.registry }}\n"},
       {"charts/db/Chart.yaml", "name: db\nversion: 2.0.0\n"},
       {"charts/db/values.yaml", "image: {tag: \"16\"}\n"},
       {"charts/db/templates/sts.yaml",
        "image: {{ .Values.global.registry }}/db:{{ .Values.image.tag }}\n"
        "{{ .Values.persistence.size }}\n"}},
      "app");
  ASSERT_TRUE(c.ok()) << c.status();
  // Disabled by its condition: not rendered, so nothing to report.
  absl::StatusOr<ChartRenderReport> off = CheckChartRender(*c, {});
  ASSERT_TRUE(off.ok());
  EXPECT_TRUE(off->findings.empty()) << off->ToText();

  absl::StatusOr<Document> on =
      Document::FromYaml("database:\n  enabled: true\n", "my-values.yaml");
  ASSERT_TRUE(on.ok());
  absl::StatusOr<ChartRenderReport> r = CheckChartRender(*c, {*on});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->findings.size(), 1u) << r->ToText();
  EXPECT_EQ(r->findings[0].code, "chart/render-missing-map");
  EXPECT_EQ(r->findings[0].location.ToString(),
            "app/charts/db/templates/sts.yaml:2:4");
  EXPECT_EQ(r->findings[0].path, "database.persistence");
}

}  // namespace
}  // namespace upgrade_core::compat
