// `upgradectl validate PLAN` and `upgradectl plan PLAN --format ...`: thin
// shims over upgrade_core/plan (Plan::FromFile, CheckPlan, CompilePlan).
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/upgradectl/command.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"

namespace upgrade_core::cli {
namespace {

struct PlanArgs {
  std::string plan_path;
  std::string format = "text";
  std::string mermaid = "gantt";
  bool no_config = false;
};

// Parses `PLAN [--format F] [--mermaid gantt|flowchart] [--no-config-check]`;
// returns false (after printing why) on bad flags.
bool ParseArgs(const char* command, const std::vector<std::string>& args,
               const std::vector<std::string>& formats, PlanArgs& out,
               std::ostream& err) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](absl::string_view flag, std::string* dst) {
      if (a == flag) {
        if (i + 1 >= args.size()) {
          err << "upgradectl " << command << ": " << flag << " needs a value\n";
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
    } else if (absl::StartsWith(a, "-")) {
      err << "upgradectl " << command << ": unknown flag " << a << "\n";
      return false;
    } else if (out.plan_path.empty()) {
      out.plan_path = a;
    } else {
      err << "upgradectl " << command << ": one plan file only (got "
          << out.plan_path << " and " << a << ")\n";
      return false;
    }
  }
  if (out.plan_path.empty()) {
    err << "usage: upgradectl " << command << " PLAN.yaml [--format "
        << absl::StrJoin(formats, "|") << "]\n";
    return false;
  }
  bool known = false;
  for (const std::string& f : formats) known |= f == out.format;
  if (!known) {
    err << "upgradectl " << command << ": unknown --format " << out.format
        << " (one of " << absl::StrJoin(formats, ", ") << ")\n";
    return false;
  }
  if (out.mermaid != "gantt" && out.mermaid != "flowchart") {
    err << "upgradectl " << command
        << ": --mermaid must be gantt or flowchart\n";
    return false;
  }
  return true;
}

void PrintProblems(const std::vector<proto::Problem>& problems,
                   std::ostream& out) {
  for (const proto::Problem& p : problems)
    out << plan::FormatProblem(p) << "\n";
}

std::string ProblemsJson(const std::vector<proto::Problem>& problems, bool ok) {
  auto quote = [](absl::string_view s) {
    std::string q = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') q.push_back('\\');
      if (c == '\n') {
        q += "\\n";
        continue;
      }
      q.push_back(c);
    }
    return q + "\"";
  };
  std::string out =
      absl::StrCat("{\"ok\":", ok ? "true" : "false", ",\"problems\":[");
  for (size_t i = 0; i < problems.size(); ++i) {
    const proto::Problem& p = problems[i];
    absl::StrAppend(
        &out, i ? "," : "",
        "{\"severity\":", quote(plan::SeverityName(p.severity())),
        ",\"code\":", quote(p.code()), ",\"component\":", quote(p.component()),
        ",\"path\":", quote(p.path()), ",\"message\":", quote(p.message()),
        ",\"hint\":", quote(p.hint()), ",\"file\":", quote(p.location().file()),
        ",\"line\":", p.location().line(),
        ",\"column\":", p.location().column(), "}");
  }
  return out + "]}\n";
}

// Loads the plan; on failure prints every problem and returns nullopt.
std::optional<plan::Plan> LoadPlan(const char* command, const PlanArgs& args,
                                   std::ostream& out, std::ostream& err) {
  absl::StatusOr<plan::Plan> plan = plan::Plan::FromFile(args.plan_path);
  if (plan.ok()) return *std::move(plan);
  const std::vector<proto::Problem> problems =
      plan::ProblemsFromStatus(plan.status());
  if (args.format == "json" && !problems.empty()) {
    out << ProblemsJson(problems, false);
  } else {
    err << "upgradectl " << command << ": " << plan.status().message() << "\n";
  }
  return std::nullopt;
}

}  // namespace

int RunValidateCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err) {
  PlanArgs parsed;
  if (!ParseArgs("validate", args, {"text", "json"}, parsed, err))
    return kExitBadInput;
  std::optional<plan::Plan> plan = LoadPlan("validate", parsed, out, err);
  if (!plan) return kExitBadInput;
  plan::PlannerOptions options;
  options.check_config = !parsed.no_config;
  const std::vector<proto::Problem> problems = plan::CheckPlan(*plan, options);
  const bool ok = !plan::HasErrors(problems);
  if (parsed.format == "json") {
    out << ProblemsJson(problems, ok);
  } else {
    PrintProblems(problems, out);
    int errors = 0, warnings = 0, infos = 0;
    for (const proto::Problem& p : problems) {
      errors += p.severity() == proto::ERROR;
      warnings += p.severity() == proto::WARNING;
      infos += p.severity() == proto::INFO;
    }
    if (ok) {
      out << parsed.plan_path << ": OK (" << plan->components().size()
          << " components"
          << (warnings ? absl::StrCat(", ", warnings,
                                      warnings == 1 ? " warning" : " warnings")
                       : "")
          << (infos ? absl::StrCat(", ", infos, infos == 1 ? " note" : " notes")
                    : "")
          << ")\n";
    } else {
      out << parsed.plan_path << ": " << errors
          << (errors == 1 ? " error" : " errors") << ", the plan is unsafe\n";
    }
  }
  return ok ? kExitOk : kExitFindings;
}

int RunPlanCommand(const std::vector<std::string>& args, std::ostream& out,
                   std::ostream& err) {
  PlanArgs parsed;
  if (!ParseArgs("plan", args, {"text", "json", "dot", "mermaid"}, parsed,
                 err)) {
    return kExitBadInput;
  }
  std::optional<plan::Plan> plan = LoadPlan("plan", parsed, out, err);
  if (!plan) return kExitBadInput;
  plan::PlannerOptions options;
  options.check_config = !parsed.no_config;
  absl::StatusOr<plan::ExecutionPlan> compiled =
      plan::CompilePlan(*plan, options);
  if (!compiled.ok()) {
    const std::vector<proto::Problem> problems =
        plan::ProblemsFromStatus(compiled.status());
    if (parsed.format == "json") {
      out << ProblemsJson(problems, false);
    } else {
      err << "upgradectl plan: " << compiled.status().message() << "\n";
    }
    return problems.empty() ? kExitBadInput : kExitFindings;
  }
  if (parsed.format == "json") {
    out << compiled->ToJson();
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
