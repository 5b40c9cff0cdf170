// The subcommand table and dispatcher of `upgradectl`.
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "tools/upgradectl/command.h"

namespace upgrade_core::cli {

// Defined in <name>_command.cc; add new subcommands to kCommands below.
int RunVersionCommand(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err);
int RunValidateCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err);
int RunPlanCommand(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err);
int RunFsmCommand(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err);
int RunCheckCommand(const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err);

namespace {

int RunHelp(const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err);

constexpr Command kCommands[] = {
    {"help", "show the subcommands", RunHelp},
    {"version", "print upgradectl's version", RunVersionCommand},
    {"validate", "check an UpgradePlan (schema + safety checks)",
     RunValidateCommand},
    {"plan", "compile an UpgradePlan: --format text|json|dot|mermaid",
     RunPlanCommand},
    {"fsm", "check a state machine definition or print its diagram",
     RunFsmCommand},
    {"check", "check values/manifests before an upgrade (compat)",
     RunCheckCommand},
};

int RunHelp(const std::vector<std::string>&, std::ostream& out, std::ostream&) {
  out << "usage: upgradectl <command> [flags]\n\ncommands:\n";
  for (const Command& c : kCommands) {
    out << absl::StrFormat("  %-10s %s\n", c.name, c.summary);
  }
  out << "\nexit codes: 0 ok, 1 findings/failure, 2 bad input\n";
  return kExitOk;
}

}  // namespace

absl::Span<const Command> Commands() { return kCommands; }

int RunUpgradectl(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err) {
  if (args.empty()) {
    RunHelp({}, err, err);
    return kExitBadInput;
  }
  for (const Command& c : kCommands) {
    if (args[0] == c.name) {
      return c.run(std::vector<std::string>(args.begin() + 1, args.end()), out,
                   err);
    }
  }
  err << "upgradectl: unknown command '" << args[0]
      << "' (run 'upgradectl help')\n";
  return kExitBadInput;
}

}  // namespace upgrade_core::cli
