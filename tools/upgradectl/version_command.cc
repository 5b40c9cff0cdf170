// `upgradectl version`: prints the tool's version.
#include <string>
#include <vector>

#include "tools/upgradectl/command.h"

namespace upgrade_core::cli {

int RunVersionCommand(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err) {
  if (!args.empty()) {
    err << "upgradectl version: takes no arguments\n";
    return kExitBadInput;
  }
  out << "upgradectl 0.1.0\n";
  return kExitOk;
}

}  // namespace upgrade_core::cli
