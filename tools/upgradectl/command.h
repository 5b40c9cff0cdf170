// File: command.h
// -----------------------------------------------------------------------------
// The subcommands of `upgradectl`. Each lives in its own <name>_command.cc and
// is listed in kCommands (commands.cc). A command gets its arguments (without
// the program and subcommand names) and the streams to write to, and returns
// the process exit code, so tests can run it in-process.
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

#include "absl/types/span.h"

namespace upgrade_core::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitBadInput = 2;

struct Command {
  const char* name;
  const char* summary;  // one line, shown by `upgradectl help`
  int (*run)(const std::vector<std::string>& args, std::ostream& out,
             std::ostream& err);
};

// Every subcommand, in the order `upgradectl help` lists them.
absl::Span<const Command> Commands();

// Runs `upgradectl <args...>` (args[0] is the subcommand).
int RunUpgradectl(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err);

}  // namespace upgrade_core::cli

#endif  // UPGRADE_CORE_TOOLS_UPGRADECTL_COMMAND_H_
