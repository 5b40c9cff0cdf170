#include "upgrade_core/util/json_string.h"

#include <string>

#include "gtest/gtest.h"

namespace upgrade_core {
namespace {

TEST(JsonStringTest, Escapes) {
  struct Case {
    std::string in;
    std::string want;
  };
  const Case kCases[] = {
      {"", R"("")"},
      {"plain", R"("plain")"},
      {"a\"b", R"("a\"b")"},
      {"back\\slash", R"("back\\slash")"},
      {"line\nbreak\r\ttab", R"("line\nbreak\r\ttab")"},
      {std::string("nul\0x", 5), R"("nul\u0000x")"},
      {"\x1b[0m", R"("\u001b[0m")"},
      {"caf\xc3\xa9", "\"caf\xc3\xa9\""},  // UTF-8 passes through
      // Allowed raw by JSON, but refused or changed by YAML-based readers:
      // DEL, C1 controls (NEL), the noncharacters U+FFFE and U+FFFF.
      {"a\x7f"
       "b",
       R"("a\u007fb")"},
      {"x\xc2\x82y", R"("x\u0082y")"},
      {"x\xc2\x85y", R"("x\u0085y")"},
      {"\xef\xbf\xbe\xef\xbf\xbf", R"("\ufffe\uffff")"},
      // LS and PS: YAML 1.1 line breaks (fuzz/values found the fold).
      {"a\xe2\x80\xa8"
       "b\xe2\x80\xa9",
       R"("a\u2028b\u2029")"},
      {"\xe2\x80\xa7\xe2\x80\xaa",
       "\"\xe2\x80\xa7\xe2\x80\xaa\""},  // neighbours stay
      {"\xc2\xa0\xef\xbf\xbd",
       "\"\xc2\xa0\xef\xbf\xbd\""},  // NBSP, U+FFFD stay
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.want);
    EXPECT_EQ(JsonQuote(c.in), c.want);
    std::string appended = "x=";
    AppendJsonString(&appended, c.in);
    EXPECT_EQ(appended, "x=" + c.want);
  }
}

}  // namespace
}  // namespace upgrade_core
