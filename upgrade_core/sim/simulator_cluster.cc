// The simulator's cluster: pods, their scheduling onto nodes, and the
// DaemonSet and Deployment controllers (simulator_impl.h).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "upgrade_core/proto/plan.pb.h"
#include "upgrade_core/sim/simulator.h"
#include "upgrade_core/sim/simulator_impl.h"

namespace upgrade_core::sim::internal {

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

}  // namespace upgrade_core::sim::internal
