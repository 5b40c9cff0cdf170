// Tests of rule pack loading and of every rule kind.
#include "upgrade_core/compat/rules.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::compat {
using diag::Diagnostic;
using diag::SeverityName;
using document::Document;

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::upgrade_core::testing::StatusIs;

Document Yaml(const std::string& text, const std::string& source = "v.yaml") {
  absl::StatusOr<Document> d = Document::FromYaml(text, source);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : Document();
}

std::vector<std::string> RunRules(const std::string& rules,
                                  const std::string& doc,
                                  const RuleContext& ctx = {}) {
  absl::StatusOr<RulePack> pack =
      RulePack::FromYaml("name: t\nrules:\n" + rules, "rules.yaml");
  EXPECT_TRUE(pack.ok()) << pack.status();
  if (!pack.ok()) return {};
  Document d = Yaml(doc);
  absl::StatusOr<std::vector<Diagnostic>> out = pack->Evaluate(d.root(), ctx);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  std::vector<std::string> described;
  for (const Diagnostic& f : *out) {
    described.push_back(f.code + " " + std::string(SeverityName(f.severity)) +
                        " " + f.path + " @" + f.location.ToString() + ": " +
                        f.message);
  }
  return described;
}

TEST(RulesTest, EveryKind) {
  struct Case {
    const char* name;
    std::string rules;
    std::string doc;
    RuleContext ctx;
    std::vector<std::string> want;
  };
  const Case kCases[] = {
      {"key-removed",
       "- {id: r, kind: key-removed, path: a.b, severity: warning}\n",
       "a:\n  b: 1\n",
       {},
       {"t/r warning a.b @v.yaml:2:3: a.b no longer exists; the value is "
        "ignored"}},
      {"key-removed absent",
       "- {id: r, kind: key-removed, path: a.b}\n",
       "a: {c: 1}\n",
       {},
       {}},
      {"key-renamed",
       "- {id: r, kind: key-renamed, path: a.b, to: a.c, hint: 'use {to}'}\n",
       "a: {b: 1}\n",
       {},
       {"t/r error a.b @v.yaml:1:5: a.b was renamed to a.c; the value is "
        "ignored"}},
      {"type-changed",
       "- {id: r, kind: type-changed, path: 'ports[*]', type: map}\n",
       "ports: [{a: 1}, 80]\n",
       {},
       {"t/r error ports[1] @v.yaml:1:17: ports[1] must now be map, found "
        "int"}},
      {"allowed-values",
       "- {id: r, kind: allowed-values, path: kind, values: [A, B]}\n",
       "kind: C\n",
       {},
       {"t/r error kind @v.yaml:1:7: kind is \"C\", allowed: \"A\", \"B\""}},
      {"allowed-values ok",
       "- {id: r, kind: allowed-values, path: kind, values: [A, B]}\n",
       "kind: B\n",
       {},
       {}},
      {"required-key",
       "- {id: r, kind: required-key, path: 'containers[*].resources'}\n",
       "containers: [{name: a, resources: {}}, {name: b}]\n",
       {},
       {"t/r error containers[1].resources @v.yaml:1:40: "
        "containers[1].resources is required"}},
      {"required-key top",
       "- {id: r, kind: required-key, path: spec.replicas}\n",
       "spec: {}\n",
       {},
       {"t/r error spec.replicas @v.yaml:1:7: spec.replicas is required"}},
      {"version-constraint on a value",
       "- {id: r, kind: version-constraint, path: image.tag, constraint: "
       "'>= 1.2'}\n",
       "image: {tag: v1.1.9}\n",
       {},
       {"t/r error image.tag @v.yaml:1:14: image.tag \"v1.1.9\" does not "
        "satisfy >= 1.2"}},
      {"version-constraint satisfied",
       "- {id: r, kind: version-constraint, path: image.tag, constraint: "
       "'>= 1.2'}\n",
       "image: {tag: v1.3.0}\n",
       {},
       {}},
      {"version-constraint on context",
       "- {id: r, kind: version-constraint, context: kubernetes, "
       "constraint: '>= 1.26.0-0'}\n",
       "a: 1\n",
       {{"kubernetes", "v1.25.9+k3s1"}},
       {"t/r error  @: kubernetes v1.25.9+k3s1 does not satisfy >= "
        "1.26.0-0"}},
      {"condition all/any/not",
       R"(- id: r
  kind: condition
  path: spec.maxSurge
  when:
    all:
      - {path: kind, in: [DaemonSet]}
      - any:
          - {path: "ports[*].hostPort", gt: 0}
          - {path: hostNetwork, equals: true}
      - not: {path: type, equals: OnDelete}
      - {path: spec.maxSurge, gt: 0}
  message: "surge {value}"
)",
       "kind: DaemonSet\nports: [{hostPort: 80}]\nspec: {maxSurge: 25%}\n",
       {},
       {"t/r error spec.maxSurge @v.yaml:3:18: surge \"25%\""}},
      {"condition false (OnDelete)",
       R"(- id: r
  kind: condition
  when:
    all:
      - {path: kind, equals: DaemonSet}
      - not: {path: type, equals: OnDelete}
)",
       "kind: DaemonSet\ntype: OnDelete\n",
       {},
       {}},
      {"condition with path operand, matches, type",
       R"(- id: r
  kind: condition
  when:
    all:
      - {path: min, ge: {path: replicas}}
      - {path: name, matches: "^web-[0-9]+$"}
      - {path: labels, type: map}
      - {path: missing, exists: false}
)",
       "min: 3\nreplicas: 3\nname: web-12\nlabels: {}\n",
       {},
       {"t/r error min @v.yaml:1:6: condition t/r holds"}},
      {"condition on context version",
       R"(- id: r
  kind: condition
  when:
    all:
      - {context: kubernetes, ge: "1.29"}
      - {context: kubernetes, constraint: "< 1.33"}
)",
       "a: 1\n",
       {{"kubernetes", "1.32.0"}},
       {"t/r error  @v.yaml:1:1: condition t/r holds"}},
      {"each",
       R"(- id: r
  kind: condition
  when:
    each: "hooks[*]"
    when:
      all:
        - {path: policy, equals: Fail}
        - {path: svc, equals: {path: "$root.target"}}
)",
       "target: b\nhooks:\n- {policy: Fail, svc: a}\n- {policy: Ignore, svc: "
       "b}\n- {policy: Fail, svc: b}\n",
       {},
       {"t/r error hooks[2].policy @v.yaml:5:12: condition t/r holds"}},
      {"match scopes the rule",
       "- {id: r, kind: required-key, path: spec, match: {path: kind, equals: "
       "Pod}}\n",
       "kind: Service\n",
       {},
       {}},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(RunRules(c.rules, c.doc, c.ctx), c.want);
  }
}

TEST(RulesTest, BadPacksNameRuleAndLine) {
  struct Case {
    std::string rules;
    const char* want;
  };
  const Case kCases[] = {
      {"- {id: a, kind: frobnicate}\n",
       "rules.yaml:3:17: rule 'a': unknown kind"},
      {"- {id: a, kind: key-removed, path: 'x..y'}\n",
       "rules.yaml:3:36: rule 'a': bad path"},
      {"- {id: a, kind: version-constraint, path: x, constraint: '>= 1.2 <'}\n",
       "rule 'a': invalid constraint"},
      {"- {id: a, kind: key-renamed, path: x}\n",
       "rule 'a': kind 'key-renamed' needs 'to'"},
      {"- {id: a, kind: key-removed, path: x, colour: red}\n",
       "rule 'a': unknown field 'colour'"},
      {"- {id: a, kind: condition, when: {path: x, bigger: 1}}\n",
       "rule 'a': unknown test 'bigger'"},
      {"- {id: a, kind: condition, when: {path: x, matches: '('}}\n",
       "rule 'a': bad regex"},
      {"- {id: a, kind: key-removed, path: x}\n- {id: a, kind: key-removed, "
       "path: y}\n",
       "rules.yaml:4:8: rule 'a': duplicate rule id"},
      {"- {kind: key-removed, path: x}\n", "missing 'id'"},
      // The root has no key to remove, rename or require (the fuzzer's
      // finding: required-key with path '' read past an empty path).
      {"- {id: a, kind: required-key, path: ''}\n",
       "rules.yaml:3:37: rule 'a': kind 'required-key' needs a 'path' that "
       "names a key"},
      {"- {id: a, kind: key-removed, path: ''}\n",
       "kind 'key-removed' needs a 'path' that names a key"},
      {"- {id: a, kind: key-renamed, path: x, to: ''}\n",
       "rule 'a': 'to' must name a key"},
      {"- {id: a, kind: key-removed, path: x, severity: fatal}\n",
       "unknown severity 'fatal'"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.rules);
    EXPECT_THAT(
        RulePack::FromYaml("name: t\nrules:\n" + c.rules, "rules.yaml")
            .status(),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.want)));
  }
  EXPECT_THAT(RulePack::FromYaml("rules: [\n", "rules.yaml").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("rules.yaml:2:1")));
  EXPECT_THAT(
      RulePack::Builtin("nope").status(),
      StatusIs(absl::StatusCode::kNotFound,
               HasSubstr("kubernetes-apis, version-skew, workload-safety")));
}

// What a pack cannot check at load: a context value that is not a version.
// Evaluate then returns the error (naming the context key) and no findings.
TEST(RulesTest, EvaluationErrorsNameTheContext) {
  struct Case {
    std::string rules;
    const char* want;
  };
  const Case kCases[] = {
      {"- {id: r, kind: condition, when: {context: kubernetes, ge: '1.30'}}\n",
       "rule t/r: context 'kubernetes': "},
      {"- {id: r, kind: version-constraint, context: kubernetes, "
       "constraint: '>= 1.30'}\n",
       "context 'kubernetes': "},
      {"- {id: r, kind: api-removed, apiVersion: v1beta1, kinds: [X], "
       "removed_in: '1.30'}\n",
       "target Kubernetes version: "},
  };
  Document doc = Yaml("apiVersion: v1beta1\nkind: X\n");
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.rules);
    absl::StatusOr<RulePack> pack =
        RulePack::FromYaml("name: t\nrules:\n" + c.rules, "rules.yaml");
    ASSERT_TRUE(pack.ok()) << pack.status();
    EXPECT_THAT(
        pack->Evaluate(doc.root(), {{"kubernetes", "one.thirty"}}),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.want)));
    EXPECT_THAT(pack->Evaluate(doc.root(), {{"kubernetes", "1.31.0"}}),
                ::upgrade_core::testing::IsOk());
  }
}

TEST(RulesTest, RenameTarget) {
  absl::StatusOr<RulePack> pack = RulePack::FromYaml(
      "name: t\nrules:\n- {id: r, kind: key-renamed, path: a.b, to: c.d}\n");
  ASSERT_TRUE(pack.ok());
  EXPECT_EQ(pack->RenameTarget("a.b"), "c.d");
  EXPECT_EQ(pack->RenameTarget("a.b.x"), "c.d.x");
  EXPECT_EQ(pack->RenameTarget("a.bx"), "");
}

}  // namespace
}  // namespace upgrade_core::compat
