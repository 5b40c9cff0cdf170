// RulePack, the public face of the rule engine: its factories (YAML, file,
// built-in) and queries over the loaded rules. The work is elsewhere, one
// concern per file: loading and checking a pack (rule_pack_loader.cc), the
// condition language (condition.cc) and what each rule kind does
// (rule_evaluation.cc); rule_data.h is where they meet.
#include "upgrade_core/compat/rules.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/compat/builtin_packs.h"
#include "upgrade_core/compat/rule_data.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::compat {
using diag::Diagnostic;
using document::Document;
using document::Node;

absl::string_view RuleKindName(RuleKind kind) {
  switch (kind) {
    case RuleKind::kKeyRemoved:
      return "key-removed";
    case RuleKind::kKeyRenamed:
      return "key-renamed";
    case RuleKind::kTypeChanged:
      return "type-changed";
    case RuleKind::kAllowedValues:
      return "allowed-values";
    case RuleKind::kRequiredKey:
      return "required-key";
    case RuleKind::kVersionConstraint:
      return "version-constraint";
    case RuleKind::kCondition:
      return "condition";
    case RuleKind::kApiRemoved:
      return "api-removed";
    case RuleKind::kVersionSkew:
      return "version-skew";
  }
  return "unknown";
}

absl::StatusOr<RulePack> RulePack::FromDocument(const Document& doc) {
  UC_ASSIGN_OR_RETURN(internal::LoadedPack loaded, internal::LoadPack(doc));
  RulePack pack;
  pack.name_ = std::move(loaded.name);
  pack.description_ = std::move(loaded.description);
  pack.rules_ = std::move(loaded.rules);
  return pack;
}

absl::StatusOr<RulePack> RulePack::FromYaml(absl::string_view text,
                                            absl::string_view source) {
  UC_ASSIGN_OR_RETURN(Document doc, Document::FromYaml(text, source));
  return FromDocument(doc);
}

absl::StatusOr<RulePack> RulePack::FromFile(const std::string& path) {
  UC_ASSIGN_OR_RETURN(Document doc, Document::FromFile(path));
  return FromDocument(doc);
}

absl::StatusOr<RulePack> RulePack::Builtin(absl::string_view name) {
  for (const internal::BuiltinPack& p : internal::BuiltinPacks()) {
    if (p.name == name) {
      return FromYaml(p.text, absl::StrCat("builtin:", p.name));
    }
  }
  return absl::NotFoundError(
      absl::StrCat("no built-in rule pack '", name, "' (",
                   absl::StrJoin(BuiltinNames(), ", "), ")"));
}

std::vector<std::string> RulePack::BuiltinNames() {
  std::vector<std::string> names;
  for (const internal::BuiltinPack& p : internal::BuiltinPacks()) {
    names.emplace_back(p.name);
  }
  return names;
}

std::string RulePack::RenameTarget(absl::string_view path) const {
  for (const Rule& r : rules_) {
    if (r.kind != RuleKind::kKeyRenamed) continue;
    const std::string from = r.data->path.ToString();
    if (path == from) return r.data->to.ToString();
    if (absl::StartsWith(path, from) && path.size() > from.size() &&
        (path[from.size()] == '.' || path[from.size()] == '[')) {
      return absl::StrCat(r.data->to.ToString(), path.substr(from.size()));
    }
  }
  return "";
}

absl::StatusOr<std::vector<Diagnostic>> RulePack::Evaluate(
    const Node& doc, const RuleContext& context, RuleScope scope) const {
  return EvaluateSet(absl::Span<const Node>(&doc, 1), context, scope);
}

absl::StatusOr<std::vector<Diagnostic>> RulePack::EvaluateSet(
    absl::Span<const Node> docs, const RuleContext& context,
    RuleScope scope) const {
  return internal::EvaluateRules(rules_, docs, context, scope);
}

}  // namespace upgrade_core::compat
