#include "tools/upgradectl/live_status.h"

#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "upgrade_core/exec/orchestrator.h"

namespace upgrade_core::cli {
namespace {

// Carriage return, then erase to the end of the line (ECMA-48 EL).
constexpr char kClearLine[] = "\r\033[K";

std::string Seconds(absl::Duration d) {
  const int64_t s = absl::ToInt64Seconds(d);
  if (s < 60) return absl::StrCat(s < 0 ? 0 : s, "s");
  if (s < 3600) return absl::StrCat(s / 60, "m", s % 60, "s");
  return absl::StrCat(s / 3600, "h", (s % 3600) / 60, "m");
}

}  // namespace

std::string FormatStatusLine(const StatusSnapshot& snapshot, absl::Time now,
                             int width) {
  const exec::Progress& p = snapshot.progress;
  std::string line;
  if (p.rollback_done + p.rollback_remaining > 0) {
    absl::StrAppend(&line, "rolling back | ", p.rollback_done, "/",
                    p.rollback_done + p.rollback_remaining, " rollback steps");
  } else {
    if (p.wave >= 0) absl::StrAppend(&line, "wave ", p.wave, " | ");
    absl::StrAppend(&line, p.steps_done, "/", p.steps_total, " steps");
  }
  if (!p.running.empty()) {
    line += " | running: ";
    bool first = true;
    for (const std::string& id : p.running) {
      if (!first) line += ", ";
      first = false;
      line += id;
      auto it = snapshot.started.find(id);
      if (it != snapshot.started.end()) {
        absl::StrAppend(&line, " ", Seconds(now - it->second));
      }
    }
  }
  if (p.eta_ms.has_value()) {
    absl::StrAppend(&line, " | ETA ", Seconds(absl::Milliseconds(*p.eta_ms)));
  }
  if (width > 3 && line.size() > static_cast<size_t>(width - 1)) {
    // One column short of the edge: a full line would wrap on some terminals.
    line.resize(width - 4);
    line += "...";
  }
  return line;
}

LiveStatus::LiveStatus(std::ostream& out, int width)
    : out_(out), width_(width) {
  ticker_ = std::thread([this] { Tick(); });
}

LiveStatus::~LiveStatus() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  ticker_.join();
  absl::MutexLock lock(&mu_);
  out_ << kClearLine << std::flush;
}

void LiveStatus::PrintLine(const std::string& line) {
  absl::MutexLock lock(&mu_);
  out_ << kClearLine << line << "\n";
  PaintLocked();
}

void LiveStatus::StepStarted(const std::string& step_id) {
  absl::MutexLock lock(&mu_);
  snapshot_.started[step_id] = absl::Now();
}

void LiveStatus::StepFinished(const std::string& step_id) {
  absl::MutexLock lock(&mu_);
  snapshot_.started.erase(step_id);
}

void LiveStatus::Update(const exec::Progress& progress) {
  absl::MutexLock lock(&mu_);
  snapshot_.progress = progress;
  PaintLocked();
}

void LiveStatus::PaintLocked() {
  out_ << kClearLine << FormatStatusLine(snapshot_, absl::Now(), width_)
       << std::flush;
}

void LiveStatus::Tick() {
  // A display thread never takes a signal: SIGINT and SIGTERM must reach the
  // thread that waits for them (run_command.cc), not end the process here.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Seconds(1))) {
    PaintLocked();
  }
}

int TerminalWidth(int fd) {
  struct winsize ws;
  if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace upgrade_core::cli
