// In-process tests of `upgradectl check`: flags, formats and exit codes.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/upgradectl/command.h"

namespace upgrade_core::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kData = "upgrade_core/compat/testdata/";

std::string TempFile(const std::string& name, const std::string& text) {
  std::string path = std::string(getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

struct Case {
  const char* name;
  std::vector<std::string> args;
  int exit_code;
  std::vector<std::string> out;
  std::string err;
};

TEST(CheckCommandTest, FlagsFormatsAndExitCodes) {
  const std::string old_v = kData + "ingress-nginx-old-values.yaml";
  const std::string new_v = kData + "ingress-nginx-new-values.yaml";
  const std::string user = kData + "ingress-nginx-user-values.yaml";
  const std::string pack = kData + "ingress-nginx-pack.yaml";
  const std::string ingress = TempFile(
      "ingress.yaml",
      "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: web}\n");
  const std::string ok_manifest =
      TempFile("ok.yaml",
               "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n");
  const std::string dir = std::string(getenv("TEST_TMPDIR")) + "/dir";
  std::filesystem::create_directories(dir + "/sub");
  TempFile("dir/sub/ingress.yaml",
           "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: "
           "web}\n");
  TempFile("dir/notes.txt", "not yaml: [");
  const std::string broken = TempFile("broken.yaml", "a: [1,\n");
  const std::string multi = TempFile("multi.yaml", "a: 1\n---\nb: 2\n");
  const std::string after =
      TempFile("user2.yaml", "controller:\n  image:\n    registry: null\n");
  const Case kCases[] = {
      {"chart check, text",
       {"--old-defaults", old_v, "--new-defaults", new_v, "--values", user},
       kExitFindings,
       {"ingress-nginx-user-values.yaml:7:5: error: controller.image.registry: "
        "your override controller.image.registry is ignored",
        "error: controller.opentelemetry.enabled: your override",
        "[chart/removed-override]\n", "[chart/renamed-override]\n"},
       ""},
      {"later --values wins (null deletes the override)",
       {"--old-defaults", old_v, "--new-defaults", new_v, "--values", user,
        "--values", after},
       kExitFindings,
       {"controller.existingPsp"},
       ""},
      {"rules and kubernetes context, json",
       {"--old-defaults=" + old_v, "--new-defaults=" + new_v,
        "--values=" + user, "--rules", pack, "--kubernetes", "1.25.0",
        "--format", "json"},
       kExitFindings,
       {R"({"version":3,"ok":false,)",
        R"("code":"ingress-nginx/kubernetes-version")",
        R"("code":"ingress-nginx/daemonset-hostport-surge")"},
       ""},
      {"manifests directory, sarif",
       {"--manifests", dir, "--kubernetes", "1.22.0", "--format", "sarif"},
       kExitFindings,
       {R"("version":"2.1.0")",
        R"("ruleId":"kubernetes-apis/extensions-v1beta1-ingress")"},
       ""},
      {"clean manifests",
       {"--manifests", ok_manifest, "--kubernetes", "1.32.0"},
       kExitOk,
       {"0 error(s), 0 warning(s), 0 info"},
       ""},
      {"fail-on warning",
       {"--manifests", ingress, "--kubernetes", "1.21.0", "--fail-on",
        "warning"},
       kExitFindings,
       {"warning: apiVersion: extensions/v1beta1 Ingress",
        "[kubernetes-apis/extensions-v1beta1-ingress]"},
       ""},
      {"warning below default threshold",
       {"--manifests", ingress, "--kubernetes", "1.21.0"},
       kExitOk,
       {"deprecated since Kubernetes 1.14"},
       ""},
      {"builtin pack by name",
       {"--manifests", ingress, "--rules", "builtin:workload-safety"},
       kExitOk,
       {"0 error(s)"},
       ""},
      {"malformed YAML",
       {"--manifests", broken},
       kExitBadInput,
       {},
       "broken.yaml:2:1"},
      {"two documents where one is expected",
       {"--old-defaults", multi, "--new-defaults", new_v},
       kExitBadInput,
       {},
       "multi.yaml:2:1: expected one YAML document but found another (`---`)"},
      {"missing file",
       {"--manifests", "/nonexistent.yaml"},
       kExitBadInput,
       {},
       "cannot open"},
      {"bad version",
       {"--manifests", ingress, "--kubernetes", "x.y"},
       kExitBadInput,
       {},
       "target Kubernetes version"},
      {"bad pack",
       {"--manifests", ingress, "--rules", "builtin:nope"},
       kExitBadInput,
       {},
       "no built-in rule pack 'nope'"},
      {"bad format",
       {"--manifests", ingress, "--format", "xml"},
       kExitBadInput,
       {},
       "--format must be"},
      {"bad fail-on",
       {"--manifests", ingress, "--fail-on", "fatal"},
       kExitBadInput,
       {},
       "unknown severity"},
      {"nothing to check", {}, kExitBadInput, {}, "nothing to check"},
      {"half a chart",
       {"--old-defaults", old_v},
       kExitBadInput,
       {},
       "go together"},
      {"unknown flag", {"--frob", "1"}, kExitBadInput, {}, "unknown flag"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> args = {"check"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    std::ostringstream out, err;
    EXPECT_EQ(RunUpgradectl(args, out, err), c.exit_code)
        << out.str() << err.str();
    for (const std::string& want : c.out) {
      EXPECT_THAT(out.str(), HasSubstr(want));
    }
    EXPECT_THAT(err.str(), HasSubstr(c.err));
  }
  // The second values file deleted the registry override: no rename finding.
  std::ostringstream out, err;
  RunUpgradectl({"check", "--old-defaults", old_v, "--new-defaults", new_v,
                 "--values", user, "--values", after},
                out, err);
  EXPECT_THAT(out.str(), Not(HasSubstr("] controller.image.registry")));
}

// --chart: the render check alone (docs/compat-chart-render.md), on a
// fixture carrying the facts of the RKE2 ingress render failure.
TEST(CheckCommandTest, ChartRender) {
  const std::string c = "upgrade_core/chart/testdata/ingress-render";
  const std::string on =
      TempFile("render-user.yaml", "defaultBackend:\n  enabled: true\n");
  const std::string off =
      TempFile("render-off.yaml", "defaultBackend:\n  enabled: false\n");
  const Case kCases[] = {
      {"reachable failure",
       {"--chart", c, "--values", on},
       kExitFindings,
       {c + "/templates/_helpers.tpl:3:8: error: defaultBackend.enabled: "
            "fails to render: .Values.global.systemDefaultRegistry is read "
            "where the dot is a map",
        "nil pointer evaluating interface {}.global",
        "include \"ingress-nginx.image\" at " + c +
            "/templates/default-backend.yaml:12:21",
        "defaultBackend.enabled is true (set at " + on + ":2:12)",
        "[chart/render-not-root]"},
       ""},
      {"defaults render", {"--chart", c}, kExitOk, {}, ""},
      {"later values win",
       {"--chart", c, "--values", on, "--values", off},
       kExitOk,
       {},
       ""},
      {"json",
       {"--chart", c, "--values", on, "--format", "json"},
       kExitFindings,
       {"\"code\":\"chart/render-not-root\""},
       ""},
      {"chart with a pair",
       {"--chart", c, "--old-chart", c, "--new-chart", c},
       kExitBadInput,
       {},
       "--chart checks one chart's rendering"},
      {"chart on stdin",
       {"--chart", "-"},
       kExitBadInput,
       {},
       "not standard input"},
  };
  for (const Case& k : kCases) {
    SCOPED_TRACE(k.name);
    std::vector<std::string> args = {"check"};
    args.insert(args.end(), k.args.begin(), k.args.end());
    std::ostringstream out, err;
    EXPECT_EQ(RunUpgradectl(args, out, err), k.exit_code)
        << out.str() << err.str();
    for (const std::string& want : k.out) {
      EXPECT_THAT(out.str(), HasSubstr(want));
    }
    if (!k.err.empty()) {
      EXPECT_THAT(err.str(), HasSubstr(k.err));
    }
  }
}

// --old-chart/--new-chart: the charts' templates are evidence too
// (docs/compat-chart-check.md); fixtures carry the ingress-nginx facts.
TEST(CheckCommandTest, Charts) {
  const std::string old_c = "upgrade_core/chart/testdata/ingress-old";
  const std::string new_c = "upgrade_core/chart/testdata/ingress-new";
  const std::string user =
      TempFile("chart-user.yaml",
               "controller:\n  image:\n    registry: r.example\n"
               "  existingPsp: psp\n");
  const std::string not_chart = TempFile("not-a-chart.tgz", "plain text");
  const Case kCases[] = {
      {"charts, text",
       {"--old-chart", old_c, "--new-chart", new_c, "--values", user},
       kExitFindings,
       {"chart-user.yaml:3:5: info: controller.image.registry: your override "
        "controller.image.registry left the new chart's default values, but "
        "its templates still read it at " +
            new_c + "/templates/controller-deployment.yaml:12:21",
        "chart-user.yaml:4:3: error: controller.existingPsp:",
        "the old chart read it at " + old_c +
            "/templates/controller-psp.yaml:1:47",
        "[chart/removed-override]"},
       ""},
      {"charts, no overrides",
       {"--old-chart", old_c, "--new-chart", new_c},
       kExitOk,
       {"[chart/default-changed]"},
       ""},
      {"half a pair of charts",
       {"--old-chart", old_c},
       kExitBadInput,
       {},
       "--old-chart and --new-chart go together"},
      {"charts and defaults",
       {"--old-chart", old_c, "--new-chart", new_c, "--old-defaults", user,
        "--new-defaults", user},
       kExitBadInput,
       {},
       "not both"},
      {"chart on stdin",
       {"--old-chart", "-", "--new-chart", new_c},
       kExitBadInput,
       {},
       "not standard input"},
      {"missing chart",
       {"--old-chart", "/nonexistent", "--new-chart", new_c},
       kExitBadInput,
       {},
       "/nonexistent: no such chart"},
      {"not a packaged chart",
       {"--old-chart", not_chart, "--new-chart", new_c},
       kExitBadInput,
       {},
       "not a packaged chart"},
      {"unreadable chart as JSON",
       {"--old-chart", not_chart, "--new-chart", new_c, "--format", "json"},
       kExitBadInput,
       {"\"code\":\"input.unreadable\"", "not-a-chart.tgz"},
       ""},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> args = {"check"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    std::ostringstream out, err;
    EXPECT_EQ(RunUpgradectl(args, out, err), c.exit_code)
        << out.str() << err.str();
    for (const std::string& want : c.out) {
      EXPECT_THAT(out.str(), HasSubstr(want));
    }
    EXPECT_THAT(err.str(), HasSubstr(c.err));
  }
}

}  // namespace
}  // namespace upgrade_core::cli
