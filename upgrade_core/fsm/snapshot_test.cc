// Round trips through FsmSnapshot, and snapshots that must be rejected.
#include "upgrade_core/fsm/snapshot.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "upgrade_core/fsm/lifecycles.h"
#include "upgrade_core/util/status_matchers.h"

namespace upgrade_core::fsm {
namespace {

using ::testing::HasSubstr;
using ::upgrade_core::testing::IsOk;
using ::upgrade_core::testing::StatusIs;

absl::StatusOr<Instance<>> NewComponent(HistoryOptions history) {
  return Instance<>::Create(
      ComponentLifecycle(),
      Callbacks<NoContext>()
          .Guard(kRollbackOnFailureGuard, [](NoContext&) { return true; })
          .Guard(kStartFirstGuard, [](NoContext&) { return false; }),
      history);
}

TEST(SnapshotTest, RoundTripThroughBytes) {
  absl::StatusOr<Instance<>> run = NewComponent({HistoryMode::kFull, 0});
  ASSERT_THAT(run, IsOk());
  const absl::Time t0 = absl::FromUnixNanos(1700000000123456789);
  ASSERT_THAT(run->Fire(component_lifecycle::kStart, t0), IsOk());
  ASSERT_THAT(run->Fire(component_lifecycle::kStepDone, t0 + absl::Seconds(1)),
              IsOk());
  ASSERT_THAT(run->Fire(component_lifecycle::kStepDone), IsOk());  // no time
  ASSERT_THAT(
      run->Fire(component_lifecycle::kStepFailed, t0 + absl::Seconds(3)),
      IsOk());

  std::string bytes;
  ASSERT_TRUE(ToSnapshot(*run).SerializeToString(&bytes));
  proto::FsmSnapshot parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(parsed.machine(), "component_lifecycle");
  EXPECT_EQ(parsed.state(), "rolling_back");
  ASSERT_EQ(parsed.history_size(), 4);
  EXPECT_EQ(parsed.history(3).event(), "step_failed");
  EXPECT_FALSE(parsed.history(2).has_time_unix_nanos());

  absl::StatusOr<Instance<>> back = NewComponent({HistoryMode::kFull, 0});
  ASSERT_THAT(back, IsOk());
  ASSERT_THAT(RestoreSnapshot(parsed, *back), IsOk());
  EXPECT_EQ(back->state(), component_lifecycle::kRollingBack);
  EXPECT_EQ(back->History(), run->History());
  EXPECT_EQ(back->History()[0].at, t0);
  // And it keeps running from there.
  ASSERT_THAT(back->Fire(component_lifecycle::kRollbackDone), IsOk());
  EXPECT_EQ(back->state(), component_lifecycle::kRolledBack);
}

TEST(SnapshotTest, BoundedRingRoundTripKeepsDropCount) {
  absl::StatusOr<Instance<>> run = NewComponent({HistoryMode::kBounded, 2});
  ASSERT_THAT(run, IsOk());
  for (EventId e :
       {component_lifecycle::kStart, component_lifecycle::kStepDone,
        component_lifecycle::kStepDone, component_lifecycle::kStepDone}) {
    ASSERT_THAT(run->Fire(e), IsOk());
  }
  proto::FsmSnapshot snap = ToSnapshot(*run);
  EXPECT_EQ(snap.history_size(), 2);
  EXPECT_EQ(snap.history_dropped(), 2u);
  absl::StatusOr<Instance<>> back = NewComponent({HistoryMode::kBounded, 1});
  ASSERT_THAT(back, IsOk());
  ASSERT_THAT(RestoreSnapshot(snap, *back), IsOk());
  EXPECT_EQ(back->state(), component_lifecycle::kAwaitingReady);
  EXPECT_EQ(back->History().size(), 1u);
  EXPECT_EQ(back->history_dropped(), 3u);
}

TEST(SnapshotTest, InvalidSnapshotsAreErrorsAndChangeNothing) {
  auto valid = [] {
    proto::FsmSnapshot s;
    s.set_machine("component_lifecycle");
    s.set_state("preflight");
    auto* r = s.add_history();
    r->set_from_state("pending");
    r->set_event("start");
    r->set_to_state("preflight");
    return s;
  };
  struct Case {
    const char* name;
    void (*mutate)(proto::FsmSnapshot&);
    const char* want;
  };
  const Case cases[] = {
      {"unknown state", [](proto::FsmSnapshot& s) { s.set_state("exploded"); },
       "snapshot state 'exploded' is not a state of 'component_lifecycle'"},
      {"other machine",
       [](proto::FsmSnapshot& s) { s.set_machine("plan_lifecycle"); },
       "snapshot is of machine 'plan_lifecycle', not 'component_lifecycle'"},
      {"unknown history state",
       [](proto::FsmSnapshot& s) {
         s.mutable_history(0)->set_from_state("limbo");
       },
       "history entry 0: unknown state 'limbo'"},
      {"unknown history event",
       [](proto::FsmSnapshot& s) { s.mutable_history(0)->set_event("jump"); },
       "history entry 0: unknown event 'jump'"},
      {"not a transition",
       [](proto::FsmSnapshot& s) {
         s.mutable_history(0)->set_to_state("succeeded");
       },
       "'pending' --start--> 'succeeded' is not a transition"},
      {"history disagrees with state",
       [](proto::FsmSnapshot& s) { s.set_state("pending"); },
       "history ends in 'preflight' but the state is 'pending'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Instance<>> run = NewComponent({HistoryMode::kFull, 0});
    ASSERT_THAT(run, IsOk());
    ASSERT_THAT(RestoreSnapshot(valid(), *run), IsOk());
    ASSERT_THAT(run->Fire(component_lifecycle::kStepDone), IsOk());
    proto::FsmSnapshot bad = valid();
    c.mutate(bad);
    EXPECT_THAT(
        RestoreSnapshot(bad, *run),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.want)));
    EXPECT_EQ(run->state(), component_lifecycle::kTerminatingOld);  // unchanged
    EXPECT_EQ(run->History().size(), 2u);
  }
}

}  // namespace
}  // namespace upgrade_core::fsm
