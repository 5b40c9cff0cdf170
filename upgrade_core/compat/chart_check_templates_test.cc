// Tests of the chart upgrade check with whole charts: the templates' evidence
// (the ingress-nginx 4.11 -> 4.12 stand-in charts in
// upgrade_core/chart/testdata/, and small cases) and values.schema.json.
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/chart/chart.h"
#include "upgrade_core/compat/chart_check.h"
#include "upgrade_core/compat/chart_check_test_util.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::compat {
using diag::Diagnostic;
using diag::Report;
using diag::Severity;
using document::Document;
using document::Node;

namespace {

using test_util::FindingAt;
using test_util::Yaml;
using ::testing::HasSubstr;

// The template evidence: two small charts carrying the facts of ingress-nginx
// 4.11.8 and 4.12.8 (upgrade_core/chart/testdata/README.md).
chart::Chart LoadChart(const std::string& name) {
  absl::StatusOr<chart::Chart> c =
      chart::Chart::Load("upgrade_core/chart/testdata/" + name);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : chart::Chart();
}

const Diagnostic* Only(const Report& r, const std::string& path) {
  const Diagnostic* found = nullptr;
  for (const Diagnostic& f : r.findings) {
    if (f.path != path) continue;
    EXPECT_EQ(found, nullptr) << "two findings for " << path << ":\n"
                              << r.ToText();
    found = &f;
  }
  return found;
}

struct Expectation {
  std::string path;
  std::string code;  // "" = no finding at all
  Severity severity = Severity::kInfo;
  std::string message = "";
};

TEST(ChartTemplatesTest, IngressNginxFindingsFollowTheTemplates) {
  chart::Chart old_chart = LoadChart("ingress-old");
  chart::Chart new_chart = LoadChart("ingress-new");
  Document user = Yaml(R"(controller:
  kind: DaemonSet
  image:
    registry: registry.example.internal
  hostPort:
    enabled: true
  config:
    use-forwarded-headers: "true"
  extraArgs:
    v: "2"
  resources:
    limits:
      cpu: 500m
  existingPsp: my-psp
  opentelemetry:
    enabled: true
  metrics:
    service:
      annotations:
        prometheus.io/scrape: "true"
podSecurityPolicy:
  enabled: true
)",
                       "user.yaml");
  absl::StatusOr<ChartUpgradeReport> r =
      CheckChartUpgrade(old_chart, new_chart, user);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::vector<Expectation> want = {
      // Read through merge(controller.image, global.image) and a helper.
      {"controller.image.registry", "chart/override-still-read",
       Severity::kInfo,
       "templates still read it at "
       "upgrade_core/chart/testdata/ingress-new/templates/"
       "controller-deployment.yaml:12:21"},
      {"controller.kind", ""},                          // read by eq
      {"controller.hostPort.enabled", ""},              // read by if
      {"controller.config.use-forwarded-headers", ""},  // range
      {"controller.extraArgs.v", ""},  // range inside the params helper
      // Whole-map toYaml in both charts: possibly read, and the upgrade
      // changes nothing about it.
      {"controller.resources.limits.cpu", ""},
      // The template that read it was removed.
      {"controller.existingPsp", "chart/removed-override", Severity::kError,
       "the old chart read it at upgrade_core/chart/testdata/ingress-old/"
       "templates/controller-psp.yaml:1:47"},
      {"podSecurityPolicy.enabled", "chart/removed-override", Severity::kError,
       "no template of the new chart reads it"},
      {"controller.opentelemetry.enabled", "chart/removed-override",
       Severity::kError, "controller-deployment.yaml:23:11"},
  };
  for (const Expectation& e : want) {
    SCOPED_TRACE(e.path);
    const Diagnostic* d = Only(*r, e.path);
    if (e.code.empty()) {
      EXPECT_EQ(d, nullptr) << r->ToText();
      continue;
    }
    ASSERT_NE(d, nullptr) << r->ToText();
    EXPECT_EQ(d->code, e.code);
    EXPECT_EQ(d->severity, e.severity);
    EXPECT_THAT(d->message, HasSubstr(e.message));
    EXPECT_EQ(d->location.source, "user.yaml");
  }
  // The new gate: controller.metrics.service.enabled (default true) now
  // guards the metrics Service that renders the annotations.
  const Diagnostic* gated =
      FindingAt(*r, "chart/newly-gated-override",
                "controller.metrics.service.annotations[\"prometheus.io/"
                "scrape\"]");
  ASSERT_NE(gated, nullptr) << r->ToText();
  EXPECT_THAT(gated->message,
              HasSubstr("the new chart added controller.metrics.service."
                        "enabled (default true)"));
  // The flipped default is read by the params helper: kept, with evidence.
  const Diagnostic* flipped = FindingAt(
      *r, "chart/default-changed", "controller.enableAnnotationValidations");
  ASSERT_NE(flipped, nullptr) << r->ToText();
  EXPECT_THAT(flipped->message, HasSubstr("evidence: values.yaml; read at"));
  EXPECT_THAT(flipped->message, HasSubstr("_helpers.tpl:12:5"));
  // values.yaml alone would call the registry moved: the templates overrule.
  EXPECT_EQ(
      FindingAt(*r, "chart/renamed-override", "controller.image.registry"),
      nullptr);
}

std::map<std::string, std::string> Files(const std::string& values,
                                         const std::string& templ) {
  return {{"Chart.yaml", "name: demo\nversion: 1.0.0\n"},
          {"values.yaml", values},
          {"templates/t.yaml", templ}};
}

struct TemplateCase {
  std::string name;
  std::string old_values, old_template, new_values, new_template, overrides;
  std::string path, code;
  Severity severity;
  std::string message;
};

class ChartTemplateCaseTest : public ::testing::TestWithParam<TemplateCase> {};

TEST_P(ChartTemplateCaseTest, Classifies) {
  const TemplateCase& c = GetParam();
  absl::StatusOr<chart::Chart> old_chart =
      chart::Chart::FromFiles(Files(c.old_values, c.old_template), "old");
  absl::StatusOr<chart::Chart> new_chart =
      chart::Chart::FromFiles(Files(c.new_values, c.new_template), "new");
  ASSERT_TRUE(old_chart.ok() && new_chart.ok());
  absl::StatusOr<ChartUpgradeReport> r =
      CheckChartUpgrade(*old_chart, *new_chart, Yaml(c.overrides, "user.yaml"));
  ASSERT_TRUE(r.ok()) << r.status();
  const Diagnostic* d = FindingAt(*r, c.code, c.path);
  ASSERT_NE(d, nullptr) << r->ToText();
  EXPECT_EQ(d->severity, c.severity);
  EXPECT_THAT(d->message, HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Evidence, ChartTemplateCaseTest,
    ::testing::ValuesIn(std::vector<TemplateCase>{
        {"still_in_values_but_unread", "a: {b: 1}", "x: {{ .Values.a.b }}",
         "a: {b: 1}", "x: 1", "a: {b: 2}", "a.b", "chart/unread-override",
         Severity::kError,
         "values.yaml still has this key, but no template reads it (evidence: "
         "templates; the old chart read it at old/templates/t.yaml:1:7)"},
        {"never_read", "a: {b: 1}", "x: 1", "a: {b: 1}", "x: 1", "a: {b: 2}",
         "a.b", "chart/unread-override", Severity::kWarning,
         "the old chart did not read it either"},
        {"unknown_to_both", "", "x: 1", "", "x: 1", "typo: 1", "typo",
         "chart/unread-override", Severity::kWarning,
         "neither the new chart's values.yaml nor its templates know it"},
        {"moved_to_whole_map", "a: {b: 1}", "x: {{ .Values.a.b }}", "a: {}",
         "x: {{ toYaml .Values.a }}", "a: {b: 2}", "a.b",
         "chart/possibly-read-override", Severity::kWarning,
         "new/templates/t.yaml:1:7 passes a on whole"},
        {"dynamic_include", "a: {b: 1}", "x: {{ .Values.a.b }}", "",
         "x: {{ include .Values.name .Values.a }}", "a: {b: 2}", "a.b",
         "chart/not-analysed-override", Severity::kWarning,
         "template name computed at render time"},
        {"malformed_template", "a: {b: 1}", "x: {{ .Values.a.b }}", "",
         "x: {{ .Values.c\n", "a: {b: 2}", "", "chart/template-error",
         Severity::kWarning, "never closed by }}"},
        {"unresolved_spots_are_listed", "a: {b: 1}", "x: {{ .Values.a.b }}", "",
         "x: {{ include .Values.name .Values.a }}", "c: 1", "a",
         "chart/not-analysed", Severity::kInfo,
         "not analysed: a passed to include with a template name computed"},
        {"malformed_is_not_analysed", "a: {b: 1}", "x: {{ .Values.a.b }}", "",
         "x: {{ .Values.c\n", "a: {b: 2}", "a.b", "chart/not-analysed-override",
         Severity::kWarning, "does not parse past 1:4"},
        {"removed_but_read_by_name", "a: {b: 1}", "x: {{ .Values.a.b }}",
         "c: 1", "x: {{ .Values.a.b | default 1 }}", "a: {b: 2}", "a.b",
         "chart/override-still-read", Severity::kInfo,
         "left the new chart's default values, but its templates still read "
         "it at new/templates/t.yaml:1:7"},
    }),
    [](const ::testing::TestParamInfo<TemplateCase>& info) {
      return info.param.name;
    });

TEST(ChartSchemaTest, ViolationsAtTheUsersLines) {
  std::map<std::string, std::string> files =
      Files("replicas: 1\nimage:\n  tag: v1\n", "x: {{ .Values.replicas }}");
  files["values.schema.json"] = R"({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "properties": {
      "replicas": {"type": "integer", "minimum": 1},
      "image": {"type": "object", "required": ["tag"],
                "properties": {"tag": {"type": "string"}}}
    }
  })";
  absl::StatusOr<chart::Chart> old_chart = chart::Chart::FromFiles(
      Files("replicas: 1\n", "x: {{ .Values.replicas }}"), "old");
  absl::StatusOr<chart::Chart> new_chart =
      chart::Chart::FromFiles(files, "new");
  ASSERT_TRUE(old_chart.ok() && new_chart.ok()) << new_chart.status();
  absl::StatusOr<ChartUpgradeReport> r =
      CheckChartUpgrade(*old_chart, *new_chart,
                        Yaml("replicas: 0\nimage:\n  tag: 5\n", "user.yaml"));
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> got;
  for (const Diagnostic& d : r->findings) {
    if (d.code == "chart/schema-violation") {
      got.push_back(d.location.ToString() + " " + d.path);
      EXPECT_EQ(d.severity, Severity::kError);
      EXPECT_THAT(d.message, HasSubstr("violate the new chart's "
                                       "values.schema.json"));
    }
  }
  EXPECT_THAT(got, ::testing::UnorderedElementsAre("user.yaml:1:11 replicas",
                                                   "user.yaml:3:8 image.tag"))
      << r->ToText();

  // Values that satisfy the schema: no violation.
  absl::StatusOr<ChartUpgradeReport> fine = CheckChartUpgrade(
      *old_chart, *new_chart, Yaml("replicas: 3\n", "user.yaml"));
  ASSERT_TRUE(fine.ok());
  for (const Diagnostic& d : fine->findings) {
    EXPECT_NE(d.code, "chart/schema-violation") << fine->ToText();
  }

  // A schema valijson cannot use is one warning, not a failure.
  files["values.schema.json"] = R"({"type": 12})";
  absl::StatusOr<chart::Chart> bad = chart::Chart::FromFiles(files, "bad");
  ASSERT_TRUE(bad.ok());
  absl::StatusOr<ChartUpgradeReport> unusable =
      CheckChartUpgrade(*old_chart, *bad, Yaml("replicas: 3\n", "user.yaml"));
  ASSERT_TRUE(unusable.ok());
  const Diagnostic* w = FindingAt(*unusable, "chart/schema-unusable", "");
  ASSERT_NE(w, nullptr) << unusable->ToText();
  EXPECT_EQ(w->severity, Severity::kWarning);
  EXPECT_EQ(w->location.source, "bad/values.schema.json");
}

}  // namespace
}  // namespace upgrade_core::compat
