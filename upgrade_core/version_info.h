// File: version_info.h
// -----------------------------------------------------------------------------
// The versions upgrade_core reports about itself, each defined once here:
//
//   * kVersion: the release (library, `upgradectl --version`, SARIF
//     `tool.driver.version`);
//   * kJsonOutputVersion: the schema version of the JSON documents the tools
//     write (`"version"` in `upgradectl validate|plan|check --format json`
//     and Python `to_json()`; docs/compat-findings.md). Bumped when a field
//     is renamed or removed, never when one is added.
//
// The plan schema version (`apiVersion: upgrade-core/v1`) is the plan
// loader's: plan::kPlanApiVersion in upgrade_core/plan/plan.h.
#ifndef UPGRADE_CORE_VERSION_INFO_H_
#define UPGRADE_CORE_VERSION_INFO_H_

#include "absl/strings/string_view.h"

namespace upgrade_core {

inline constexpr absl::string_view kVersion = "0.1.0";

inline constexpr int kJsonOutputVersion = 2;

}  // namespace upgrade_core

#endif  // UPGRADE_CORE_VERSION_INFO_H_
