// File: checks.h
// -----------------------------------------------------------------------------
// INTERNAL to upgrade_core/plan: not part of the public API (in the
// `planner` target's srcs). The plan checks, one file each, as free functions
// over a CheckContext (check_context.h). Each reports through ctx.Add(...);
// none fails: problems are data. RunChecks (planner.cc) calls them in the
// order below, which is also the order of the report within a severity.
// Every check stays linear in the plan's size (hardening_test.cc runs
// 100k-component plans).
#ifndef UPGRADE_CORE_PLAN_CHECKS_H_
#define UPGRADE_CORE_PLAN_CHECKS_H_

#include "upgrade_core/plan/check_context.h"

namespace upgrade_core::plan::internal {

// graph_check.cc ------------------------------------------------------------
// Builds the dependency graph into ctx.graph; on failure reports
// graph.unknown-dependency, graph.self-dependency and graph.cycle instead.
void BuildGraph(CheckContext& ctx);
// Fills ctx.waves and ctx.wave_of from ctx.graph (nothing without a graph).
void ComputeWaves(CheckContext& ctx);

// strategy_check.cc ---------------------------------------------------------
// Fills ctx.resolved; reports strategy.unsupported and strategy.invalid
// (rolling-update values Kubernetes would reject, in its own words).
void ResolveStrategies(CheckContext& ctx);
// exclusive.start-first, exclusive.surge: old and new instances would
// coexist on a resource only one may hold. REQUIRES: ctx.resolved.
void CheckExclusiveStrategies(CheckContext& ctx);
// strategy.on-delete (a warning). REQUIRES: ctx.resolved.
void WarnOnDelete(CheckContext& ctx);

// shared_exclusive_check.cc -------------------------------------------------
// exclusive.shared: one resource held by two components of the same wave.
// Nothing without a graph.
void CheckSharedExclusive(CheckContext& ctx);

// availability_check.cc -----------------------------------------------------
// availability.*: floors the strategies cannot honour, unknown services.
// REQUIRES: ctx.resolved.
void CheckAvailability(CheckContext& ctx);

// webhook_check.cc ----------------------------------------------------------
// webhook.*: a failurePolicy: Fail webhook whose server goes fully down, or
// that is not ordered after its server. REQUIRES: ctx.resolved.
void CheckWebhooks(CheckContext& ctx);

// version_check.cc ----------------------------------------------------------
// version.*: unparsable versions, skipped or downgraded platform minors,
// component downgrades, `requires` constraints the platform fails.
void CheckVersions(CheckContext& ctx);

// config_check.cc -----------------------------------------------------------
// config.* and the compat chart check's chart/* findings on each component's
// values files, read through ctx.options.read_values. Nothing when
// ctx.options.check_config is off.
void CheckConfig(CheckContext& ctx);

}  // namespace upgrade_core::plan::internal

#endif  // UPGRADE_CORE_PLAN_CHECKS_H_
