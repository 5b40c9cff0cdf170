#include "upgrade_core/sim/simulator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/plan/rollout.h"
#include "upgrade_core/proto/plan.pb.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::sim {
namespace {

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

  absl::Status Init(const Cluster& cluster);
  absl::StatusOr<SimResult> Run();

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

  // Pods.
  int CreatePod(int comp, bool is_new, int node);
  bool TrySchedule(int pod);
  void Terminate(int pod);
  // The pod holding `resource` on `node`, or -1.
  int Holder(int node, const std::string& resource, int except) const;
  bool Alive(const Pod& p) const { return p.phase != Phase::kGone; }
  bool Counting(const Pod& p) const {  // not gone, not being deleted
    return p.phase != Phase::kGone && p.phase != Phase::kTerminating;
  }

  // Controllers.
  void Reconcile(int comp);
  void ReconcileDaemonSet(Comp& c, int comp, bool to_new);
  void ReconcileDeployment(Comp& c, int comp, bool to_new);
  // Creates the missing pods of one version (no rollout budgets).
  void Ensure(int comp, bool is_new);

  // Actions.
  absl::Status Begin(const Action& a);
  void ApplyEffect(Running& r);
  // True when the action's condition holds; sets *observed for await-ready.
  bool Satisfied(Running& r, int64_t* observed, bool* stale);
  absl::Status ReportOutcome(uint64_t id, const Outcome& o);
  absl::Status Settle();
  void SyncInFlight();
  std::string Explain();

  // Services and webhooks.
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

absl::Status Sim::Init(const Cluster& cluster) {
  const proto::UpgradePlan& src = p_.source();
  // Nodes.
  nodes_ = cluster.nodes;
  if (nodes_.empty()) {
    // Enough nodes for the cluster as it runs today: the widest DaemonSet,
    // and for each host port one node per pod holding it (two pods cannot
    // hold one port on one node), whichever is more.
    int64_t n = 1;
    std::map<std::string, int64_t> holders;
    for (const proto::Step& s : p_.steps()) {
      if (s.kind() != proto::START_NEW) continue;
      const proto::Component& c = src.components(s.component());
      if (c.kind() == proto::WEBHOOK || c.kind() == proto::CRD) continue;
      const int64_t pods = c.kind() == proto::JOB ? 0 : s.gate().instances();
      if (c.kind() == proto::DAEMON_SET) n = std::max(n, pods);
      for (const std::string& e : c.exclusive()) {
        if (absl::StartsWith(e, "hostPort:"))
          n = std::max(n, holders[e] += pods);
      }
    }
    for (int64_t i = 1; i <= n; ++i) {
      nodes_.push_back({absl::StrCat("node-", i), {}});
    }
  }
  std::set<std::string> node_names;
  for (const Node& n : nodes_) {
    if (n.name.empty() || !node_names.insert(n.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("cluster node name \"", n.name,
                       "\" is empty or repeated; expected unique names"));
    }
  }
  node_alive_.assign(nodes_.size(), true);

  // Components, from the plan and the gates the planner resolved.
  comps_.resize(src.components_size());
  for (int i = 0; i < src.components_size(); ++i) {
    Comp& c = comps_[i];
    c.spec = &src.components(i);
    c.start_first = p_.start_first(i);
    switch (c.spec->kind()) {
      case proto::WEBHOOK:
      case proto::CRD:
        c.shape = Shape::kNone;
        break;
      case proto::JOB:
        c.shape = Shape::kJob;
        break;
      default:
        c.shape = Shape::kPods;
    }
    c.per_node = c.spec->kind() == proto::DAEMON_SET;
    for (const std::string& e : c.spec->exclusive()) {
      if (absl::StartsWith(e, "hostPort:")) c.ports.push_back(e);
    }
  }
  for (const proto::Step& s : p_.steps()) {
    if (s.kind() != proto::START_NEW) continue;
    Comp& c = comps_[s.component()];
    c.instances = s.gate().instances();
    c.strategy = s.gate().strategy();
    c.surge = s.gate().max_surge();
    c.unavailable = s.gate().max_unavailable();
  }
  for (const proto::Step& s : p_.steps()) {
    if (s.kind() == proto::AWAIT_READY) {
      comps_[s.component()].ready_for_ms = s.gate().ready_for_ms();
    }
  }
  // DaemonSets run on the first nodes, except that two holding one host port
  // cannot share a node: a later one starts after the nodes the earlier
  // ones took (as node selectors would keep them apart).
  std::map<std::string, int> port_nodes_used;
  for (int i = 0; i < static_cast<int>(comps_.size()); ++i) {
    Comp& c = comps_[i];
    if (c.shape == Shape::kJob) c.instances = 1;
    if (c.shape == Shape::kNone) c.instances = 0;
    if (c.per_node) {
      int first = 0;
      for (const std::string& port : c.ports) {
        first = std::max(first, port_nodes_used[port]);
      }
      for (int n = first; n < static_cast<int>(nodes_.size()) &&
                          static_cast<int64_t>(c.ds_nodes.size()) < c.instances;
           ++n) {
        c.ds_nodes.push_back(n);
      }
      c.instances = static_cast<int64_t>(c.ds_nodes.size());
      for (const std::string& port : c.ports) {
        port_nodes_used[port] = first + static_cast<int>(c.instances);
      }
    }
  }

  // Faults.
  for (const Fault& f : options_.faults) {
    switch (f.kind) {
      case Fault::Kind::kStepFails: {
        bool found = false;
        for (const proto::Step& s : p_.steps()) {
          found = found || plan_.StepId(s) == f.step;
        }
        for (const proto::Step& s : p_.rollback_steps()) {
          found = found || plan_.StepId(s) == f.step;
        }
        if (!found) {
          return absl::InvalidArgumentError(
              absl::StrCat("fault names step \"", f.step,
                           "\", which the plan does not have; expected "
                           "\"<component>/<kind>\" such as \"web/verify\""));
        }
        if (f.at_ms < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("fault on \"", f.step, "\" at ", f.at_ms,
                           "ms: expected a time >= 0"));
        }
        if (f.at_ms > 0) {
          Schedule(f.at_ms, EvType::kStepFaultAt, &f - &options_.faults[0]);
        }
        if (!(f.probability >= 0 && f.probability <= 1)) {
          return absl::InvalidArgumentError(
              absl::StrCat("fault on \"", f.step, "\": probability ",
                           f.probability, " is not within [0, 1]"));
        }
        break;
      }
      case Fault::Kind::kNeverReady:
      case Fault::Kind::kLateConfig: {
        int found = -1;
        for (int i = 0; i < static_cast<int>(comps_.size()); ++i) {
          if (comps_[i].spec->id() == f.component) found = i;
        }
        if (found < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("fault names component \"", f.component,
                           "\", which the plan does not have"));
        }
        if (f.kind == Fault::Kind::kNeverReady) {
          comps_[found].never_ready = true;
        } else {
          if (f.delay_ms < 0) {
            return absl::InvalidArgumentError(
                absl::StrCat("late config for \"", f.component, "\": delay ",
                             f.delay_ms, "ms is negative"));
          }
          comps_[found].late_config_ms = f.delay_ms;
        }
        break;
      }
      case Fault::Kind::kNodeLost: {
        int found = -1;
        for (int n = 0; n < static_cast<int>(nodes_.size()); ++n) {
          if (nodes_[n].name == f.node) found = n;
        }
        if (found < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("fault names node \"", f.node,
                           "\", which the cluster does not have"));
        }
        if (f.at_ms < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("node loss of \"", f.node, "\" at ", f.at_ms,
                           "ms: expected a time >= 0"));
        }
        Schedule(f.at_ms, EvType::kNodeLost, found);
        break;
      }
    }
  }
  for (const auto& [id, d] : options_.step_durations_by_id) {
    bool found = false;
    for (const proto::Step& s : p_.steps()) {
      found = found || plan_.StepId(s) == id;
    }
    for (const proto::Step& s : p_.rollback_steps()) {
      found = found || plan_.StepId(s) == id;
    }
    if (!found) {
      return absl::InvalidArgumentError(
          absl::StrCat("duration given for step \"", id,
                       "\", which the plan does not have; expected "
                       "\"<component>/<kind>\" such as \"web/verify\""));
    }
    UC_RETURN_IF_ERROR(d.Validate());
  }
  for (const auto& [kind, d] : options_.step_durations) {
    UC_RETURN_IF_ERROR(d.Validate());
  }
  for (const PodTiming* t : {&options_.default_pod_timing}) {
    UC_RETURN_IF_ERROR(t->start.Validate());
    UC_RETURN_IF_ERROR(t->readiness.Validate());
    UC_RETURN_IF_ERROR(t->grace.Validate());
  }
  for (const auto& [id, t] : options_.pod_timing) {
    bool known = false;
    for (const Comp& c : comps_) known = known || c.spec->id() == id;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat("pod timing given for component \"", id,
                       "\", which the plan does not have"));
    }
    UC_RETURN_IF_ERROR(t.start.Validate());
    UC_RETURN_IF_ERROR(t.readiness.Validate());
    UC_RETURN_IF_ERROR(t.grace.Validate());
  }
  if (!(options_.webhook_requests_per_second >= 0) ||
      !std::isfinite(options_.webhook_requests_per_second)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "webhook requests per second ", options_.webhook_requests_per_second,
        ": expected a finite number >= 0"));
  }
  if (options_.horizon_ms <= 0) {
    return absl::InvalidArgumentError("horizon must be > 0 ms");
  }

  // Services and floors.
  std::map<std::string, std::vector<int>> providers;
  for (int i = 0; i < static_cast<int>(comps_.size()); ++i) {
    for (const std::string& s : comps_[i].spec->provides()) {
      providers[s].push_back(i);
    }
  }
  for (const auto& [name, comps] : providers) {
    ServiceResult s;
    s.name = name;
    for (int i : comps) s.endpoints_total += comps_[i].instances;
    for (const proto::AvailabilityFloor& f : src.policy().availability()) {
      if (f.service() != name) continue;
      const plan::IntOrString v =
          plan::IntOrString::FromProto(f.min_available());
      if (v.is_int()) {
        s.floor = v.int_value();
      } else if (v.IsValidPercent()) {
        int64_t pct = 0;
        if (absl::SimpleAtoi(absl::string_view(v.str_value())
                                 .substr(0, v.str_value().size() - 1),
                             &pct)) {
          // Rounded up, as a PodDisruptionBudget's minAvailable is.
          s.floor = (s.endpoints_total * pct + 99) / 100;
        }
      }
    }
    result_.services.push_back(std::move(s));
    service_providers_.push_back(comps);
  }
  for (int i = 0; i < static_cast<int>(comps_.size()); ++i) {
    const proto::Component& c = *comps_[i].spec;
    if (c.kind() != proto::WEBHOOK) continue;
    int server = -1;
    for (int j = 0; j < static_cast<int>(comps_.size()); ++j) {
      if (comps_[j].spec->id() == c.webhook().served_by()) server = j;
    }
    WebhookResult w;
    w.id = c.id();
    w.failure_policy =
        c.webhook().failure_policy() == proto::IGNORE ? "Ignore" : "Fail";
    w.served_by = c.webhook().served_by();
    result_.webhooks.push_back(std::move(w));
    webhook_server_.push_back(server);
  }

  // The old version, running and ready at time 0: DaemonSet pods first
  // (they are bound to their nodes), then the others where there is room.
  initializing_ = true;
  for (const bool per_node : {true, false}) {
    for (int i = 0; i < static_cast<int>(comps_.size()); ++i) {
      Comp& c = comps_[i];
      if (c.shape == Shape::kNone || c.per_node != per_node) continue;
      for (int64_t k = 0; k < c.instances; ++k) {
        CreatePod(i, false, c.per_node ? c.ds_nodes[k] : -1);
      }
    }
  }
  initializing_ = false;
  for (const Pod& p : pods_) {
    if (p.phase != Phase::kPending) continue;
    return absl::InvalidArgumentError(absl::StrCat(
        "the cluster cannot run the current version: pod ", p.name,
        p.conflict >= 0
            ? absl::StrCat(" needs ", result_.conflicts[p.conflict].resource,
                           ", held on every node it may run on (e.g. by ",
                           result_.conflicts[p.conflict].holder, " on ",
                           result_.conflicts[p.conflict].node, ")")
            : std::string(" has no node to run on"),
        "; expected a node for every pod"));
  }
  result_.timeline.clear();  // the initial state is not an event

  UC_ASSIGN_OR_RETURN(
      orch_, exec::Orchestrator::Create(
                 plan_, exec::OrchestratorOptions{nullptr, options_.seed}));
  for (int i = 0; i < static_cast<int>(comps_.size()); ++i) {
    if (comps_[i].shape != Shape::kPods) continue;
    result_.components.push_back({comps_[i].spec->id(), comps_[i].instances,
                                  comps_[i].instances, comps_[i].instances});
    component_result_.push_back(i);
  }
  result_.plan = p_.name();
  result_.seed = options_.seed;
  for (size_t s = 0; s < result_.services.size(); ++s) {
    int64_t n = 0;
    for (int c : service_providers_[s]) n += ReadyEndpoints(c);
    service_last_.push_back(n);
    result_.services[s].min_ready = n;
    result_.services[s].ready_over_time.push_back({0, n});
  }
  for (int64_t server : webhook_server_) {
    webhook_down_.push_back(server < 0 || ReadyEndpoints(server) == 0);
  }
  return absl::OkStatus();
}

// --- Pods -------------------------------------------------------------------

int Sim::CreatePod(int comp, bool is_new, int node) {
  Comp& c = comps_[comp];
  Pod p;
  p.comp = comp;
  p.is_new = is_new;
  p.node = node;
  p.name = absl::StrCat(
      c.spec->id(), is_new ? "-new-" : "-old-",
      c.per_node ? nodes_[node].name : absl::StrCat(++c.name_counter[is_new]));
  if (c.per_node) {
    // A DaemonSet pod recreated on a node gets a fresh name, as Kubernetes
    // gives it a fresh suffix.
    std::vector<int>& created = c.created_on_node[is_new];
    if (created.size() <= static_cast<size_t>(node)) {
      created.resize(nodes_.size(), 0);
    }
    const int same = created[node]++;
    if (same > 0) absl::StrAppend(&p.name, "-", same + 1);
  }
  pods_.push_back(std::move(p));
  const int index = static_cast<int>(pods_.size()) - 1;
  c.pods.push_back(index);
  TrySchedule(index);
  return index;
}

int Sim::Holder(int node, const std::string& resource, int except) const {
  for (int i = 0; i < static_cast<int>(pods_.size()); ++i) {
    const Pod& q = pods_[i];
    if (i == except || q.node != node || !Alive(q) ||
        q.phase == Phase::kPending) {
      continue;
    }
    for (const std::string& r : comps_[q.comp].ports) {
      if (r == resource) return i;
    }
  }
  return -1;
}

bool Sim::TrySchedule(int index) {
  Pod& p = pods_[index];
  const Comp& c = comps_[p.comp];
  if (p.phase != Phase::kPending) return true;
  // Candidate nodes: its own (DaemonSet) or, like the scheduler, the alive
  // node with the fewest pods of the component where its ports are free.
  std::vector<int> candidates;
  if (c.per_node) {
    if (p.node >= 0 && node_alive_[p.node]) candidates.push_back(p.node);
  } else {
    std::vector<int> count(nodes_.size(), 0);
    for (int q : c.pods) {
      const Pod& o = pods_[q];
      if (q != index && o.node >= 0 && Alive(o) && o.phase != Phase::kPending) {
        ++count[o.node];
      }
    }
    if (c.ports.empty()) {
      // Nothing can clash: the first candidate is the one; no need to
      // order them all (this was most of the cost on large clusters).
      int best = -1;
      for (int n = 0; n < static_cast<int>(nodes_.size()); ++n) {
        if (node_alive_[n] && (best < 0 || count[n] < count[best])) best = n;
      }
      if (best >= 0) candidates.push_back(best);
    } else {
      std::vector<std::pair<int, int>> load;  // (pods of comp, node)
      for (int n = 0; n < static_cast<int>(nodes_.size()); ++n) {
        if (node_alive_[n]) load.push_back({count[n], n});
      }
      std::sort(load.begin(), load.end());
      for (const auto& [k, n] : load) candidates.push_back(n);
    }
  }
  std::string clash;
  int clash_node = -1, clash_holder = -1;
  for (int n : candidates) {
    bool free = true;
    for (const std::string& r : c.ports) {
      const int h = Holder(n, r, index);
      if (h >= 0) {
        if (clash_node < 0) {
          clash_node = n;
          clash = r;
          clash_holder = h;
        }
        free = false;
        break;
      }
    }
    if (!free) continue;
    // Scheduled: starts, then becomes ready (or, a Job, completes).
    if (p.conflict >= 0) {
      result_.conflicts[p.conflict].until_ms = now_;
      p.conflict = -1;
    }
    p.node = n;
    if (initializing_) {
      p.phase = Phase::kReady;
      return true;
    }
    p.phase = Phase::kStarting;
    const PodTiming& t = Timing(p.comp);
    const int64_t start = t.start.Sample(rng_);
    const int64_t ready = t.readiness.Sample(rng_);
    p.config_at = now_;
    if (p.is_new && c.late_config_ms >= 0) {
      p.config_late = true;
      Schedule(now_ + c.late_config_ms, EvType::kConfigArrives, index);
    }
    Log(absl::StrCat("pod ", p.name, " scheduled on ", nodes_[n].name));
    if (!(p.is_new && c.never_ready)) {
      Schedule(now_ + start + ready, EvType::kPodReady, index);
    }
    return true;
  }
  // Pending. Record the clash once per pod (the first holder seen).
  if (clash_node >= 0 && p.conflict < 0) {
    Conflict k;
    k.pod = p.name;
    k.node = nodes_[clash_node].name;
    k.resource = clash;
    k.holder = pods_[clash_holder].name;
    k.since_ms = now_;
    result_.conflicts.push_back(k);
    p.conflict = static_cast<int>(result_.conflicts.size()) - 1;
    p.node = c.per_node ? p.node : clash_node;
    Log(absl::StrCat("pod ", p.name, " pending on ", k.node, ": ", clash,
                     " held by ", k.holder));
  } else if (clash_node < 0 && candidates.empty() && p.conflict < 0) {
    Log(absl::StrCat("pod ", p.name, " pending: no node to run on"));
  }
  return false;
}

void Sim::Terminate(int index) {
  Pod& p = pods_[index];
  if (p.phase == Phase::kGone || p.phase == Phase::kTerminating) return;
  if (p.phase == Phase::kPending) {
    // Never started: deleted at once, holding nothing.
    p.phase = Phase::kGone;
    Log(absl::StrCat("pod ", p.name, " deleted while pending"));
    return;
  }
  p.phase = Phase::kTerminating;
  Log(absl::StrCat("pod ", p.name, " terminating"));
  Schedule(now_ + Timing(p.comp).grace.Sample(rng_), EvType::kPodGone, index);
}

// --- Controllers ------------------------------------------------------------

void Sim::Ensure(int comp, bool is_new) {
  Comp& c = comps_[comp];
  if (c.per_node) {
    for (int n : c.ds_nodes) {
      if (!node_alive_[n]) continue;
      bool has = false;
      for (int q : c.pods) {
        has = has || (pods_[q].node == n && pods_[q].is_new == is_new &&
                      Counting(pods_[q]));
      }
      if (!has) CreatePod(comp, is_new, n);
    }
    return;
  }
  int64_t have = 0;
  for (int q : c.pods) have += pods_[q].is_new == is_new && Counting(pods_[q]);
  for (; have < c.instances; ++have) CreatePod(comp, is_new, -1);
}

// Both controllers roll toward `to_new` (the new version; the old one when a
// rollback undoes a rolling update the same way): "target" pods are of that
// version, "other" pods of the other one.
void Sim::ReconcileDaemonSet(Comp& c, int comp, bool to_new) {
  // Kubernetes' DaemonSet rolling update, node by node: with maxSurge, a
  // target pod starts next to the other one, which goes once the target is
  // ready; with maxUnavailable, the other pod goes first (at most that many
  // nodes without a ready pod), then the target starts.
  int64_t unavailable = 0, surging = 0;
  struct NodeState {
    int node;
    int other = -1, target = -1;
    bool other_ready = false, target_ready = false;
    bool terminating = false;  // a pod of the component is being deleted
  };
  // One pass over the pods (work proportional to pods, not nodes x pods).
  std::vector<int> slot(nodes_.size(), -1);
  std::vector<NodeState> states;
  states.reserve(c.ds_nodes.size());
  for (int n : c.ds_nodes) {
    if (!node_alive_[n]) continue;
    slot[n] = static_cast<int>(states.size());
    states.push_back(NodeState{n});
  }
  for (int q : c.pods) {
    const Pod& p = pods_[q];
    if (p.node < 0 || slot[p.node] < 0) continue;
    NodeState& s = states[slot[p.node]];
    if (p.phase == Phase::kTerminating) s.terminating = true;
    if (!Counting(p)) continue;
    const bool t = p.is_new == to_new;
    (t ? s.target : s.other) = q;
    if (p.phase == Phase::kReady) (t ? s.target_ready : s.other_ready) = true;
  }
  for (const NodeState& s : states) {
    unavailable += !s.other_ready && !s.target_ready;
    surging += s.other >= 0 && s.target >= 0;
  }
  for (NodeState& s : states) {
    if (s.target >= 0 && s.other >= 0 &&
        (s.target_ready || pods_[s.other].phase != Phase::kReady)) {
      Terminate(s.other);  // replaced (or not serving anyway)
      s.other = -1;
      --surging;
      continue;
    }
    if (s.target >= 0) continue;
    if (s.other < 0) {
      // Like the DaemonSet controller, wait for a pod being deleted on the
      // node to be gone before starting the next one there.
      if (s.terminating) continue;
      // Nothing counting on the node: start the target pod (it waits for
      // the ports of a terminating one, if any).
      s.target = CreatePod(comp, to_new, s.node);
      continue;
    }
    if (c.surge > 0 && surging < c.surge) {
      s.target = CreatePod(comp, to_new, s.node);
      ++surging;
    } else if (c.surge == 0 && unavailable < c.unavailable) {
      if (s.other_ready) ++unavailable;
      Terminate(s.other);  // the target starts once it is gone
      s.other = -1;
    }
  }
}

void Sim::ReconcileDeployment(Comp& c, int comp, bool to_new) {
  // Kubernetes' Deployment rolling update: target pods while the total
  // stays within replicas + maxSurge; other pods go while the ready ones
  // stay at least replicas - maxUnavailable.
  int64_t other_n = 0, target_n = 0, ready = 0;
  for (int q : c.pods) {
    const Pod& p = pods_[q];
    if (!Counting(p)) continue;
    (p.is_new == to_new ? target_n : other_n) += 1;
    ready += p.phase == Phase::kReady;
  }
  const auto scale_up = [&] {
    while (target_n < c.instances &&
           other_n + target_n < c.instances + c.surge) {
      CreatePod(comp, to_new, -1);
      ++target_n;
    }
  };
  scale_up();
  // Other pods that are not ready go first (they cost no availability).
  for (int pass = 0; pass < 2; ++pass) {
    for (int q : c.pods) {
      Pod& p = pods_[q];
      if (p.is_new == to_new || !Counting(p)) continue;
      const bool is_ready = p.phase == Phase::kReady;
      if (pass == 0 && is_ready) continue;
      if (is_ready && ready - 1 < c.instances - c.unavailable) continue;
      Terminate(q);
      --other_n;
      ready -= is_ready;
    }
  }
  scale_up();  // into the room the deleted pods left
}

void Sim::Reconcile(int comp) {
  Comp& c = comps_[comp];
  if (c.shape == Shape::kNone) return;
  if (!c.rolling && !c.restoring) return;
  const bool to_new = !c.restoring;
  if (c.restoring && c.strategy != proto::ROLLING_UPDATE) {
    // Undoing a recreate or a start-first: the new pods go, the old ones
    // come back.
    for (int q : c.pods) {
      if (pods_[q].is_new) Terminate(q);
    }
    Ensure(comp, false);
  } else if (c.per_node) {
    ReconcileDaemonSet(c, comp, to_new);
  } else {
    ReconcileDeployment(c, comp, to_new);
  }
  // Pending pods retry whenever something may have freed their ports.
  for (int q : c.pods) {
    if (pods_[q].phase == Phase::kPending) TrySchedule(q);
  }
}

int64_t Sim::Desired(int comp) const {
  const Comp& c = comps_[comp];
  if (!c.per_node) return c.instances;
  int64_t n = 0;
  for (int node : c.ds_nodes) n += node_alive_[node];
  return n;
}

int64_t Sim::ReadyEndpoints(int comp) const {
  const Comp& c = comps_[comp];
  if (c.shape != Shape::kPods) return 0;
  int64_t n = 0;
  for (int q : c.pods) n += pods_[q].phase == Phase::kReady;
  return n;
}

// --- Actions ----------------------------------------------------------------

absl::Status Sim::Begin(const Action& a) {
  Log(absl::StrCat(a.step_id, " issued",
                   a.attempt > 1 ? absl::StrCat(" (attempt ", a.attempt, ")")
                                 : std::string()));
  Running r;
  r.action = a;
  if (a.kind == proto::START_NEW) {
    comps_[a.component].start_new_issued = a.issued_at_ms;
  }
  // Performing the step takes a while; a start-new takes at least 1ms, so the
  // config it applies reaches the pods after the action was issued (the
  // orchestrator's readiness freshness rule).
  int64_t d = StepDuration(a).Sample(rng_);
  if (a.kind == proto::START_NEW || a.kind == proto::TERMINATE_OLD) {
    d = std::max<int64_t>(d, 1);
  }
  bool fail = false;
  for (const Fault& f : options_.faults) {
    if (f.kind != Fault::Kind::kStepFails || f.step != a.step_id ||
        f.at_ms > 0) {
      continue;
    }
    if (f.attempts >= 0 && a.attempt > f.attempts) continue;
    if (rng_.Chance(f.probability)) fail = true;
  }
  Schedule(now_ + d, fail ? EvType::kActionFail : EvType::kActionEffect, a.id);
  running_.emplace(a.id, std::move(r));
  return absl::OkStatus();
}

void Sim::ApplyEffect(Running& r) {
  const Action& a = r.action;
  const int comp = a.component;
  Comp& c = comps_[comp];
  r.effect_done = true;
  if (c.shape == Shape::kNone) return;
  const bool rolling = c.strategy == proto::ROLLING_UPDATE;
  switch (a.kind) {
    case proto::TERMINATE_OLD: {
      if (c.strategy == proto::ON_DELETE) return;  // a person deletes them
      if (rolling && !c.start_first) {
        // The first batch goes; the controller takes over at start-new.
        int64_t k = std::max<int64_t>(a.batch, 1);
        for (int q : c.pods) {
          if (k > 0 && !pods_[q].is_new && Counting(pods_[q])) {
            Terminate(q);
            --k;
          }
        }
        return;
      }
      if (rolling) return;  // the controller removed them already
      for (int q : c.pods) {
        if (!pods_[q].is_new) Terminate(q);
      }
      return;
    }
    case proto::START_NEW: {
      if (c.strategy == proto::ON_DELETE) return;
      c.runs_new = true;
      if (rolling) {
        c.rolling = true;
        return;
      }
      int64_t have = 0;
      for (int q : c.pods) have += pods_[q].is_new && Counting(pods_[q]);
      if (c.per_node) {
        for (int n : c.ds_nodes) {
          if (!node_alive_[n]) continue;
          bool has = false;
          for (int q : c.pods) {
            has = has ||
                  (pods_[q].is_new && pods_[q].node == n && Counting(pods_[q]));
          }
          if (!has) CreatePod(comp, true, n);
        }
      } else {
        for (; have < c.instances; ++have) CreatePod(comp, true, -1);
      }
      return;
    }
    case proto::ROLLBACK:
      c.rolling = false;
      c.runs_new = false;
      c.restoring = true;
      return;
    default:
      return;
  }
}

bool Sim::Satisfied(Running& r, int64_t* observed, bool* stale) {
  const Action& a = r.action;
  const Comp& c = comps_[a.component];
  if (!r.effect_done) return false;
  if (c.shape == Shape::kNone) return true;
  switch (a.kind) {
    case proto::TERMINATE_OLD: {
      if (c.strategy == proto::ON_DELETE) return false;
      int64_t old_alive = 0, old_total = 0;
      for (int q : c.pods) {
        if (pods_[q].is_new) continue;
        ++old_total;
        old_alive += Alive(pods_[q]);
      }
      if (c.strategy == proto::ROLLING_UPDATE && !c.start_first) {
        // The first batch is gone.
        return old_alive == 0 ||
               old_total - old_alive >=
                   std::min<int64_t>(std::max<int64_t>(a.batch, 1), old_total);
      }
      return old_alive == 0;
    }
    case proto::AWAIT_READY: {
      const int64_t need = Desired(a.component);
      int64_t ready = 0, config = 0;
      bool late = false;
      for (int q : c.pods) {
        const Pod& p = pods_[q];
        if (!p.is_new || p.phase != Phase::kReady) continue;
        if (now_ - p.ready_since < c.ready_for_ms) continue;
        ++ready;
        config = std::max(config, p.config_at);
        late = late || p.config_late;
      }
      if (ready < need || need == 0) return need == 0;
      *stale = late;
      *observed = config;
      return true;
    }
    case proto::ROLLBACK: {
      int64_t old_ready = 0;
      for (int q : c.pods) {
        const Pod& p = pods_[q];
        if (p.is_new && Alive(p)) return false;
        old_ready += !p.is_new && p.phase == Phase::kReady;
      }
      return old_ready >= Desired(a.component);
    }
    default:
      return true;
  }
}

absl::Status Sim::ReportOutcome(uint64_t id, const Outcome& o) {
  absl::Status s = orch_->Report(id, o, now_);
  if (absl::IsFailedPrecondition(s)) {
    // Timed out (or otherwise finished) before this report: the
    // orchestrator has decided already.
    running_.erase(id);
    return absl::OkStatus();
  }
  return s;
}

void Sim::SyncInFlight() {
  absl::flat_hash_set<uint64_t> live;
  for (const Action& a : orch_->InFlight()) live.insert(a.id);
  for (auto it = running_.begin(); it != running_.end();) {
    if (live.contains(it->first)) {
      ++it;
      continue;
    }
    Log(absl::StrCat(it->second.action.step_id, " timed out after ",
                     FormatDuration(it->second.action.deadline_ms -
                                    it->second.action.issued_at_ms)));
    it = running_.erase(it);
  }
}

absl::Status Sim::Settle() {
  // Each round issues or finishes at least one action, so a plan settles in
  // rounds proportional to its steps; the bound only turns a model bug into
  // an error instead of a hang.
  const int max_rounds = 16 * (p_.steps_size() + p_.rollback_steps_size()) + 64;
  for (int round = 0;; ++round) {
    if (round >= max_rounds) {
      return absl::InternalError(absl::StrCat(
          "simulation did not settle at ", FormatDuration(now_), " after ",
          max_rounds, " rounds (a model bug; please report it)"));
    }
    UC_ASSIGN_OR_RETURN(std::vector<Action> actions, orch_->NextActions(now_));
    SyncInFlight();
    for (const Action& a : actions) UC_RETURN_IF_ERROR(Begin(a));
    for (int i = 0; i < static_cast<int>(comps_.size()); ++i) Reconcile(i);
    bool reported = false;
    std::vector<uint64_t> ids;
    for (const auto& [id, r] : running_) ids.push_back(id);
    for (uint64_t id : ids) {
      auto it = running_.find(id);
      if (it == running_.end()) continue;
      Running& r = it->second;
      int64_t observed = 0;
      bool stale = false;
      if (!Satisfied(r, &observed, &stale)) continue;
      const std::string step_id = r.action.step_id;
      if (stale) {
        // The pods are ready, but on the config they had before the new one
        // arrived: what the runner sees is readiness as of the start-new.
        const int64_t stale_at =
            std::max<int64_t>(1, comps_[r.action.component].start_new_issued);
        if (r.last_observed == stale_at) continue;
        r.last_observed = stale_at;
        UC_RETURN_IF_ERROR(ReportOutcome(id, Outcome::Succeeded(stale_at)));
        Log(absl::StrCat(step_id,
                         ": readiness reported before the new config "
                         "arrived (stale, observed at ",
                         FormatDuration(stale_at), ")"));
        continue;
      }
      if (r.action.kind == proto::AWAIT_READY) {
        if (r.last_observed == observed) continue;
        r.last_observed = observed;
      }
      // ReportOutcome may erase running_[id] (a report the orchestrator
      // refused): `r` is not used after it.
      const bool rollback = r.action.kind == proto::ROLLBACK;
      const int component = r.action.component;
      UC_RETURN_IF_ERROR(ReportOutcome(id, Outcome::Succeeded(observed)));
      if (running_.count(id) == 0) continue;  // finished before the report
      bool still = false;
      for (const Action& a : orch_->InFlight()) still = still || a.id == id;
      if (still) {
        Log(absl::StrCat(step_id, ": readiness ignored as stale"));
        continue;
      }
      running_.erase(id);
      Log(absl::StrCat(step_id, " succeeded"));
      if (rollback) comps_[component].restoring = false;
      reported = true;
    }
    if (!reported && actions.empty()) break;
    if (orch_->done()) break;
  }
  Measure();
  return absl::OkStatus();
}

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

}  // namespace

absl::StatusOr<SimResult> Simulate(const plan::ExecutionPlan& plan,
                                   const Cluster& cluster,
                                   const SimOptions& options) {
  Sim sim(plan, options);
  UC_RETURN_IF_ERROR(sim.Init(cluster));
  return sim.Run();
}

}  // namespace upgrade_core::sim
