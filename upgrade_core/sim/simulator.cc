// The simulator's setup (Sim::Init) and the public Simulate(). The model
// and the layout of the other source files are in simulator_impl.h.
#include "upgrade_core/sim/simulator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/plan/rollout.h"
#include "upgrade_core/proto/plan.pb.h"
#include "upgrade_core/sim/simulator_impl.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::sim {
namespace internal {

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

}  // namespace internal

absl::StatusOr<SimResult> Simulate(const plan::ExecutionPlan& plan,
                                   const Cluster& cluster,
                                   const SimOptions& options) {
  internal::Sim sim(plan, options);
  UC_RETURN_IF_ERROR(sim.Init(cluster));
  return sim.Run();
}

}  // namespace upgrade_core::sim
