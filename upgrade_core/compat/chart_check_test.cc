// Tests of the chart upgrade check, including the ingress-nginx 4.11 -> 4.12
// stand-in fixtures in testdata/.
#include "upgrade_core/compat/chart_check.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/compat/chart_check_test_util.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::compat {
using diag::Diagnostic;
using diag::Report;
using diag::Severity;
using document::Document;
using document::Node;

namespace {

using test_util::FindingAt;
using test_util::Yaml;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

constexpr char kData[] = "upgrade_core/compat/testdata/";

Document Load(const std::string& name) {
  absl::StatusOr<Document> d = Document::FromFile(kData + name);
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : Document();
}

std::vector<std::string> RulesAndPaths(const Report& r) {
  std::vector<std::string> out;
  for (const Diagnostic& f : r.findings) out.push_back(f.code + " " + f.path);
  return out;
}

TEST(ChartCheckTest, IngressNginxNamesEveryRemovedOrRenamedOverride) {
  Document old_defaults = Load("ingress-nginx-old-values.yaml");
  Document new_defaults = Load("ingress-nginx-new-values.yaml");
  Document user = Load("ingress-nginx-user-values.yaml");
  absl::StatusOr<ChartUpgradeReport> r =
      CheckChartUpgrade(old_defaults, new_defaults, user);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(
      RulesAndPaths(*r),
      IsSupersetOf({
          "chart/renamed-override controller.image.registry",
          "chart/renamed-override controller.admissionWebhooks.patch.image."
          "registry",
          "chart/renamed-override defaultBackend.image.registry",
          "chart/removed-override controller.existingPsp",
          "chart/removed-override controller.opentelemetry.enabled",
          "chart/removed-override podSecurityPolicy.enabled",
          "chart/default-changed controller.enableAnnotationValidations",
      }));
  // Overrides that still exist are not reported.
  for (const char* kept :
       {"controller.kind", "controller.hostPort.enabled",
        "controller.service.type", "defaultBackend.enabled"}) {
    SCOPED_TRACE(kept);
    for (const Diagnostic& f : r->findings) EXPECT_NE(f.path, kept);
  }
  const Diagnostic* registry =
      FindingAt(*r, "chart/renamed-override", "controller.image.registry");
  ASSERT_NE(registry, nullptr);
  EXPECT_EQ(registry->severity, Severity::kError);
  EXPECT_THAT(registry->message, HasSubstr("global.image.registry"));
  EXPECT_EQ(registry->location.ToString(),
            std::string(kData) + "ingress-nginx-user-values.yaml:7:5");
  const Diagnostic* validations = FindingAt(
      *r, "chart/default-changed", "controller.enableAnnotationValidations");
  ASSERT_NE(validations, nullptr);
  EXPECT_EQ(validations->severity, Severity::kWarning);
  EXPECT_THAT(validations->message, HasSubstr("from false to true"));
  // An image tag bump is reported, as info.
  const Diagnostic* tag =
      FindingAt(*r, "chart/default-changed", "controller.image.tag");
  ASSERT_NE(tag, nullptr);
  EXPECT_EQ(tag->severity, Severity::kInfo);
  EXPECT_FALSE(r->ok());

  // Effective values: Helm's merge before and after, and their diff.
  Node before = r->effective_before.root(), after = r->effective_after.root();
  EXPECT_EQ(before.Find("controller.image.registry")->text(),
            "mirror.example.com");
  EXPECT_EQ(after.Find("controller.kind")->text(), "DaemonSet");
  EXPECT_EQ(after.Find("controller.image.tag")->text(), "v1.12.8");
  EXPECT_FALSE(after.Find("controller.existingPsp")->text().empty());
  std::vector<std::string> changes;
  for (const Change& c : r->effective_changes) {
    changes.push_back(std::string(ChangeKindName(c.kind)) + " " + c.path);
  }
  EXPECT_THAT(
      changes,
      IsSupersetOf({"changed controller.image.tag",
                    "changed controller.enableAnnotationValidations",
                    "added global", "removed controller.opentelemetry.name"}));
}

TEST(ChartCheckTest, RulePacksOnOverridesAndEffectiveValues) {
  absl::StatusOr<RulePack> pack =
      RulePack::FromFile(std::string(kData) + "ingress-nginx-pack.yaml");
  ASSERT_TRUE(pack.ok()) << pack.status();
  absl::StatusOr<RulePack> renames = RulePack::FromYaml(R"(name: renames
rules:
  - id: registry
    kind: key-renamed
    path: controller.image.registry
    to: global.image.registry
)");
  ASSERT_TRUE(renames.ok()) << renames.status();
  std::vector<RulePack> packs = {*pack, *renames};
  absl::StatusOr<ChartUpgradeReport> r =
      CheckChartUpgrade(Load("ingress-nginx-old-values.yaml"),
                        Load("ingress-nginx-new-values.yaml"),
                        Load("ingress-nginx-user-values.yaml"), packs,
                        {{"kubernetes", "1.25.16"}});
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> got = RulesAndPaths(*r);
  EXPECT_THAT(got, IsSupersetOf({
                       "ingress-nginx/daemonset-hostport-surge "
                       "controller.updateStrategy.rollingUpdate.maxSurge",
                       "ingress-nginx/kubernetes-version ",
                       "renames/registry controller.image.registry",
                   }));
  // The pack's rename replaces the guessed one for that path.
  EXPECT_THAT(
      got, Not(Contains("chart/renamed-override controller.image.registry")));
  const Diagnostic* surge =
      FindingAt(*r, "ingress-nginx/daemonset-hostport-surge",
                "controller.updateStrategy.rollingUpdate.maxSurge");
  ASSERT_NE(surge, nullptr);
  // Located in the user's file: the effective values keep their sources.
  EXPECT_EQ(surge->location.ToString(),
            std::string(kData) + "ingress-nginx-user-values.yaml:14:17");

  absl::StatusOr<ChartUpgradeReport> newer =
      CheckChartUpgrade(Load("ingress-nginx-old-values.yaml"),
                        Load("ingress-nginx-new-values.yaml"),
                        Load("ingress-nginx-user-values.yaml"), packs,
                        {{"kubernetes", "1.31.0"}});
  ASSERT_TRUE(newer.ok());
  EXPECT_THAT(RulesAndPaths(*newer),
              Not(Contains("ingress-nginx/kubernetes-version ")));
}

TEST(ChartCheckTest, TypeChangedOverride) {
  Document old_defaults =
      Yaml("service:\n  ports: [80, 443]\nname: x\n", "old");
  Document new_defaults =
      Yaml("service:\n  ports: {http: 80, https: 443}\nname: x\n", "new");
  Document user = Yaml("service:\n  ports: [8080]\n", "user.yaml");
  absl::StatusOr<ChartUpgradeReport> r =
      CheckChartUpgrade(old_defaults, new_defaults, user);
  ASSERT_TRUE(r.ok());
  const Diagnostic* f =
      FindingAt(*r, "chart/type-changed-override", "service.ports");
  ASSERT_NE(f, nullptr);
  EXPECT_THAT(f->message,
              HasSubstr("is a list but the new chart expects a map"));
  EXPECT_EQ(f->location.ToString(), "user.yaml:2:10");
  // Int -> float is not a type change; neither is a null default.
  Document a = Yaml("ratio: 1\nopt: null\n", "a");
  Document b = Yaml("ratio: 1.5\nopt: {x: 1}\n", "b");
  Document u = Yaml("ratio: 2\nopt: {x: 2}\n", "u");
  absl::StatusOr<ChartUpgradeReport> r2 = CheckChartUpgrade(a, b, u);
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->findings.empty()) << r2->ToText();
}

// Regression (issue 9): an override whose type differs from the chart's
// default in both versions was not reported.
TEST(ChartCheckTest, OverrideTypeMismatchInBothVersions) {
  struct Case {
    const char* name;
    const char* user;
    Severity severity;
    const char* message;  // empty: no finding
  };
  const Document old_defaults = Yaml(
      "tolerations: []\nservice: {type: ClusterIP}\nreplicas: 1\n"
      "image: {tag: \"1.0\"}\nratio: 0.5\nextra: null\n",
      "old");
  const Document new_defaults = Yaml(
      "tolerations: []\nservice: {type: ClusterIP}\nreplicas: 2\n"
      "image: {tag: \"1.1\"}\nratio: 0.7\nextra: null\n",
      "new");
  for (const Case& c : std::vector<Case>{
           {"map where the chart has a list", "tolerations: {key: a}\n",
            Severity::kError,
            "your override tolerations is a map but the chart expects a list "
            "(in both versions)"},
           {"scalar where the chart has a map", "service: LoadBalancer\n",
            Severity::kError,
            "your override service is a string but the chart expects a map"},
           {"list where the chart has a scalar", "replicas: [1]\n",
            Severity::kError, "is a list but the chart expects a int"},
           {"string where the chart has a number", "ratio: \"0.9\"\n",
            Severity::kWarning, "is a string but the chart expects a float"},
           {"same type", "tolerations: [{key: a}]\nreplicas: 3\n",
            Severity::kInfo, ""},
           {"int for a float is a number", "ratio: 1\n", Severity::kInfo, ""},
           {"anything for a null default", "extra: {a: 1}\n", Severity::kInfo,
            ""},
       }) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<ChartUpgradeReport> r = CheckChartUpgrade(
        old_defaults, new_defaults, Yaml(c.user, "user.yaml"));
    ASSERT_TRUE(r.ok()) << r.status();
    std::vector<const Diagnostic*> found;
    for (const Diagnostic& f : r->findings) {
      if (f.code == "chart/override-type-mismatch") found.push_back(&f);
    }
    if (std::string(c.message).empty()) {
      EXPECT_TRUE(found.empty()) << r->ToText();
      continue;
    }
    ASSERT_EQ(found.size(), 1u) << r->ToText();
    EXPECT_EQ(found[0]->severity, c.severity);
    EXPECT_THAT(found[0]->message, HasSubstr(c.message));
    EXPECT_EQ(found[0]->location.source, "user.yaml");
  }
}

TEST(ChartCheckTest, NoOverridesOnlyDefaultChanges) {
  Document a = Yaml("x: {enabled: false}\n", "a");
  Document b = Yaml("x: {enabled: true}\n", "b");
  absl::StatusOr<ChartUpgradeReport> r = CheckChartUpgrade(a, b, Document());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(RulesAndPaths(*r),
            std::vector<std::string>{"chart/default-changed x.enabled"});
  Document u = Yaml("x: {enabled: false}\n", "u");
  absl::StatusOr<ChartUpgradeReport> r2 = CheckChartUpgrade(a, b, u);
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->findings.empty());
}

}  // namespace
}  // namespace upgrade_core::compat
