// File: rule_help.h
// -----------------------------------------------------------------------------
// The general help of a rule (what it checks and how to fix that in general,
// not one finding's hint), for SARIF `rules[].help`:
//
//   std::string sarif = report.ToSarif(compat::RuleHelp);
#ifndef UPGRADE_CORE_COMPAT_RULE_HELP_H_
#define UPGRADE_CORE_COMPAT_RULE_HELP_H_

#include <string>

#include "absl/strings/string_view.h"

namespace upgrade_core::compat {

// Known for the built-in rule ids: the plan checks (docs/plan-reference.md),
// chart/*, drift/* and the built-in packs' rules; "" for any other id.
std::string RuleHelp(absl::string_view rule);

// The help text of a rule-pack rule from its kind ("api-removed", see
// RuleKindName) and its hint as written in the pack: what the kind checks,
// then the hint as the fix when it has no per-finding placeholders ({...}).
std::string PackRuleHelp(absl::string_view kind, absl::string_view hint);

}  // namespace upgrade_core::compat

#endif  // UPGRADE_CORE_COMPAT_RULE_HELP_H_
