// Fuzz target: UpgradePlan loading and the Planner
// (upgrade_core/plan/plan.h, planner.h).
//
// The input is a plan's YAML. Plan::FromYaml loads it; what loads is checked
// (CheckPlan) and compiled (CompilePlan) with check_config off, so that a
// fuzzed plan never makes the planner open files named in it.
//
// Properties:
//   * a failed load is InvalidArgument and carries its problems as a
//     ProblemList payload (plan.h);
//   * a loaded plan's proto passes Plan::FromProto (the same structural
//     checks);
//   * CompilePlan succeeds iff CheckPlan reports no error; when it fails,
//     it is InvalidArgument with the errors as payload;
//   * compiling is deterministic: twice gives byte-identical JSON, and
//     every rendering (text, JSON, DOT, Mermaid) works.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"

namespace {

using upgrade_core::plan::CheckPlan;
using upgrade_core::plan::CompilePlan;
using upgrade_core::plan::ExecutionPlan;
using upgrade_core::plan::HasErrors;
using upgrade_core::plan::Plan;
using upgrade_core::plan::PlannerOptions;
using upgrade_core::plan::ProblemsFromStatus;

std::string Describe(const std::vector<upgrade_core::diag::Diagnostic>& ps) {
  std::string out;
  for (const auto& p : ps) {
    absl::StrAppend(&out, "\n    ", upgrade_core::diag::FormatDiagnostic(p));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  upgrade_core::fuzz::CurrentInput() = input;
  upgrade_core::plan::LoadOptions load;
  load.source_name = "plan.yaml";
  absl::StatusOr<Plan> plan = Plan::FromYaml(input, load);
  if (!plan.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(plan.status()),
               absl::StrCat("load failed with ", plan.status().ToString()));
    FUZZ_CHECK(!ProblemsFromStatus(plan.status()).empty(),
               absl::StrCat("load failed without a problem payload: ",
                            plan.status().ToString()));
    return 0;
  }
  absl::StatusOr<Plan> from_proto = Plan::FromProto(plan->proto());
  FUZZ_CHECK(from_proto.ok(), absl::StrCat("FromYaml loaded, FromProto of "
                                           "its proto failed: ",
                                           from_proto.status().ToString()));

  PlannerOptions options;
  options.check_config = false;
  std::vector<upgrade_core::diag::Diagnostic> problems =
      CheckPlan(*plan, options);
  for (const auto& p : problems) (void)upgrade_core::diag::FormatDiagnostic(p);
  const bool has_errors = HasErrors(problems);
  absl::StatusOr<ExecutionPlan> compiled = CompilePlan(*plan, options);
  FUZZ_CHECK(
      compiled.ok() == !has_errors,
      absl::StrCat("CheckPlan ", has_errors ? "has" : "has no",
                   " errors but CompilePlan ",
                   compiled.ok() ? "succeeded" : compiled.status().ToString(),
                   Describe(problems)));
  if (!compiled.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(compiled.status()),
               compiled.status().ToString());
    FUZZ_CHECK(!ProblemsFromStatus(compiled.status()).empty(),
               absl::StrCat("CompilePlan failed without a problem payload: ",
                            compiled.status().ToString()));
    return 0;
  }
  std::string json = compiled->ToJson();
  (void)compiled->ToText();
  (void)compiled->ToDot();
  (void)compiled->ToMermaidGantt();
  (void)compiled->ToMermaidFlowchart();
  for (const auto& step : compiled->proto().steps()) {
    (void)compiled->StepId(step);
    (void)compiled->StepTransition(step);
  }
  absl::StatusOr<ExecutionPlan> again = CompilePlan(*plan, options);
  FUZZ_CHECK(again.ok() && again->ToJson() == json,
             "compiling the same plan twice gave different JSON");
  return 0;
}
