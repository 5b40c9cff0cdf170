#include "tools/upgradectl/live_status.h"

#include <sstream>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace upgrade_core::cli {
namespace {

TEST(FormatStatusLineTest, ShowsWaveStepsRunningAndEta) {
  const absl::Time now = absl::FromUnixSeconds(1000000);
  struct Case {
    const char* name;
    exec::Progress progress;
    std::map<std::string, absl::Time> started;
    int width;
    std::string want;
  };
  exec::Progress running;
  running.wave = 2;
  running.steps_done = 5;
  running.steps_total = 12;
  running.running = {"web/start-new", "api/verify"};
  running.eta_ms = 40500;
  exec::Progress rollback;
  rollback.rollback_done = 1;
  rollback.rollback_remaining = 3;
  rollback.running = {"db/rollback"};
  exec::Progress idle;
  idle.steps_total = 3;
  exec::Progress long_eta = running;
  long_eta.eta_ms = 3723000;
  const Case cases[] = {
      {"running steps with elapsed time",
       running,
       {{"web/start-new", now - absl::Seconds(12)},
        {"api/verify", now - absl::Milliseconds(3900)}},
       200,
       "wave 2 | 5/12 steps | running: web/start-new 12s, api/verify 3s | "
       "ETA 40s"},
      {"a step without a start time yet",
       running,
       {},
       200,
       "wave 2 | 5/12 steps | running: web/start-new, api/verify | ETA 40s"},
      {"minutes and hours",
       long_eta,
       {{"web/start-new", now - absl::Seconds(75)}},
       200,
       "wave 2 | 5/12 steps | running: web/start-new 1m15s, api/verify | "
       "ETA 1h2m"},
      {"rolling back",
       rollback,
       {},
       200,
       "rolling back | 1/4 rollback steps | running: db/rollback"},
      {"nothing in flight, no estimate", idle, {}, 200, "0/3 steps"},
      {"cut to the terminal's width",
       running,
       {},
       30,
       "wave 2 | 5/12 steps | runn..."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StatusSnapshot snapshot{c.progress, c.started};
    const std::string line = FormatStatusLine(snapshot, now, c.width);
    EXPECT_EQ(line, c.want);
    EXPECT_LT(line.size(), static_cast<size_t>(c.width));
  }
}

TEST(LiveStatusTest, LinesScrollAboveTheRepaintedStatusLine) {
  std::ostringstream out;
  {
    LiveStatus live(out, 80);
    exec::Progress p;
    p.steps_total = 2;
    live.Update(p);
    live.PrintLine("12:00:00 start  a/preflight (attempt 1)");
  }
  // Each print erases the status line, writes the line, repaints the
  // status; the destructor erases it for good. (The ticker repaints too, once
  // a second: the same text.)
  EXPECT_NE(out.str().find("\r\033[K0/2 steps\r\033[K12:00:00 start  "
                           "a/preflight (attempt 1)\n\r\033[K0/2 steps"),
            std::string::npos)
      << out.str();
  EXPECT_EQ(out.str().substr(out.str().size() - 4), "\r\033[K");
}

}  // namespace
}  // namespace upgrade_core::cli
