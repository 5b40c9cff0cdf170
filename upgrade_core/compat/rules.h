// File: rules.h
// -----------------------------------------------------------------------------
// The rule engine: rule packs are YAML data (docs/compat-rules.md), loaded and
// checked once, then evaluated against documents.
//
//   name: my-chart
//   rules:
//     - id: service-ports-renamed
//       kind: key-renamed
//       path: controller.service.ports.http
//       to: controller.service.ports.web
//       severity: error
//       message: "{path} was renamed to {to}"
//       hint: "move your value to {to}"
//     - id: hostport-surge
//       kind: condition
//       match: {path: kind, equals: DaemonSet}
//       path: spec.updateStrategy.rollingUpdate.maxSurge
//       when:
//         all:
//           - path: "spec.template.spec.containers[*].ports[*].hostPort"
//             exists: true
//           - {path: spec.updateStrategy.rollingUpdate.maxSurge, gt: 0}
//
// Kinds: key-removed, key-renamed, type-changed, allowed-values, required-key,
// version-constraint, condition, api-removed, version-skew. A pack with an
// unknown kind or field, a bad path, a bad regex or a bad constraint is
// rejected at load with the rule id and its line.
//
// Built-in packs (packs/*.yaml, compiled in; RulePack::Builtin):
// kubernetes-apis, version-skew, workload-safety.
//
// A loaded RulePack is immutable: copies are cheap (the rules share their
// parsed data) and Evaluate may run on many threads at once.
#ifndef UPGRADE_CORE_COMPAT_RULES_H_
#define UPGRADE_CORE_COMPAT_RULES_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/document/document.h"

namespace upgrade_core::compat {

enum class RuleKind {
  kKeyRemoved,         // the document sets `path`, which no longer exists
  kKeyRenamed,         // the document sets `path`, which moved to `to`
  kTypeChanged,        // the value at `path` is not of `type` any more
  kAllowedValues,      // the value at `path` is not one of `values`
  kRequiredKey,        // `path` is missing
  kVersionConstraint,  // the value at `path`, or context[`context`], does not
                       // satisfy `constraint`
  kCondition,          // `when` holds
  kApiRemoved,         // a manifest uses `apiVersion`+`kinds` deprecated or
                       // removed at context[kubernetes]
  kVersionSkew,        // the component versions in the context break the
                       // Kubernetes version-skew policy
};

// "key-removed", "key-renamed", ...
absl::string_view RuleKindName(RuleKind kind);

// Values checks can refer to: {"kubernetes": "1.32.0", "chart": "4.12.1"}.
using RuleContext = std::map<std::string, std::string>;

namespace internal {
struct RuleData;  // rule_data.h
}  // namespace internal

// One loaded rule. The public fields describe it; what evaluation needs is
// internal (rule_data.h) and shared by copies of the rule.
struct Rule {
  std::string id;  // "<pack>/<id>"
  RuleKind kind = RuleKind::kCondition;
  diag::Severity severity = diag::Severity::kError;
  std::string message;
  std::string hint;
  std::string path;  // canonical spelling; empty if the rule has none
  document::Location location;                     // where the rule is defined
  std::shared_ptr<const internal::RuleData> data;  // opaque to callers
};

// Which rules to run on a document.
enum class RuleScope {
  kAll,
  // Rules about what the user wrote: key-removed, key-renamed, type-changed.
  kOverrides,
  // Rules about the resulting configuration: every other kind.
  kValues,
};

// A loaded, checked rule pack.
class RulePack {
 public:
  // InvalidArgument with source:line:column and the rule id on any problem.
  static absl::StatusOr<RulePack> FromYaml(
      absl::string_view text, absl::string_view source = "<rules>");
  static absl::StatusOr<RulePack> FromFile(const std::string& path);
  // A built-in pack by name (one of BuiltinNames()); NotFound naming them
  // otherwise.
  static absl::StatusOr<RulePack> Builtin(absl::string_view name);
  // The built-in packs' names, as Builtin() takes them.
  static std::vector<std::string> BuiltinNames();

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const std::vector<Rule>& rules() const { return rules_; }

  // The findings of the rules in `scope` on `doc`, in rule order. Errors only
  // for evaluation problems the pack could not check at load (e.g. a context
  // version that does not parse); then there are no findings.
  absl::StatusOr<std::vector<diag::Diagnostic>> Evaluate(
      const document::Node& doc, const RuleContext& context,
      RuleScope scope = RuleScope::kAll) const;

  // Evaluates every document of a set (a manifest stream), in document order.
  // Condition rules with `related` pair each document with the others they
  // select. Errors as Evaluate.
  absl::StatusOr<std::vector<diag::Diagnostic>> EvaluateSet(
      absl::Span<const document::Node> docs, const RuleContext& context,
      RuleScope scope = RuleScope::kAll) const;

  // The rename target a key-renamed rule gives for `path` (a concrete path
  // such as "controller.service.ports.http"), or "" if none.
  std::string RenameTarget(absl::string_view path) const;

 private:
  static absl::StatusOr<RulePack> FromDocument(const document::Document& doc);

  std::string name_;
  std::string description_;
  std::vector<Rule> rules_;
};

}  // namespace upgrade_core::compat

#endif  // UPGRADE_CORE_COMPAT_RULES_H_
