// File: compile_steps.h
// -----------------------------------------------------------------------------
// INTERNAL to upgrade_core/plan: not part of the public API (in the
// `planner` target's srcs). Turns a checked plan into the steps of an
// ExecutionPlan: per component the steps its strategy orders, grouped by
// wave; the wave barriers that keep holders of one exclusive resource (and
// providers of a floored service) apart; and the rollback steps.
#ifndef UPGRADE_CORE_PLAN_COMPILE_STEPS_H_
#define UPGRADE_CORE_PLAN_COMPILE_STEPS_H_

#include <cstdint>

#include "upgrade_core/plan/check_context.h"
#include "upgrade_core/proto/plan.pb.h"

namespace upgrade_core::plan::internal {

// Fills out's components, start_first, backup, waves, steps and
// rollback_steps. Steps without their own timeout get `default_timeout_ms`.
// REQUIRES: the checks ran on `ctx` and found no error (so ctx.graph,
// ctx.waves and ctx.resolved are filled); those fields of `out` are empty.
void CompileSteps(const CheckContext& ctx, int64_t default_timeout_ms,
                  proto::ExecutionPlan& out);

}  // namespace upgrade_core::plan::internal

#endif  // UPGRADE_CORE_PLAN_COMPILE_STEPS_H_
