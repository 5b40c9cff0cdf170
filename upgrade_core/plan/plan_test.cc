#include "upgrade_core/plan/plan.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::plan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::upgrade_core::testing::StatusIs;

constexpr char kFullPlan[] = R"(apiVersion: upgrade-core/v1
kind: UpgradePlan
metadata:
  name: rke2-ingress-nginx
  description: bundled ingress-nginx chart
  labels: {team: platform}
context:
  kubernetes: {from: v1.31.4+rke2r1, to: v1.31.5+rke2r1}
policy:
  maxParallel: 2
  onFailure: rollback-failed
  defaultTimeout: 10m
  availability:
    - {service: ingress, minAvailable: 2}
    - {service: backend, minAvailable: "66%"}
components:
  - id: default-backend
    kind: Deployment
    replicas: 3
    version: {from: 1.11.8, to: 1.12.8}
    strategy: {type: RollingUpdate, maxSurge: 1, maxUnavailable: "25%"}
    provides: [backend]
    backup: true
    retry: {attempts: 3, backoff: 10s}
  - id: ingress-controller
    kind: DaemonSet
    nodes: 3
    version: {from: 1.11.8, to: 1.12.8}
    strategy: {type: RollingUpdate, maxSurge: 0, maxUnavailable: 1}
    exclusive: ["hostPort:80", "hostPort:443"]
    dependsOn: [default-backend]
    provides: [ingress]
    readiness: {timeout: 120s, minReadySeconds: 5}
    verify:
      - {name: http-200, run: "curl -fsS http://localhost/healthz", timeout: 30s}
    config: {oldDefaults: values-4.11.8.yaml, newDefaults: values-4.12.8.yaml, overrides: /etc/my-values.yaml}
    requires: {kubernetes: ">= 1.28.0-0"}
  - id: admission-webhook
    kind: Webhook
    dependsOn: [ingress-controller]
    webhook: {failurePolicy: Fail, servedBy: ingress-controller}
  - id: crds
    kind: CRD
    strategy: {type: TerminateFirst}
    irreversible: true
    checkpoint: true
  - id: install-job
    kind: Job
    strategy: {type: Recreate}
  - id: db
    kind: StatefulSet
    replicas: 1
    strategy: {type: OnDelete}
  - id: misc
    strategy: {type: StartFirst}
)";

TEST(PlanTest, LoadsEveryField) {
  LoadOptions options;
  options.source_name = "plan.yaml";
  options.base_dir = "/plans";
  options.allowed_dirs = {"/etc"};  // overrides: /etc/my-values.yaml
  absl::StatusOr<Plan> plan = Plan::FromYaml(kFullPlan, options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const proto::UpgradePlan& p = plan->proto();
  EXPECT_EQ(p.api_version(), "upgrade-core/v1");
  EXPECT_EQ(plan->name(), "rke2-ingress-nginx");
  EXPECT_EQ(p.metadata().description(), "bundled ingress-nginx chart");
  EXPECT_EQ(p.metadata().labels().at("team"), "platform");
  EXPECT_EQ(p.context().platforms().at("kubernetes").to(), "v1.31.5+rke2r1");
  EXPECT_EQ(p.policy().max_parallel(), 2);
  EXPECT_EQ(p.policy().on_failure(), proto::ROLLBACK_FAILED);
  EXPECT_EQ(p.policy().default_timeout_ms(), 600000);
  ASSERT_THAT(p.policy().availability(), SizeIs(2));
  EXPECT_EQ(p.policy().availability(0).min_available().int_value(), 2);
  EXPECT_EQ(p.policy().availability(1).min_available().str_value(), "66%");
  EXPECT_EQ(p.policy().availability(1).location().line(), 15);
  ASSERT_THAT(plan->components(), SizeIs(7));

  const proto::Component& backend = p.components(0);
  EXPECT_EQ(backend.kind(), proto::DEPLOYMENT);
  EXPECT_EQ(backend.replicas(), 3);
  EXPECT_EQ(backend.version().from(), "1.11.8");
  EXPECT_EQ(backend.strategy().type(), proto::ROLLING_UPDATE);
  EXPECT_EQ(backend.strategy().max_surge().int_value(), 1);
  EXPECT_EQ(backend.strategy().max_unavailable().str_value(), "25%");
  EXPECT_TRUE(backend.backup());
  EXPECT_EQ(backend.retry().attempts(), 3);
  EXPECT_EQ(backend.retry().backoff_ms(), 10000);
  EXPECT_EQ(backend.location().line(), 17);
  EXPECT_EQ(backend.location().column(), 5);
  EXPECT_EQ(backend.location().file(), "plan.yaml");

  const proto::Component& controller = p.components(1);
  EXPECT_EQ(controller.kind(), proto::DAEMON_SET);
  EXPECT_EQ(controller.nodes(), 3);
  EXPECT_THAT(controller.exclusive(),
              ElementsAre("hostPort:80", "hostPort:443"));
  EXPECT_THAT(controller.depends_on(), ElementsAre("default-backend"));
  EXPECT_EQ(controller.depends_on_locations(0).line(), 31);
  EXPECT_THAT(controller.provides(), ElementsAre("ingress"));
  EXPECT_EQ(controller.readiness().timeout_ms(), 120000);
  EXPECT_EQ(controller.readiness().min_ready_seconds(), 5);
  ASSERT_THAT(controller.verify(), SizeIs(1));
  EXPECT_EQ(controller.verify(0).timeout_ms(), 30000);
  EXPECT_EQ(controller.config().old_defaults(), "/plans/values-4.11.8.yaml");
  EXPECT_EQ(controller.config().overrides(), "/etc/my-values.yaml");
  EXPECT_EQ(controller.requires().at("kubernetes"), ">= 1.28.0-0");

  EXPECT_EQ(p.components(2).kind(), proto::WEBHOOK);
  EXPECT_EQ(p.components(2).webhook().failure_policy(), proto::FAIL);
  EXPECT_EQ(p.components(2).webhook().served_by(), "ingress-controller");
  EXPECT_EQ(p.components(3).strategy().type(), proto::TERMINATE_FIRST);
  EXPECT_TRUE(p.components(3).irreversible());
  EXPECT_TRUE(p.components(3).checkpoint());
  EXPECT_FALSE(p.components(4).irreversible());
  EXPECT_FALSE(p.components(4).checkpoint());
  EXPECT_EQ(p.components(4).strategy().type(), proto::TERMINATE_FIRST);
  EXPECT_EQ(p.components(5).strategy().type(), proto::ON_DELETE);
  EXPECT_EQ(p.components(6).kind(), proto::GENERIC);
  EXPECT_EQ(p.components(6).strategy().type(), proto::START_FIRST);
}

struct BadCase {
  const char* name;
  std::string yaml;
  std::vector<std::string> problems;  // substrings, one per expected problem
};

std::string Header(absl::string_view components) {
  return absl::StrCat("apiVersion: upgrade-core/v1\nkind: UpgradePlan\n",
                      "metadata: {name: t}\ncomponents:\n", components);
}

TEST(PlanTest, RejectsBadInputWithLocations) {
  const BadCase kCases[] = {
      {"unknown top-level field",
       "apiVersion: upgrade-core/v1\nkind: UpgradePlan\npolicies: {}\n"
       "components: [{id: a}]\n",
       {"p.yaml:3:1: error: policies: unknown field \"policies\" (did you "
        "mean \"policy\"?)"}},
      {"unknown component field with suggestion",
       Header("  - id: a\n    dependOn: [b]\n"),
       {"p.yaml:6:5: error: components[0].dependOn: unknown field "
        "\"dependOn\" (did you mean \"dependsOn\"?)"}},
      {"unknown field, no close match",
       Header("  - id: a\n    zzzzzzzzzz: 1\n"),
       {"p.yaml:6:5: error: components[0].zzzzzzzzzz: unknown field "
        "\"zzzzzzzzzz\". Hint: known fields here: id, kind"}},
      {"unknown strategy field",
       Header("  - id: a\n    strategy: {type: RollingUpdate, maxSurg: 1}\n"),
       {"p.yaml:6:37: error: components[0].strategy.maxSurg: unknown field "
        "\"maxSurg\" (did you mean \"maxSurge\"?)"}},
      {"bad enum with suggestion",
       Header("  - id: a\n    kind: Daemonset\n"),
       {"p.yaml:6:11: error: components[0].kind: unknown value \"Daemonset\" "
        "(did you mean \"DaemonSet\"?)"}},
      {"bad strategy type",
       Header("  - id: a\n    strategy: {type: Rolling}\n"),
       {"components[0].strategy.type: unknown value \"Rolling\""}},
      {"bad onFailure",
       "apiVersion: upgrade-core/v1\nkind: UpgradePlan\npolicy: {onFailure: "
       "rollback}\ncomponents: [{id: a}]\n",
       {"p.yaml:3:21: error: policy.onFailure: unknown value \"rollback\""}},
      {"negative replicas",
       Header("  - id: a\n    kind: Deployment\n    replicas: -1\n"),
       {"p.yaml:7:15: error: components[0].replicas: must be between 0"}},
      {"replicas not an integer",
       Header("  - id: a\n    replicas: three\n"),
       {"p.yaml:6:15: error: components[0].replicas: expected a decimal "
        "integer, got \"three\""}},
      {"quoted integer is a string",
       Header("  - id: a\n    replicas: \"3\"\n"),
       {"components[0].replicas: expected a decimal integer"}},
      // Regressions (issue 9, defect 8): one strict scalar reading for plans.
      {"octal-looking replicas is not silently 755",
       Header("  - id: a\n    replicas: 0755\n"),
       {"p.yaml:6:15: error: components[0].replicas: expected a decimal "
        "integer, got \"0755\". Hint: write a plain decimal number"}},
      {"hex, binary and underscores are not integers in plans",
       Header("  - id: a\n    replicas: 0x10\n  - id: b\n    replicas: 0b11\n"
              "  - id: c\n    replicas: 1_000\n"),
       {"components[0].replicas: expected a decimal integer, got \"0x10\"",
        "components[1].replicas: expected a decimal integer, got \"0b11\"",
        "components[2].replicas: expected a decimal integer, got \"1_000\""}},
      {"yes is not a boolean in plans",
       Header("  - id: a\n    backup: yes\n"),
       {"p.yaml:6:13: error: components[0].backup: expected true or false, "
        "got yes. Hint: write true or false"}},
      {"irreversible and checkpoint are strict booleans",
       Header("  - id: a\n    irreversible: yes\n    checkpoint: \"true\"\n"),
       {"p.yaml:6:19: error: components[0].irreversible: expected true or "
        "false, got yes",
        "p.yaml:7:17: error: components[0].checkpoint: expected true or "
        "false, got \"true\""}},
      {"checkpoint needs irreversible",
       Header("  - id: a\n    checkpoint: true\n"),
       {"p.yaml:6:17: error: components[0].checkpoint: \"checkpoint: true\" "
        "marks an irreversible component as the plan's point of no return, "
        "but this component is not irreversible. Hint: add \"irreversible: "
        "true\""}},
      {"checkpoint with irreversible false",
       Header("  - id: a\n    irreversible: false\n    checkpoint: true\n"),
       {"p.yaml:7:17: error: components[0].checkpoint: \"checkpoint: true\" "
        "marks"}},
      {"a bad irreversible does not cascade into checkpoint",
       Header("  - id: a\n    irreversible: 1\n    checkpoint: true\n"),
       {"components[0].irreversible: expected true or false, got 1"}},
      {"the string \"true\" is not a boolean",
       Header("  - id: a\n    backup: \"true\"\n"),
       {"components[0].backup: expected true or false, got \"true\""}},
      {"an integer id is not silently a string",
       Header("  - id: 123\n"),
       {"p.yaml:5:9: error: components[0].id: expected a string, got int 123. "
        "Hint: quote it (\"123\") if you mean the text"}},
      {"a boolean id is not silently a string",
       Header("  - id: true\n"),
       {"components[0].id: expected a string, got bool true"}},
      // Regressions (issue 9, defect 5): numeric ranges, no silent defaults.
      {"int64 maxSurge is out of range",
       Header("  - id: a\n    kind: Deployment\n    strategy: {type: "
              "RollingUpdate, maxSurge: 9223372036854775807}\n"),
       {"components[0].strategy.maxSurge: must be between -2147483647 and "
        "2147483647"}},
      {"a zero timeout is not the default",
       Header("  - id: a\n    readiness: {timeout: 0s}\n"),
       {"p.yaml:6:26: error: components[0].readiness.timeout: duration \"0s\" "
        "is out of range: must be between 1ms and 8760h"}},
      {"an absurd timeout is not the default",
       Header("  - id: a\n    readiness: {timeout: 99999999999999999h}\n"),
       {"components[0].readiness.timeout: duration \"99999999999999999h\" is "
        "out of range"}},
      {"a timeout past int64 seconds",
       Header("  - id: a\n    readiness: {timeout: 99999999999999999999}\n"),
       {"p.yaml:6:26: error: components[0].readiness.timeout: expected a "
        "string, got float 99999999999999999999"}},
      {"verify timeouts each bounded",
       Header("  - id: a\n    verify:\n      - {name: x, timeout: 9000h}\n"),
       {"components[0].verify[0].timeout: duration \"9000h\" is out of range"}},
      {"component id length bounded",
       Header(absl::StrCat("  - id: ", std::string(254, 'x'), "\n")),
       {"p.yaml:5:9: error: components[0].id: id \"xxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxx...\" is 254 characters long; at most 253"}},
      {"retry attempts bounded",
       Header("  - id: a\n    retry: {attempts: 1000000}\n"),
       {"components[0].retry.attempts: must be between 1 and 1000"}},
      // Regressions (issue 9, defect 3): config files stay in the plan's
      // directory unless allowed.
      {"config path leaving the plan's directory",
       Header("  - id: a\n    config: {oldDefaults: ../../secret-values.yaml, "
              "newDefaults: /etc/hostname}\n"),
       {"p.yaml:6:27: error: components[0].config.oldDefaults: config file "
        "\"../../secret-values.yaml\" leaves the plan's directory",
        "p.yaml:6:66: error: components[0].config.newDefaults: config file "
        "\"/etc/hostname\" is an absolute path"}},
      {"config path that only looks inside",
       Header("  - id: a\n    config: {oldDefaults: sub/../../x.yaml, "
              "newDefaults: ok.yaml}\n"),
       {"components[0].config.oldDefaults: config file \"sub/../../x.yaml\" "
        "leaves the plan's directory"}},
      {"bad duration",
       Header("  - id: a\n    readiness: {timeout: 2 minutes}\n"),
       {"p.yaml:6:26: error: components[0].readiness.timeout: invalid "
        "duration \"2 minutes\""}},
      {"missing id",
       Header("  - kind: Job\n"),
       {"p.yaml:5:5: error: components[0]: missing required field \"id\""}},
      // Found by //fuzz:plan_fuzzer: an empty list entry loaded as a
      // component with no id (and a plan FromProto then rejected).
      {"empty component entry is not a component",
       Header("  - \n  - id: a\n"),
       {"p.yaml:5:4: error: components[0]: expected a mapping, got null"}},
      {"empty verify and floor entries",
       "apiVersion: upgrade-core/v1\nkind: UpgradePlan\n"
       "policy: {availability: [~]}\ncomponents:\n"
       "  - {id: a, verify: [~]}\n",
       {"policy.availability[0]: expected a mapping, got null",
        "components[0].verify[0]: expected a mapping, got null"}},
      {"duplicate id",
       Header("  - id: a\n  - id: b\n  - id: a\n"),
       {"p.yaml:7:5: error: components[2].id: duplicate component id \"a\" "
        "(first defined at p.yaml:5:5)"}},
      {"duplicate key",
       Header("  - id: a\n    id: b\n"),
       {"p.yaml:6:5: error: components[0].id: field \"id\" is given twice"}},
      {"replicas on a DaemonSet",
       Header("  - id: a\n    kind: DaemonSet\n    replicas: 3\n"),
       {"give \"nodes\", not \"replicas\""}},
      {"nodes on a Deployment",
       Header("  - id: a\n    kind: Deployment\n    nodes: 3\n"),
       {"\"nodes\" is for DaemonSets; a Deployment has \"replicas\""}},
      {"surge on a non-rolling strategy",
       Header("  - id: a\n    strategy: {type: TerminateFirst, maxSurge: 1}\n"),
       {"maxSurge/maxUnavailable apply only to type RollingUpdate, not "
        "TerminateFirst"}},
      {"missing strategy type",
       Header("  - id: a\n    strategy: {maxSurge: 1}\n"),
       {"components[0].strategy: missing required field \"type\""}},
      {"wrong apiVersion and kind",
       "apiVersion: v1\nkind: Plan\ncomponents: [{id: a}]\n",
       {"p.yaml:1:13: error: apiVersion: unsupported apiVersion \"v1\"",
        "p.yaml:2:7: error: kind: kind must be UpgradePlan"}},
      {"missing apiVersion",
       "kind: UpgradePlan\ncomponents: [{id: a}]\n",
       {"missing required field \"apiVersion\""}},
      {"no components",
       "apiVersion: upgrade-core/v1\nkind: UpgradePlan\n",
       {"a plan needs at least one component"}},
      {"components not a list",
       "apiVersion: upgrade-core/v1\nkind: UpgradePlan\ncomponents: {a: 1}\n",
       {"p.yaml:3:13: error: components: expected a list, got a mapping",
        "a plan needs at least one component"}},
      {"dependsOn not a list",
       Header("  - id: a\n    dependsOn: b\n"),
       {"components[0].dependsOn: expected a list, got a scalar"}},
      {"webhook on a non-webhook",
       Header("  - id: a\n    webhook: {failurePolicy: Fail}\n"),
       {"\"webhook\" is only valid for components of kind Webhook"}},
      {"bad webhook failurePolicy",
       Header("  - id: a\n    kind: Webhook\n    webhook: {failurePolicy: "
              "fail}\n"),
       {"unknown value \"fail\" (did you mean \"Fail\"?)"}},
      {"availability floor needs both fields",
       "apiVersion: upgrade-core/v1\nkind: UpgradePlan\npolicy:\n  "
       "availability:\n    - {service: x}\ncomponents: [{id: a}]\n",
       {"p.yaml:5:7: error: policy.availability[0]: missing required field "
        "\"minAvailable\""}},
      {"yaml syntax error",
       "apiVersion: [\n",
       {"p.yaml:2:1: error: invalid YAML: did not find expected node content"}},
      {"empty document", "", {"the plan is empty"}},
      {"hostile nesting",
       std::string(100000, '['),
       {"p.yaml:1:513: error: nesting deeper than 512 levels"}},
      {"not a mapping", "- a\n- b\n", {"expected a mapping, got a list"}},
      {"all problems at once",
       Header("  - id: a\n    kind: Job\n    replica: 1\n  - id: b\n    "
              "strategy: {type: Nope}\n"),
       {"components[0].replica: unknown field \"replica\" (did you mean "
        "\"replicas\"?)",
        "components[1].strategy.type: unknown value \"Nope\""}},
  };
  LoadOptions options;
  options.source_name = "p.yaml";
  for (const BadCase& c : kCases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Plan> plan = Plan::FromYaml(c.yaml, options);
    ASSERT_THAT(plan, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("invalid plan p.yaml")));
    const std::vector<diag::Diagnostic> problems =
        ProblemsFromStatus(plan.status());
    ASSERT_EQ(problems.size(), c.problems.size()) << plan.status();
    for (size_t i = 0; i < problems.size(); ++i) {
      EXPECT_THAT(diag::FormatDiagnostic(problems[i]),
                  HasSubstr(c.problems[i]));
      EXPECT_THAT(std::string(plan.status().message()),
                  HasSubstr(c.problems[i]));
    }
  }
}

// FromDocument is the walk FromYaml uses: a JSON document of the same plan
// loads the same model, and without line numbers (data from Python) problems
// are located by source and path alone.
TEST(PlanTest, FromDocumentIsTheSameLoader) {
  LoadOptions options;
  options.source_name = "plan.yaml";
  options.base_dir = "/plans";
  options.allowed_dirs = {"/etc"};
  absl::StatusOr<Plan> from_yaml = Plan::FromYaml(kFullPlan, options);
  ASSERT_TRUE(from_yaml.ok()) << from_yaml.status();
  absl::StatusOr<document::Document> yaml_doc =
      document::Document::FromYaml(kFullPlan, "plan.yaml");
  ASSERT_TRUE(yaml_doc.ok()) << yaml_doc.status();
  absl::StatusOr<Plan> from_doc = Plan::FromDocument(*yaml_doc, options);
  ASSERT_TRUE(from_doc.ok()) << from_doc.status();
  EXPECT_EQ(from_doc->proto().SerializeAsString(),
            from_yaml->proto().SerializeAsString());

  absl::StatusOr<document::Document> json = document::Document::FromJson(
      R"({"apiVersion": "upgrade-core/v1", "kind": "UpgradePlan",
          "components": [{"id": "a", "dependOn": ["b"]},
                         {"id": "a", "checkpoint": true}]})",
      "<dict>");
  ASSERT_TRUE(json.ok()) << json.status();
  LoadOptions data;
  data.source_name = "<dict>";
  data.line_numbers = false;
  absl::StatusOr<Plan> bad = Plan::FromDocument(*json, data);
  const std::vector<diag::Diagnostic> problems =
      ProblemsFromStatus(bad.status());
  ASSERT_THAT(problems, SizeIs(3));
  EXPECT_EQ(problems[0].path, "components[0].dependOn");
  EXPECT_EQ(problems[1].code, "schema.checkpoint");
  EXPECT_THAT(problems[2].message,
              HasSubstr("duplicate component id \"a\" (first defined at "
                        "components[0])"));
  for (const diag::Diagnostic& p : problems) {
    EXPECT_EQ(p.location.source, "<dict>");
    EXPECT_EQ(p.location.line, 0) << p.path;
  }
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("<dict>: error: components[0].dependOn: unknown "
                        "field \"dependOn\""));
}

TEST(PlanTest, FromFileReportsMissingFile) {
  EXPECT_THAT(Plan::FromFile("/nonexistent/plan.yaml"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("/nonexistent/plan.yaml")));
}

TEST(PlanTest, FromProtoChecksIds) {
  proto::UpgradePlan p;
  p.add_components()->set_id("a");
  p.add_components()->set_id("a");
  p.add_components();
  absl::StatusOr<Plan> plan = Plan::FromProto(p);
  EXPECT_THAT(plan, StatusIs(absl::StatusCode::kInvalidArgument,
                             HasSubstr("duplicate component id \"a\"")));
  EXPECT_THAT(ProblemsFromStatus(plan.status()), SizeIs(2));
}

TEST(DurationTest, ParsesGoStyle) {
  struct Case {
    const char* text;
    int64_t ms;
  };
  const Case kCases[] = {{"120s", 120000}, {"2m30s", 150000}, {"500ms", 500},
                         {"1h", 3600000},  {"1.5s", 1500},    {"90", 90000}};
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(*ParseDurationMs(c.text), c.ms);
  }
  EXPECT_THAT(
      ParseDurationMs("5 d"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duration")));
  EXPECT_THAT(
      ParseDurationMs("-5"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duration")));
  EXPECT_THAT(ParseDurationMs("s"), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("duration")));
  EXPECT_EQ(FormatDurationMs(120000), "2m");
  EXPECT_EQ(FormatDurationMs(5500), "5.5s");
  EXPECT_EQ(FormatDurationMs(3725000), "1h2m5s");
  EXPECT_EQ(FormatDurationMs(0), "0s");
}

TEST(DidYouMeanTest, Suggests) {
  EXPECT_EQ(DidYouMean("dependson", {"dependsOn", "provides"}), "dependsOn");
  EXPECT_EQ(DidYouMean("xyz", {"dependsOn", "provides"}), "");
}

}  // namespace
}  // namespace upgrade_core::plan
