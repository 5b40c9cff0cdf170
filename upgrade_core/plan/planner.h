// File: planner.h
// -----------------------------------------------------------------------------
// The Planner: checks a Plan for everything that makes an upgrade unsafe and
// compiles it into an ExecutionPlan.
//
// Checks (all collected, each a diag::Diagnostic with code, component, path,
// message, hint and source location; see docs/plan-reference.md#checks):
//   graph.*         unknown dependencies (both ends), self-dependencies,
//                   cycles with their path (from the dependency graph)
//   strategy.*      rolling-update values Kubernetes would reject (its own
//                   wording), strategies a kind cannot use
//   exclusive.*     surge/start-first on a component holding an exclusive
//                   resource (old and new can never coexist: the rollout
//                   hangs), and one resource held by two components upgraded
//                   in the same wave
//   availability.*  floors (`policy.availability`) the strategies cannot
//                   honour, floors naming a service nobody provides
//   version.*       `requires` constraints the target platform fails
//   webhook.*       a failurePolicy: Fail webhook whose server goes fully
//                   unavailable while the webhook is registered, or is not
//                   ordered after its server
//   config.*        chart values findings (removed/renamed/retyped overrides,
//                   flipped defaults) from the compat chart check
// Errors block compilation; warnings are carried on the ExecutionPlan.
//
// Execution model: every component gets the steps preflight, [backup],
// terminate-old, start-new, await-ready, verify in the order its strategy
// needs (TerminateFirst: old gone before new starts; StartFirst: new ready
// before old stops; RollingUpdate: the controller replaces batches within
// maxSurge/maxUnavailable, start-first order when it surges; OnDelete: the
// operator deletes old pods), plus a rollback step. The two orders are the
// component lifecycle's two paths (its start_first guard). A component's
// preflight waits for the verify step of every dependency. Components are
// grouped into waves by dependency generation, at most `policy.maxParallel` per
// wave; waves run one after another. Output is deterministic: the same plan
// gives byte-identical output.
#ifndef UPGRADE_CORE_PLAN_PLANNER_H_
#define UPGRADE_CORE_PLAN_PLANNER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/arena.h"
#include "upgrade_core/diag/diagnostic.h"
#include "upgrade_core/document/document.h"
#include "upgrade_core/graph/dependency_graph.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/step_lifecycle.h"
#include "upgrade_core/proto/plan.pb.h"

namespace upgrade_core::plan {

// Reads one chart values file (a component's config oldDefaults,
// newDefaults or overrides, as resolved by the loader: relative to the
// plan's directory). A non-OK status becomes a config.unreadable error
// carrying its message.
using ValuesReader =
    std::function<absl::StatusOr<document::Document>(const std::string& path)>;

struct PlannerOptions {
  // Step timeout when neither the component nor policy.defaultTimeout says.
  int64_t default_timeout_ms = 10 * 60 * 1000;
  // Read each component's config values files and run the chart upgrade
  // check. Off: config files are not opened (and not reported).
  bool check_config = true;
  // Where the values files come from: each is read once per CheckPlan or
  // CompilePlan call. Default (and when empty): the file system, through
  // document::Document::FromFile (the bounded reader). Tests and callers that
  // hold the files in memory pass their own.
  ValuesReader read_values = [](const std::string& path) {
    return document::Document::FromFile(path);
  };
  // FOR SIMULATION ONLY (upgradectl simulate): compile even when checks fail
  // with errors, so the simulator can show what an unsafe plan would do. The
  // errors are then carried in warnings() with their error severity. Graph
  // errors (unknown dependencies, cycles) still block: without them there is
  // no order to compile. Never run a plan compiled this way.
  bool compile_despite_errors = false;
};

// The compiled plan. A value: cheap to move; copying copies every step.
// The steps live in a protobuf arena (one bulk free for ~1M objects).
class ExecutionPlan {
 public:
  ExecutionPlan(const ExecutionPlan& other);
  ExecutionPlan& operator=(const ExecutionPlan& other);
  ExecutionPlan(ExecutionPlan&&) noexcept;
  ExecutionPlan& operator=(ExecutionPlan&&) noexcept;
  ~ExecutionPlan();

  const proto::ExecutionPlan& proto() const { return *proto_; }
  // Problems that did not block compilation (warnings, infos).
  const std::vector<diag::Diagnostic>& warnings() const { return warnings_; }
  // The component dependency graph the plan was ordered by.
  const graph::DependencyGraph& graph() const { return graph_; }

  // The id of the component a step belongs to.
  const std::string& ComponentId(const proto::Step& step) const {
    return proto_->components(step.component());
  }
  // "<component>/<kind>", e.g. "ingress-controller/await-ready".
  std::string StepId(const proto::Step& step) const;
  // The component lifecycle transition a successful `step` drives, for its
  // component's order and backup (step_lifecycle.h); FormatTransition()
  // renders it.
  LifecycleTransition StepTransition(const proto::Step& step) const;
  // What `step` waits for, in words rendered from its gate (proto::Gate):
  // "dependencies verified: a, b", "3/3 ready for 5s", "restore 1.11.8
  // after its dependents"... The text output's WAITS FOR column and JSON
  // "waitsFor"; a runner reads step.gate() instead.
  std::string WaitsFor(const proto::Step& step) const;
  // True when component `i`'s steps run start-first: bind the component
  // lifecycle's fsm::kStartFirstGuard to this. REQUIRES: i in range.
  bool StartFirst(int i) const { return proto_->start_first(i); }
  // True when component `i` has a backup step.
  bool HasBackup(int i) const { return proto_->backup(i); }

  // A readable table of waves and steps.
  std::string ToText() const;
  // Stable JSON (documented in docs/plan-reference.md#execution-plan-json).
  std::string ToJson() const;
  // Graphviz DOT: steps clustered by wave, arrows in execution order.
  std::string ToDot() const;
  // Mermaid `gantt` of the waves (bars sized by step timeouts).
  std::string ToMermaidGantt() const;
  // Mermaid `flowchart` of component dependencies.
  std::string ToMermaidFlowchart() const;

 private:
  friend absl::StatusOr<ExecutionPlan> CompilePlan(const Plan&,
                                                   const PlannerOptions&);
  ExecutionPlan();

  std::unique_ptr<google::protobuf::Arena> arena_;
  proto::ExecutionPlan* proto_ = nullptr;  // owned by arena_
  std::vector<diag::Diagnostic> warnings_;
  graph::DependencyGraph graph_;
};

// Every problem in the plan (errors first, then warnings; each group in plan
// order). Never fails: problems are data. Empty = nothing to report.
std::vector<diag::Diagnostic> CheckPlan(const Plan& plan,
                                        const PlannerOptions& options = {});

// Checks and compiles. InvalidArgument listing every error (and carrying
// them all as a proto::ProblemList payload, see problem.h) when any check
// fails with severity error.
absl::StatusOr<ExecutionPlan> CompilePlan(const Plan& plan,
                                          const PlannerOptions& options = {});

// True if any problem has severity error.
bool HasErrors(const std::vector<diag::Diagnostic>& problems);

}  // namespace upgrade_core::plan

#endif  // UPGRADE_CORE_PLAN_PLANNER_H_
