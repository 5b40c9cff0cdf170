// File: simulator_impl.h (internal to //upgrade_core/sim:simulator)
// -----------------------------------------------------------------------------
// The simulator's model and its event queue, shared by its source files:
// simulator.cc (Init: nodes, components, faults, services and the old
// version at time 0; the public Simulate()),
// simulator_cluster.cc (pods and their scheduling onto nodes, the
// DaemonSet and Deployment controllers),
// simulator_actions.cc (performing the orchestrator's actions on the model,
// reporting their outcomes, settling a moment) and
// simulator_events.cc (the event loop in time, the measures, why a run is
// stuck).
#ifndef UPGRADE_CORE_SIM_SIMULATOR_IMPL_H_
#define UPGRADE_CORE_SIM_SIMULATOR_IMPL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/proto/plan.pb.h"
#include "upgrade_core/sim/distribution.h"
#include "upgrade_core/sim/simulator.h"

namespace upgrade_core::sim::internal {

using exec::Action;
using exec::ComponentStatus;
using exec::FormatDuration;
using exec::Outcome;

enum class Phase { kPending, kStarting, kReady, kTerminating, kGone };

struct Pod {
  std::string name;
  int comp = 0;
  bool is_new = false;
  int node = -1;  // preferred node while pending; the node it runs on after
  Phase phase = Phase::kPending;
  int64_t ready_since = 0;
  int64_t config_at = 0;     // when the pod's config (new or old) reached it
  bool config_late = false;  // the new config has not arrived yet
  int conflict = -1;  // index into conflicts_ while pending on a held port
};

// How a component exists in the model.
enum class Shape {
  kNone,  // no pods (Webhook registration, CRD)
  kPods,  // long-running pods (Deployment, DaemonSet, StatefulSet...)
  kJob,   // a pod that runs to completion
};

struct Comp {
  const proto::Component* spec = nullptr;
  Shape shape = Shape::kNone;
  bool per_node = false;
  int64_t instances = 0;  // replicas (pods) or nodes (DaemonSet)
  proto::StrategyType strategy = proto::STRATEGY_TYPE_UNSPECIFIED;
  int64_t surge = 0;
  int64_t unavailable = 0;
  bool start_first = false;
  std::vector<int> ds_nodes;       // DaemonSet: the nodes it should run on
  std::vector<std::string> ports;  // node-exclusive resources (hostPort:*)
  std::vector<int> pods;           // indices into Sim::pods_, creation order
  bool rolling = false;            // the controller rolls toward new
  bool restoring = false;          // rollback: the controller restores old
  bool runs_new = false;           // new pods were started (and not undone)
  bool never_ready = false;        // fault
  int64_t late_config_ms = -1;     // fault
  int name_counter[2] = {0, 0};    // old, new
  // DaemonSets: pods created so far per node, old and new (for names).
  std::vector<int> created_on_node[2];
  int64_t ready_for_ms = 0;      // await-ready: minReadySeconds
  int64_t start_new_issued = 0;  // the latest start-new action's issue time
};

struct Running {
  Action action;
  bool effect_done = false;
  int64_t last_observed = -1;  // the last readiness reported
};

enum class EvType {
  kActionEffect,
  kActionFail,
  kPodReady,
  kPodGone,
  kConfigArrives,
  kNodeLost,
  kStepFaultAt,
  kWake
};

struct Event {
  int64_t at = 0;
  uint64_t seq = 0;
  EvType type = EvType::kWake;
  uint64_t id = 0;  // action id, pod index or node index
  bool operator>(const Event& o) const {
    return std::tie(at, seq) > std::tie(o.at, o.seq);
  }
};

class Sim {
 public:
  Sim(const plan::ExecutionPlan& plan, const SimOptions& options)
      : plan_(plan), p_(plan.proto()), options_(options), rng_(options.seed) {}

  absl::Status Init(const Cluster& cluster);  // simulator.cc
  absl::StatusOr<SimResult> Run();            // simulator_events.cc

 private:
  void Log(std::string what) {
    result_.timeline.push_back({now_, std::move(what)});
  }
  void Schedule(int64_t at, EvType type, uint64_t id) {
    queue_.push({at, seq_++, type, id});
  }
  const PodTiming& Timing(int comp) const {
    auto it = options_.pod_timing.find(comps_[comp].spec->id());
    return it == options_.pod_timing.end() ? options_.default_pod_timing
                                           : it->second;
  }
  Duration StepDuration(const Action& a) const {
    auto by_id = options_.step_durations_by_id.find(a.step_id);
    if (by_id != options_.step_durations_by_id.end()) return by_id->second;
    const proto::StepKind kind = a.kind;
    auto it = options_.step_durations.find(kind);
    if (it != options_.step_durations.end()) return it->second;
    if (kind == proto::BACKUP) return Duration::Fixed(10000);
    if (kind == proto::VERIFY) return Duration::Fixed(3000);
    return Duration::Fixed(1000);
  }

  // Pods (simulator_cluster.cc).
  int CreatePod(int comp, bool is_new, int node);
  bool TrySchedule(int pod);
  void Terminate(int pod);
  // The pod holding `resource` on `node`, or -1.
  int Holder(int node, const std::string& resource, int except) const;
  bool Alive(const Pod& p) const { return p.phase != Phase::kGone; }
  bool Counting(const Pod& p) const {  // not gone, not being deleted
    return p.phase != Phase::kGone && p.phase != Phase::kTerminating;
  }

  // Controllers (simulator_cluster.cc).
  void Reconcile(int comp);
  void ReconcileDaemonSet(Comp& c, int comp, bool to_new);
  void ReconcileDeployment(Comp& c, int comp, bool to_new);
  // Creates the missing pods of one version (no rollout budgets).
  void Ensure(int comp, bool is_new);

  // Actions (simulator_actions.cc; Explain: simulator_events.cc).
  absl::Status Begin(const Action& a);
  void ApplyEffect(Running& r);
  // True when the action's condition holds; sets *observed for await-ready.
  bool Satisfied(Running& r, int64_t* observed, bool* stale);
  absl::Status ReportOutcome(uint64_t id, const Outcome& o);
  absl::Status Settle();
  void SyncInFlight();
  std::string Explain();

  // Services and webhooks (Measure: simulator_events.cc; the counts:
  // simulator_cluster.cc).
  void Measure();
  int64_t ReadyEndpoints(int comp) const;
  // Instances the component should have now (a DaemonSet: its nodes still
  // there).
  int64_t Desired(int comp) const;

  const plan::ExecutionPlan& plan_;
  const proto::ExecutionPlan& p_;
  SimOptions options_;
  Rng rng_;
  std::unique_ptr<exec::Orchestrator> orch_;
  int64_t now_ = 0;
  uint64_t seq_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
  std::vector<Node> nodes_;
  std::vector<bool> node_alive_;
  std::vector<Comp> comps_;
  std::vector<Pod> pods_;
  std::map<uint64_t, Running> running_;  // by action id
  SimResult result_;
  // Services: name -> (provider components); measured state.
  std::vector<std::vector<int>> service_providers_;
  std::vector<int64_t> service_last_;
  std::vector<int64_t> webhook_server_;  // comp index of each webhook's server
  std::vector<bool> webhook_down_;       // as measured last
  int64_t last_measure_ = 0;
  std::vector<int> component_result_;  // comp index of each ComponentResult
  bool initializing_ = false;          // placing the old version at time 0
};

}  // namespace upgrade_core::sim::internal

#endif  // UPGRADE_CORE_SIM_SIMULATOR_IMPL_H_
