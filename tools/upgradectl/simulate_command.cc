// `upgradectl simulate PLAN [--seed N | --runs N] [--compare OTHER]
// [--svg FILE] [--format text|json|mermaid]`: runs the plan through the
// real orchestrator against a modelled cluster (upgrade_core/sim,
// docs/simulate.md) and says what would happen: one run, many seeds, or two
// plans side by side.
#include <cstdint>
#include <fstream>
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
#include "upgrade_core/sim/cluster_loader.h"
#include "upgrade_core/sim/many.h"
#include "upgrade_core/sim/render.h"
#include "upgrade_core/sim/simulator.h"

namespace upgrade_core::cli {

extern const char kSimulateUsage[] =
    "usage: upgradectl simulate PLAN.yaml [--cluster CLUSTER.yaml]\n"
    "                           [--seed N | --runs N]\n"
    "                           [--compare OTHER.yaml] [--svg FILE]\n"
    "                           [--format text|json|mermaid]\n"
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
    "  --cluster CLUSTER.yaml\n"
    "                    the cluster, step durations and faults to simulate\n"
    "                    (kind: Cluster, docs/simulate.md#cluster-files);\n"
    "                    default: the nodes and replicas the plan names,\n"
    "                    fixed durations, no faults\n"
    "  --seed N          seeds the random durations and faults (default 0);\n"
    "                    the same seed gives the same output, byte for byte;\n"
    "                    with --runs, the first seed\n"
    "  --runs N          N runs, seeds N..N+runs-1 (on every core): the\n"
    "                    percentiles of the duration and of each service's\n"
    "                    time below its floor, and how many runs succeeded,\n"
    "                    got stuck or rolled back\n"
    "  --compare OTHER.yaml\n"
    "                    also simulates OTHER on the same seeds, side by side\n"
    "  --svg FILE        writes the run's ready endpoints per service as an\n"
    "                    SVG chart (one run only)\n"
    "  --format text|json|mermaid\n"
    "                    output (default text); mermaid: the run's steps as\n"
    "                    a Mermaid gantt chart (one run only)\n"
    "  -h, --help        show this help\n"
    "\n"
    "exit codes: 0 the plan succeeded, every availability floor held and\n"
    "nothing got stuck (with --runs: in every run; with --compare: the first\n"
    "plan, in every run, whatever the other does); 1 otherwise; 2 bad input\n"
    "(unreadable or invalid plan, a plan with dependency errors, a bad flag,\n"
    "an SVG file that cannot be written)\n";

namespace {

struct Loaded {
  plan::ExecutionPlan plan;
  std::vector<diag::Diagnostic> errors;  // the plan's failed checks
};

// Loads and compiles `path`; nullopt after printing the error.
std::optional<Loaded> LoadPlan(const std::string& path, bool json,
                               std::ostream& out, std::ostream& err) {
  absl::StatusOr<plan::Plan> plan = plan::Plan::FromFile(path);
  if (!plan.ok()) {
    if (json) {
      out << InputErrorJson(plan.status(), path);
    } else {
      err << "upgradectl simulate: " << plan.status().message() << "\n";
    }
    return std::nullopt;
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
    return std::nullopt;
  }
  Loaded l{*std::move(compiled), {}};
  for (const diag::Diagnostic& d : l.plan.warnings()) {
    if (d.severity == diag::Severity::kError) l.errors.push_back(d);
  }
  return l;
}

void PrintErrors(const Loaded& l, absl::string_view which, std::ostream& out) {
  if (l.errors.empty()) return;
  out << which << "the plan's checks fail (simulated anyway, to show what "
      << "the errors do):\n";
  for (const diag::Diagnostic& d : l.errors) {
    out << "  " << diag::FormatDiagnostic(d) << "\n";
  }
}

}  // namespace

int RunSimulateCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err) {
  std::string path, format = "text", seed_text = "0", runs_text, other, svg,
                    cluster_path;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string* dst = nullptr;
    absl::string_view flag;
    for (auto [name, target] :
         {std::pair<absl::string_view, std::string*>{"--seed", &seed_text},
          {"--format", &format},
          {"--runs", &runs_text},
          {"--compare", &other},
          {"--svg", &svg},
          {"--cluster", &cluster_path}}) {
      if (a == name || absl::StartsWith(a, absl::StrCat(name, "="))) {
        dst = target;
        flag = name;
      }
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
      if (dst->empty()) {
        return UsageError("simulate", absl::StrCat(flag, " needs a value"),
                          err);
      }
    } else if (absl::StartsWith(a, "-") && a != "-") {
      return UsageError("simulate", absl::StrCat("unknown flag ", a), err);
    } else if (path.empty()) {
      path = a;
    } else {
      return UsageError(
          "simulate",
          absl::StrCat("one plan file only (got ", path, " and ", a,
                       "; a second plan goes after --compare)"),
          err);
    }
  }
  if (path.empty()) {
    return UsageError("simulate",
                      "no plan file given (PLAN.yaml, or - for stdin)", err);
  }
  if (format != "text" && format != "json" && format != "mermaid") {
    return UsageError("simulate",
                      absl::StrCat("unknown --format ", format,
                                   " (one of text, json, mermaid)"),
                      err);
  }
  uint64_t seed = 0;
  if (!absl::SimpleAtoi(seed_text, &seed)) {
    return UsageError("simulate",
                      absl::StrCat("--seed must be a non-negative integer, got "
                                   "\"",
                                   seed_text, "\""),
                      err);
  }
  int64_t runs = 1;
  if (!runs_text.empty() &&
      (!absl::SimpleAtoi(runs_text, &runs) || runs < 1 || runs > 1000000)) {
    return UsageError("simulate",
                      absl::StrCat("--runs must be an integer from 1 to "
                                   "1000000, got \"",
                                   runs_text, "\""),
                      err);
  }
  const bool many = !runs_text.empty() || !other.empty();
  if (many && format == "mermaid") {
    return UsageError("simulate",
                      "--format mermaid draws one run; it does not go with "
                      "--runs or --compare",
                      err);
  }
  if (many && !svg.empty()) {
    return UsageError("simulate",
                      "--svg draws one run; it does not go with --runs or "
                      "--compare",
                      err);
  }
  if (!other.empty() && !AtMostOneStdin("simulate", {path, other}, err)) {
    return kExitBadInput;
  }
  const bool json = format == "json";
  std::optional<Loaded> a = LoadPlan(path, json, out, err);
  if (!a.has_value()) return kExitBadInput;
  sim::Cluster cluster;
  sim::SimOptions sim_options;
  if (!cluster_path.empty()) {
    absl::StatusOr<sim::ClusterSpec> spec =
        sim::LoadCluster(cluster_path, &a->plan);
    if (!spec.ok()) {
      err << "upgradectl simulate: " << spec.status().message() << "\n";
      return kExitBadInput;
    }
    cluster = std::move(spec->cluster);
    sim_options = std::move(spec->options);
  }
  sim_options.seed = seed;

  if (!other.empty()) {
    std::optional<Loaded> b = LoadPlan(other, json, out, err);
    if (!b.has_value()) return kExitBadInput;
    absl::StatusOr<sim::Comparison> c = sim::Compare(
        a->plan, b->plan, cluster, sim_options, sim::SeedRange{seed, runs});
    if (!c.ok()) {
      err << "upgradectl simulate: " << c.status().message() << "\n";
      return kExitBadInput;
    }
    if (json) {
      out << c->ToJson();
    } else {
      PrintErrors(*a, absl::StrCat(path, ": "), out);
      PrintErrors(*b, absl::StrCat(other, ": "), out);
      out << c->ToText();
    }
    return c->a.AllHealthy() ? kExitOk : kExitFindings;
  }

  if (many) {
    absl::StatusOr<sim::ManyResult> m = sim::SimulateMany(
        a->plan, cluster, sim_options, sim::SeedRange{seed, runs});
    if (!m.ok()) {
      err << "upgradectl simulate: " << m.status().message() << "\n";
      return kExitBadInput;
    }
    if (json) {
      out << m->ToJson() << "\n";
    } else {
      PrintErrors(*a, "", out);
      out << m->ToText();
    }
    return m->AllHealthy() ? kExitOk : kExitFindings;
  }

  absl::StatusOr<sim::SimResult> result =
      sim::Simulate(a->plan, cluster, sim_options);
  if (!result.ok()) {
    err << "upgradectl simulate: " << result.status().message() << "\n";
    return kExitBadInput;
  }
  if (!svg.empty()) {
    std::ofstream file(svg, std::ios::binary | std::ios::trunc);
    file << sim::RenderReadinessSvg(*result);
    file.close();
    if (!file) {
      err << "upgradectl simulate: cannot write the SVG chart to " << svg
          << " (expected a writable file path)\n";
      return kExitBadInput;
    }
  }
  if (json) {
    out << result->ToJson();
  } else if (format == "mermaid") {
    out << sim::RenderMermaidGantt(*result);
  } else {
    PrintErrors(*a, "", out);
    out << result->ToText();
  }
  return result->Healthy() ? kExitOk : kExitFindings;
}

}  // namespace upgrade_core::cli
