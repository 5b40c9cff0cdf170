// File: simulator.h
// -----------------------------------------------------------------------------
// The upgrade simulator: runs a compiled plan through the real
// exec::Orchestrator against a modelled cluster, in simulated time, and says
// what would happen: the timeline, each service's ready endpoints over time
// and the time below its availability floor, host-port conflicts (which pod,
// which node, which port, held by whom), admission requests a webhook
// rejected or let through unchecked while its server was down, the
// orchestrator's final outcome, and a "stuck" verdict with the reason when
// nothing can progress any more (or the horizon passes).
//
// The simulator holds no decision logic of the orchestrator: it performs
// each Action on the model (as events with durations on a discrete-event
// queue) and reports the outcome back. docs/simulate.md describes the model
// and what it leaves out.
//
//   UC_ASSIGN_OR_RETURN(sim::SimResult r, sim::Simulate(plan, {}, options));
//   std::cout << r.ToText();
//
// Deterministic: the same plan, cluster and options (seed included) give the
// same result, and ToJson() the same bytes.
#ifndef UPGRADE_CORE_SIM_SIMULATOR_H_
#define UPGRADE_CORE_SIM_SIMULATOR_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/proto/plan.pb.h"
#include "upgrade_core/sim/distribution.h"

namespace upgrade_core::sim {

struct Node {
  std::string name;
  std::map<std::string, std::string> labels;
};

// The cluster the plan runs against. Empty `nodes`: derived from the plan
// (as many nodes as the widest DaemonSet's `nodes`, at least 1, named
// node-1, node-2, ...).
struct Cluster {
  std::vector<Node> nodes;
};

// How long a component's pods take (per component id; unset: the defaults).
struct PodTiming {
  Duration start = Duration::Fixed(2000);      // scheduled -> running
  Duration readiness = Duration::Fixed(5000);  // running -> ready (or a Job
                                               // run -> completed)
  Duration grace = Duration::Fixed(3000);      // terminating -> gone
};

// Something that goes wrong, on purpose.
struct Fault {
  enum class Kind {
    kStepFails,   // `step` ("web/verify") fails: its first `attempts`
                  // attempts (-1: every attempt), each with `probability`;
                  // with `at_ms` > 0 instead: the attempt in flight at that
                  // time fails then (none in flight: nothing happens)
    kNeverReady,  // new pods of `component` never become ready
    kNodeLost,    // `node` disappears at `at_ms` (its pods are gone)
    kLateConfig,  // the new config reaches `component`'s pods `delay_ms`
                  // after they start: readiness seen before is stale
  };
  Kind kind = Kind::kStepFails;
  std::string step;
  std::string component;
  std::string node;
  int32_t attempts = -1;
  double probability = 1.0;
  int64_t at_ms = 0;
  int64_t delay_ms = 0;

  static Fault StepFails(std::string step, int32_t attempts = -1,
                         double probability = 1.0) {
    Fault f;
    f.kind = Kind::kStepFails;
    f.step = std::move(step);
    f.attempts = attempts;
    f.probability = probability;
    return f;
  }
  static Fault StepFailsAt(std::string step, int64_t at_ms) {
    Fault f;
    f.kind = Kind::kStepFails;
    f.step = std::move(step);
    f.at_ms = at_ms;
    return f;
  }
  static Fault NeverReady(std::string component) {
    Fault f;
    f.kind = Kind::kNeverReady;
    f.component = std::move(component);
    return f;
  }
  static Fault NodeLost(std::string node, int64_t at_ms) {
    Fault f;
    f.kind = Kind::kNodeLost;
    f.node = std::move(node);
    f.at_ms = at_ms;
    return f;
  }
  static Fault LateConfig(std::string component, int64_t delay_ms) {
    Fault f;
    f.kind = Kind::kLateConfig;
    f.component = std::move(component);
    f.delay_ms = delay_ms;
    return f;
  }
};

struct SimOptions {
  uint64_t seed = 0;
  // How long performing each step kind takes before its effect starts (a
  // kubectl apply, a backup, the verify checks). Unset kinds: 1s, backup
  // 10s, verify 3s.
  std::map<proto::StepKind, Duration> step_durations;
  // One step's own duration ("web/verify"), over its kind's.
  std::map<std::string, Duration> step_durations_by_id;
  PodTiming default_pod_timing;
  std::map<std::string, PodTiming> pod_timing;  // by component id
  std::vector<Fault> faults;
  // Admission requests per second sent through each webhook.
  double webhook_requests_per_second = 1.0;
  // Simulated time after which a run still going is declared stuck.
  int64_t horizon_ms = 24LL * 3600 * 1000;
};

// One line of the timeline.
struct TimelineEvent {
  int64_t at_ms = 0;
  std::string what;  // "ingress-controller/await-ready issued (attempt 1)"
};

struct ServiceResult {
  std::string name;
  int64_t endpoints_total = 0;   // instances of its providers, before
  std::optional<int64_t> floor;  // policy.availability minimum, resolved
  int64_t min_ready = 0;
  int64_t ms_below_floor = 0;
  // (time, ready endpoints) at every change, starting at time 0.
  std::vector<std::pair<int64_t, int64_t>> ready_over_time;
};

// A pod that could not start because a node-exclusive resource was held.
struct Conflict {
  std::string pod;
  std::string node;
  std::string resource;  // "hostPort:80"
  std::string holder;    // the pod holding it
  int64_t since_ms = 0;
  std::optional<int64_t> until_ms;  // nullopt: never resolved
};

struct WebhookResult {
  std::string id;
  std::string failure_policy;  // "Fail" / "Ignore"
  std::string served_by;
  int64_t ms_without_server = 0;  // no ready endpoint behind it
  int64_t rejected = 0;           // requests refused (Fail)
  int64_t unchecked = 0;          // requests admitted unchecked (Ignore)
};

// Per component with pods: how far its rollout went above and below its
// instance count (what maxSurge / maxUnavailable bound).
struct ComponentResult {
  std::string id;
  int64_t instances = 0;
  int64_t peak_pods = 0;  // most pods at once, not counting terminating ones
  int64_t min_ready = 0;  // fewest ready pods at once
};

struct SimResult {
  std::string plan;
  uint64_t seed = 0;
  std::vector<TimelineEvent> timeline;
  std::vector<ServiceResult> services;      // by name
  std::vector<Conflict> conflicts;          // in the order they began
  std::vector<WebhookResult> webhooks;      // plan order
  std::vector<ComponentResult> components;  // plan order, those with pods
  int64_t duration_ms = 0;
  std::string outcome;  // exec::PlanOutcomeName: "succeeded", "rolled_back"...
  bool stuck = false;
  std::string stuck_reason;  // words, when stuck

  // Every floor held, nothing stuck, the plan succeeded.
  bool Healthy() const;
  std::string ToText() const;
  // Stable JSON: fixed key order, integers only; byte-identical for equal
  // results.
  std::string ToJson() const;
};

// Runs `plan` on `cluster`. InvalidArgument for options that make no sense
// (a fault naming an unknown step, component or node, a bad duration), or a
// plan the orchestrator refuses. Never loops forever: the horizon bounds it.
absl::StatusOr<SimResult> Simulate(const plan::ExecutionPlan& plan,
                                   const Cluster& cluster,
                                   const SimOptions& options);

}  // namespace upgrade_core::sim

#endif  // UPGRADE_CORE_SIM_SIMULATOR_H_
