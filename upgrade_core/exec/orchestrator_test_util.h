// File: orchestrator_test_util.h
// -----------------------------------------------------------------------------
// Helpers shared by the Orchestrator's tests (testonly): plans from a few
// lines of YAML (optionally edited as a proto, for fields the loader does
// not read), an in-memory RecordSink, a driver that plays an instant runner
// with injected failures, and small views of an Orchestrator (a component's
// state and note, running until a given step is issued).
#ifndef UPGRADE_CORE_EXEC_ORCHESTRATOR_TEST_UTIL_H_
#define UPGRADE_CORE_EXEC_ORCHESTRATOR_TEST_UTIL_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/record_sink.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::exec::test_util {

// A plan named "t": `policy` is the YAML policy mapping's body ("" = none),
// `components` the list entries. `edit` changes the loaded proto before it
// is compiled (irreversible, checkpoint...). A test failure when it does not
// compile (the returned plan is then empty: check HasFatalFailure()).
inline std::unique_ptr<plan::ExecutionPlan> Compile(
    absl::string_view components, absl::string_view policy = "",
    const std::function<void(proto::UpgradePlan&)>& edit = nullptr) {
  const std::string yaml = absl::StrCat(
      "apiVersion: upgrade-core/v1\nkind: UpgradePlan\nmetadata: {name: t}\n",
      policy.empty() ? "" : absl::StrCat("policy: {", policy, "}\n"),
      "components:\n", components);
  absl::StatusOr<plan::Plan> loaded = plan::Plan::FromYaml(yaml, {});
  EXPECT_TRUE(loaded.ok()) << loaded.status() << "\n" << yaml;
  if (!loaded.ok()) return nullptr;
  if (edit) {
    proto::UpgradePlan p = loaded->proto();
    edit(p);
    loaded = plan::Plan::FromProto(std::move(p));
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    if (!loaded.ok()) return nullptr;
  }
  plan::PlannerOptions options;
  options.check_config = false;
  absl::StatusOr<plan::ExecutionPlan> e = plan::CompilePlan(*loaded, options);
  EXPECT_TRUE(e.ok()) << e.status() << "\n" << yaml;
  if (!e.ok()) return nullptr;
  return std::make_unique<plan::ExecutionPlan>(*std::move(e));
}

// Keeps every record; `fail` makes the next writes fail; `on_write` runs
// before a record is kept (the live state then has every earlier record
// applied).
class MemorySink : public RecordSink {
 public:
  absl::Status Write(const proto::JournalRecord& record) override {
    if (fail) return absl::UnavailableError("disk full (test)");
    if (on_write) on_write(records);
    records.push_back(record);
    return absl::OkStatus();
  }
  std::vector<proto::JournalRecord> records;
  bool fail = false;
  std::function<void(const std::vector<proto::JournalRecord>&)> on_write;
};

inline OrchestratorOptions WithJournal(RecordSink* sink, uint64_t seed = 0) {
  OrchestratorOptions options;
  options.journal = sink;
  options.seed = seed;
  return options;
}

inline std::unique_ptr<Orchestrator> Make(const plan::ExecutionPlan& plan,
                                          OrchestratorOptions options = {}) {
  absl::StatusOr<std::unique_ptr<Orchestrator>> o =
      Orchestrator::Create(plan, options);
  EXPECT_TRUE(o.ok()) << o.status();
  return o.ok() ? *std::move(o) : nullptr;
}

inline std::string StateOf(const Orchestrator& o, absl::string_view id) {
  for (const ComponentStatus& c : o.Status().components) {
    if (c.id == id) return c.state;
  }
  return "?";
}

inline std::string NoteOf(const Orchestrator& o, absl::string_view id) {
  for (const ComponentStatus& c : o.Status().components) {
    if (c.id == id) return c.note;
  }
  return "?";
}

// Issues and succeeds actions until `step_id` is issued; returns it (not
// reported).
inline Action RunUntil(Orchestrator& o, int64_t& now,
                       absl::string_view step_id) {
  for (int round = 0; round < 1000; ++round) {
    absl::StatusOr<std::vector<Action>> actions = o.NextActions(now);
    EXPECT_TRUE(actions.ok()) << actions.status();
    if (!actions.ok() || actions->empty()) break;
    std::optional<Action> found;
    for (const Action& a : *actions) {
      if (a.step_id == step_id) {
        found = a;
        continue;
      }
      ++now;
      EXPECT_THAT(o.Report(a.id, Outcome::Succeeded(), now),
                  ::upgrade_core::testing::IsOk());
    }
    if (found) return *found;
  }
  ADD_FAILURE() << step_id << " was never issued\n" << o.Status().ToText();
  return {};
}

inline std::vector<std::string> StepIds(const std::vector<Action>& actions) {
  std::vector<std::string> ids;
  for (const Action& a : actions) ids.push_back(a.step_id);
  return ids;
}

// Plays an instant runner: every issued action is reported right away (one
// millisecond apart), failing as `failures` says (step id -> how many times
// it fails before it succeeds; -1 = always). Stops when the plan is done or
// nothing is in flight and nothing new is issued (paused, waiting for a
// backoff: `now` then advances to NextWakeup()). Returns every issued step
// id, in order ("x/rollback#2" for attempt 2).
struct Driver {
  explicit Driver(Orchestrator* orchestrator, int64_t start = 0)
      : o(orchestrator), now(start) {}

  Orchestrator* o;
  int64_t now = 0;
  std::map<std::string, int> failures;
  std::vector<std::string> issued;
  // Components holding an exclusive resource, checked after every call:
  // never two of one group active at a time.
  std::vector<std::vector<std::string>> exclusive_groups;
  int max_active = 0;  // most components active at once

  void CheckActive() {
    const OrchestratorStatus st = o->Status();
    std::map<std::string, bool> rolling_back_now;
    for (const Action& a : o->InFlight()) {
      if (a.rollback) {
        rolling_back_now[o->plan().proto().components(a.component)] = true;
      }
    }
    // Active: between its first step and its end (not stopped by a
    // rollback), or running its rollback (a component waiting in
    // rolling_back for its turn holds nothing).
    int active = 0;
    std::map<std::string, bool> is_active;
    for (const ComponentStatus& c : st.components) {
      const bool a = c.state == "rolling_back"
                         ? rolling_back_now[c.id]
                         : !c.finished && c.state != "pending" &&
                               c.state != "succeeded" && c.state != "failed" &&
                               c.state != "rolled_back" && c.state != "halted";
      is_active[c.id] = a;
      active += a;
    }
    max_active = std::max(max_active, active);
    for (const auto& group : exclusive_groups) {
      int n = 0;
      for (const std::string& id : group) n += is_active[id];
      EXPECT_LE(n, 1) << "two holders of one exclusive resource active at "
                      << now << "\n"
                      << st.ToText();
    }
  }

  void Run(int max_rounds = 10000) {
    for (int round = 0; round < max_rounds && !o->done(); ++round) {
      absl::StatusOr<std::vector<Action>> actions = o->NextActions(now);
      ASSERT_TRUE(actions.ok()) << actions.status();
      CheckActive();
      if (actions->empty()) {
        std::optional<int64_t> wake = o->NextWakeup();
        if (!wake.has_value() || !o->InFlight().empty()) return;
        now = std::max(now, *wake);
        continue;
      }
      for (const Action& a : *actions) {
        issued.push_back(a.attempt == 1
                             ? a.step_id
                             : absl::StrCat(a.step_id, "#", a.attempt));
        ++now;
        auto it = failures.find(a.step_id);
        if (it != failures.end() && it->second != 0) {
          if (it->second > 0) --it->second;
          ASSERT_TRUE(o->Report(a.id, Outcome::Failed("injected"), now).ok());
        } else {
          ASSERT_TRUE(o->Report(a.id, Outcome::Succeeded(), now).ok());
        }
        CheckActive();
      }
    }
  }
};

}  // namespace upgrade_core::exec::test_util

#endif  // UPGRADE_CORE_EXEC_ORCHESTRATOR_TEST_UTIL_H_
