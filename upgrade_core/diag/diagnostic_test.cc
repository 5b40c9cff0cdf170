#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "upgrade_core/diag/report.h"

namespace upgrade_core::diag {
namespace {

// Issue 9: text output says "message. Hint: ..." (full stop before "Hint").
TEST(DiagnosticsTest, MessageEndsWithFullStopBeforeHint) {
  struct Case {
    const char* message;
    const char* hint;
    const char* want;
  };
  const Case kCases[] = {
      {"x is ignored", "remove it", "x is ignored. Hint: remove it."},
      {"x is ignored.", "remove it.", "x is ignored. Hint: remove it."},
      {"is it set?", "", "is it set?"},
      {"unknown field (did you mean \"a\"?)", "",
       "unknown field (did you mean \"a\"?)."},
      {"trailing space  ", "  fix it  ", "trailing space. Hint: fix it."},
      {"", "fix it", "Hint: fix it."},
      {"", "", ""},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.message);
    EXPECT_EQ(MessageWithHint(c.message, c.hint), c.want);
  }
}

// Issue 9: one JSON shape, with a version, for every diagnostic writer; every
// string escaped (a tab in an id stays valid JSON).
TEST(DiagnosticsTest, OneJsonShapeWithVersion) {
  Diagnostic full;
  full.severity = Severity::kError;
  full.code = "exclusive.surge";
  full.message = "\"a\tb\" holds hostPort:80";
  full.hint = "maxSurge: 0";
  full.path = "components[0].strategy.maxSurge";
  full.component = "a\tb";
  full.location = {"plan.yaml", 7, 5};
  Diagnostic bare;
  bare.severity = Severity::kWarning;
  bare.code = "strategy.on-delete";
  bare.message = "waits";
  bare.location.column = 9;  // without a line, the column means nothing
  struct Case {
    const char* name;
    std::vector<Diagnostic> diagnostics;
    bool ok;
    std::string want;
  };
  const Case kCases[] = {
      {"empty",
       {},
       true,
       R"({"version":3,"ok":true,"summary":{"error":0,"warning":0,"info":0},)"
       R"("diagnostics":[]})"},
      {"escaped, every key, unknown location as empty and zero",
       {full, bare},
       false,
       R"({"version":3,"ok":false,"summary":{"error":1,"warning":1,"info":0},)"
       R"("diagnostics":[{"severity":"error","code":"exclusive.surge",)"
       R"("message":"\"a\tb\" holds hostPort:80","hint":"maxSurge: 0",)"
       R"("path":"components[0].strategy.maxSurge","component":"a\tb",)"
       R"("location":{"file":"plan.yaml","line":7,"column":5}},)"
       R"({"severity":"warning","code":"strategy.on-delete","message":"waits",)"
       R"("hint":"","path":"","component":"","location":{"file":"","line":0,)"
       R"("column":0}}]})"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(DiagnosticsJson(c.diagnostics, c.ok), c.want);
  }
}

// One line per diagnostic, the way compilers print: location, severity,
// path, message and hint as sentences, the code last.
TEST(DiagnosticsTest, FormatDiagnostic) {
  Diagnostic d;
  d.code = "graph.unknown-dependency";
  d.path = "components[1].dependsOn[0]";
  d.message = "\"ctrl\" depends on \"backnd\", which is not a component";
  d.hint = "did you mean \"backend\"?";
  d.location = {"plan.yaml", 7, 17};
  EXPECT_EQ(FormatDiagnostic(d),
            "plan.yaml:7:17: error: components[1].dependsOn[0]: \"ctrl\" "
            "depends on \"backnd\", which is not a component. Hint: did you "
            "mean \"backend\"? [graph.unknown-dependency]");
  Diagnostic bare;
  bare.severity = Severity::kInfo;
  bare.message = "note";
  EXPECT_EQ(FormatDiagnostic(bare), "info: note.");
  EXPECT_EQ(SeverityName(Severity::kWarning), "warning");
  EXPECT_EQ(*ParseSeverity("warn"), Severity::kWarning);
  EXPECT_FALSE(ParseSeverity("fatal").ok());
  EXPECT_LT(Severity::kWarning, Severity::kError);
}

}  // namespace
}  // namespace upgrade_core::diag
