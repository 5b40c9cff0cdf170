// Tests of the chart upgrade check, including the ingress-nginx 4.11 -> 4.12
// stand-in fixtures in testdata/.
#include "upgrade_core/compat/chart_check.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/chart/chart.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::compat {
using diag::Diagnostic;
using diag::Report;
using diag::Severity;
using document::Document;
using document::Node;

namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

constexpr char kData[] = "upgrade_core/compat/testdata/";

Document Load(const std::string& name) {
  absl::StatusOr<Document> d = Document::FromFile(kData + name);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : Document();
}

Document Yaml(const std::string& text, const std::string& source) {
  absl::StatusOr<Document> d = Document::FromYaml(text, source);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : Document();
}

std::vector<std::string> RulesAndPaths(const Report& r) {
  std::vector<std::string> out;
  for (const Diagnostic& f : r.findings) out.push_back(f.code + " " + f.path);
  return out;
}

const Diagnostic* FindingAt(const Report& r, const std::string& rule,
                            const std::string& path) {
  for (const Diagnostic& f : r.findings) {
    if (f.code == rule && f.path == path) return &f;
  }
  return nullptr;
}

TEST(ChartCheckTest, IngressNginxNamesEveryRemovedOrRenamedOverride) {
  Document old_defaults = Load("ingress-nginx-old-values.yaml");
  Document new_defaults = Load("ingress-nginx-new-values.yaml");
  Document user = Load("ingress-nginx-user-values.yaml");
  absl::StatusOr<ChartUpgradeReport> r =
      CheckChartUpgrade(old_defaults, new_defaults, user);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(
      RulesAndPaths(*r),
      IsSupersetOf({
          "chart/renamed-override controller.image.registry",
          "chart/renamed-override controller.admissionWebhooks.patch.image."
          "registry",
          "chart/renamed-override defaultBackend.image.registry",
          "chart/removed-override controller.existingPsp",
          "chart/removed-override controller.opentelemetry.enabled",
          "chart/removed-override podSecurityPolicy.enabled",
          "chart/default-changed controller.enableAnnotationValidations",
      }));
  // Overrides that still exist are not reported.
  for (const char* kept :
       {"controller.kind", "controller.hostPort.enabled",
        "controller.service.type", "defaultBackend.enabled"}) {
    SCOPED_TRACE(kept);
    for (const Diagnostic& f : r->findings) EXPECT_NE(f.path, kept);
  }
  const Diagnostic* registry =
      FindingAt(*r, "chart/renamed-override", "controller.image.registry");
  ASSERT_NE(registry, nullptr);
  EXPECT_EQ(registry->severity, Severity::kError);
  EXPECT_THAT(registry->message, HasSubstr("global.image.registry"));
  EXPECT_EQ(registry->location.ToString(),
            std::string(kData) + "ingress-nginx-user-values.yaml:7:5");
  const Diagnostic* validations = FindingAt(
      *r, "chart/default-changed", "controller.enableAnnotationValidations");
  ASSERT_NE(validations, nullptr);
  EXPECT_EQ(validations->severity, Severity::kWarning);
  EXPECT_THAT(validations->message, HasSubstr("from false to true"));
  // An image tag bump is reported, as info.
  const Diagnostic* tag =
      FindingAt(*r, "chart/default-changed", "controller.image.tag");
  ASSERT_NE(tag, nullptr);
  EXPECT_EQ(tag->severity, Severity::kInfo);
  EXPECT_FALSE(r->ok());

  // Effective values: Helm's merge before and after, and their diff.
  Node before = r->effective_before.root(), after = r->effective_after.root();
  EXPECT_EQ(before.Find("controller.image.registry")->text(),
            "mirror.example.com");
  EXPECT_EQ(after.Find("controller.kind")->text(), "DaemonSet");
  EXPECT_EQ(after.Find("controller.image.tag")->text(), "v1.12.8");
  EXPECT_FALSE(after.Find("controller.existingPsp")->text().empty());
  std::vector<std::string> changes;
  for (const Change& c : r->effective_changes) {
    changes.push_back(std::string(ChangeKindName(c.kind)) + " " + c.path);
  }
  EXPECT_THAT(
      changes,
      IsSupersetOf({"changed controller.image.tag",
                    "changed controller.enableAnnotationValidations",
                    "added global", "removed controller.opentelemetry.name"}));
}

TEST(ChartCheckTest, RulePacksOnOverridesAndEffectiveValues) {
  absl::StatusOr<RulePack> pack =
      RulePack::FromFile(std::string(kData) + "ingress-nginx-pack.yaml");
  ASSERT_TRUE(pack.ok()) << pack.status();
  absl::StatusOr<RulePack> renames = RulePack::FromYaml(R"(name: renames
rules:
  - id: registry
    kind: key-renamed
    path: controller.image.registry
    to: global.image.registry
)");
  ASSERT_TRUE(renames.ok()) << renames.status();
  std::vector<RulePack> packs = {*pack, *renames};
  absl::StatusOr<ChartUpgradeReport> r =
      CheckChartUpgrade(Load("ingress-nginx-old-values.yaml"),
                        Load("ingress-nginx-new-values.yaml"),
                        Load("ingress-nginx-user-values.yaml"), packs,
                        {{"kubernetes", "1.25.16"}});
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> got = RulesAndPaths(*r);
  EXPECT_THAT(got, IsSupersetOf({
                       "ingress-nginx/daemonset-hostport-surge "
                       "controller.updateStrategy.rollingUpdate.maxSurge",
                       "ingress-nginx/kubernetes-version ",
                       "renames/registry controller.image.registry",
                   }));
  // The pack's rename replaces the guessed one for that path.
  EXPECT_THAT(
      got, Not(Contains("chart/renamed-override controller.image.registry")));
  const Diagnostic* surge =
      FindingAt(*r, "ingress-nginx/daemonset-hostport-surge",
                "controller.updateStrategy.rollingUpdate.maxSurge");
  ASSERT_NE(surge, nullptr);
  // Located in the user's file: the effective values keep their sources.
  EXPECT_EQ(surge->location.ToString(),
            std::string(kData) + "ingress-nginx-user-values.yaml:14:17");

  absl::StatusOr<ChartUpgradeReport> newer =
      CheckChartUpgrade(Load("ingress-nginx-old-values.yaml"),
                        Load("ingress-nginx-new-values.yaml"),
                        Load("ingress-nginx-user-values.yaml"), packs,
                        {{"kubernetes", "1.31.0"}});
  ASSERT_TRUE(newer.ok());
  EXPECT_THAT(RulesAndPaths(*newer),
              Not(Contains("ingress-nginx/kubernetes-version ")));
}

TEST(ChartCheckTest, TypeChangedOverride) {
  Document old_defaults =
      Yaml("service:\n  ports: [80, 443]\nname: x\n", "old");
  Document new_defaults =
      Yaml("service:\n  ports: {http: 80, https: 443}\nname: x\n", "new");
  Document user = Yaml("service:\n  ports: [8080]\n", "user.yaml");
  absl::StatusOr<ChartUpgradeReport> r =
      CheckChartUpgrade(old_defaults, new_defaults, user);
  ASSERT_TRUE(r.ok());
  const Diagnostic* f =
      FindingAt(*r, "chart/type-changed-override", "service.ports");
  ASSERT_NE(f, nullptr);
  EXPECT_THAT(f->message,
              HasSubstr("is a list but the new chart expects a map"));
  EXPECT_EQ(f->location.ToString(), "user.yaml:2:10");
  // Int -> float is not a type change; neither is a null default.
  Document a = Yaml("ratio: 1\nopt: null\n", "a");
  Document b = Yaml("ratio: 1.5\nopt: {x: 1}\n", "b");
  Document u = Yaml("ratio: 2\nopt: {x: 2}\n", "u");
  absl::StatusOr<ChartUpgradeReport> r2 = CheckChartUpgrade(a, b, u);
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->findings.empty()) << r2->ToText();
}

// Regression (issue 9): an override whose type differs from the chart's
// default in both versions was not reported.
TEST(ChartCheckTest, OverrideTypeMismatchInBothVersions) {
  struct Case {
    const char* name;
    const char* user;
    Severity severity;
    const char* message;  // empty: no finding
  };
  const Document old_defaults = Yaml(
      "tolerations: []\nservice: {type: ClusterIP}\nreplicas: 1\n"
      "image: {tag: \"1.0\"}\nratio: 0.5\nextra: null\n",
      "old");
  const Document new_defaults = Yaml(
      "tolerations: []\nservice: {type: ClusterIP}\nreplicas: 2\n"
      "image: {tag: \"1.1\"}\nratio: 0.7\nextra: null\n",
      "new");
  for (const Case& c : std::vector<Case>{
           {"map where the chart has a list", "tolerations: {key: a}\n",
            Severity::kError,
            "your override tolerations is a map but the chart expects a list "
            "(in both versions)"},
           {"scalar where the chart has a map", "service: LoadBalancer\n",
            Severity::kError,
            "your override service is a string but the chart expects a map"},
           {"list where the chart has a scalar", "replicas: [1]\n",
            Severity::kError, "is a list but the chart expects a int"},
           {"string where the chart has a number", "ratio: \"0.9\"\n",
            Severity::kWarning, "is a string but the chart expects a float"},
           {"same type", "tolerations: [{key: a}]\nreplicas: 3\n",
            Severity::kInfo, ""},
           {"int for a float is a number", "ratio: 1\n", Severity::kInfo, ""},
           {"anything for a null default", "extra: {a: 1}\n", Severity::kInfo,
            ""},
       }) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<ChartUpgradeReport> r = CheckChartUpgrade(
        old_defaults, new_defaults, Yaml(c.user, "user.yaml"));
    ASSERT_TRUE(r.ok()) << r.status();
    std::vector<const Diagnostic*> found;
    for (const Diagnostic& f : r->findings) {
      if (f.code == "chart/override-type-mismatch") found.push_back(&f);
    }
    if (std::string(c.message).empty()) {
      EXPECT_TRUE(found.empty()) << r->ToText();
      continue;
    }
    ASSERT_EQ(found.size(), 1u) << r->ToText();
    EXPECT_EQ(found[0]->severity, c.severity);
    EXPECT_THAT(found[0]->message, HasSubstr(c.message));
    EXPECT_EQ(found[0]->location.source, "user.yaml");
  }
}

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

TEST(ChartCheckTest, NoOverridesOnlyDefaultChanges) {
  Document a = Yaml("x: {enabled: false}\n", "a");
  Document b = Yaml("x: {enabled: true}\n", "b");
  absl::StatusOr<ChartUpgradeReport> r = CheckChartUpgrade(a, b, Document());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(RulesAndPaths(*r),
            std::vector<std::string>{"chart/default-changed x.enabled"});
  Document u = Yaml("x: {enabled: false}\n", "u");
  absl::StatusOr<ChartUpgradeReport> r2 = CheckChartUpgrade(a, b, u);
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->findings.empty());
}

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
