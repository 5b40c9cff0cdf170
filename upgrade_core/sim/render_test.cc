#include "upgrade_core/sim/render.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/sim/simulator.h"

namespace upgrade_core::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A hand-made result: a retried verify, a timed-out await, a step still in
// flight, and a service below its floor from 2s to 5s.
SimResult Sample() {
  SimResult r;
  r.plan = "demo";
  r.seed = 7;
  r.outcome = "rolled_back";
  r.duration_ms = 10000;
  r.timeline = {
      {0, "web/apply issued"},
      {1000, "web/apply succeeded"},
      {1000, "pod web-new-1 scheduled on node-1"},
      {1000, "web/verify issued"},
      {2000, "web/verify failed (injected fault)"},
      {2500, "web/verify issued (attempt 2)"},
      {3000, "web/verify succeeded"},
      {3000, "db/await-ready issued"},
      {8000, "db/await-ready timed out after 5s"},
      {9000, "db/rollback issued"},
      {10000, "plan rolled_back"},
  };
  ServiceResult s;
  s.name = "http<&>";
  s.endpoints_total = 3;
  s.floor = 2;
  s.min_ready = 1;
  s.ms_below_floor = 3000;
  s.ready_over_time = {{0, 3}, {2000, 1}, {5000, 3}};
  r.services.push_back(s);
  ServiceResult t;
  t.name = "no-floor";
  t.endpoints_total = 1;
  t.min_ready = 1;
  t.ready_over_time = {{0, 1}};
  r.services.push_back(t);
  return r;
}

TEST(StepBarsTest, OneBarPerAttempt) {
  const std::vector<StepBar> bars = StepBars(Sample());
  struct Want {
    std::string step;
    int attempt;
    int64_t start, end;
    std::string result;
  };
  const std::vector<Want> want = {
      {"web/apply", 1, 0, 1000, "succeeded"},
      {"web/verify", 1, 1000, 2000, "failed"},
      {"web/verify", 2, 2500, 3000, "succeeded"},
      {"db/await-ready", 1, 3000, 8000, "timed out"},
      {"db/rollback", 1, 9000, 10000, "unfinished"},
  };
  ASSERT_EQ(bars.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(bars[i].step, want[i].step) << i;
    EXPECT_EQ(bars[i].attempt, want[i].attempt) << i;
    EXPECT_EQ(bars[i].start_ms, want[i].start) << i;
    EXPECT_EQ(bars[i].end_ms, want[i].end) << i;
    EXPECT_EQ(bars[i].result, want[i].result) << i;
  }
  EXPECT_EQ(bars[0].component, "web");
  EXPECT_EQ(bars[0].action, "apply");
}

TEST(MermaidGanttTest, SectionsPerComponentAndTaggedBars) {
  const std::string g = RenderMermaidGantt(Sample());
  EXPECT_EQ(g,
            "gantt\n"
            "  title demo (seed 7) rolled_back after 10s\n"
            "  dateFormat x\n"
            "  axisFormat %M m %S s\n"
            "  section web\n"
            "  apply :done, 0, 1000\n"
            "  verify failed :crit, 1000, 2000\n"
            "  verify (attempt 2) :done, 2500, 3000\n"
            "  section db\n"
            "  await-ready timed out :crit, 3000, 8000\n"
            "  rollback unfinished :active, 9000, 10000\n");
}

TEST(MermaidGanttTest, ColonsInNamesDoNotBreakTheSyntax) {
  SimResult r;
  r.plan = "a:b#c";
  r.outcome = "succeeded";
  r.duration_ms = 5;
  r.timeline = {{0, "x/do:it issued"}, {5, "x/do:it succeeded"}};
  const std::string g = RenderMermaidGantt(r);
  EXPECT_THAT(g, HasSubstr("title a b c (seed 0)"));
  EXPECT_THAT(g, HasSubstr("  do it :done, 0, 5\n"));
}

TEST(ReadinessSvgTest, PanelsFloorAndShading) {
  const std::string svg = RenderReadinessSvg(Sample());
  EXPECT_TRUE(absl::StartsWith(svg, "<?xml version=\"1.0\""));
  EXPECT_THAT(svg, HasSubstr("xmlns=\"http://www.w3.org/2000/svg\" "
                             "version=\"1.1\""));
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
  // Names are escaped.
  EXPECT_THAT(svg, HasSubstr("http&lt;&amp;&gt;: ready endpoints (min 1/3, "
                             "floor 2, below for 3s)"));
  EXPECT_THAT(svg, Not(HasSubstr("http<&>")));
  // One shaded interval, 2s..5s of 10s on a 640px axis from x=60.
  EXPECT_THAT(svg, HasSubstr("<rect class=\"below-floor\" x=\"188.0\" "
                             "y=\"68.0\" width=\"192.0\""));
  int shaded = 0, floors = 0, lines = 0;
  for (absl::string_view part : absl::StrSplit(svg, '\n')) {
    shaded += absl::StrContains(part, "class=\"below-floor\"");
    floors += absl::StrContains(part, "class=\"floor\"");
    lines += absl::StrContains(part, "class=\"ready\"");
  }
  EXPECT_EQ(shaded, 1);
  EXPECT_EQ(floors, 1);  // the second service has none
  EXPECT_EQ(lines, 2);
  EXPECT_THAT(svg, HasSubstr("stroke-dasharray=\"6 4\""));
  // The step line: 3 ready, down to 1 at 2s, back to 3 at 5s, to the end.
  EXPECT_THAT(svg, HasSubstr("d=\"M60.0 68.0 H188.0 V141.3 H380.0 V68.0 "
                             "H700.0\""));
}

TEST(ReadinessSvgTest, SameBytesAndBalancedTags) {
  const std::string a = RenderReadinessSvg(Sample());
  EXPECT_EQ(a, RenderReadinessSvg(Sample()));
  // Every element is either self-closed or closed: <g> pairs, <text> pairs.
  int g_open = 0, g_close = 0, text_open = 0, text_close = 0;
  for (size_t i = 0; (i = a.find('<', i)) != std::string::npos; ++i) {
    g_open += a.compare(i, 3, "<g ") == 0;
    g_close += a.compare(i, 4, "</g>") == 0;
    text_open += a.compare(i, 6, "<text ") == 0;
    text_close += a.compare(i, 7, "</text>") == 0;
  }
  EXPECT_EQ(g_open, 2);
  EXPECT_EQ(g_close, 2);
  EXPECT_EQ(text_open, text_close);
}

TEST(ReadinessSvgTest, NoServicesStillAValidDocument) {
  SimResult r;
  r.plan = "empty";
  r.outcome = "succeeded";
  const std::string svg = RenderReadinessSvg(r);
  EXPECT_THAT(svg, HasSubstr("no services in this plan"));
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
}

}  // namespace
}  // namespace upgrade_core::sim
