// `upgradectl validate PLAN` and `upgradectl plan PLAN --format ...`: thin
// shims over upgrade_core/plan (Plan::FromFile, CheckPlan, CompilePlan).
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/upgradectl/command.h"
#include "upgrade_core/compat/rule_help.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"

namespace upgrade_core::cli {

extern const char kValidateUsage[] =
    "usage: upgradectl validate PLAN.yaml [--format text|json|sarif] "
    "[--no-config-check]\n"
    "                           [--allow-outside DIR]...\n"
    "\n"
    "Checks an UpgradePlan: the schema, then every safety check\n"
    "(docs/plan-reference.md).\n"
    "\n"
    "  PLAN.yaml            the plan; \"-\" reads it from standard input\n"
    "                       (relative config files then resolve against the\n"
    "                       current directory)\n"
    "  --format text|json|sarif\n"
    "                       output (default text); json prints the\n"
    "                       diagnostics document on stdout, also for an\n"
    "                       unreadable or invalid plan; sarif a SARIF 2.1.0\n"
    "                       log for code-scanning UIs\n"
    "  --no-config-check    skip the chart values checks of the components'\n"
    "                       config files\n"
    "  --allow-outside DIR  config files may also be read from DIR\n"
    "                       (repeatable); by default only files inside the\n"
    "                       plan's directory are read\n"
    "  -h, --help           show this help\n"
    "\n"
    "exit codes: 0 safe (warnings and notes are printed), 1 errors found,\n"
    "            2 bad input (unreadable or invalid plan, bad flag)\n";

extern const char kPlanUsage[] =
    "usage: upgradectl plan PLAN.yaml [--format text|json|dot|mermaid|sarif]\n"
    "                       [--mermaid gantt|flowchart] [--no-config-check]\n"
    "                       [--allow-outside DIR]...\n"
    "\n"
    "Compiles an UpgradePlan into its execution plan: waves, steps, rollback\n"
    "steps (docs/plan-reference.md).\n"
    "\n"
    "  PLAN.yaml                  the plan; \"-\" reads it from standard "
    "input\n"
    "  --format text|json|dot|mermaid|sarif\n"
    "                             output (default text); json is the\n"
    "                             execution plan, or the diagnostics document\n"
    "                             when the plan is unsafe or cannot be read;\n"
    "                             sarif the plan's diagnostics (its errors\n"
    "                             when unsafe) as a SARIF 2.1.0 log\n"
    "  --mermaid gantt|flowchart  with --format mermaid: the waves as a gantt\n"
    "                             chart (default) or the components as a\n"
    "                             flowchart; diagrams draw execution order\n"
    "                             (dependency -> dependent)\n"
    "  --no-config-check          skip the chart values checks of the\n"
    "                             components' config files\n"
    "  --allow-outside DIR        config files may also be read from DIR\n"
    "                             (repeatable); by default only files\n"
    "                             inside the plan's directory are read\n"
    "  -h, --help                 show this help\n"
    "\n"
    "exit codes: 0 compiled, 1 the plan is unsafe, 2 bad input\n";

namespace {

struct PlanArgs {
  std::string plan_path;
  std::string format = "text";
  std::string mermaid = "gantt";
  bool no_config = false;
  std::vector<std::string> allow_outside;
};

// Parses `PLAN [--format F] [--mermaid gantt|flowchart] [--no-config-check]
// [--allow-outside DIR]...`; returns false (after printing why) on bad flags.
bool ParseArgs(const char* command, const std::vector<std::string>& args,
               const std::vector<std::string>& formats, PlanArgs& out,
               std::ostream& err) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](absl::string_view flag, std::string* dst) {
      if (a == flag) {
        if (i + 1 >= args.size()) {
          UsageError(command, absl::StrCat(flag, " needs a value"), err);
          return false;
        }
        *dst = args[++i];
        return true;
      }
      *dst = a.substr(flag.size() + 1);
      return true;
    };
    if (a == "--format" || absl::StartsWith(a, "--format=")) {
      if (!value("--format", &out.format)) return false;
    } else if (a == "--mermaid" || absl::StartsWith(a, "--mermaid=")) {
      if (!value("--mermaid", &out.mermaid)) return false;
    } else if (a == "--no-config-check") {
      out.no_config = true;
    } else if (a == "--allow-outside" ||
               absl::StartsWith(a, "--allow-outside=")) {
      std::string dir;
      if (!value("--allow-outside", &dir)) return false;
      if (dir.empty()) {
        UsageError(command, "--allow-outside needs a directory", err);
        return false;
      }
      out.allow_outside.push_back(dir);
    } else if (absl::StartsWith(a, "-") && a != "-") {
      UsageError(command, absl::StrCat("unknown flag ", a), err);
      return false;
    } else if (out.plan_path.empty()) {
      out.plan_path = a;
    } else {
      UsageError(command,
                 absl::StrCat("one plan file only (got ", out.plan_path,
                              " and ", a, ")"),
                 err);
      return false;
    }
  }
  if (out.plan_path.empty()) {
    UsageError(command, "no plan file given (PLAN.yaml, or - for stdin)", err);
    return false;
  }
  bool known = false;
  for (const std::string& f : formats) known |= f == out.format;
  if (!known) {
    UsageError(command,
               absl::StrCat("unknown --format ", out.format, " (one of ",
                            absl::StrJoin(formats, ", "), ")"),
               err);
    return false;
  }
  if (out.mermaid != "gantt" && out.mermaid != "flowchart") {
    UsageError(command, "--mermaid must be gantt or flowchart", err);
    return false;
  }
  return true;
}

// The plan's diagnostics as a SARIF 2.1.0 log, with each rule's help.
std::string Sarif(const std::vector<diag::Diagnostic>& problems) {
  diag::Report report;
  report.findings = problems;
  return report.ToSarif(compat::RuleHelp);
}

void PrintProblems(const std::vector<diag::Diagnostic>& problems,
                   std::ostream& out) {
  for (const diag::Diagnostic& p : problems)
    out << diag::FormatDiagnostic(p) << "\n";
}

// Loads the plan ("-": standard input); on failure prints every problem (as
// the diagnostics JSON document on stdout with --format json) and returns
// nullopt.
std::optional<plan::Plan> LoadPlan(const char* command, const PlanArgs& args,
                                   std::ostream& out, std::ostream& err) {
  plan::LoadOptions options;
  options.allowed_dirs = args.allow_outside;
  absl::StatusOr<plan::Plan> plan =
      plan::Plan::FromFile(args.plan_path, options);
  if (plan.ok()) return *std::move(plan);
  const std::vector<diag::Diagnostic> problems =
      plan::ProblemsFromStatus(plan.status());
  if (args.format == "json") {
    out << (problems.empty() ? InputErrorJson(plan.status(), args.plan_path)
                             : diag::DiagnosticsJson(problems, false) + "\n");
  } else {
    err << "upgradectl " << command << ": " << plan.status().message() << "\n";
  }
  return std::nullopt;
}

}  // namespace

int RunValidateCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err) {
  PlanArgs parsed;
  if (!ParseArgs("validate", args, {"text", "json", "sarif"}, parsed, err))
    return kExitBadInput;
  std::optional<plan::Plan> plan = LoadPlan("validate", parsed, out, err);
  if (!plan) return kExitBadInput;
  plan::PlannerOptions options;
  options.check_config = !parsed.no_config;
  const std::vector<diag::Diagnostic> problems =
      plan::CheckPlan(*plan, options);
  const bool ok = !plan::HasErrors(problems);
  if (parsed.format == "json") {
    out << diag::DiagnosticsJson(problems, ok) << "\n";
  } else if (parsed.format == "sarif") {
    out << Sarif(problems) << "\n";
  } else {
    PrintProblems(problems, out);
    int errors = 0, warnings = 0, infos = 0;
    for (const diag::Diagnostic& p : problems) {
      errors += p.severity == diag::Severity::kError;
      warnings += p.severity == diag::Severity::kWarning;
      infos += p.severity == diag::Severity::kInfo;
    }
    const std::string name =
        parsed.plan_path == "-" ? "<stdin>" : parsed.plan_path;
    if (ok) {
      out << name << ": OK (" << plan->components().size() << " components"
          << (warnings ? absl::StrCat(", ", warnings,
                                      warnings == 1 ? " warning" : " warnings")
                       : "")
          << (infos ? absl::StrCat(", ", infos, infos == 1 ? " note" : " notes")
                    : "")
          << ")\n";
    } else {
      out << name << ": " << errors << (errors == 1 ? " error" : " errors")
          << ", the plan is unsafe\n";
    }
  }
  return ok ? kExitOk : kExitFindings;
}

int RunPlanCommand(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err) {
  PlanArgs parsed;
  if (!ParseArgs("plan", args, {"text", "json", "dot", "mermaid", "sarif"},
                 parsed, err)) {
    return kExitBadInput;
  }
  std::optional<plan::Plan> plan = LoadPlan("plan", parsed, out, err);
  if (!plan) return kExitBadInput;
  plan::PlannerOptions options;
  options.check_config = !parsed.no_config;
  absl::StatusOr<plan::ExecutionPlan> compiled =
      plan::CompilePlan(*plan, options);
  if (!compiled.ok()) {
    const std::vector<diag::Diagnostic> problems =
        plan::ProblemsFromStatus(compiled.status());
    if (parsed.format == "json") {
      out << (problems.empty() ? InputErrorJson(compiled.status(), "")
                               : diag::DiagnosticsJson(problems, false) + "\n");
    } else if (parsed.format == "sarif" && !problems.empty()) {
      out << Sarif(problems) << "\n";
    } else {
      err << "upgradectl plan: " << compiled.status().message() << "\n";
    }
    return problems.empty() ? kExitBadInput : kExitFindings;
  }
  if (parsed.format == "json") {
    out << compiled->ToJson();
  } else if (parsed.format == "sarif") {
    out << Sarif(compiled->warnings()) << "\n";
  } else if (parsed.format == "dot") {
    out << compiled->ToDot();
  } else if (parsed.format == "mermaid") {
    out << (parsed.mermaid == "flowchart" ? compiled->ToMermaidFlowchart()
                                          : compiled->ToMermaidGantt());
  } else {
    out << compiled->ToText();
  }
  return kExitOk;
}

}  // namespace upgrade_core::cli
