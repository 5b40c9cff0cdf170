// Recovery is exact: a plan driven by random outcomes, timeouts, retries,
// pauses, resumes, aborts and bad reports (per seed, under each failure
// policy) is recorded to an in-memory sink; Recover() at every prefix of the
// records gives the Status() and in-flight actions the live orchestrator had
// at that point, and from every call boundary a recovered orchestrator
// continues exactly as the live one did (same results, same records). On
// every path the gates hold (one holder of a lock, max parallel).
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/orchestrator_test_util.h"

namespace upgrade_core::exec {
namespace {

using test_util::Compile;
using test_util::MemorySink;
using test_util::WithJournal;

struct Call {
  enum Kind { kNext, kReport, kPause, kResume, kAbort } kind = kNext;
  int64_t now = 0;
  uint64_t id = 0;
  Outcome outcome;
};

// What a call returned: its status code and the actions it issued.
struct Result {
  absl::StatusCode code;
  std::vector<Action> actions;
  bool operator==(const Result& o) const {
    return code == o.code && actions == o.actions;
  }
};

Result Apply(Orchestrator& o, const Call& c) {
  switch (c.kind) {
    case Call::kNext: {
      absl::StatusOr<std::vector<Action>> a = o.NextActions(c.now);
      if (!a.ok()) return {a.status().code(), {}};
      return {absl::StatusCode::kOk, *std::move(a)};
    }
    case Call::kReport:
      return {o.Report(c.id, c.outcome, c.now).code(), {}};
    case Call::kPause:
      return {o.Pause(c.now).code(), {}};
    case Call::kResume:
      return {o.Resume(c.now).code(), {}};
    case Call::kAbort:
      return {o.Abort(c.now).code(), {}};
  }
  return {absl::StatusCode::kUnknown, {}};
}

bool SameRecords(const std::vector<proto::JournalRecord>& a,
                 const std::vector<proto::JournalRecord>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].SerializeAsString() != b[i].SerializeAsString()) return false;
  }
  return true;
}

struct Snapshot {
  std::string status;
  std::vector<Action> in_flight;
};

void RunAndCheck(const plan::ExecutionPlan& plan, uint64_t seed) {
  MemorySink sink;
  std::unique_ptr<Orchestrator> live;
  std::vector<Snapshot> snapshots;  // [k]: the state after k records
  sink.on_write = [&](const std::vector<proto::JournalRecord>& records) {
    ASSERT_EQ(snapshots.size(), records.size());
    snapshots.push_back({live->Status().ToText(), live->InFlight()});
  };
  absl::StatusOr<std::unique_ptr<Orchestrator>> created =
      Orchestrator::Create(plan, WithJournal(&sink, seed));
  ASSERT_TRUE(created.ok()) << created.status();
  live = *std::move(created);

  // The gates hold on every path: b and e share lock:x, at most 3
  // components in flight.
  test_util::Driver gates(live.get());
  gates.exclusive_groups = {{"b", "e"}};
  std::mt19937_64 rng(seed);
  std::vector<Call> calls;
  std::vector<Result> results;
  std::vector<size_t> records_after;  // records written after each call
  int64_t now = 1000;
  for (int i = 0; i < 400 && !live->done(); ++i) {
    Call call;
    call.kind = Call::kNext;
    call.now = now;
    const int r = int(rng() % 100);
    const std::vector<Action> in_flight = live->InFlight();
    if (r < 35 || (in_flight.empty() && r < 80)) {
      call.kind = Call::kNext;
    } else if (r < 80) {
      const Action& a = in_flight[rng() % in_flight.size()];
      call.kind = Call::kReport;
      call.id = a.id;
      const int o = int(rng() % 100);
      if (o < 80) {
        call.outcome = Outcome::Succeeded(
            a.kind == proto::AWAIT_READY ? now : int64_t(rng() % 3));
      } else if (o < 88) {
        call.outcome = Outcome::Failed(absl::StrCat("boom ", i));
      } else if (o < 94) {
        call.outcome = Outcome::Progress(absl::StrCat(i, "/3 ready"));
      } else {
        call.outcome = Outcome::Succeeded(1);  // stale when awaiting ready
      }
    } else if (r < 86) {
      call.kind = Call::kPause;
    } else if (r < 94) {
      call.kind = Call::kResume;
    } else if (r < 95 && i > 120) {
      call.kind = Call::kAbort;
    } else {
      // Bad input: an id never issued or already finished.
      call.kind = Call::kReport;
      call.id = rng() % 3 == 0 ? 100000 : 1;
      call.outcome = Outcome::Succeeded();
    }
    calls.push_back(call);
    results.push_back(Apply(*live, call));
    gates.CheckActive();
    records_after.push_back(sink.records.size());
    now += rng() % 10 == 0 ? 2500 : int64_t(rng() % 300);
  }
  EXPECT_LE(gates.max_active, 3);
  snapshots.push_back({live->Status().ToText(), live->InFlight()});
  ASSERT_EQ(snapshots.size(), sink.records.size() + 1);
  SCOPED_TRACE(absl::StrCat("seed ", seed, ", ", calls.size(), " calls, ",
                            sink.records.size(), " records, ends ",
                            PlanOutcomeName(live->outcome())));

  // Every prefix rebuilds the state the live orchestrator had there.
  for (size_t k = 0; k <= sink.records.size(); ++k) {
    absl::StatusOr<Orchestrator::Recovered> rec = Orchestrator::Recover(
        plan, absl::MakeConstSpan(sink.records).subspan(0, k),
        WithJournal(nullptr, seed));
    ASSERT_TRUE(rec.ok()) << "prefix " << k << ": " << rec.status();
    EXPECT_EQ(rec->orchestrator->Status().ToText(), snapshots[k].status)
        << "prefix " << k;
    EXPECT_EQ(rec->in_doubt, snapshots[k].in_flight) << "prefix " << k;
  }

  // From every call boundary, the recovered orchestrator's future is the
  // live one's.
  for (size_t i = 0; i < calls.size(); ++i) {
    const size_t k = records_after[i];
    MemorySink after;
    absl::StatusOr<Orchestrator::Recovered> rec = Orchestrator::Recover(
        plan, absl::MakeConstSpan(sink.records).subspan(0, k),
        WithJournal(&after, seed));
    ASSERT_TRUE(rec.ok()) << rec.status();
    for (size_t j = i + 1; j < calls.size(); ++j) {
      ASSERT_TRUE(Apply(*rec->orchestrator, calls[j]) == results[j])
          << "after call " << i << ", call " << j << " differs";
    }
    EXPECT_TRUE(SameRecords(after.records,
                            std::vector<proto::JournalRecord>(
                                sink.records.begin() + k, sink.records.end())))
        << "after call " << i;
    EXPECT_EQ(rec->orchestrator->Status().ToText(), snapshots.back().status);
  }
}

class ReplayTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ReplayTest, EveryPrefixRecoversExactly) {
  auto plan = Compile(
      "  - {id: a, retry: {attempts: 2, backoff: 100ms}, readiness: {timeout: "
      "2s}}\n"
      "  - {id: c, strategy: {type: StartFirst}, backup: true}\n"
      "  - {id: b, dependsOn: [a], exclusive: [\"lock:x\"], retry: {attempts: "
      "3, backoff: 50ms}}\n"
      "  - {id: d, dependsOn: [b, c]}\n"
      "  - {id: e, exclusive: [\"lock:x\"], dependsOn: [b]}\n"
      "  - {id: f, retry: {attempts: 2, backoff: 1s}}\n",
      absl::StrCat("onFailure: ", GetParam(),
                   ", maxParallel: 3, defaultTimeout: 3s"));
  ASSERT_TRUE(plan);
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    RunAndCheck(*plan, seed);
    if (HasFatalFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Policies, ReplayTest,
                         ::testing::Values("rollback-all", "rollback-failed",
                                           "pause", "continue"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace upgrade_core::exec
