// upgradectl: validate, plan, check and simulate upgrades from the command
// line.
#include <iostream>
#include <string>
#include <vector>

#include "tools/upgradectl/command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return upgrade_core::cli::RunUpgradectl(args, std::cout, std::cerr);
}
