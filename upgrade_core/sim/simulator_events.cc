// The simulator in time: the event loop (Sim::Run), the measures taken as
// time passes, and why a run is stuck (simulator_impl.h).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/proto/plan.pb.h"
#include "upgrade_core/sim/simulator.h"
#include "upgrade_core/sim/simulator_impl.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::sim::internal {

// --- Measures ---------------------------------------------------------------

void Sim::Measure() {
  const int64_t elapsed = now_ - last_measure_;
  for (size_t k = 0; k < component_result_.size(); ++k) {
    int64_t pods = 0, ready = 0;
    for (int q : comps_[component_result_[k]].pods) {
      pods += Counting(pods_[q]);
      ready += pods_[q].phase == Phase::kReady;
    }
    ComponentResult& cr = result_.components[k];
    cr.peak_pods = std::max(cr.peak_pods, pods);
    cr.min_ready = std::min(cr.min_ready, ready);
  }
  for (size_t s = 0; s < result_.services.size(); ++s) {
    ServiceResult& sr = result_.services[s];
    if (sr.floor.has_value() && service_last_[s] < *sr.floor) {
      sr.ms_below_floor += elapsed;
    }
    int64_t n = 0;
    for (int c : service_providers_[s]) n += ReadyEndpoints(c);
    if (n != service_last_[s]) {
      service_last_[s] = n;
      if (!sr.ready_over_time.empty() &&
          sr.ready_over_time.back().first == now_) {
        sr.ready_over_time.back().second = n;
      } else {
        sr.ready_over_time.push_back({now_, n});
      }
      sr.min_ready = std::min(sr.min_ready, n);
    }
  }
  for (size_t w = 0; w < result_.webhooks.size(); ++w) {
    WebhookResult& wr = result_.webhooks[w];
    // The state over (last_measure_, now_] is the one measured last time.
    if (webhook_down_[w]) wr.ms_without_server += elapsed;
    const int server = webhook_server_[w];
    webhook_down_[w] = server < 0 || ReadyEndpoints(server) == 0;
  }
  last_measure_ = now_;
}

std::string Sim::Explain() {
  std::vector<std::string> why;
  for (const auto& [id, r] : running_) {
    const Action& a = r.action;
    const Comp& c = comps_[a.component];
    std::string line = absl::StrCat(
        a.step_id, a.deadline_ms == 0
                       ? std::string(" has no deadline and ")
                       : absl::StrCat(" (deadline at ",
                                      FormatDuration(a.deadline_ms), ") "));
    if (c.strategy == proto::ON_DELETE &&
        (a.kind == proto::TERMINATE_OLD || a.kind == proto::AWAIT_READY)) {
      absl::StrAppend(&line,
                      "waits for a person to delete the old pods (OnDelete)");
    } else {
      absl::StrAppend(&line, "waits for ",
                      plan_.WaitsFor(a.rollback ? p_.rollback_steps(a.step)
                                                : p_.steps(a.step)));
    }
    for (int q : c.pods) {
      const Pod& p = pods_[q];
      if (p.phase == Phase::kPending && p.conflict >= 0) {
        const Conflict& k = result_.conflicts[p.conflict];
        absl::StrAppend(&line, "; pod ", p.name, " is pending on ", k.node,
                        ": ", k.resource, " held by ", k.holder);
      }
    }
    why.push_back(line);
  }
  if (why.empty()) {
    const exec::OrchestratorStatus status = orch_->Status();
    if (status.outcome == exec::PlanOutcome::kPaused) {
      why.push_back(
          "the plan is paused and waits for an operator (Resume or Abort)");
    }
    for (const ComponentStatus& c : status.components) {
      if (c.state == "halted" && !c.note.empty()) {
        why.push_back(absl::StrCat(c.id, " halted: ", c.note));
      }
    }
    for (const std::string& b : status.blocked) why.push_back(b);
  }
  if (why.empty()) why.push_back("nothing in flight and nothing to issue");
  return absl::StrJoin(why, "; ");
}

// --- The event loop ---------------------------------------------------------

absl::StatusOr<SimResult> Sim::Run() {
  uint64_t events = 0;
  for (;;) {
    UC_RETURN_IF_ERROR(Settle());
    if (orch_->done()) break;
    std::optional<int64_t> next = orch_->NextWakeup();
    if (!queue_.empty() && (!next || queue_.top().at < *next)) {
      next = queue_.top().at;
    }
    if (!next.has_value()) {
      result_.stuck = true;
      result_.stuck_reason = absl::StrCat("nothing can progress: ", Explain());
      break;
    }
    if (*next > options_.horizon_ms) {
      now_ = options_.horizon_ms;
      Measure();
      result_.stuck = true;
      result_.stuck_reason =
          absl::StrCat("still running at the horizon (",
                       FormatDuration(options_.horizon_ms), "): ", Explain());
      break;
    }
    now_ = std::max(now_, *next);
    Measure();
    while (!queue_.empty() && queue_.top().at <= now_) {
      const Event e = queue_.top();
      queue_.pop();
      if (++events > 50'000'000) {
        return absl::ResourceExhaustedError(
            "simulation exceeded 50,000,000 events");
      }
      switch (e.type) {
        case EvType::kActionEffect:
        case EvType::kActionFail: {
          auto it = running_.find(e.id);
          if (it == running_.end()) break;  // timed out meanwhile
          if (e.type == EvType::kActionFail) {
            const std::string step_id = it->second.action.step_id;
            running_.erase(it);
            Log(absl::StrCat(step_id, " failed (injected fault)"));
            UC_RETURN_IF_ERROR(
                ReportOutcome(e.id, Outcome::Failed("injected fault")));
          } else {
            ApplyEffect(it->second);
          }
          break;
        }
        case EvType::kPodReady: {
          Pod& p = pods_[e.id];
          if (p.phase != Phase::kStarting) break;
          p.phase = Phase::kReady;
          p.ready_since = now_;
          Log(absl::StrCat(
              "pod ", p.name,
              comps_[p.comp].shape == Shape::kJob ? " completed" : " ready"));
          // Wake up when it has been ready long enough (minReadySeconds).
          if (comps_[p.comp].ready_for_ms > 0) {
            Schedule(now_ + comps_[p.comp].ready_for_ms, EvType::kWake, 0);
          }
          break;
        }
        case EvType::kPodGone: {
          Pod& p = pods_[e.id];
          if (p.phase != Phase::kTerminating) break;
          p.phase = Phase::kGone;
          Log(absl::StrCat("pod ", p.name, " gone"));
          // Its ports are free: pending pods on that node may start.
          for (int q = 0; q < static_cast<int>(pods_.size()); ++q) {
            if (pods_[q].phase == Phase::kPending) TrySchedule(q);
          }
          break;
        }
        case EvType::kConfigArrives: {
          Pod& p = pods_[e.id];
          if (!Alive(p) || !p.config_late) break;
          p.config_late = false;
          p.config_at = now_;
          Log(absl::StrCat("pod ", p.name, " got the new config"));
          break;
        }
        case EvType::kNodeLost: {
          node_alive_[e.id] = false;
          Log(absl::StrCat("node ", nodes_[e.id].name, " lost"));
          for (Pod& p : pods_) {
            if (p.node == static_cast<int>(e.id) && Alive(p)) {
              p.phase = Phase::kGone;
              Log(absl::StrCat("pod ", p.name, " gone with its node"));
            }
          }
          // Deployments replace what they lost, in the version they run
          // (a rolling or restoring controller does it itself).
          for (int i = 0; i < static_cast<int>(comps_.size()); ++i) {
            const Comp& c = comps_[i];
            if (!c.per_node && c.shape == Shape::kPods && !c.rolling &&
                !c.restoring) {
              Ensure(i, c.runs_new);
            }
          }
          break;
        }
        case EvType::kStepFaultAt: {
          const std::string& step = options_.faults[e.id].step;
          std::vector<uint64_t> hit;
          for (const auto& [id, r] : running_) {
            if (r.action.step_id == step) hit.push_back(id);
          }
          for (uint64_t id : hit) {
            running_.erase(id);
            Log(absl::StrCat(step, " failed (injected fault at ",
                             FormatDuration(now_), ")"));
            UC_RETURN_IF_ERROR(
                ReportOutcome(id, Outcome::Failed("injected fault")));
          }
          break;
        }
        case EvType::kWake:
          break;
      }
    }
  }
  result_.duration_ms = now_;
  for (WebhookResult& w : result_.webhooks) {
    const int64_t requests =
        static_cast<int64_t>(static_cast<double>(w.ms_without_server) *
                             options_.webhook_requests_per_second / 1000.0);
    (w.failure_policy == "Fail" ? w.rejected : w.unchecked) = requests;
  }
  result_.outcome = exec::PlanOutcomeName(orch_->outcome());
  Log(absl::StrCat("plan ", result_.stuck ? "stuck" : result_.outcome));
  return std::move(result_);
}

}  // namespace upgrade_core::sim::internal
