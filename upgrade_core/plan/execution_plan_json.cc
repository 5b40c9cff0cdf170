// The JSON rendering of an ExecutionPlan (docs/plan-reference.md
// #execution-plan-json): the envelope, each component with what a runner
// needs, the waves, the steps and the rollback steps. Deterministic: it
// follows the order of the plan's waves and steps, and sorts proto maps.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/step_commands.h"
#include "upgrade_core/util/json_string.h"
#include "upgrade_core/version_info.h"

namespace upgrade_core::plan {
namespace {

using StepList = google::protobuf::RepeatedPtrField<proto::Step>;

void AppendNames(std::string& out, const proto::ExecutionPlan& p,
                 const google::protobuf::RepeatedField<int32_t>& indices) {
  out.push_back('[');
  for (int i = 0; i < indices.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(&out, p.components(indices[i]));
  }
  out.push_back(']');
}

void AppendStrings(
    std::string& out,
    const google::protobuf::RepeatedPtrField<std::string>& strings) {
  out.push_back('[');
  for (int i = 0; i < strings.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(&out, strings[i]);
  }
  out.push_back(']');
}

// The gate as JSON: a fixed set of keys per step kind (proto::Gate), names
// instead of indices.
void AppendGate(std::string& out, const proto::ExecutionPlan& p,
                const proto::Step& s) {
  const proto::Gate& g = s.gate();
  out.push_back('{');
  switch (s.kind()) {
    case proto::PREFLIGHT:
      out += "\"after\":";
      AppendNames(out, p, g.after_components());
      out += ",\"barriers\":[";
      for (int i = 0; i < g.barriers_size(); ++i) {
        const proto::GateBarrier& b = g.barriers(i);
        if (i > 0) out.push_back(',');
        absl::StrAppend(&out, "{\"reason\":\"",
                        b.reason() == proto::GateBarrier::SERVICE_FLOOR
                            ? "service-floor"
                            : "exclusive-resource",
                        "\",\"name\":");
        AppendJsonString(&out, b.name());
        out += ",\"after\":";
        AppendNames(out, p, b.after_components());
        out.push_back('}');
      }
      out.push_back(']');
      break;
    case proto::TERMINATE_OLD:
    case proto::START_NEW:
      out += "\"strategy\":";
      AppendJsonString(&out, StrategyTypeName(g.strategy()));
      absl::StrAppend(&out, ",\"instances\":", g.instances(),
                      ",\"perNode\":", g.per_node() ? "true" : "false",
                      ",\"maxSurge\":", g.max_surge(),
                      ",\"maxUnavailable\":", g.max_unavailable());
      if (s.kind() == proto::START_NEW) {
        out += ",\"version\":";
        AppendJsonString(&out, g.version());
      }
      break;
    case proto::AWAIT_READY:
      absl::StrAppend(&out, "\"instances\":", g.instances(),
                      ",\"perNode\":", g.per_node() ? "true" : "false",
                      ",\"ready\":", g.ready(),
                      ",\"readyForMs\":", g.ready_for_ms());
      break;
    case proto::VERIFY:
      out += "\"checks\":";
      AppendStrings(out, g.verify_checks());
      break;
    case proto::ROLLBACK:
      out += "\"after\":";
      AppendNames(out, p, g.after_components());
      out += ",\"version\":";
      AppendJsonString(&out, g.version());
      break;
    default:  // backup: nothing to wait for beyond the backup
      break;
  }
  out.push_back('}');
}

void AppendComponents(std::string& out, const proto::ExecutionPlan& p,
                      const proto::Wave& w) {
  out.push_back('[');
  for (int i = 0; i < w.components_size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(&out, p.components(w.components(i)));
  }
  out.push_back(']');
}

void AppendStep(std::string& out, const ExecutionPlan& plan,
                const proto::Step& s, const StepList& list) {
  out += "{\"id\":";
  AppendJsonString(&out, plan.StepId(s));
  out += ",\"component\":";
  AppendJsonString(&out, plan.ComponentId(s));
  out += ",\"kind\":";
  AppendJsonString(&out, StepKindName(s.kind()));
  out += ",\"dependsOn\":[";
  for (int i = 0; i < s.depends_on_size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(&out, plan.StepId(list[s.depends_on(i)]));
  }
  absl::StrAppend(&out, "],\"timeoutMs\":", s.timeout_ms(),
                  ",\"wave\":", s.wave());
  if (s.batch() > 0) absl::StrAppend(&out, ",\"batch\":", s.batch());
  const LifecycleTransition t = plan.StepTransition(s);
  const fsm::StateMachine& lifecycle = fsm::ComponentLifecycle();
  out += ",\"transition\":{\"from\":";
  AppendJsonString(&out, lifecycle.state_name(t.from));
  out += ",\"event\":";
  AppendJsonString(&out, lifecycle.event_name(t.event));
  out += ",\"to\":";
  AppendJsonString(&out, lifecycle.state_name(t.to));
  out += "},\"gate\":";
  AppendGate(out, plan.proto(), s);
  out += ",\"waitsFor\":";
  AppendJsonString(&out, plan.WaitsFor(s));
  out += "}";
}

void AppendIntOrString(std::string& out, const proto::IntOrString& v) {
  if (v.value_case() == proto::IntOrString::kIntValue) {
    absl::StrAppend(&out, v.int_value());
  } else if (v.value_case() == proto::IntOrString::kStrValue) {
    AppendJsonString(&out, v.str_value());
  } else {
    out += "null";
  }
}

absl::string_view Bool(bool b) { return b ? "true" : "false"; }

// Where each component's steps are (indices into steps; each component has
// exactly one step of each of these kinds).
struct ComponentSteps {
  int32_t terminate_old = -1;
  int32_t await_ready = -1;
  int32_t verify = -1;
};

std::vector<ComponentSteps> IndexSteps(const proto::ExecutionPlan& p) {
  std::vector<ComponentSteps> out(p.components_size());
  for (int32_t k = 0; k < p.steps_size(); ++k) {
    const proto::Step& s = p.steps(k);
    ComponentSteps& c = out[s.component()];
    if (s.kind() == proto::TERMINATE_OLD) c.terminate_old = k;
    if (s.kind() == proto::AWAIT_READY) c.await_ready = k;
    if (s.kind() == proto::VERIFY) c.verify = k;
  }
  return out;
}

// `commands` as written, by key (plan::StepCommandSlots() order), with only
// the commands the plan gives; `env` by name so the output is byte-stable.
void AppendCommands(std::string& out, const proto::StepCommands& commands) {
  out += "{";
  bool first = true;
  for (const StepCommandSlot& slot : StepCommandSlots()) {
    if (!(commands.*slot.has)()) continue;
    const proto::StepCommand& c = (commands.*slot.get)();
    if (!first) out += ",";
    first = false;
    AppendJsonString(&out, slot.key);
    out += ":{\"run\":";
    AppendJsonString(&out, c.run());
    out += ",\"env\":{";
    std::vector<std::pair<std::string, std::string>> env(c.env().begin(),
                                                         c.env().end());
    std::sort(env.begin(), env.end());
    for (size_t i = 0; i < env.size(); ++i) {
      if (i > 0) out += ",";
      AppendJsonString(&out, env[i].first);
      out += ":";
      AppendJsonString(&out, env[i].second);
    }
    out += "},\"workdir\":";
    AppendJsonString(&out, c.workdir());
    absl::StrAppend(&out, ",\"timeoutMs\":", c.timeout_ms(),
                    ",\"retries\":", c.retries(), "}");
  }
  out += "}";
}

// Component i with every value a runner needs, defaults applied (strategy
// type, instance count, timeouts, retry attempts, webhook failurePolicy);
// maxSurge/maxUnavailable as written (the resolved numbers are on the
// terminate-old and start-new gates).
void AppendComponent(std::string& out, const proto::ExecutionPlan& p, int i,
                     const ComponentSteps& at) {
  const proto::Component& c = p.source().components(i);
  static const proto::Step kNoStep;
  const proto::Step& rollout =
      at.terminate_old >= 0 ? p.steps(at.terminate_old) : kNoStep;
  const proto::Step& ready =
      at.await_ready >= 0 ? p.steps(at.await_ready) : kNoStep;
  const proto::Gate& verify =
      at.verify >= 0 ? p.steps(at.verify).gate() : kNoStep.gate();
  out += "{\"id\":";
  AppendJsonString(&out, p.components(i));
  out += ",\"kind\":";
  AppendJsonString(&out, ComponentKindName(c.kind()));
  absl::StrAppend(
      &out, ",\"order\":\"",
      p.start_first(i) ? "start-first" : "terminate-first",
      "\",\"wave\":", rollout.wave(), ",\"backup\":", Bool(p.backup(i)),
      ",\"irreversible\":", Bool(c.irreversible()),
      ",\"checkpoint\":", Bool(c.checkpoint()), ",\"version\":{\"from\":");
  AppendJsonString(&out, c.version().from());
  out += ",\"to\":";
  AppendJsonString(&out, c.version().to());
  absl::StrAppend(
      &out, "},\"", c.kind() == proto::DAEMON_SET ? "nodes" : "replicas",
      "\":", rollout.gate().instances(), ",\"strategy\":{\"type\":");
  AppendJsonString(&out, StrategyTypeName(rollout.gate().strategy()));
  out += ",\"maxSurge\":";
  AppendIntOrString(out, c.strategy().max_surge());
  out += ",\"maxUnavailable\":";
  AppendIntOrString(out, c.strategy().max_unavailable());
  out += "},\"exclusive\":";
  AppendStrings(out, c.exclusive());
  out += ",\"dependsOn\":";
  AppendStrings(out, c.depends_on());
  out += ",\"provides\":";
  AppendStrings(out, c.provides());
  absl::StrAppend(&out, ",\"readiness\":{\"timeoutMs\":", ready.timeout_ms(),
                  ",\"minReadySeconds\":", c.readiness().min_ready_seconds(),
                  "},\"verify\":[");
  for (int k = 0; k < c.verify_size(); ++k) {
    const proto::VerifyCheck& v = c.verify(k);
    if (k > 0) out.push_back(',');
    out += "{\"name\":";
    AppendJsonString(&out, v.name());
    out += ",\"run\":";
    AppendJsonString(&out, v.run());
    absl::StrAppend(&out, ",\"timeoutMs\":",
                    k < verify.verify_timeouts_ms_size()
                        ? verify.verify_timeouts_ms(k)
                        : v.timeout_ms(),
                    "}");
  }
  absl::StrAppend(
      &out, "],\"retry\":{\"attempts\":", std::max(1, c.retry().attempts()),
      ",\"backoffMs\":", c.retry().backoff_ms(), "},\"webhook\":");
  if (c.kind() == proto::WEBHOOK) {
    out += "{\"failurePolicy\":";
    AppendJsonString(&out, c.webhook().failure_policy() == proto::IGNORE
                               ? "Ignore"
                               : "Fail");  // Kubernetes' default
    out += ",\"servedBy\":";
    AppendJsonString(&out, c.webhook().served_by());
    out += "}";
  } else {
    out += "null";
  }
  out += ",\"commands\":";
  AppendCommands(out, c.commands());
  out += "}";
}

}  // namespace

std::string ExecutionPlan::ToJson() const {
  const proto::ExecutionPlan& p = *proto_;
  std::string out;
  out.reserve(256 + p.steps_size() * 256);
  // The envelope every upgradectl JSON document has (version, ok, and at the
  // end summary + diagnostics, diag/report.h); a compiled plan is ok.
  absl::StrAppend(&out, "{\"version\":", kJsonOutputVersion,
                  ",\"ok\":true,\"name\":");
  AppendJsonString(&out, p.name());
  absl::StrAppend(&out, ",\"maxParallel\":", p.max_parallel(),
                  ",\"onFailure\":");
  AppendJsonString(&out, FailurePolicyName(p.on_failure()));
  // The plan's labels, by key (a proto map has no order).
  out += ",\"labels\":{";
  std::vector<std::pair<absl::string_view, absl::string_view>> labels(
      p.source().metadata().labels().begin(),
      p.source().metadata().labels().end());
  std::sort(labels.begin(), labels.end());
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(&out, labels[i].first);
    out.push_back(':');
    AppendJsonString(&out, labels[i].second);
  }
  // Each component with what a runner needs: its lifecycle path (what an
  // executor binds the start_first guard to, whether preflight fires
  // `backup`), checks, readiness, retry, webhook, points of no return.
  out += "},\"components\":[";
  const std::vector<ComponentSteps> at = IndexSteps(p);
  for (int i = 0; i < p.components_size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendComponent(out, p, i, at[i]);
  }
  out += "],\"waves\":[";
  for (int w = 0; w < p.waves_size(); ++w) {
    const proto::Wave& wave = p.waves(w);
    if (w > 0) out.push_back(',');
    absl::StrAppend(&out, "{\"index\":", wave.index(), ",\"components\":");
    AppendComponents(out, p, wave);
    out += ",\"steps\":[";
    for (int i = wave.first_step(); i < wave.first_step() + wave.step_count();
         ++i) {
      if (i > wave.first_step()) out.push_back(',');
      AppendJsonString(&out, StepId(p.steps(i)));
    }
    out += "]}";
  }
  out += "],\"steps\":[";
  for (int i = 0; i < p.steps_size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendStep(out, *this, p.steps(i), p.steps());
  }
  out += "],\"rollbackSteps\":[";
  for (int i = 0; i < p.rollback_steps_size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendStep(out, *this, p.rollback_steps(i), p.rollback_steps());
  }
  out += "],";
  diag::AppendDiagnosticsMembers(&out, warnings_);
  out += "}\n";
  return out;
}

}  // namespace upgrade_core::plan
