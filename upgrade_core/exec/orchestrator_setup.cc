// The Orchestrator's setup: checking the compiled plan, building its step
// tables (dependents, rollback steps, resources) and its lifecycles
// (orchestrator_impl.h).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/orchestrator_impl.h"
#include "upgrade_core/util/status_macros.h"

namespace upgrade_core::exec {

// ---------------------------------------------------------------------------
// Setup.

absl::Status Orchestrator::Impl::Init() {
  hash_ = exec::PlanHash(plan_);
  const int n = p_.components_size();
  if (p_.start_first_size() != n || p_.backup_size() != n ||
      p_.source().components_size() != n) {
    return absl::InvalidArgumentError(absl::StrCat(
        "execution plan '", p_.name(), "' is inconsistent: ", n,
        " components but ", p_.start_first_size(), " start_first, ",
        p_.backup_size(), " backup and ", p_.source().components_size(),
        " source components (compile it with plan::CompilePlan)"));
  }
  policy_ = p_.on_failure() == proto::FAILURE_POLICY_UNSPECIFIED
                ? proto::ROLLBACK_ALL
                : p_.on_failure();
  max_parallel_ = std::max(0, p_.max_parallel());
  const bool policy_rolls_back =
      policy_ == proto::ROLLBACK_ALL || policy_ == proto::ROLLBACK_FAILED;

  // Point of no return: a promise to roll back must not cross an
  // irreversible component unless the plan accepts it as a checkpoint.
  std::vector<std::string> refused;
  for (int c = 0; c < n; ++c) {
    const proto::Component& src = Source(c);
    if (src.irreversible() && !src.checkpoint() && policy_rolls_back) {
      refused.push_back(absl::StrCat("'", src.id(), "'"));
    }
  }
  if (!refused.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "plan '", p_.name(), "': onFailure ",
        policy_ == proto::ROLLBACK_ALL ? "rollback-all" : "rollback-failed",
        " promises a rollback, but component", refused.size() > 1 ? "s " : " ",
        absl::StrJoin(refused, ", "), refused.size() > 1 ? " are" : " is",
        " irreversible and cannot be rolled back; mark ",
        refused.size() > 1 ? "them" : "it",
        " checkpoint: true (a point of no return: a failure after it rolls "
        "back only what came after it) or use onFailure pause or continue"));
  }

  // Components and their contiguous steps.
  comps_.resize(n);
  std::vector<bool> seen(n, false);
  int32_t prev = -1;
  for (int32_t s = 0; s < p_.steps_size(); ++s) {
    const proto::Step& step = p_.steps(s);
    const int c = step.component();
    if (c < 0 || c >= n) {
      return absl::InvalidArgumentError(
          absl::StrCat("step ", s, " names component ", c, " of ", n));
    }
    if (!plan::StepState(step.kind()).has_value() ||
        step.kind() == proto::ROLLBACK) {
      return absl::InvalidArgumentError(
          absl::StrCat("step ", s, " (", Name(c), ") has kind ", step.kind(),
                       ", not a forward step kind"));
    }
    if (c != prev) {
      if (seen[c]) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the steps of component '", Name(c),
            "' are not contiguous (compile the plan with plan::CompilePlan)"));
      }
      seen[c] = true;
      comps_[c].first_step = s;
      comps_[c].cur = s;
      if (step.kind() != proto::PREFLIGHT) {
        return absl::InvalidArgumentError(
            absl::StrCat("component '", Name(c), "' starts with ",
                         plan_.StepId(step), ", not its preflight"));
      }
      prev = c;
    }
    comps_[c].end_step = s + 1;
    for (int32_t d : step.depends_on()) {
      if (d < 0 || d >= p_.steps_size() || d == s) {
        return absl::InvalidArgumentError(
            absl::StrCat("step ", plan_.StepId(step), " depends on step ", d,
                         " of ", p_.steps_size()));
      }
    }
  }
  for (int c = 0; c < n; ++c) {
    if (!seen[c]) {
      return absl::InvalidArgumentError(
          absl::StrCat("component '", Name(c), "' has no steps"));
    }
  }

  for (int kind = 0; kind < proto::StepKind_ARRAYSIZE; ++kind) {
    for (int sf = 0; sf < 2; ++sf) {
      for (int b = 0; b < 2; ++b) {
        transitions_[kind][sf][b] =
            plan::StepTransition(proto::StepKind(kind), sf, b)
                .value_or(plan::LifecycleTransition{});
      }
    }
  }

  // Forward dependents (CSR) and unfinished-dependency counts.
  const int32_t ns = p_.steps_size();
  ss_.assign(ns, SS::kWaiting);
  pending_.assign(ns, 0);
  dep_off_.assign(ns + 1, 0);
  for (int32_t s = 0; s < ns; ++s) {
    for (int32_t d : p_.steps(s).depends_on()) ++dep_off_[d + 1];
    pending_[s] = p_.steps(s).depends_on_size();
  }
  for (int32_t s = 0; s < ns; ++s) dep_off_[s + 1] += dep_off_[s];
  deps_.resize(dep_off_[ns]);
  {
    std::vector<int32_t> fill(dep_off_.begin(), dep_off_.end() - 1);
    for (int32_t s = 0; s < ns; ++s) {
      for (int32_t d : p_.steps(s).depends_on()) deps_[fill[d]++] = s;
    }
  }

  // Rollback steps: one per component.
  const int32_t nr = p_.rollback_steps_size();
  rs_.assign(nr, RS::kNone);
  rb_pending_.assign(nr, 0);
  rb_dep_off_.assign(nr + 1, 0);
  for (int32_t r = 0; r < nr; ++r) {
    const proto::Step& step = p_.rollback_steps(r);
    if (step.component() < 0 || step.component() >= n ||
        step.kind() != proto::ROLLBACK) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rollback step ", r, " is not a rollback of a component"));
    }
    comps_[step.component()].rb_step = r;
    for (int32_t d : step.depends_on()) {
      if (d < 0 || d >= nr) {
        return absl::InvalidArgumentError(
            absl::StrCat("rollback step ", r, " depends on ", d, " of ", nr));
      }
      ++rb_dep_off_[d + 1];
    }
  }
  for (int32_t r = 0; r < nr; ++r) rb_dep_off_[r + 1] += rb_dep_off_[r];
  rb_deps_.resize(rb_dep_off_[nr]);
  {
    std::vector<int32_t> fill(rb_dep_off_.begin(), rb_dep_off_.end() - 1);
    for (int32_t r = 0; r < nr; ++r) {
      for (int32_t d : p_.rollback_steps(r).depends_on()) {
        rb_deps_[fill[d]++] = r;
      }
    }
  }

  // Mutual exclusion groups: each exclusive entry, and each service behind
  // an availability floor (the same groups the planner's wave barriers use).
  std::set<std::string> floors;
  for (const proto::AvailabilityFloor& f :
       p_.source().policy().availability()) {
    floors.insert(f.service());
  }
  std::map<std::string, int32_t> res_ids;
  for (int c = 0; c < n; ++c) {
    Comp& k = comps_[c];
    k.irreversible = Source(c).irreversible();
    k.res_begin = comp_res_.size();
    auto add = [&](std::string name) {
      auto [it, inserted] = res_ids.emplace(name, res_names_.size());
      if (inserted) res_names_.push_back(std::move(name));
      if (std::find(comp_res_.begin() + k.res_begin, comp_res_.end(),
                    it->second) == comp_res_.end()) {
        comp_res_.push_back(it->second);
      }
    };
    for (const std::string& e : Source(c).exclusive()) add(e);
    for (const std::string& s : Source(c).provides()) {
      if (floors.count(s)) add(absl::StrCat("service ", s, " (floor)"));
    }
    k.res_end = comp_res_.size();
  }
  res_holder_.assign(res_names_.size(), -1);
  res_waiters_.resize(res_names_.size());

  // Lifecycles: one prototype instance, copied (binding the guards once).
  fsm::Callbacks<Guards> callbacks;
  callbacks
      .Guard(fsm::kRollbackOnFailureGuard,
             [](Guards& g) { return g.rollback_on_failure; })
      .Guard(fsm::kStartFirstGuard, [](Guards& g) { return g.start_first; });
  UC_ASSIGN_OR_RETURN(Lifecycle proto_lc,
                      Lifecycle::Create(fsm::ComponentLifecycle(), callbacks));
  lifecycles_.reserve(n);
  guards_.resize(n);
  for (int c = 0; c < n; ++c) {
    lifecycles_.push_back(proto_lc);
    guards_[c].start_first = plan_.StartFirst(c);
    // An irreversible component is never rolled back: a failure halts it.
    guards_[c].rollback_on_failure =
        policy_rolls_back && !comps_[c].irreversible;
  }
  fsm::Callbacks<Guards> plan_callbacks;
  plan_callbacks.Guard(fsm::kRollbackOnFailureGuard,
                       [](Guards& g) { return g.rollback_on_failure; });
  UC_ASSIGN_OR_RETURN(Lifecycle plan_lc,
                      Lifecycle::Create(fsm::PlanLifecycle(), plan_callbacks));
  plan_lc_.emplace(std::move(plan_lc));
  plan_guards_.rollback_on_failure = policy_ == proto::ROLLBACK_ALL;
  // The plan-wide preflight is the components' own preflight steps.
  UC_RETURN_IF_ERROR(FireP(pl::kStart));
  UC_RETURN_IF_ERROR(FireP(pl::kPreflightPassed));

  open_ = n;
  for (int32_t s = 0; s < ns; ++s) {
    if (pending_[s] == 0) {
      ss_[s] = SS::kReady;
      Push(ready_, ForwardKey(s));
    }
  }
  return AfterChange(0);
}

}  // namespace upgrade_core::exec
