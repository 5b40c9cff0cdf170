// File: executor_test_util.h
// -----------------------------------------------------------------------------
// Helpers shared by the Executor's tests (testonly): a thread-safe recording
// fake runner, ExecutorOptions on a clock, and three small plans (a chain, a
// diamond, eight independent components) as YAML component lists for
// test_util::Compile (orchestrator_test_util.h).
#ifndef UPGRADE_CORE_EXEC_EXECUTOR_TEST_UTIL_H_
#define UPGRADE_CORE_EXEC_EXECUTOR_TEST_UTIL_H_

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "upgrade_core/exec/executor.h"
#include "upgrade_core/exec/orchestrator.h"

namespace upgrade_core::exec::test_util {

// A thread-safe fake runner: records what ran (step id, attempt, clock time
// at start), fails per `failures` (step id -> failures before success; -1:
// always), tracks how many run at once.
class RecordingRunner : public ActionRunner {
 public:
  explicit RecordingRunner(Clock* clock) : clock_(clock) {}

  Outcome Run(const Action& action, const CancellationToken& cancel) override {
    const int now_running = ++running_;
    int seen = max_running_.load();
    while (now_running > seen &&
           !max_running_.compare_exchange_weak(seen, now_running)) {
    }
    int fail = 0;
    {
      absl::MutexLock lock(&mu_);
      ran_.push_back(
          {action.step_id, action.attempt, clock_->NowMs(), action.rollback});
      auto it = failures_.find(action.step_id);
      if (it != failures_.end() && it->second != 0) {
        fail = 1;
        if (it->second > 0) --it->second;
      }
    }
    if (hold_ > absl::ZeroDuration()) absl::SleepFor(hold_);
    if (advance_ms_ > 0) static_cast<FakeClock*>(clock_)->Advance(advance_ms_);
    --running_;
    if (fail) return Outcome::Failed("injected");
    return Outcome::Succeeded();
  }

  struct Ran {
    std::string step_id;
    int attempt;
    int64_t at_ms;
    bool rollback;
  };
  std::vector<Ran> ran() {
    absl::MutexLock lock(&mu_);
    return ran_;
  }
  std::vector<std::string> step_ids() {
    std::vector<std::string> ids;
    for (const Ran& r : ran()) {
      ids.push_back(r.attempt == 1 ? r.step_id
                                   : absl::StrCat(r.step_id, "#", r.attempt));
    }
    return ids;
  }

  void Fail(const std::string& step_id, int times) {
    absl::MutexLock lock(&mu_);
    failures_[step_id] = times;
  }
  absl::Duration hold_ = absl::ZeroDuration();  // real time per action
  int64_t advance_ms_ = 0;                      // fake time per action
  std::atomic<int> max_running_{0};

 private:
  Clock* clock_;
  std::atomic<int> running_{0};
  absl::Mutex mu_;
  std::vector<Ran> ran_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> failures_ ABSL_GUARDED_BY(mu_);
};

inline ExecutorOptions Options(Clock* clock, int workers = 4) {
  ExecutorOptions options;
  options.clock = clock;
  options.workers = workers;
  return options;
}

inline constexpr char kChain[] = R"(  - {id: a}
  - {id: b, dependsOn: [a]}
  - {id: c, dependsOn: [b]}
)";
inline constexpr char kDiamond[] = R"(  - {id: base}
  - {id: left, dependsOn: [base]}
  - {id: right, dependsOn: [base]}
  - {id: top, dependsOn: [left, right]}
)";
inline constexpr char kWide[] = R"(  - {id: w1}
  - {id: w2}
  - {id: w3}
  - {id: w4}
  - {id: w5}
  - {id: w6}
  - {id: w7}
  - {id: w8}
)";

}  // namespace upgrade_core::exec::test_util

#endif  // UPGRADE_CORE_EXEC_EXECUTOR_TEST_UTIL_H_
