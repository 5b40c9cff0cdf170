// `upgradectl simulate PLAN [--seed N] [--format text|json]`: runs the plan
// through the real orchestrator against a modelled cluster
// (upgrade_core/sim, docs/simulate.md) and says what would happen.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/upgradectl/command.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"
#include "upgrade_core/sim/simulator.h"

namespace upgrade_core::cli {

extern const char kSimulateUsage[] =
    "usage: upgradectl simulate PLAN.yaml [--seed N] [--format text|json]\n"
    "\n"
    "Runs the plan through the orchestrator against a modelled cluster (the\n"
    "nodes and replicas the plan names) in simulated time, and reports what\n"
    "would happen: the timeline, each service's ready endpoints and the time\n"
    "below its availability floor, host-port conflicts, webhook rejections,\n"
    "the final outcome, or why the rollout is stuck (docs/simulate.md).\n"
    "A plan whose checks fail is simulated anyway (its errors are listed\n"
    "first): the simulation shows what the errors would do. Config files\n"
    "are not read.\n"
    "\n"
    "  PLAN.yaml         the plan; \"-\" reads it from standard input\n"
    "  --seed N          seeds the random durations and faults (default 0);\n"
    "                    the same seed gives the same output, byte for byte\n"
    "  --format text|json\n"
    "                    output (default text)\n"
    "  -h, --help        show this help\n"
    "\n"
    "exit codes: 0 the plan succeeded, every availability floor held and\n"
    "nothing got stuck; 1 otherwise; 2 bad input (unreadable or invalid\n"
    "plan, a plan with dependency errors, a bad flag)\n";

int RunSimulateCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err) {
  std::string path, format = "text", seed_text = "0";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string* dst = nullptr;
    absl::string_view flag;
    if (a == "--seed" || absl::StartsWith(a, "--seed=")) {
      dst = &seed_text;
      flag = "--seed";
    } else if (a == "--format" || absl::StartsWith(a, "--format=")) {
      dst = &format;
      flag = "--format";
    }
    if (dst != nullptr) {
      if (a == flag) {
        if (i + 1 >= args.size()) {
          return UsageError("simulate", absl::StrCat(flag, " needs a value"),
                            err);
        }
        *dst = args[++i];
      } else {
        *dst = a.substr(flag.size() + 1);
      }
    } else if (absl::StartsWith(a, "-") && a != "-") {
      return UsageError("simulate", absl::StrCat("unknown flag ", a), err);
    } else if (path.empty()) {
      path = a;
    } else {
      return UsageError(
          "simulate",
          absl::StrCat("one plan file only (got ", path, " and ", a, ")"), err);
    }
  }
  if (path.empty()) {
    return UsageError("simulate",
                      "no plan file given (PLAN.yaml, or - for stdin)", err);
  }
  if (format != "text" && format != "json") {
    return UsageError(
        "simulate",
        absl::StrCat("unknown --format ", format, " (one of text, json)"), err);
  }
  uint64_t seed = 0;
  if (!absl::SimpleAtoi(seed_text, &seed)) {
    return UsageError("simulate",
                      absl::StrCat("--seed must be a non-negative integer, got "
                                   "\"",
                                   seed_text, "\""),
                      err);
  }

  absl::StatusOr<plan::Plan> plan = plan::Plan::FromFile(path);
  if (!plan.ok()) {
    if (format == "json") {
      out << InputErrorJson(plan.status(), path);
    } else {
      err << "upgradectl simulate: " << plan.status().message() << "\n";
    }
    return kExitBadInput;
  }
  plan::PlannerOptions options;
  options.check_config = false;
  // Simulation only: an unsafe plan is compiled so that its run can be
  // shown. It is never executed.
  options.compile_despite_errors = true;
  absl::StatusOr<plan::ExecutionPlan> compiled =
      plan::CompilePlan(*plan, options);
  if (!compiled.ok()) {
    err << "upgradectl simulate: " << compiled.status().message() << "\n";
    return kExitBadInput;
  }
  sim::SimOptions sim_options;
  sim_options.seed = seed;
  absl::StatusOr<sim::SimResult> result =
      sim::Simulate(*compiled, {}, sim_options);
  if (!result.ok()) {
    err << "upgradectl simulate: " << result.status().message() << "\n";
    return kExitBadInput;
  }
  if (format == "json") {
    out << result->ToJson();
  } else {
    int errors = 0;
    for (const diag::Diagnostic& d : compiled->warnings()) {
      if (d.severity != diag::Severity::kError) continue;
      if (errors++ == 0) {
        out << "the plan's checks fail (simulated anyway, to show what the "
               "errors do):\n";
      }
      out << "  " << diag::FormatDiagnostic(d) << "\n";
    }
    out << result->ToText();
  }
  return result->Healthy() ? kExitOk : kExitFindings;
}

}  // namespace upgrade_core::cli
