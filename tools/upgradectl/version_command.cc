// `upgradectl version` (and `upgradectl --version`): prints the tool's
// version, the plan schema it reads and the version of its JSON output. The
// numbers are defined once: upgrade_core/version_info.h, plan::kPlanApiVersion.
#include <string>
#include <vector>

#include "tools/upgradectl/command.h"

namespace upgrade_core::cli {

extern const char kVersionUsage[] =
    "usage: upgradectl version\n"
    "       upgradectl --version\n"
    "\n"
    "Prints upgradectl's version, the plan schema it reads (apiVersion) and\n"
    "the version of its JSON output (the \"version\" field), e.g.\n"
    "  upgradectl 0.1.0 (plan schema upgrade-core/v1, JSON output version 3)\n"
    "\n"
    "  -h, --help   show this help\n";

int RunVersionCommand(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err) {
  if (!args.empty()) return UsageError("version", "takes no arguments", err);
  out << VersionLine() << "\n";
  return kExitOk;
}

}  // namespace upgrade_core::cli
