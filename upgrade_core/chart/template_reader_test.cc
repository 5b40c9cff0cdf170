#include "upgrade_core/chart/template_reader.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace upgrade_core::chart {
namespace {

using ::testing::HasSubstr;
using Use = ValuesUsage::Use;

ValuesPath P(absl::string_view dotted) { return absl::StrSplit(dotted, '.'); }

struct Case {
  std::string name;
  std::string text;
  std::string key;
  Use want;
  std::string where = "";  // "line:col" of the evidence, when known
};

class ClassifyTest : public ::testing::TestWithParam<Case> {};

TEST_P(ClassifyTest, Classifies) {
  const Case& c = GetParam();
  ValuesUsage u = ReadTemplateValuesUsage(c.text, "t.yaml");
  ValuesUsage::Verdict v = u.Classify(P(c.key));
  EXPECT_EQ(static_cast<int>(v.use), static_cast<int>(c.want)) << c.key;
  if (!c.where.empty()) {
    ASSERT_NE(v.read, nullptr);
    EXPECT_EQ(v.read->location.ToString(), "t.yaml:" + c.where);
  }
}

const char kHelper[] =
    R"({{- define "img" -}}{{ .registry }}/{{ .image }}{{- end -}}
)";

INSTANTIATE_TEST_SUITE_P(
    Reads, ClassifyTest,
    ::testing::ValuesIn(std::vector<Case>{
        {"direct", "x: {{ .Values.a.b }}", "a.b", Use::kRead, "1:7"},
        {"root_var", "x: {{ $.Values.a.b }}", "a.b", Use::kRead},
        {"sibling_not_read", "x: {{ .Values.a.b }}", "a.c", Use::kNotRead},
        {"test_does_not_read_children", "{{ if .Values.a }}x{{ end }}", "a.b",
         Use::kNotRead},
        {"with_rebinds_dot", "{{ with .Values.a }}{{ .b }}{{ end }}", "a.b",
         Use::kRead},
        {"with_else_keeps_dot",
         "{{ with .Values.a }}{{ else }}{{ .Values.c }}{{ end }}", "c",
         Use::kRead},
        {"merge_union",
         "{{ with (merge .Values.controller.image .Values.global.image) }}"
         "{{ .registry }}{{ end }}",
         "controller.image.registry", Use::kRead},
        {"merge_union_other_side",
         "{{ with (merge .Values.controller.image .Values.global.image) }}"
         "{{ .registry }}{{ end }}",
         "global.image.registry", Use::kRead},
        {"range_value", "{{ range $k, $v := .Values.cfg }}{{ $v }}{{ end }}",
         "cfg.anything", Use::kRead},
        {"range_dot", "{{ range .Values.hosts }}{{ .name }}{{ end }}",
         "hosts.x.name", Use::kRead},
        {"variable", "{{ $img := .Values.image }}{{ $img.tag }}", "image.tag",
         Use::kRead},
        {"variable_assign",
         "{{ $img := .Values.a }}{{ $img = .Values.b }}{{ $img.tag }}", "b.tag",
         Use::kRead},
        {"index", R"({{ index .Values "a" "b-c" }})", "a.b-c", Use::kRead},
        {"index_dynamic", "{{ index .Values.a $.Release.Name }}", "a.z",
         Use::kRead},
        {"get", R"({{ get .Values.a "b" }})", "a.b", Use::kRead},
        {"hasKey", R"({{ if hasKey .Values.a "b" }}{{ end }})", "a.b",
         Use::kRead},
        {"dig", R"({{ dig "b" "c" "none" .Values.a }})", "a.b.c", Use::kRead},
        {"helper",
         std::string(kHelper) +
             R"({{ include "img" .Values.controller.image }})",
         "controller.image.registry", Use::kRead},
        {"helper_dict",
         std::string(kHelper) +
             R"({{ include "img" (dict "registry" .Values.r "image" "x") }})",
         "r", Use::kRead},
        {"template_keyword",
         std::string(kHelper) + R"({{ template "img" .Values.i }})", "i.image",
         Use::kRead},
        {"toYaml_whole", "{{ toYaml .Values.res | nindent 2 }}",
         "res.limits.cpu", Use::kPossiblyRead, "1:4"},
        {"toYaml_exact", "{{ toYaml .Values.res }}", "res", Use::kRead},
        {"tpl_whole", "{{ tpl (toYaml .Values.extra) . }}", "extra.a",
         Use::kPossiblyRead},
        {"default_passes_through", R"({{ default "x" .Values.a.b | quote }})",
         "a.b", Use::kRead},
        {"pipe_last_argument", "{{ .Values.a | toYaml }}", "a.b",
         Use::kPossiblyRead},
        {"whole_root", "{{ toYaml . }}", "anything.at.all", Use::kPossiblyRead},
        {"dynamic_include", "{{ include $.Values.name .Values.a }}", "a.b",
         Use::kNotAnalysed},
        {"undefined_helper", R"({{ include "nope" .Values.a }})", "a.b",
         Use::kNotAnalysed},
        {"unknown_function", "{{ frobnicate .Values.a }}", "a",
         Use::kNotAnalysed},
        {"parse_error_after", "{{ .Values.a }} {{ if .Values.b }}", "c",
         Use::kNotAnalysed},
        {"parse_error_keeps_before", "{{ .Values.a }} {{ .Values.b ", "a",
         Use::kRead},
        {"comment", "{{/* .Values.a */}}{{- /* x */ -}}", "a", Use::kNotRead},
        {"string_with_braces", R"({{ printf "}}%s" .Values.a }})", "a",
         Use::kRead},
        {"raw_string", "{{ printf `}}\n%s` .Values.a }}", "a", Use::kRead},
        {"else_if",
         "{{ if .Values.a }}{{ else if .Values.b }}{{ .Values.c }}"
         "{{ end }}",
         "c", Use::kRead},
        {"trim_markers", "{{- .Values.a -}}", "a", Use::kRead},
        {"define_not_rendered",
         R"({{ define "unused" }}{{ .Values.a }}{{ end }})", "a",
         Use::kNotRead},
        {"and_or", "{{ if and .Values.a (or .Values.b .Values.c) }}{{ end }}",
         "c", Use::kRead},
    }),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(TemplateReader, GatesNameTheirConditions) {
  ValuesUsage u = ReadTemplateValuesUsage(
      "{{ if and .Values.m.enabled .Values.m.service.enabled }}\n"
      "{{ with .Values.m.service }}{{ .port }}{{ end }}\n{{ end }}",
      "t.yaml");
  std::vector<const ValueRead*> reads = u.ReadsOf(P("m.service.port"));
  ASSERT_EQ(reads.size(), 1u);
  std::vector<const Gate*> gates = u.GatesOf(*reads[0]);
  ASSERT_EQ(gates.size(), 2u);  // the with, then the if
  EXPECT_EQ(gates[1]->location.ToString(), "t.yaml:1:4");
  EXPECT_THAT(gates[1]->paths, ::testing::Contains(P("m.service.enabled")));
}

struct BadCase {
  std::string name;
  std::string text;
  std::string where;
  std::string message;
};

class ProblemTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ProblemTest, ReportsWithLocation) {
  const BadCase& c = GetParam();
  ValuesUsage u = ReadTemplateValuesUsage(c.text, "t.yaml");
  ASSERT_FALSE(u.problems.empty());
  EXPECT_EQ(u.problems[0].location.ToString(), "t.yaml:" + c.where);
  EXPECT_THAT(u.problems[0].message, HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ProblemTest,
    ::testing::ValuesIn(std::vector<BadCase>{
        {"unclosed_action", "a\n  {{ .Values.a", "2:3", "never closed by }}"},
        {"unclosed_block", "{{ if .Values.a }}\n", "1:4",
         "{{if}} is never closed"},
        {"stray_end", "{{ end }}", "1:4", "without a block"},
        {"unclosed_string", "{{ \"abc }}", "1:4", "string is never closed"},
        {"unknown_function", "\n{{ nope .Values.a }}", "2:4",
         "function \"nope\" not defined"},
        {"undefined_variable", "{{ $x.a }}", "1:4", "undefined variable $x"},
        {"bad_character", "{{ .Values.a ; }}", "1:14", "unexpected character"},
        {"unclosed_paren", "{{ (.Values.a }}", "1:4", "never closed by ')'"},
        {"unclosed_comment", "{{/* x }}", "1:1", "comment is never closed"},
        {"else_outside", "{{ else }}", "1:4", "outside an if"},
    }),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      return info.param.name;
    });

TEST(TemplateReader, DeepNestingIsBounded) {
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "{{ if .Values.a }}";
  ValuesUsage u = ReadTemplateValuesUsage(deep, "t.yaml");
  ASSERT_FALSE(u.problems.empty());
  EXPECT_THAT(u.problems[0].message, HasSubstr("nested deeper than"));
  std::string parens = "{{ ";
  for (int i = 0; i < 5000; ++i) parens += "(";
  ValuesUsage p = ReadTemplateValuesUsage(parens, "t.yaml");
  ASSERT_FALSE(p.problems.empty());
}

TEST(TemplateReader, DictsNestedThroughVariablesAreBounded) {
  std::string text = "{{ $d := dict \"v\" .Values.a }}";
  for (int i = 0; i < 20000; ++i) text += "{{ $d = dict \"a\" $d }}";
  text += "{{ toYaml $d }}";
  ValuesUsage u = ReadTemplateValuesUsage(text, "t.yaml");
  EXPECT_EQ(u.Classify(P("a")).use, Use::kNotAnalysed);
}

TEST(TemplateReader, VeryLongPathsAreBounded) {
  // 20,000 steps deeper: far past the 64-key cap, within the work budget
  // (each step copies a path of up to 64 keys).
  std::string text = "{{ $x := .Values.a }}";
  for (int i = 0; i < 20000; ++i) text += "{{ $x = $x.b }}";
  text += "{{ $x }}";
  ValuesUsage u = ReadTemplateValuesUsage(text, "t.yaml");
  ValuesPath deep = {"a"};
  for (int i = 0; i < 200; ++i) deep.push_back("b");
  EXPECT_EQ(u.Classify(deep).use, Use::kPossiblyRead);
}

TEST(TemplateReader, ManyVariablesStayFast) {
  std::string text = "{{ $first := .Values.f }}";
  for (int i = 0; i < 50000; ++i) {
    text +=
        "{{ $v" + std::to_string(i) + " := 1 }}{{ $first.x }}{{ $.Values.y }}";
  }
  ValuesUsage u = ReadTemplateValuesUsage(text, "t.yaml");
  EXPECT_EQ(u.Classify(P("f.x")).use, Use::kRead);
  EXPECT_EQ(u.Classify(P("y")).use, Use::kRead);
}

TEST(TemplateReader, RecursiveHelpersAreBounded) {
  // Each helper includes the next twice: exponential without memoizing.
  std::string text;
  for (int i = 0; i < 40; ++i) {
    text += "{{ define \"h" + std::to_string(i) + "\" }}{{ include \"h" +
            std::to_string(i + 1) + "\" (dict \"a\" .a) }}{{ include \"h" +
            std::to_string(i + 1) + "\" . }}{{ end }}";
  }
  text += "{{ define \"h40\" }}{{ .a.x }}{{ end }}";
  text += "{{ define \"self\" }}{{ include \"self\" . }}{{ end }}";
  text += "{{ include \"h0\" (dict \"a\" .Values.a) }}";
  text += "{{ include \"self\" .Values.s }}";
  ValuesUsage u = ReadTemplateValuesUsage(text, "t.yaml");
  EXPECT_EQ(u.Classify(P("a.x")).use, Use::kRead);
  // The self-include is walked once per distinct argument: no unbounded
  // recursion, and nothing is claimed about s.
  EXPECT_NE(u.Classify(P("s.y")).use, Use::kRead);
}

// Found by fuzzing: a helper that includes itself twice, each time under a
// new condition, is walked again at every level (the condition is part of
// what a walk records), so the walks double with each level. A 1 KB template
// of this shape once took a minute and 7 GB. The work budget counts what is
// copied and recorded, so the output stays within it and the rest is "not
// analysed".
TEST(TemplateReader, ExponentialIncludesStayWithinTheBudget) {
  const std::string text =
      "{{- define \"img\" -}}"
      "{{ if .Values.a }}{{ include \"img\" . }}{{ end }}"
      "{{ if .Values.b }}{{ include \"img\" . }}{{ end }}"
      "{{ .Values.image.repository }}"
      "{{- end -}}"
      "{{ include \"img\" . }}";
  ReaderLimits limits;
  limits.max_steps = 200000;
  ValuesUsage u = ReadTemplateValuesUsage(text, "t.yaml", limits);
  EXPECT_EQ(u.Classify(P("image.repository")).use, Use::kRead);
  bool spent = false;
  for (const Unresolved& x : u.unresolved) {
    spent = spent || absl::StrContains(x.reason, "steps to read");
  }
  EXPECT_TRUE(spent);
  // What was kept (every path and every key of it) was paid for.
  uint64_t kept = 0;
  for (const ValueRead& r : u.reads) kept += 1 + r.path.size();
  for (const Gate& g : u.gates) {
    for (const ValuesPath& p : g.paths) kept += 1 + p.size();
  }
  for (const Unresolved& x : u.unresolved) kept += 1 + x.path.size();
  EXPECT_LE(kept, limits.max_steps);
}

TEST(TemplateReader, ValuesPathToString) {
  EXPECT_EQ(ValuesPathToString({"a", "b"}), "a.b");
  EXPECT_EQ(ValuesPathToString({"a", "*", "c"}), "a.*.c");
  EXPECT_EQ(ValuesPathToString({"ann", "x.io/y"}), "ann[\"x.io/y\"]");
}

}  // namespace
}  // namespace upgrade_core::chart
