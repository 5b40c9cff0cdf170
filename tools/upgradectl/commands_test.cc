// The dispatcher and what every command shares: --help/-h/--version,
// usage texts, "-" for standard input, JSON diagnostics for bad input.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/upgradectl/command.h"
#include "upgrade_core/version_info.h"

namespace upgrade_core::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kExample[] = "examples/rke2-ingress-nginx/";

std::string TempFile(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

struct Result {
  int exit_code;
  std::string out;
  std::string err;
};

// Runs upgradectl in-process with `stdin_text` on file descriptor 0 (what
// ReadFileBounded("-") reads).
Result RunCli(const std::vector<std::string>& args,
              const std::string& stdin_text = "") {
  const std::string path = TempFile("stdin.txt", stdin_text);
  const int saved = ::dup(STDIN_FILENO);
  const int fd = ::open(path.c_str(), O_RDONLY);
  ::dup2(fd, STDIN_FILENO);
  ::close(fd);
  std::ostringstream out, err;
  const int code = RunUpgradectl(args, out, err);
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  return {code, out.str(), err.str()};
}

TEST(UpgradectlTest, Dispatch) {
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    const char* out;
    const char* err;
  };
  const Case kCases[] = {
      {{}, kExitBadInput, "", "usage: upgradectl"},
      {{"help"}, kExitOk, "version", ""},
      {{"version"}, kExitOk, "upgradectl ", ""},
      {{"version", "x"}, kExitBadInput, "", "takes no arguments"},
      {{"--version", "x"}, kExitBadInput, "", "takes no arguments"},
      {{"help", "frobnicate"}, kExitBadInput, "", "no command 'frobnicate'"},
      {{"frobnicate"}, kExitBadInput, "", "unknown command 'frobnicate'"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.args.empty() ? "<none>" : c.args[0]);
    const Result r = RunCli(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code);
    EXPECT_THAT(r.out, HasSubstr(c.out));
    EXPECT_THAT(r.err, HasSubstr(c.err));
  }
}

// Issue 9: --help, -h and --version, and <command> --help / -h, print their
// text on stdout and exit 0 (all but fsm used to exit 2; `check --help` said
// "--help needs a value").
TEST(UpgradectlTest, HelpAndVersionExitZero) {
  struct Case {
    std::vector<std::string> args;
    std::string out;  // stdout starts with it
  };
  std::vector<Case> cases = {
      {{"--help"}, "usage: upgradectl <command>"},
      {{"-h"}, "usage: upgradectl <command>"},
      {{"help"}, "usage: upgradectl <command>"},
      {{"--version"}, absl::StrCat("upgradectl ", kVersion, " ")},
      {{"version"}, absl::StrCat("upgradectl ", kVersion, " ")},
      // --help wins wherever it is, even after a flag that wants a value.
      {{"check", "--format", "json", "--help"}, "usage: upgradectl check"},
      {{"check", "--values", "-h"}, "usage: upgradectl check"},
      {{"validate", "plan.yaml", "-h"}, "usage: upgradectl validate"},
  };
  for (const Command& c : Commands()) {
    const std::string want = absl::StrCat("usage: upgradectl ", c.name);
    cases.push_back({{c.name, "--help"}, want});
    cases.push_back({{c.name, "-h"}, want});
    cases.push_back({{"help", c.name}, want});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.args[0], c.args.size() > 1 ? " " : "",
                              c.args.size() > 1 ? c.args.back() : ""));
    const Result r = RunCli(c.args);
    EXPECT_EQ(r.exit_code, kExitOk);
    EXPECT_THAT(r.out, StartsWith(c.out));
    EXPECT_THAT(r.err, IsEmpty());
  }
}

// Issue 9: --version names the release and the plan schema; the strings come
// from one place (upgrade_core/version_info.h, plan::kPlanApiVersion). The
// release number is not repeated here (issue 17: defined once);
// tests/release_version_test checks it against the Python package and docs.
TEST(UpgradectlTest, VersionNamesReleaseAndPlanSchema) {
  const std::string want =
      absl::StrCat("upgradectl ", kVersion,
                   " (plan schema upgrade-core/v1, JSON output version 3)");
  EXPECT_EQ(VersionLine(), want);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--version"}, {"version"}}) {
    SCOPED_TRACE(args[0]);
    EXPECT_EQ(RunCli(args).out, want + "\n");
  }
}

// Issue 9: each command's usage lists every flag it accepts.
TEST(UpgradectlTest, UsageListsEveryFlag) {
  struct Case {
    const char* command;
    std::vector<const char*> flags;
  };
  const Case kCases[] = {
      {"help", {"COMMAND"}},
      {"version", {"--version", "-h, --help"}},
      {"validate",
       {"PLAN.yaml", "\"-\"", "--format text|json", "--no-config-check",
        "--allow-outside DIR", "-h, --help"}},
      {"plan",
       {"PLAN.yaml", "\"-\"", "--format text|json|dot|mermaid",
        "--mermaid gantt|flowchart", "--no-config-check", "--allow-outside DIR",
        "-h, --help"}},
      {"fsm",
       {"FILE.yaml", "\"-\"", "builtin:component", "builtin:plan",
        "--format text|json|mermaid|dot", "-h, --help"}},
      {"check",
       {"--old-defaults FILE", "--new-defaults FILE", "--values FILE",
        "--manifests FILE|DIR", "--kubernetes VERSION",
        "--rules FILE|builtin:NAME", "--format text|json|sarif",
        "--fail-on error|warning|info", "\"-\"", "-h, --help"}},
      {"simulate",
       {"PLAN.yaml", "\"-\"", "--seed N", "--format text|json", "-h, --help"}},
      {"run",
       {"PLAN.yaml", "--journal FILE", "--log-dir DIR", "--resume",
        "--assume succeeded|failed|rerun", "--force CODE", "--format text|json",
        "--workers N", "--no-config-check", "--allow-outside DIR",
        "-h, --help"}},
  };
  ASSERT_EQ(std::size(kCases), Commands().size());
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.command);
    const Result r = RunCli({c.command, "--help"});
    for (const char* flag : c.flags) EXPECT_THAT(r.out, HasSubstr(flag));
  }
}

// Issue 9: "-" as a file argument reads standard input; only one argument
// of a command may be "-".
TEST(UpgradectlTest, DashReadsStandardInput) {
  const std::string plan =
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: s}\n"
      "components:\n  - id: db\n  - id: api\n    dependsOn: [db]\n";
  const std::string values = "controller:\n  existingPsp: my-psp\n";
  const std::string ingress =
      "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: web}\n";
  const std::string machine =
      "name: m\ninitial: a\nterminal: [b]\nstates: [a, b]\n"
      "transitions:\n  - {from: a, event: go, to: b}\n";
  const std::string old_v = absl::StrCat(kExample, "values-4.11.8.yaml");
  const std::string new_v = absl::StrCat(kExample, "values-4.12.8.yaml");
  struct Case {
    const char* name;
    std::vector<std::string> args;
    std::string stdin_text;
    int exit_code;
    std::string out;
    std::string err;
  };
  const Case kCases[] = {
      {"validate -",
       {"validate", "-"},
       plan,
       kExitOk,
       "<stdin>: OK (2 components)",
       ""},
      {"plan -",
       {"plan", "-", "--format", "json"},
       plan,
       kExitOk,
       R"("name":"s")",
       ""},
      {"plan -, schema problem located in <stdin>",
       {"plan", "-"},
       plan + "    dependOn: [x]\n",
       kExitBadInput,
       "",
       "<stdin>:8:5: error: components[1].dependOn: unknown field"},
      {"check --values -",
       {"check", "--old-defaults", old_v, "--new-defaults", new_v, "--values",
        "-"},
       values,
       kExitFindings,
       "<stdin>:2:3: error: controller.existingPsp: your override",
       ""},
      {"check --old-defaults -",
       {"check", "--old-defaults", "-", "--new-defaults", new_v},
       "controller: {}\n",
       kExitOk,
       "error(s)",
       ""},
      {"check --manifests -",
       {"check", "--manifests", "-", "--kubernetes", "1.22.0"},
       ingress + "---\n" + ingress,
       kExitFindings,
       "<stdin>:5:13: error: apiVersion: extensions/v1beta1 Ingress",
       ""},
      {"fsm -", {"fsm", "-"}, machine, kExitOk, "m: 2 states", ""},
      {"two stdin arguments",
       {"check", "--old-defaults", "-", "--new-defaults", "-"},
       "",
       kExitBadInput,
       "",
       "only one argument may be \"-\""},
      {"stdin values and stdin manifests",
       {"check", "--old-defaults", old_v, "--new-defaults", new_v, "--values",
        "-", "--manifests", "-"},
       "",
       kExitBadInput,
       "",
       "only one argument may be \"-\""},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const Result r = RunCli(c.args, c.stdin_text);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.out << r.err;
    EXPECT_THAT(r.out, HasSubstr(c.out));
    EXPECT_THAT(r.err, HasSubstr(c.err));
  }
}

// Issue 9: with --format json, input that cannot be loaded gives the
// diagnostics document on stdout (severity error, code, message, location)
// and exit code 2, for every command with JSON output.
TEST(UpgradectlTest, JsonInputErrorIsADiagnosticsDocument) {
  const std::string broken = TempFile("broken.yaml", "a: [1,\n");
  const std::string multi = TempFile("multi.yaml", "a: 1\n---\nb: 2\n");
  const std::string invalid_plan =
      TempFile("invalid-plan.yaml",
               "apiVersion: upgrade-core/v1\nkind: UpgradePlan\ncomponents:\n"
               "  - id: a\n    kind: Daemonset\n");
  const std::string bad_machine =
      TempFile("bad-machine.yaml",
               "initial: a\nstates: [a]\ntransitions:\n"
               "  - {from: a, event: go, to: nowhere}\n");
  const std::string missing = "/nonexistent/plan.yaml";
  const std::string old_v = absl::StrCat(kExample, "values-4.11.8.yaml");
  struct Case {
    const char* name;
    std::vector<std::string> args;
    std::vector<std::string> out;  // substrings of the one-line document
  };
  auto where = [](const std::string& file, int line, int column) {
    return absl::StrCat(R"("location":{"file":")", file, R"(","line":)", line,
                        R"(,"column":)", column, "}}");
  };
  const Case kCases[] = {
      {"validate, missing file",
       {"validate", missing, "--format", "json"},
       {R"("code":"input.unreadable","message":"cannot open)",
        where(missing, 0, 0)}},
      {"validate, YAML syntax error",
       {"validate", broken, "--format=json"},
       {R"("code":"yaml.syntax")", where(broken, 2, 1)}},
      {"validate, invalid plan",
       {"validate", invalid_plan, "--format=json"},
       {R"("code":"schema.enum")", R"("path":"components[0].kind")",
        where(invalid_plan, 5, 11)}},
      {"plan, missing file",
       {"plan", missing, "--format", "json"},
       {R"("code":"input.unreadable")", where(missing, 0, 0)}},
      {"plan, invalid plan",
       {"plan", invalid_plan, "--format", "json"},
       {R"("code":"schema.enum")", where(invalid_plan, 5, 11)}},
      {"check, missing values file",
       {"check", "--old-defaults", old_v, "--new-defaults", missing, "--format",
        "json"},
       {R"("code":"input.unreadable")", where(missing, 0, 0)}},
      {"check, YAML syntax error",
       {"check", "--manifests", broken, "--format", "json"},
       {R"("code":"yaml.syntax","message":"invalid YAML)",
        where(broken, 2, 1)}},
      // Issue 9: the multi-document error speaks to CLI users, not C++ ones.
      {"check, two documents in a values file",
       {"check", "--old-defaults", multi, "--new-defaults", old_v, "--format",
        "json"},
       {R"("code":"yaml.syntax","message":"expected one YAML document but )"
        R"j(found another (`---`)")j",
        where(multi, 2, 1)}},
      {"check, bad rule pack",
       {"check", "--manifests", broken, "--rules", "builtin:nope", "--format",
        "json"},
       {R"("code":"rules.invalid","message":"no built-in rule pack 'nope')",
        where("", 0, 0)}},
      {"check, bad Kubernetes version",
       {"check", "--manifests", multi, "--kubernetes", "x.y", "--format",
        "json"},
       {R"("code":"input.invalid")"}},
      {"fsm, invalid definition",
       {"fsm", bad_machine, "--format", "json"},
       {R"("code":"fsm.invalid-definition","message":"unknown state 'nowhere')",
        where(bad_machine, 4, 5)}},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    const Result r = RunCli(c.args);
    EXPECT_EQ(r.exit_code, kExitBadInput) << r.out << r.err;
    EXPECT_THAT(r.out,
                StartsWith(R"({"version":3,"ok":false,"summary":{"error":)"));
    EXPECT_THAT(r.out, HasSubstr(R"("diagnostics":[{"severity":"error",)"));
    for (const std::string& want : c.out) EXPECT_THAT(r.out, HasSubstr(want));
    EXPECT_THAT(r.out, Not(HasSubstr("FromYamlStream")));
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    EXPECT_THAT(r.err, IsEmpty());
  }
}

}  // namespace
}  // namespace upgrade_core::cli
