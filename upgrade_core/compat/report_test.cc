// Tests of report rendering: text, JSON and SARIF 2.1.0.
#include "upgrade_core/diag/report.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/compat/rule_help.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::diag {
namespace {

using compat::PackRuleHelp;
using compat::RuleHelp;

using ::testing::HasSubstr;
using ::testing::Not;
using ::upgrade_core::testing::StatusIs;

Report Sample() {
  Report r;
  Diagnostic a;
  a.code = "chart/removed-override";
  a.severity = Severity::kError;
  a.path = "controller.existingPsp";
  a.message = "your override \"x\" is ignored";
  a.hint = "remove it";
  a.location = {"values.yaml", 12, 3};
  Diagnostic b;
  b.code = "chart/default-changed";
  b.severity = Severity::kWarning;
  b.path = "a.b";
  b.message = "changed";
  b.location = {"defaults.yaml", 2, 5};
  r.findings = {a, b, a};
  r.Normalize();
  return r;
}

TEST(ReportTest, Severity) {
  EXPECT_EQ(*ParseSeverity("warning"), Severity::kWarning);
  EXPECT_EQ(*ParseSeverity("ERROR"), Severity::kError);
  EXPECT_THAT(ParseSeverity("fatal").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("fatal")));
  Report r = Sample();
  EXPECT_EQ(r.findings.size(), 2);  // the duplicate is dropped
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.ok(Severity::kWarning));
  Report w;
  w.findings.push_back(r.findings[0]);  // defaults.yaml sorts first: warning
  EXPECT_TRUE(w.ok());
  EXPECT_FALSE(w.ok(Severity::kWarning));
}

TEST(ReportTest, Text) {
  EXPECT_EQ(Sample().ToText(),
            "defaults.yaml:2:5: warning: a.b: changed. "
            "[chart/default-changed]\n"
            "values.yaml:12:3: error: controller.existingPsp: your override "
            "\"x\" is ignored. Hint: remove it. [chart/removed-override]\n"
            "1 error(s), 1 warning(s), 0 info\n");
}

// Issue 9: the report JSON is the diagnostics shape shared with the plan
// checks (util/diagnostics.h): version, ok, summary, diagnostics with code
// and location.file.
TEST(ReportTest, JsonIsTheSharedDiagnosticsShape) {
  Report unknown_location;
  Diagnostic f;
  f.code = "version-skew/kubelet";
  f.severity = Severity::kInfo;
  f.message = "m";
  f.component = "ingress";
  unknown_location.findings.push_back(f);
  struct Case {
    const char* name;
    Report report;
    std::string want;
  };
  const Case kCases[] = {
      {"sample", Sample(),
       R"({"version":3,"ok":false,"summary":{"error":1,"warning":1,"info":0},)"
       R"("diagnostics":[{"severity":"warning","code":"chart/default-changed",)"
       R"("message":"changed","hint":"","path":"a.b","component":"",)"
       R"("location":{"file":"defaults.yaml","line":2,"column":5}},)"
       R"({"severity":"error","code":"chart/removed-override","message":)"
       R"("your override \"x\" is ignored","hint":"remove it","path":)"
       R"("controller.existingPsp","component":"","location":{"file":)"
       R"("values.yaml","line":12,"column":3}}]})"},
      {"unknown location, component", unknown_location,
       R"({"version":3,"ok":true,"summary":{"error":0,"warning":0,"info":1},)"
       R"("diagnostics":[{"severity":"info","code":"version-skew/kubelet",)"
       R"("message":"m","hint":"","path":"","component":"ingress",)"
       R"("location":{"file":"","line":0,"column":0}}]})"},
      {"empty", Report(),
       R"({"version":3,"ok":true,"summary":{"error":0,"warning":0,"info":0},)"
       R"("diagnostics":[]})"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.report.ToJson(), c.want);
  }
}

TEST(ReportTest, Sarif) {
  std::string s = Sample().ToSarif(RuleHelp);
  for (
      const char* want : {
          R"("version":"2.1.0")",
          R"("name":"upgrade_core")",
          R"("version":"0.1.0")",
          R"({"id":"chart/default-changed","defaultConfiguration":{"level":"warning"},"help":)",
          R"("ruleId":"chart/removed-override","ruleIndex":1,"level":"error")",
          R"("artifactLocation":{"uri":"values.yaml"},"region":{"startLine":12,"startColumn":3})",
      }) {
    SCOPED_TRACE(want);
    EXPECT_THAT(s, HasSubstr(want));
  }
}

// Issue 9: rules[].help is the rule's general help, never a finding's hint.
TEST(ReportTest, SarifRuleHelpIsTheRulesNotTheFirstFindingsHint) {
  Diagnostic first;
  first.code = "chart/removed-override";
  first.message = "your override a.b is ignored";
  first.hint = "a hint about a.b only";
  first.location = {"values.yaml", 1, 1};
  Diagnostic custom;
  custom.code = "my-pack/my-rule";
  custom.message = "m";
  custom.hint = "a hint about this one finding";
  custom.location = {"values.yaml", 2, 1};
  Diagnostic unknown = custom;
  unknown.code = "other-pack/no-help";
  struct Case {
    const char* rule;
    std::string want;  // "" = no help member
  };
  const Case kCases[] = {
      {"chart/removed-override", RuleHelp("chart/removed-override")},
      {"my-pack/my-rule", "what my-rule checks"},
      {"other-pack/no-help", ""},
  };
  Report r;
  r.findings = {first, custom, unknown};
  r.rule_help["my-pack/my-rule"] = "what my-rule checks";
  const std::string sarif = r.ToSarif(RuleHelp);
  EXPECT_THAT(sarif, Not(HasSubstr(R"("help":{"text":"a hint)")));
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.rule);
    const std::string rule = absl::StrCat(R"({"id":")", c.rule, R"(")");
    const size_t at = sarif.find(rule);
    ASSERT_NE(at, std::string::npos);
    const std::string entry = sarif.substr(at, sarif.find("}}", at) + 2 - at);
    if (c.want.empty()) {
      EXPECT_THAT(entry, Not(HasSubstr("\"help\"")));
    } else {
      EXPECT_THAT(entry, HasSubstr(absl::StrCat(R"("help":{"text":")", c.want,
                                                R"("})")));
    }
  }
}

TEST(ReportTest, RuleHelpKnowsTheBuiltinRules) {
  struct Case {
    const char* rule;
    const char* want;  // substring; "" = no help
  };
  const Case kCases[] = {
      {"chart/renamed-override", "moved to a new key"},
      {"exclusive.surge", "never starts and the rollout hangs"},
      {"schema.unknown-field", "UpgradePlan schema"},
      {"version.skipped-minor", "Upgrade one minor at a time"},
      {"version.downgrade", "allowDowngrade: true"},
      {"config.outside-plan-dir", "--allow-outside DIR"},
      {"chart/override-type-mismatch", "in both versions"},
      {"kubernetes-apis/batch-v1beta1-cronjob",
       "deprecated or removed at the target Kubernetes version. Fix: migrate "
       "to batch/v1."},
      {"nobody/knows", ""},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.rule);
    if (*c.want == '\0') {
      EXPECT_EQ(RuleHelp(c.rule), "");
    } else {
      EXPECT_THAT(RuleHelp(c.rule), HasSubstr(c.want));
    }
  }
  EXPECT_EQ(PackRuleHelp("key-renamed", "use {to}"),
            "A value is set at a key the new version renamed, so it is ignored "
            "until moved.");
}

// Issue 9: artifact URIs are URIs: relative paths percent-encoded as relative
// references, absolute paths as file:/// URIs.
TEST(ReportTest, SarifArtifactUrisAreUris) {
  struct Case {
    const char* path;
    const char* want;
  };
  const Case kCases[] = {
      {"values.yaml", "values.yaml"},
      {"charts/my values#1.yaml", "charts/my%20values%231.yaml"},
      {"c:d.yaml", "c%3Ad.yaml"},  // not mistaken for a scheme
      {"100%.yaml", "100%25.yaml"},
      {"/tmp/a b.yaml", "file:///tmp/a%20b.yaml"},
      {"/srv/\xc3\xa9t\xc3\xa9.yaml", "file:///srv/%C3%A9t%C3%A9.yaml"},
      {"<stdin>", "%3Cstdin%3E"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.path);
    EXPECT_EQ(SarifArtifactUri(c.path), c.want);
    Report r;
    Diagnostic f;
    f.code = "r";
    f.message = "m";
    f.location = {c.path, 1, 1};
    r.findings.push_back(f);
    EXPECT_THAT(r.ToSarif(RuleHelp),
                HasSubstr(absl::StrCat(R"("artifactLocation":{"uri":")", c.want,
                                       R"("})")));
  }
}

// Issue 9: SARIF messages end with a full stop before "Hint".
TEST(ReportTest, SarifMessageEndsWithFullStopBeforeHint) {
  EXPECT_THAT(
      Sample().ToSarif(RuleHelp),
      HasSubstr(
          R"("message":{"text":"your override \"x\" is ignored. Hint: remove it."})"));
  EXPECT_THAT(Sample().ToSarif(RuleHelp),
              HasSubstr(R"("message":{"text":"changed."})"));
}

}  // namespace
}  // namespace upgrade_core::diag
