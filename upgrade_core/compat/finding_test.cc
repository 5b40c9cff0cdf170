// Tests of report rendering: text, JSON and SARIF 2.1.0.
#include "upgrade_core/compat/finding.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::compat {
namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::StatusIs;

Report Sample() {
  Report r;
  Finding a;
  a.rule = "chart/removed-override";
  a.severity = Severity::kError;
  a.path = "controller.existingPsp";
  a.message = "your override \"x\" is ignored";
  a.hint = "remove it";
  a.location = {"values.yaml", 12, 3};
  Finding b;
  b.rule = "chart/default-changed";
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
            "defaults.yaml:2:5: warning [chart/default-changed] a.b: changed\n"
            "values.yaml:12:3: error [chart/removed-override] "
            "controller.existingPsp: your override \"x\" is ignored\n"
            "    hint: remove it\n"
            "1 error(s), 1 warning(s), 0 info\n");
}

TEST(ReportTest, Json) {
  EXPECT_EQ(
      Sample().ToJson(),
      R"({"version":1,"ok":false,"summary":{"error":1,"warning":1,"info":0},)"
      R"("findings":[{"rule":"chart/default-changed","severity":"warning",)"
      R"("path":"a.b","message":"changed","hint":"","location":{"source":)"
      R"("defaults.yaml","line":2,"column":5}},{"rule":)"
      R"("chart/removed-override","severity":"error","path":)"
      R"("controller.existingPsp","message":"your override \"x\" is ignored",)"
      R"("hint":"remove it","location":{"source":"values.yaml","line":12,)"
      R"("column":3}}]})");
}

TEST(ReportTest, Sarif) {
  std::string s = Sample().ToSarif();
  for (
      const char* want : {
          R"("version":"2.1.0")",
          R"("name":"upgrade_core")",
          R"({"id":"chart/default-changed","defaultConfiguration":{"level":"warning"}})",
          R"("ruleId":"chart/removed-override","ruleIndex":1,"level":"error")",
          R"("artifactLocation":{"uri":"values.yaml"},"region":{"startLine":12,"startColumn":3})",
          R"("message":{"text":"your override \"x\" is ignored Hint: remove it"})",
      }) {
    SCOPED_TRACE(want);
    EXPECT_THAT(s, HasSubstr(want));
  }
}

}  // namespace
}  // namespace upgrade_core::compat
