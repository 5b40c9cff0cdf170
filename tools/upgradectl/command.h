// File: command.h
// -----------------------------------------------------------------------------
// The subcommands of `upgradectl`. Each lives in its own <name>_command.cc and
// is listed in kCommands (commands.cc). A command gets its arguments (without
// the program and subcommand names) and the streams to write to, and returns
// the process exit code, so tests can run it in-process.
//
// `upgradectl <command> --help` (or -h) prints the command's usage, which
// lists every flag, and exits 0; the dispatcher handles it, so a command never
// sees --help. A file argument "-" reads standard input (at most one argument
// of a command may be "-").
//
// Exit codes shared by every command:
//   0  success / clean
//   1  the check found problems at or above the failure threshold
//   2  bad input (unreadable file, malformed YAML, bad flag)
#ifndef UPGRADE_CORE_TOOLS_UPGRADECTL_COMMAND_H_
#define UPGRADE_CORE_TOOLS_UPGRADECTL_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace upgrade_core::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitBadInput = 2;

struct Command {
  const char* name;
  const char* summary;  // one line, shown by `upgradectl help`
  // `upgradectl <name> --help`: a "usage: ..." synopsis, what the command
  // does, every flag with its values and default, and the exit codes.
  const char* usage;
  int (*run)(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err);
};

// Every subcommand, in the order `upgradectl help` lists them.
absl::Span<const Command> Commands();

// Runs `upgradectl <args...>` (args[0] is the subcommand, or --help, -h,
// --version).
int RunUpgradectl(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err);

// "upgradectl 0.1.0 (plan schema upgrade-core/v1, JSON output version 3)".
std::string VersionLine();

// For a bad flag or argument: prints `upgradectl <command>: <message>` and a
// pointer to `--help` on `err`; returns kExitBadInput.
int UsageError(absl::string_view command, absl::string_view message,
               std::ostream& err);

// False (after a UsageError) when more than one of `paths` is "-": standard
// input can be read once.
bool AtMostOneStdin(absl::string_view command,
                    const std::vector<std::string>& paths, std::ostream& err);

// The diagnostics JSON document (upgrade_core/util/diagnostics.h) for an
// input that could not be loaded, with a trailing newline: one error
// diagnostic per line of the status message, the location taken from a
// leading `file:line:col: ` of that line (`file` as given; "-" is <stdin>).
// Codes: input.unreadable when the file cannot be read (NotFound,
// PermissionDenied, I/O, or a `file: message` line without a position);
// else `code` when given; else yaml.syntax / json.syntax for a located
// error, input.invalid for any other.
std::string InputErrorJson(const absl::Status& status, absl::string_view file,
                           absl::string_view code = "");

}  // namespace upgrade_core::cli

#endif  // UPGRADE_CORE_TOOLS_UPGRADECTL_COMMAND_H_
