// The Planner's entry points: CheckPlan and CompilePlan run the plan checks
// (checks.h, one file each, over a CheckContext) and CompilePlan turns a
// plan without errors into an ExecutionPlan (steps: compile_steps.cc).
#include "upgrade_core/plan/planner.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/plan/check_context.h"
#include "upgrade_core/plan/checks.h"
#include "upgrade_core/plan/compile_steps.h"
#include "upgrade_core/plan/problem.h"

namespace upgrade_core::plan {
namespace {

using diag::Severity;

// Every check, in report order; then errors first (stable: each group keeps
// plan order).
void RunChecks(internal::CheckContext& ctx) {
  internal::BuildGraph(ctx);
  internal::ResolveStrategies(ctx);
  internal::CheckExclusiveStrategies(ctx);
  internal::ComputeWaves(ctx);
  internal::CheckSharedExclusive(ctx);
  internal::CheckAvailability(ctx);
  internal::CheckWebhooks(ctx);
  internal::CheckVersions(ctx);
  internal::CheckConfig(ctx);
  internal::WarnOnDelete(ctx);
  std::stable_partition(
      ctx.diagnostics.begin(), ctx.diagnostics.end(),
      [](const diag::Diagnostic& p) { return p.severity == Severity::kError; });
}

}  // namespace

bool HasErrors(const std::vector<diag::Diagnostic>& problems) {
  for (const diag::Diagnostic& p : problems) {
    if (p.severity == Severity::kError) return true;
  }
  return false;
}

LifecycleTransition ExecutionPlan::StepTransition(
    const proto::Step& step) const {
  const int c = step.component();
  // A compiled plan's steps have known kinds (CompilePlan emits them).
  return plan::StepTransition(step.kind(), proto_->start_first(c),
                              proto_->backup(c))
      .value_or(LifecycleTransition{});
}

ExecutionPlan::ExecutionPlan() {
  google::protobuf::ArenaOptions options;
  // A 100k-component plan is ~1M small objects: an arena frees them in bulk.
  // Blocks stay below glibc's mmap threshold (128 KiB) so they are recycled
  // from the heap instead of being mapped and zero-faulted on every compile
  // (measured: 1.4 s -> 0.68 s wall at 100k components).
  options.start_block_size = 16 << 10;
  options.max_block_size = 64 << 10;
  arena_ = std::make_unique<google::protobuf::Arena>(options);
  proto_ = google::protobuf::Arena::CreateMessage<proto::ExecutionPlan>(
      arena_.get());
}

ExecutionPlan::ExecutionPlan(const ExecutionPlan& other) : ExecutionPlan() {
  *proto_ = *other.proto_;
  warnings_ = other.warnings_;
  graph_ = other.graph_;
}

ExecutionPlan& ExecutionPlan::operator=(const ExecutionPlan& other) {
  if (this != &other) {
    ExecutionPlan copy(other);
    *this = std::move(copy);
  }
  return *this;
}

ExecutionPlan::ExecutionPlan(ExecutionPlan&&) noexcept = default;
ExecutionPlan& ExecutionPlan::operator=(ExecutionPlan&&) noexcept = default;
ExecutionPlan::~ExecutionPlan() = default;

std::string ExecutionPlan::StepId(const proto::Step& step) const {
  return absl::StrCat(ComponentId(step), "/", StepKindName(step.kind()));
}

std::vector<diag::Diagnostic> CheckPlan(const Plan& plan,
                                        const PlannerOptions& options) {
  internal::CheckContext ctx(plan.proto(), options);
  RunChecks(ctx);
  return std::move(ctx.diagnostics);
}

absl::StatusOr<ExecutionPlan> CompilePlan(const Plan& plan,
                                          const PlannerOptions& options) {
  const proto::UpgradePlan& p = plan.proto();
  internal::CheckContext ctx(p, options);
  RunChecks(ctx);
  bool blocked = false;
  for (const diag::Diagnostic& d : ctx.diagnostics) {
    blocked = blocked || (d.severity == Severity::kError &&
                          (!options.compile_despite_errors ||
                           absl::StartsWith(d.code, "graph.")));
  }
  if (blocked) {
    std::vector<diag::Diagnostic> errors;
    for (const diag::Diagnostic& d : ctx.diagnostics) {
      if (d.severity == Severity::kError) errors.push_back(d);
    }
    return ProblemsToStatus(
        absl::StrCat("plan \"", p.metadata().name(), "\" is unsafe (",
                     errors.size(), errors.size() == 1 ? " error" : " errors",
                     "):"),
        errors);
  }
  ExecutionPlan result;
  proto::ExecutionPlan& out = *result.proto_;
  out.set_name(p.metadata().name());
  *out.mutable_source() = p;
  out.set_max_parallel(p.policy().max_parallel());
  out.set_on_failure(p.policy().on_failure() ==
                             proto::FAILURE_POLICY_UNSPECIFIED
                         ? proto::ROLLBACK_ALL
                         : p.policy().on_failure());
  const int64_t default_timeout = p.policy().default_timeout_ms() > 0
                                      ? p.policy().default_timeout_ms()
                                      : options.default_timeout_ms;
  internal::CompileSteps(ctx, default_timeout, out);
  result.warnings_ = std::move(ctx.diagnostics);
  result.graph_ = std::move(*ctx.graph);
  return result;
}

}  // namespace upgrade_core::plan
