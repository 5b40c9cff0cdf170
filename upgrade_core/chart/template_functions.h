// File: template_functions.h
// -----------------------------------------------------------------------------
// Internal to chart/: what each function a Helm template can call (Go's
// text/template builtins, Sprig v3, Helm's own) does with the values it is
// given, as far as reading values goes.
#ifndef UPGRADE_CORE_CHART_TEMPLATE_FUNCTIONS_H_
#define UPGRADE_CORE_CHART_TEMPLATE_FUNCTIONS_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace upgrade_core::chart::internal {

enum class FunctionClass {
  // Returns (part of) one of its arguments: merge, default, coalesce,
  // ternary, deepCopy, pick, omit, first... The arguments are read only when
  // the result is.
  kPassThrough,
  // and/or: pass through, and test each argument.
  kLogic,
  // Looks at presence, truthiness, size or kind: not, empty, eq, len...
  kTest,
  // Renders a whole map: toYaml, toJson, toToml... (every child possibly
  // read).
  kWhole,
  kInclude,   // include NAME DATA
  kTpl,       // tpl TEXT DATA
  kDict,      // dict K V ...
  kIndex,     // index X K...
  kGet,       // get X K
  kHasKey,    // hasKey X K
  kDig,       // dig K... DEFAULT X
  kPluck,     // pluck K X...
  kKeys,      // keys X...
  kRequired,  // required MSG X
  kSet,       // set D K V (returns D)
  // Reads its arguments' values (quote, printf, int, b64enc...).
  kValue,
};

// nullopt for a name no Helm template can call.
std::optional<FunctionClass> LookupFunction(absl::string_view name);

}  // namespace upgrade_core::chart::internal

#endif  // UPGRADE_CORE_CHART_TEMPLATE_FUNCTIONS_H_
