// Python bindings of upgrade_core/exec: the sans-IO Orchestrator (with an
// optional crash-safe journal), its actions, status and rollback coverage.
// Thin shims: convert arguments, one C++ call with the GIL released, convert
// the result. The outcome and plan-state enums are pure Python
// (upgrade_core/_exec.py); strings cross the boundary.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bindings/python/register.h"
#include "bindings/python/status_casters.h"
#include "upgrade_core/exec/executor.h"
#include "upgrade_core/exec/journal.h"
#include "upgrade_core/exec/orchestrator.h"
#include "upgrade_core/exec/run_journal.h"
#include "upgrade_core/plan/plan.h"
#include "upgrade_core/plan/planner.h"

namespace upgrade_core::python {
namespace {

namespace py = pybind11;
using exec::Orchestrator;
using plan::ExecutionPlan;

std::string Repr(const py::object& o) {
  return py::repr(o).cast<std::string>();
}

std::string Quoted(const std::string& s) { return Repr(py::str(s)); }

// ---- actions ---------------------------------------------------------------

// An exec::Action with the names a script needs (component id, step kind)
// resolved against the plan.
struct PyAction {
  exec::Action action;
  std::string component;
  std::string kind;
};

PyAction ToPyAction(const ExecutionPlan& plan, const exec::Action& a) {
  return {a, plan.proto().components(a.component),
          std::string(plan::StepKindName(a.kind))};
}

std::vector<PyAction> ToPyActions(const ExecutionPlan& plan,
                                  const std::vector<exec::Action>& actions) {
  std::vector<PyAction> out;
  out.reserve(actions.size());
  for (const exec::Action& a : actions) out.push_back(ToPyAction(plan, a));
  return out;
}

py::object DeadlineToPy(int64_t deadline_ms) {
  if (deadline_ms == 0) return py::none();
  return py::int_(deadline_ms);
}

// ---- outcomes
// ----------------------------------------------------------------

constexpr char kOutcomeWords[] =
    "'succeeded', 'failed' or 'progress' (or an upgrade_core.Outcome)";

// "succeeded" | "failed" | "progress" (upgrade_core.Outcome members are
// those strings) -> OutcomeKind. InvalidArgument for anything else.
absl::StatusOr<exec::OutcomeKind> ParseOutcomeKind(const py::handle& value) {
  if (py::isinstance<py::str>(value)) {
    const std::string text = value.cast<std::string>();
    if (text == "succeeded") return exec::OutcomeKind::kSucceeded;
    if (text == "failed") return exec::OutcomeKind::kFailed;
    if (text == "progress") return exec::OutcomeKind::kProgress;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("outcome must be ", kOutcomeWords, ", not ",
                   Repr(py::reinterpret_borrow<py::object>(value))));
}

// report()'s arguments as an exec::Outcome; bad combinations are
// InvalidArgument naming what was expected.
absl::StatusOr<exec::Outcome> ToOutcome(const py::handle& outcome,
                                        const py::object& reason,
                                        const py::object& observed) {
  absl::StatusOr<exec::OutcomeKind> kind = ParseOutcomeKind(outcome);
  if (!kind.ok()) return kind.status();
  exec::Outcome out;
  out.kind = *kind;
  if (!reason.is_none()) {
    if (*kind == exec::OutcomeKind::kSucceeded) {
      return absl::InvalidArgumentError(
          "reason is for 'failed' and 'progress' outcomes, not 'succeeded' "
          "(a success carries `observed` instead)");
    }
    if (!py::isinstance<py::str>(reason)) {
      return absl::InvalidArgumentError(
          absl::StrCat("reason must be a str, not ", Repr(reason)));
    }
    out.reason = reason.cast<std::string>();
  }
  if (!observed.is_none()) {
    if (*kind != exec::OutcomeKind::kSucceeded) {
      return absl::InvalidArgumentError(
          "observed (the readiness freshness token) is for 'succeeded' "
          "outcomes only");
    }
    if (!py::isinstance<py::int_>(observed) ||
        py::isinstance<py::bool_>(observed)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "observed must be an int (a generation or a time in ms), not ",
          Repr(observed)));
    }
    out.observed = observed.cast<int64_t>();
  }
  return out;
}

uint64_t ToActionId(const py::handle& value) {
  if (py::isinstance<PyAction>(value)) {
    return value.cast<const PyAction&>().action.id;
  }
  if (py::isinstance<py::int_>(value) && !py::isinstance<py::bool_>(value) &&
      value.cast<py::int_>() > py::int_(0)) {
    return value.cast<uint64_t>();
  }
  ThrowStatus(absl::InvalidArgumentError(
      absl::StrCat("action_id must be an Action or a positive int, not ",
                   Repr(py::reinterpret_borrow<py::object>(value)))));
}

py::object ToPyPlanOutcome(exec::PlanOutcome outcome) {
  return py::module_::import("upgrade_core._exec")
      .attr("PlanOutcome")(exec::PlanOutcomeName(outcome));
}

// ---- the orchestrator
// --------------------------------------------------------

// An Orchestrator with the journal it writes to. The GIL is released during
// every C++ call, so `mu` keeps the calls of several Python threads apart
// (the Orchestrator is not thread-safe).
struct PyOrchestrator {
  absl::Mutex mu;
  // Declared before the orchestrator: destroyed after it (it writes here).
  std::unique_ptr<exec::Journal> journal ABSL_GUARDED_BY(mu);
  std::unique_ptr<Orchestrator> orchestrator ABSL_GUARDED_BY(mu);
  std::string journal_path;              // "" without a journal
  std::optional<std::string> tail_drop;  // what Open cut off, described
  std::string plan_name;
  // Set while an Executor runs it: the Executor's thread calls the
  // orchestrator without `mu`, so only that thread (the progress callback)
  // may read it meanwhile, and nothing may change it.
  bool executor_running ABSL_GUARDED_BY(mu) = false;
  std::thread::id executor_thread ABSL_GUARDED_BY(mu);
};

enum class Access { kRead, kWrite };

absl::Status BusyError(const PyOrchestrator& o) {
  return absl::FailedPreconditionError(absl::StrCat(
      "the orchestrator of plan ", o.plan_name,
      " is being run by an Executor: only its on_progress callback may read "
      "it (status(), in_flight(), ...) until run() returns; executor.cancel() "
      "stops the run"));
}

// Runs f(orchestrator) with the GIL released and `mu` held; raises
// upgrade_core.Error when the orchestrator was closed or an Executor runs it
// (reads from the Executor's own thread, the progress callback, are fine).
template <typename F>
auto WithOrchestrator(PyOrchestrator& o, F f, Access access = Access::kRead) {
  using Result = decltype(f(std::declval<Orchestrator&>()));
  std::optional<Result> result;
  absl::Status error;
  {
    py::gil_scoped_release no_gil;
    absl::MutexLock lock(&o.mu);
    if (o.orchestrator == nullptr) {
      error = absl::FailedPreconditionError(absl::StrCat(
          "the orchestrator of plan ", o.plan_name,
          " is closed (close() released its journal); recover it from the "
          "journal to go on"));
    } else if (o.executor_running &&
               (access == Access::kWrite ||
                std::this_thread::get_id() != o.executor_thread)) {
      error = BusyError(o);
    } else {
      result.emplace(f(*o.orchestrator));
    }
  }
  ThrowIfError(error);
  return *std::move(result);
}

// pause/resume/abort: one recorded operator command at `now`.
auto OperatorCommand(absl::Status (Orchestrator::*command)(int64_t)) {
  return [command](PyOrchestrator& o, int64_t now) {
    ThrowIfError(WithOrchestrator(
        o, [&](Orchestrator& x) { return (x.*command)(now); }, Access::kWrite));
  };
}

void Close(PyOrchestrator& o) {
  absl::Status error;
  {
    py::gil_scoped_release no_gil;
    absl::MutexLock lock(&o.mu);
    if (o.executor_running) {
      error = BusyError(o);
    } else {
      o.orchestrator.reset();
      o.journal.reset();
    }
  }
  ThrowIfError(error);
}

absl::StatusOr<std::unique_ptr<exec::Journal>> OpenJournal(
    const ExecutionPlan& plan, const std::string& path) {
  // The header's clock is informational; a Python script's is the wall clock.
  return exec::Journal::Open(
      path, exec::PlanJournalHeader(plan, absl::ToUnixMillis(absl::Now())));
}

std::string JournalPath(const py::object& journal) {
  if (!py::isinstance<py::str>(journal) &&
      !py::hasattr(journal, "__fspath__")) {
    throw py::type_error(absl::StrCat(
        "journal must be a path (str or os.PathLike) or None, not ",
        Repr(journal)));
  }
  return py::module_::import("os").attr("fspath")(journal).cast<std::string>();
}

struct Made {
  std::unique_ptr<PyOrchestrator> orchestrator;
  std::vector<PyAction> in_doubt;
};

// Orchestrator(plan, journal, seed) when !recover; Orchestrator.recover
// otherwise. REQUIRES: the GIL is held (released inside).
Made MakeOrchestrator(const ExecutionPlan& plan, const py::object& journal,
                      uint64_t seed, bool recover) {
  auto out = std::make_unique<PyOrchestrator>();
  out->plan_name = plan.proto().name();
  if (!journal.is_none()) out->journal_path = JournalPath(journal);
  std::vector<PyAction> in_doubt;
  absl::Status status;
  {
    py::gil_scoped_release no_gil;
    absl::MutexLock lock(&out->mu);
    status = [&]() -> absl::Status {
      exec::OrchestratorOptions options;
      options.seed = seed;
      if (!out->journal_path.empty()) {
        absl::StatusOr<std::unique_ptr<exec::Journal>> j =
            OpenJournal(plan, out->journal_path);
        if (!j.ok()) return j.status();
        out->journal = *std::move(j);
        options.journal = out->journal.get();
        if (out->journal->tail_drop().has_value()) {
          out->tail_drop = exec::DescribeTailDrop(*out->journal->tail_drop());
        }
      }
      if (!recover) {
        if (out->journal != nullptr && !out->journal->recovered().empty()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "journal ", out->journal_path, " already holds ",
              out->journal->recovered().size(), " records of plan ",
              out->plan_name,
              ": continue it with Orchestrator.recover(plan, journal), or "
              "start over with a new journal"));
        }
        absl::StatusOr<std::unique_ptr<Orchestrator>> o =
            Orchestrator::Create(plan, options);
        if (!o.ok()) return o.status();
        out->orchestrator = *std::move(o);
        return absl::OkStatus();
      }
      absl::StatusOr<Orchestrator::Recovered> r =
          Orchestrator::Recover(plan, out->journal->recovered(), options);
      if (!r.ok()) return r.status();
      out->orchestrator = std::move(r->orchestrator);
      in_doubt = ToPyActions(out->orchestrator->plan(), r->in_doubt);
      return absl::OkStatus();
    }();
    if (!status.ok()) out->journal.reset();  // releases the lock at once
  }
  ThrowIfError(status);
  return {std::move(out), std::move(in_doubt)};
}

std::string StatusRepr(const exec::OrchestratorStatus& s) {
  std::string out =
      absl::StrCat("<OrchestratorStatus ", exec::PlanOutcomeName(s.outcome),
                   ": ", s.done, " done, ", s.running, " running, ", s.pending,
                   " pending, ", s.failed, " failed, ", s.skipped, " skipped");
  if (s.rollback_done + s.rollback_running + s.rollback_pending +
          s.rollback_failed >
      0) {
    absl::StrAppend(&out, "; rollback ", s.rollback_done, " done, ",
                    s.rollback_running, " running, ", s.rollback_pending,
                    " pending, ", s.rollback_failed, " failed");
  }
  return absl::StrCat(out, ">");
}

std::string ListRepr(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  quoted.reserve(items.size());
  for (const std::string& s : items) quoted.push_back(Quoted(s));
  return absl::StrCat("[", absl::StrJoin(quoted, ", "), "]");
}

// ---- the executor
// ------------------------------------------------------------

// "RuntimeError: image pull backoff" from the exception being handled.
// REQUIRES: the GIL is held.
std::string ExceptionText(const py::error_already_set& e) {
  std::string type = "exception";
  std::string text;
  try {
    type = py::str(e.type().attr("__name__")).cast<std::string>();
    text = py::str(e.value()).cast<std::string>();
  } catch (const py::error_already_set&) {
    // An exception whose str() raises: its type name is all there is.
  }
  return text.empty() ? type : absl::StrCat(type, ": ", text);
}

constexpr char kRunnerWords[] =
    "'succeeded'/True, 'failed'/False, an Outcome, or a tuple (outcome, "
    "reason) / (outcome, observed)";

// What a Python runner returned, as an exec::Outcome. Anything unexpected is
// a failure saying what was returned and what was expected (the run goes
// on; the action is retried or rolled back per the plan).
// REQUIRES: the GIL is held.
exec::Outcome RunnerOutcome(const py::object& returned) {
  py::object kind = returned;
  py::object detail = py::none();
  if (py::isinstance<py::tuple>(returned) && py::len(returned) == 2) {
    py::tuple pair = returned.cast<py::tuple>();
    kind = pair[0];
    detail = pair[1];
  }
  if (py::isinstance<py::bool_>(kind)) {
    kind = py::str(kind.cast<bool>() ? "succeeded" : "failed");
  }
  absl::StatusOr<exec::OutcomeKind> parsed = ParseOutcomeKind(kind);
  if (!parsed.ok() || *parsed == exec::OutcomeKind::kProgress) {
    return exec::Outcome::Failed(absl::StrCat(
        "the runner returned ", Repr(returned), "; expected ", kRunnerWords));
  }
  if (*parsed == exec::OutcomeKind::kFailed) {
    if (detail.is_none()) return exec::Outcome::Failed("the runner failed");
    return exec::Outcome::Failed(py::str(detail).cast<std::string>());
  }
  if (detail.is_none()) return exec::Outcome::Succeeded();
  if (!py::isinstance<py::int_>(detail) || py::isinstance<py::bool_>(detail)) {
    return exec::Outcome::Failed(absl::StrCat(
        "the runner returned ", Repr(returned),
        ": a success carries an int `observed` (readiness freshness)"));
  }
  return exec::Outcome::Succeeded(detail.cast<int64_t>());
}

// Executor(orchestrator, runner, workers, on_progress): the C++ Executor is
// made by each run(), on its own thread, so the calling thread can wait with
// the GIL released and still see Ctrl-C.
struct PyExecutor {
  py::object orchestrator_object;  // keeps the PyOrchestrator alive
  PyOrchestrator* orchestrator = nullptr;
  py::object runner;
  py::object on_progress;  // None or a callable
  int workers = 4;

  absl::Mutex mu;
  exec::Executor* running ABSL_GUARDED_BY(mu) = nullptr;
  bool cancel_requested ABSL_GUARDED_BY(mu) = false;

  void Cancel() {
    absl::MutexLock lock(&mu);
    cancel_requested = true;
    if (running != nullptr) running->Cancel();
  }
};

struct PyProgress {
  exec::Progress progress;
};

py::object RunExecutor(PyExecutor& self) {
  PyOrchestrator& o = *self.orchestrator;
  // The orchestrator: open, not already run by another Executor.
  {
    absl::Status busy;
    {
      py::gil_scoped_release no_gil;
      absl::MutexLock lock(&o.mu);
      if (o.orchestrator == nullptr) {
        busy = absl::FailedPreconditionError(
            absl::StrCat("the orchestrator of plan ", o.plan_name,
                         " is closed; recover it from its journal to run it"));
      } else if (o.executor_running) {
        busy = BusyError(o);
      } else {
        o.executor_running = true;
      }
    }
    ThrowIfError(busy);
  }

  // What the run's callbacks raised (the first progress callback error
  // cancels the run and is raised by run()).
  std::optional<py::error_already_set> progress_error;

  exec::FunctionRunner runner(
      [&self, &o](const exec::Action& action, const exec::CancellationToken&) {
        py::gil_scoped_acquire gil;
        try {
          // o.orchestrator is not reset while executor_running; its plan is
          // immutable.
          py::object returned =
              self.runner(ToPyAction(o.orchestrator->plan(), action));
          return RunnerOutcome(returned);
        } catch (py::error_already_set& e) {
          return exec::Outcome::Failed(ExceptionText(e));
        }
      });

  exec::SystemClock clock;  // Unix epoch ms, as time.time() * 1000
  exec::ExecutorOptions options;
  options.workers = self.workers;
  options.clock = &clock;
  {
    absl::MutexLock lock(&o.mu);
    options.journal = o.journal.get();
  }
  if (!self.on_progress.is_none()) {
    options.on_progress = [&self, &progress_error](const exec::Progress& p) {
      py::gil_scoped_acquire gil;
      if (progress_error.has_value()) return;
      try {
        self.on_progress(PyProgress{p});
      } catch (py::error_already_set& e) {
        progress_error.emplace(std::move(e));
        self.Cancel();
      }
    };
  }

  absl::StatusOr<exec::PlanOutcome> result =
      absl::InternalError("the executor did not run");
  absl::Notification finished;
  std::optional<py::error_already_set> interrupted;
  {
    py::gil_scoped_release no_gil;
    std::thread thread([&] {
      exec::Executor executor(*o.orchestrator, runner, options);
      {
        absl::MutexLock lock(&o.mu);
        o.executor_thread = std::this_thread::get_id();
      }
      bool cancelled;
      {
        absl::MutexLock lock(&self.mu);
        self.running = &executor;
        cancelled = self.cancel_requested;
      }
      if (cancelled) executor.Cancel();
      result = executor.Run();
      {
        absl::MutexLock lock(&self.mu);
        self.running = nullptr;
      }
      finished.Notify();
    });
    // Wake every 100 ms to let Python handle signals (Ctrl-C cancels the run:
    // in-flight actions finish and are reported, then KeyboardInterrupt).
    while (!finished.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
      if (interrupted.has_value()) continue;
      py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) {
        interrupted.emplace();  // fetches the pending exception
        self.Cancel();
      }
    }
    thread.join();
    absl::MutexLock lock(&o.mu);
    o.executor_running = false;
    o.executor_thread = std::thread::id();
  }
  {
    absl::MutexLock lock(&self.mu);
    self.cancel_requested = false;
  }
  if (interrupted.has_value()) throw *std::move(interrupted);
  if (progress_error.has_value()) throw *std::move(progress_error);
  return ToPyPlanOutcome(ValueOrThrow(std::move(result)));
}

}  // namespace

void RegisterExec(py::module_& m) {
  py::class_<PyAction>(
      m, "Action",
      "One thing for the caller to do: run `step` (e.g. 'web/start-new') and "
      "report its outcome with Orchestrator.report(action.id, ...).")
      .def_property_readonly(
          "id", [](const PyAction& a) { return a.action.id; },
          "Unique within the run: 1, 2, 3... in issue order.")
      .def_property_readonly(
          "step", [](const PyAction& a) { return a.action.step_id; },
          "The step id, '<component>/<kind>' (e.g. 'web/start-new').")
      .def_property_readonly("component",
                             [](const PyAction& a) { return a.component; })
      .def_property_readonly(
          "kind", [](const PyAction& a) { return a.kind; },
          "'preflight', 'backup', 'terminate-old', 'start-new', "
          "'await-ready', 'verify' or 'rollback'.")
      .def_property_readonly(
          "rollback", [](const PyAction& a) { return a.action.rollback; },
          "True for a step of the plan's rollback_steps.")
      .def_property_readonly(
          "step_index", [](const PyAction& a) { return a.action.step; },
          "Index into ExecutionPlan.steps (rollback_steps when rollback).")
      .def_property_readonly(
          "attempt", [](const PyAction& a) { return a.action.attempt; },
          "1-based; > 1 for a retry.")
      .def_property_readonly(
          "issued_at_ms",
          [](const PyAction& a) { return a.action.issued_at_ms; },
          "The caller's clock when it was issued.")
      .def_property_readonly(
          "deadline_ms",
          [](const PyAction& a) { return DeadlineToPy(a.action.deadline_ms); },
          "When it times out on the caller's clock; None: no deadline.")
      .def_property_readonly(
          "batch", [](const PyAction& a) { return a.action.batch; },
          "terminate-old/start-new: instances at a time.")
      .def(
          "__eq__",
          [](const PyAction& a, const PyAction& b) {
            return a.action == b.action;
          },
          py::is_operator())
      .def("__hash__",
           [](const PyAction& a) { return py::hash(py::int_(a.action.id)); })
      .def("__repr__", [](const PyAction& a) {
        return absl::StrCat(
            "Action(id=", a.action.id, ", step=", Quoted(a.action.step_id),
            ", attempt=", a.action.attempt,
            ", deadline_ms=", Repr(DeadlineToPy(a.action.deadline_ms)), ")");
      });

  py::class_<exec::ComponentStatus>(m, "ComponentStatus",
                                    "One component in OrchestratorStatus.")
      .def_readonly("id", &exec::ComponentStatus::id)
      .def_readonly("state", &exec::ComponentStatus::state,
                    "The component lifecycle state ('pending', "
                    "'verifying', 'succeeded', 'rolled_back', ...).")
      .def_readonly("since_ms", &exec::ComponentStatus::since_ms,
                    "Caller time of the last lifecycle change; None before "
                    "any.")
      .def_readonly("finished", &exec::ComponentStatus::finished,
                    "Nothing more will happen to it in this run.")
      .def_readonly("note", &exec::ComponentStatus::note,
                    "Why it is where it is, when the state does not say "
                    "('skipped: ...', the last failure, progress); '' "
                    "otherwise.")
      .def("__repr__", [](const exec::ComponentStatus& c) {
        return absl::StrCat(
            "ComponentStatus(id=", Quoted(c.id), ", state=", Quoted(c.state),
            ", since_ms=", c.since_ms ? absl::StrCat(*c.since_ms) : "None",
            ", finished=", c.finished ? "True" : "False",
            c.note.empty() ? "" : absl::StrCat(", note=", Quoted(c.note)), ")");
      });

  py::class_<exec::OrchestratorStatus>(
      m, "OrchestratorStatus",
      "Where a run is, for people: str() gives the text upgradectl prints.")
      .def_property_readonly(
          "outcome",
          [](const exec::OrchestratorStatus& s) {
            return ToPyPlanOutcome(s.outcome);
          },
          "A PlanOutcome (a str: 'running', 'paused', 'succeeded', ...).")
      .def_readonly("components", &exec::OrchestratorStatus::components,
                    "ComponentStatus per component, plan order.")
      .def_readonly("done", &exec::OrchestratorStatus::done,
                    "Forward steps succeeded.")
      .def_readonly("running", &exec::OrchestratorStatus::running,
                    "Actions in flight.")
      .def_readonly("pending", &exec::OrchestratorStatus::pending)
      .def_readonly("failed", &exec::OrchestratorStatus::failed,
                    "Steps failed for good (retries used up).")
      .def_readonly("skipped", &exec::OrchestratorStatus::skipped)
      .def_readonly("rollback_done", &exec::OrchestratorStatus::rollback_done)
      .def_readonly("rollback_running",
                    &exec::OrchestratorStatus::rollback_running)
      .def_readonly("rollback_pending",
                    &exec::OrchestratorStatus::rollback_pending)
      .def_readonly("rollback_failed",
                    &exec::OrchestratorStatus::rollback_failed)
      .def_readonly("blocked", &exec::OrchestratorStatus::blocked,
                    "For each component neither finished nor running: its "
                    "next step and what it waits for.")
      .def_readonly("events", &exec::OrchestratorStatus::events,
                    "Retries, timeouts, stale readiness...; latest last, at "
                    "most 100.")
      .def("__str__", &exec::OrchestratorStatus::ToText)
      .def("__repr__", &StatusRepr);

  py::class_<exec::RollbackCoverage>(m, "RollbackCoverage",
                                     "What a rollback could undo now.")
      .def_readonly("reversible", &exec::RollbackCoverage::reversible,
                    "Components a rollback can restore (plan order).")
      .def_readonly("irreversible", &exec::RollbackCoverage::irreversible,
                    "Never rolled back.")
      .def_readonly("committed", &exec::RollbackCoverage::committed,
                    "Reversible, but behind a passed point of no return.")
      .def("__repr__", [](const exec::RollbackCoverage& c) {
        return absl::StrCat(
            "RollbackCoverage(reversible=", ListRepr(c.reversible),
            ", irreversible=", ListRepr(c.irreversible),
            ", committed=", ListRepr(c.committed), ")");
      });

  py::class_<PyOrchestrator, std::unique_ptr<PyOrchestrator>>(
      m, "Orchestrator",
      "The sans-IO decision core (docs/exec.md): ask next_actions(now), "
      "perform them, report(id, outcome, now). Times are the caller's "
      "milliseconds, never decreasing. With a journal path, every decision "
      "is written there first (crash-safe) and recover() continues the run.")
      .def(py::init([](const ExecutionPlan& plan, const py::object& journal,
                       uint64_t seed) {
             return MakeOrchestrator(plan, journal, seed, /*recover=*/false)
                 .orchestrator;
           }),
           py::arg("execution_plan"), py::arg("journal") = py::none(),
           py::arg("seed") = 0,
           "A new run of `execution_plan`. `journal`: a path (created for "
           "this plan, refused when it holds another plan's records or any "
           "records: use recover()) or None. `seed`: the retry jitter.")
      .def_static(
          "recover",
          [](const ExecutionPlan& plan, const py::object& journal,
             uint64_t seed) {
            if (journal.is_none()) {
              throw py::type_error(
                  "recover() needs a journal path (str or os.PathLike)");
            }
            Made made = MakeOrchestrator(plan, journal, seed, /*recover=*/true);
            return py::make_tuple(py::cast(std::move(made.orchestrator)),
                                  py::cast(std::move(made.in_doubt)));
          },
          py::arg("execution_plan"), py::arg("journal"), py::arg("seed") = 0,
          "(orchestrator, in_doubt): the run recorded in `journal` (created "
          "when missing: a fresh run), continued. in_doubt: the actions "
          "issued without a final outcome; find out what became of each and "
          "report it before next_actions(). Use the seed of the first run.")
      .def(
          "next_actions",
          [](PyOrchestrator& o, int64_t now) {
            absl::StatusOr<std::vector<PyAction>> actions = WithOrchestrator(
                o,
                [&](Orchestrator& x) {
                  absl::StatusOr<std::vector<exec::Action>> a =
                      x.NextActions(now);
                  if (!a.ok()) {
                    return absl::StatusOr<std::vector<PyAction>>(a.status());
                  }
                  return absl::StatusOr<std::vector<PyAction>>(
                      ToPyActions(x.plan(), *a));
                },
                Access::kWrite);
            return ValueOrThrow(std::move(actions));
          },
          py::arg("now"),
          "Times out what passed its deadline, then returns every Action "
          "that may run now (empty: wait for a report or next_wakeup).")
      .def(
          "report",
          [](PyOrchestrator& o, const py::object& action_id,
             const py::object& outcome, int64_t now, const py::object& reason,
             const py::object& observed) {
            const uint64_t id = ToActionId(action_id);
            const exec::Outcome out =
                ValueOrThrow(ToOutcome(outcome, reason, observed));
            ThrowIfError(WithOrchestrator(
                o, [&](Orchestrator& x) { return x.Report(id, out, now); },
                Access::kWrite));
          },
          py::arg("action_id"), py::arg("outcome"), py::arg("now"),
          py::arg("reason") = py::none(), py::arg("observed") = py::none(),
          "Applies one outcome ('succeeded', 'failed', 'progress' or an "
          "Outcome) of an issued action (an Action or its id). reason: why "
          "it failed, or the progress text. observed: a success's "
          "readiness freshness token (docs/exec.md).")
      .def("pause", OperatorCommand(&Orchestrator::Pause), py::arg("now"),
           "Stops issuing; paused once nothing is in flight.")
      .def("resume", OperatorCommand(&Orchestrator::Resume), py::arg("now"),
           "Carries on; a component halted under `pause` restarts from its "
           "preflight.")
      .def("abort", OperatorCommand(&Orchestrator::Abort), py::arg("now"),
           "Rolls back every touched, reversible component.")
      .def(
          "status",
          [](PyOrchestrator& o) {
            return WithOrchestrator(o,
                                    [](Orchestrator& x) { return x.Status(); });
          },
          "An OrchestratorStatus (walks every component: a view for "
          "people).")
      .def(
          "coverage",
          [](PyOrchestrator& o) {
            return WithOrchestrator(
                o, [](Orchestrator& x) { return x.Coverage(); });
          },
          "A RollbackCoverage.")
      .def(
          "in_flight",
          [](PyOrchestrator& o) {
            return WithOrchestrator(o, [](Orchestrator& x) {
              return ToPyActions(x.plan(), x.InFlight());
            });
          },
          "The actions issued and not finished, by id.")
      .def_property_readonly(
          "done",
          [](PyOrchestrator& o) {
            return WithOrchestrator(o,
                                    [](Orchestrator& x) { return x.done(); });
          },
          "True once the plan succeeded, failed or rolled back (paused is "
          "not done).")
      .def_property_readonly(
          "outcome",
          [](PyOrchestrator& o) {
            return ToPyPlanOutcome(WithOrchestrator(
                o, [](Orchestrator& x) { return x.outcome(); }));
          },
          "A PlanOutcome (a str: 'running', 'succeeded', 'rolled_back'...).")
      .def_property_readonly(
          "next_wakeup",
          [](PyOrchestrator& o) {
            return WithOrchestrator(
                o, [](Orchestrator& x) { return x.NextWakeup(); });
          },
          "When something changes without a report (a deadline, a retry's "
          "backoff), or None.")
      .def_property_readonly(
          "plan_hash",
          [](PyOrchestrator& o) {
            return WithOrchestrator(
                o, [](Orchestrator& x) { return x.PlanHash(); });
          },
          "SHA-256 (hex) of the compiled plan; the journal header's.")
      .def_property_readonly(
          "journal",
          [](const PyOrchestrator& o) -> py::object {
            if (o.journal_path.empty()) return py::none();
            return py::str(o.journal_path);
          },
          "The journal's path, or None.")
      .def_property_readonly(
          "journal_tail_dropped",
          [](const PyOrchestrator& o) -> py::object {
            if (!o.tail_drop) return py::none();
            return py::str(*o.tail_drop);
          },
          "What opening the journal cut off its torn or corrupt end "
          "(described), or None.")
      .def("close", &Close,
           "Syncs and releases the journal; later calls raise Error. "
           "Idempotent.")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyOrchestrator& o, py::args) { Close(o); })
      .def("__repr__", [](PyOrchestrator& o) {
        std::optional<exec::PlanOutcome> outcome;
        {
          py::gil_scoped_release no_gil;
          absl::MutexLock lock(&o.mu);
          if (o.orchestrator) outcome = o.orchestrator->outcome();
        }
        return absl::StrCat(
            "<Orchestrator ", o.plan_name, ": ",
            outcome ? exec::PlanOutcomeName(*outcome) : "closed",
            o.journal_path.empty()
                ? ""
                : absl::StrCat(", journal ", Quoted(o.journal_path)),
            ">");
      });

  py::class_<PyProgress>(
      m, "ExecutorProgress",
      "What Executor's on_progress callback receives after every change.")
      .def_property_readonly("outcome",
                             [](const PyProgress& p) {
                               return ToPyPlanOutcome(p.progress.outcome);
                             })
      .def_property_readonly(
          "now_ms", [](const PyProgress& p) { return p.progress.now_ms; },
          "The executor's clock: Unix epoch milliseconds.")
      .def_property_readonly(
          "steps_done",
          [](const PyProgress& p) { return p.progress.steps_done; })
      .def_property_readonly(
          "steps_total",
          [](const PyProgress& p) { return p.progress.steps_total; })
      .def_property_readonly(
          "rollback_done",
          [](const PyProgress& p) { return p.progress.rollback_done; })
      .def_property_readonly(
          "rollback_remaining",
          [](const PyProgress& p) { return p.progress.rollback_remaining; })
      .def_property_readonly(
          "wave",
          [](const PyProgress& p) -> py::object {
            if (p.progress.wave < 0) return py::none();
            return py::int_(p.progress.wave);
          },
          "Lowest wave with a forward step in flight, or None.")
      .def_property_readonly(
          "running", [](const PyProgress& p) { return p.progress.running; },
          "Step ids in flight, in issue order.")
      .def_property_readonly(
          "eta_ms", [](const PyProgress& p) { return p.progress.eta_ms; },
          "Estimated milliseconds to the end, or None.")
      .def("__repr__", [](const PyProgress& p) {
        const exec::Progress& x = p.progress;
        return absl::StrCat(
            "<ExecutorProgress ", exec::PlanOutcomeName(x.outcome), ": ",
            x.steps_done, "/", x.steps_total, " steps",
            x.rollback_done + x.rollback_remaining > 0
                ? absl::StrCat(", rollback ", x.rollback_done, "/",
                               x.rollback_done + x.rollback_remaining)
                : "",
            ", running ", ListRepr(x.running), ">");
      });

  py::class_<PyExecutor>(
      m, "Executor",
      "Runs an Orchestrator's actions with a Python runner on a pool of "
      "worker threads (docs/exec.md, Python). The C++ core works with the "
      "GIL released; the GIL is taken only to call the runner and "
      "on_progress.")
      .def(py::init([](py::object orchestrator, py::object runner, int workers,
                       py::object on_progress) {
             if (!py::isinstance<PyOrchestrator>(orchestrator)) {
               throw py::type_error(absl::StrCat(
                   "orchestrator must be an upgrade_core.Orchestrator, not ",
                   Repr(orchestrator)));
             }
             if (!PyCallable_Check(runner.ptr())) {
               throw py::type_error(absl::StrCat(
                   "runner must be a callable runner(action) -> outcome, not ",
                   Repr(runner)));
             }
             if (!on_progress.is_none() &&
                 !PyCallable_Check(on_progress.ptr())) {
               throw py::type_error(
                   absl::StrCat("on_progress must be a callable or None, not ",
                                Repr(on_progress)));
             }
             if (workers < 1) {
               ThrowStatus(absl::InvalidArgumentError(
                   absl::StrCat("workers must be at least 1, not ", workers)));
             }
             auto e = std::make_unique<PyExecutor>();
             e->orchestrator = &orchestrator.cast<PyOrchestrator&>();
             e->orchestrator_object = std::move(orchestrator);
             e->runner = std::move(runner);
             e->on_progress = std::move(on_progress);
             e->workers = workers;
             return e;
           }),
           py::arg("orchestrator"), py::arg("runner"), py::arg("workers") = 4,
           py::arg("on_progress") = py::none(),
           "runner(action) returns 'succeeded'/True, 'failed'/False, an "
           "Outcome, or (outcome, reason) / (outcome, observed); an exception "
           "is a failure with its text. It is called on worker threads, up to "
           "`workers` at once. on_progress(ExecutorProgress) is called on the "
           "run's thread after every change.")
      .def("run", &RunExecutor,
           "Runs until the plan is done, paused (pause policy) or cancelled; "
           "returns the PlanOutcome. The clock is Unix epoch milliseconds. "
           "Ctrl-C cancels (in-flight actions finish and are reported) and "
           "raises KeyboardInterrupt; an exception from on_progress cancels "
           "and is raised.")
      .def(
          "cancel", [](PyExecutor& e) { e.Cancel(); },
          "Stops issuing actions; run() returns once those in flight have "
          "finished. Thread-safe (a runner or on_progress may call it).")
      .def_property_readonly(
          "orchestrator",
          [](const PyExecutor& e) { return e.orchestrator_object; })
      .def_property_readonly("workers",
                             [](const PyExecutor& e) { return e.workers; })
      .def("__repr__", [](const PyExecutor& e) {
        return absl::StrCat("<Executor ", e.orchestrator->plan_name, ", ",
                            e.workers, " workers>");
      });
}

}  // namespace upgrade_core::python
