#include "upgrade_core/chart/render_check.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::chart {
namespace {

using ::testing::HasSubstr;
using Kind = RenderFinding::Kind;

document::Document Values(const std::string& yaml) {
  absl::StatusOr<document::Document> d =
      document::Document::FromYaml(yaml, "my-values.yaml");
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *d : document::Document();
}

// The facts of the RKE2 v1.31.5 ingress failure: a helper reading .Values,
// called with `.` inside `with` on a merged image map, in a block only
// `defaultBackend.enabled: true` reaches.
constexpr char kHelpers[] = R"({{- define "ingress-nginx.image" -}}
{{- if .Values.global.systemDefaultRegistry -}}
{{ .Values.global.systemDefaultRegistry }}/{{ .repository }}
{{- else -}}
{{ .repository }}
{{- end -}}
{{- end -}}
)";
constexpr char kBackend[] = R"({{- if .Values.defaultBackend.enabled }}
apiVersion: apps/v1
kind: Deployment
spec:
  {{- with (merge .Values.defaultBackend.image .Values.global.image) }}
  image: {{ include "ingress-nginx.image" . }}
  {{- end }}
{{- end }}
)";
constexpr char kDefaults[] = R"(global:
  image:
    registry: registry.k8s.io
  systemDefaultRegistry: ""
defaultBackend:
  enabled: false
  image:
    repository: defaultbackend
)";

absl::StatusOr<Chart> IngressLike() {
  return Chart::FromFiles({{"Chart.yaml", "name: ingress-nginx\nversion: 1\n"},
                           {"values.yaml", kDefaults},
                           {"templates/_helpers.tpl", kHelpers},
                           {"templates/default-backend.yaml", kBackend}},
                          "ingress-nginx");
}

TEST(RenderCheck, HelperReadingValuesInsideWithOnAValuesMap) {
  absl::StatusOr<Chart> chart = IngressLike();
  ASSERT_TRUE(chart.ok()) << chart.status();
  // Effective values as the merge gives them: the user's enabled: true keeps
  // its own location.
  document::Document effective = Values(R"(global:
  image:
    registry: registry.k8s.io
  systemDefaultRegistry: ""
defaultBackend:
  enabled: true
  image:
    repository: defaultbackend
)");
  RenderResult r = CheckRender(*chart, effective.root());
  ASSERT_EQ(r.findings.size(), 1u);
  const RenderFinding& f = r.findings[0];
  EXPECT_EQ(f.kind, Kind::kNotRoot);
  EXPECT_TRUE(f.certain);
  EXPECT_EQ(f.location.ToString(), "ingress-nginx/templates/_helpers.tpl:2:8");
  EXPECT_THAT(f.message, HasSubstr(".Values.global.systemDefaultRegistry"));
  EXPECT_THAT(f.message,
              HasSubstr("nil pointer evaluating interface {}.global"));
  EXPECT_THAT(f.message, HasSubstr("merge .Values.defaultBackend.image "
                                   ".Values.global.image"));
  ASSERT_EQ(f.chain.size(), 1u);
  EXPECT_EQ(f.chain[0],
            "include \"ingress-nginx.image\" at "
            "ingress-nginx/templates/default-backend.yaml:6:13");
  ASSERT_FALSE(f.conditions.empty());
  EXPECT_EQ(f.conditions[0].path, "defaultBackend.enabled");
  EXPECT_EQ(f.conditions[0].set_at.ToString(), "my-values.yaml:6:12");

  // The chart's defaults render: the block is not reached.
  EXPECT_TRUE(CheckRender(*chart, chart->values().root()).findings.empty());
}

struct Case {
  std::string name;
  std::string text;
  std::string values;
  std::vector<Kind> kinds;  // expected findings, in order
  bool certain = true;
};

class RenderCases : public ::testing::TestWithParam<Case> {};

TEST_P(RenderCases, Findings) {
  const Case& c = GetParam();
  document::Document values = Values(c.values);
  RenderResult r = CheckRenderText(c.text, "t.yaml", values.root());
  std::vector<Kind> kinds;
  for (const RenderFinding& f : r.findings) {
    kinds.push_back(f.kind);
    EXPECT_EQ(f.certain, c.certain) << f.message << " " << f.undecided;
    if (!f.certain) {
      EXPECT_FALSE(f.undecided.empty()) << f.message;
    }
  }
  std::string all;
  for (const RenderFinding& f : r.findings) {
    all += f.location.ToString() + " " + f.message + "\n";
  }
  EXPECT_EQ(kinds, c.kinds) << all;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RenderCases,
    ::testing::Values(
        // Safe patterns.
        Case{"RootVariableInsideWith",
             "{{ with .Values.image }}{{ $.Values.global.registry }}/{{ .repo "
             "}}{{ end }}",
             "image: {repo: x}\nglobal: {registry: r}\n",
             {}},
        Case{"DefaultGuardsMissingMap",
             "{{ $a := .Values.a | default dict }}{{ $a.b }}{{ (.Values.a | "
             "default dict).b }}",
             "x: 1\n",
             {}},
        Case{"IfOnParentBeforeChild",
             "{{ if .Values.a }}{{ .Values.a.b }}{{ end }}",
             "x: 1\n",
             {}},
        Case{"AndShortCircuits",
             "{{ if and .Values.a .Values.a.b }}x{{ end }}",
             "x: 1\n",
             {}},
        Case{"HasKeyGuard",
             "{{ if hasKey .Values \"a\" }}{{ .Values.a.b }}{{ end }}",
             "x: 1\n",
             {}},
        Case{"HasKeyOnMissingMap",
             "{{ if hasKey .Values.a \"b\" }}{{ .Values.a.b.c }}{{ end }}",
             "x: 1\n",
             {}},
        Case{"DictContextPattern",
             "{{ define \"h\" }}{{ .ctx.Values.a }}{{ .ctx.Release.Name }}"
             "{{ end }}{{ include \"h\" (dict \"ctx\" $ \"x\" 1) }}",
             "a: 1\n",
             {}},
        Case{"UnknownConditionBothBranchesClean",
             "{{ if semverCompare \">=1.19\" .Capabilities.KubeVersion.Version "
             "}}{{ .Values.a }}{{ else }}{{ .Values.b }}{{ end }}",
             "a: 1\n",
             {}},
        Case{"ElseBranchOfKnownTrue",
             "{{ if .Values.on }}ok{{ else }}{{ .Values.a.b }}{{ end }}",
             "on: true\n",
             {}},
        Case{"EqDecides",
             "{{ if eq .Values.kind \"DaemonSet\" }}{{ .Values.ds.x }}{{ end "
             "}}",
             "kind: Deployment\n",
             {}},
        Case{"RangeOverListElements",
             "{{ range .Values.ports }}{{ .name }}{{ end }}",
             "ports: [{name: a}, {name: b}]\n",
             {}},
        Case{"HelperGivenRoot",
             "{{ define \"h\" }}{{ .Values.a }}{{ end }}{{ include \"h\" . }}",
             "a: 1\n",
             {}},
        Case{"EmptyValuesFile", "{{ .Values.a }}", "", {}},
        // Failures.
        Case{"MissingMap", "{{ .Values.a.b }}", "x: 1\n", {Kind::kMissingMap}},
        Case{"NullMap", "{{ .Values.a.b }}", "a: null\n", {Kind::kMissingMap}},
        Case{"FieldOnString",
             "{{ .Values.a.b }}",
             "a: text\n",
             {Kind::kFieldOnScalar}},
        Case{"RootObjectInHelperGivenMap",
             "{{ define \"h\" }}{{ .Release.Name }}{{ end }}{{ include \"h\" "
             ".Values.image }}",
             "image: {repo: x}\n",
             {Kind::kNotRoot}},
        Case{"DollarInHelperIsTheArgument",
             "{{ define \"h\" }}{{ $.Values.a }}{{ end }}{{ include \"h\" "
             ".Values.image }}",
             "image: {repo: x}\n",
             {Kind::kNotRoot}},
        Case{"RequiredEmpty",
             "{{ required \"host is required\" .Values.host }}",
             "host: \"\"\n",
             {Kind::kRequired}},
        Case{"FailReachable",
             "{{ if .Values.legacy }}{{ fail \"legacy is gone\" }}{{ end }}",
             "legacy: true\n",
             {Kind::kFail}},
        Case{"UndefinedTemplate",
             "{{ include \"nope\" . }}",
             "",
             {Kind::kUndefinedTemplate}},
        Case{"RangeOverString",
             "{{ range .Values.hosts }}{{ . }}{{ end }}",
             "hosts: a.example\n",
             {Kind::kRangeScalar}},
        Case{"EndlessRecursion",
             "{{ define \"r\" }}{{ include \"r\" . }}{{ end }}{{ include \"r\" "
             ". }}",
             "",
             {Kind::kIncludeDepth}},
        // Possible: a condition the evaluator cannot decide.
        Case{
            "LookupConditionIsPossible",
            "{{ if lookup \"v1\" \"Secret\" \"ns\" \"x\" }}{{ .Values.a.b }}{{ "
            "end }}",
            "x: 1\n",
            {Kind::kMissingMap},
            false},
        Case{"ParseErrorIsAFinding",
             "{{ if .Values.a }}\n{{ .Values.b",
             "",
             {Kind::kParseError},
             false}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(RenderCheck, ConditionsSayWhatTheyAssert) {
  document::Document values = Values("kind: DaemonSet\nds: {}\n");
  RenderResult r = CheckRenderText(
      "{{ if eq .Values.kind \"DaemonSet\" }}{{ if not .Values.off }}"
      "{{ .Values.ds.a.b }}{{ end }}{{ end }}",
      "t.yaml", values.root());
  ASSERT_EQ(r.findings.size(), 1u);
  ASSERT_EQ(r.findings[0].conditions.size(), 2u);
  EXPECT_EQ(r.findings[0].conditions[0].description, "kind is \"DaemonSet\"");
  EXPECT_EQ(r.findings[0].conditions[0].set_at.ToString(),
            "my-values.yaml:1:7");
  EXPECT_EQ(r.findings[0].conditions[1].description, "off is empty or false");
  EXPECT_EQ(r.findings[0].message,
            ".Values.ds.a.b: .Values.ds.a is not set and nothing guards it; "
            "Helm fails with \"nil pointer evaluating interface {}.b\"");
}

TEST(RenderCheck, NamesTheValueAtFaultAndWhereItWasSet) {
  document::Document values = Values("a:\n  b: null\n");
  RenderResult r =
      CheckRenderText("{{ .Values.a.b.c }}", "t.yaml", values.root());
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].value_path, "a.b");
  EXPECT_EQ(r.findings[0].value_set_at.ToString(), "my-values.yaml:2:6");
  EXPECT_THAT(r.findings[0].message,
              HasSubstr(".Values.a.b is null (set at my-values.yaml:2:6)"));
}

TEST(RenderCheck, AssignmentsInUndecidedBranchesAreUnknownAfter) {
  document::Document values = Values("a: {}\n");
  // Only a branch the evaluator cannot decide makes $x nil: not certain.
  RenderResult r = CheckRenderText(
      "{{ $x := dict }}{{ if lookup \"v1\" \"Pod\" \"\" \"\" }}"
      "{{ $x = .Values.a.missing }}{{ end }}{{ $x.b }}",
      "t.yaml", values.root());
  for (const RenderFinding& f : r.findings) {
    EXPECT_FALSE(f.certain) << f.message;
  }
}

TEST(RenderCheck, ListsWhatItCouldNotAnalyse) {
  document::Document values = Values("a: 1\n");
  RenderResult r = CheckRenderText(
      "{{ tpl .Values.t . }}{{ lookup \"v1\" \"Pod\" \"\" \"\" }}", "t.yaml",
      values.root());
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.not_analysed.size(), 2u);
  EXPECT_THAT(r.not_analysed[0].reason, HasSubstr("tpl"));
  EXPECT_THAT(r.not_analysed[1].reason, HasSubstr("lookup"));
}

TEST(RenderCheck, DeepBlocksInsideDeepIncludesAreBounded) {
  // 1000 nested includes, each under 90 nested ifs: 90,000 levels if
  // nothing bounded them together.
  std::string text = "{{ define \"r\" }}";
  for (int i = 0; i < 90; ++i) text += "{{ if .Values.on }}";
  text += "{{ include \"r\" . }}";
  for (int i = 0; i < 90; ++i) text += "{{ end }}";
  text += "{{ end }}{{ include \"r\" . }}";
  document::Document values = Values("on: true\n");
  RenderResult r = CheckRenderText(text, "t.yaml", values.root());
  EXPECT_TRUE(r.findings.empty());
  ASSERT_FALSE(r.not_analysed.empty());
  EXPECT_THAT(r.not_analysed[0].reason, HasSubstr("nest deeper than"));
}

TEST(RenderCheck, StepBudgetStopsExponentialHelpers) {
  // Each helper includes the next twice: 2^40 calls if nothing stopped it.
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += "{{ define \"h" + std::to_string(i) + "\" }}{{ include \"h" +
            std::to_string(i + 1) + "\" . }}{{ include \"h" +
            std::to_string(i + 1) + "\" . }}{{ end }}";
  }
  text += "{{ define \"h40\" }}{{ .Values.x }}{{ end }}{{ include \"h0\" . }}";
  document::Document values = Values("x: 1\n");
  RenderLimits limits;
  limits.max_steps = 100000;
  RenderResult r = CheckRenderText(text, "t.yaml", values.root(), limits);
  EXPECT_TRUE(r.findings.empty());
  ASSERT_FALSE(r.not_analysed.empty());
  EXPECT_THAT(r.not_analysed.back().reason, HasSubstr("steps"));
}

}  // namespace
}  // namespace upgrade_core::chart
