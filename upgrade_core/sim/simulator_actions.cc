// The simulator's actions: performing what the orchestrator issues on the
// model, reporting the outcomes, settling a moment (simulator_impl.h).
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/proto/plan.pb.h"
#include "upgrade_core/sim/simulator.h"
#include "upgrade_core/sim/simulator_impl.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::sim::internal {

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

}  // namespace upgrade_core::sim::internal
