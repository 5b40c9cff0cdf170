// Prints upgrade_core::kVersion and a newline. A build tool: genrules that
// need the release number (the Python package metadata,
// //bindings/python:metadata) run it instead of parsing version_info.h.
#include <cstdio>

#include "upgrade_core/version_info.h"

int main() {
  std::fwrite(upgrade_core::kVersion.data(), 1, upgrade_core::kVersion.size(),
              stdout);
  std::fputc('\n', stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}
