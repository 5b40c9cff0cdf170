// Step emission: each component's steps in the order its strategy needs,
// wave by wave; wave barriers; rollback steps in reverse dependency order.
#include "upgrade_core/plan/compile_steps.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"

namespace upgrade_core::plan::internal {
namespace {

// The command `kind` runs (docs/run.md), nullptr when none.
const proto::StepCommand* CommandOf(const proto::Component& c,
                                    proto::StepKind kind) {
  const proto::StepCommands& cs = c.commands();
  switch (kind) {
    case proto::PREFLIGHT:
      return cs.has_preflight() ? &cs.preflight() : nullptr;
    case proto::BACKUP:
      return cs.has_backup() ? &cs.backup() : nullptr;
    case proto::TERMINATE_OLD:
      return cs.has_terminate() ? &cs.terminate() : nullptr;
    case proto::START_NEW:
      return cs.has_apply() ? &cs.apply() : nullptr;
    case proto::ROLLBACK:
      return cs.has_rollback() ? &cs.rollback() : nullptr;
    default:  // await-ready: readiness.timeout; verify: its checks
      return nullptr;
  }
}

// A step with a command whose own timeout (times its runs: 1 + retries,
// plus the one-second pause upgradectl run takes between them) is longer
// than the step's deadline gets that much: otherwise the deadline would cut
// the command short of the timeout the plan gave it. A step with no
// deadline (0: OnDelete waits for a person) keeps none.
void FitCommandTimeout(const proto::Component& c, proto::Step* step) {
  const proto::StepCommand* command = CommandOf(c, step->kind());
  if (command == nullptr || command->timeout_ms() <= 0 ||
      step->timeout_ms() == 0) {
    return;
  }
  const int64_t runs = int64_t{command->retries()} + 1;
  const int64_t max = std::numeric_limits<int64_t>::max();
  const int64_t budget = command->timeout_ms() > (max - runs * 1000) / runs
                             ? max
                             : command->timeout_ms() * runs + (runs - 1) * 1000;
  step->set_timeout_ms(std::max(step->timeout_ms(), budget));
}

// Emits component i's steps. `last_step[d]` is the index of component d's
// final (verify) step, filled as components are emitted (dependencies come
// in earlier waves).
void EmitSteps(const proto::UpgradePlan& plan, int i, const Resolved& r,
               const graph::DependencyGraph& g, uint32_t wave,
               int64_t default_timeout, std::vector<int32_t>& last_step,
               proto::ExecutionPlan& out) {
  const proto::Component& c = plan.components(i);
  proto::StepKind order[7];
  int n = 0;
  order[n++] = proto::PREFLIGHT;
  if (c.backup()) order[n++] = proto::BACKUP;
  const bool start_first = out.start_first(i);
  if (start_first) {
    order[n++] = proto::START_NEW;
    order[n++] = proto::AWAIT_READY;
    order[n++] = proto::TERMINATE_OLD;
  } else {
    order[n++] = proto::TERMINATE_OLD;
    order[n++] = proto::START_NEW;
    order[n++] = proto::AWAIT_READY;
  }
  order[n++] = proto::VERIFY;

  for (int k = 0; k < n; ++k) {
    const proto::StepKind kind = order[k];
    const int32_t index = out.steps_size();
    proto::Step* step = out.add_steps();
    step->set_component(i);
    step->set_kind(kind);
    step->set_wave(wave);
    step->set_timeout_ms(default_timeout);
    if (kind == proto::TERMINATE_OLD || kind == proto::START_NEW) {
      step->set_batch(r.batch);
    }
    if (k > 0) step->add_depends_on(index - 1);
    switch (kind) {
      case proto::PREFLIGHT: {
        absl::Span<const graph::NodeId> deps = g.dependencies(i);
        if (deps.empty()) break;
        proto::Gate* gate = step->mutable_gate();
        gate->mutable_after_components()->Reserve(deps.size());
        for (graph::NodeId d : deps) {
          gate->add_after_components(d);
          step->add_depends_on(last_step[d]);
        }
        break;
      }
      case proto::TERMINATE_OLD:
      case proto::START_NEW: {
        proto::Gate* gate = step->mutable_gate();
        gate->set_strategy(r.strategy);
        gate->set_instances(r.count);
        gate->set_per_node(c.kind() == proto::DAEMON_SET);
        gate->set_max_surge(r.surge);
        gate->set_max_unavailable(r.unavailable);
        if (kind == proto::START_NEW) {
          gate->set_version(c.version().to());
        } else if (r.strategy == proto::ON_DELETE) {
          step->set_timeout_ms(0);  // waits for a person
        }
        break;
      }
      case proto::AWAIT_READY: {
        if (c.readiness().timeout_ms() > 0) {
          step->set_timeout_ms(c.readiness().timeout_ms());
        }
        proto::Gate* gate = step->mutable_gate();
        gate->set_instances(r.count);
        gate->set_per_node(c.kind() == proto::DAEMON_SET);
        gate->set_ready(r.count);
        gate->set_ready_for_ms(int64_t{c.readiness().min_ready_seconds()} *
                               1000);
        break;
      }
      case proto::VERIFY: {
        if (c.verify().empty()) break;
        int64_t total = 0;
        proto::Gate* gate = step->mutable_gate();
        gate->mutable_verify_checks()->Reserve(c.verify_size());
        gate->mutable_verify_timeouts_ms()->Reserve(c.verify_size());
        for (const proto::VerifyCheck& v : c.verify()) {
          // Saturating: plans built in C++ (FromProto) skip the loader's
          // per-check range, and a sum must never wrap negative.
          const int64_t t =
              v.timeout_ms() > 0 ? v.timeout_ms() : default_timeout;
          total = t > std::numeric_limits<int64_t>::max() - total
                      ? std::numeric_limits<int64_t>::max()
                      : total + t;
          gate->add_verify_checks(v.name());
          gate->add_verify_timeouts_ms(t);
        }
        step->set_timeout_ms(total);
        break;
      }
      default:  // backup: nothing beyond the backup itself
        break;
    }
    FitCommandTimeout(c, step);
  }
  last_step[i] = out.steps_size() - 1;
}

// Components that must never run at the same time although no dependsOn
// orders them: holders of one exclusive resource, and providers of a service
// behind an availability floor. The checks accept them only in different
// waves; these edges put that order into the steps, so an executor that
// follows depends_on alone (the Orchestrator, graph::Scheduler) keeps them
// apart: each member's preflight waits for the verify step of every member
// in the nearest earlier wave of the same group.
void AddWaveBarriers(const proto::UpgradePlan& plan,
                     const std::vector<uint32_t>& wave_of,
                     const std::vector<int32_t>& last_step,
                     proto::ExecutionPlan& out) {
  // Ordered (exclusive resources first, then floored services, each by
  // name): stable output.
  using Group = std::pair<proto::GateBarrier::Reason, std::string>;
  std::map<Group, std::vector<int>> groups;
  std::set<std::string> floors;
  for (const proto::AvailabilityFloor& f : plan.policy().availability()) {
    floors.insert(f.service());
  }
  for (int i = 0; i < plan.components_size(); ++i) {
    const proto::Component& c = plan.components(i);
    for (const std::string& e : c.exclusive()) {
      groups[{proto::GateBarrier::EXCLUSIVE_RESOURCE, e}].push_back(i);
    }
    for (const std::string& s : c.provides()) {
      if (floors.count(s)) {
        groups[{proto::GateBarrier::SERVICE_FLOOR, s}].push_back(i);
      }
    }
  }
  std::vector<int32_t> first_step(plan.components_size(), -1);
  for (int32_t k = out.steps_size(); k-- > 0;) {
    first_step[out.steps(k).component()] = k;
  }
  for (auto& [group, members] : groups) {
    std::stable_sort(members.begin(), members.end(),
                     [&](int a, int b) { return wave_of[a] < wave_of[b]; });
    members.erase(std::unique(members.begin(), members.end()), members.end());
    size_t prev_begin = 0, begin = 0;
    while (begin < members.size()) {
      size_t end = begin;
      while (end < members.size() &&
             wave_of[members[end]] == wave_of[members[begin]]) {
        ++end;
      }
      if (begin > 0) {
        for (size_t m = begin; m < end; ++m) {
          proto::Step* preflight = out.mutable_steps(first_step[members[m]]);
          proto::GateBarrier* barrier =
              preflight->mutable_gate()->add_barriers();
          barrier->set_reason(group.first);
          barrier->set_name(group.second);
          for (size_t q = prev_begin; q < begin; ++q) {
            const int32_t verify = last_step[members[q]];
            const auto& deps = preflight->depends_on();
            if (std::find(deps.begin(), deps.end(), verify) == deps.end()) {
              preflight->add_depends_on(verify);
            }
            barrier->add_after_components(members[q]);
          }
        }
      }
      prev_begin = begin;
      begin = end;
    }
  }
}

// Rollback runs in reverse dependency order: dependents first.
void AddRollbackSteps(const CheckContext& ctx, int64_t default_timeout,
                      proto::ExecutionPlan& out) {
  const graph::DependencyGraph& g = *ctx.graph;
  const int n = ctx.plan.components_size();
  std::vector<int32_t> rollback_index(n, -1);
  const std::vector<graph::NodeId> reverse = g.ReverseTopologicalOrder();
  out.mutable_rollback_steps()->Reserve(n);
  for (graph::NodeId c : reverse) {
    rollback_index[c] = out.rollback_steps_size();
    proto::Step* step = out.add_rollback_steps();
    step->set_component(c);
    step->set_kind(proto::ROLLBACK);
    step->set_timeout_ms(default_timeout);
    step->set_wave(ctx.wave_of[c]);
    FitCommandTimeout(ctx.plan.components(c), step);
    proto::Gate* gate = step->mutable_gate();
    gate->set_version(ctx.plan.components(c).version().from());
    for (graph::NodeId d : g.dependents(c)) {
      step->add_depends_on(rollback_index[d]);
      gate->add_after_components(d);
    }
  }
}

}  // namespace

void CompileSteps(const CheckContext& ctx, int64_t default_timeout_ms,
                  proto::ExecutionPlan& out) {
  const proto::UpgradePlan& p = ctx.plan;
  const int n = p.components_size();
  out.mutable_components()->Reserve(n);
  out.mutable_start_first()->Reserve(n);
  out.mutable_backup()->Reserve(n);
  for (int i = 0; i < n; ++i) {
    const proto::Component& c = p.components(i);
    const Resolved& r = ctx.resolved[i];
    out.add_components(c.id());
    // Start-first: the new instances are up before the old ones stop.
    out.add_start_first(r.strategy == proto::START_FIRST ||
                        (r.strategy == proto::ROLLING_UPDATE && r.surge > 0));
    out.add_backup(c.backup());
  }
  const graph::DependencyGraph& g = *ctx.graph;
  out.mutable_steps()->Reserve(n * 6);
  std::vector<int32_t> last_step(n, -1);
  for (size_t w = 0; w < ctx.waves.size(); ++w) {
    proto::Wave* wave = out.add_waves();
    wave->set_index(w);
    wave->set_first_step(out.steps_size());
    for (graph::NodeId c : ctx.waves.wave(w)) {
      wave->add_components(c);
      EmitSteps(p, c, ctx.resolved[c], g, w, default_timeout_ms, last_step,
                out);
    }
    wave->set_step_count(out.steps_size() - wave->first_step());
  }
  AddWaveBarriers(p, ctx.wave_of, last_step, out);
  AddRollbackSteps(ctx, default_timeout_ms, out);
}

}  // namespace upgrade_core::plan::internal
