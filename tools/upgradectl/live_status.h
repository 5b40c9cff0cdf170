// File: live_status.h
// -----------------------------------------------------------------------------
// `upgradectl run` on a terminal: a status line kept at the bottom of the
// screen (wave, steps done/total, the running steps with their elapsed time,
// the ETA), repainted every second, with the per-step lines scrolling above
// it. Off a terminal the run prints the lines only (run_command.cc decides).
#ifndef UPGRADE_CORE_TOOLS_UPGRADECTL_LIVE_STATUS_H_
#define UPGRADE_CORE_TOOLS_UPGRADECTL_LIVE_STATUS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "upgrade_core/exec/executor.h"

namespace upgrade_core::cli {

// What the status line shows.
struct StatusSnapshot {
  exec::Progress progress;
  // Running step id -> when it started (from the step's start event).
  std::map<std::string, absl::Time> started;
};

// The status line for `snapshot` at `now`, at most `width` columns (UTF-8
// aware only in that it counts bytes: every part is ASCII). E.g.
// "wave 2 | 5/12 steps | running: web/start-new 12s, api/verify 3s | ETA 40s".
std::string FormatStatusLine(const StatusSnapshot& snapshot, absl::Time now,
                             int width);

class LiveStatus {
 public:
  // `out` is the terminal; `width` its columns (TerminalWidth()).
  LiveStatus(std::ostream& out, int width);
  ~LiveStatus();  // erases the status line
  LiveStatus(const LiveStatus&) = delete;
  LiveStatus& operator=(const LiveStatus&) = delete;

  // A line that scrolls above the status line.
  void PrintLine(const std::string& line);
  void StepStarted(const std::string& step_id);
  void StepFinished(const std::string& step_id);
  void Update(const exec::Progress& progress);

 private:
  void PaintLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Tick();

  absl::Mutex mu_;
  std::ostream& out_ ABSL_GUARDED_BY(mu_);
  const int width_;
  StatusSnapshot snapshot_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread ticker_;
};

// Columns of the terminal on `fd` (80 when it cannot tell).
int TerminalWidth(int fd);

}  // namespace upgrade_core::cli

#endif  // UPGRADE_CORE_TOOLS_UPGRADECTL_LIVE_STATUS_H_
