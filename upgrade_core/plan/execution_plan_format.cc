// Text, DOT and Mermaid renderings of an ExecutionPlan, and the words of its
// gates (WaitsFor); the JSON rendering is in execution_plan_json.cc. All
// output is deterministic: it follows the order of the plan's waves and steps.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "upgrade_core/diag/report.h"
#include "upgrade_core/graph/graph_format.h"
#include "upgrade_core/plan/planner.h"
#include "upgrade_core/plan/problem.h"

namespace upgrade_core::plan {
namespace {

// At most five names, then "and N more": a preflight of a component with
// 10k dependencies stays one readable line.
template <typename Names>
std::string ListSome(const Names& names) {
  constexpr int kMax = 5;
  const int n = static_cast<int>(names.size());
  if (n <= kMax) return absl::StrJoin(names, ", ");
  return absl::StrCat(absl::StrJoin(names.begin(), names.begin() + kMax, ", "),
                      " and ", n - kMax, " more");
}

std::vector<absl::string_view> ComponentNames(
    const proto::ExecutionPlan& p,
    const google::protobuf::RepeatedField<int32_t>& indices) {
  std::vector<absl::string_view> names;
  names.reserve(indices.size());
  for (int32_t i : indices) names.push_back(p.components(i));
  return names;
}

// "1 node" / "3 nodes" for a DaemonSet, "1 instance" / "3 instances" else.
std::string Count(const proto::Gate& g) {
  const int64_t n = g.instances();
  if (g.per_node()) return absl::StrCat(n, n == 1 ? " node" : " nodes");
  return absl::StrCat(n, n == 1 ? " instance" : " instances");
}

// The one place a gate's words are made (ExecutionPlan::WaitsFor).
std::string GateWords(const proto::ExecutionPlan& p, const proto::Step& s) {
  const proto::Gate& g = s.gate();
  const std::string version = g.version().empty() ? "" : g.version();
  switch (s.kind()) {
    case proto::PREFLIGHT: {
      std::string out =
          g.after_components().empty()
              ? std::string("no dependencies")
              : absl::StrCat("dependencies verified: ",
                             ListSome(ComponentNames(p, g.after_components())));
      for (const proto::GateBarrier& b : g.barriers()) {
        absl::StrAppend(
            &out, "; then after ",
            absl::StrJoin(ComponentNames(p, b.after_components()), ", "), " (",
            b.reason() == proto::GateBarrier::SERVICE_FLOOR ? "provides "
                                                            : "holds ",
            b.name(), ")");
      }
      return out;
    }
    case proto::BACKUP:
      return "backup stored";
    case proto::TERMINATE_OLD:
      switch (g.strategy()) {
        case proto::ON_DELETE:
          return absl::StrCat("operator deletes the old pods (OnDelete), ",
                              Count(g));
        case proto::ROLLING_UPDATE:
          return absl::StrCat("old pods replaced, ", s.batch(),
                              " at a time of ", Count(g));
        case proto::START_FIRST:
          return "old instances stopped after the new are ready";
        default:
          return g.instances() == 1
                     ? std::string("old instance stopped and gone")
                     : absl::StrCat("all ", Count(g),
                                    " of the old version gone");
      }
    case proto::START_NEW: {
      std::string out = absl::StrCat(
          "version ", version.empty() ? "(new)" : version, " applied");
      if (g.strategy() == proto::ROLLING_UPDATE) {
        absl::StrAppend(&out, " (RollingUpdate: maxSurge ", g.max_surge(),
                        ", maxUnavailable ", g.max_unavailable(), " of ",
                        Count(g), ")");
      }
      return out;
    }
    case proto::AWAIT_READY: {
      std::string out = absl::StrCat(g.ready(), "/", g.instances(), " ready");
      if (g.ready_for_ms() > 0) {
        absl::StrAppend(&out, " for ",
                        g.ready_for_ms() % 1000 == 0
                            ? absl::StrCat(g.ready_for_ms() / 1000, "s")
                            : FormatDurationMs(g.ready_for_ms()));
      }
      return out;
    }
    case proto::VERIFY:
      if (g.verify_checks().empty()) return "no verification checks";
      return absl::StrCat("checks pass: ", ListSome(g.verify_checks()));
    case proto::ROLLBACK:
      return absl::StrCat(
          "restore ", version.empty() ? "the old version" : version,
          g.after_components().empty() ? "" : " after its dependents");
    default:
      return "";
  }
}

// What the executor does when a step fails, as the text output says it
// (docs/plan-reference.md, policy.onFailure), ending where the rollback
// step table begins.
absl::string_view OnFailureDescription(proto::FailurePolicy policy) {
  switch (policy) {
    case proto::ROLLBACK_FAILED:
      return "roll back only the component whose step failed (its rollback "
             "step below); the components already upgraded keep the new "
             "version";
    case proto::PAUSE:
      return "stop and wait for an operator; nothing is rolled back "
             "automatically. The steps an operator can run to roll back";
    case proto::CONTINUE:
      return "skip the failed component's dependents and carry on with every "
             "other component; nothing is rolled back automatically. The "
             "steps an operator can run to roll back";
    case proto::ROLLBACK_ALL:
    default:
      return "roll back every component upgraded so far, dependents first "
             "(reverse dependency order)";
  }
}

std::string Timeout(int64_t ms) {
  return ms > 0 ? FormatDurationMs(ms) : "none";
}

// A DOT double-quoted string; a newline becomes DOT's "\n" so an id cannot
// break the line structure.
std::string DotQuote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// A two-line DOT label: each line quoted, joined by DOT's line break escape
// (DotQuote would escape its backslash and show a literal "\n").
std::string DotLines(absl::string_view first, absl::string_view second) {
  std::string a = DotQuote(first), b = DotQuote(second);
  a.pop_back();
  return absl::StrCat(a, "\\n", absl::string_view(b).substr(1));
}

}  // namespace

std::string ExecutionPlan::WaitsFor(const proto::Step& step) const {
  return GateWords(*proto_, step);
}

std::string ExecutionPlan::ToText() const {
  const proto::ExecutionPlan& p = *proto_;
  std::string out = absl::StrFormat(
      "Execution plan \"%s\": %d components, %d waves, %d steps (max parallel "
      "%s, on failure %s)\n",
      p.name(), p.components_size(), p.waves_size(), p.steps_size(),
      p.max_parallel() > 0 ? absl::StrCat(p.max_parallel()) : "unlimited",
      FailurePolicyName(p.on_failure()));
  size_t id_width = 4;
  for (const proto::Step& s : p.steps()) {
    id_width = std::max(
        id_width, ComponentId(s).size() + 1 + StepKindName(s.kind()).size());
  }
  for (const proto::Step& s : p.rollback_steps()) {
    id_width = std::max(id_width, ComponentId(s).size() + 9);
  }
  size_t transition_width = 9;
  for (const proto::Step& s : p.steps()) {
    transition_width =
        std::max(transition_width, FormatTransition(StepTransition(s)).size());
  }
  for (const proto::Step& s : p.rollback_steps()) {
    transition_width =
        std::max(transition_width, FormatTransition(StepTransition(s)).size());
  }
  auto row = [&](absl::string_view id, absl::string_view timeout,
                 absl::string_view transition, absl::string_view waits) {
    std::string line = absl::StrFormat(
        "  %-*s  %-7s  %-*s  %s", static_cast<int>(id_width), id, timeout,
        static_cast<int>(transition_width), transition, waits);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + "\n";
  };
  auto step_row = [&](const proto::Step& s) {
    return row(StepId(s), Timeout(s.timeout_ms()),
               FormatTransition(StepTransition(s)), WaitsFor(s));
  };
  for (const proto::Wave& w : p.waves()) {
    std::vector<absl::string_view> ids;
    for (int32_t c : w.components()) ids.push_back(p.components(c));
    absl::StrAppend(&out, "\nWave ", w.index(), ": ", absl::StrJoin(ids, ", "),
                    "\n", row("STEP", "TIMEOUT", "LIFECYCLE", "WAITS FOR"));
    for (int i = w.first_step(); i < w.first_step() + w.step_count(); ++i) {
      absl::StrAppend(&out, step_row(p.steps(i)));
    }
  }
  absl::StrAppend(&out, "\nOn failure (", FailurePolicyName(p.on_failure()),
                  "): ", OnFailureDescription(p.on_failure()), ":\n",
                  row("STEP", "TIMEOUT", "LIFECYCLE", "WAITS FOR"));
  for (const proto::Step& s : p.rollback_steps()) {
    absl::StrAppend(&out, step_row(s));
  }
  if (!warnings_.empty()) {
    absl::StrAppend(&out, "\nNotes:\n");
    for (const diag::Diagnostic& w : warnings_) {
      absl::StrAppend(&out, "  ", diag::FormatDiagnostic(w), "\n");
    }
  }
  return out;
}

std::string ExecutionPlan::ToDot() const {
  const proto::ExecutionPlan& p = *proto_;
  std::string out =
      absl::StrCat("digraph ", DotQuote(p.name().empty() ? "plan" : p.name()),
                   " {\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n");
  for (const proto::Wave& w : p.waves()) {
    absl::StrAppend(
        &out, "  subgraph cluster_wave", w.index(),
        " {\n    label=", DotQuote(absl::StrCat("wave ", w.index())), ";\n");
    for (int i = w.first_step(); i < w.first_step() + w.step_count(); ++i) {
      const proto::Step& s = p.steps(i);
      absl::StrAppend(
          &out, "    s", i, " [label=",
          // Two label lines: DOT's own "\n" escape between two quoted parts.
          DotLines(StepId(s), Timeout(s.timeout_ms())), "];\n");
    }
    out += "  }\n";
  }
  for (int i = 0; i < p.steps_size(); ++i) {
    for (int32_t d : p.steps(i).depends_on()) {
      absl::StrAppend(&out, "  s", d, " -> s", i, ";\n");
    }
  }
  out += "}\n";
  return out;
}

std::string ExecutionPlan::ToMermaidGantt() const {
  const proto::ExecutionPlan& p = *proto_;
  std::string out = absl::StrCat("gantt\n  title ",
                                 p.name().empty() ? "upgrade plan" : p.name(),
                                 "\n  dateFormat X\n  axisFormat %H:%M:%S\n");
  // One bar per component, as long as its steps' timeouts (an upper bound),
  // starting when the previous wave has finished.
  std::vector<std::string> previous_wave;
  int step = 0;
  for (const proto::Wave& w : p.waves()) {
    absl::StrAppend(&out, "  section wave ", w.index(), "\n");
    std::vector<std::string> this_wave;
    for (int32_t c : w.components()) {
      int64_t ms = 0;
      while (step < p.steps_size() && p.steps(step).component() == c) {
        ms += p.steps(step).timeout_ms();
        ++step;
      }
      const std::string name = absl::StrCat("c", c);
      const std::string start =
          previous_wave.empty()
              ? "0"
              : absl::StrCat("after ", absl::StrJoin(previous_wave, " "));
      absl::StrAppend(&out, "  ", p.components(c), " :", name, ", ", start,
                      ", ", std::max<int64_t>(1, (ms + 999) / 1000), "s\n");
      this_wave.push_back(name);
    }
    previous_wave = std::move(this_wave);
  }
  return out;
}

std::string ExecutionPlan::ToMermaidFlowchart() const {
  return graph::ToMermaid(graph_);
}

}  // namespace upgrade_core::plan
