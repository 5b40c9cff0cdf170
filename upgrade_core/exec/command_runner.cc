#include "upgrade_core/exec/command_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/step_commands.h"

extern char** environ;

namespace upgrade_core::exec {
namespace {

constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();

// One command to run for a step.
struct StepCommand {
  std::string what;  // "apply", "verify healthz" (for the log and reasons)
  const proto::StepCommand* command = nullptr;  // nullptr for verify checks
  std::string run;
  int64_t timeout_ms = 0;  // 0: the step's deadline only
  int32_t retries = 0;
};

std::vector<StepCommand> CommandsOf(const proto::Component& c,
                                    proto::StepKind kind) {
  if (kind == proto::VERIFY) {
    std::vector<StepCommand> out;
    for (const proto::VerifyCheck& v : c.verify()) {
      if (v.run().empty()) continue;
      out.push_back({absl::StrCat("verify ", v.name()), nullptr, v.run(),
                     v.timeout_ms(), 0});
    }
    return out;
  }
  const plan::StepCommandSlot* slot = plan::StepCommandSlotFor(kind);
  if (slot == nullptr || !(c.commands().*slot->has)()) return {};
  const proto::StepCommand& one = (c.commands().*slot->get)();
  return {{slot->key, &one, one.run(), one.timeout_ms(), one.retries()}};
}

bool WriteAll(int fd, absl::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string Timestamp() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                          absl::UTCTimeZone());
}

// mkdir -p.
bool MakeDirs(const std::string& dir) {
  if (dir.empty()) return true;
  std::string path;
  for (absl::string_view part : absl::StrSplit(dir, '/')) {
    path = path.empty() && dir[0] == '/'
               ? absl::StrCat("/", part)
               : (path.empty() ? std::string(part)
                               : absl::StrCat(path, "/", part));
    if (part.empty()) continue;
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return false;
  }
  struct stat st;
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The last `n` non-empty lines of the file at `path` (at most its last 4 KiB
// are read), joined by " | ".
std::string LastLines(const std::string& path, int n) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  const off_t size = ::lseek(fd, 0, SEEK_END);
  const off_t from = std::max<off_t>(0, size - 4096);
  std::string text(static_cast<size_t>(size - from), '\0');
  const ssize_t got = ::pread(fd, text.data(), text.size(), from);
  ::close(fd);
  text.resize(got > 0 ? static_cast<size_t>(got) : 0);
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!line.empty() && !absl::StartsWith(line, "--- ")) {
      lines.emplace_back(line.substr(0, 200));
    }
  }
  if (lines.size() > static_cast<size_t>(n)) {
    lines.erase(lines.begin(), lines.end() - n);
  }
  return absl::StrJoin(lines, " | ");
}

std::string DescribeStatus(int status) {
  if (WIFEXITED(status)) return absl::StrCat("exit code ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(status), " (",
                        strsignal(WTERMSIG(status)), ")");
  }
  return absl::StrCat("wait status ", status);
}

}  // namespace

struct CommandRunner::RunResult {
  bool ok = false;
  // Why it did not succeed: "exit code 3", "timed out after 5s", ...
  std::string why;
  // Stopped by a deadline, a cancellation or KillAll(): no re-run.
  bool stopped = false;
};

CommandRunner::CommandRunner(const plan::ExecutionPlan& plan,
                             CommandRunnerOptions options)
    : plan_(plan), options_(std::move(options)) {
  if (!options_.now_ms) {
    options_.now_ms = [] { return absl::ToUnixMillis(absl::Now()); };
  }
}

int64_t CommandRunner::Now() const { return options_.now_ms(); }

std::string CommandRunner::LogPath(const Action& action) const {
  const std::string name = absl::StrCat(
      absl::StrReplaceAll(action.step_id, {{"/", "_"}}),
      action.rollback && !absl::EndsWith(action.step_id, "/rollback")
          ? ".rollback"
          : "",
      ".attempt-", action.attempt, ".log");
  return options_.log_dir.empty() ? name
                                  : absl::StrCat(options_.log_dir, "/", name);
}

void CommandRunner::KillAll() {
  killed_.store(true);
  absl::MutexLock lock(&mu_);
  for (pid_t group : groups_) {
    if (::kill(-group, SIGKILL) != 0) ::kill(group, SIGKILL);
  }
}

void CommandRunner::Rearm() { killed_.store(false); }

Outcome CommandRunner::Run(const Action& action,
                           const CancellationToken& cancel) {
  const proto::Component& component =
      plan_.proto().source().components(action.component);
  const std::vector<StepCommand> commands = CommandsOf(component, action.kind);
  if (!MakeDirs(options_.log_dir)) {
    return Outcome::Failed(absl::StrCat("cannot create the log directory ",
                                        options_.log_dir, ": ",
                                        strerror(errno)));
  }
  const std::string log_path = LogPath(action);
  const int log_fd =
      ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return Outcome::Failed(absl::StrCat("cannot open the log file ", log_path,
                                        ": ", strerror(errno)));
  }
  struct CloseFd {
    int fd;
    ~CloseFd() { ::close(fd); }
  } close_log{log_fd};
  const std::string step = absl::StrCat(
      action.step_id, " attempt ", action.attempt,
      action.rollback && action.kind != proto::ROLLBACK ? " (rollback)" : "");
  if (commands.empty()) {
    WriteAll(log_fd,
             absl::StrCat("--- ", Timestamp(), " ", step,
                          ": no command for this step: nothing to do\n"));
    return Outcome::Succeeded();
  }
  const int64_t step_deadline =
      action.deadline_ms > 0 ? action.deadline_ms : kNoDeadline;
  // At the step's deadline the orchestrator moves on (a retry, the
  // rollback): the command must be gone by then, not still being stopped.
  // So it is stopped early enough for its kill grace (at most a quarter of
  // the step's time) to end by the deadline.
  int64_t stop_at = step_deadline;
  if (action.deadline_ms > 0) {
    const int64_t span =
        action.deadline_ms - std::min(action.issued_at_ms, action.deadline_ms);
    stop_at -= std::min(options_.kill_grace_ms, span / 4);
  }
  for (const StepCommand& c : commands) {
    const bool poll = action.kind == proto::AWAIT_READY;
    const google::protobuf::Map<std::string, std::string> no_env;
    const auto& env = c.command != nullptr ? c.command->env() : no_env;
    const std::string workdir =
        c.command != nullptr ? c.command->workdir() : "";
    RunResult last;
    // Await: why the last poll that ran to its end said "not ready". A poll
    // the step's deadline cuts short says nothing about readiness, so the
    // failure names this answer first.
    std::string last_answer;
    const int64_t first_start = Now();
    int32_t run = 0;
    for (;; ++run) {
      const int64_t now = Now();
      const int64_t deadline =
          c.timeout_ms > 0 ? std::min(stop_at, now + c.timeout_ms) : stop_at;
      last = RunOnce(action, c.what, c.run, env, workdir, deadline,
                     step_deadline, cancel, log_fd);
      if (poll && last.stopped && deadline == stop_at && !killed_.load() &&
          !cancel.cancelled() && !last_answer.empty()) {
        last.why = absl::StrCat(
            last_answer,
            "; the try after it was stopped at the step's deadline (", last.why,
            ")");
      }
      if (last.ok || last.stopped) break;
      last_answer = last.why;
      if (!poll && run >= c.retries) break;
      // Await polls until the step's deadline; a retry waits a little.
      const int64_t pause =
          poll ? options_.poll_interval_ms : options_.retry_pause_ms;
      if (Now() + pause >= stop_at) {
        if (poll)
          last.why += "; the step's deadline passes before the next try";
        break;
      }
      if (cancel.WaitForCancellation(absl::Milliseconds(pause)) &&
          !(options_.drain_on_cancel && cancel.reason() == "cancelled")) {
        last.why = absl::StrCat(last.why, "; then ", cancel.reason());
        break;
      }
      if (killed_.load()) break;
    }
    if (!last.ok && poll) {
      last.why =
          absl::StrCat("not ready after ", FormatDuration(Now() - first_start),
                       " of polling (", run + 1, run == 0 ? " try" : " tries",
                       "); the last: ", last.why);
    }
    if (!last.ok) {
      const std::string tail = LastLines(log_path, 5);
      return Outcome::Failed(absl::StrCat(c.what, " command failed: ", last.why,
                                          " (log: ", log_path, ")",
                                          tail.empty() ? "" : ": ", tail));
    }
  }
  return Outcome::Succeeded();
}

CommandRunner::RunResult CommandRunner::RunOnce(
    const Action& action, const std::string& what, const std::string& run,
    const google::protobuf::Map<std::string, std::string>& env,
    const std::string& workdir, int64_t deadline_ms, int64_t gone_by_ms,
    const CancellationToken& cancel, int log_fd) {
  RunResult result;
  // Everything the child needs is built before fork(): after it, only
  // async-signal-safe calls (the runner shares the process with threads).
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr)
      vars[std::string(*e, static_cast<size_t>(eq - *e))] = std::string(eq + 1);
  }
  const proto::Component& component =
      plan_.proto().source().components(action.component);
  vars["UPGRADE_COMPONENT"] = component.id();
  vars["UPGRADE_FROM_VERSION"] = component.version().from();
  vars["UPGRADE_TO_VERSION"] = component.version().to();
  vars["UPGRADE_STEP"] = std::string(plan::StepKindName(action.kind));
  vars["UPGRADE_ROLLBACK"] = action.rollback ? "1" : "0";
  vars["UPGRADE_ATTEMPT"] = absl::StrCat(action.attempt);
  vars["UPGRADE_PLAN"] = options_.plan_path;
  vars["UPGRADE_JOURNAL"] = options_.journal_path;
  for (const auto& [k, v] : env) vars[k] = v;
  std::vector<std::string> env_strings;
  env_strings.reserve(vars.size());
  for (const auto& [k, v] : vars)
    env_strings.push_back(absl::StrCat(k, "=", v));
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string sh = "sh", dash_c = "-c", script = run;
  char* argv[] = {sh.data(), dash_c.data(), script.data(), nullptr};
  const std::string chdir_error =
      absl::StrCat("cannot change to the working directory ", workdir, "\n");

  const int64_t started = Now();
  WriteAll(log_fd,
           absl::StrCat("--- ", Timestamp(), " ", action.step_id, " attempt ",
                        action.attempt, ": ", what, ": ", run, "\n"));
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.why = absl::StrCat("fork failed: ", strerror(errno));
    return result;
  }
  if (pid == 0) {
    ::setsid();  // its own session and process group: killed as a whole
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    if (!workdir.empty() && ::chdir(workdir.c_str()) != 0) {
      (void)!::write(2, chdir_error.data(), chdir_error.size());
      ::_exit(127);
    }
    ::execve("/bin/sh", argv, envp.data());
    ::_exit(127);
  }
  {
    absl::MutexLock lock(&mu_);
    groups_.insert(pid);
  }
  // The group id is the child's pid once it has called setsid(); before
  // that, kill(-pid) finds no group: signal the child itself.
  auto signal_group = [pid](int sig) {
    if (::kill(-pid, sig) != 0) ::kill(pid, sig);
  };
  if (killed_.load()) signal_group(SIGKILL);

  int status = 0;
  bool reaped = false;
  std::string stop_why;
  int64_t sleep_ms = 1;
  while (true) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      reaped = true;
      break;
    }
    if (r < 0 && errno != EINTR) break;
    const int64_t now = Now();
    if (killed_.load()) {
      stop_why = "killed (the run was stopped)";
    } else if (now >= deadline_ms) {
      stop_why =
          absl::StrCat("timed out after ", FormatDuration(now - started));
    } else if (cancel.cancelled() &&
               !(options_.drain_on_cancel && cancel.reason() == "cancelled")) {
      stop_why = cancel.reason();
    }
    if (!stop_why.empty()) break;
    const int64_t wait =
        std::min<int64_t>({sleep_ms, deadline_ms - now, int64_t{50}});
    if (cancel.cancelled()) {
      absl::SleepFor(absl::Milliseconds(wait));
    } else {
      cancel.WaitForCancellation(absl::Milliseconds(wait));
    }
    sleep_ms = std::min<int64_t>(sleep_ms * 2, 50);
  }
  if (!stop_why.empty()) {
    // The whole group: SIGTERM, then SIGKILL after the grace period for
    // whatever is left (a child that ignores SIGTERM, a stuck shutdown).
    signal_group(SIGTERM);
    const int64_t kill_at =
        std::min(Now() + options_.kill_grace_ms, std::max(Now(), gone_by_ms));
    bool killed = false;
    while (true) {
      if (!reaped && ::waitpid(pid, &status, WNOHANG) == pid) reaped = true;
      if (reaped && ::kill(-pid, 0) != 0 && errno == ESRCH) break;
      if (!killed && Now() >= kill_at) {
        signal_group(SIGKILL);
        killed = true;
      }
      if (killed && reaped) {
        // Group members other than the leader are not our children: their
        // exit is reaped by init; give them a moment to be gone.
        for (int i = 0; i < 100 && ::kill(-pid, 0) == 0; ++i) {
          absl::SleepFor(absl::Milliseconds(2));
        }
        break;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    if (!reaped) ::waitpid(pid, &status, 0);
    result.stopped = true;
    result.why = absl::StrCat(
        stop_why, "; process group ", pid,
        killed ? " killed (SIGTERM, then SIGKILL)" : " terminated (SIGTERM)");
  } else if (!reaped) {
    result.why = absl::StrCat("waitpid failed: ", strerror(errno));
  } else {
    result.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!result.ok) result.why = DescribeStatus(status);
    if (!result.ok && killed_.load()) {  // KillAll() got there first
      result.stopped = true;
      result.why = absl::StrCat("killed (the run was stopped): ", result.why);
    }
  }
  {
    absl::MutexLock lock(&mu_);
    groups_.erase(pid);
  }
  WriteAll(log_fd, absl::StrCat("--- ", Timestamp(), " ", what, ": ",
                                result.ok ? "succeeded" : result.why, " after ",
                                FormatDuration(Now() - started), "\n"));
  return result;
}

}  // namespace upgrade_core::exec
