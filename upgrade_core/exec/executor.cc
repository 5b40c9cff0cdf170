#include "upgrade_core/exec/executor.h"

#include <algorithm>
#include <deque>
#include <exception>
#include <map>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "upgrade_core/exec/journal.h"

namespace upgrade_core::exec {

int64_t SystemClock::NowMs() {
  const int64_t wall = absl::ToUnixMillis(absl::Now());
  int64_t last = last_ms_.load();
  while (wall > last && !last_ms_.compare_exchange_weak(last, wall)) {
  }
  return std::max(wall, last);
}

void SystemClock::WaitUntil(absl::Mutex& mu, const absl::Condition& wake,
                            std::optional<int64_t> wake_at_ms,
                            bool actions_running) {
  if (!wake_at_ms.has_value()) {
    mu.Await(wake);
    return;
  }
  // AwaitWithTimeout runs on absl's clock, not this one: re-check this clock
  // so a wait never ends before wake_at_ms.
  for (;;) {
    const int64_t left = *wake_at_ms - NowMs();
    if (left <= 0) return;
    if (mu.AwaitWithTimeout(wake, absl::Milliseconds(left))) return;
  }
}

void FakeClock::WaitUntil(absl::Mutex& mu, const absl::Condition& wake,
                          std::optional<int64_t> wake_at_ms,
                          bool actions_running) {
  // While a runner is at work only it (finishing, or advancing this clock)
  // can change anything: wait for it. Otherwise nothing can happen before
  // wake_at_ms, so jump there.
  if (actions_running || !wake_at_ms.has_value()) {
    mu.Await(wake);
    return;
  }
  int64_t now = now_ms_.load();
  while (now < *wake_at_ms &&
         !now_ms_.compare_exchange_weak(now, *wake_at_ms)) {
  }
}

bool CancellationToken::WaitForCancellation(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(
      absl::Condition(
          +[](const std::atomic<bool>* c) { return c->load(); }, &cancelled_),
      timeout);
}

std::string CancellationToken::reason() const {
  absl::MutexLock lock(&mu_);
  return reason_;
}

void CancellationToken::Cancel(std::string reason) {
  absl::MutexLock lock(&mu_);
  if (cancelled_.load()) return;
  reason_ = std::move(reason);
  cancelled_.store(true, std::memory_order_release);
}

namespace {

struct Job {
  Action action;
  std::shared_ptr<CancellationToken> token;
};

struct Completion {
  Action action;
  Outcome outcome;
};

// Calls the runner; what it throws or returns wrongly becomes a failure.
Outcome CallRunner(ActionRunner& runner, const Job& job) {
  if (job.token->cancelled()) {
    return Outcome::Failed(absl::StrCat("not started: ", job.token->reason()));
  }
  try {
    Outcome outcome = runner.Run(job.action, *job.token);
    if (outcome.kind == OutcomeKind::kProgress) {
      return Outcome::Failed(absl::StrCat(
          "the runner returned a progress outcome (\"", outcome.reason,
          "\"); it must return succeeded or failed"));
    }
    return outcome;
  } catch (const std::exception& e) {
    return Outcome::Failed(absl::StrCat("runner threw: ", e.what()));
  } catch (...) {
    return Outcome::Failed("runner threw a non-std::exception");
  }
}

}  // namespace

absl::Status ReportReturned(Orchestrator& orchestrator, const Action& action,
                            const Outcome& outcome, int64_t now_ms) {
  absl::Status reported = orchestrator.Report(action.id, outcome, now_ms);
  if (!reported.ok()) {
    // A late outcome finds its action timed out (the orchestrator recorded
    // and handled that): not an error.
    const bool timed_out = absl::IsFailedPrecondition(reported) &&
                           action.deadline_ms > 0 &&
                           now_ms >= action.deadline_ms;
    return timed_out ? absl::OkStatus() : reported;
  }
  if (outcome.kind != OutcomeKind::kSucceeded || outcome.observed == 0 ||
      action.rollback || action.kind != proto::AWAIT_READY) {
    return absl::OkStatus();
  }
  // Only a stale readiness token leaves a reported success in flight.
  for (const Action& a : orchestrator.InFlight()) {
    if (a.id != action.id) continue;
    // Ignored by the orchestrator, but nothing checks again: that attempt
    // failed (retried per the policy) rather than waiting out its deadline,
    // or stalling the run without one.
    return orchestrator.Report(
        action.id,
        Outcome::Failed(absl::StrCat(
            "stale readiness: observed ", outcome.observed,
            " was ignored and nothing checks again (the runner returned)")),
        now_ms);
  }
  return absl::OkStatus();
}

class Executor::Impl {
 public:
  Impl(Orchestrator& orchestrator, ActionRunner& runner,
       ExecutorOptions options)
      : orchestrator_(orchestrator),
        runner_(runner),
        options_(std::move(options)) {
    if (options_.workers < 1) options_.workers = 1;
    if (options_.clock == nullptr) {
      own_clock_ = std::make_unique<SystemClock>();
      options_.clock = own_clock_.get();
    }
    const proto::ExecutionPlan& plan = orchestrator_.plan().proto();
    int64_t timeouts = 0;
    int64_t with_timeout = 0;
    for (const proto::Step& step : plan.steps()) {
      if (step.timeout_ms() > 0) {
        timeouts += step.timeout_ms();
        ++with_timeout;
      }
    }
    if (with_timeout > 0) mean_timeout_ms_ = timeouts / with_timeout;
    parallelism_ = options_.workers;
    if (plan.max_parallel() > 0) {
      parallelism_ = std::min<int64_t>(parallelism_, plan.max_parallel());
    }
  }

  absl::StatusOr<PlanOutcome> Run();

  void Cancel() {
    cancelled_.store(true);
    // Wakes Run() (its wait condition reads cancelled_ under mu_).
    absl::MutexLock lock(&mu_);
  }
  bool cancelled() const { return cancelled_.load(); }

 private:
  void Worker();
  void EmitProgress(int64_t now);
  // A runner of `component` returned: the next held job of it, if any, goes
  // to the workers.
  void ReleaseNextOf(int32_t component);
  Orchestrator& orchestrator_;
  ActionRunner& runner_;
  ExecutorOptions options_;
  std::unique_ptr<SystemClock> own_clock_;
  std::atomic<bool> cancelled_{false};
  int64_t mean_timeout_ms_ = 0;
  int64_t parallelism_ = 1;

  // Run()'s thread only.
  std::map<uint64_t, Job> in_flight_;  // by id: issue order
  // One runner per component at a time. An action the orchestrator issues
  // for a component whose previous runner has not returned (its action timed
  // out at the deadline: the orchestrator moved on to a retry or the
  // rollback while the runner is still stopping its command) is held here
  // until that runner returns, so an old and a new command of one component
  // never run at once. Jobs per component: queued, running or held.
  std::map<int32_t, int> component_jobs_;
  std::map<int32_t, std::deque<Job>> held_;
  int64_t finished_actions_ = 0;
  int64_t finished_ms_ = 0;
  // What the progress callback threw (it is not called again); empty: none.
  std::string progress_error_;

  absl::Mutex mu_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_workers_ ABSL_GUARDED_BY(mu_) = false;
  // Run() has seen the cancellation (so a wait no longer ends for it).
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  std::deque<Completion> completions_ ABSL_GUARDED_BY(mu_);
};

void Executor::Impl::ReleaseNextOf(int32_t component) {
  auto jobs = component_jobs_.find(component);
  if (jobs == component_jobs_.end()) return;
  if (--jobs->second == 0) {
    component_jobs_.erase(jobs);
    return;
  }
  auto held = held_.find(component);
  if (held == held_.end()) return;
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(held->second.front()));
  held->second.pop_front();
  if (held->second.empty()) held_.erase(held);
}

void Executor::Impl::Worker() {
  for (;;) {
    Job job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Impl* impl) ABSL_EXCLUSIVE_LOCKS_REQUIRED(impl->mu_) {
            return !impl->queue_.empty() || impl->stop_workers_;
          },
          this));
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Outcome outcome = CallRunner(runner_, job);
    absl::MutexLock lock(&mu_);
    completions_.push_back({std::move(job.action), std::move(outcome)});
  }
}

void Executor::Impl::EmitProgress(int64_t now) {
  const OrchestratorStatus status = orchestrator_.Status();
  Progress p;
  p.outcome = status.outcome;
  p.now_ms = now;
  p.steps_done = status.done;
  p.steps_total = orchestrator_.plan().proto().steps_size();
  p.rollback_done = status.rollback_done;
  p.rollback_remaining = status.rollback_pending + status.rollback_running;
  const proto::ExecutionPlan& plan = orchestrator_.plan().proto();
  for (const auto& [id, job] : in_flight_) {
    p.running.push_back(job.action.step_id);
    if (!job.action.rollback) {
      const int32_t wave = plan.steps(job.action.step).wave();
      if (p.wave < 0 || wave < p.wave) p.wave = wave;
    }
  }
  const int64_t remaining = status.pending + status.running +
                            status.rollback_pending + status.rollback_running;
  const int64_t mean = finished_actions_ > 0 ? finished_ms_ / finished_actions_
                                             : mean_timeout_ms_;
  if (!orchestrator_.done() && (finished_actions_ > 0 || mean > 0)) {
    p.eta_ms = (remaining * mean + parallelism_ - 1) / parallelism_;
  }
  // An exception must not unwind through Run() (its worker threads are
  // still joinable there: std::terminate). It cancels the run instead, and
  // Run() returns it once the runners in flight have returned.
  try {
    options_.on_progress(p);
  } catch (const std::exception& e) {
    progress_error_ = absl::StrCat("on_progress threw: ", e.what());
  } catch (...) {
    progress_error_ = "on_progress threw a non-std::exception";
  }
  if (!progress_error_.empty()) Cancel();
}

absl::StatusOr<PlanOutcome> Executor::Impl::Run() {
  {
    absl::MutexLock lock(&mu_);
    if (running_) {
      return absl::FailedPreconditionError(
          "Executor::Run: already running (one Run() at a time)");
    }
    running_ = true;
    stop_workers_ = false;
    stopping_ = false;
  }
  const std::vector<Action> in_doubt = orchestrator_.InFlight();
  if (!in_doubt.empty()) {
    absl::MutexLock lock(&mu_);
    running_ = false;
    return absl::FailedPreconditionError(absl::StrCat(
        "Executor::Run: ", in_doubt.size(),
        " action(s) already in flight (the first: ", in_doubt[0].step_id,
        ", action ", in_doubt[0].id,
        "); report what became of them first (a recovered orchestrator's "
        "in-doubt actions: ResolveInDoubt)"));
  }
  std::vector<std::thread> workers;
  workers.reserve(options_.workers);
  for (int i = 0; i < options_.workers; ++i) {
    workers.emplace_back([this] { Worker(); });
  }

  Clock& clock = *options_.clock;
  absl::Status error;
  bool stopping = false;  // cancelled or failed: tokens cancelled once
  for (;;) {
    const int64_t now = clock.NowMs();
    std::deque<Completion> completions;
    {
      absl::MutexLock lock(&mu_);
      completions.swap(completions_);
    }
    bool changed = !completions.empty();
    for (Completion& c : completions) {
      in_flight_.erase(c.action.id);
      ReleaseNextOf(c.action.component);
      ++finished_actions_;
      finished_ms_ += std::max<int64_t>(0, now - c.action.issued_at_ms);
      if (!error.ok()) continue;  // the run failed: outcomes not reported
      absl::Status reported =
          ReportReturned(orchestrator_, c.action, c.outcome, now);
      if (!reported.ok()) error = reported;
    }
    const PlanOutcome outcome = orchestrator_.outcome();
    if (error.ok() && !cancelled() && !orchestrator_.done() &&
        outcome != PlanOutcome::kPaused) {
      absl::StatusOr<std::vector<Action>> actions =
          orchestrator_.NextActions(now);
      if (!actions.ok()) {
        error = actions.status();
      } else if (!actions->empty()) {
        changed = true;
        absl::MutexLock lock(&mu_);
        for (Action& a : *actions) {
          Job job{std::move(a), std::make_shared<CancellationToken>()};
          in_flight_.emplace(job.action.id, job);
          if (component_jobs_[job.action.component]++ > 0) {
            held_[job.action.component].push_back(std::move(job));
          } else {
            queue_.push_back(std::move(job));
          }
        }
      }
    }
    if (!stopping && (!error.ok() || cancelled())) {
      stopping = true;
      const std::string why =
          error.ok() ? "cancelled"
                     : absl::StrCat("run stopped: ", error.message());
      for (auto& [id, job] : in_flight_) job.token->Cancel(why);
    }
    // Runners of actions past their deadline (timed out by the orchestrator)
    // are told to give up.
    for (auto& [id, job] : in_flight_) {
      if (job.action.deadline_ms > 0 && now >= job.action.deadline_ms &&
          !job.token->cancelled()) {
        job.token->Cancel(absl::StrCat(
            "timed out after ",
            FormatDuration(job.action.deadline_ms - job.action.issued_at_ms)));
      }
    }
    if (changed && options_.on_progress && progress_error_.empty()) {
      EmitProgress(now);
    }

    std::optional<int64_t> wake_at;
    if (!stopping) wake_at = orchestrator_.NextWakeup();
    if (in_flight_.empty()) {
      if (stopping || orchestrator_.done() ||
          orchestrator_.outcome() == PlanOutcome::kPaused) {
        break;
      }
      if (!wake_at.has_value()) {
        error = absl::InternalError(
            absl::StrCat("Executor::Run: the orchestrator stalled: plan ",
                         PlanOutcomeName(orchestrator_.outcome()),
                         ", nothing in flight and nothing scheduled\n",
                         orchestrator_.Status().ToText()));
        break;
      }
    }
    absl::MutexLock lock(&mu_);
    stopping_ = stopping;
    clock.WaitUntil(
        mu_,
        absl::Condition(
            +[](Impl* impl) ABSL_EXCLUSIVE_LOCKS_REQUIRED(impl->mu_) {
              return !impl->completions_.empty() ||
                     (impl->cancelled_.load() && !impl->stopping_);
            },
            this),
        // Once cancelled, only completions matter.
        stopping || cancelled() ? std::nullopt : wake_at, !in_flight_.empty());
  }

  {
    absl::MutexLock lock(&mu_);
    stop_workers_ = true;
  }
  for (std::thread& t : workers) t.join();
  {
    absl::MutexLock lock(&mu_);
    running_ = false;
    queue_.clear();
    completions_.clear();
  }
  in_flight_.clear();
  component_jobs_.clear();
  held_.clear();
  if (options_.journal != nullptr) {
    absl::Status synced = options_.journal->Sync();
    if (error.ok()) error = synced;
  }
  if (error.ok() && !progress_error_.empty()) {
    error = absl::InternalError(absl::StrCat(
        "Executor::Run: ", progress_error_, "; the run was cancelled (plan ",
        PlanOutcomeName(orchestrator_.outcome()), ")"));
  }
  if (!error.ok()) return error;
  return orchestrator_.outcome();
}

Executor::Executor(Orchestrator& orchestrator, ActionRunner& runner,
                   ExecutorOptions options)
    : impl_(std::make_unique<Impl>(orchestrator, runner, std::move(options))) {}

Executor::~Executor() = default;

absl::StatusOr<PlanOutcome> Executor::Run() { return impl_->Run(); }

void Executor::Cancel() { impl_->Cancel(); }

bool Executor::cancelled() const { return impl_->cancelled(); }

}  // namespace upgrade_core::exec
