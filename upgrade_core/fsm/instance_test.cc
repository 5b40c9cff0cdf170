// Tests of Instance: dispatch, action order, errors, history, Restore().
#include "upgrade_core/fsm/instance.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/fsm/definition.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::fsm {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

// Records callbacks as "kind:name" strings.
struct Trace {
  std::vector<std::string> calls;
  bool retries_left = true;
};

StateMachine Machine() {
  absl::StatusOr<StateMachine> m =
      StateMachineBuilder("deploy")
          .States({"pending", "running", "succeeded", "failed", "rolled_back"})
          .Initial("pending")
          .Terminal({"succeeded", "rolled_back"})
          .OnExit("pending", "exit_pending")
          .OnEntry("running", "enter_running")
          .OnExit("running", "exit_running")
          .OnEntry("failed", "enter_failed")
          .On("pending", "start", "running")
          .Do("on_start")
          .On("running", "succeed", "succeeded")
          .On("running", "fail", "running")
          .If("retries_left")
          .Do("retry")
          .On("running", "fail", "failed")
          .If("!retries_left")
          .On("failed", "rollback", "rolled_back")
          .Build();
  EXPECT_THAT(m, IsOk());
  return *std::move(m);
}

Callbacks<Trace> Recording() {
  Callbacks<Trace> cb;
  cb.Guard("retries_left", [](Trace& t) {
    t.calls.push_back("guard:retries_left");
    return t.retries_left;
  });
  for (const char* action : {"exit_pending", "enter_running", "exit_running",
                             "enter_failed", "on_start", "retry"}) {
    cb.Action(action, [action](Trace& t, const Step&) {
      t.calls.push_back(absl::StrCat("action:", action));
    });
  }
  return cb;
}

TEST(InstanceTest, ActionOrderGuardExitActionEntry) {
  absl::StatusOr<Instance<Trace>> run =
      Instance<Trace>::Create(Machine(), Recording());
  ASSERT_THAT(run, IsOk());
  Trace t;
  ASSERT_THAT(run->Fire("start", t), IsOk());
  EXPECT_EQ(run->state_name(), "running");
  EXPECT_THAT(t.calls, ElementsAre("action:exit_pending", "action:on_start",
                                   "action:enter_running"));
  t.calls.clear();
  // Self transition: guard, exit, action, entry.
  ASSERT_THAT(run->Fire("fail", t), IsOk());
  EXPECT_EQ(run->state_name(), "running");
  EXPECT_THAT(t.calls, ElementsAre("guard:retries_left", "action:exit_running",
                                   "action:retry", "action:enter_running"));
  t.calls.clear();
  // Guard fails: the complementary row is taken (guard evaluated again).
  t.retries_left = false;
  ASSERT_THAT(run->Fire("fail", t), IsOk());
  EXPECT_EQ(run->state_name(), "failed");
  EXPECT_THAT(t.calls,
              ElementsAre("guard:retries_left", "guard:retries_left",
                          "action:exit_running", "action:enter_failed"));
}

TEST(InstanceTest, ActionsSeeTheStep) {
  StateMachine m = Machine();
  Callbacks<Trace> cb = Recording();
  std::vector<std::string> steps;
  cb.Action("on_start", [&](Trace&, const Step& s) {
    steps.push_back(absl::StrCat(m.state_name(s.from), ">",
                                 m.event_name(s.event), ">",
                                 m.state_name(s.to)));
  });
  absl::StatusOr<Instance<Trace>> run = Instance<Trace>::Create(m, cb);
  ASSERT_THAT(run, IsOk());
  Trace t;
  ASSERT_THAT(run->Fire("start", t), IsOk());
  EXPECT_THAT(steps, ElementsAre("pending>start>running"));
}

TEST(InstanceTest, IllegalEventLeavesStateUnchanged) {
  absl::StatusOr<Instance<Trace>> run =
      Instance<Trace>::Create(Machine(), Recording());
  ASSERT_THAT(run, IsOk());
  Trace t;
  EXPECT_THAT(run->Fire("succeed", t),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "event 'succeed' is not allowed in state 'pending' "
                       "(allowed: start)"));
  EXPECT_EQ(run->state_name(), "pending");
  EXPECT_THAT(t.calls, IsEmpty());
  EXPECT_FALSE(run->CanFire(*run->machine().FindEvent("succeed")));
  EXPECT_TRUE(run->CanFire(*run->machine().FindEvent("start")));

  ASSERT_THAT(run->Fire("start", t), IsOk());
  ASSERT_THAT(run->Fire("succeed", t), IsOk());
  EXPECT_THAT(run->Fire("start", t),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "event 'start' is not allowed in state 'succeeded' "
                       "(allowed: none)"));
  EXPECT_EQ(run->state_name(), "succeeded");
  EXPECT_THAT(run->Fire("bogus", t),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown event 'bogus' (events: start, "
                                 "succeed, fail, rollback)")));
  EXPECT_THAT(
      run->Fire(EventId{99}, t),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
}

TEST(InstanceTest, AllGuardsRejected) {
  absl::StatusOr<StateMachine> m = StateMachineBuilder()
                                       .States({"a", "b"})
                                       .Initial("a")
                                       .Terminal({"b"})
                                       .On("a", "go", "b")
                                       .If("ready")
                                       .Build();
  ASSERT_THAT(m, IsOk());
  bool ready = false;
  absl::StatusOr<Instance<>> run = Instance<>::Create(
      *m,
      Callbacks<NoContext>().Guard("ready", [&](NoContext&) { return ready; }));
  ASSERT_THAT(run, IsOk());
  EXPECT_THAT(run->Fire("go"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "event 'go' is not allowed in state 'a': no guard "
                       "passed (ready) (allowed: go)"));
  EXPECT_EQ(run->state_name(), "a");
  ready = true;
  EXPECT_THAT(run->Fire("go"), IsOk());
  EXPECT_EQ(run->state_name(), "b");
}

TEST(InstanceTest, ThrowingCallbacks) {
  struct Case {
    const char* throwing;
    const char* want_state;
  };
  const Case cases[] = {
      {"exit_pending", "pending"},
      {"on_start", "pending"},
      {"enter_running", "running"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.throwing);
    Callbacks<Trace> cb = Recording();
    cb.Action(c.throwing,
              [](Trace&, const Step&) { throw std::runtime_error("boom"); });
    absl::StatusOr<Instance<Trace>> run =
        Instance<Trace>::Create(Machine(), cb);
    ASSERT_THAT(run, IsOk());
    Trace t;
    EXPECT_THROW(run->Fire("start", t).IgnoreError(), std::runtime_error);
    EXPECT_EQ(run->state_name(), c.want_state);
  }
}

TEST(InstanceTest, ReentrantFire) {
  // A row action firing on its own instance is refused (the outer transition
  // would overwrite it); an entry action may fire the next event.
  absl::StatusOr<StateMachine> m = StateMachineBuilder()
                                       .States({"a", "b", "c"})
                                       .Initial("a")
                                       .Terminal({"c"})
                                       .OnEntry("b", "advance")
                                       .On("a", "go", "b")
                                       .Do("meddle")
                                       .On("b", "next", "c")
                                       .Build();
  ASSERT_THAT(m, IsOk());
  Instance<>* self = nullptr;
  absl::Status nested_from_action, nested_from_entry;
  absl::StatusOr<Instance<>> run = Instance<>::Create(
      *m,
      Callbacks<NoContext>()
          .Action("meddle",
                  [&](NoContext&, const Step&) {
                    nested_from_action = self->Fire("next");
                    EXPECT_THAT(self->Restore(0, {}),
                                StatusIs(absl::StatusCode::kFailedPrecondition,
                                         HasSubstr("Restore()")));
                  })
          .Action("advance",
                  [&](NoContext&, const Step&) {
                    nested_from_entry = self->Fire("next");
                  }),
      {HistoryMode::kFull, 0});
  ASSERT_THAT(run, IsOk());
  self = &*run;
  ASSERT_THAT(run->Fire("go"), IsOk());
  EXPECT_THAT(nested_from_action,
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("Fire('next') called from a guard, exit or "
                                 "transition action of a transition out of "
                                 "'a'")));
  EXPECT_THAT(nested_from_entry, IsOk());
  EXPECT_EQ(run->state_name(), "c");
  ASSERT_EQ(run->History().size(), 2u);  // a->b, then b->c: a proper chain
  EXPECT_EQ(run->History()[1].from, 1);
  EXPECT_FALSE(run->in_transition());
}

TEST(InstanceTest, CreateChecksBindings) {
  EXPECT_THAT(Instance<Trace>::Create(Machine()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "guard 'retries_left' is not bound"));
  Callbacks<Trace> cb = Recording();
  cb.Guard("typo", [](Trace&) {
      return true;
    }).Action("nope", [](Trace&, const Step&) {});
  EXPECT_THAT(Instance<Trace>::Create(Machine(), cb),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "the machine has no guard 'typo'; the machine has no "
                       "action 'nope'"));
  EXPECT_THAT(
      Instance<Trace>::Create(Machine(), Recording(),
                              {HistoryMode::kBounded, 0}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("capacity")));
  // Actions may stay unbound.
  Callbacks<Trace> guards_only;
  guards_only.Guard("retries_left", [](Trace&) { return true; });
  absl::StatusOr<Instance<Trace>> run =
      Instance<Trace>::Create(Machine(), guards_only);
  ASSERT_THAT(run, IsOk());
  Trace t;
  EXPECT_THAT(run->Fire("start", t), IsOk());
}

TEST(InstanceTest, HistoryModes) {
  const absl::Time t0 = absl::FromUnixSeconds(1700000000);
  struct Case {
    const char* name;
    HistoryOptions options;
    size_t want_size;
    uint64_t want_dropped;
  };
  const Case cases[] = {
      {"none", {HistoryMode::kNone, 0}, 0, 0},
      {"ring of 2", {HistoryMode::kBounded, 2}, 2, 3},
      {"ring of 10", {HistoryMode::kBounded, 10}, 5, 0},
      {"full", {HistoryMode::kFull, 0}, 5, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Instance<Trace>> run =
        Instance<Trace>::Create(Machine(), Recording(), c.options);
    ASSERT_THAT(run, IsOk());
    Trace t;
    ASSERT_THAT(run->Fire("start", t, t0), IsOk());
    for (int i = 1; i <= 3; ++i) {
      ASSERT_THAT(run->Fire("fail", t, t0 + absl::Seconds(i)), IsOk());
    }
    ASSERT_THAT(run->Fire("succeed", t), IsOk());  // no time given
    std::vector<HistoryEntry> h = run->History();
    EXPECT_EQ(h.size(), c.want_size);
    EXPECT_EQ(run->history_dropped(), c.want_dropped);
    if (h.empty()) continue;
    const StateMachine& m = run->machine();
    EXPECT_EQ(m.state_name(h.back().to), "succeeded");
    EXPECT_EQ(h.back().at, absl::InfinitePast());
    if (c.want_size >= 2) {
      EXPECT_EQ(m.event_name(h[h.size() - 2].event), "fail");
      EXPECT_EQ(h[h.size() - 2].at, t0 + absl::Seconds(3));
    }
    if (c.want_size == 5) {
      EXPECT_EQ(h[0], (HistoryEntry{0, 0, 1, t0}));
    }
  }
}

TEST(InstanceTest, RestoreValidates) {
  absl::StatusOr<Instance<Trace>> run = Instance<Trace>::Create(
      Machine(), Recording(), {HistoryMode::kBounded, 2});
  ASSERT_THAT(run, IsOk());
  const StateMachine& m = run->machine();
  auto s = [&](const char* n) { return *m.FindState(n); };
  auto e = [&](const char* n) { return *m.FindEvent(n); };
  const absl::Time t = absl::InfinitePast();
  struct Case {
    const char* name;
    StateId state;
    std::vector<HistoryEntry> history;
    const char* want_error;  // nullptr = ok
  };
  const std::vector<Case> cases = {
      {"not a row",
       s("running"),
       {{s("pending"), e("succeed"), s("running"), t}},
       "history entry 0: 'pending' --succeed--> 'running' is not a transition"},
      {"broken chain",
       s("succeeded"),
       {{s("pending"), e("start"), s("running"), t},
        {s("failed"), e("rollback"), s("rolled_back"), t}},
       "history entry 1 starts in 'failed' but the previous one ended in "
       "'running'"},
      {"does not end in state",
       s("failed"),
       {{s("pending"), e("start"), s("running"), t}},
       "history ends in 'running' but the state is 'failed'"},
      {"bad state id", StateId{77}, {}, "state id 77 out of range"},
      {"ok, trimmed to the ring",
       s("succeeded"),
       {{s("pending"), e("start"), s("running"), t},
        {s("running"), e("fail"), s("running"), t},
        {s("running"), e("succeed"), s("succeeded"), t}},
       nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::Status status = run->Restore(c.state, c.history, 1);
    if (c.want_error != nullptr) {
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                                   HasSubstr(c.want_error)));
      EXPECT_EQ(run->state_name(), "pending");  // unchanged
      continue;
    }
    ASSERT_THAT(status, IsOk());
    EXPECT_EQ(run->state_name(), "succeeded");
    EXPECT_EQ(run->History().size(), 2u);
    EXPECT_EQ(run->history_dropped(), 2u);
  }
  // The ring keeps working after a restore.
  ASSERT_THAT(run->Restore(s("running"), {}), IsOk());
  Trace tr;
  ASSERT_THAT(run->Fire("fail", tr), IsOk());
  ASSERT_THAT(run->Fire("fail", tr), IsOk());
  ASSERT_THAT(run->Fire("succeed", tr), IsOk());
  std::vector<HistoryEntry> h = run->History();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(m.event_name(h[0].event), "fail");
  EXPECT_EQ(m.event_name(h[1].event), "succeed");
}

TEST(InstanceTest, NoContextFireById) {
  absl::StatusOr<StateMachine> m = StateMachineBuilder()
                                       .States({"a", "b"})
                                       .Initial("a")
                                       .Terminal({"b"})
                                       .On("a", "go", "b")
                                       .Build();
  ASSERT_THAT(m, IsOk());
  absl::StatusOr<Instance<>> run = Instance<>::Create(*m);
  ASSERT_THAT(run, IsOk());
  EXPECT_THAT(run->AllowedEvents(), ElementsAre(EventId{0}));
  ASSERT_THAT(run->Fire(EventId{0}), IsOk());
  EXPECT_TRUE(run->is_terminal());
  EXPECT_THAT(run->AllowedEvents(), IsEmpty());
}

}  // namespace
}  // namespace upgrade_core::fsm
