// File: rule_data.h (internal to upgrade_core/compat; not exported)
// -----------------------------------------------------------------------------
// What a loaded rule carries for evaluation (`Rule::data`), and the two halves
// of the rule engine that meet at it: the pack loader fills it
// (rule_pack_loader.cc) and the per-kind evaluation reads it
// (rule_evaluation.cc). rules.cc holds the public RulePack over both. The
// public header only forward-declares RuleData, so the evaluation data can
// change without touching callers.
#ifndef UPGRADE_CORE_COMPAT_RULE_DATA_H_
#define UPGRADE_CORE_COMPAT_RULE_DATA_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "upgrade_core/compat/condition.h"
#include "upgrade_core/compat/rules.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/document/path.h"

namespace upgrade_core::compat::internal {

// The parsed fields of one rule. Which are set depends on the kind
// (docs/compat-rules.md#kinds); the loader has checked the required ones.
struct RuleData {
  // The pack's document: keeps the nodes below (operands, `values`) alive.
  document::Document source;
  // Cross-document rules: candidates (other manifests) this condition
  // selects are paired with the document as {self: doc, related: other}.
  std::unique_ptr<Condition> related;
  document::Path path;
  bool has_path = false;
  document::Path to;  // key-renamed
  std::string to_text;
  uint32_t type_mask = 0;  // type-changed
  std::string type_text;   // "int or string"
  document::Node values;   // allowed-values list
  std::string context;     // version-constraint on a context value
  VersionConstraintPtr constraint;
  // version-constraint with `constraint: {path: P}`: the constraint is read
  // from the document (a Chart.yaml's kubeVersion).
  bool constraint_from_path = false;
  document::Path constraint_path;
  std::unique_ptr<Condition> match;
  std::unique_ptr<Condition> when;
  // api-removed
  std::string api_version;
  std::vector<std::string> kinds;  // "*" matches any kind
  std::string deprecated_in;
  std::string removed_in;
  std::string replacement;
};

// A pack as loaded: what RulePack holds.
struct LoadedPack {
  std::string name;
  std::string description;
  std::vector<Rule> rules;
};

// Loads and checks a whole pack. InvalidArgument with source:line:column and
// the rule id on the first problem.
absl::StatusOr<LoadedPack> LoadPack(const document::Document& doc);

// Runs the rules in `scope` on every document of `docs`, in document order
// then rule order. Errors only for what the pack could not check at load (a
// context version that does not parse).
absl::StatusOr<std::vector<diag::Diagnostic>> EvaluateRules(
    absl::Span<const Rule> rules, absl::Span<const document::Node> docs,
    const RuleContext& context, RuleScope scope);

}  // namespace upgrade_core::compat::internal

#endif  // UPGRADE_CORE_COMPAT_RULE_DATA_H_
