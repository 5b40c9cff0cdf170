#include "upgrade_core/util/diagnostics.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace upgrade_core {
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
  DiagnosticView full;
  full.severity = "error";
  full.code = "exclusive.surge";
  full.message = "\"a\tb\" holds hostPort:80";
  full.hint = "maxSurge: 0";
  full.path = "components[0].strategy.maxSurge";
  full.component = "a\tb";
  full.file = "plan.yaml";
  full.line = 7;
  full.column = 5;
  DiagnosticView bare;
  bare.severity = "warning";
  bare.code = "strategy.on-delete";
  bare.message = "waits";
  bare.column = 9;  // without a line, the column means nothing
  struct Case {
    const char* name;
    std::vector<DiagnosticView> diagnostics;
    bool ok;
    std::string want;
  };
  const Case kCases[] = {
      {"empty",
       {},
       true,
       R"({"version":2,"ok":true,"summary":{"error":0,"warning":0,"info":0},)"
       R"("diagnostics":[]})"},
      {"escaped, every key, unknown location as empty and zero",
       {full, bare},
       false,
       R"({"version":2,"ok":false,"summary":{"error":1,"warning":1,"info":0},)"
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

}  // namespace
}  // namespace upgrade_core
