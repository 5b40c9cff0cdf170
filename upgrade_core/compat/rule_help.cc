// The general help texts of the rule ids the library defines (SARIF
// `rules[].help`): the plan checks, chart/*, drift/* and the built-in packs'
// rules.
#include "upgrade_core/compat/rule_help.h"

#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/compat/rules.h"
#include "upgrade_core/diag/diagnostic.h"

namespace upgrade_core::compat {

namespace {

// General help of the rule ids the library itself defines. Exact ids first;
// an entry ending in '.' or '/' covers every id with that prefix.
struct HelpEntry {
  absl::string_view rule;
  absl::string_view help;
};
constexpr HelpEntry kBuiltinHelp[] = {
    // Chart values (chart_check.h).
    {"chart/removed-override",
     "A value you override no longer exists in the new chart, so it is "
     "silently ignored. Remove the override, or move it to its replacement "
     "(see the chart's changelog)."},
    {"chart/renamed-override",
     "A value you override moved to a new key in the new chart, so the old "
     "key is silently ignored. Move the value to the new key."},
    {"chart/type-changed-override",
     "A value you override has a different type in the new chart (e.g. a "
     "string became a map). Rewrite the value in the new type."},
    {"chart/override-type-mismatch",
     "A value you override has a different type from the chart's default in "
     "both versions (e.g. a map where the chart has a list). Helm keeps your "
     "value and the templates misread it. Rewrite it in the chart's type."},
    {"chart/default-changed",
     "A default you do not override changed between the chart versions, so "
     "the upgrade changes behaviour. Pin the old default in your values to "
     "keep it, or accept the new one."},
    // Chart templates as evidence (chart_check.h, docs/compat-chart-check.md).
    {"chart/override-still-read",
     "A value you override left the new chart's default values, but the new "
     "chart's templates still read it, so your value is still honoured."},
    {"chart/possibly-read-override",
     "No template reads the value you override by name, but a template "
     "passes a map holding it on whole (toYaml, tpl), so it may take effect. "
     "Render the chart to check it appears where you expect."},
    {"chart/unread-override",
     "No template of the new chart reads a value you override, so it is "
     "silently ignored even though values.yaml may still list it. Remove the "
     "override or find its replacement."},
    {"chart/not-analysed-override",
     "The template reader could not follow how the new chart reads a value "
     "you override (a computed include, an unknown function, a template that "
     "does not parse). Render the chart to check it is used."},
    {"chart/newly-gated-override",
     "The new chart reads a value you override only under a condition on a "
     "key it added. Keep that key at a value that enables the block."},
    {"chart/not-analysed",
     "A place where the template reader could not follow which values a "
     "template reads (a computed include, an unknown function, the rest of "
     "a template that does not parse). Overrides there are reported as not "
     "analysed, never as ignored."},
    {"chart/template-error",
     "A chart template does not parse or calls a function Helm does not "
     "have. The check continues with what it could read."},
    {"chart/schema-violation",
     "Your values, merged with the new chart's defaults, violate the chart's "
     "values.schema.json: Helm refuses to install or upgrade with them."},
    {"chart/schema-unusable",
     "The new chart's values.schema.json cannot be used by the validator "
     "(not a JSON Schema, or a remote $ref), so the values are not checked "
     "against it."},
    // Chart render check (chart/render_check.h, docs/compat-chart-render.md).
    {"chart/render-not-root",
     "A template reads .Values (or .Release, .Chart, .Capabilities) where the "
     "dot is not the root context, in a block your values reach: Helm fails "
     "with \"nil pointer evaluating interface {}\". Keep the setting that "
     "reaches the block off, or use a chart version that reads $.Values "
     "there."},
    {"chart/render-missing-map",
     "A template reads a field of a map your effective values do not have (or "
     "set to null), in a block your values reach: Helm fails with a nil "
     "pointer error. Set the map, or keep the block off."},
    {"chart/render-field-on-scalar",
     "A template reads a field of a value that is a string, number or list in "
     "your values: Helm fails with \"can't evaluate field\". Give the value "
     "the shape the chart expects."},
    {"chart/render-required",
     "A template's required value is empty with your values: Helm stops with "
     "the chart's message. Set the value."},
    {"chart/render-fail",
     "A template calls fail in a block your values reach: the chart refuses "
     "these values on purpose. Read its message."},
    {"chart/render-undefined-template",
     "A template includes a template no file defines, in a block your values "
     "reach: Helm fails. The chart is broken for these values."},
    {"chart/render-range-scalar",
     "A template ranges over a value that is a string or bool in your values: "
     "Helm fails. Give a list or a map."},
    {"chart/render-include-depth",
     "Templates include each other more than 1000 levels deep with your "
     "values: Helm fails."},
    {"chart/render-parse-error",
     "A template the render check cannot parse; Helm may refuse it too. Render "
     "the chart to check."},
    {"chart/render-not-analysed",
     "A place the render check could not follow (tpl, lookup, an unknown "
     "function, a dependency's templates): render failures there are not "
     "predicted."},
    // Drift (drift.h).
    {"drift/unexpected",
     "The live object sets a value the desired state does not. Remove it, or "
     "add it to the desired state."},
    {"drift/missing",
     "A value of the desired state is missing from the live object. "
     "Re-apply the desired state."},
    {"drift/changed",
     "The live value differs from the desired one. Re-apply the desired "
     "state, or adopt the live value."},
    // Plan checks (docs/plan-reference.md).
    {"yaml.syntax",
     "The input is not valid YAML (or exceeds the loader's limits). Fix the "
     "syntax at the reported line and column."},
    {"input.unreadable",
     "An input file cannot be read: it does not exist, is not a regular "
     "file, is not readable or is too large."},
    {"graph.unknown-dependency",
     "A dependsOn entry names no component of the plan. Fix the id or add the "
     "component."},
    {"graph.self-dependency",
     "A component depends on itself. Remove the entry."},
    {"graph.cycle",
     "Components depend on each other in a cycle, so no order can upgrade "
     "them. Break the cycle."},
    {"strategy.invalid",
     "A rolling update Kubernetes would reject. Fix maxSurge/maxUnavailable "
     "as the message says."},
    {"strategy.unsupported",
     "The strategy does not apply to this kind of component (RollingUpdate "
     "or OnDelete on a Job, CRD or Webhook). Use TerminateFirst."},
    {"strategy.on-delete",
     "OnDelete replaces pods only when an operator deletes them, so the "
     "upgrade waits for a person."},
    {"exclusive.surge",
     "A component holding an exclusive resource (e.g. a host port) rolls out "
     "with surge: the new instance needs what the old one still holds, so it "
     "never starts and the rollout hangs. Use maxSurge: 0 with "
     "maxUnavailable: 1, or TerminateFirst."},
    {"exclusive.start-first",
     "StartFirst on a component holding an exclusive resource: the new "
     "instance cannot start while the old one holds it. Use TerminateFirst."},
    {"exclusive.shared",
     "Two components holding the same exclusive resource would be upgraded in "
     "the same wave. Order them with dependsOn."},
    {"availability.floor",
     "Upgrading a wave would leave fewer instances of a service than its "
     "availability floor. Lower maxUnavailable, order the providers, or "
     "surge."},
    {"availability.unreachable",
     "The availability floor is higher than the service's instances even "
     "before the upgrade. Lower the floor."},
    {"availability.unknown-service",
     "An availability floor names a service no component provides."},
    {"availability.invalid",
     "An availability floor's minAvailable is not a count or a percentage."},
    {"webhook.server-unavailable",
     "A failurePolicy: Fail webhook is served by a component whose strategy "
     "leaves no ready instance, so every request it intercepts is rejected "
     "meanwhile. Use failurePolicy: Ignore for the upgrade, or a strategy "
     "that keeps an instance serving."},
    {"webhook.order",
     "A webhook does not depend on the component serving it, so it may be "
     "registered for the new version before the server serves it. Add the "
     "server to the webhook's dependsOn."},
    {"webhook.unknown-server", "A webhook's servedBy names no component."},
    {"version.unsatisfied",
     "A component's requires constraint fails for the target platform "
     "version."},
    {"version.before-platform",
     "A requires constraint holds for the target platform version but not "
     "the current one: upgrade the platform first."},
    {"version.skipped-minor",
     "A Kubernetes platform upgrade skips a minor version: old and new API "
     "servers would be more than one minor apart, which the version skew "
     "policy forbids. Upgrade one minor at a time."},
    {"version.platform-downgrade",
     "A platform's target version is older than its current one. Kubernetes "
     "does not support downgrading a minor version; restore from a backup "
     "instead (a patch downgrade may be marked allowDowngrade: true)."},
    {"version.downgrade",
     "A component's target version is older than its current one; the older "
     "version may not read data the newer one wrote. Mark intended "
     "downgrades with allowDowngrade: true."},
    {"config.outside-plan-dir",
     "A config file path leaves the plan's directory or is absolute. Config "
     "files are read only from the plan's directory unless their directory "
     "is allowed explicitly (upgradectl --allow-outside DIR)."},
    {"schema.",
     "The plan does not follow the UpgradePlan schema "
     "(docs/plan-reference.md). Fix the field at the reported location."},
    {"version.",
     "A version or version constraint in the plan or its context cannot be "
     "checked. Fix it as the message says."},
    {"config.",
     "A component's chart values files cannot be checked (unreadable, "
     "incomplete or failing). Fix the config entry."},
};

// What a rule kind checks, for PackRuleHelp.
absl::string_view KindHelp(absl::string_view kind) {
  static constexpr HelpEntry kKinds[] = {
      {"key-removed",
       "A value is set at a key the new version no longer has, so it is "
       "ignored."},
      {"key-renamed",
       "A value is set at a key the new version renamed, so it is ignored "
       "until moved."},
      {"type-changed", "A value no longer has the type the new version wants."},
      {"allowed-values", "A value is not one the new version accepts."},
      {"required-key", "A key the new version requires is missing."},
      {"version-constraint",
       "A version does not satisfy the rule's constraint."},
      {"condition", "A combination of settings breaks the upgrade."},
      {"api-removed",
       "A manifest uses an API version deprecated or removed at the target "
       "Kubernetes version."},
      {"version-skew",
       "Component versions break the Kubernetes version-skew policy."},
  };
  for (const HelpEntry& e : kKinds) {
    if (e.rule == kind) return e.help;
  }
  return "";
}

// The built-in packs' rules, by id: parsed once.
const std::map<std::string, std::string>& BuiltinPackHelp() {
  static const auto* help = [] {
    auto* out = new std::map<std::string, std::string>;
    for (const std::string& name : RulePack::BuiltinNames()) {
      absl::StatusOr<RulePack> pack = RulePack::Builtin(name);
      if (!pack.ok()) continue;
      for (const Rule& r : pack->rules()) {
        (*out)[r.id] = PackRuleHelp(RuleKindName(r.kind), r.hint);
      }
    }
    return out;
  }();
  return *help;
}

}  // namespace

std::string PackRuleHelp(absl::string_view kind, absl::string_view hint) {
  std::string help(KindHelp(kind));
  hint = absl::StripAsciiWhitespace(hint);
  if (!hint.empty() && !absl::StrContains(hint, '{')) {
    if (!help.empty()) help += " ";
    absl::StrAppend(&help, "Fix: ", diag::MessageWithHint(hint, ""));
  }
  return help;
}

std::string RuleHelp(absl::string_view rule) {
  for (const HelpEntry& e : kBuiltinHelp) {
    const bool prefix =
        absl::EndsWith(e.rule, ".") || absl::EndsWith(e.rule, "/");
    if (prefix ? absl::StartsWith(rule, e.rule) : rule == e.rule) {
      return std::string(e.help);
    }
  }
  const std::map<std::string, std::string>& packs = BuiltinPackHelp();
  auto it = packs.find(std::string(rule));
  return it == packs.end() ? "" : it->second;
}

}  // namespace upgrade_core::compat
